//! ## What it finds
//! A multivalued condition key (`aws:TagKeys`,
//! `aws:PrincipalServiceNamesList`, `aws:CalledVia`...) tested with a
//! plain operator, without `ForAnyValue:` or `ForAllValues:`. `Null` is
//! exempt.
//!
//! ## Why it matters
//! The request carries a set of values; a plain operator does not say
//! whether one or all of them must match, and the result is neither:
//! with several values in the request, a plain `StringEquals` is false
//! even when every value is listed. EventBridge's guide shows it on
//! `events:source`: `["aws.ec2", "aws.ecs"]` under `StringEquals` denies a
//! rule pattern naming both
//! (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html>).
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*",
//!  "Condition": {"StringEquals": {"aws:TagKeys": ["team", "env"]}}}
//! ```
//!
//! ## Fix
//! `ForAllValues:StringEquals` to allow only the listed values (and add
//! a `Null` check, as it also holds when the key is absent), or
//! `ForAnyValue:StringEquals` to require one of them.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>

use super::util::condition_entries;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L305",
    name: "missing-set-qualifier-on-multivalued-key",
    severity: Severity::Warning,
    summary: "a multivalued key is tested without `ForAnyValue:` or `ForAllValues:`",
    access_analyzer: Some("Error – Missing qualifier"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            let operator = &block.operator.node;
            if operator.qualifier.is_some()
                || matches!(operator.kind, OperatorKind::Null | OperatorKind::Unknown(_))
            {
                continue;
            }
            let Some(info) = catalog.condition_key(&entry.key.node) else {
                continue;
            };
            if !info.key_type().is_multivalued() {
                continue;
            }
            let name = operator.kind.as_str();
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "`{}` is multivalued, but `{name}` has no `ForAnyValue:` or `ForAllValues:`",
                        entry.key.node
                    ),
                    entry.key.span,
                )
                .with_label("multivalued key")
                .with_help(format!(
                    "use `ForAnyValue:{name}` (one value must match) or `ForAllValues:{name}` (every value must match)"
                )),
            );
        }
    }
}
