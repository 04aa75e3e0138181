//! The finite request space: for each request field the policies look at,
//! a list of witness values, one per region of values that the policies
//! cannot tell apart.
//!
//! For: collecting what the policies compare (action and resource
//! patterns, condition keys with their operators and values, named
//! principals) and turning it into witnesses. Where a feature cannot be
//! covered exactly, the analysis records why, and the proof answers
//! unknown.
//!
//! Not for: deciding requests (the engine does) or searching (see
//! `search`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use leash_policy::context::format_iso8601;
use leash_policy::{OperatorKind, Policy, PolicyVersion, Principal, SetQualifier};

use crate::automaton::{Matcher, RegionSearch};

/// How one condition key is compared, across every policy of the proof.
#[derive(Clone, Debug, Default)]
pub struct KeyUse {
    /// The key as first written (context keys compare without case).
    pub name: String,
    pub string_matchers: Vec<Matcher>,
    pub numbers: Vec<String>,
    pub dates: Vec<String>,
    pub networks: Vec<IpNet>,
    /// Used by `Null` (or an unknown operator) only: presence matters.
    pub presence_only: bool,
    pub families: Vec<Family>,
    /// A set qualifier is used on it, or the catalog types it as an array.
    pub multivalued: bool,
    /// How many condition entries mention the key: a bound on how many
    /// members a multivalued value needs (see docs/prove.md).
    pub entries: usize,
    /// Operators used on it (for the principal-key rule in resource mode).
    pub operators: Vec<OperatorKind>,
    /// Literal values compared by equality (for principal keys).
    pub literals: Vec<String>,
    /// Keys this key is compared with by `StringEquals`/`StringNotEquals`
    /// against a value that is exactly `${other-key}` (lowercased, as
    /// written).
    pub compared_with: Vec<(String, String)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    String,
    Numeric,
    Date,
    Ip,
}

/// Everything the policies compare.
#[derive(Clone, Debug, Default)]
pub struct Collected {
    pub action_patterns: Vec<String>,
    pub resource_patterns: Vec<String>,
    pub keys: BTreeMap<String, KeyUse>,
    /// Principal values as written, by kind (`AWS`, `Service`, ...).
    pub principals: Vec<(leash_policy::PrincipalKind, String)>,
    /// Why an exact answer is impossible, if it is.
    pub unsupported: Vec<String>,
}

fn push_unique(list: &mut Vec<String>, text: &str) {
    if !list.iter().any(|existing| existing == text) {
        list.push(text.to_string());
    }
}

fn family_of(kind: &OperatorKind) -> Option<Family> {
    use OperatorKind::*;
    match kind {
        StringEquals
        | StringNotEquals
        | StringEqualsIgnoreCase
        | StringNotEqualsIgnoreCase
        | StringLike
        | StringNotLike
        | ArnEquals
        | ArnLike
        | ArnNotEquals
        | ArnNotLike
        | Bool
        | BinaryEquals => Some(Family::String),
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => Some(Family::Numeric),
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => Some(Family::Date),
        IpAddress | NotIpAddress => Some(Family::Ip),
        Null | Unknown(_) => None,
    }
}

/// Whether `${` starts a policy variable here (only under `2012-10-17`).
fn has_variable(text: &str, version: PolicyVersion) -> bool {
    version == PolicyVersion::V2012_10_17 && text.contains("${")
}

