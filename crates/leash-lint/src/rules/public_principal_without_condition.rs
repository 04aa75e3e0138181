//! ## What it finds
//! An Allow to `"Principal": "*"` or `{"AWS": "*"}` without any
//! `Condition`.
//!
//! ## Why it matters
//! It grants the actions to everyone: every AWS account and anonymous
//! callers. Unless the resource is meant to be public (a website bucket),
//! this is a data leak.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
//!  "Resource": "arn:aws:s3:::my-bucket/*"}
//! ```
//!
//! ## Fix
//! Name the principals, or keep `*` with a condition that limits it:
//! `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{Effect, Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L309",
    name: "public-principal-without-condition",
    severity: Severity::Warning,
    summary: "an Allow to every principal (`*`) has no condition, so anyone, anonymous included, is granted",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow || statement.condition.is_some() {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        if principal.node.negated {
            continue;
        }
        let everyone = match &principal.node.principal {
            Principal::Wildcard => Some(principal.span),
            Principal::Map(entries) => entries
                .iter()
                .filter(|e| e.kind.node == PrincipalKind::Aws)
                .flat_map(|e| e.values.iter())
                .find(|v| v.node == "*")
                .map(|v| v.span),
        };
        let Some(span) = everyone else {
            continue;
        };
        out.push(
            Diagnostic::new(
                &RULE,
                "every principal, anonymous callers included, is allowed, with no condition",
                span,
            )
            .with_label("everyone")
            .with_help("name the principals, or add a condition such as `\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-...\"}`"),
        );
    }
}
