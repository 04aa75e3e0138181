//! ## What it finds
//! A statement without `Resource` or `NotResource` in any policy but a
//! role trust policy (where the role itself is the resource).
//!
//! ## Why it matters
//! Identity-based, resource-based, service control and resource control
//! policies must say which resources a statement covers; AWS rejects the
//! policy otherwise.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "dynamodb:GetItem"}
//! ```
//!
//! ## Fix
//! Add the resources: `"Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use leash_policy::Span;

pub static RULE: Rule = Rule {
    code: "L220",
    name: "missing-resource",
    severity: Severity::Error,
    summary: "a statement outside a role trust policy has no `Resource` or `NotResource`",
    access_analyzer: Some("Error – Missing resource"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if input.kind == PolicyKind::Trust {
        return;
    }
    for statement in &input.policy.statements {
        if statement.resource.is_some() {
            continue;
        }
        let start = statement.span.start;
        out.push(
            Diagnostic::new(
                &RULE,
                "the statement has neither `Resource` nor `NotResource`",
                Span::new(start, start + 1),
            )
            .with_label("no `Resource`")
            .with_help("name the resources the statement covers, e.g. `\"Resource\": \"arn:aws:s3:::my-bucket/*\"`"),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::PolicyKind;

    const NO_RESOURCE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#;

    #[test]
    fn trust_policies_have_no_resource() {
        assert!(findings(NO_RESOURCE, Some(PolicyKind::Trust), "L220").is_empty());
        for kind in [
            PolicyKind::Identity,
            PolicyKind::Resource,
            PolicyKind::ServiceControl,
            PolicyKind::ResourceControl,
        ] {
            assert_eq!(
                findings(NO_RESOURCE, Some(kind), "L220").len(),
                1,
                "{kind:?}"
            );
        }
    }
}
