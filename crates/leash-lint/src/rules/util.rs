//! Helpers shared by several rules.

use crate::Edit;
use ipnet::IpNet;
use leash_policy::matching::ActionPattern;
use leash_policy::{
    ConditionBlock, ConditionEntry, ConditionValue, Effect, Span, Spanned, Statement,
};
use std::net::IpAddr;

/// Every action pattern of a statement (`Action` or `NotAction`).
pub(crate) fn action_patterns(statement: &Statement) -> &[Spanned<String>] {
    &statement.action.node.patterns
}

/// Splits `service:name`; `None` when there is no colon.
pub(crate) fn split_action(pattern: &str) -> Option<(&str, &str)> {
    pattern.split_once(':')
}

pub(crate) fn has_wildcard(text: &str) -> bool {
    text.contains(['*', '?'])
}

/// Whether `text` holds a value known only at deployment (a template's
/// symbol, `leash_policy::symbol`): its exact text is unknown offline, so
/// checks of its form do not apply.
pub(crate) fn has_symbol(text: &str) -> bool {
    leash_policy::symbol::contains_symbol(text)
}

/// Levenshtein distance on ASCII-lowercased text, for "did you mean".
#[cfg(test)]
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let mut rows = (Vec::new(), Vec::new());
    edit_distance_within(a, b, usize::MAX, &mut rows).unwrap_or(usize::MAX)
}

/// The distance of [`edit_distance`] when it is at most `limit`, `None`
/// otherwise; stops as soon as a row's smallest entry exceeds `limit`
/// (entries never decrease from one row's minimum to the next). `rows`
/// are scratch space, reused across calls.
fn edit_distance_within(
    a: &str,
    b: &str,
    limit: usize,
    (previous, current): &mut (Vec<usize>, Vec<usize>),
) -> Option<usize> {
    let b = b.as_bytes();
    previous.clear();
    previous.extend(0..=b.len());
    current.clear();
    current.resize(b.len() + 1, 0);
    for (i, ca) in a.bytes().enumerate() {
        let ca = ca.to_ascii_lowercase();
        current[0] = i + 1;
        let mut row_minimum = current[0];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb.to_ascii_lowercase());
            let cell = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
            current[j + 1] = cell;
            row_minimum = row_minimum.min(cell);
        }
        if row_minimum > limit {
            return None;
        }
        std::mem::swap(previous, current);
    }
    previous.get(b.len()).copied().filter(|d| *d <= limit)
}

/// The candidate closest to `wanted`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wanted.len() / 4).clamp(1, 3);
    let mut rows = (Vec::new(), Vec::new());
    candidates
        .into_iter()
        // The distance is at least the difference in length: skip early.
        .filter(|c| c.len().abs_diff(wanted.len()) <= limit)
        .filter_map(|c| Some((edit_distance_within(wanted, c, limit, &mut rows)?, c)))
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
}

/// Every `Resource`/`NotResource` pattern of a statement (none when absent).
pub(crate) fn resource_patterns(statement: &Statement) -> &[Spanned<String>] {
    statement
        .resource
        .as_ref()
        .map(|r| r.node.patterns.as_slice())
        .unwrap_or_default()
}

/// Every condition block and entry of a statement, in source order.
pub(crate) fn condition_entries(
    statement: &Statement,
) -> impl Iterator<Item = (&ConditionBlock, &ConditionEntry)> {
    statement
        .condition
        .iter()
        .flat_map(|c| c.node.blocks.iter())
        .flat_map(|block| block.entries.iter().map(move |entry| (block, entry)))
}

/// Whether any condition of the statement tests `key` (names compare
/// without case, as IAM does).
pub(crate) fn has_condition_key(statement: &Statement, key: &str) -> bool {
    condition_entries(statement).any(|(_, entry)| entry.key.node.eq_ignore_ascii_case(key))
}

/// Whether the statement applies to every resource: `"Resource": "*"` (or
/// a list containing `*`), or any `NotResource`.
pub(crate) fn applies_to_every_resource(statement: &Statement) -> bool {
    match &statement.resource {
        Some(resource) if resource.node.negated => true,
        Some(resource) => resource.node.patterns.iter().any(|p| p.node == "*"),
        None => false,
    }
}

/// The pattern of an Allow statement that grants `action` (`service:Name`,
/// exact case-insensitive name), or `None`. With `NotAction`, the
/// statement's whole action span stands for the grant when no listed
/// pattern excludes the action.
pub(crate) fn pattern_granting(statement: &Statement, action: &str) -> Option<Span> {
    if statement.effect.node != Effect::Allow {
        return None;
    }
    let matches = |p: &Spanned<String>| {
        same_service(&p.node, action) && ActionPattern::new(&p.node).is_match(action)
    };
    if statement.action.node.negated {
        if statement.action.node.patterns.iter().any(matches) {
            None
        } else {
            Some(statement.action.span)
        }
    } else {
        statement
            .action
            .node
            .patterns
            .iter()
            .find(|p| matches(p))
            .map(|p| p.span)
    }
}

