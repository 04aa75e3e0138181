//! ## What it finds
//! An action pattern with `*` or `?` that matches no action in the AWS
//! catalog, such as `s3:Get*Objekt` or `dynamodb:*Items`.
//!
//! ## Why it matters
//! Like a misspelled action, the pattern makes the statement match nothing:
//! an Allow grants nothing and a Deny protects nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "Action": "dynamodb:Delete*Tables", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Check the pattern with `leash action 'dynamodb:Delete*'`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>

use super::util::{action_patterns, has_wildcard, split_action};
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L103",
    name: "action-pattern-matching-nothing",
    severity: Severity::Error,
    summary: "an action pattern with wildcards matches no action in the AWS catalog",
    access_analyzer: Some("Error – Invalid action"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        for pattern in action_patterns(statement) {
            let text = pattern.node.as_str();
            if !has_wildcard(text) || super::util::has_symbol(text) {
                continue;
            }
            let Some((service, _)) = split_action(text) else {
                continue; // `*` alone, or reported by unknown-action
            };
            if !has_wildcard(service) && catalog.service(service).is_none() {
                continue; // reported by unknown-service
            }
            if !catalog.matches_any(text) {
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "`{text}` matches no action in the AWS catalog ({} {})",
                            leash_catalog::DATA_PACKAGE,
                            leash_catalog::DATA_VERSION
                        ),
                        pattern.span,
                    )
                    .with_label("matches nothing"),
                );
            }
        }
    }
}