impl Collected {
    pub fn add_policy(&mut self, policy: &Policy) {
        let version = policy.effective_version();
        for statement in &policy.statements {
            for pattern in &statement.action.node.patterns {
                push_unique(&mut self.action_patterns, &pattern.node);
            }
            if let Some(resource) = &statement.resource {
                for pattern in &resource.node.patterns {
                    if has_variable(&pattern.node, version) {
                        self.unsupported.push(format!(
                            "the resource pattern `{}` uses a policy variable",
                            pattern.node
                        ));
                    }
                    if !crate::exact_text(&pattern.node) {
                        self.unsupported.push(format!(
                            "the resource pattern `{}` is not ASCII",
                            pattern.node
                        ));
                    }
                    // The engine reads such a pattern two ways, by effect
                    // (docs/semantics.md); the regions do not split on it.
                    if leash_policy::matching::padded_short_arn(&pattern.node).is_some() {
                        self.unsupported.push(format!(
                            "the resource pattern `{}` has fewer than six ARN segments",
                            pattern.node
                        ));
                    }
                    push_unique(&mut self.resource_patterns, &pattern.node);
                }
            }
            if let Some(principal) = &statement.principal {
                match &principal.node.principal {
                    Principal::Wildcard => {}
                    Principal::Map(entries) => {
                        for entry in entries {
                            for value in &entry.values {
                                let pair = (entry.kind.node, value.node.clone());
                                if !self.principals.contains(&pair) {
                                    self.principals.push(pair);
                                }
                            }
                        }
                    }
                }
            }
            if let Some(condition) = &statement.condition {
                for block in &condition.node.blocks {
                    let operator = &block.operator.node;
                    for entry in &block.entries {
                        self.add_entry(operator, entry, version);
                    }
                }
            }
        }
    }

    fn add_entry(
        &mut self,
        operator: &leash_policy::Operator,
        entry: &leash_policy::ConditionEntry,
        version: PolicyVersion,
    ) {
        let lowered = entry.key.node.to_ascii_lowercase();
        let key = self.keys.entry(lowered).or_insert_with(|| KeyUse {
            name: entry.key.node.clone(),
            ..KeyUse::default()
        });
        key.entries += 1;
        if operator.qualifier.is_some() {
            key.multivalued = true;
        }
        if !key.operators.contains(&operator.kind) {
            key.operators.push(operator.kind.clone());
        }
        let family = family_of(&operator.kind);
        match family {
            Some(family) => {
                if !key.families.contains(&family) {
                    key.families.push(family);
                }
            }
            None => key.presence_only = true,
        }
        let _ = operator.qualifier == Some(SetQualifier::ForAllValues);
        for value in &entry.values {
            let text = value.node.as_text();
            let text = text.as_ref();
            if has_variable(text, version)
                && matches!(
                    operator.kind,
                    OperatorKind::StringEquals | OperatorKind::StringNotEquals
                )
                && let Some(other) = single_variable(text)
            {
                let pair = (other.to_ascii_lowercase(), other);
                if !key.compared_with.contains(&pair) {
                    key.compared_with.push(pair);
                }
                continue;
            }
            if has_variable(text, version)
                && !matches!(operator.kind, OperatorKind::Null | OperatorKind::Unknown(_))
            {
                self.unsupported.push(format!(
                    "the condition on `{}` compares with a policy variable (`{text}`)",
                    entry.key.node
                ));
                continue;
            }
            use OperatorKind::*;
            match &operator.kind {
                StringEquals | StringNotEquals | BinaryEquals => {
                    key.string_matchers.push(Matcher::literal(text));
                    push_unique(&mut key.literals, text);
                }
                StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                    match Matcher::literal_ignoring_case(text) {
                        Some(matcher) => key.string_matchers.push(matcher),
                        None => self.unsupported.push(format!(
                            "`{}` compares non-ASCII text `{text}` without case",
                            entry.key.node
                        )),
                    }
                }
                StringLike | StringNotLike => key.string_matchers.push(Matcher::glob(text)),
                ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => {
                    key.string_matchers.push(Matcher::arn(text, false));
                    if !text.contains(['*', '?']) {
                        push_unique(&mut key.literals, text);
                    }
                }
                Bool => {
                    // `Bool` reads `true`/`false` without case on both sides.
                    for word in ["true", "false"] {
                        if let Some(matcher) = Matcher::literal_ignoring_case(word) {
                            key.string_matchers.push(matcher);
                        }
                    }
                }
                NumericEquals
                | NumericNotEquals
                | NumericLessThan
                | NumericLessThanEquals
                | NumericGreaterThan
                | NumericGreaterThanEquals => push_unique(&mut key.numbers, text),
                DateEquals
                | DateNotEquals
                | DateLessThan
                | DateLessThanEquals
                | DateGreaterThan
                | DateGreaterThanEquals => push_unique(&mut key.dates, text),
                IpAddress | NotIpAddress => {
                    if let Some(network) = parse_network(text)
                        && !key.networks.contains(&network)
                    {
                        key.networks.push(network);
                    }
                }
                Null | Unknown(_) => {}
            }
            if !crate::exact_text(text)
                && family == Some(Family::String)
                && !matches!(
                    operator.kind,
                    StringEqualsIgnoreCase | StringNotEqualsIgnoreCase
                )
            {
                self.unsupported.push(format!(
                    "the condition on `{}` compares non-ASCII text `{text}`",
                    entry.key.node
                ));
            }
        }
    }
}

