//! ## What it finds
//! Two statements of one policy with the same `Sid`.
//!
//! ## Why it matters
//! Resource-based policies of several services (SQS, SNS, S3), SCPs and
//! RCPs reject duplicate statement IDs; IAM accepts them in identity
//! policies, but tools and people that refer to a statement by its `Sid`
//! then find the wrong one. Reported as an error where AWS rejects it and
//! as a warning in identity policies.
//!
//! ## Example
//! ```json
//! {"Statement": [
//!   {"Sid": "ReadOrders", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},
//!   {"Sid": "ReadOrders", "Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}]}
//! ```
//!
//! ## Fix
//! Give each statement its own `Sid`, or merge the statements.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use std::collections::HashSet;

pub static RULE: Rule = Rule {
    code: "L208",
    name: "duplicate-sid",
    severity: Severity::Error,
    summary: "two statements of one policy have the same `Sid`",
    access_analyzer: Some(
        "Error – Unique Sids required; General Warning – Unique Sids recommended",
    ),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for statement in &input.policy.statements {
        let Some(sid) = &statement.sid else {
            continue;
        };
        if sid.node.is_empty() {
            continue; // empty-sid
        }
        if seen.insert(sid.node.as_str()) {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            &RULE,
            format!(
                "the statement ID `{}` is used by an earlier statement",
                sid.node
            ),
            sid.span,
        )
        .with_label("duplicate `Sid`")
        .with_help("give each statement its own `Sid`");
        if input.kind == PolicyKind::Identity || input.kind == PolicyKind::Trust {
            diagnostic = diagnostic.with_severity(Severity::Warning);
        }
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::{PolicyKind, Severity};

    const TWICE: &str = r#"{"Version": "2012-10-17", "Statement": [
        {"Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
        {"Sid": "A", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "*"}]}"#;

    #[test]
    fn error_where_aws_rejects_warning_in_iam() {
        let identity = findings(TWICE, Some(PolicyKind::Identity), "L208");
        assert_eq!(identity.len(), 1);
        assert_eq!(identity[0].severity, Severity::Warning);
        let scp = findings(TWICE, Some(PolicyKind::ServiceControl), "L208");
        assert_eq!(scp[0].severity, Severity::Error);
    }
}
