//! The template rules on Terraform plans: what each reports in its plan
//! fixture (`tests/fixtures/terraform/NAME.plan.json`), where, and what it
//! must not report (the false positives a plan invites: customer managed
//! policies, functions with their own roles, roles used from outside the
//! plan, values unknown until apply).
#![allow(clippy::unwrap_used)]

use leash_lint::{Diagnostic, lint_terraform_plan_text};

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/terraform/{name}.plan.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap()
}

fn with_code(text: &str, code: &str) -> Vec<Diagnostic> {
    lint_terraform_plan_text(text)
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

fn at<'t>(text: &'t str, d: &Diagnostic) -> &'t str {
    &text[d.span.start..d.span.end]
}

/// A plan of `resources`, each `(type, name, values, expressions)` with
/// JSON text for values and expressions: `planned_values` and
/// `configuration` as `terraform show -json` writes them.
fn plan(resources: &[(&str, &str, &str, &str)], outputs: &str) -> String {
    let planned: Vec<String> = resources
        .iter()
        .map(|(kind, name, values, _)| {
            format!(
                r#"{{"address": "{kind}.{name}", "mode": "managed", "type": "{kind}", "name": "{name}", "values": {values}}}"#
            )
        })
        .collect();
    let configured: Vec<String> = resources
        .iter()
        .map(|(kind, name, _, expressions)| {
            format!(
                r#"{{"address": "{kind}.{name}", "mode": "managed", "type": "{kind}", "name": "{name}", "expressions": {expressions}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"format_version": "1.2", "planned_values": {{"root_module": {{"resources": [{}]}}}},
 "configuration": {{"root_module": {{"resources": [{}], "outputs": {outputs}}}}}}}"#,
        planned.join(",\n"),
        configured.join(",\n")
    )
}

const LAMBDA_TRUST: &str = r#""{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}""#;

