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

use super::util::{TypedValueCheck, is_number, report_invalid_values};
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
    report_invalid_values(
        input,
        &TypedValueCheck {
            rule: &RULE,
            operators: |kind| {
                matches!(
                    kind,
                    OperatorKind::NumericEquals
                        | OperatorKind::NumericNotEquals
                        | OperatorKind::NumericLessThan
                        | OperatorKind::NumericLessThanEquals
                        | OperatorKind::NumericGreaterThan
                        | OperatorKind::NumericGreaterThanEquals
                )
            },
            is_valid,
            needs: "a number",
            label: "not a number",
            help: "write an integer or a decimal such as `3600` or `2.5`",
        },
        out,
    );
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
