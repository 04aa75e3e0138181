//! ## What it finds
//! invalid_base64_value0
//!
//! ## Why it matters
//! invalid_base64_value1
//!
//! ## Example
//! ```json
//! invalid_base64_value2
//! ```
//!
//! ## Fix
//! invalid_base64_value3
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.htmlinvalid_base64_value4>

use super::util::{TypedValueCheck, report_invalid_values};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{ConditionValue, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L215",
    name: "invalid-base64-value",
    severity: Severity::Error,
    summary: "a `BinaryEquals` value is not base64",
    access_analyzer: Some("General Warning – Type mismatch string"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    report_invalid_values(
        input,
        &TypedValueCheck {
            rule: &RULE,
            operators: |kind| matches!(kind, OperatorKind::BinaryEquals),
            is_valid,
            needs: "base64-encoded text",
            label: "not base64",
            help: "encode the bytes in base64, e.g. `QmluYXJ5VmFsdWU=`",
        },
        out,
    );
}

/// Standard base64: groups of four characters from `A-Z a-z 0-9 + /`, with
/// at most two `=` of padding at the end.
fn is_valid(value: &ConditionValue) -> bool {
    let ConditionValue::String(text) = value else {
        return false;
    };
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    !text.is_empty()
        && text.len() % 4 == 0
        && padding <= 2
        && body
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_the_operator_does() {
        assert!(is_valid(&ConditionValue::String(
            "QmluYXJ5VmFsdWU=".to_string()
        )));
        assert!(is_valid(&ConditionValue::String("YWJj".to_string())));
        assert!(!is_valid(&ConditionValue::String(
            "not base64!".to_string()
        )));
        assert!(!is_valid(&ConditionValue::String("YWJ".to_string())));
        assert!(!is_valid(&ConditionValue::String("".to_string())));
    }
}
