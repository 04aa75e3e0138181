//! Condition operators, compiled once per policy and evaluated per request.
//!
//! For: deciding whether a statement's `Condition` element holds for a
//! request, and naming the operator and key that failed (explanations).
//!
//! Not for: judging whether a condition is sensible (the linter).
//!
//! Rules, from
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>:
//! - blocks (operators) AND together, keys under one operator AND together,
//!   values of one key OR together; under a negated operator the values NOR;
//! - a missing key makes positive operators false and negated operators true,
//!   `...IfExists` true, `ForAllValues` true, `ForAnyValue` false;
//! - an unknown operator makes its block not satisfied.

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use crate::ast::{Condition, ConditionValue, Operator, OperatorKind, PolicyVersion, SetQualifier};
use crate::context::{Request, days_from_civil};
use crate::matching::{ArnPattern, CaseMode, WildcardPattern};
use crate::span::Span;
use crate::variables::{Template, parse_template};

/// The condition that made a statement not apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailedCondition {
    /// The operator as written, e.g. `ForAnyValue:StringLikeIfExists`.
    pub operator: Arc<str>,
    /// The key as written.
    pub key: Arc<str>,
    /// The span of the key entry (or of the operator for an empty block).
    pub span: Span,
}

/// Where a condition failed: block, and key entry within it (none for an
/// unknown operator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct FailurePosition {
    block: usize,
    entry: Option<usize>,
}

#[derive(Clone, Debug)]
pub(crate) struct CompiledCondition {
    blocks: Vec<CompiledBlock>,
}

#[derive(Clone, Debug)]
struct CompiledBlock {
    operator: Operator,
    operator_text: Arc<str>,
    span: Span,
    entries: Vec<CompiledEntry>,
}

#[derive(Clone, Debug)]
struct CompiledEntry {
    lowered_key: Box<str>,
    key_text: Arc<str>,
    span: Span,
    values: Vec<CompiledValue>,
}

/// A policy value prepared for its operator.
#[derive(Clone, Debug)]
enum CompiledValue {
    Text(String),
    Like(WildcardPattern),
    /// A value with policy variables, resolved per request.
    Template(Template),
    Number(OwnedDecimal),
    /// Milliseconds since the epoch.
    Date(i128),
    Bool(bool),
    Ip(IpNet),
    Arn(ArnPattern),
    /// `Null`: `true` means "must be absent".
    Null(bool),
    /// A value the operator cannot read (`NumericEquals "ten"`): matches
    /// nothing.
    Invalid,
}

/// Textual spelling of an operator as AWS writes it.
pub fn operator_text(operator: &Operator) -> String {
    let mut text = String::new();
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => text.push_str("ForAllValues:"),
        Some(SetQualifier::ForAnyValue) => text.push_str("ForAnyValue:"),
        None => {}
    }
    text.push_str(kind_text(&operator.kind));
    if operator.if_exists {
        text.push_str("IfExists");
    }
    text
}

fn kind_text(kind: &OperatorKind) -> &str {
    match kind {
        OperatorKind::StringEquals => "StringEquals",
        OperatorKind::StringNotEquals => "StringNotEquals",
        OperatorKind::StringEqualsIgnoreCase => "StringEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase => "StringNotEqualsIgnoreCase",
        OperatorKind::StringLike => "StringLike",
        OperatorKind::StringNotLike => "StringNotLike",
        OperatorKind::NumericEquals => "NumericEquals",
        OperatorKind::NumericNotEquals => "NumericNotEquals",
        OperatorKind::NumericLessThan => "NumericLessThan",
        OperatorKind::NumericLessThanEquals => "NumericLessThanEquals",
        OperatorKind::NumericGreaterThan => "NumericGreaterThan",
        OperatorKind::NumericGreaterThanEquals => "NumericGreaterThanEquals",
        OperatorKind::DateEquals => "DateEquals",
        OperatorKind::DateNotEquals => "DateNotEquals",
        OperatorKind::DateLessThan => "DateLessThan",
        OperatorKind::DateLessThanEquals => "DateLessThanEquals",
        OperatorKind::DateGreaterThan => "DateGreaterThan",
        OperatorKind::DateGreaterThanEquals => "DateGreaterThanEquals",
        OperatorKind::Bool => "Bool",
        OperatorKind::BinaryEquals => "BinaryEquals",
        OperatorKind::IpAddress => "IpAddress",
        OperatorKind::NotIpAddress => "NotIpAddress",
        OperatorKind::ArnEquals => "ArnEquals",
        OperatorKind::ArnLike => "ArnLike",
        OperatorKind::ArnNotEquals => "ArnNotEquals",
        OperatorKind::ArnNotLike => "ArnNotLike",
        OperatorKind::Null => "Null",
        OperatorKind::Unknown(name) => name,
    }
}

