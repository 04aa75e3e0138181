//! ## What it finds
//! A condition operator whose type does not fit the condition key's type
//! in the AWS catalog: a `Numeric` operator on a string key, a `Date`
//! operator on a number, `Bool` on an ARN, `IpAddress` on anything but an
//! IP address key, `BinaryEquals` on a non-binary key, or a `String`/`Arn`
//! operator on a numeric, date, boolean or IP address key. `Null` fits
//! every key; `Arn` operators are accepted on string keys, whose values
//! are often ARNs.
//!
//! ## Why it matters
//! The operator reads the request value as its own type: a numeric
//! comparison with a string key, or an IP range test on a tag, never
//! matches. A string comparison of a date or an IP address compares text,
//! not time or networks, so `StringLike` on `aws:SourceIp` with
//! `203.0.113.*` is not a network test.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
//!  "Condition": {"StringLike": {"aws:CurrentTime": "2025-*"}}}
//! ```
//!
//! ## Fix
//! Use the operator family of the key's type: `DateGreaterThan` for
//! `aws:CurrentTime`, `IpAddress` for `aws:SourceIp`, `Bool` for
//! `aws:SecureTransport`, `NumericLessThan` for `s3:max-keys`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
//! and the condition key types in
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use super::util::condition_entries;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::ConditionKeyType;
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L210",
    name: "operator-mismatched-to-key-type",
    severity: Severity::Warning,
    summary: "a condition operator's type does not fit the condition key's type in the AWS catalog",
    access_analyzer: Some("General Warning – Type mismatch"),
    check: Some(check),
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    Numeric,
    Date,
    Bool,
    Binary,
    Ip,
    Arn,
}

impl Family {
    fn of_operator(kind: &OperatorKind) -> Option<Family> {
        use OperatorKind as K;
        Some(match kind {
            K::StringEquals
            | K::StringNotEquals
            | K::StringEqualsIgnoreCase
            | K::StringNotEqualsIgnoreCase
            | K::StringLike
            | K::StringNotLike => Family::String,
            K::NumericEquals
            | K::NumericNotEquals
            | K::NumericLessThan
            | K::NumericLessThanEquals
            | K::NumericGreaterThan
            | K::NumericGreaterThanEquals => Family::Numeric,
            K::DateEquals
            | K::DateNotEquals
            | K::DateLessThan
            | K::DateLessThanEquals
            | K::DateGreaterThan
            | K::DateGreaterThanEquals => Family::Date,
            K::Bool => Family::Bool,
            K::BinaryEquals => Family::Binary,
            K::IpAddress | K::NotIpAddress => Family::Ip,
            K::ArnEquals | K::ArnLike | K::ArnNotEquals | K::ArnNotLike => Family::Arn,
            K::Null | K::Unknown(_) => return None,
        })
    }

    fn of_key(key_type: ConditionKeyType) -> Family {
        match key_type.element_type() {
            ConditionKeyType::Numeric => Family::Numeric,
            ConditionKeyType::Date => Family::Date,
            ConditionKeyType::Bool => Family::Bool,
            ConditionKeyType::Binary => Family::Binary,
            ConditionKeyType::IpAddress => Family::Ip,
            ConditionKeyType::Arn => Family::Arn,
            _ => Family::String,
        }
    }

    fn operator_hint(self) -> &'static str {
        match self {
            Family::String => "a `String` operator such as `StringEquals` or `StringLike`",
            Family::Numeric => "a `Numeric` operator such as `NumericLessThan`",
            Family::Date => "a `Date` operator such as `DateGreaterThan`",
            Family::Bool => "`Bool`",
            Family::Binary => "`BinaryEquals`",
            Family::Ip => "`IpAddress` or `NotIpAddress`",
            Family::Arn => "an `Arn` operator such as `ArnLike`",
        }
    }
}

fn fits(operator: Family, key: Family) -> bool {
    operator == key
        || matches!(
            (operator, key),
            (Family::String, Family::Arn) | (Family::Arn, Family::String)
        )
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            let Some(operator) = Family::of_operator(&block.operator.node.kind) else {
                continue;
            };
            let Some(info) = catalog.condition_key(&entry.key.node) else {
                continue; // unknown-condition-key
            };
            let key_type = info.key_type();
            let key = Family::of_key(key_type);
            // aws:EpochTime is listed with the data types "Date, Numeric":
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-epochtime
            let epoch_as_number =
                operator == Family::Numeric && entry.key.node.eq_ignore_ascii_case("aws:EpochTime");
            if fits(operator, key) || epoch_as_number {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "`{}` is a {} operator, but `{}` has the type `{}`",
                        block.operator.node.kind.as_str(),
                        match operator {
                            Family::String => "string",
                            Family::Numeric => "numeric",
                            Family::Date => "date",
                            Family::Bool => "boolean",
                            Family::Binary => "binary",
                            Family::Ip => "IP address",
                            Family::Arn => "ARN",
                        },
                        entry.key.node,
                        key_type.as_str(),
                    ),
                    entry.key.span,
                )
                .with_label("operator does not fit this key")
                .with_help(format!("use {}", key.operator_hint())),
            );
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    fn policy(condition: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {condition}}}]}}"#
        )
    }

    #[test]
    fn operator_families_follow_the_key_type() {
        let fitting = [
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2025-01-01"}}"#,
            r#"{"NumericLessThan": {"aws:EpochTime": "1735689600"}}"#,
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#,
            r#"{"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}"#,
            r#"{"StringLike": {"aws:SourceArn": "arn:aws:sns:*:*:t"}}"#,
            r#"{"Null": {"aws:MultiFactorAuthAge": "true"}}"#,
        ];
        for condition in fitting {
            assert!(
                findings(&policy(condition), None, "L210").is_empty(),
                "{condition}"
            );
        }
        let mismatched = [
            r#"{"StringLike": {"aws:SourceIp": "203.0.113.*"}}"#,
            r#"{"NumericLessThan": {"aws:CurrentTime": "5"}}"#,
            r#"{"Bool": {"aws:SourceArn": "true"}}"#,
        ];
        for condition in mismatched {
            assert_eq!(
                findings(&policy(condition), None, "L210").len(),
                1,
                "{condition}"
            );
        }
    }
}
