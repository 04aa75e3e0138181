//! ## What it finds
//! A statement of a resource-based policy that allows an AWS service
//! principal (`sns.amazonaws.com`, `events.amazonaws.com`...) without a
//! condition on `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID`
//! or `aws:SourceOrgPaths`. Role trust policies are not checked: not
//! every service sends these keys when it assumes a role.
//!
//! ## Why it matters
//! The service acts for every customer. Without a source condition,
//! another account can make the service use your resource on its behalf
//! (the confused deputy problem): deliver to your queue, invoke your
//! function, write to your bucket.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": {"Service": "sns.amazonaws.com"},
//!  "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"}
//! ```
//!
//! ## Fix
//! Add `"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:111122223333:order-events"}`
//! or `"StringEquals": {"aws:SourceAccount": "111122223333"}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>

use super::util::has_condition_key;
use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use leash_policy::{Effect, Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L308",
    name: "service-principal-without-source-condition",
    severity: Severity::Warning,
    summary: "a resource policy allows a service principal without `aws:SourceArn` or `aws:SourceAccount`",
    access_analyzer: Some("Security Warning – Restrict access to service principal"),
    check: Some(check),
};

const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if input.kind != PolicyKind::Resource {
        return;
    }
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Principal::Map(entries) = &principal.node.principal else {
            continue;
        };
        if principal.node.negated || SOURCE_KEYS.iter().any(|k| has_condition_key(statement, k)) {
            continue;
        }
        for service in entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Service)
            .flat_map(|e| e.values.iter())
        {
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("`{}` acts for every AWS customer, and nothing limits this grant to your own resources", service.node),
                    service.span,
                )
                .with_label("service principal without a source condition")
                .with_help("add `\"ArnEquals\": {\"aws:SourceArn\": \"<source resource ARN>\"}` or `\"StringEquals\": {\"aws:SourceAccount\": \"<account ID>\"}`"),
            );
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::PolicyKind;

    const SERVICE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;

    // Not every service sends aws:SourceArn when it assumes a role, so
    // trust policies are left alone (confused-deputy page:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html).
    #[test]
    fn trust_policies_are_not_checked() {
        assert!(findings(SERVICE, Some(PolicyKind::Trust), "L308").is_empty());
        assert_eq!(
            findings(SERVICE, Some(PolicyKind::Resource), "L308").len(),
            1
        );
        let with_source = SERVICE.replace(
            r#""Action": "sts:AssumeRole""#,
            r#""Action": "sts:AssumeRole", "Condition": {"StringEquals": {"AWS:SourceAccount": "111122223333"}}"#,
        );
        assert!(findings(&with_source, Some(PolicyKind::Resource), "L308").is_empty());
    }
}