/// The key of a value that is exactly one policy variable without a
/// default (`${aws:PrincipalAccount}`).
fn single_variable(text: &str) -> Option<String> {
    let template = leash_policy::variables::parse_template(text).ok()?;
    match template.parts.as_slice() {
        [leash_policy::variables::TemplatePart::Variable(variable)]
            if variable.default.is_none() =>
        {
            Some(variable.key.clone())
        }
        _ => None,
    }
}

/// As the engine reads a CIDR block: a bare address is a single-address
/// network.
fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(network) = text.parse::<IpNet>() {
        return Some(network);
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// One witness for a key: absent, one value, or several values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    Absent,
    Single(String),
    Multiple(Vec<String>),
}

/// Single-value witnesses for a key, or why they cannot be exact.
pub fn single_witnesses(key: &KeyUse, state_limit: usize) -> Result<Vec<String>, String> {
    if key.families.len() > 1 {
        return Err(format!(
            "`{}` is compared by operators of different types (string, number, date, IP)",
            key.name
        ));
    }
    let mut values = match key.families.first() {
        None => vec!["leash-prove".to_string()],
        Some(Family::String) => {
            let search = RegionSearch::run(&key.string_matchers, &[], state_limit, None).map_err(
                |limit| {
                    format!(
                        "the string patterns on `{}` cannot be split: {limit}",
                        key.name
                    )
                },
            )?;
            search
                .regions
                .into_iter()
                .map(|region| region.witness)
                .collect()
        }
        Some(Family::Numeric) => number_witnesses(key)?,
        Some(Family::Date) => date_witnesses(key)?,
        Some(Family::Ip) => ip_witnesses(key),
    };
    values.dedup();
    Ok(values)
}

/// Number regions: each policy value, and a point strictly between each
/// two neighbours and beyond the ends; plus a value that is not a number.
fn number_witnesses(key: &KeyUse) -> Result<Vec<String>, String> {
    let mut parsed = Vec::new();
    let mut scale = 0usize;
    for text in &key.numbers {
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.as_str()),
        };
        let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !fraction.bytes().all(|b| b.is_ascii_digit())
            || (digits.contains('.') && fraction.is_empty())
            || whole.len() + fraction.len() > 30
        {
            return Err(format!(
                "the number `{text}` compared with `{}` is outside the forms leash prove reads exactly",
                key.name
            ));
        }
        scale = scale.max(fraction.len());
        parsed.push((negative, whole.to_string(), fraction.to_string()));
    }
    // One more decimal than any policy value: the points in between.
    let scale = scale + 1;
    if scale > 8 {
        return Err(format!(
            "the numbers compared with `{}` have too many decimals",
            key.name
        ));
    }
    let unit: i128 = 10i128.pow(scale as u32);
    let mut points: Vec<i128> = Vec::new();
    for (negative, whole, fraction) in parsed {
        let whole: i128 = whole.parse().map_err(|_| "number too large".to_string())?;
        let mut fraction_value: i128 = 0;
        let mut fraction_digits = fraction.clone();
        while fraction_digits.len() < scale {
            fraction_digits.push('0');
        }
        if !fraction_digits.is_empty() {
            fraction_value = fraction_digits
                .parse()
                .map_err(|_| "number too large".to_string())?;
        }
        let magnitude = whole
            .checked_mul(unit)
            .and_then(|value| value.checked_add(fraction_value))
            .ok_or_else(|| "number too large".to_string())?;
        let value = if negative { -magnitude } else { magnitude };
        points.extend([value - 1, value, value + 1]);
    }
    if points.is_empty() {
        points.push(0);
    }
    points.sort_unstable();
    points.dedup();
    let mut values: Vec<String> = points
        .into_iter()
        .map(|point| {
            let sign = if point < 0 { "-" } else { "" };
            let magnitude = point.unsigned_abs();
            let unit = unit as u128;
            format!(
                "{sign}{}.{:0width$}",
                magnitude / unit,
                magnitude % unit,
                width = scale
            )
        })
        .collect();
    values.push("not-a-number".to_string());
    Ok(values)
}