/// Whether the operator is a negated one, whose values NOR together and
/// which holds when the key is missing.
pub fn is_negated(kind: &OperatorKind) -> bool {
    matches!(
        kind,
        OperatorKind::StringNotEquals
            | OperatorKind::StringNotEqualsIgnoreCase
            | OperatorKind::StringNotLike
            | OperatorKind::NumericNotEquals
            | OperatorKind::DateNotEquals
            | OperatorKind::NotIpAddress
            | OperatorKind::ArnNotEquals
            | OperatorKind::ArnNotLike
    )
}

/// Whether policy variables are substituted in this operator's values:
/// "You can use policy variables ... with string operators, ARN operators"
/// and Bool (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-wheretouse>).
pub fn accepts_variables(kind: &OperatorKind) -> bool {
    matches!(
        kind,
        OperatorKind::StringEquals
            | OperatorKind::StringNotEquals
            | OperatorKind::StringEqualsIgnoreCase
            | OperatorKind::StringNotEqualsIgnoreCase
            | OperatorKind::StringLike
            | OperatorKind::StringNotLike
            | OperatorKind::ArnEquals
            | OperatorKind::ArnLike
            | OperatorKind::ArnNotEquals
            | OperatorKind::ArnNotLike
            | OperatorKind::Bool
    )
}

impl CompiledCondition {
    pub(crate) fn compile(condition: &Condition, version: PolicyVersion) -> Self {
        let blocks = condition
            .blocks
            .iter()
            .map(|block| {
                let operator = block.operator.node.clone();
                CompiledBlock {
                    operator_text: operator_text(&operator).into(),
                    span: block.operator.span,
                    entries: block
                        .entries
                        .iter()
                        .map(|entry| CompiledEntry {
                            lowered_key: entry.key.node.to_ascii_lowercase().into(),
                            key_text: entry.key.node.as_str().into(),
                            span: entry.key.span,
                            values: entry
                                .values
                                .iter()
                                .map(|value| compile_value(&operator.kind, &value.node, version))
                                .collect(),
                        })
                        .collect(),
                    operator,
                }
            })
            .collect();
        CompiledCondition { blocks }
    }

    /// `Ok(())` when every block holds, else where the first failure is
    /// (cheap: no reference counting on the hot path).
    pub(crate) fn evaluate(&self, request: &Request) -> Result<(), FailurePosition> {
        for (block_index, block) in self.blocks.iter().enumerate() {
            if let OperatorKind::Unknown(_) = block.operator.kind {
                return Err(FailurePosition {
                    block: block_index,
                    entry: None,
                });
            }
            for (entry_index, entry) in block.entries.iter().enumerate() {
                if !evaluate_entry(&block.operator, entry, request) {
                    return Err(FailurePosition {
                        block: block_index,
                        entry: Some(entry_index),
                    });
                }
            }
        }
        Ok(())
    }

    /// The operator and key at a failure position.
    pub(crate) fn describe_failure(&self, position: FailurePosition) -> FailedCondition {
        let Some(block) = self.blocks.get(position.block) else {
            return FailedCondition {
                operator: "".into(),
                key: "".into(),
                span: Span::default(),
            };
        };
        match position.entry.and_then(|index| block.entries.get(index)) {
            Some(entry) => FailedCondition {
                operator: block.operator_text.clone(),
                key: entry.key_text.clone(),
                span: entry.span,
            },
            None => FailedCondition {
                operator: block.operator_text.clone(),
                key: "".into(),
                span: block.span,
            },
        }
    }
}

fn compile_value(
    kind: &OperatorKind,
    value: &ConditionValue,
    version: PolicyVersion,
) -> CompiledValue {
    let text = value.as_text();
    // A malformed `${` is kept as literal text (the linter reports it).
    if version == PolicyVersion::V2012_10_17
        && accepts_variables(kind)
        && text.contains("${")
        && let Ok(template) = parse_template(&text)
        && template.has_variables()
    {
        return CompiledValue::Template(template);
    }
    match kind {
        OperatorKind::StringEquals | OperatorKind::StringNotEquals | OperatorKind::BinaryEquals => {
            CompiledValue::Text(text.into_owned())
        }
        OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase => {
            CompiledValue::Text(text.into_owned())
        }
        OperatorKind::StringLike | OperatorKind::StringNotLike => {
            CompiledValue::Like(WildcardPattern::new(&text, CaseMode::Sensitive))
        }
        OperatorKind::NumericEquals
        | OperatorKind::NumericNotEquals
        | OperatorKind::NumericLessThan
        | OperatorKind::NumericLessThanEquals
        | OperatorKind::NumericGreaterThan
        | OperatorKind::NumericGreaterThanEquals => match Decimal::parse(&text) {
            Some(decimal) => CompiledValue::Number(decimal.to_owned()),
            None => CompiledValue::Invalid,
        },
        OperatorKind::DateEquals
        | OperatorKind::DateNotEquals
        | OperatorKind::DateLessThan
        | OperatorKind::DateLessThanEquals
        | OperatorKind::DateGreaterThan
        | OperatorKind::DateGreaterThanEquals => match parse_date(&text) {
            Some(millis) => CompiledValue::Date(millis),
            None => CompiledValue::Invalid,
        },
        OperatorKind::Bool => match parse_bool(&text) {
            Some(value) => CompiledValue::Bool(value),
            None => CompiledValue::Invalid,
        },
        OperatorKind::IpAddress | OperatorKind::NotIpAddress => match parse_network(&text) {
            Some(network) => CompiledValue::Ip(network),
            None => CompiledValue::Invalid,
        },
        OperatorKind::ArnEquals
        | OperatorKind::ArnLike
        | OperatorKind::ArnNotEquals
        | OperatorKind::ArnNotLike => CompiledValue::Arn(ArnPattern::new_condition(&text)),
        OperatorKind::Null => match parse_bool(&text) {
            Some(value) => CompiledValue::Null(value),
            None => CompiledValue::Invalid,
        },
        OperatorKind::Unknown(_) => CompiledValue::Invalid,
    }
}

