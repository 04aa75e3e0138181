//! `leash design` end to end: the real binary on examples/orders-api, the
//! files it writes, and the designed policies checked again here with the
//! engine, independently of the report's own verification.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::Request;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/orders-api/template.yaml")
}

fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leash-design-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn role(dir: &Path, name: &str) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join(format!("{name}-role.json"))).unwrap())
        .unwrap()
}

fn prepared(role: &serde_json::Value) -> PreparedPolicySet {
    let text = role["Policies"][0]["PolicyDocument"].to_string();
    let parsed = leash_policy::parse::parse_policy_text(&text);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
    PreparedPolicySet::new(
        &PolicySet::new().with_identity_policy("designed", parsed.policy.unwrap()),
    )
}

const FUNCTIONS: [&str; 5] = [
    "create-order",
    "get-order",
    "list-orders",
    "delete-order",
    "upload-receipt",
];
const TABLE: &str = "arn:aws:dynamodb:us-west-2:111122223333:table/Orders";

fn allowed(policy: &PreparedPolicySet, function: &str, action: &str, resource: &str) -> bool {
    let principal = format!("arn:aws:iam::111122223333:role/{function}-role");
    policy
        .evaluate(&Request::new(principal, action, resource))
        .is_allowed()
}

#[test]
fn designs_the_orders_api() {
    let out = temp_dir("orders");
    let output = leash(&[
        "design",
        example().to_str().unwrap(),
        "--account",
        "111122223333",
        "--region",
        "us-west-2",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("5 function(s) and 1 state machine(s), one role each"),
        "{stdout}"
    );

    // One role file per function and one for the order workflow (a state
    // machine), the bucket policy the template's Metadata asks for, and
    // report.md: nothing else (no temp files).
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut expected: Vec<String> = FUNCTIONS.iter().map(|f| format!("{f}-role.json")).collect();
    expected.push("order-workflow-role.json".into());
    expected.push("ReceiptsBucket-bucket-policy.json".into());
    expected.push("report.md".into());
    expected.sort();
    assert_eq!(files, expected);

    let mut served = Vec::new();
    for function in FUNCTIONS {
        let role = role(&out, function);
        served.push(role["Function"].as_str().unwrap().to_string());
        assert_eq!(
            role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
            "lambda.amazonaws.com"
        );
        for statement in role["Policies"][0]["PolicyDocument"]["Statement"]
            .as_array()
            .unwrap()
        {
            let actions = match &statement["Action"] {
                serde_json::Value::String(a) => vec![a.clone()],
                other => other
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            };
            assert!(
                actions.iter().all(|a| !a.contains('*')),
                "{function}: {actions:?}"
            );
            assert_ne!(statement["Resource"], "*");
        }
        let permission = &role["LambdaPermissions"][0];
        assert_eq!(permission["Principal"], "apigateway.amazonaws.com");
        assert_eq!(permission["SourceAccount"], "111122223333");
        assert!(
            permission["SourceArn"]
                .as_str()
                .unwrap()
                .contains("${OrdersApi}/prod/")
        );

        // Its own log group, nobody else's.
        let policy = prepared(&role);
        let log = |name: &str| {
            format!("arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/{name}:log-stream:s")
        };
        assert!(allowed(
            &policy,
            function,
            "logs:PutLogEvents",
            &log(function)
        ));
        for other in FUNCTIONS.iter().filter(|f| **f != function) {
            assert!(!allowed(
                &policy,
                function,
                "logs:PutLogEvents",
                &log(other)
            ));
        }
        assert!(!allowed(&policy, function, "dynamodb:DeleteTable", TABLE));
        assert!(!allowed(&policy, function, "dynamodb:Scan", TABLE));
    }
    // No role serves two functions.
    let mut unique = served.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), served.len());

    // Each function gets exactly its need.
    let check = |function: &str, action: &str, resource: &str| {
        allowed(&prepared(&role(&out, function)), function, action, resource)
    };
    assert!(check("get-order", "dynamodb:GetItem", TABLE));
    assert!(!check("get-order", "dynamodb:PutItem", TABLE));
    // get-order lists its one action: no other read action.
    assert!(!check("get-order", "dynamodb:BatchGetItem", TABLE));
    assert!(!check("get-order", "dynamodb:Query", TABLE));
    assert!(!check(
        "get-order",
        "dynamodb:Query",
        &format!("{TABLE}/index/ByCustomer")
    ));
    assert!(check(
        "list-orders",
        "dynamodb:Query",
        &format!("{TABLE}/index/ByCustomer")
    ));
    // list-orders queries through the index only, not the table.
    assert!(!check("list-orders", "dynamodb:Query", TABLE));
    assert!(!check("list-orders", "dynamodb:GetItem", TABLE));
    assert!(check("create-order", "dynamodb:PutItem", TABLE));
    assert!(!check("create-order", "dynamodb:DeleteItem", TABLE));
    assert!(check("delete-order", "dynamodb:DeleteItem", TABLE));
    assert!(!check("delete-order", "dynamodb:GetItem", TABLE));
    let receipt = "arn:aws:s3:::acme-orders-receipts/receipts/o-1.pdf";
    assert!(check("upload-receipt", "s3:PutObject", receipt));
    assert!(!check(
        "upload-receipt",
        "s3:PutObject",
        "arn:aws:s3:::acme-orders-receipts/other/o-1.pdf"
    ));
    assert!(!check("upload-receipt", "s3:GetObject", receipt));
    assert!(!check("get-order", "s3:PutObject", receipt));

    // The report's own verification: every check passed, and there are some.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("| FAIL |"));
    assert!(report.matches("| PASS | need |").count() >= 15, "{report}");
    assert!(report.matches("| PASS | near miss").count() >= 50);
    // Six roles (five functions, the order workflow) and the bucket
    // policy, each lint-clean.
    assert_eq!(report.matches("No findings.").count(), 7);
    assert!(report.contains("put on `OrdersTable` (Metadata.leash.needs[0])"));
    // Against the roadmap's shared role: its S3 statement is superseded
    // for get-order (its declared needs replace it), its DynamoDB
    // statement narrowed; list-orders' index query is new (the shared role
    // granted no index).
    // One per role, the order workflow's included.
    assert_eq!(
        report
            .matches("### Changes against the template's IAM")
            .count(),
        6
    );
    let get_order = &report[report.find("## `get-order-role`").unwrap()..];
    let get_order = &get_order[..get_order.find("### Lint").unwrap()];
    assert!(
        get_order.contains("| superseded by declared needs | `{\"Action\":[\"s3:GetObject\""),
        "{get_order}"
    );
    assert!(
        get_order.contains("| narrowed to `dynamodb:GetItem` on"),
        "{get_order}"
    );
    assert!(report.contains(
        "- added: `dynamodb:Query` on `arn:aws:dynamodb:us-west-2:111122223333:table/Orders/index/*`"
    ));
    // The roadmap's shared execution role: reported as shared, and its
    // grants listed as superseded by each function's declared needs.
    assert_eq!(
        report
            .matches("### Superseded by declared needs (not granted)")
            .count(),
        5
    );
    assert_eq!(report.matches("**Shared** with").count(), 5);
    // ...and checked denied to the functions that do not declare them.
    assert!(
        report.contains("| PASS | near miss: superseded (not used) | `s3:GetObject` |"),
        "{report}"
    );
    assert!(report.contains("`dynamodb:Scan`, `dynamodb:Query` on `OrdersTable` (execution role `LambdaExecutionRole` Properties.Policies[0].PolicyDocument.Statement[0])"), "{report}");
    let _ = std::fs::remove_dir_all(&out);
}