/// Date regions, in whole seconds: each policy date and one second either
/// side; plus a value that is not a date. Only forms whose instant leash
/// computes here are accepted; the caller checks each against the engine.
fn date_witnesses(key: &KeyUse) -> Result<Vec<String>, String> {
    let mut points: Vec<i64> = Vec::new();
    for text in &key.dates {
        let seconds = parse_simple_date(text).ok_or_else(|| {
            format!(
                "the date `{text}` compared with `{}` is outside the forms leash prove reads exactly (epoch seconds, `YYYY-MM-DD`, `YYYY-MM-DDTHH:MM:SSZ`)",
                key.name
            )
        })?;
        if seconds < 2 {
            return Err(format!("the date `{text}` is before 1970"));
        }
        points.extend([seconds - 1, seconds, seconds + 1]);
    }
    if points.is_empty() {
        points.push(1_767_225_600);
    }
    points.sort_unstable();
    points.dedup();
    let mut values: Vec<String> = points.into_iter().map(format_iso8601).collect();
    values.push("not-a-date".to_string());
    Ok(values)
}

/// Epoch seconds of `digits`, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ`.
pub fn parse_simple_date(text: &str) -> Option<i64> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let bytes = text.as_bytes();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let slice = text.get(range)?;
        if slice.bytes().all(|b| b.is_ascii_digit()) {
            slice.parse().ok()
        } else {
            None
        }
    };
    if bytes.len() != 10 && bytes.len() != 20 {
        return None;
    }
    if bytes.get(4) != Some(&b'-') || bytes.get(7) != Some(&b'-') {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut seconds = days_from_civil(year, month, day) * 86_400;
    if bytes.len() == 20 {
        if bytes.get(10) != Some(&b'T')
            || bytes.get(13) != Some(&b':')
            || bytes.get(16) != Some(&b':')
            || bytes.get(19) != Some(&b'Z')
        {
            return None;
        }
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if hour > 23 || minute > 59 || second > 59 {
            return None;
        }
        seconds += hour * 3600 + minute * 60 + second;
    }
    Some(seconds)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// well-known `days_from_civil` algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Address regions: the first address of each block, the address after
/// its last, and one below its first; plus one address of each family and
/// a value that is not an address.
fn ip_witnesses(key: &KeyUse) -> Vec<String> {
    let mut values: Vec<IpAddr> = vec![
        "192.0.2.10"
            .parse()
            .unwrap_or(IpAddr::from([192, 0, 2, 10])),
        "2001:db8::10".parse().unwrap_or(IpAddr::from([0u16; 8])),
    ];
    for network in &key.networks {
        match network {
            IpNet::V4(block) => {
                let first = u32::from(block.network());
                let last = u32::from(block.broadcast());
                values.push(IpAddr::from(first.to_be_bytes()));
                if let Some(before) = first.checked_sub(1) {
                    values.push(IpAddr::from(before.to_be_bytes()));
                }
                if let Some(after) = last.checked_add(1) {
                    values.push(IpAddr::from(after.to_be_bytes()));
                }
            }
            IpNet::V6(block) => {
                let first = u128::from(block.network());
                let last = u128::from(block.broadcast());
                values.push(IpAddr::from(first.to_be_bytes()));
                if let Some(before) = first.checked_sub(1) {
                    values.push(IpAddr::from(before.to_be_bytes()));
                }
                if let Some(after) = last.checked_add(1) {
                    values.push(IpAddr::from(after.to_be_bytes()));
                }
            }
        }
    }
    values.sort_unstable();
    values.dedup();
    let mut texts: Vec<String> = values
        .into_iter()
        .map(|address| address.to_string())
        .collect();
    texts.push("not-an-ip".to_string());
    texts
}

/// All witnesses of a key: absent, each single value, and for a
/// multivalued key the empty set and every set of up to `key.entries`
/// distinct single witnesses.
pub fn key_values(
    key: &KeyUse,
    state_limit: usize,
    set_limit: usize,
) -> Result<Vec<KeyValue>, String> {
    let singles = single_witnesses(key, state_limit)?;
    key_values_from(key, singles, set_limit)
}

/// [`key_values`] with the single witnesses given.
pub fn key_values_from(
    key: &KeyUse,
    singles: Vec<String>,
    set_limit: usize,
) -> Result<Vec<KeyValue>, String> {
    let mut values = vec![KeyValue::Absent];
    if !key.multivalued {
        values.extend(singles.into_iter().map(KeyValue::Single));
        return Ok(values);
    }
    values.push(KeyValue::Multiple(Vec::new()));
    let most = key.entries.min(singles.len());
    let mut chosen: Vec<usize> = Vec::new();
    fn subsets(
        singles: &[String],
        start: usize,
        most: usize,
        chosen: &mut Vec<usize>,
        out: &mut Vec<KeyValue>,
        limit: usize,
    ) -> bool {
        if chosen.len() == most {
            return true;
        }
        for index in start..singles.len() {
            chosen.push(index);
            out.push(KeyValue::Multiple(
                chosen
                    .iter()
                    .filter_map(|&i| singles.get(i).cloned())
                    .collect(),
            ));
            if out.len() > limit || !subsets(singles, index + 1, most, chosen, out, limit) {
                return false;
            }
            chosen.pop();
        }
        true
    }
    if !subsets(&singles, 0, most, &mut chosen, &mut values, set_limit) {
        return Err(format!(
            "the multivalued key `{}` has too many combinations of values to try",
            key.name
        ));
    }
    Ok(values)
}

/// Whether the catalog types the key as multivalued.
pub fn catalog_multivalued(key: &str) -> bool {
    leash_catalog::catalog()
        .condition_key(key)
        .is_some_and(|info| info.key_type().is_multivalued())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn simple_dates() {
        assert_eq!(parse_simple_date("1970-01-02"), Some(86_400));
        assert_eq!(
            parse_simple_date("2026-01-01T00:00:00Z"),
            Some(1_767_225_600)
        );
        assert_eq!(parse_simple_date("1767225600"), Some(1_767_225_600));
        assert_eq!(parse_simple_date("2026-01-01T00:00:00+01:00"), None);
    }

    #[test]
    fn numbers_between_and_beyond() {
        let key = KeyUse {
            name: "k".into(),
            numbers: vec!["10".into(), "10.5".into(), "-3".into()],
            families: vec![Family::Numeric],
            ..KeyUse::default()
        };
        let values = number_witnesses(&key).unwrap();
        for expected in ["10.00", "10.49", "10.51", "-3.01", "-2.99", "10.01"] {
            assert!(
                values.contains(&expected.to_string()),
                "{expected} in {values:?}"
            );
        }
    }
}
