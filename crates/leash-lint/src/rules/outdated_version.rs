//! ## What it finds
//! `"Version": "2008-10-17"`.
//!
//! ## Why it matters
//! It is the old version of the policy language: policy variables such
//! as `${aws:username}` are literal text, and newer features do not
//! work. AWS recommends `2012-10-17` for every policy.
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
    severity: Severity::Warning,
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
    let applicability = if has_variable_syntax(input.policy) {
        Applicability::Unsafe
    } else {
        Applicability::Safe
    };
    out.push(
        Diagnostic::new(
            &RULE,
            "`2008-10-17` is the old policy language version: policy variables are literal text in it",
            version.span,
        )
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
