//! ## What it finds
//! A statement without `Principal` or `NotPrincipal` in a resource-based
//! policy, a role trust policy or a resource control policy.
//!
//! ## Why it matters
//! These policies say who may act, so every statement must name a
//! principal; AWS rejects the policy otherwise. A statement copied from
//! an identity policy into a bucket policy is the usual cause.
//!
//! ## Example
//! ```json
//! {"Statement": [
//!   {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
//!    "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/*"},
//!   {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::my-bucket"}]}
//! ```
//!
//! ## Fix
//! Name the principal the statement is for.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use leash_policy::Span;

pub static RULE: Rule = Rule {
    code: "L219",
    name: "missing-principal",
    severity: Severity::Error,
    summary: "a statement of a resource-based or trust policy names no principal",
    access_analyzer: Some("Error – Missing principal"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let what = match input.kind {
        PolicyKind::Resource => "resource-based policy",
        PolicyKind::Trust => "role trust policy",
        PolicyKind::ResourceControl => "resource control policy",
        PolicyKind::Identity | PolicyKind::ServiceControl => return,
    };
    for statement in &input.policy.statements {
        if statement.principal.is_some() {
            continue;
        }
        let start = statement.span.start;
        out.push(
            Diagnostic::new(
                &RULE,
                format!("this statement of a {what} has no `Principal`"),
                Span::new(start, start + 1),
            )
            .with_label("no `Principal`")
            .with_help("name who the statement is for, e.g. `\"Principal\": {\"AWS\": \"arn:aws:iam::111122223333:role/app\"}`"),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::{PolicyKind, Severity};

    const NO_PRINCIPAL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole"}]}"#;

    #[test]
    fn required_in_resource_trust_and_resource_control_policies() {
        for kind in [
            PolicyKind::Resource,
            PolicyKind::Trust,
            PolicyKind::ResourceControl,
        ] {
            let found = findings(NO_PRINCIPAL, Some(kind), "L219");
            assert_eq!(found.len(), 1, "{kind:?}");
            assert_eq!(found[0].severity, Severity::Error);
        }
        assert!(findings(NO_PRINCIPAL, Some(PolicyKind::Identity), "L219").is_empty());
        assert!(findings(NO_PRINCIPAL, Some(PolicyKind::ServiceControl), "L219").is_empty());
    }
}
