//! ## What it finds
//! An action whose service prefix is not an AWS service in leash's catalog,
//! such as `dynamo:GetItem` for `dynamodb:GetItem`.
//!
//! ## Why it matters
//! The statement grants or denies nothing for the intended service: an
//! Allow silently fails to work, and a Deny silently fails to protect.
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "Action": "dynamo:DeleteTable", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Use the service prefix from the Service Authorization Reference
//! (`dynamodb`). `leash action 'dynamodb:*'` lists the service's actions.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-service>

use super::util::{action_patterns, closest, has_wildcard, split_action};
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L101",
    name: "unknown-service",
    severity: Severity::Error,
    summary: "an action names a service prefix that is not in the AWS catalog",
    access_analyzer: Some("Error – Invalid service"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for (index, statement) in input.policy.statements.iter().enumerate() {
        let resolved = input.resolved_actions(index);
        for (position, pattern) in action_patterns(statement).iter().enumerate() {
            if resolved.get(position).is_some_and(Option::is_some) {
                continue; // a known action: its service is known
            }
            let Some((service, _)) = split_action(&pattern.node) else {
                continue;
            };
            if has_wildcard(service)
                || super::util::has_symbol(service)
                || catalog.service(service).is_some()
            {
                continue;
            }
            let service_span =
                super::util::inner_span(&pattern.node, pattern.span, 0..service.len());
            let mut diagnostic = Diagnostic::new(
                &RULE,
                format!(
                    "`{service}` is not a service prefix in the AWS catalog ({} {})",
                    leash_catalog::DATA_PACKAGE,
                    leash_catalog::DATA_VERSION
                ),
                pattern.span,
            )
            .with_label("unknown service");
            if let Some(suggestion) = closest(service, catalog.services().map(|s| s.prefix())) {
                diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                // A fix only where the service's place in the source is
                // known (no escapes in the string).
                if super::util::has_exact_inner_spans(&pattern.node, pattern.span) {
                    diagnostic = diagnostic.with_fix(Fix {
                        message: format!("replace `{service}` with `{suggestion}`"),
                        applicability: Applicability::Unsafe,
                        edits: vec![Edit {
                            span: service_span,
                            replacement: suggestion.to_string(),
                        }],
                    });
                }
            }
            out.push(diagnostic);
        }
    }
}
