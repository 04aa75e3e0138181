//! `leash check` on what `leash design` writes, in every output format:
//! issue 5 asks that the design pass `leash check` with no warnings.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/orders-api")
        .join(name)
}

fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .output()
        .unwrap()
}

/// `(code, message)` of every unsuppressed warning or error `leash check`
/// reports on `path`, after checking it exits 0.
fn warnings_and_errors(path: &Path) -> Vec<(String, String)> {
    let output = leash(&["check", path.to_str().unwrap(), "--format", "json"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{stdout}\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "warning" || f["severity"] == "error")
        .filter(|f| f.get("suppressed").is_none_or(serde_json::Value::is_null))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn design_and_check(input: &str, format: &str) {
    let out = std::env::temp_dir().join(format!(
        "leash-design-check-{}-{format}-{}",
        input.replace('.', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&out);
    let input_path = example(input);
    let designed = leash(&[
        "design",
        input_path.to_str().unwrap(),
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
        designed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&designed.stderr)
    );
    let mut found = warnings_and_errors(&out);
    if format == "cfn" {
        // The designed template keeps the template's other resources as
        // they are: a finding the input template already has (a bucket
        // without a TLS-only policy) is not the design's.
        let original = leash(&["check", input_path.to_str().unwrap(), "--format", "json"]);
        let original: serde_json::Value = serde_json::from_slice(&original.stdout).unwrap();
        found.retain(|(code, message)| {
            !original
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == code.as_str() && f["message"] == message.as_str())
        });
    }
    assert!(found.is_empty(), "{input} --format {format}: {found:#?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_json_design_checks_clean() {
    design_and_check("template.yaml", "json");
}

#[test]
fn the_cloudformation_design_checks_clean() {
    design_and_check("template.yaml", "cfn");
}

#[test]
fn the_terraform_design_checks_clean() {
    design_and_check("template.yaml", "terraform");
}

/// A manifest has no template to wire roles into: `--format cfn` is a
/// usage error there, so the manifests are checked in the other two.
#[test]
fn the_manifest_designs_check_clean() {
    for manifest in ["manifest.yaml", "manifest-options.yaml"] {
        for format in ["json", "terraform"] {
            design_and_check(manifest, format);
        }
    }
}

fn design_into(input: &str, format: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!(
        "leash-design-policies-{}-{format}-{}",
        input.replace('.', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&out);
    let designed = leash(&[
        "design",
        example(input).to_str().unwrap(),
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
        designed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&designed.stderr)
    );
    out
}

/// Every bucket and API policy of the json output is in `main.tf.json`
/// (`aws_s3_bucket_policy`, `aws_api_gateway_rest_api_policy`), as a
/// policy string that parses and, with the API id variable read back as
/// `${Api}`, is the same document.
#[test]
fn the_terraform_resource_policies_are_the_json_ones() {
    for input in ["template.yaml", "manifest-options.yaml"] {
        let json_out = design_into(input, "json");
        let terraform_out = design_into(input, "terraform");
        let main: serde_json::Value =
            serde_json::from_slice(&std::fs::read(terraform_out.join("main.tf.json")).unwrap())
                .unwrap();
        let mut compared = 0;
        for entry in std::fs::read_dir(&json_out).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let (logical_id, resource_type) =
                if let Some(id) = name.strip_suffix("-bucket-policy.json") {
                    (id.to_string(), "aws_s3_bucket_policy")
                } else if let Some(id) = name.strip_suffix("-api-policy.json") {
                    (id.to_string(), "aws_api_gateway_rest_api_policy")
                } else {
                    continue;
                };
            let key = leash_design::terraform::terraform_name(&logical_id);
            let written = &main["resource"][resource_type][&key];
            assert!(written.is_object(), "{input}: no {resource_type}.{key}");
            if resource_type == "aws_api_gateway_rest_api_policy" {
                assert_eq!(written["rest_api_id"], format!("${{var.{key}_id}}"));
            } else {
                assert!(written["bucket"].is_string());
            }
            let text = written["policy"]
                .as_str()
                .unwrap()
                .replace(&format!("${{var.{key}_id}}"), &format!("${{{logical_id}}}"));
            assert!(
                leash_policy::parse::parse_policy_text(&text)
                    .policy
                    .is_some(),
                "{input}: {text}"
            );
            let json_policy = std::fs::read_to_string(json_out.join(&name)).unwrap();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
                serde_json::from_str::<serde_json::Value>(&json_policy).unwrap(),
                "{input}: {name}"
            );
            compared += 1;
        }
        // template.yaml designs a bucket policy; the options manifest a
        // bucket policy and an API policy.
        assert!(compared >= 1, "{input}: no resource policy designed");
        if input == "manifest-options.yaml" {
            assert_eq!(compared, 2, "{input}");
        }
        let _ = std::fs::remove_dir_all(&json_out);
        let _ = std::fs::remove_dir_all(&terraform_out);
    }
}

/// Every object key of a JSON document that appears twice in one object,
/// as `path/key` (leash's JSON reader keeps duplicates; serde's drops them).
fn duplicate_keys(value: &leash_policy::Value, path: &str, found: &mut Vec<String>) {
    if let Some(members) = value.as_object() {
        let mut seen = std::collections::BTreeSet::new();
        for member in members {
            let key = &member.key.node;
            if !seen.insert(key.clone()) {
                found.push(format!("{path}/{key}"));
            }
            duplicate_keys(&member.value, &format!("{path}/{key}"), found);
        }
    } else if let Some(items) = value.as_array() {
        for (index, item) in items.iter().enumerate() {
            duplicate_keys(item, &format!("{path}/{index}"), found);
        }
    }
}

/// From a manifest, a route's event name is made of its method and path,
/// so one function with the same route on two APIs had one event name for
/// both: the second `aws_lambda_permission` reused the first's name (a
/// duplicate key in `main.tf.json`) and the first API's id. Each route now
/// has its own resource, statement id and API, and the folder checks clean.
#[test]
fn the_same_route_on_two_apis_gets_two_terraform_permissions() {
    let dir = std::env::temp_dir().join(format!("leash-design-two-apis-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("manifest.yaml");
    std::fs::write(
        &manifest,
        r#"leash-manifest: 1
account: "111122223333"
region: us-west-2
tables:
  Orders:
    key: {partition: orderId}
functions:
  get-order:
    needs:
      - {resource: Orders, actions: [dynamodb:GetItem]}
  list-orders:
    needs:
      - {resource: Orders, actions: [dynamodb:Scan]}
apis:
  PublicApi:
    type: rest
    stage: prod
    routes:
      - {method: GET, path: "/orders/{orderId}", function: get-order}
      - {method: GET, path: /orders, function: list-orders}
  AdminApi:
    type: rest
    stage: admin
    routes:
      - {method: GET, path: "/orders/{orderId}", function: get-order}
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let designed = leash(&[
        "design",
        manifest.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "terraform",
    ]);
    assert_eq!(
        designed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&designed.stderr)
    );
    let text = std::fs::read_to_string(out.join("main.tf.json")).unwrap();
    let mut duplicates = Vec::new();
    duplicate_keys(
        &leash_policy::json::parse_json(&text).unwrap(),
        "",
        &mut duplicates,
    );
    assert!(duplicates.is_empty(), "{duplicates:?}\n{text}");
    let main: serde_json::Value = serde_json::from_str(&text).unwrap();
    let permissions = main["resource"]["aws_lambda_permission"]
        .as_object()
        .unwrap();
    // Per function and API: the route's resource, and the API its
    // `source_arn` names. A function with its route on one API only keeps
    // the event's name.
    let expected = [
        (
            "get_order_public_api_get_orders_order_id",
            "apigateway-PublicApi-GetOrdersOrderId",
            "${var.public_api_id}/prod/GET/orders/*",
        ),
        (
            "get_order_admin_api_get_orders_order_id",
            "apigateway-AdminApi-GetOrdersOrderId",
            "${var.admin_api_id}/admin/GET/orders/*",
        ),
        (
            "list_orders_get_orders",
            "apigateway-GetOrders",
            "${var.public_api_id}/prod/GET/orders",
        ),
    ];
    assert_eq!(permissions.len(), expected.len(), "{text}");
    for (name, statement_id, source) in expected {
        let permission = &permissions[name];
        assert_eq!(permission["statement_id"], statement_id, "{name}");
        let source_arn = permission["source_arn"].as_str().unwrap();
        assert_eq!(
            source_arn,
            format!("arn:aws:execute-api:us-west-2:111122223333:{source}"),
            "{name}"
        );
    }
    for variable in ["public_api_id", "admin_api_id"] {
        assert_eq!(main["variable"][variable]["type"], "string", "{variable}");
    }
    let found = warnings_and_errors(&out);
    assert!(found.is_empty(), "{found:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A role's path and boundary carried into Terraform check clean, whether
/// literal or an intrinsic written as a variable (which the report lists),
/// and a role name over IAM's 64 characters is left out.
#[test]
fn terraform_role_settings_check_clean() {
    let dir =
        std::env::temp_dir().join(format!("leash-design-role-settings-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let template = dir.join("template.yaml");
    std::fs::write(
        &template,
        r#"Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Parameters:
  Path: {Type: String}
Resources:
  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: Orders}}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      FunctionName: a-function-name-long-enough-that-its-role-name-passes-the-limit
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      RolePath: !Ref Path
      PermissionsBoundary: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:policy/boundary'
  ListOrders:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      FunctionName: list-orders
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      RolePath: /service/
      PermissionsBoundary: arn:aws:iam::111122223333:policy/boundary
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let designed = leash(&[
        "design",
        template.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "terraform",
    ]);
    assert_eq!(
        designed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&designed.stderr)
    );
    let main: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("main.tf.json")).unwrap()).unwrap();
    let roles = &main["resource"]["aws_iam_role"];
    assert!(roles["get_order"].get("name").is_none());
    assert_eq!(roles["get_order"]["path"], "${var.get_order_role_path}");
    assert_eq!(
        roles["get_order"]["permissions_boundary"],
        "${var.get_order_permissions_boundary}"
    );
    assert_eq!(roles["list_orders"]["name"], "list-orders-role");
    assert_eq!(roles["list_orders"]["path"], "/service/");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("## Terraform roles"), "{report}");
    assert!(
        report.contains("written as `${var.get_order_permissions_boundary}`"),
        "{report}"
    );
    let found = warnings_and_errors(&out);
    assert!(found.is_empty(), "{found:#?}");
    let _ = std::fs::remove_dir_all(&dir);
}
