//! ## What it finds
//! A policy without a `Version` element.
//!
//! ## Why it matters
//! AWS then reads the policy as version `2008-10-17`, in which policy
//! variables such as `${aws:username}` are literal text and some newer
//! features do not work. Stating the version makes the meaning explicit.
//!
//! ## Example
//! ```json
//! {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
//! ```
//!
//! ## Fix
//! Add `"Version": "2012-10-17"` (offered as a fix: safe when the policy
//! has no `${`, as nothing else changes meaning between the versions).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>

use super::util::{condition_entries, resource_patterns};
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};
use leash_policy::{Policy, Span};

pub static RULE: Rule = Rule {
    code: "L401",
    name: "missing-version",
    severity: Severity::Warning,
    summary: "the policy has no `Version`, so AWS reads it as `2008-10-17`",
    access_analyzer: Some("General Warning – Missing version"),
    check: Some(check),
};

/// Whether any resource or condition value has `${`, whose meaning the
/// version decides.
pub(crate) fn has_variable_syntax(policy: &Policy) -> bool {
    policy.statements.iter().any(|statement| {
        resource_patterns(statement)
            .iter()
            .any(|p| p.node.contains("${"))
            || condition_entries(statement)
                .flat_map(|(_, entry)| entry.values.iter())
                .any(|v| v.node.as_text().contains("${"))
    })
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let policy = input.policy;
    if policy.version.is_some() {
        return;
    }
    let start = policy.span.start;
    let applicability = if has_variable_syntax(policy) {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    out.push(
        Diagnostic::new(
            &RULE,
            "the policy has no `Version`: AWS reads it as `2008-10-17`, where policy variables are literal text",
            Span::new(start, start + 1),
        )
        .with_label("no `Version`")
        .with_help("add `\"Version\": \"2012-10-17\"`")
        .with_fix(Fix {
            message: "add `\"Version\": \"2012-10-17\"`".to_string(),
            applicability,
            edits: vec![Edit {
                span: Span::new(start + 1, start + 1),
                replacement: "\n  \"Version\": \"2012-10-17\",".to_string(),
            }],
        }),
    );
}
