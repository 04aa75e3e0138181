//! ## What it finds
//! invalid_date_value0
//!
//! ## Why it matters
//! invalid_date_value1
//!
//! ## Example
//! ```json
//! invalid_date_value2
//! ```
//!
//! ## Fix
//! invalid_date_value3
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.htmlinvalid_date_value4>

use super::util::{TypedValueCheck, is_date, report_invalid_values};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{ConditionValue, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L211",
    name: "invalid-date-value",
    severity: Severity::Error,
    summary: "a `Date` operator has a value that is not an ISO 8601 date or epoch seconds",
    access_analyzer: Some("General Warning – Type mismatch date"),
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
                    OperatorKind::DateEquals
                        | OperatorKind::DateNotEquals
                        | OperatorKind::DateLessThan
                        | OperatorKind::DateLessThanEquals
                        | OperatorKind::DateGreaterThan
                        | OperatorKind::DateGreaterThanEquals
                )
            },
            is_valid,
            needs: "a date",
            label: "not a date",
            help: "write an ISO 8601 date such as `2025-01-31T00:00:00Z`, or epoch seconds",
        },
        out,
    );
}

/// Date operators take ISO 8601 text or epoch seconds (a JSON number is
/// read as epoch seconds); they substitute no policy variables.
fn is_valid(value: &ConditionValue) -> bool {
    match value {
        ConditionValue::String(text) | ConditionValue::Number(text) => is_date(text.trim()),
        ConditionValue::Bool(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_the_operator_does() {
        assert!(is_valid(&ConditionValue::String("2025-01-31".to_string())));
        assert!(is_valid(&ConditionValue::String(
            "2025-01-31T10:00:00Z".to_string()
        )));
        assert!(is_valid(&ConditionValue::String("1735689600".to_string())));
        assert!(!is_valid(&ConditionValue::String("31/01/2025".to_string())));
        assert!(!is_valid(&ConditionValue::String("next week".to_string())));
        assert!(!is_valid(&ConditionValue::String(
            "${aws:CurrentTime}".to_string()
        )));
    }
}