fn evaluate_entry(operator: &Operator, entry: &CompiledEntry, request: &Request) -> bool {
    let values = request.context_values_lowered(&entry.lowered_key);
    // An empty multivalued key behaves as absent, except for the set
    // qualifiers, which have their own rule below.
    let present = values.filter(|values| !values.is_empty());
    if operator.kind == OperatorKind::Null {
        // "Null": "true" holds when the key is absent, "false" when present.
        return entry.values.iter().any(|value| match value {
            CompiledValue::Null(must_be_absent) => *must_be_absent == present.is_none(),
            _ => false,
        });
    }
    let negated = is_negated(&operator.kind);
    // The set qualifier decides an absent key before `IfExists` does:
    // `ForAnyValue:StringEqualsIfExists` on an absent key is false (see
    // docs/semantics.md).
    match operator.qualifier {
        Some(SetQualifier::ForAllValues) => match present {
            // Vacuously true for an absent or empty key.
            None => true,
            Some(values) => values
                .iter()
                .all(|value| value_satisfies(&operator.kind, negated, entry, value, request)),
        },
        Some(SetQualifier::ForAnyValue) => match present {
            None => false,
            Some(values) => values
                .iter()
                .any(|value| value_satisfies(&operator.kind, negated, entry, value, request)),
        },
        None => match present {
            None => operator.if_exists || negated,
            Some(values) => match values.only() {
                // One request value: compared as a single-valued key is.
                Some(value) => value_satisfies(&operator.kind, negated, entry, value, request),
                // Several request values under a plain operator match no
                // policy value, whatever they are: positive operators are
                // false and negated ones, their complement, true.
                // EventBridge's guide documents the positive half:
                // `StringEquals` on `events:source` with `["aws.ec2",
                // "aws.ecs"]` allows a rule whose pattern names one of them
                // and denies one naming both
                // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-conditions.html);
                // IAM says multivalued keys need `ForAllValues`/`ForAnyValue`
                // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html).
                // See docs/semantics.md.
                None => negated,
            },
        },
    }
}

/// One request value against the entry's policy values: positive operators
/// need some policy value to match; negated operators need none to match.
/// A request value the operator cannot read satisfies neither.
fn value_satisfies(
    kind: &OperatorKind,
    negated: bool,
    entry: &CompiledEntry,
    request_value: &str,
    request: &Request,
) -> bool {
    let mut any_match = false;
    for policy_value in &entry.values {
        match compare(kind, policy_value, request_value, request) {
            Some(true) => {
                any_match = true;
                break;
            }
            Some(false) => {}
            None if is_unreadable_request(kind, request_value) => return false,
            None => {}
        }
    }
    any_match != negated
}

fn is_unreadable_request(kind: &OperatorKind, request_value: &str) -> bool {
    match kind {
        OperatorKind::NumericEquals
        | OperatorKind::NumericNotEquals
        | OperatorKind::NumericLessThan
        | OperatorKind::NumericLessThanEquals
        | OperatorKind::NumericGreaterThan
        | OperatorKind::NumericGreaterThanEquals => Decimal::parse(request_value).is_none(),
        OperatorKind::DateEquals
        | OperatorKind::DateNotEquals
        | OperatorKind::DateLessThan
        | OperatorKind::DateLessThanEquals
        | OperatorKind::DateGreaterThan
        | OperatorKind::DateGreaterThanEquals => parse_date(request_value).is_none(),
        OperatorKind::IpAddress | OperatorKind::NotIpAddress => {
            parse_address(request_value).is_none()
        }
        _ => false,
    }
}

