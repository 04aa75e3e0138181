//! ## What it finds
//! invalid_ip_value0
//!
//! ## Why it matters
//! invalid_ip_value1
//!
//! ## Example
//! ```json
//! invalid_ip_value2
//! ```
//!
//! ## Fix
//! invalid_ip_value3
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.htmlinvalid_ip_value4>

use super::util::{TypedValueCheck, parse_network, report_invalid_values};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{ConditionValue, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L213",
    name: "invalid-ip-value",
    severity: Severity::Error,
    summary: "an `IpAddress`/`NotIpAddress` value is not an IP address or CIDR block",
    access_analyzer: Some("General Warning – Type mismatch IP range"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    report_invalid_values(
        input,
        &TypedValueCheck {
            rule: &RULE,
            operators: |kind| matches!(kind, OperatorKind::IpAddress | OperatorKind::NotIpAddress),
            is_valid,
            needs: "an IP address or CIDR block",
            label: "not an IP range",
            help: "write an IPv4 or IPv6 address or CIDR block such as `203.0.113.0/24`",
        },
        out,
    );
}

fn is_valid(value: &ConditionValue) -> bool {
    match value {
        ConditionValue::String(text) => parse_network(text).is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_values_as_the_operator_does() {
        assert!(is_valid(&ConditionValue::String(
            "203.0.113.0/24".to_string()
        )));
        assert!(is_valid(&ConditionValue::String(
            "2001:db8::/32".to_string()
        )));
        assert!(is_valid(&ConditionValue::String("203.0.113.7".to_string())));
        assert!(!is_valid(&ConditionValue::String(
            "203.0.113.*".to_string()
        )));
        assert!(!is_valid(&ConditionValue::String(
            "10.0.0.0/33".to_string()
        )));
        assert!(!is_valid(&ConditionValue::String(
            "example.com".to_string()
        )));
    }
}
