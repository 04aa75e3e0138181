//! Extraction from a small Terraform plan (`terraform show -json`,
//! pretty-printed), checking that positions inside the policy strings point
//! at the plan file's own characters.
#![allow(clippy::unwrap_used)]

use leash_iac::{
    PolicyKind, PolicyOrigin, TerraformPolicy, extract_terraform_plan, extract_terraform_policies,
    is_terraform_plan,
};
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use leash_policy::{LineIndex, Span, Value};

const PLAN: &str = include_str!("fixtures/plan.json");

fn policies() -> Vec<TerraformPolicy> {
    let plan = parse_json(PLAN).unwrap();
    assert!(is_terraform_plan(&plan));
    extract_terraform_policies(PLAN, &plan)
}

fn text_at(span: Span) -> &'static str {
    &PLAN[span.start..span.end]
}

fn line_col(span: Span) -> (usize, usize) {
    LineIndex::new(PLAN).line_col(PLAN, span.start)
}

fn policy<'a>(policies: &'a [TerraformPolicy], address: &str, path: &str) -> &'a TerraformPolicy {
    policies
        .iter()
        .find(|p| p.address == address && p.path == path)
        .unwrap_or_else(|| panic!("no policy {address} {path}"))
}

fn statements(policy: &TerraformPolicy) -> &[Value] {
    policy
        .document
        .get("Statement")
        .and_then(Value::as_array)
        .unwrap()
}

#[test]
fn every_policy_of_the_plan_is_found_once() {
    let policies = policies();
    let found: Vec<(&str, &str, PolicyKind)> = policies
        .iter()
        .map(|p| (p.address.as_str(), p.path.as_str(), p.kind))
        .collect();
    assert_eq!(
        found,
        vec![
            ("aws_iam_policy.orders_logs", "policy", PolicyKind::Identity),
            (
                "aws_iam_role.orders",
                "assume_role_policy",
                PolicyKind::Trust
            ),
            (
                "aws_iam_role.orders",
                "inline_policy[0].policy",
                PolicyKind::Identity
            ),
            (
                "aws_lambda_permission.api_gateway",
                "",
                PolicyKind::Resource
            ),
            (
                "aws_s3_bucket_policy.receipts",
                "policy",
                PolicyKind::Resource
            ),
        ]
    );
    for p in &policies {
        let parsed = parse_policy(&p.document);
        assert!(
            !parsed.has_errors(),
            "{}: {:?}",
            p.address,
            parsed.diagnostics
        );
    }
    let plan = parse_json(PLAN).unwrap();
    let extraction = extract_terraform_plan(PLAN, &plan);
    assert!(extraction.invalid.is_empty());
    assert!(extraction.unread.is_empty());
}

