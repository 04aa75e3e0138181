//! ## What it finds
//! A statement with `"Effect": "Allow"` and `NotPrincipal`.
//!
//! ## Why it matters
//! It allows every principal except the listed ones, anonymous callers
//! included. AWS documents that `NotPrincipal` must be used with `Deny`.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:user/mallory"},
//!  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::my-bucket/*"}
//! ```
//!
//! ## Fix
//! Name the principals that need access in `Principal`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L302",
    name: "allow-with-not-principal",
    severity: Severity::Warning,
    summary: "an Allow statement uses `NotPrincipal`, allowing everyone else, anonymous callers included",
    access_analyzer: Some("Security Warning – Allow with NotPrincipal"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        if !principal.node.negated || statement.effect.node != Effect::Allow {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "`NotPrincipal` with `Allow` allows every principal not listed, anonymous callers included",
                principal.span,
            )
            .with_label("allows everyone else")
            .with_help("name the principals that need access in `Principal`"),
        );
    }
}
