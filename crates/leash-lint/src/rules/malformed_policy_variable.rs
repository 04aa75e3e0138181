//! ## What it finds
//! A policy variable that AWS cannot read: `${aws:username` without its
//! closing brace, `${}` with no key, a default value without its quotes
//! (`${aws:username, anonymous}`), in a `Resource`, `NotResource` or
//! condition value of a policy with `"Version": "2012-10-17"`.
//!
//! ## Why it matters
//! AWS rejects the policy, or the text is not substituted and the element
//! never matches what was meant.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject",
//!  "Resource": "arn:aws:s3:::home/${aws:username/*"}
//! ```
//!
//! ## Fix
//! Close the variable: `${aws:username}`; write defaults as
//! `${aws:username, 'anonymous'}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html>

use super::util::variable_bearing_strings;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::variables::parse_template;
use leash_policy::{PolicyVersion, Span};

pub static RULE: Rule = Rule {
    code: "L107",
    name: "malformed-policy-variable",
    severity: Severity::Error,
    summary: "a policy variable (`${...}`) is not well formed",
    access_analyzer: Some(
        "Error – Missing brace in variable, Missing quote in variable, Unsupported space in variable, Empty variable",
    ),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if input.policy.effective_version() != PolicyVersion::V2012_10_17 {
        return; // `${` is literal text under 2008-10-17
    }
    for statement in &input.policy.statements {
        for (text, span) in variable_bearing_strings(statement) {
            if !text.contains("${") {
                continue;
            }
            if let Err(err) = parse_template(text) {
                out.push(
                    Diagnostic::new(&RULE, err.message.clone(), inner_span(text, span, err.range))
                        .with_label("malformed variable")
                        .with_help("write variables as `${aws:username}`, with a default as `${aws:username, 'anonymous'}`"),
                );
            }
        }
    }
}

/// The span of `range` (byte offsets into the string's value) in the
/// source, when the string was written without JSON escapes (its source
/// is then the text between two quotes); otherwise the whole string.
pub(crate) fn inner_span(text: &str, string_span: Span, range: std::ops::Range<usize>) -> Span {
    if string_span.len() == text.len() + 2 && range.end <= text.len() {
        Span::new(
            string_span.start + 1 + range.start,
            string_span.start + 1 + range.end,
        )
    } else {
        string_span
    }
}
