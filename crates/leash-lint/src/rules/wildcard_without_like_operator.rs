//! ## What it finds
//! A `*` or `?` in a value of `StringEquals`, `StringNotEquals`,
//! `StringEqualsIgnoreCase` or `StringNotEqualsIgnoreCase` (outside a
//! policy variable such as `${*}`).
//!
//! ## Why it matters
//! These operators compare text exactly: `*` and `?` are literal
//! characters. `"StringEquals": {"aws:PrincipalTag/team": "data-*"}`
//! matches only the tag value `data-*`, so an Allow never applies and a
//! Deny with `StringNotEquals` applies to everyone.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
//!  "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data-*"}}}
//! ```
//!
//! ## Fix
//! Use `StringLike` (`StringNotLike`) to match patterns. The fix offered
//! changes the operator and is unsafe: review that the other values of
//! the block hold no literal `*` or `?`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String>

use super::util::{condition_entries, string_value};
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};
use leash_policy::condition::operator_text;
use leash_policy::{Operator, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L403",
    name: "wildcard-without-like-operator",
    severity: Severity::Warning,
    summary: "a `*` or `?` in a `StringEquals`-family value is a literal character, not a wildcard",
    access_analyzer: Some("General Warning – Wildcard without like operator"),
    check: Some(check),
};

/// The text without policy variables (`${aws:username}`, `${*}`), whose
/// characters are not wildcards.
fn without_variables(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            let operator = &block.operator.node;
            let like = match operator.kind {
                OperatorKind::StringEquals => Some(OperatorKind::StringLike),
                OperatorKind::StringNotEquals => Some(OperatorKind::StringNotLike),
                OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase => {
                    None
                }
                _ => continue,
            };
            for value in &entry.values {
                let Some(text) = string_value(&value.node) else {
                    continue;
                };
                if !without_variables(text).contains(['*', '?']) {
                    continue;
                }
                let mut diagnostic = Diagnostic::new(
                    &RULE,
                    format!(
                        "`{text}` is compared literally by `{}`: `*` and `?` are not wildcards here",
                        operator.kind.as_str()
                    ),
                    value.span,
                )
                .with_label("literal `*` or `?`");
                match &like {
                    Some(like) => {
                        let replacement = operator_text(&Operator {
                            qualifier: operator.qualifier,
                            kind: like.clone(),
                            if_exists: operator.if_exists,
                        });
                        diagnostic = diagnostic
                            .with_help(format!("use `{replacement}` to match a pattern"))
                            .with_fix(Fix {
                                message: format!("use `{replacement}`"),
                                applicability: Applicability::Unsafe,
                                edits: vec![Edit {
                                    span: block.operator.span,
                                    replacement: format!("\"{replacement}\""),
                                }],
                            });
                    }
                    None => {
                        diagnostic = diagnostic.with_help(
                            "there is no case-insensitive pattern operator: use `StringLike` with the case of the values",
                        );
                    }
                }
                out.push(diagnostic);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_variables_are_not_wildcards() {
        assert_eq!(without_variables("home/${aws:username}/${*}"), "home//");
        assert_eq!(without_variables("data-*"), "data-*");
        assert_eq!(without_variables("a${b"), "a${b");
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn escapes_and_like_operators_are_fine() {
        let escaped = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"s3:prefix": "${*}"}}}]}"#;
        assert!(findings(escaped, None, "L403").is_empty());
        let like = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringLike": {"s3:prefix": "home/*"}}}]}"#;
        assert!(findings(like, None, "L403").is_empty());
        let not_equals = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"ForAnyValue:StringNotEqualsIfExists": {"aws:TagKeys": "a?"}}}]}"#;
        assert_eq!(findings(not_equals, None, "L403").len(), 1);
    }
}
