//! `terraform_plan_model`: which role each function runs with, which
//! managed policies each attachment puts on which roles, which bucket
//! policies govern which buckets, and what refers to each role, on the
//! linter's plan fixtures.
#![allow(clippy::unwrap_used)]

use leash_iac::{TerraformModel, TerraformRoleLink, terraform_plan_model};

fn model(name: &str) -> (String, TerraformModel) {
    let path = format!(
        "{}/../leash-lint/tests/fixtures/terraform/{name}.plan.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let plan = leash_policy::json::parse_json(&text).unwrap();
    let model = terraform_plan_model(&plan);
    (text, model)
}

#[test]
fn functions_are_linked_to_roles_by_reference_and_by_arn() {
    let (_, model) = model("broad-managed-policy-on-function-role");
    let links: Vec<(&str, &TerraformRoleLink)> = model
        .functions
        .iter()
        .map(|f| (f.address.as_str(), &f.role))
        .collect();
    assert_eq!(
        links,
        [
            // `role = aws_iam_role.orders.arn`, unknown until apply.
            (
                "aws_lambda_function.get_order",
                &TerraformRoleLink::Role("aws_iam_role.orders".into())
            ),
            // A known ARN equal to the role's.
            (
                "aws_lambda_function.report",
                &TerraformRoleLink::Role("aws_iam_role.reports".into())
            ),
        ]
    );
}

#[test]
fn attachments_name_their_roles_and_the_arn_position() {
    let (text, model) = model("broad-managed-policy-on-function-role");
    let attachments: Vec<(&str, &str, &str, Vec<&str>)> = model
        .managed_policy_attachments
        .iter()
        .map(|a| {
            (
                a.address.as_str(),
                a.path.as_str(),
                &text[a.policy_arn.span.start..a.policy_arn.span.end],
                a.roles.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        attachments[0],
        (
            "aws_iam_role_policy_attachment.orders_dynamodb",
            "policy_arn",
            r#""arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess""#,
            vec!["aws_iam_role.orders"]
        )
    );
    let managed = attachments
        .iter()
        .find(|a| a.0 == "aws_iam_role.reports")
        .unwrap();
    assert_eq!(managed.1, "managed_policy_arns[0]");
    assert_eq!(managed.3, ["aws_iam_role.reports"]);
    let exclusive = attachments
        .iter()
        .find(|a| a.0 == "aws_iam_policy_attachment.queues")
        .unwrap();
    assert_eq!(exclusive.3, ["aws_iam_role.orders"]);
}

#[test]
fn uses_of_a_role_exclude_its_own_policies() {
    let (_, model) = model("role-attached-to-nothing");
    let uses = |address: &str| {
        model
            .roles
            .iter()
            .find(|r| r.address == address)
            .unwrap()
            .referenced_by
            .clone()
    };
    assert_eq!(
        uses("aws_iam_role.lambda_execution"),
        ["aws_lambda_function.get_order"]
    );
    assert_eq!(uses("aws_iam_role.exported"), ["output.worker_role_arn"]);
    // Its inline `aws_iam_role_policy` attaches to it; it does not use it.
    assert!(uses("aws_iam_role.s3_access").is_empty());
}

#[test]
fn bucket_policies_are_linked_by_name_or_reference() {
    let (_, model) = model("bucket-without-tls-deny");
    let buckets: Vec<(&str, Vec<&str>)> = model
        .buckets
        .iter()
        .map(|b| {
            (
                b.address.as_str(),
                b.policies.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        buckets,
        [
            ("aws_s3_bucket.receipts", vec![]),
            ("aws_s3_bucket.assets", vec!["aws_s3_bucket_policy.assets"]),
            ("aws_s3_bucket.logs", vec!["aws_s3_bucket_policy.logs"]),
        ]
    );
}