fn role(name: &str) -> String {
    format!(r#"{{"name": "{name}", "assume_role_policy": {LAMBDA_TRUST}}}"#)
}

#[test]
fn aws_managed_policies_attached_by_arn_are_reported_at_the_arn() {
    let text = fixture("broad-managed-policy-on-function-role");
    let found = with_code(&text, "L506");
    let reported: Vec<(&str, Option<&str>)> = found
        .iter()
        .map(|d| (at(&text, d), d.resource.as_deref()))
        .collect();
    assert_eq!(
        reported,
        [
            (
                r#""arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess""#,
                Some("aws_iam_role_policy_attachment.orders_dynamodb")
            ),
            (
                r#""arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole""#,
                Some("aws_iam_role_policy_attachment.orders_logs")
            ),
            (
                r#""arn:aws:iam::aws:policy/AmazonS3FullAccess""#,
                Some("aws_iam_role.reports")
            ),
            (
                r#""arn:aws:iam::aws:policy/AmazonSQSFullAccess""#,
                Some("aws_iam_policy_attachment.queues")
            ),
        ],
        "{found:#?}"
    );
    // `AWSLambdaBasicExecutionRole` is the milder finding.
    assert_eq!(found[1].severity, leash_lint::Severity::Info);
    assert!(found[0].message.contains("`aws_lambda_function.get_order`"));
    assert!(found[2].message.contains("`aws_lambda_function.report`"));
}

#[test]
fn customer_managed_policies_and_roles_without_functions_are_not_reported() {
    let text = fixture("broad-managed-policy-on-function-role");
    let found = with_code(&text, "L506");
    // `OrdersFullAccess` is a customer managed policy: its document is
    // judged, not its name.
    assert!(!found.iter().any(|d| d.message.contains("OrdersFullAccess")));
    // `auditor` runs no function.
    assert!(
        !found
            .iter()
            .any(|d| d.message.contains("AWSConfigFullAccess"))
    );
}

#[test]
fn a_function_whose_role_comes_from_a_variable_is_not_linked_to_any_role() {
    let text = plan(
        &[
            ("aws_iam_role", "orders", &role("orders"), "{}"),
            (
                "aws_lambda_function",
                "get_order",
                r#"{"function_name": "get-order"}"#,
                r#"{"role": {"references": ["var.role_arn"]}}"#,
            ),
            (
                "aws_lambda_function",
                "put_order",
                r#"{"function_name": "put-order"}"#,
                r#"{"role": {"references": ["var.role_arn"]}}"#,
            ),
            (
                "aws_iam_role_policy_attachment",
                "orders",
                r#"{"role": "orders", "policy_arn": "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"}"#,
                "{}",
            ),
        ],
        "{}",
    );
    let found = lint_terraform_plan_text(&text);
    // Not shared, no managed policy on a function role, and `orders` may be
    // the variable's role: not "attached to nothing".
    for code in ["L501", "L503", "L506"] {
        assert!(!found.iter().any(|d| d.code == code), "{code}: {found:#?}");
    }
}

#[test]
fn functions_sharing_a_role_are_reported_at_the_role() {
    let text = fixture("execution-role-shared-by-functions");
    let found = with_code(&text, "L501");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(at(&text, &found[0]), r#""aws_iam_role.shared""#);
    assert_eq!(
        found[0].message,
        "role `aws_iam_role.shared` is the execution role of 2 functions: `aws_lambda_function.get_order`, `aws_lambda_function.delete_order`"
    );
    // `report` has its own role, linked by its known ARN.
    assert!(!found[0].message.contains("report"));
}

#[test]
fn instances_of_one_counted_function_on_one_role_share_it() {
    let function = r#"{"function_name": "worker"}"#;
    let expressions =
        r#"{"role": {"references": ["aws_iam_role.worker.arn", "aws_iam_role.worker"]}}"#;
    let text = plan(
        &[
            ("aws_iam_role", "worker", &role("worker"), "{}"),
            ("aws_lambda_function", "worker", function, expressions),
        ],
        "{}",
    )
    // Two instances of the function (`count = 2`), one configuration.
    .replacen(
        r#"{"address": "aws_lambda_function.worker", "mode": "managed", "type": "aws_lambda_function", "name": "worker", "values": {"function_name": "worker"}}"#,
        r#"{"address": "aws_lambda_function.worker[0]", "mode": "managed", "type": "aws_lambda_function", "name": "worker", "index": 0, "values": {"function_name": "worker-0"}},
{"address": "aws_lambda_function.worker[1]", "mode": "managed", "type": "aws_lambda_function", "name": "worker", "index": 1, "values": {"function_name": "worker-1"}}"#,
        1,
    );
    let found = with_code(&text, "L501");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("`aws_lambda_function.worker[1]`"));
}

#[test]
fn one_function_per_instance_of_a_counted_role_is_not_sharing() {
    // `role = aws_iam_role.worker[count.index].arn`: which instance each
    // function gets is not in the plan, so nothing is reported.
    let text = plan(
        &[
            ("aws_iam_role", "worker", &role("worker"), "{}"),
            (
                "aws_lambda_function",
                "worker",
                r#"{"function_name": "worker"}"#,
                r#"{"role": {"references": ["aws_iam_role.worker", "count.index"]}}"#,
            ),
            (
                "aws_lambda_function",
                "other",
                r#"{"function_name": "other"}"#,
                r#"{"role": {"references": ["aws_iam_role.worker", "count.index"]}}"#,
            ),
        ],
        "{}",
    )
    .replacen(
        r#"{"address": "aws_iam_role.worker", "mode": "managed", "type": "aws_iam_role", "name": "worker","#,
        r#"{"address": "aws_iam_role.worker[1]", "mode": "managed", "type": "aws_iam_role", "name": "worker", "values": {"name": "worker-1"}},
{"address": "aws_iam_role.worker[0]", "mode": "managed", "type": "aws_iam_role", "name": "worker","#,
        1,
    );
    assert!(with_code(&text, "L501").is_empty());
}

#[test]
fn a_dynamodb_role_is_reported_and_an_s3_replication_role_is_not() {
    let text = fixture("role-for-service-that-never-assumes-roles");
    let found = with_code(&text, "L502");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(at(&text, &found[0]), r#""aws_iam_role.dynamodb_access""#);
    // S3 replication assumes the role its configuration names, trusted by
    // `s3.amazonaws.com`:
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html
    assert!(!found[0].message.contains("replication"));
}

#[test]
fn a_lambda_role_no_function_uses_is_reported_and_roles_used_elsewhere_are_not() {
    let text = fixture("role-attached-to-nothing");
    let found = with_code(&text, "L503");
    let roles: Vec<&str> = found.iter().map(|d| at(&text, d)).collect();
    // `lambda_execution` runs `get_order`; `deploy` is assumed by GitHub
    // Actions; `exported` is an output for another state. Only `s3_access`
    // (with its own inline policy, which does not count as a use) is idle.
    assert_eq!(roles, [r#""aws_iam_role.s3_access""#], "{found:#?}");
}

#[test]
fn a_role_named_by_a_literal_arn_elsewhere_is_used() {
    let text = plan(
        &[
            ("aws_iam_role", "runner", &role("runner"), "{}"),
            ("aws_iam_role", "idle", &role("idle"), "{}"),
            (
                "aws_lambda_function",
                "job",
                r#"{"function_name": "job", "role": "arn:aws:iam::123456789012:role/runner"}"#,
                "{}",
            ),
            (
                "aws_sfn_state_machine",
                "flow",
                r#"{"name": "flow", "definition": "{\"Comment\": \"uses arn:aws:iam::123456789012:role/idle\"}"}"#,
                "{}",
            ),
        ],
        "{}",
    );
    assert!(with_code(&text, "L503").is_empty());
    // Without the state machine, `idle` is attached to nothing.
    let without = text.replace("uses arn:aws:iam::123456789012:role/idle", "nothing");
    assert_eq!(with_code(&without, "L503").len(), 1);
}

#[test]
fn an_api_gateway_role_invoking_every_function_is_reported_in_the_policy_string() {
    let text = fixture("api-gateway-role-invoking-every-function");
    let found = with_code(&text, "L504");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(at(&text, &found[0]), r#"\"lambda:InvokeFunction\""#);
    assert_eq!(
        found[0].resource.as_deref(),
        Some("aws_iam_role.api_gateway")
    );
    assert!(
        found[0]
            .help
            .as_deref()
            .unwrap()
            .contains("`aws_lambda_permission`")
    );
}

#[test]
fn only_the_permission_open_to_every_stage_and_method_is_reported() {
    let text = fixture("lambda-permission-source-arn-too-broad");
    let found = with_code(&text, "L505");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        at(&text, &found[0]),
        r#""arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/*""#
    );
    assert_eq!(
        found[0].resource.as_deref(),
        Some("aws_lambda_permission.any_route")
    );
}

#[test]
fn an_unknown_source_arn_is_not_judged_too_broad() {
    let text = plan(
        &[(
            "aws_lambda_permission",
            "api",
            r#"{"action": "lambda:InvokeFunction", "function_name": "get-order", "principal": "apigateway.amazonaws.com"}"#,
            r#"{"source_arn": {"references": ["aws_api_gateway_rest_api.orders.execution_arn"]}}"#,
        )],
        "{}",
    )
    .replace(
        r#""planned_values""#,
        r#""resource_changes": [{"address": "aws_lambda_permission.api", "change": {"after_unknown": {"source_arn": true}}}], "planned_values""#,
    );
    assert!(with_code(&text, "L505").is_empty());
}

#[test]
fn buckets_without_a_tls_deny_are_reported_unless_their_policy_is_unknown() {
    let text = fixture("bucket-without-tls-deny");
    let found = with_code(&text, "L507");
    let buckets: Vec<&str> = found.iter().map(|d| at(&text, d)).collect();
    // `assets` has the deny; `logs`'s policy is unknown until apply.
    assert_eq!(buckets, [r#""aws_s3_bucket.receipts""#], "{found:#?}");
}

#[test]
fn a_bucket_policy_without_the_deny_does_not_count() {
    let text = fixture("bucket-without-tls-deny").replace(
        r#"\"Effect\":\"Deny\",\"Principal\":\"*\""#,
        r#"\"Effect\":\"Allow\",\"Principal\":\"*\""#,
    );
    let found = with_code(&text, "L507");
    assert!(
        found
            .iter()
            .any(|d| at(&text, d) == r#""aws_s3_bucket.assets""#)
    );
}

#[test]
fn a_bucket_with_its_own_policy_argument_is_not_judged() {
    let text = plan(
        &[(
            "aws_s3_bucket",
            "legacy",
            r#"{"bucket": "legacy"}"#,
            r#"{"policy": {"references": ["data.aws_iam_policy_document.legacy.json"]}}"#,
        )],
        "{}",
    );
    assert!(with_code(&text, "L507").is_empty());
}

#[test]
fn a_terraform_json_configuration_gets_no_plan_rules() {
    // Not evaluated: its references are text, so no links are drawn.
    let text = r#"{"resource": {"aws_s3_bucket": {"receipts": {"bucket": "receipts"}}}}"#;
    let value = leash_policy::json::parse_json(text).unwrap();
    assert!(leash_lint::lint_terraform_configuration(text, &value).is_empty());
}

#[test]
fn policies_of_one_role_that_combine_into_an_escalation_path_are_reported() {
    let text = fixture("privilege-escalation-path-across-policies");
    let found = with_code(&text, "L509");
    // `deployer` holds both halves; `packager` and `tester` one each.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].message.contains("role `aws_iam_role.deployer`"));
    assert!(found[0].message.contains("`lambda-001`"));
    assert_eq!(at(&text, &found[0]), r#"\"iam:PassRole\""#);
    assert_eq!(found[0].resource.as_deref(), Some("aws_iam_role.deployer"));
    let help = found[0].help.as_deref().unwrap();
    assert!(
        help.contains("of `aws_iam_role.deployer` (inline_policy[0].policy)")
            && help.contains("of `aws_iam_policy.deployer_functions` (policy)"),
        "{help}"
    );
}

#[test]
fn a_function_behind_an_api_that_may_scan_is_reported_and_a_nightly_job_is_not() {
    let text = fixture("table-scan-for-api-function");
    let found = with_code(&text, "L508");
    // `get_order` (a Lambda permission for API Gateway) scans; `list_orders`
    // (an integration) reads by key; `export` scans but serves no API.
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("function `aws_lambda_function.get_order`")
    );
    assert_eq!(at(&text, &found[0]), r#"\"dynamodb:Scan\""#);
    assert_eq!(
        found[0].resource.as_deref(),
        Some("aws_iam_role_policy.get_order_table")
    );
}

#[test]
fn an_api_integration_makes_a_function_an_api_function() {
    // Give `list_orders` the scan too: its integration puts it behind the API.
    let text = fixture("table-scan-for-api-function").replacen(
        r#"\"Action\":[\"dynamodb:GetItem\",\"dynamodb:Query\"]"#,
        r#"\"Action\":[\"dynamodb:GetItem\",\"dynamodb:Scan\"]"#,
        1,
    );
    let found = with_code(&text, "L508");
    assert!(
        found
            .iter()
            .any(|d| d.message.contains("`aws_lambda_function.list_orders`")),
        "{found:#?}"
    );
    assert!(!found.iter().any(|d| d.message.contains("export")));
}

#[test]
fn exclusive_attachments_are_read_entry_by_entry() {
    let text = plan(
        &[
            ("aws_iam_role", "orders", &role("orders"), "{}"),
            (
                "aws_lambda_function",
                "get_order",
                r#"{"function_name": "get-order"}"#,
                r#"{"role": {"references": ["aws_iam_role.orders.arn", "aws_iam_role.orders"]}}"#,
            ),
            (
                "aws_iam_role_policy_attachments_exclusive",
                "orders",
                r#"{"role_name": "orders", "policy_arns": ["arn:aws:iam::123456789012:policy/orders-data", "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"]}"#,
                r#"{"role_name": {"references": ["aws_iam_role.orders.name", "aws_iam_role.orders"]}}"#,
            ),
        ],
        "{}",
    );
    let found = with_code(&text, "L506");
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        at(&text, &found[0]),
        r#""arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess""#
    );
    assert_eq!(
        found[0].resource.as_deref(),
        Some("aws_iam_role_policy_attachments_exclusive.orders")
    );
}