/// A condition value's text when it is written as a string.
pub(crate) fn string_value(value: &ConditionValue) -> Option<&str> {
    match value {
        ConditionValue::String(text) => Some(text),
        _ => None,
    }
}

/// A CIDR block as the IP address operators read it; a bare address is a
/// /32 or /128 network.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>
pub(crate) fn parse_network(text: &str) -> Option<IpNet> {
    let text = text.trim();
    if let Ok(network) = text.parse::<IpNet>() {
        return Some(network);
    }
    text.parse::<IpAddr>().ok().map(IpNet::from)
}

/// Whether a network lies inside the private ranges that never reach an
/// AWS public endpoint as a source address: RFC 1918 (`10.0.0.0/8`,
/// `172.16.0.0/12`, `192.168.0.0/16`) and IPv6 unique local addresses
/// (`fc00::/7`).
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip>
pub(crate) fn is_private_network(network: &IpNet) -> bool {
    const PRIVATE: [&str; 4] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
    PRIVATE
        .iter()
        .filter_map(|text| text.parse::<IpNet>().ok())
        .any(|private| private.contains(network))
}

/// A number as the Numeric operators accept it: an optional sign, digits,
/// an optional fraction (`10`, `-3`, `2.5`, `.5`); no exponent.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric>
pub(crate) fn is_number(text: &str) -> bool {
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (integer, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    (!integer.is_empty() || !fraction.is_empty())
        && integer.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// A date as the Date operators accept it: epoch seconds (digits, with an
/// optional fraction) or an ISO 8601 date with optional time and zone:
/// `2024-01-31`, `2024-01-31T10:00:00Z`, `2024-01-31T10:00:00.5+02:00`,
/// `20240131T100000Z`.
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date>
pub(crate) fn is_date(text: &str) -> bool {
    if is_number(text) && !text.starts_with(['-', '+']) {
        return true;
    }
    let (date, time) = match text.split_once(['T', 't']) {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let digits: String = date.chars().filter(|c| *c != '-').collect();
    let dashes_well_placed = match date.len() {
        10 => date.as_bytes().get(4) == Some(&b'-') && date.as_bytes().get(7) == Some(&b'-'),
        8 => !date.contains('-'),
        _ => false,
    };
    if !dashes_well_placed || digits.len() != 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let month: u32 = digits.get(4..6).and_then(|m| m.parse().ok()).unwrap_or(0);
    let day: u32 = digits.get(6..8).and_then(|d| d.parse().ok()).unwrap_or(0);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return false;
    }
    let Some(time) = time else {
        return true;
    };
    // Zone: `Z`, or `+hh:mm` / `-hh:mm` / `+hhmm` / `+hh`.
    let (clock, zone) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, "")
    } else if let Some(index) = time.rfind(['+', '-']) {
        (&time[..index], &time[index + 1..])
    } else {
        (time, "")
    };
    let zone_digits: String = zone.chars().filter(|c| *c != ':').collect();
    if !(zone_digits.is_empty() || zone_digits.len() == 2 || zone_digits.len() == 4)
        || !zone_digits.bytes().all(|b| b.is_ascii_digit())
    {
        return false;
    }
    let (clock, fraction) = clock.split_once(['.', ',']).unwrap_or((clock, ""));
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let clock_digits: String = clock.chars().filter(|c| *c != ':').collect();
    matches!(clock_digits.len(), 2 | 4 | 6)
        && clock_digits.bytes().all(|b| b.is_ascii_digit())
        && clock_digits
            .get(0..2)
            .and_then(|h| h.parse::<u32>().ok())
            .is_some_and(|h| h <= 24)
        && clock_digits
            .get(2..4)
            .and_then(|m| m.parse::<u32>().ok())
            .is_none_or(|m| m <= 59)
        && clock_digits
            .get(4..6)
            .and_then(|s| s.parse::<u32>().ok())
            .is_none_or(|s| s <= 60)
}

/// Whether `outer` (a pattern with `*`/`?`, case-insensitive) covers every
/// text `inner` (also a pattern) can match. Sound but not complete: when
/// `inner` has wildcards, `outer` must have no `?`, so each of `inner`'s
/// wildcards falls inside one of `outer`'s `*` runs.
pub(crate) fn action_pattern_covers(outer: &str, inner: &str) -> bool {
    if has_wildcard(inner) && outer.contains('?') {
        return false;
    }
    ActionPattern::new(outer).is_match(inner)
}

