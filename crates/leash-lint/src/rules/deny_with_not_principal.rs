//! ## What it finds
//! A statement with `"Effect": "Deny"` and `NotPrincipal`.
//!
//! ## Why it matters
//! The exemption is fragile: a role session must be exempted together
//! with its role and account, or it is denied; and every IAM user or role
//! with a permissions boundary is denied whatever the `NotPrincipal`
//! lists. AWS recommends `ArnNotEquals` on `aws:PrincipalArn` instead.
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
//!  "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*"}
//! ```
//!
//! ## Fix
//! ```json
//! {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "arn:aws:s3:::my-bucket/*",
//!  "Condition": {"ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/admin"}}}
//! ```
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L303",
    name: "deny-with-not-principal",
    severity: Severity::Warning,
    summary: "a Deny statement uses `NotPrincipal`, which also denies principals with a permissions boundary",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        if !principal.node.negated || statement.effect.node != Effect::Deny {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "`NotPrincipal` with `Deny` also denies the listed principals when they have a permissions boundary, and role sessions unless their role and account are listed",
                principal.span,
            )
            .with_label("fragile exemption")
            .with_help("use `\"Principal\": \"*\"` with `\"ArnNotEquals\": {\"aws:PrincipalArn\": [...]}`"),
        );
    }
}
