//! ## What it finds
//! The `Null` operator with `ForAllValues:` or `ForAnyValue:`.
//!
//! ## Why it matters
//! `Null` tests whether a key is present, which has no per-value
//! meaning: AWS evaluates `ForAllValues:Null` as always true and
//! `ForAnyValue:Null` as always false, so the condition does not test
//! what it seems to.
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "Action": "ec2:RunInstances", "Resource": "*",
//!  "Condition": {"ForAnyValue:Null": {"aws:TagKeys": "true"}}}
//! ```
//!
//! ## Fix
//! Use `Null` without a qualifier.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{OperatorKind, SetQualifier};

pub static RULE: Rule = Rule {
    code: "L312",
    name: "null-with-set-qualifier",
    severity: Severity::Warning,
    summary: "`Null` with `ForAllValues:` (always true) or `ForAnyValue:` (always false)",
    access_analyzer: Some("Suggestion – Null with qualifier"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(condition) = &statement.condition else {
            continue;
        };
        for block in &condition.node.blocks {
            let operator = &block.operator.node;
            let Some(qualifier) = operator.qualifier else {
                continue;
            };
            if operator.kind != OperatorKind::Null {
                continue;
            }
            let (name, result) = match qualifier {
                SetQualifier::ForAllValues => ("ForAllValues", "always true"),
                SetQualifier::ForAnyValue => ("ForAnyValue", "always false"),
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("`{name}:Null` is {result}, whatever the request"),
                    block.operator.span,
                )
                .with_label(result)
                .with_help("use `Null` without a qualifier"),
            );
        }
    }
}
