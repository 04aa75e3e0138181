//! ## What it finds
//! `"Version": "2008-10-17"`.
//!
//! ## Why it matters
//! It is the old version of the policy language: policy variables such
//! as `${aws:username}` are literal text, and newer features do not
//! work. AWS recommends `2012-10-17` for every policy.
//!
//! Info, because a policy without `${` means the same under either
//! version; a warning when the policy has `${` in a resource or condition
//! value, whose meaning the version decides (a policy variable used there
//! is also `policy-variable-without-version`, an error).
//!
//! ## Example
//! ```json
//! {"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
//! ```
//!
//! ## Fix
//! Write `"Version": "2012-10-17"` (offered as a fix; safe when the
//! policy has no `${`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>

use super::missing_version::has_variable_syntax;
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};
use leash_policy::PolicyVersion;

pub static RULE: Rule = Rule {
    code: "L402",
    name: "outdated-version",
    severity: Severity::Info,
    summary: "the policy uses the old language version `2008-10-17`",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let Some(version) = &input.policy.version else {
        return;
    };
    if version.node != PolicyVersion::V2008_10_17 {
        return;
    }
    let (applicability, severity, message) = if has_variable_syntax(input.policy) {
        (
            Applicability::Unsafe,
            Severity::Warning,
            "`2008-10-17` is the old policy language version, and this policy has `${`: policy variables are literal text in it",
        )
    } else {
        (
            Applicability::Safe,
            Severity::Info,
            "`2008-10-17` is the old policy language version; it means the same for this policy (it has no policy variables)",
        )
    };
    out.push(
        Diagnostic::new(&RULE, message, version.span)
            .with_severity(severity)
            .with_label("old version")
            .with_help("use `\"2012-10-17\"`")
            .with_fix(Fix {
                message: "use `\"2012-10-17\"`".to_string(),
                applicability,
                edits: vec![Edit {
                    span: version.span,
                    replacement: "\"2012-10-17\"".to_string(),
                }],
            }),
    );
}

#[cfg(test)]
mod tests {
    use super::super::util::findings;
    use crate::Severity;

    // In 2008-10-17 policy variables are literal text; nothing else of a
    // policy changes meaning:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    #[test]
    fn only_a_policy_with_variables_makes_the_old_version_a_warning() {
        let plain = r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#;
        let found = findings(plain, None, "L402");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Info);
        let variables = r#"{"Version": "2008-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*", "Condition": {"StringEquals": {"s3:prefix": "${aws:username}/"}}}]}"#;
        let found = findings(variables, None, "L402");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
    }
}