/// Does `request_value` match `policy_value` under the positive form of the
/// operator? `None` when either side cannot be read.
fn compare(
    kind: &OperatorKind,
    policy_value: &CompiledValue,
    request_value: &str,
    request: &Request,
) -> Option<bool> {
    use std::cmp::Ordering;
    if let CompiledValue::Template(template) = policy_value {
        return compare_template(kind, template, request_value, request);
    }
    match (kind, policy_value) {
        (
            OperatorKind::StringEquals | OperatorKind::StringNotEquals | OperatorKind::BinaryEquals,
            CompiledValue::Text(text),
        ) => Some(text == request_value),
        (
            OperatorKind::StringEqualsIgnoreCase | OperatorKind::StringNotEqualsIgnoreCase,
            CompiledValue::Text(text),
        ) => Some(equal_ignoring_case(text, request_value)),
        (_, CompiledValue::Like(pattern)) => Some(pattern.is_match(request_value)),
        (_, CompiledValue::Number(policy)) => {
            let ordering = Decimal::parse(request_value)?.cmp(&policy.borrow());
            Some(ordering_satisfies(kind, ordering))
        }
        (_, CompiledValue::Date(policy)) => {
            let ordering = parse_date(request_value)?.cmp(policy);
            Some(ordering_satisfies(kind, ordering))
        }
        (_, CompiledValue::Bool(policy)) => Some(parse_bool(request_value)? == *policy),
        (_, CompiledValue::Ip(network)) => Some(network.contains(&parse_address(request_value)?)),
        (_, CompiledValue::Arn(pattern)) => Some(pattern.is_match(request_value)),
        (_, CompiledValue::Invalid) => None,
        _ => {
            let _ = Ordering::Equal;
            None
        }
    }
}

fn compare_template(
    kind: &OperatorKind,
    template: &Template,
    request_value: &str,
    request: &Request,
) -> Option<bool> {
    // An unresolvable variable has "no equal or like value": it matches no
    // request value.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value
    match kind {
        OperatorKind::StringLike | OperatorKind::StringNotLike => {
            let Some(tokens) = template.resolve_pattern(request) else {
                return Some(false);
            };
            Some(WildcardPattern::from_tokens(tokens, CaseMode::Sensitive).is_match(request_value))
        }
        OperatorKind::ArnEquals
        | OperatorKind::ArnLike
        | OperatorKind::ArnNotEquals
        | OperatorKind::ArnNotLike => {
            let Some(tokens) = template.resolve_pattern(request) else {
                return Some(false);
            };
            Some(ArnPattern::from_tokens_condition(tokens).is_match(request_value))
        }
        _ => {
            let Some(text) = template.resolve_text(request) else {
                return Some(false);
            };
            let compiled = compile_value(
                kind,
                &ConditionValue::String(text),
                PolicyVersion::V2008_10_17,
            );
            compare(kind, &compiled, request_value, request)
        }
    }
}

fn ordering_satisfies(kind: &OperatorKind, ordering: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match kind {
        OperatorKind::NumericEquals
        | OperatorKind::NumericNotEquals
        | OperatorKind::DateEquals
        | OperatorKind::DateNotEquals => ordering == Equal,
        OperatorKind::NumericLessThan | OperatorKind::DateLessThan => ordering == Less,
        OperatorKind::NumericLessThanEquals | OperatorKind::DateLessThanEquals => {
            ordering != Greater
        }
        OperatorKind::NumericGreaterThan | OperatorKind::DateGreaterThan => ordering == Greater,
        OperatorKind::NumericGreaterThanEquals | OperatorKind::DateGreaterThanEquals => {
            ordering != Less
        }
        _ => false,
    }
}

fn equal_ignoring_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        a.eq_ignore_ascii_case(b)
    } else {
        a.to_lowercase() == b.to_lowercase()
    }
}

/// `true`/`false`, compared without case.
fn parse_bool(text: &str) -> Option<bool> {
    if text.eq_ignore_ascii_case("true") {
        Some(true)
    } else if text.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

/// A CIDR block; a bare address is a /32 (IPv4) or /128 (IPv6) network.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>
fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(network) = text.parse::<IpNet>() {
        return Some(network);
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

fn parse_address(text: &str) -> Option<IpAddr> {
    text.trim().parse::<IpAddr>().ok()
}

/// An exact decimal number (no floating-point rounding): sign, integer
/// digits without leading zeros, fraction digits without trailing zeros.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decimal<'a> {
    negative: bool,
    integer: &'a str,
    fraction: &'a str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct OwnedDecimal {
    negative: bool,
    integer: String,
    fraction: String,
}

impl OwnedDecimal {
    fn borrow(&self) -> Decimal<'_> {
        Decimal {
            negative: self.negative,
            integer: &self.integer,
            fraction: &self.fraction,
        }
    }
}

