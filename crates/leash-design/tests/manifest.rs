//! The manifest against its JSON Schema and against the template: the
//! example manifest validates, bad manifests are refused by both the schema
//! and the reader, and the orders API designed from its manifest and from
//! its template gets the same roles and Lambda permissions.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use leash_design::{Target, design, read_application, read_manifest, read_template};
use leash_policy::{Value, ValueKind};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap()
}

/// The YAML tree as JSON, as a schema validator sees it. Numbers keep
/// their written text; the reader refuses duplicate keys, so a map loses
/// nothing.
fn to_json(value: &Value) -> serde_json::Value {
    match &value.kind {
        ValueKind::Null => serde_json::Value::Null,
        ValueKind::Bool(b) => serde_json::Value::Bool(*b),
        ValueKind::Number(text) => {
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.clone()))
        }
        ValueKind::String(text) => serde_json::Value::String(text.clone()),
        ValueKind::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        ValueKind::Object(members) => serde_json::Value::Object(
            members
                .iter()
                .map(|m| (m.key.node.clone(), to_json(&m.value)))
                .collect(),
        ),
    }
}

fn schema_errors(text: &str) -> Vec<String> {
    let schema: serde_json::Value =
        serde_json::from_str(&read("schemas/leash-manifest.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the manifest schema compiles");
    let instance = to_json(&leash_iac::yaml::parse_yaml(text).unwrap());
    validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

#[test]
fn the_example_manifests_validate_against_the_schema() {
    for example in [
        "examples/orders-api/manifest.yaml",
        "examples/orders-api/manifest-options.yaml",
    ] {
        let errors = schema_errors(&read(example));
        assert!(errors.is_empty(), "{example}: {errors:#?}");
        read_manifest(&read(example), &Target::default()).unwrap();
    }
}

/// The options example: the schema and the reader refuse the same slips.
#[test]
fn bad_options_are_refused_by_the_schema_and_the_reader() {
    let example = read("examples/orders-api/manifest-options.yaml");
    let cases = [
        (
            "deny-outside: account",
            "deny-outside: everyone",
            "`deny-outside` must be",
        ),
        (
            "    external-id: acme-partner-7c1f\n",
            "",
            "needs `external-id` or `organization`",
        ),
        (
            "after: \"2026-01-01T00:00:00Z\"",
            "after: \"2026-01-01\"",
            "must be a UTC time",
        ),
        (
            "policy/orders-workload-boundary",
            "role/orders-workload-boundary",
            "managed policy ARN",
        ),
        (
            "conditions: {after:",
            "conditions: {since:",
            "unknown condition `since`",
        ),
        ("key/1234abcd", "alias/1234abcd", "must be a key ARN"),
    ];
    for (from, to, message) in cases {
        assert!(example.contains(from), "{from}");
        let bad = example.replacen(from, to, 1);
        assert!(!schema_errors(&bad).is_empty(), "the schema accepts {to:?}");
        let error = read_manifest(&bad, &Target::default()).unwrap_err();
        assert!(error.to_string().contains(message), "{to:?}: {error}");
    }
}

/// Each replacement turns the example into a manifest both the schema and
/// the reader must refuse.
const BAD: &[(&str, &str, &str)] = &[
    // The marker is the format version.
    ("leash-manifest: 1", "leash-manifest: 2", "must be 1"),
    // An account YAML reads as a number.
    (
        "account: \"111122223333\"",
        "account: 111122223333",
        "not 12 digits",
    ),
    // A typo in a key drops nothing silently.
    (
        "    needs:\n      - {resource: Orders, access: put}",
        "    need:\n      - {resource: Orders, access: put}",
        "unknown key `need`",
    ),
    // An access level that does not exist.
    ("access: put}", "access: scan}", "unknown access `scan`"),
    // Both an access level and actions.
    (
        "actions: [dynamodb:GetItem]}",
        "actions: [dynamodb:GetItem], access: read}",
        "either `access` or `actions`",
    ),
    // A wildcard action.
    (
        "actions: [dynamodb:GetItem]}",
        "actions: [\"dynamodb:Get*\"]}",
        "has a wildcard",
    ),
    // A bucket name S3 refuses.
    (
        "  acme-orders-receipts:\n",
        "  Acme_Receipts:\n",
        "a bucket name is",
    ),
    // A table without a key.
    ("    key: {partition: orderId}\n", "", "has no `key`"),
    // An unknown method.
    ("{method: DELETE,", "{method: REMOVE,", "is not one of"),
    // A path with a wildcard.
    (
        "path: /orders, function: list-orders",
        "path: /orders/*, function: list-orders",
        "must not contain wildcards",
    ),
    // A stage API Gateway refuses.
    ("stage: prod", "stage: prod/v1", "stage `prod/v1`"),
    // A route without its function.
    (
        "{method: GET, path: /orders, function: list-orders}",
        "{method: GET, path: /orders}",
        "has no `function`",
    ),
];

#[test]
fn bad_manifests_are_refused_by_the_schema_and_the_reader() {
    let example = read("examples/orders-api/manifest.yaml");
    for (from, to, message) in BAD {
        assert!(example.contains(from), "{from}");
        let bad = example.replacen(from, to, 1);
        let errors = schema_errors(&bad);
        assert!(!errors.is_empty(), "the schema accepts {to:?}");
        let error = read_manifest(&bad, &Target::default()).unwrap_err();
        assert!(error.to_string().contains(message), "{to:?}: {error}");
        assert!(error.span().is_some(), "{to:?}: no position");
    }
}

#[test]
fn the_template_and_the_manifest_design_the_same_roles() {
    let template = read_template(&read("examples/orders-api/template.yaml")).unwrap();
    // The manifest names its account and region; the template leaves them
    // to deployment: pinned to the manifest's.
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-west-2".into()),
        ..Default::default()
    };
    let from_template = design(&read_application(&template, &target).unwrap()).unwrap();
    let manifest = read_manifest(
        &read("examples/orders-api/manifest.yaml"),
        &Target::default(),
    )
    .unwrap();
    let from_manifest = design(&manifest).unwrap();
    // Five functions and the order workflow (a state machine).
    assert_eq!(from_template.len(), 6);
    assert_eq!(from_template.len(), from_manifest.len());
    for (a, b) in from_template.iter().zip(&from_manifest) {
        assert_eq!(a.role_name, b.role_name);
        assert_eq!(a.trust_policy, b.trust_policy);
        assert_eq!(
            a.permissions_policy, b.permissions_policy,
            "{}",
            a.role_name
        );
        // Templates name their events; a manifest's routes are named from
        // method and path. Everything a permission grants is the same.
        let granted = |role: &leash_design::RoleDesign| {
            role.lambda_permissions
                .iter()
                .map(|p| {
                    (
                        p.function_arn.clone(),
                        p.principal.clone(),
                        p.source_arn.clone(),
                        p.source_account.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(granted(a), granted(b), "{}", a.role_name);
        // A function has its routes' permissions; a state machine none.
        assert_eq!(
            granted(a).is_empty(),
            a.kind == leash_design::model::PrincipalKind::StateMachine
        );
        assert!(
            b.verified() && b.lint_findings.is_empty(),
            "{}",
            b.role_name
        );
    }
}

/// An `api-integrations` entry is a principal: the integration's
/// credentials role, trusted by API Gateway, granted what its needs say
/// and nothing of the other queue; a name IAM would refuse is an error.
#[test]
fn a_manifest_declares_an_api_integration_role() {
    let text = r#"
leash-manifest: 1
account: "111122223333"
region: us-east-1
queues: {jobs: {}, other: {}}
api-integrations:
  orders-intake:
    needs:
      - {resource: jobs, actions: [sqs:SendMessage]}
"#;
    let app =
        leash_design::manifest::read_manifest(text, &leash_design::Target::default()).unwrap();
    let roles = leash_design::design(&app).unwrap();
    let role = roles
        .iter()
        .find(|r| r.kind == leash_design::model::PrincipalKind::ApiIntegration)
        .unwrap();
    assert_eq!(role.function, "orders-intake");
    assert!(
        role.trust_policy
            .text()
            .contains("apigateway.amazonaws.com")
    );
    assert!(!role.trust_policy.text().contains("Condition"));
    let granted: Vec<(&str, &str)> = role
        .permissions
        .iter()
        .map(|p| (p.action.as_str(), p.resource.as_str()))
        .collect();
    assert_eq!(
        granted,
        vec![("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs")]
    );
    assert!(role.verification.iter().all(|c| c.passed));
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "sqs:SendMessage" && c.resource.ends_with(":other") && !c.allowed)
    );

    let bad = text.replace("orders-intake", "orders intake");
    let error =
        leash_design::manifest::read_manifest(&bad, &leash_design::Target::default()).unwrap_err();
    assert!(
        error.to_string().contains("not an IAM role name"),
        "{error}"
    );
}

/// A manifest declares an EventBridge pipe and a schedule (issue 13): the
/// schema accepts them, each is a principal with its declared needs, a
/// role trusted by its service with the documented source conditions,
/// and no log permission of its own; a bad name is refused by both.
#[test]
fn a_manifest_declares_pipes_and_schedules() {
    let text = r#"leash-manifest: 1
account: "111122223333"
region: us-east-1
queues: {jobs: {}}
topics: {events: {}}
functions:
  report: {}
pipes:
  jobs-to-events:
    needs:
      - {resource: jobs, access: consume}
      - {resource: events, access: publish}
schedules:
  nightly-report:
    needs:
      - {resource: report, access: invoke}
"#;
    let errors = schema_errors(text);
    assert!(errors.is_empty(), "{errors:#?}");
    let app = read_manifest(text, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    use leash_design::model::PrincipalKind;
    for (name, kind, service) in [
        ("jobs-to-events", PrincipalKind::Pipe, "pipes.amazonaws.com"),
        (
            "nightly-report",
            PrincipalKind::Schedule,
            "scheduler.amazonaws.com",
        ),
    ] {
        let role = roles.iter().find(|r| r.function == name).unwrap();
        assert_eq!(role.kind, kind);
        let trust = role.trust_policy.text();
        assert!(
            trust.contains(service) && trust.contains("aws:SourceArn"),
            "{trust}"
        );
        assert!(
            !role
                .permissions
                .iter()
                .any(|p| p.action.starts_with("logs:")),
            "{:?}",
            role.permissions
        );
        let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
    }
    let schedule = roles
        .iter()
        .find(|r| r.function == "nightly-report")
        .unwrap();
    let actions: Vec<&str> = schedule
        .permissions
        .iter()
        .map(|p| p.action.as_str())
        .collect();
    assert_eq!(actions, ["lambda:InvokeFunction"]);

    let bad = text.replace("nightly-report:", "nightly.report:");
    assert!(!schema_errors(&bad).is_empty());
    let error = read_manifest(&bad, &Target::default()).unwrap_err();
    assert!(
        error.to_string().contains("a pipe or schedule name"),
        "{error}"
    );
}
