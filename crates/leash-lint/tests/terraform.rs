//! Linting a Terraform plan: findings inside the policy strings point at
//! the plan file's own characters, and name the resource address.
#![allow(clippy::unwrap_used)]

use leash_lint::lint_terraform_plan_text;
use leash_policy::LineIndex;

const PLAN: &str = include_str!("../../leash-iac/tests/fixtures/plan.json");

#[test]
fn a_service_wide_wildcard_is_reported_at_the_action_in_the_policy_string() {
    let diagnostics = lint_terraform_plan_text(PLAN);
    let wildcard = diagnostics
        .iter()
        .find(|d| d.code == "L408")
        .unwrap_or_else(|| panic!("no L408 in {diagnostics:#?}"));
    assert_eq!(
        &PLAN[wildcard.span.start..wildcard.span.end],
        r#"\"dynamodb:*\""#
    );
    assert_eq!(
        LineIndex::new(PLAN).line_col(PLAN, wildcard.span.start),
        (37, 56)
    );
    assert_eq!(wildcard.resource.as_deref(), Some("aws_iam_role.orders"));
    // Every finding is inside the plan and names a resource of it.
    for d in &diagnostics {
        assert!(d.span.end <= PLAN.len(), "{d:?}");
        assert!(d.resource.is_some(), "{d:?}");
    }
}

#[test]
fn a_policy_string_that_is_not_json_is_reported_where_it_breaks() {
    let text = r#"{"format_version": "1.2", "planned_values": {"root_module": {"resources": [
  {"address": "aws_iam_policy.p", "mode": "managed", "type": "aws_iam_policy",
   "values": {"policy": "{\"Version\": \"2012-10-17\", }"}}]}}}"#;
    let diagnostics = lint_terraform_plan_text(text);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    let d = &diagnostics[0];
    assert_eq!(d.code, leash_lint::rules::invalid_json::RULE.code);
    // The trailing comma, inside the policy string.
    assert_eq!(&text[d.span.start..d.span.end], ",");
    assert_eq!(d.resource.as_deref(), Some("aws_iam_policy.p"));
}

#[test]
fn topic_and_group_policies_of_a_plan_are_linted_with_their_kinds() {
    let text = include_str!("../../leash-iac/tests/fixtures/plan-resource-policies.json");
    let found = leash_lint::lint_terraform_plan_text(text);
    let codes_for = |address: &str| {
        found
            .iter()
            .filter(|d| d.resource.as_deref() == Some(address))
            .map(|d| d.code)
            .collect::<Vec<_>>()
    };
    // A topic policy open to everyone, read as a resource policy.
    assert!(
        codes_for("aws_sns_topic_policy.events").contains(&"L309"),
        "{found:#?}"
    );
    // `iam:PassRole` on every role in a group's inline policy.
    assert!(
        codes_for("aws_iam_group_policy.ops").contains(&"L301"),
        "{found:#?}"
    );
}
