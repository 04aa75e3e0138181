//! ## What it finds
//! A policy without a `Version` element.
//!
//! ## Why it matters
//! AWS then reads the policy as version `2008-10-17`, in which policy
//! variables such as `${aws:username}` are literal text and some newer
//! features do not work. Stating the version makes the meaning explicit.
//!
//! Info, because a policy without `${` means the same under either
//! version; a warning when the policy has `${` in a resource or condition
//! value, whose meaning the version decides (a policy variable used there
//! is also `policy-variable-without-version`, an error).
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
    severity: Severity::Info,
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
    let variables = has_variable_syntax(policy);
    let (applicability, severity, message) = if variables {
        (
            Applicability::Unsafe,
            Severity::Warning,
            "the policy has no `Version` and has `${`: AWS reads it as `2008-10-17`, where policy variables are literal text",
        )
    } else {
        (
            Applicability::Safe,
            Severity::Info,
            "the policy has no `Version`: AWS reads it as `2008-10-17`, which means the same for this policy (it has no policy variables)",
        )
    };
    out.push(
        Diagnostic::new(&RULE, message, Span::new(start, start + 1))
            .with_severity(severity)
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

#[cfg(test)]
mod tests {
    use super::super::util::findings;
    use crate::Severity;

    // Without `Version`, AWS uses 2008-10-17, where policy variables are
    // not replaced; nothing else of a policy changes meaning:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    #[test]
    fn only_a_policy_with_variables_makes_the_missing_version_a_warning() {
        let plain = r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
        let found = findings(plain, None, "L401");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        let variables = r#"{"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}"#;
        let found = findings(variables, None, "L401");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
    }
}