#[test]
fn the_offending_action_is_located_inside_the_policy_string() {
    let policies = policies();
    let inline = policy(&policies, "aws_iam_role.orders", "inline_policy[0].policy");
    let action = statements(inline)[0].get("Action").unwrap();
    assert_eq!(action.as_str(), Some("dynamodb:*"));
    assert_eq!(text_at(action.span), r#"\"dynamodb:*\""#);
    // Line 37 of the plan holds the inline policy of `planned_values`;
    // the column is the escaped quote before `dynamodb:*`.
    let line = PLAN.lines().nth(36).unwrap();
    let column = line.find(r#"\"dynamodb:*\""#).unwrap() + 1;
    assert_eq!(line_col(action.span), (37, column));
    assert_eq!(column, 56);
}

#[test]
fn a_pretty_printed_policy_string_keeps_positions_after_newline_escapes() {
    let policies = policies();
    let trust = policy(&policies, "aws_iam_role.orders", "assume_role_policy");
    let statement = &statements(trust)[0];
    let service = statement
        .get("Principal")
        .and_then(|p| p.get("Service"))
        .unwrap();
    assert_eq!(text_at(service.span), r#"\"lambda.amazonaws.com\""#);
    let sid = statement.get("Sid").unwrap();
    assert_eq!(text_at(sid.span), r#"\"LambdaAssume\""#);
    assert_eq!(trust.attached_roles, vec!["aws_iam_role.orders"]);
}

#[test]
fn a_policy_is_attached_to_its_role_through_the_configuration() {
    // The policy's ARN is unknown at plan time: the attachment is matched by
    // the configuration's reference to `aws_iam_policy.orders_logs`.
    let policies = policies();
    let logs = policy(&policies, "aws_iam_policy.orders_logs", "policy");
    assert_eq!(logs.attached_roles, vec!["aws_iam_role.orders"]);
    let bucket = policy(&policies, "aws_s3_bucket_policy.receipts", "policy");
    assert_eq!(bucket.target_resources, vec!["orders-receipts"]);
}

#[test]
fn a_lambda_permission_becomes_its_resource_policy_statement() {
    let policies = policies();
    let permission = policy(&policies, "aws_lambda_permission.api_gateway", "");
    assert_eq!(permission.origin, PolicyOrigin::LambdaPermission);
    assert_eq!(permission.target_resources, vec!["orders-api"]);
    let statement = &statements(permission)[0];
    let get = |key: &str| statement.get(key).unwrap();
    assert_eq!(get("Sid").as_str(), Some("AllowExecutionFromAPIGateway"));
    assert_eq!(get("Effect").as_str(), Some("Allow"));
    assert_eq!(get("Action").as_str(), Some("lambda:InvokeFunction"));
    let service = get("Principal").get("Service").unwrap();
    assert_eq!(service.as_str(), Some("apigateway.amazonaws.com"));
    assert_eq!(text_at(service.span), r#""apigateway.amazonaws.com""#);
    assert_eq!(
        get("Resource").as_str(),
        Some("arn:aws:lambda:*:*:function:orders-api")
    );
    assert_eq!(text_at(get("Resource").span), r#""orders-api""#);
    let source_arn = get("Condition")
        .get("ArnLike")
        .and_then(|c| c.get("aws:SourceArn"))
        .unwrap();
    assert_eq!(
        source_arn.as_str(),
        Some("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*")
    );
    assert!(text_at(source_arn.span).ends_with(r#"/*/*""#));
    let parsed = parse_policy(&permission.document);
    assert!(!parsed.has_errors(), "{:?}", parsed.diagnostics);
}

#[test]
fn unknown_documents_are_listed_and_unknown_conditions_kept() {
    let text = r#"{
  "format_version": "1.2",
  "planned_values": {"root_module": {"child_modules": [{"address": "module.api", "resources": [
    {"address": "module.api.aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy", "values": {"name": "p"}},
    {"address": "module.api.aws_lambda_permission.s", "mode": "managed", "type": "aws_lambda_permission",
     "values": {"action": "lambda:InvokeFunction", "principal": "s3.amazonaws.com", "function_name": "f"}},
    {"address": "module.api.aws_iam_role_policy.bad", "mode": "managed", "type": "aws_iam_role_policy",
     "values": {"role": "r", "policy": "{\"Version\": }"}}
  ]}]}},
  "resource_changes": [
    {"address": "module.api.aws_iam_policy.p", "change": {"after_unknown": {"policy": true}}},
    {"address": "module.api.aws_lambda_permission.s", "change": {"after_unknown": {"source_arn": true}}}
  ]
}"#;
    let plan = parse_json(text).unwrap();
    let extraction = extract_terraform_plan(text, &plan);
    assert_eq!(extraction.unread.len(), 1);
    assert_eq!(extraction.unread[0].address, "module.api.aws_iam_policy.p");
    assert_eq!(extraction.unread[0].path, "policy");
    assert_eq!(extraction.invalid.len(), 1);
    let error = &extraction.invalid[0].error;
    assert_eq!(&text[error.span.start..error.span.end], "}");
    assert_eq!(extraction.policies.len(), 1);
    let permission = &extraction.policies[0];
    assert_eq!(permission.unknown_attributes, vec!["source_arn"]);
    let condition = permission
        .document
        .get("Statement")
        .and_then(Value::as_array)
        .unwrap()[0]
        .get("Condition")
        .and_then(|c| c.get("ArnLike"))
        .and_then(|c| c.get("aws:SourceArn"))
        .unwrap();
    assert_eq!(condition.as_str(), Some("*"));
}

#[test]
fn positions_hold_in_a_one_line_plan_as_terraform_writes_it() {
    // `terraform show -json` writes one line; the fixture is that line
    // pretty-printed. Undo the indentation (no raw newline is inside a
    // string: they are escaped as `\n`).
    let compact: String = PLAN.lines().map(str::trim_start).collect();
    let plan = parse_json(&compact).unwrap();
    let policies = extract_terraform_policies(&compact, &plan);
    assert_eq!(policies.len(), 5);
    let inline = policy(&policies, "aws_iam_role.orders", "inline_policy[0].policy");
    let action = statements(inline)[0].get("Action").unwrap();
    let expected = compact.find(r#"\"dynamodb:*\""#).unwrap();
    assert_eq!(action.span.start, expected);
    assert_eq!(
        LineIndex::new(&compact).line_col(&compact, action.span.start),
        (1, expected + 1)
    );
}

/// User and group inline policies, queue, topic and key policies.
const MORE: &str = include_str!("fixtures/plan-resource-policies.json");

#[test]
fn user_group_queue_topic_and_key_policies_are_read_with_their_kinds() {
    let plan = leash_policy::json::parse_json(MORE).unwrap();
    let extraction = leash_iac::extract_terraform_plan(MORE, &plan);
    let found: Vec<_> = extraction
        .policies
        .iter()
        .map(|p| (p.address.as_str(), p.kind, p.target_resources.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "aws_iam_user_policy.ci",
                leash_iac::PolicyKind::Identity,
                vec![]
            ),
            (
                "aws_iam_group_policy.ops",
                leash_iac::PolicyKind::Identity,
                vec![]
            ),
            (
                "aws_sqs_queue_policy.inbox",
                leash_iac::PolicyKind::Resource,
                vec!["https://sqs.eu-west-1.amazonaws.com/111122223333/inbox".to_string()]
            ),
            (
                "aws_sns_topic_policy.events",
                leash_iac::PolicyKind::Resource,
                vec!["arn:aws:sns:eu-west-1:111122223333:events".to_string()]
            ),
            (
                "aws_kms_key.data",
                leash_iac::PolicyKind::Resource,
                vec!["aws_kms_key.data".to_string()]
            ),
        ]
    );
    // Positions are inside the policy strings of this plan.
    let key = &extraction.policies[4];
    let action = key.document.get("Statement").unwrap().as_array().unwrap()[0]
        .get("Action")
        .unwrap();
    assert_eq!(&MORE[action.span.start..action.span.end], r#"\"kms:*\""#);
    // The data source in `prior_state` is not read on its own: its JSON is
    // in the resource that uses it, and reading both would report twice.
    assert!(
        extraction
            .policies
            .iter()
            .all(|p| !p.address.starts_with("data."))
    );
}