/// The edit that removes item `index` of a JSON list together with the
/// comma that separates it from its neighbour: from the end of the
/// previous item to the end of this one, or for the first item from its
/// start to the start of the next. Only commas and white space lie
/// between list items, so nothing else is removed.
pub(crate) fn list_item_removal(items: &[Spanned<String>], index: usize) -> Edit {
    let this = items.get(index).map(|i| i.span).unwrap_or(Span::new(0, 0));
    let span = match (
        index.checked_sub(1).and_then(|i| items.get(i)),
        items.get(index + 1),
    ) {
        (Some(previous), _) => Span::new(previous.span.end, this.end),
        (None, Some(next)) => Span::new(this.start, next.span.start),
        (None, None) => this,
    };
    Edit {
        span,
        replacement: String::new(),
    }
}

/// For an Allow statement with `Action` (not `NotAction`), each pattern
/// other than `*` that grants some of `actions`, with those it grants, in
/// list order.
pub(crate) fn patterns_granting_any<'a>(
    statement: &'a Statement,
    actions: &[&'static str],
) -> Vec<(&'a Spanned<String>, Vec<&'static str>)> {
    if statement.effect.node != Effect::Allow || statement.action.node.negated {
        return Vec::new();
    }
    statement
        .action
        .node
        .patterns
        .iter()
        .filter(|p| p.node != "*" && p.node != "*:*")
        .filter_map(|p| {
            // Most patterns name another service: reject them on the prefix
            // before compiling anything.
            let service = p
                .node
                .split_once(':')
                .map(|(service, _)| service)
                .filter(|service| !has_wildcard(service));
            let in_service = |action: &str| {
                service.is_none_or(|service| {
                    action.as_bytes().get(service.len()) == Some(&b':')
                        && action
                            .get(..service.len())
                            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(service))
                })
            };
            if !actions.iter().any(|a| in_service(a)) {
                return None;
            }
            let pattern = ActionPattern::new(&p.node);
            let granted: Vec<&'static str> = actions
                .iter()
                .copied()
                .filter(|a| in_service(a) && pattern.is_match(a))
                .collect();
            (!granted.is_empty()).then_some((p, granted))
        })
        .collect()
}

/// `a`, `a` and `b`, `a`, `b` and 3 more: action names for a message.
pub(crate) fn list_for_message(names: &[&str], shown: usize) -> String {
    let quoted: Vec<String> = names.iter().take(shown).map(|n| format!("`{n}`")).collect();
    match names.len() {
        0 => String::new(),
        n if n <= shown => quoted.join(", "),
        n => format!("{} and {} more", quoted.join(", "), n - shown),
    }
}

/// A cheap pre-check before compiling a pattern: `false` when the
/// pattern's service part is literal and differs from the action's.
pub(crate) fn same_service(pattern: &str, action: &str) -> bool {
    let Some(colon) = pattern.find(':') else {
        return true;
    };
    let pattern_service = &pattern[..colon];
    if has_wildcard(pattern_service) {
        return true;
    }
    action.as_bytes().get(colon) == Some(&b':')
        && action
            .get(..colon)
            .is_some_and(|service| service.eq_ignore_ascii_case(pattern_service))
}

/// The strings of a statement in which AWS substitutes policy variables:
/// `Resource`/`NotResource` patterns and string condition values, with
/// their spans.
pub(crate) fn variable_bearing_strings(
    statement: &Statement,
) -> impl Iterator<Item = (&String, leash_policy::Span)> {
    let resources = statement
        .resource
        .iter()
        .flat_map(|r| r.node.patterns.iter())
        .map(|r| (&r.node, r.span));
    let condition_values = statement
        .condition
        .iter()
        .flat_map(|c| c.node.blocks.iter())
        .flat_map(|b| b.entries.iter())
        .flat_map(|e| e.values.iter())
        .filter_map(|v| match &v.node {
            leash_policy::ConditionValue::String(text) => Some((text, v.span)),
            _ => None,
        });
    resources.chain(condition_values)
}

/// One "value of the wrong type" check: the condition operators it covers,
/// what a valid value is for them, and how the finding says so. The rules
/// `invalid-date-value`, `invalid-number-value`, `invalid-ip-value`,
/// `invalid-boolean-value` and `invalid-base64-value` are each one of these.
pub(crate) struct TypedValueCheck {
    pub(crate) rule: &'static crate::Rule,
    pub(crate) operators: fn(&leash_policy::OperatorKind) -> bool,
    pub(crate) is_valid: fn(&leash_policy::ConditionValue) -> bool,
    /// What the operator needs, e.g. "a date", "`true` or `false`".
    pub(crate) needs: &'static str,
    pub(crate) label: &'static str,
    pub(crate) help: &'static str,
}

