//! ## What it finds
//! A statement that repeats an earlier statement of the same policy
//! element for element (its `Sid` aside).
//!
//! ## Why it matters
//! The copy grants or denies nothing more; it makes the policy longer
//! and hides which of the two a later edit should change.
//!
//! ## Example
//! ```json
//! {"Statement": [
//!   {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"},
//!   {"Sid": "Again", "Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "arn:aws:sqs:us-east-1:111122223333:orders"}]}
//! ```
//!
//! ## Fix
//! Remove the later statement.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Span;

pub static RULE: Rule = Rule {
    code: "L407",
    name: "duplicate-statement",
    severity: Severity::Info,
    summary: "a statement repeats an earlier statement of the same policy",
    access_analyzer: Some("Suggestion – Redundant statement"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let statements = &input.policy.statements;
    for (index, statement) in statements.iter().enumerate() {
        // Statement equality ignores spans; compare without the Sid.
        let same = statements[..index].iter().position(|earlier| {
            earlier.effect == statement.effect
                && earlier.principal == statement.principal
                && earlier.action == statement.action
                && earlier.resource == statement.resource
                && earlier.condition == statement.condition
        });
        let Some(earlier) = same else {
            continue;
        };
        let start = statement.span.start;
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "this statement repeats statement {} of the policy",
                    earlier + 1
                ),
                Span::new(start, start + 1),
            )
            .with_label("duplicate statement")
            .with_help("remove one of the two"),
        );
    }
}
