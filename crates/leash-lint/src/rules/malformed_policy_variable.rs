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
use leash_policy::PolicyVersion;
use leash_policy::variables::parse_template;

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
                    Diagnostic::new(&RULE, err.message.clone(), super::util::inner_span(text, span, err.range))
                        .with_label("malformed variable")
                        .with_help("write variables as `${aws:username}`, with a default as `${aws:username, 'anonymous'}`"),
                );
            }
        }
    }
}