/// Reports every value of the checked operators that is not valid.
pub(crate) fn report_invalid_values(
    input: &crate::PolicyInput<'_>,
    check: &TypedValueCheck,
    out: &mut Vec<crate::Diagnostic>,
) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            if !(check.operators)(&block.operator.node.kind) {
                continue;
            }
            for value in entry
                .values
                .iter()
                .filter(|v| !(check.is_valid)(&v.node) && !has_symbol(&v.node.as_text()))
            {
                out.push(
                    crate::Diagnostic::new(
                        check.rule,
                        format!(
                            "`{}` on `{}` needs {}: `{}` is not",
                            block.operator.node.kind.as_str(),
                            entry.key.node,
                            check.needs,
                            value.node.as_text()
                        ),
                        value.span,
                    )
                    .with_label(check.label)
                    .with_help(check.help),
                );
            }
        }
    }
}

/// The findings of one rule on a policy text, for rule tests; `kind` is
/// guessed when `None`, as `leash check` does.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn findings(
    text: &str,
    kind: Option<crate::PolicyKind>,
    code: &str,
) -> Vec<crate::Diagnostic> {
    let value = leash_policy::json::parse_json_bytes(text.as_bytes()).unwrap();
    crate::lint_policy_value(&value, kind)
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

/// The span of `range` (byte offsets into a string's value) in the source,
/// when the string's source is its value: written between two quotes
/// without escapes (JSON, quoted YAML), or a plain YAML scalar (no quotes);
/// otherwise (escapes, folded lines) the whole string, whose inner offsets
/// are not known.
pub(crate) fn inner_span(text: &str, string_span: Span, range: std::ops::Range<usize>) -> Span {
    let quote = match string_span.len().checked_sub(text.len()) {
        Some(2) => 1,
        Some(0) => 0,
        _ => return string_span,
    };
    if range.start > range.end || range.end > text.len() {
        return string_span;
    }
    Span::new(
        string_span.start + quote + range.start,
        string_span.start + quote + range.end,
    )
}

/// Whether [`inner_span`] can place offsets inside this string.
pub(crate) fn has_exact_inner_spans(text: &str, string_span: Span) -> bool {
    matches!(string_span.len().checked_sub(text.len()), Some(0 | 2))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("GetObject", "GetObjekt"), 1);
        assert_eq!(edit_distance("GetObject", "getobject"), 0);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn closest_ignores_far_candidates() {
        assert_eq!(
            closest("GetObjekt", ["GetObject", "PutObject"]),
            Some("GetObject")
        );
        assert_eq!(closest("Frobnicate", ["GetObject"]), None);
    }

    #[test]
    fn dates_follow_the_date_operator_formats() {
        for good in [
            "2024-01-31",
            "2024-01-31T10:00:00Z",
            "2024-01-31T10:00Z",
            "20240131T100000Z",
            "2024-01-31T10:00:00.123+02:00",
            "1700000000",
            "1700000000.5",
        ] {
            assert!(is_date(good), "{good}");
        }
        for bad in [
            "yesterday",
            "2024-13-01",
            "2024-01-32",
            "2024/01/31",
            "",
            "2024-01-31T25:00:00Z",
            "-5",
        ] {
            assert!(!is_date(bad), "{bad}");
        }
    }

    #[test]
    fn numbers_have_no_exponent() {
        assert!(is_number("10") && is_number("-3") && is_number("2.5") && is_number(".5"));
        assert!(!is_number("1e3") && !is_number("ten") && !is_number("") && !is_number("-"));
    }

    #[test]
    fn private_networks_are_rfc1918_and_unique_local() {
        for private in ["10.1.2.3/32", "172.16.0.0/12", "192.168.1.0/24", "fd00::/8"] {
            assert!(
                is_private_network(&parse_network(private).unwrap()),
                "{private}"
            );
        }
        for public in [
            "203.0.113.0/24",
            "172.32.0.0/16",
            "2001:db8::/32",
            "0.0.0.0/0",
        ] {
            assert!(
                !is_private_network(&parse_network(public).unwrap()),
                "{public}"
            );
        }
    }

    #[test]
    fn pattern_coverage_is_sound_for_wildcards() {
        assert!(action_pattern_covers("iam:Get*", "iam:GetRole"));
        assert!(action_pattern_covers("iam:Get*", "iam:GetRole*"));
        assert!(action_pattern_covers("IAM:*", "iam:List*"));
        assert!(!action_pattern_covers("iam:Get?", "iam:Get*"));
        assert!(!action_pattern_covers("iam:Get*", "iam:*CredentialReport"));
    }
}
