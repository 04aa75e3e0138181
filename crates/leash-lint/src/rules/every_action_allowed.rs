//! ## What it finds
//! An Allow of `"Action": "*"` (or `*:*`): every action of every service.
//!
//! ## Why it matters
//! On `"Resource": "*"` this is administrator access; on a narrower
//! resource it still includes changing the resource's policy and deleting
//! it. Such grants belong to a few break-glass roles, not to workloads.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "*", "Resource": "*"}
//! ```
//!
//! ## Fix
//! List the actions the principal needs.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L409",
    name: "every-action-allowed",
    severity: Severity::Warning,
    summary: "every action of every service is allowed (`\"Action\": \"*\"`)",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow || statement.action.node.negated {
            continue;
        }
        for pattern in &statement.action.node.patterns {
            if pattern.node != "*" && pattern.node != "*:*" {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    "every action of every service is allowed",
                    pattern.span,
                )
                .with_label("every action")
                .with_help("list the actions the principal needs"),
            );
        }
    }
}
