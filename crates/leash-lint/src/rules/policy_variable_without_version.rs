//! ## What it finds
//! A policy variable (`${aws:username}`) in a policy whose `Version` is
//! `2008-10-17` or absent.
//!
//! ## Why it matters
//! Policy variables are substituted only under `"Version": "2012-10-17"`.
//! Under the older version (which AWS assumes when `Version` is missing)
//! `${aws:username}` is literal text, so the resource or condition matches
//! only a name that really contains those characters: the grant silently
//! does nothing.
//!
//! ## Example
//! ```json
//! {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
//!  "Resource": "arn:aws:s3:::home/${aws:username}/*"}]}
//! ```
//!
//! ## Fix
//! Add `"Version": "2012-10-17"` at the top of the policy.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>

use super::util::variable_bearing_strings;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::PolicyVersion;

pub static RULE: Rule = Rule {
    code: "L108",
    name: "policy-variable-without-version",
    severity: Severity::Error,
    summary: "a policy variable is used where `Version` is not `2012-10-17`, so it is literal text",
    access_analyzer: Some("Error – Variable unsupported in version"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if input.policy.effective_version() == PolicyVersion::V2012_10_17 {
        return;
    }
    for statement in &input.policy.statements {
        for (text, span) in variable_bearing_strings(statement) {
            // `${` followed by a key-like character; `${*}` and friends are
            // escapes that also need 2012-10-17, so they count too.
            if text.contains("${") {
                let version = match &input.policy.version {
                    Some(v) => format!("`\"Version\": \"{}\"`", v.node.as_str()),
                    None => "no `Version` (AWS then assumes `2008-10-17`)".to_string(),
                };
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!("`{text}` uses a policy variable, but the policy has {version}: the variable is literal text"),
                        span,
                    )
                    .with_label("not substituted")
                    .with_help("add `\"Version\": \"2012-10-17\"` to the policy"),
                );
            }
        }
    }
}
