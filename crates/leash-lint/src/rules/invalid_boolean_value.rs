//! ## What it finds
//! invalid_boolean_value0
//!
//! ## Why it matters
//! invalid_boolean_value1
//!
//! ## Example
//! ```json
//! invalid_boolean_value2
//! ```
//!
//! ## Fix
//! invalid_boolean_value3
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.htmlinvalid_boolean_value4>

use super::util::{TypedValueCheck, report_invalid_values};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{ConditionValue, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L214",
    name: "invalid-boolean-value",
    severity: Severity::Error,
    summary: "a `Bool` or `Null` operator has a value other than `true` or `false`",
    access_analyzer: Some("General Warning – Type mismatch Boolean"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    report_invalid_values(
        input,
        &TypedValueCheck {
            rule: &RULE,
            operators: |kind| matches!(kind, OperatorKind::Bool | OperatorKind::Null),
            is_valid,
            needs: "`true` or `false`",
            label: "not a boolean",
            help: "write `\"true\"` or `\"false\"`",
        },
        out,
    );
}

/// `true`/`false` compare without case; `Bool` also substitutes policy
/// variables (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-wheretouse>).
fn is_valid(value: &ConditionValue) -> bool {
    match value {
        ConditionValue::Bool(_) => true,
        ConditionValue::String(text) => {
            text.eq_ignore_ascii_case("true")
                || text.eq_ignore_ascii_case("false")
                || text.contains("${")
                || super::util::has_symbol(text)
        }
        ConditionValue::Number(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_the_operator_does() {
        assert!(is_valid(&ConditionValue::String("true".to_string())));
        assert!(is_valid(&ConditionValue::String("False".to_string())));
        assert!(!is_valid(&ConditionValue::String("yes".to_string())));
        assert!(!is_valid(&ConditionValue::String("1".to_string())));
    }
}
