//! ## What it finds
//! invalid_number_value0
//!
//! ## Why it matters
//! invalid_number_value1
//!
//! ## Example
//! ```json
//! invalid_number_value2
//! ```
//!
//! ## Fix
//! invalid_number_value3
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.htmlinvalid_number_value4>

use super::util::{condition_entries, is_number};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{ConditionValue, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L212",
    name: "invalid-number-value",
    severity: Severity::Error,
    summary: "a `Numeric` operator has a value that is not a number",
    access_analyzer: Some("General Warning – Type mismatch number"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            if !matches!(
                block.operator.node.kind,
                OperatorKind::NumericEquals
                    | OperatorKind::NumericNotEquals
                    | OperatorKind::NumericLessThan
                    | OperatorKind::NumericLessThanEquals
                    | OperatorKind::NumericGreaterThan
                    | OperatorKind::NumericGreaterThanEquals
            ) {
                continue;
            }
            for value in &entry.values {
                let text = value.node.as_text();
                if is_valid(&value.node) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "`{}` on `{}` needs a number: `{text}` is not",
                            block.operator.node.kind.as_str(),
                            entry.key.node
                        ),
                        value.span,
                    )
                    .with_label("not a number")
                    .with_help("write an integer or a decimal such as `3600` or `2.5`"),
                );
            }
        }
    }
}

fn is_valid(value: &ConditionValue) -> bool {
    match value {
        ConditionValue::String(text) | ConditionValue::Number(text) => is_number(text.trim()),
        ConditionValue::Bool(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_the_operator_does() {
        assert!(is_valid(&ConditionValue::String("3600".to_string())));
        assert!(is_valid(&ConditionValue::String("-2.5".to_string())));
        assert!(!is_valid(&ConditionValue::String("ten".to_string())));
        assert!(!is_valid(&ConditionValue::String("1e3".to_string())));
    }
}
