//! ## What it finds
//! A `Sid` in an IAM policy (identity or role trust policy) with
//! characters other than ASCII letters and digits: spaces, dashes,
//! underscores, dots.
//!
//! ## Why it matters
//! IAM accepts only `A-Z`, `a-z` and `0-9` in a statement ID and rejects
//! the policy otherwise. (Other services' resource policies, such as SQS
//! and SNS, allow more, so resource policies are not checked.)
//!
//! ## Example
//! ```json
//! {"Sid": "read-orders", "Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Use letters and digits only: `ReadOrders`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L209",
    name: "sid-with-unsupported-characters",
    severity: Severity::Error,
    summary: "a `Sid` in an IAM policy has characters other than ASCII letters and digits",
    access_analyzer: Some("Error – Unsupported Sid"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if !matches!(input.kind, PolicyKind::Identity | PolicyKind::Trust) {
        return;
    }
    for statement in &input.policy.statements {
        let Some(sid) = &statement.sid else {
            continue;
        };
        let bad: String = sid
            .node
            .chars()
            .filter(|c| !c.is_ascii_alphanumeric())
            .fold(String::new(), |mut seen, c| {
                if !seen.contains(c) {
                    seen.push(c);
                }
                seen
            });
        if bad.is_empty() {
            continue;
        }
        let suggestion: String = sid
            .node
            .split(|c: char| !c.is_ascii_alphanumeric())
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect();
        let shown: Vec<String> = bad
            .chars()
            .map(|c| match c {
                ' ' => "a space".to_string(),
                c => format!("`{c}`"),
            })
            .collect();
        let mut diagnostic = Diagnostic::new(
            &RULE,
            format!(
                "the statement ID `{}` has {}: IAM accepts only ASCII letters and digits",
                sid.node,
                shown.join(", ")
            ),
            sid.span,
        )
        .with_label("unsupported characters");
        if !suggestion.is_empty() {
            diagnostic = diagnostic.with_help(format!("write `{suggestion}`"));
        }
        out.push(diagnostic);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::PolicyKind;

    const DASHED: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "read-all", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;

    // IAM limits Sid to A-Z, a-z, 0-9; SQS and SNS policies allow more:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html
    #[test]
    fn only_iam_policies_are_checked() {
        assert_eq!(
            findings(DASHED, Some(PolicyKind::Identity), "L209").len(),
            1
        );
        assert_eq!(findings(DASHED, Some(PolicyKind::Trust), "L209").len(), 1);
        assert!(findings(DASHED, Some(PolicyKind::Resource), "L209").is_empty());
    }
}