impl<'a> Decimal<'a> {
    /// Integers and decimals: `10`, `-3`, `+2.50`, `.5`. Exponents are not
    /// accepted.
    fn parse(text: &'a str) -> Option<Self> {
        let text = text.trim();
        let (negative, unsigned) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (integer, fraction) = match unsigned.find('.') {
            Some(dot) => (&unsigned[..dot], &unsigned[dot + 1..]),
            None => (unsigned, ""),
        };
        if integer.is_empty() && fraction.is_empty() {
            return None;
        }
        if !integer.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let integer = integer.trim_start_matches('0');
        let fraction = fraction.trim_end_matches('0');
        let is_zero = integer.is_empty() && fraction.is_empty();
        Some(Decimal {
            negative: negative && !is_zero,
            integer,
            fraction,
        })
    }

    fn to_owned(self) -> OwnedDecimal {
        OwnedDecimal {
            negative: self.negative,
            integer: self.integer.to_string(),
            fraction: self.fraction.to_string(),
        }
    }

    fn cmp_magnitude(&self, other: &Decimal<'_>) -> std::cmp::Ordering {
        self.integer
            .len()
            .cmp(&other.integer.len())
            .then_with(|| self.integer.cmp(other.integer))
            .then_with(|| self.fraction.cmp(other.fraction))
    }

    fn cmp(&self, other: &Decimal<'_>) -> std::cmp::Ordering {
        match (self.negative, other.negative) {
            (false, true) => std::cmp::Ordering::Greater,
            (true, false) => std::cmp::Ordering::Less,
            (false, false) => self.cmp_magnitude(other),
            (true, true) => other.cmp_magnitude(self),
        }
    }
}

/// Parses a date as AWS's Date operators accept it: ISO 8601 (`2024-01-31`,
/// `2024-01-31T10:00:00Z`, fractional seconds, `+hh:mm` offsets, and the
/// basic form `20240131T100000Z`) or epoch seconds (all digits, optionally with a fraction). Returns milliseconds
/// since the epoch.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>
pub(crate) fn parse_date(text: &str) -> Option<i128> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // All digits: epoch seconds (a basic-form date `YYYYMMDD` would be
        // ambiguous, and AWS documents epoch values in this form).
        return text.parse::<i128>().ok().map(|seconds| seconds * 1000);
    }
    if let Some(millis) = parse_iso8601(text) {
        return Some(millis);
    }
    // Epoch seconds with a fraction.
    let decimal = Decimal::parse(text)?;
    let seconds: i128 = if decimal.integer.is_empty() {
        0
    } else {
        decimal.integer.parse().ok()?
    };
    let millis_text: String = decimal
        .fraction
        .chars()
        .chain("000".chars())
        .take(3)
        .collect();
    let millis: i128 = millis_text.parse().ok()?;
    let total = seconds * 1000 + millis;
    Some(if decimal.negative { -total } else { total })
}

