//! ## What it finds
//! An action that its service does not define, such as `s3:GetObjekt`, or
//! an action not written as `service:Action`.
//!
//! ## Why it matters
//! IAM accepts the policy but the statement never matches a real request:
//! an Allow grants nothing, a Deny protects nothing. Action names compare
//! case-insensitively, so only a misspelling or an action that does not
//! exist is reported.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"}
//! ```
//!
//! Amazon SQS's batch calls (`sqs:SendMessageBatch`,
//! `sqs:DeleteMessageBatch`, `sqs:ChangeMessageVisibilityBatch`) are not
//! actions: SQS authorizes them as `sqs:SendMessage`, `sqs:DeleteMessage`
//! and `sqs:ChangeMessageVisibility`, and the help says so.
//!
//! In a template, an unknown action that SAM's own data writes (a SAM
//! policy template such as `SQSPollerPolicy`, a connector profile) is
//! reported once at the template's use, as info: the author cannot edit it,
//! and it never fails a CI run at the default `--fail-on error`.
//!
//! ## Fix
//! Use the action's name from the Service Authorization Reference, or
//! `leash action 's3:Get*'` to list candidates. When the catalog is older
//! than the action, update leash.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-invalid-action>
//! and <https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html>

use super::util::{action_patterns, closest, has_wildcard, split_action};
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L102",
    name: "unknown-action",
    severity: Severity::Error,
    summary: "an action is not defined by its service in the AWS catalog",
    access_analyzer: Some("Error – Invalid action"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for (index, statement) in input.policy.statements.iter().enumerate() {
        let resolved = input.resolved_actions(index);
        for (position, pattern) in action_patterns(statement).iter().enumerate() {
            if resolved.get(position).is_some_and(Option::is_some) {
                continue; // a known action
            }
            let text = pattern.node.as_str();
            if text == "*" {
                continue;
            }
            let Some((service_prefix, name)) = split_action(text) else {
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!("`{text}` is not an action: expected `service:ActionName`"),
                        pattern.span,
                    )
                    .with_label("missing `service:` prefix"),
                );
                continue;
            };
            if has_wildcard(text) || super::util::has_symbol(text) {
                continue;
            }
            let Some(service) = catalog.service(service_prefix) else {
                continue; // reported by unknown-service
            };
            if catalog.action(text).is_some() {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                &RULE,
                format!(
                    "`{name}` is not an action of `{}` in the AWS catalog ({} {})",
                    service.prefix(),
                    leash_catalog::DATA_PACKAGE,
                    leash_catalog::DATA_VERSION
                ),
                pattern.span,
            )
            .with_label("unknown action");
            if let Some(action) = authorized_as(service.prefix(), name) {
                diagnostic = diagnostic.with_help(format!(
                    "AWS authorizes `{name}` calls as `{action}`: grant that instead"
                ));
            } else if let Some(suggestion) =
                closest(name, service.actions().iter().map(|a| a.name()))
            {
                diagnostic = diagnostic
                    .with_help(format!("did you mean `{}:{suggestion}`?", service.prefix()));
                // The name's place in the source is known only when the
                // string is written as is (a plain YAML scalar has no quotes;
                // found by the fuzzing harness: the fix used to assume one).
                if super::util::has_exact_inner_spans(text, pattern.span) {
                    let start = service_prefix.len() + 1;
                    diagnostic = diagnostic.with_fix(Fix {
                        message: format!("replace `{name}` with `{suggestion}`"),
                        applicability: Applicability::Unsafe,
                        edits: vec![Edit {
                            span: super::util::inner_span(
                                text,
                                pattern.span,
                                start..start + name.len(),
                            ),
                            replacement: suggestion.to_string(),
                        }],
                    });
                }
            }
            out.push(diagnostic);
        }
    }
}

/// Amazon SQS's batch calls, which are not actions: "You cannot set
/// permissions explicitly for SendMessageBatch, DeleteMessageBatch, or
/// ChangeMessageVisibilityBatch. Instead, setting permissions for
/// SendMessage, DeleteMessage, or ChangeMessageVisibility sets permissions
/// for the corresponding batch versions"
/// (<https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html>).
const SQS_BATCH_CALLS: [(&str, &str); 3] = [
    ("SendMessageBatch", "sqs:SendMessage"),
    ("DeleteMessageBatch", "sqs:DeleteMessage"),
    (
        "ChangeMessageVisibilityBatch",
        "sqs:ChangeMessageVisibility",
    ),
];

/// The action AWS checks for a call that is not an action of its own
/// (see [`SQS_BATCH_CALLS`]); names compare without case, as IAM's do.
pub(crate) fn authorized_as(service: &str, name: &str) -> Option<&'static str> {
    if !service.eq_ignore_ascii_case("sqs") {
        return None;
    }
    SQS_BATCH_CALLS
        .iter()
        .find(|(call, _)| call.eq_ignore_ascii_case(name))
        .map(|(_, action)| *action)
}

#[cfg(test)]
mod tests {
    use super::super::util::findings;

    // https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html
    #[test]
    fn an_sqs_batch_call_is_named_by_its_single_action() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:SendMessageBatch"], "Resource": "*"}]}"#;
        let found = findings(text, None, "L102");
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].help.as_deref(),
            Some(
                "AWS authorizes `SendMessageBatch` calls as `sqs:SendMessage`: grant that instead"
            )
        );
        assert_eq!(super::authorized_as("sqs", "PurgeQueueBatch"), None);
        assert_eq!(super::authorized_as("sns", "PublishBatch"), None);
    }
}
