//! The conditions of a need (`dynamodb:LeadingKeys`, time windows) as
//! policy conditions, and the requests inside and just outside them.

use super::*;

/// The statement conditions a need's `conditions` stand for.
/// - `dynamodb:LeadingKeys` with `ForAllValues:StringEquals`, and `Null`
///   false so a request without the key is not let through (a
///   `ForAllValues` test holds when the key is absent).
///   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
///   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
/// - a time window on `aws:CurrentTime` with `DateGreaterThan` and
///   `DateLessThan`.
///   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html
pub(super) fn need_conditions(conditions: &NeedConditions) -> Vec<Condition> {
    let mut out = Vec::new();
    if !conditions.leading_keys.is_empty() {
        out.push((
            "ForAllValues:StringEquals".to_string(),
            "dynamodb:LeadingKeys".to_string(),
            conditions.leading_keys.clone(),
        ));
        out.push((
            "Null".to_string(),
            "dynamodb:LeadingKeys".to_string(),
            vec!["false".to_string()],
        ));
    }
    if let Some(after) = &conditions.after {
        out.push((
            "DateGreaterThan".to_string(),
            "aws:CurrentTime".to_string(),
            vec![after.clone()],
        ));
    }
    if let Some(before) = &conditions.before {
        out.push((
            "DateLessThan".to_string(),
            "aws:CurrentTime".to_string(),
            vec![before.clone()],
        ));
    }
    out.extend(conditions.configured.iter().cloned());
    out
}

/// The context of a request inside conditions a configuration's service
/// grants a use under (`StringEquals`/`StringLike` on one key each), and
/// the changes that take it outside: another value, and no value.
pub(super) fn configured_requests(
    configured: &[Condition],
) -> (Vec<(String, String)>, Vec<ContextChange>) {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    for (_, key, values) in configured {
        let Some(first) = values.last() else {
            continue;
        };
        // A `StringLike` pattern's wildcards stand for some characters.
        let value = first.replace('*', "leash-example").replace('?', "x");
        inside.push((key.clone(), value));
        outside.push(vec![(
            key.clone(),
            Some("leash-outside-the-condition".to_string()),
        )]);
        outside.push(vec![(key.clone(), None)]);
    }
    (inside, outside)
}

/// The example value a policy variable (`${aws:PrincipalTag/tenant}`) is
/// given in verification requests.
pub(super) const VARIABLE_VALUE: &str = "tenant-1";

/// A change of request context: keys set to a new value, or removed.
pub(super) type ContextChange = Vec<(String, Option<String>)>;

/// The context of a request inside a need's conditions, and the changes
/// that take it outside, one near miss each.
pub(super) fn condition_requests(
    conditions: &NeedConditions,
) -> (Vec<(String, String)>, Vec<ContextChange>) {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    if let Some(first) = conditions.leading_keys.first() {
        let mut value = first.clone();
        // Each `${key}` variable is given a value in the request context.
        while let Some(start) = value.find("${") {
            let Some(length) = value[start..].find('}') else {
                break;
            };
            let key = value[start + 2..start + length].to_string();
            inside.push((key, VARIABLE_VALUE.to_string()));
            value.replace_range(start..start + length + 1, VARIABLE_VALUE);
        }
        inside.push(("dynamodb:LeadingKeys".to_string(), value));
        outside.push(vec![(
            "dynamodb:LeadingKeys".to_string(),
            Some("another-partition-key".to_string()),
        )]);
        outside.push(vec![("dynamodb:LeadingKeys".to_string(), None)]);
    }
    let after = conditions.after.as_deref().and_then(epoch_seconds);
    let before = conditions.before.as_deref().and_then(epoch_seconds);
    let now = match (after, before) {
        (Some(after), Some(before)) => Some(after + (before - after) / 2),
        (Some(after), None) => Some(after + 86_400),
        (None, Some(before)) => Some(before - 86_400),
        (None, None) => None,
    };
    if let Some(now) = now {
        inside.push((
            "aws:CurrentTime".to_string(),
            leash_policy::context::format_iso8601(now),
        ));
        // The bounds themselves are outside: both operators are strict.
        for bound in [after, before].into_iter().flatten() {
            outside.push(vec![(
                "aws:CurrentTime".to_string(),
                Some(leash_policy::context::format_iso8601(bound)),
            )]);
        }
    }
    let (configured_inside, configured_outside) = configured_requests(&conditions.configured);
    inside.extend(configured_inside);
    outside.extend(configured_outside);
    (inside, outside)
}

/// The context of each near miss: `inside` with one change of `outside`
/// applied (a key set to another value, or removed).
pub(super) fn outside_contexts(
    inside: &[(String, String)],
    outside: &[ContextChange],
) -> Vec<Vec<(String, String)>> {
    outside
        .iter()
        .map(|changed| {
            let mut near = inside.to_vec();
            for (key, value) in changed {
                near.retain(|(k, _)| k != key);
                if let Some(value) = value {
                    near.push((key.clone(), value.clone()));
                }
            }
            near
        })
        .collect()
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ` (checked by the reader).
pub(super) fn epoch_seconds(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from civil (proleptic Gregorian calendar).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}