fn parse_iso8601(text: &str) -> Option<i128> {
    let bytes = text.as_bytes();
    let mut position = 0;
    let digits = |position: &mut usize, count: usize| -> Option<i64> {
        let slice = bytes.get(*position..*position + count)?;
        if !slice.iter().all(u8::is_ascii_digit) {
            return None;
        }
        *position += count;
        std::str::from_utf8(slice).ok()?.parse().ok()
    };
    let year = digits(&mut position, 4)?;
    let extended = bytes.get(position) == Some(&b'-');
    if extended {
        position += 1;
    }
    let month = digits(&mut position, 2)?;
    if extended {
        if bytes.get(position) != Some(&b'-') {
            return None;
        }
        position += 1;
    }
    let day = digits(&mut position, 2)?;
    if !(1..=12).contains(&month) || !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let mut seconds_of_day: i64 = 0;
    let mut millis: i64 = 0;
    let mut offset_seconds: i64 = 0;
    if matches!(bytes.get(position), Some(b'T' | b't' | b' ')) {
        position += 1;
        let hour = digits(&mut position, 2)?;
        let mut minute = 0;
        let mut second = 0;
        let colon = bytes.get(position) == Some(&b':');
        if colon || bytes.get(position).is_some_and(u8::is_ascii_digit) {
            if colon {
                position += 1;
            }
            minute = digits(&mut position, 2)?;
            let colon = bytes.get(position) == Some(&b':');
            if colon || bytes.get(position).is_some_and(u8::is_ascii_digit) {
                if colon {
                    position += 1;
                }
                second = digits(&mut position, 2)?;
                if matches!(bytes.get(position), Some(b'.' | b',')) {
                    position += 1;
                    let start = position;
                    while bytes.get(position).is_some_and(u8::is_ascii_digit) {
                        position += 1;
                    }
                    let fraction = text.get(start..position)?;
                    if fraction.is_empty() {
                        return None;
                    }
                    let padded: String = fraction.chars().chain("000".chars()).take(3).collect();
                    millis = padded.parse().ok()?;
                }
            }
        }
        if hour > 24 || minute > 59 || second > 60 {
            return None;
        }
        seconds_of_day = hour * 3600 + minute * 60 + second;
        match bytes.get(position) {
            Some(b'Z' | b'z') => position += 1,
            Some(sign @ (b'+' | b'-')) => {
                let sign = if *sign == b'-' { -1 } else { 1 };
                position += 1;
                let offset_hours = digits(&mut position, 2)?;
                if bytes.get(position) == Some(&b':') {
                    position += 1;
                }
                let offset_minutes = if position < bytes.len() {
                    digits(&mut position, 2)?
                } else {
                    0
                };
                offset_seconds = sign * (offset_hours * 3600 + offset_minutes * 60);
            }
            _ => {}
        }
    }
    if position != bytes.len() {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + seconds_of_day - offset_seconds;
    Some(i128::from(seconds) * 1000 + i128::from(millis))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ast::{ConditionBlock, ConditionEntry};
    use crate::context::RequestContext;
    use crate::span::Spanned;

    fn operator(text: &str) -> Operator {
        let (qualifier, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, text)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let kind = match base {
            "StringEquals" => OperatorKind::StringEquals,
            "StringNotEquals" => OperatorKind::StringNotEquals,
            "StringEqualsIgnoreCase" => OperatorKind::StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => OperatorKind::StringNotEqualsIgnoreCase,
            "StringLike" => OperatorKind::StringLike,
            "StringNotLike" => OperatorKind::StringNotLike,
            "NumericEquals" => OperatorKind::NumericEquals,
            "NumericLessThan" => OperatorKind::NumericLessThan,
            "NumericGreaterThanEquals" => OperatorKind::NumericGreaterThanEquals,
            "DateLessThan" => OperatorKind::DateLessThan,
            "DateGreaterThan" => OperatorKind::DateGreaterThan,
            "DateEquals" => OperatorKind::DateEquals,
            "Bool" => OperatorKind::Bool,
            "BinaryEquals" => OperatorKind::BinaryEquals,
            "IpAddress" => OperatorKind::IpAddress,
            "NotIpAddress" => OperatorKind::NotIpAddress,
            "ArnLike" => OperatorKind::ArnLike,
            "ArnEquals" => OperatorKind::ArnEquals,
            "ArnNotLike" => OperatorKind::ArnNotLike,
            "Null" => OperatorKind::Null,
            other => OperatorKind::Unknown(other.to_string()),
        };
        Operator {
            qualifier,
            kind,
            if_exists,
        }
    }

    /// One block with one key.
    fn holds_versioned(
        op: &str,
        key: &str,
        values: &[&str],
        request: &Request,
        version: PolicyVersion,
    ) -> bool {
        let condition = Condition {
            blocks: vec![ConditionBlock {
                operator: Spanned::new(operator(op), Span::default()),
                entries: vec![ConditionEntry {
                    key: Spanned::new(key.to_string(), Span::default()),
                    values: values
                        .iter()
                        .map(|v| {
                            Spanned::new(ConditionValue::String(v.to_string()), Span::default())
                        })
                        .collect(),
                }],
            }],
        };
        CompiledCondition::compile(&condition, version)
            .evaluate(request)
            .is_ok()
    }

    fn holds(op: &str, key: &str, values: &[&str], request: &Request) -> bool {
        holds_versioned(op, key, values, request, PolicyVersion::V2012_10_17)
    }

    fn request_with(context: RequestContext) -> Request {
        Request::new(
            "arn:aws:iam::111122223333:user/alice",
            "s3:GetObject",
            "arn:aws:s3:::b/k",
        )
        .with_context(context)
    }

    fn single(key: &str, value: &str) -> Request {
        request_with(RequestContext::new().with(key, value))
    }

    #[test]
    fn string_operators() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_String
        let request = single("aws:PrincipalTag/team", "Orders");
        assert!(holds(
            "StringEquals",
            "aws:principaltag/team",
            &["Orders"],
            &request
        ));
        assert!(!holds(
            "StringEquals",
            "aws:PrincipalTag/team",
            &["orders"],
            &request
        ));
        assert!(holds(
            "StringEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            &["orders"],
            &request
        ));
        assert!(holds(
            "StringNotEquals",
            "aws:PrincipalTag/team",
            &["a", "b"],
            &request
        ));
        assert!(!holds(
            "StringNotEquals",
            "aws:PrincipalTag/team",
            &["a", "Orders"],
            &request
        ));
        assert!(!holds(
            "StringNotEqualsIgnoreCase",
            "aws:PrincipalTag/team",
            &["ORDERS"],
            &request
        ));
        assert!(holds(
            "StringLike",
            "aws:PrincipalTag/team",
            &["Ord*"],
            &request
        ));
        assert!(holds(
            "StringNotLike",
            "aws:PrincipalTag/team",
            &["x*"],
            &request
        ));
        // `*` is literal in StringEquals.
        assert!(!holds(
            "StringEquals",
            "aws:PrincipalTag/team",
            &["Ord*"],
            &request
        ));
    }

    #[test]
    fn missing_keys() {
        // "If the key that you specify in a policy condition is not present in
        // the request context, the values do not match" and negated operators
        // hold; ...IfExists holds.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
        let request = request_with(RequestContext::new());
        assert!(!holds(
            "StringEquals",
            "aws:SourceVpc",
            &["vpc-1"],
            &request
        ));
        assert!(holds(
            "StringNotEquals",
            "aws:SourceVpc",
            &["vpc-1"],
            &request
        ));
        assert!(holds(
            "StringEqualsIfExists",
            "aws:SourceVpc",
            &["vpc-1"],
            &request
        ));
        assert!(holds(
            "NotIpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8"],
            &request
        ));
        assert!(!holds(
            "IpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8"],
            &request
        ));
        // IfExists with the key present evaluates normally.
        let present = single("aws:SourceVpc", "vpc-2");
        assert!(!holds(
            "StringEqualsIfExists",
            "aws:SourceVpc",
            &["vpc-1"],
            &present
        ));
    }

    #[test]
    fn null_operator() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
        let request = single("aws:TokenIssueTime", "2024-01-01T00:00:00Z");
        assert!(holds("Null", "aws:TokenIssueTime", &["false"], &request));
        assert!(!holds("Null", "aws:TokenIssueTime", &["true"], &request));
        assert!(holds("Null", "aws:MultiFactorAuthAge", &["true"], &request));
    }

    #[test]
    fn numeric_with_decimals() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric
        let request = single("s3:max-keys", "10");
        assert!(holds("NumericLessThan", "s3:max-keys", &["10.5"], &request));
        assert!(!holds("NumericLessThan", "s3:max-keys", &["10"], &request));
        assert!(holds("NumericEquals", "s3:max-keys", &["10.000"], &request));
        assert!(holds(
            "NumericGreaterThanEquals",
            "s3:max-keys",
            &["-3"],
            &request
        ));
        assert!(!holds("NumericEquals", "s3:max-keys", &["ten"], &request));
        let negative = single("k", "-0.5");
        assert!(holds("NumericLessThan", "k", &["0"], &negative));
        assert!(holds("NumericLessThan", "k", &["-0.25"], &negative));
        assert!(!holds("NumericLessThan", "k", &["-0.75"], &negative));
    }

    #[test]
    fn dates_iso_and_epoch() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
        let request = single("aws:CurrentTime", "2024-06-01T12:00:00Z");
        assert!(holds(
            "DateLessThan",
            "aws:CurrentTime",
            &["2024-12-31T23:59:59Z"],
            &request
        ));
        assert!(holds(
            "DateGreaterThan",
            "aws:CurrentTime",
            &["2024-01-01"],
            &request
        ));
        assert!(holds(
            "DateLessThan",
            "aws:CurrentTime",
            &["1735689600"],
            &request
        ));
        assert!(holds(
            "DateEquals",
            "aws:CurrentTime",
            &["2024-06-01T14:00:00+02:00"],
            &request
        ));
        assert!(holds(
            "DateEquals",
            "aws:CurrentTime",
            &["2024-06-01T12:00:00.000Z"],
            &request
        ));
        let epoch = single("aws:EpochTime", "1717243200");
        assert!(holds(
            "DateEquals",
            "aws:EpochTime",
            &["2024-06-01T12:00:00Z"],
            &epoch
        ));
        assert!(!holds(
            "DateLessThan",
            "aws:CurrentTime",
            &["not a date"],
            &request
        ));
        assert_eq!(parse_date("2024-02-30"), None);
    }

    #[test]
    fn bool_binary_ip() {
        let request = request_with(
            RequestContext::new()
                .with("aws:SecureTransport", "false")
                .with("aws:SourceIp", "203.0.113.7")
                .with("k", "QmluYXJ5")
                .with("v6", "2001:db8::1"),
        );
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Boolean
        assert!(holds("Bool", "aws:SecureTransport", &["false"], &request));
        assert!(!holds("Bool", "aws:SecureTransport", &["true"], &request));
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_BinaryEquals
        assert!(holds("BinaryEquals", "k", &["QmluYXJ5"], &request));
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress
        assert!(holds(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.0/24"],
            &request
        ));
        assert!(holds(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.7"],
            &request
        ));
        assert!(!holds(
            "IpAddress",
            "aws:SourceIp",
            &["203.0.113.8"],
            &request
        ));
        assert!(holds(
            "NotIpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8", "192.168.0.0/16"],
            &request
        ));
        assert!(!holds(
            "NotIpAddress",
            "aws:SourceIp",
            &["10.0.0.0/8", "203.0.0.0/8"],
            &request
        ));
        assert!(holds("IpAddress", "v6", &["2001:db8::/32"], &request));
        assert!(!holds("IpAddress", "v6", &["10.0.0.0/8"], &request));
    }

    #[test]
    fn arn_operators_are_segment_wise() {
        // "each of the six colon-delimited components of the ARN is checked
        // separately and each can include multi-character match wildcards"
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
        let request = single(
            "aws:SourceArn",
            "arn:aws:execute-api:us-east-1:111122223333:api1/prod/GET/orders",
        );
        assert!(holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:execute-api:us-east-1:111122223333:api1/*"],
            &request
        ));
        assert!(holds(
            "ArnEquals",
            "aws:SourceArn",
            &["arn:aws:execute-api:*:111122223333:api1/*/GET/*"],
            &request
        ));
        assert!(!holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:execute-api:us-*-2:111122223333:api1/*"],
            &request
        ));
        assert!(!holds(
            "ArnLike",
            "aws:SourceArn",
            &["arn:aws:execute-api:u*t:api1/*"],
            &request
        ));
        assert!(holds(
            "ArnNotLike",
            "aws:SourceArn",
            &["arn:aws:lambda:*:*:*"],
            &request
        ));
    }

    #[test]
    fn set_qualifiers() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
        let tags = request_with(RequestContext::new().with_values("aws:TagKeys", ["team", "env"]));
        assert!(holds(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["team", "env", "cost"],
            &tags
        ));
        assert!(!holds(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["team"],
            &tags
        ));
        assert!(holds(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["team"],
            &tags
        ));
        assert!(!holds(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["cost"],
            &tags
        ));
        // ForAnyValue:StringNotEquals: some request value matches none.
        assert!(holds(
            "ForAnyValue:StringNotEquals",
            "aws:TagKeys",
            &["team"],
            &tags
        ));
        assert!(!holds(
            "ForAllValues:StringNotEquals",
            "aws:TagKeys",
            &["team"],
            &tags
        ));
        // Absent or empty: ForAllValues holds vacuously, ForAnyValue does not.
        let none = request_with(RequestContext::new());
        assert!(holds(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["team"],
            &none
        ));
        assert!(!holds(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["team"],
            &none
        ));
        // The set qualifier decides an absent key; IfExists does not rescue
        // ForAnyValue (see docs/semantics.md).
        assert!(!holds(
            "ForAnyValue:StringEqualsIfExists",
            "aws:TagKeys",
            &["team"],
            &none
        ));
        assert!(holds(
            "ForAllValues:StringEqualsIfExists",
            "aws:TagKeys",
            &["team"],
            &none
        ));
        let empty =
            request_with(RequestContext::new().with_values("aws:TagKeys", Vec::<String>::new()));
        assert!(holds(
            "ForAllValues:StringEquals",
            "aws:TagKeys",
            &["team"],
            &empty
        ));
        assert!(!holds(
            "ForAnyValue:StringEquals",
            "aws:TagKeys",
            &["team"],
            &empty
        ));
    }

    #[test]
    fn unknown_operator_fails_block() {
        let request = single("k", "v");
        assert!(!holds("StringEqualz", "k", &["v"], &request));
    }

    #[test]
    fn variables_in_condition_values() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
        let request = single("s3:prefix", "home/alice/docs");
        assert!(holds(
            "StringLike",
            "s3:prefix",
            &["home/${aws:username}/*"],
            &request
        ));
        assert!(!holds(
            "StringLike",
            "s3:prefix",
            &["home/${aws:userid}/*"],
            &request
        ));
        assert!(holds(
            "StringLike",
            "s3:prefix",
            &["home/${aws:userid, 'alice'}/*"],
            &request
        ));
        // Only under 2012-10-17; 2008-10-17 reads the text literally.
        assert!(!holds_versioned(
            "StringLike",
            "s3:prefix",
            &["home/${aws:username}/*"],
            &request,
            PolicyVersion::V2008_10_17
        ));
        // Not in numeric operators: the text is read as a number and fails.
        let numeric = single("n", "5");
        assert!(!holds("NumericEquals", "n", &["${n}"], &numeric));
    }

    #[test]
    fn several_keys_and_blocks_and() {
        let request = request_with(RequestContext::new().with("a", "1").with("b", "2"));
        let condition = Condition {
            blocks: vec![ConditionBlock {
                operator: Spanned::new(operator("StringEquals"), Span::default()),
                entries: vec![
                    ConditionEntry {
                        key: Spanned::new("a".into(), Span::new(1, 2)),
                        values: vec![Spanned::new(
                            ConditionValue::String("1".into()),
                            Span::default(),
                        )],
                    },
                    ConditionEntry {
                        key: Spanned::new("b".into(), Span::new(3, 4)),
                        values: vec![Spanned::new(
                            ConditionValue::Number("3".into()),
                            Span::default(),
                        )],
                    },
                ],
            }],
        };
        let compiled = CompiledCondition::compile(&condition, PolicyVersion::V2012_10_17);
        let failed = compiled.describe_failure(compiled.evaluate(&request).unwrap_err());
        assert_eq!(&*failed.key, "b");
        assert_eq!(&*failed.operator, "StringEquals");
        assert_eq!(failed.span, Span::new(3, 4));
    }
}