/// `--format terraform` writes main.tf.json: a role, a role policy and a
/// Lambda permission per route for each function; every embedded policy
/// string parses and lints clean and is the json format's policy.
#[test]
fn terraform_writes_roles_policies_and_permissions() {
    let json_out = temp_dir("tf-json");
    let out = temp_dir("tf");
    for (format, dir) in [("json", &json_out), ("terraform", &out)] {
        let output = leash(&[
            "design",
            example().to_str().unwrap(),
            "--account",
            "111122223333",
            "--region",
            "us-west-2",
            "--out",
            dir.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let text = std::fs::read_to_string(out.join("main.tf.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let resources = &value["resource"];
    // Five functions and the order workflow have roles; the functions'
    // routes have Lambda permissions.
    for (kind, count) in [
        ("aws_iam_role", 6),
        ("aws_iam_role_policy", 6),
        ("aws_lambda_permission", 5),
    ] {
        assert_eq!(resources[kind].as_object().unwrap().len(), count, "{kind}");
    }
    let role = &resources["aws_iam_role"]["get_order_function"];
    assert_eq!(role["name"], "get-order-role");
    let policy = &resources["aws_iam_role_policy"]["get_order_function"];
    assert_eq!(policy["role"], "${aws_iam_role.get_order_function.id}");
    for (name, policy) in resources["aws_iam_role_policy"].as_object().unwrap() {
        let text = policy["policy"].as_str().unwrap();
        let parsed = leash_policy::parse::parse_policy_text(text);
        assert!(!parsed.has_errors(), "{name}: {:?}", parsed.diagnostics);
        let document = leash_policy::json::parse_json(text).unwrap();
        let findings =
            leash_lint::lint_policy_value(&document, Some(leash_lint::PolicyKind::Identity));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
    for (name, role) in resources["aws_iam_role"].as_object().unwrap() {
        let document =
            leash_policy::json::parse_json(role["assume_role_policy"].as_str().unwrap()).unwrap();
        let findings =
            leash_lint::lint_policy_value(&document, Some(leash_lint::PolicyKind::Trust));
        assert!(findings.is_empty(), "{name}: {findings:#?}");
    }
    let embedded: serde_json::Value =
        serde_json::from_str(policy["policy"].as_str().unwrap()).unwrap();
    assert_eq!(
        embedded,
        self::role(&json_out, "get-order")["Policies"][0]["PolicyDocument"]
    );
    let permission = &resources["aws_lambda_permission"]["get_order_function_get"];
    assert_eq!(permission["function_name"], "get-order");
    assert_eq!(permission["principal"], "apigateway.amazonaws.com");
    assert_eq!(permission["source_account"], "111122223333");
    assert_eq!(
        permission["source_arn"],
        "arn:aws:execute-api:us-west-2:111122223333:${var.orders_api_id}/prod/GET/orders/*"
    );
    assert_eq!(value["variable"]["orders_api_id"]["type"], "string");
    let _ = std::fs::remove_dir_all(&out);
    let _ = std::fs::remove_dir_all(&json_out);
}

/// `--format cfn` writes the whole template with the design applied: read
/// back with leash-iac, every function has its own role wired, no SAM
/// `Policies` (or SAM-generated role) remain, the role's policy is the
/// designed one, and the linter finds no error in the designed template.
#[test]
fn cfn_writes_the_template_with_each_function_wired_to_its_role() {
    let json_out = temp_dir("cfn-json");
    let cfn_out = temp_dir("cfn");
    for (format, out) in [("json", &json_out), ("cfn", &cfn_out)] {
        let output = leash(&[
            "design",
            example().to_str().unwrap(),
            "--account",
            "111122223333",
            "--region",
            "us-west-2",
            "--out",
            out.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let mut files: Vec<String> = std::fs::read_dir(&cfn_out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, vec!["report.md", "template.designed.json"]);
    let text = std::fs::read_to_string(cfn_out.join("template.designed.json")).unwrap();
    let template = leash_iac::read_template(&text).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let functions: Vec<&leash_iac::Resource> = template
        .resources
        .iter()
        .filter(|r| r.resource_type.node == "AWS::Serverless::Function")
        .collect();
    assert_eq!(functions.len(), 5);
    let policies = leash_iac::extract_policies(&template);
    let mut roles = Vec::new();
    for function in &functions {
        let id = &function.logical_id.node;
        let role_id = format!("{id}Role");
        assert_eq!(
            value["Resources"][id]["Properties"]["Role"],
            serde_json::json!({"Fn::GetAtt": [role_id, "Arn"]}),
            "{id}"
        );
        assert!(function.properties.get("Policies").is_none(), "{id}");
        assert_eq!(value["Resources"][&role_id]["Type"], "AWS::IAM::Role");
        // leash-iac attaches the role's policy to the function, as written.
        let identity: Vec<&leash_iac::EmbeddedPolicy> = policies
            .iter()
            .filter(|p| {
                p.kind == leash_iac::PolicyKind::Identity && p.attached_functions.contains(id)
            })
            .collect();
        assert_eq!(identity.len(), 1, "{id}: {identity:#?}");
        assert_eq!(identity[0].origin, leash_iac::PolicyOrigin::Written);
        assert_eq!(identity[0].resource_id, role_id);
        roles.push(role_id);
    }
    roles.dedup();
    assert_eq!(roles.len(), 5, "no role serves two functions");
    assert!(policies.iter().all(|p| !matches!(
        p.origin,
        leash_iac::PolicyOrigin::SamPolicyTemplate { .. }
            | leash_iac::PolicyOrigin::SamGeneratedTrust
    )));
    // The same policy as the json format's role file, ARNs as Fn::Sub.
    let designed =
        &value["Resources"]["GetOrderFunctionRole"]["Properties"]["Policies"][0]["PolicyDocument"];
    let plain = &self::role(&json_out, "get-order")["Policies"][0]["PolicyDocument"];
    assert_eq!(
        designed["Statement"].as_array().unwrap().len(),
        plain["Statement"].as_array().unwrap().len()
    );
    assert!(
        designed.to_string().contains(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Orders"
        )
    );
    // The roadmap's shared role (set in Globals) is gone with its policies.
    assert!(value["Resources"].get("LambdaExecutionRole").is_none());
    assert!(value["Globals"]["Function"].get("Role").is_none());
    // What the rest of the template said is still there.
    assert_eq!(
        value["Resources"]["OrdersApi"]["Properties"]["StageName"],
        "prod"
    );
    assert_eq!(value["Transform"], "AWS::Serverless-2016-10-31");
    let errors: Vec<_> = leash_lint::lint_template_text(&text)
        .into_iter()
        .filter(|d| d.severity == leash_lint::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    // SAM builds the orders API from the events: the report says SAM's
    // permission stays, rather than writing one that narrows nothing.
    let report = std::fs::read_to_string(cfn_out.join("report.md")).unwrap();
    assert!(
        report.contains("`GetOrderFunctionGetPermissionprod`"),
        "{report}"
    );
    assert!(report.contains("## Access matrix"));
    let _ = std::fs::remove_dir_all(&json_out);
    let _ = std::fs::remove_dir_all(&cfn_out);
}

/// Writing into an existing `--out` replaces the files it writes, leaves
/// no staging directory behind, and keeps other files.
#[test]
fn an_existing_out_directory_gets_the_new_files_whole() {
    let out = temp_dir("existing");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.md"), "old").unwrap();
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    let output = leash(&[
        "design",
        example().to_str().unwrap(),
        "--account",
        "111122223333",
        "--region",
        "us-west-2",
        "--out",
        out.to_str().unwrap(),
        "--format",
        "cfn",
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(out.join("report.md"))
            .unwrap()
            .starts_with("# leash design report")
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let parent = out.parent().unwrap();
    let name = out.file_name().unwrap().to_string_lossy().into_owned();
    let leftovers: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&format!(".{name}.leash-")))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let _ = std::fs::remove_dir_all(&out);
}

/// Unknown is not `*`: a template that names no account is designed
/// (the account is `${AWS::AccountId}` in the designed template), and the
/// IAM JSON format, which needs concrete values, says which it misses.
#[test]
fn a_template_without_account_is_designed_symbolically() {
    let dir = temp_dir("no-account");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("    account: \"111122223333\"\n", "");
    let path = dir.join("template.yaml");
    std::fs::write(&path, text).unwrap();
    let out = dir.join("out");
    let output = leash(&[
        "design",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("account ${AWS::AccountId}"), "{stdout}");
    let designed = std::fs::read_to_string(out.join("template.designed.json")).unwrap();
    assert!(
        designed.contains(
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/Orders"
        ),
        "{designed}"
    );
    // No private-use character (leash's symbols) leaks into any output.
    for file in ["template.designed.json", "report.md"] {
        let text = std::fs::read_to_string(out.join(file)).unwrap();
        assert!(
            !text
                .chars()
                .any(|c| ('\u{100000}'..='\u{10FFFD}').contains(&c)),
            "{file}"
        );
    }
    let output = leash(&["design", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`${AWS::AccountId}` (give `--account`)"),
        "{stderr}"
    );
    let output = leash(&[
        "design",
        path.to_str().unwrap(),
        "--account",
        "444455556666",
        "--region",
        "eu-west-1",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Bad input to `leash design` is a positioned error (file:line:col), exit 2,
/// and nothing is written: a YAML error, and an unknown access level.
#[test]
fn design_errors_point_into_the_template() {
    let dir = temp_dir("errors");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "broken.yaml",
            "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties: [oops\n",
            "broken.yaml:4:22",
        ),
        (
            "needs.yaml",
            "Metadata: {leash: {account: \"111122223333\", region: us-west-2}}\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Metadata:\n      leash:\n        needs:\n          - {resource: T, access: reed}\n    Properties: {Runtime: python3.12, Handler: a.b, CodeUri: s/}\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: Orders}\n",
            "needs.yaml:8:35",
        ),
    ];
    for (name, text, position) in cases {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.join(format!("{name}.out"));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_leash"))
            .args([
                "design",
                path.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(position), "{name}: {stderr}");
        assert!(!out.exists(), "{name}: wrote output on an error");
    }
}

fn manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/orders-api/manifest.yaml")
}

/// The manifest is recognised by its `leash-manifest` key and designs the
/// same policies as the template; Terraform output works, `--format cfn`
/// has no template to wire the roles into and is refused.
#[test]
fn designs_the_orders_api_from_its_manifest() {
    let from_template = temp_dir("manifest-template");
    let from_manifest = temp_dir("manifest");
    for (input, out) in [(example(), &from_template), (manifest(), &from_manifest)] {
        let output = leash(&[
            "design",
            input.to_str().unwrap(),
            "--account",
            "111122223333",
            "--region",
            "us-west-2",
            "--format",
            "json",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    for function in FUNCTIONS {
        let (a, b) = (
            role(&from_template, function),
            role(&from_manifest, function),
        );
        assert_eq!(a["Policies"], b["Policies"], "{function}");
        assert_eq!(a["AssumeRolePolicyDocument"], b["AssumeRolePolicyDocument"]);
        assert_eq!(
            a["LambdaPermissions"][0]["SourceArn"],
            b["LambdaPermissions"][0]["SourceArn"]
        );
    }
    let terraform = temp_dir("manifest-terraform");
    let output = leash(&[
        "design",
        manifest().to_str().unwrap(),
        "--format",
        "terraform",
        "--out",
        terraform.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    assert!(terraform.join("main.tf.json").exists());
    let _ = std::fs::remove_dir_all(&terraform);
    let output = leash(&["design", manifest().to_str().unwrap(), "--format", "cfn"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is a manifest"));
    let _ = std::fs::remove_dir_all(&from_template);
    let _ = std::fs::remove_dir_all(&from_manifest);
}

#[test]
fn manifest_errors_point_into_the_manifest() {
    let dir = temp_dir("manifest-errors");
    std::fs::create_dir_all(&dir).unwrap();
    let text = std::fs::read_to_string(manifest())
        .unwrap()
        .replace("access: delete}", "access: remove}");
    let path = dir.join("manifest.yaml");
    std::fs::write(&path, &text).unwrap();
    let output = leash(&["design", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = text.lines().position(|l| l.contains("remove")).unwrap() + 1;
    let column = text.lines().nth(line - 1).unwrap().find("remove").unwrap() + 1;
    assert!(
        stderr.contains(&format!("manifest.yaml:{line}:{column}")),
        "{stderr}"
    );
    assert!(stderr.contains("unknown access `remove`"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// AWS managed policies the template attaches are compared from the
/// documents embedded in leash-catalog; one leash does not know (newer than
/// its data, here a made-up name) is compared when `--managed-policies DIR`
/// has its document, and named as not compared otherwise.
#[test]
fn managed_policies_are_compared_from_a_folder() {
    let dir = temp_dir("managed");
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    let template = dir.join("template.yaml");
    let write_template = |policy: &str| {
        std::fs::write(
            &template,
            format!("Transform: AWS::Serverless-2016-10-31\nMetadata: {{leash: {{account: '111122223333', region: us-west-2}}}}\nResources:\n  Orders: {{Type: AWS::DynamoDB::Table, Properties: {{TableName: Orders}}}}\n  Reader:\n    Type: AWS::Serverless::Function\n    Metadata: {{leash: {{needs: [{{resource: Orders, access: read}}]}}}}\n    Properties:\n      FunctionName: reader\n      Handler: a.b\n      Runtime: python3.12\n      CodeUri: s/\n      Policies: [{policy}]\n"),
        )
        .unwrap();
    };
    // A stand-in document for the test, not AWS's.
    std::fs::write(
        dir.join("policies/ExampleOrdersReadOnlyAccess.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:Scan"], "Resource": "*"}]}"#,
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let out = dir.join(format!("out{}", extra.len()));
        let mut args = vec![
            "design",
            template.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        let output = leash(&args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        std::fs::read_to_string(out.join("report.md")).unwrap()
    };
    let granted = "Added: nothing (every designed permission was granted by the template's IAM).";
    write_template("AmazonDynamoDBReadOnlyAccess");
    let embedded = run(&[]);
    assert!(!embedded.contains("not compared"), "{embedded}");
    assert!(embedded.contains(granted), "{embedded}");
    assert!(
        embedded.contains("managed policy `AmazonDynamoDBReadOnlyAccess` Statement[0]"),
        "{embedded}"
    );
    write_template("ExampleOrdersReadOnlyAccess");
    let without = run(&[]);
    assert!(
        without.contains("- not compared: `arn:aws:iam::aws:policy/ExampleOrdersReadOnlyAccess`"),
        "{without}"
    );
    assert!(without.contains("- added: `dynamodb:GetItem`"), "{without}");
    let folder = dir.join("policies");
    let with = run(&["--managed-policies", folder.to_str().unwrap()]);
    assert!(!with.contains("not compared"), "{with}");
    assert!(with.contains(granted), "{with}");
    assert!(
        with.contains("managed policy `ExampleOrdersReadOnlyAccess` Statement[0]"),
        "{with}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The options example: consumer role, bucket and API policies are written
/// next to the function roles, every check passes, and the role files carry
/// the permissions boundary.
#[test]
fn designs_the_options_example() {
    let out = temp_dir("manifest-options");
    let input = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/orders-api/manifest-options.yaml");
    let output = leash(&[
        "design",
        input.to_str().unwrap(),
        "--account",
        "111122223333",
        "--region",
        "us-west-2",
        "--out",
        out.to_str().unwrap(),
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    for file in [
        "partner-reports.json",
        "acme-orders-receipts-bucket-policy.json",
        "OrdersApi-api-policy.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    assert_eq!(
        role(&out, "get-order")["PermissionsBoundary"],
        "arn:aws:iam::111122223333:policy/orders-workload-boundary"
    );
    let partner: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("partner-reports.json")).unwrap())
            .unwrap();
    assert_eq!(partner["ConsumerAccount"], "444455556666");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!report.contains("| FAIL |"));
    assert!(report.contains("(cross-account consumer)"));
    assert!(report.contains("(bucket policy)"));
    let _ = std::fs::remove_dir_all(&out);
}

fn stack_named_template() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/stack-named.yaml")
}

/// Every `Resource` the designed role's permissions policy names.
fn granted_resources(role: &serde_json::Value) -> Vec<String> {
    let mut resources: Vec<String> = role["Policies"][0]["PolicyDocument"]["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|statement| match &statement["Resource"] {
            serde_json::Value::String(one) => vec![one.clone()],
            serde_json::Value::Array(many) => many
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect(),
            other => panic!("unexpected Resource {other}"),
        })
        .collect();
    resources.sort();
    resources
}

/// `--stack-name` gives `AWS::StackName` and `--parameter` a parameter's
/// value, as at deployment
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>,
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>):
/// a template whose table is named `${AWS::StackName}-orders` and whose
/// bucket is named by a parameter without a default is designed with the
/// real names, verified, and passes `leash check`.
#[test]
fn stack_name_and_parameters_give_names_known_at_deployment() {
    let template = stack_named_template();
    let template = template.to_str().unwrap();

    // Without them the names stay as the template writes them: the
    // designed template names `${AWS::StackName}-orders` and `${BucketName}`.
    let out = temp_dir("stack-named-cfn");
    let output = leash(&["design", template, "--out", out.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let designed = std::fs::read_to_string(out.join("template.designed.json")).unwrap();
    assert!(
        designed.contains(":table/${AWS::StackName}-orders"),
        "{designed}"
    );
    assert!(
        designed.contains("arn:${AWS::Partition}:s3:::${BucketName}"),
        "{designed}"
    );
    let _ = std::fs::remove_dir_all(&out);
    // IAM JSON needs them: the error says exactly which, and how.
    let output = leash(&["design", template, "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("`${AWS::StackName}` (give `--stack-name`)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`${BucketName}` (give `--parameter BucketName=VALUE`)"),
        "{stderr}"
    );
    // The stack name alone leaves the bucket's name unknown.
    let output = leash(&[
        "design",
        template,
        "--stack-name",
        "shop",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("--stack-name"), "{stderr}");
    assert!(stderr.contains("`${BucketName}`"), "{stderr}");

    let account_and_region = "eu-west-1:111122223333";
    for format in ["json", "terraform"] {
        let out = temp_dir(&format!("stack-named-{format}"));
        let output = leash(&[
            "design",
            template,
            "--stack-name",
            "shop",
            "--parameter",
            "BucketName=shop-receipts",
            "--parameter",
            "Stage=prod",
            "--format",
            format,
            "--out",
            out.to_str().unwrap(),
        ]);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        // The design's own checks: every need allowed, every near miss denied.
        assert!(stdout.contains("verification 35/35 passed"), "{stdout}");
        assert!(stdout.contains("lint 0 finding(s)"), "{stdout}");
        let written = if format == "json" {
            out.join("save-order-prod-role.json")
        } else {
            out.join("main.tf.json")
        };
        let check = leash(&["check", written.to_str().unwrap()]);
        let check_stdout = String::from_utf8_lossy(&check.stdout);
        assert_eq!(check.status.code(), Some(0), "{check_stdout}");
        assert!(
            check_stdout.contains("0 errors, 0 warnings"),
            "{check_stdout}"
        );
        let report = std::fs::read_to_string(out.join("report.md")).unwrap();
        assert!(
            report.contains(
                "Designed for stack name `shop`, `BucketName` = `shop-receipts`, `Stage` = `prod`: deploying with other values needs another design."
            ),
            "{report}"
        );
        if format == "json" {
            let role = role(&out, "save-order-prod");
            assert_eq!(
                granted_resources(&role),
                vec![
                    format!("arn:aws:dynamodb:{account_and_region}:table/shop-orders"),
                    format!(
                        "arn:aws:logs:{account_and_region}:log-group:/aws/lambda/save-order-prod:*"
                    ),
                    "arn:aws:s3:::shop-receipts".to_string(),
                    "arn:aws:s3:::shop-receipts/*".to_string(),
                ]
            );
            // And the engine agrees: the named table, not another stack's.
            let policy = prepared(&role);
            let principal = "arn:aws:iam::111122223333:role/save-order-prod-role";
            let table = |name: &str| format!("arn:aws:dynamodb:{account_and_region}:table/{name}");
            assert!(
                policy
                    .evaluate(&Request::new(
                        principal,
                        "dynamodb:PutItem",
                        table("shop-orders")
                    ))
                    .is_allowed()
            );
            assert!(
                !policy
                    .evaluate(&Request::new(
                        principal,
                        "dynamodb:PutItem",
                        table("other-orders")
                    ))
                    .is_allowed()
            );
        }
        let _ = std::fs::remove_dir_all(&out);
    }

    // A given value overrides the parameter's `Default`.
    let output = leash(&[
        "design",
        template,
        "--stack-name",
        "shop",
        "--parameter",
        "BucketName=shop-receipts",
        "--parameter",
        "Stage=test",
        "--format",
        "json",
    ]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("save-order-test-role"), "{stdout}");
}

/// Bad `--stack-name` / `--parameter` values are usage errors (exit 2)
/// that say what is wrong, and write nothing.
#[test]
fn bad_stack_name_and_parameters_are_usage_errors() {
    let template = stack_named_template();
    let template = template.to_str().unwrap();
    let out = temp_dir("stack-named-errors");
    let cases: [(&[&str], &str); 5] = [
        (
            &["--parameter", "BucketName"],
            "`BucketName` is not `KEY=VALUE`",
        ),
        (
            &["--parameter", "=shop"],
            "`=shop` has no parameter name before `=`",
        ),
        (
            &["--parameter", "Bucket=shop-receipts"],
            "the template declares no parameter `Bucket`; its parameters are `BucketName`, `Stage`",
        ),
        // `AllowedValues`: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html
        (
            &["--parameter", "BucketName=b", "--parameter", "Stage=dev"],
            "`dev` is not an allowed value of parameter `Stage`: its `AllowedValues` are `prod`, `test`\n  --> ",
        ),
        (
            &["--stack-name", "9shop", "--parameter", "BucketName=b"],
            "the stack name `9shop` is not one CloudFormation accepts",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["design", template, "--out", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        let output = leash(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert!(!out.exists(), "{extra:?} wrote output");
    }
    // The position of the `AllowedValues` the value is not in.
    let output = leash(&[
        "design",
        template,
        "--parameter",
        "BucketName=b",
        "--parameter",
        "Stage=dev",
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("stack-named.yaml:13:20"));
    // A manifest names its resources outright.
    let manifest =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/orders-api/manifest.yaml");
    let output = leash(&["design", manifest.to_str().unwrap(), "--stack-name", "shop"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&output.stderr)
            .contains("`--stack-name` and `--parameter` are for templates")
    );
}

/// The first law end to end: what leash cannot model (a statement on `*`
/// of a service without an access table, a managed policy by name) is kept
/// as is, the summary counts it with a warning, report.md lists it at the
/// top, and `--strict` makes it exit 1.
#[test]
fn kept_as_is_is_counted_warned_and_strict_fails() {
    let dir = temp_dir("kept-as-is");
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("template.yaml");
    std::fs::write(
        &template,
        r#"Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: Orders}}
  Ask:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: ask
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Orders}
        - AmazonS3ReadOnlyAccess
        - Statement:
            - {Effect: Allow, Action: bedrock:InvokeModel, Resource: '*'}
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let run = |strict: bool| {
        let mut args = vec![
            "design",
            template.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--format",
            "json",
        ];
        if strict {
            args.push("--strict");
        }
        leash(&args)
    };
    let output = run(false);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("2 kept as is, 0 added"),
        "the summary counts what is kept as is: {stdout}"
    );
    assert!(stdout.contains("WARNING: 2 kept as is"), "{stdout}");
    assert!(stdout.contains("`Resource: \"*\"`"), "{stdout}");
    assert!(
        stdout.contains("managed policy leash does not narrow"),
        "{stdout}"
    );
    // The role file keeps both: the statement and the managed policy.
    let role = role(&out, "ask");
    assert_eq!(
        role["ManagedPolicyArns"],
        serde_json::json!(["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"])
    );
    let policy = prepared(&role);
    assert!(allowed(
        &policy,
        "ask",
        "bedrock:InvokeModel",
        "arn:aws:bedrock:us-west-2::foundation-model/any"
    ));
    assert!(allowed(&policy, "ask", "dynamodb:GetItem", TABLE));
    // report.md says so before anything else.
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let kept = report.find("### Kept as is").unwrap();
    assert!(kept < report.find("## Access matrix").unwrap(), "{report}");
    assert!(report.contains("engine checks passed, against the designed role"));

    let strict = run(true);
    let stdout = String::from_utf8_lossy(&strict.stdout);
    assert_eq!(strict.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("--strict: 2 grant(s)"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}
