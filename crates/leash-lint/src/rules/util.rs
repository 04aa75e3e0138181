//! Helpers shared by several rules.

use leash_policy::{Spanned, Statement};

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

/// Levenshtein distance on ASCII-lowercased text, for "did you mean".
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<u8> = a.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.bytes().map(|c| c.to_ascii_lowercase()).collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// The candidate closest to `wanted`, if it is close enough to be a typo.
pub(crate) fn closest<'a>(
    wanted: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (wanted.len() / 4).clamp(1, 3);
    candidates
        .into_iter()
        .map(|c| (edit_distance(wanted, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, c)| (*d, c.len()))
        .map(|(_, c)| c)
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

#[cfg(test)]
mod tests {
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
}
