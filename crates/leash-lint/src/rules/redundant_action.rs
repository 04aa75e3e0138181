//! ## What it finds
//! An action in a statement's `Action` (or `NotAction`) list that another
//! entry of the same list already covers: `iam:GetRole` next to
//! `iam:Get*`, `s3:*` next to `*`, or the same action twice. Only entries
//! whose whole reach is covered are reported (`iam:*CredentialReport` is
//! not covered by `iam:Get*`).
//!
//! ## Why it matters
//! The entry grants nothing more; it makes the policy longer (closer to
//! its size quota) and suggests a narrower grant than the policy gives.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["iam:Get*", "iam:List*", "iam:GetCredentialReport"], "Resource": "*"}
//! ```
//!
//! ## Fix
//! Remove the covered entry (offered as a safe fix), or replace the wide
//! pattern with the actions really needed.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::{action_pattern_covers, action_patterns, list_item_removal};
use crate::{Applicability, Diagnostic, Fix, PolicyInput, Rule, Severity};
use leash_policy::Spanned;
use leash_policy::matching::ActionPattern;

pub static RULE: Rule = Rule {
    code: "L405",
    name: "redundant-action",
    severity: Severity::Info,
    summary: "an action is already covered by another entry of the same list",
    access_analyzer: Some("Suggestion – Redundant action"),
    check: Some(check),
};

/// Below this many entries a pairwise scan finds repeats faster than
/// sorting.
const PAIRWISE_LIMIT: usize = 16;

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    // Scratch reused across statements: this rule runs on every statement
    // of every policy, and nearly all lists are short. Action names compare
    // ASCII case-insensitively, so no lowercase copies are made.
    let mut earliest: Vec<usize> = Vec::new();
    let mut order: Vec<(u64, usize)> = Vec::new();
    // Wildcard entries, the only ones that can cover another: (entry,
    // compiled pattern).
    let mut covers: Vec<(usize, ActionPattern)> = Vec::new();
    // Covers with a literal service as (hash of that service, position in
    // `covers`), sorted; and positions of those without one.
    let mut by_service: Vec<(u64, usize)> = Vec::new();
    let mut any_service: Vec<usize> = Vec::new();
    for statement in &input.policy.statements {
        let patterns = action_patterns(statement);
        if patterns.len() < 2 {
            continue;
        }
        earliest_equal_entries(patterns, &mut earliest, &mut order);
        // Lists run to thousands of entries (ReadOnlyAccess): test only
        // wildcard entries as covers, compiled once and grouped by their
        // literal service prefix.
        covers.clear();
        by_service.clear();
        any_service.clear();
        for (index, pattern) in patterns.iter().enumerate() {
            if !has_wildcard_byte(&pattern.node) {
                continue;
            }
            let position = covers.len();
            covers.push((index, ActionPattern::new(&pattern.node)));
            match split_service(&pattern.node) {
                Some((service, _)) if !has_wildcard_byte(service) => {
                    by_service.push((caseless_hash(service), position))
                }
                _ => any_service.push(position),
            }
        }
        if covers.is_empty() && earliest.iter().enumerate().all(|(i, e)| *e == i) {
            continue;
        }
        by_service.sort_unstable();
        let service_of = |index: usize| -> &str {
            patterns
                .get(index)
                .and_then(|p| split_service(&p.node))
                .map_or("", |(service, _)| service)
        };
        for (index, inner) in patterns.iter().enumerate() {
            let text = inner.node.as_str();
            let earlier = earliest.get(index).copied().unwrap_or(index);
            let covering = if earlier != index {
                Some(earlier)
            } else if covers.is_empty() {
                None
            } else {
                let service = service_of(index);
                let same_service: &[(u64, usize)] =
                    if has_wildcard_byte(service) || by_service.is_empty() {
                        &[]
                    } else {
                        let hash = caseless_hash(service);
                        let start = by_service.partition_point(|(h, _)| *h < hash);
                        let length = by_service
                            .get(start..)
                            .map_or(0, |rest| rest.partition_point(|(h, _)| *h == hash));
                        by_service.get(start..start + length).unwrap_or(&[])
                    };
                same_service
                    .iter()
                    .filter_map(|(_, position)| covers.get(*position))
                    // Equal hashes may still name different services.
                    .filter(|(other, _)| service_of(*other).eq_ignore_ascii_case(service))
                    .chain(
                        any_service
                            .iter()
                            .filter_map(|position| covers.get(*position)),
                    )
                    .find(|(other, outer)| {
                        let other_text = patterns
                            .get(*other)
                            .map(|p| p.node.as_str())
                            .unwrap_or_default();
                        *other != index
                            && !other_text.eq_ignore_ascii_case(text)
                            && !(has_wildcard_byte(text) && other_text.contains('?'))
                            && outer.is_match(text)
                            // Entries that cover each other: report the later.
                            && !(*other > index && action_pattern_covers(text, other_text))
                    })
                    .map(|(other, _)| *other)
            };
            let Some(outer) = covering.and_then(|other| patterns.get(other)) else {
                continue;
            };
            let message = if outer.node.eq_ignore_ascii_case(&inner.node) {
                format!("`{}` is listed twice", inner.node)
            } else {
                format!("`{}` is already covered by `{}`", inner.node, outer.node)
            };
            out.push(
                Diagnostic::new(&RULE, message, inner.span)
                    .with_label("redundant")
                    .with_help(format!("remove `{}`", inner.node))
                    .with_fix(Fix {
                        message: format!("remove `{}`", inner.node),
                        applicability: Applicability::Safe,
                        edits: vec![list_item_removal(patterns, index)],
                    }),
            );
        }
    }
}

/// Whether `text` holds `*` or `?`, by a byte scan (both are ASCII, so
/// no byte of a multi-byte character matches them).
fn has_wildcard_byte(text: &str) -> bool {
    text.bytes().any(|byte| byte == b'*' || byte == b'?')
}

/// The text before the first `:` and the text after it.
fn split_service(text: &str) -> Option<(&str, &str)> {
    let colon = text.bytes().position(|byte| byte == b':')?;
    Some((text.get(..colon)?, text.get(colon + 1..)?))
}

/// FNV-1a over the ASCII-lowercased bytes: equal ignoring ASCII case
/// gives equal hashes (the converse is checked by the callers).
fn caseless_hash(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Fills `earliest[i]` with the first entry equal to entry `i` ignoring
/// ASCII case (`i` itself when none comes before it).
fn earliest_equal_entries(
    patterns: &[Spanned<String>],
    earliest: &mut Vec<usize>,
    order: &mut Vec<(u64, usize)>,
) {
    earliest.clear();
    if patterns.len() <= PAIRWISE_LIMIT {
        for (index, pattern) in patterns.iter().enumerate() {
            let first = patterns
                .iter()
                .take(index)
                .position(|p| p.node.eq_ignore_ascii_case(&pattern.node))
                .unwrap_or(index);
            earliest.push(first);
        }
        return;
    }
    // Longer lists: sort by hash, then within a run of equal hashes (in
    // entry order) look back for an equal entry.
    let text = |index: usize| patterns.get(index).map_or("", |p| p.node.as_str());
    order.clear();
    order.extend(
        patterns
            .iter()
            .enumerate()
            .map(|(index, p)| (caseless_hash(&p.node), index)),
    );
    order.sort_unstable();
    earliest.extend(0..patterns.len());
    let mut run_start = 0;
    for position in 0..order.len() {
        let Some(&(hash, index)) = order.get(position) else {
            break;
        };
        if order.get(run_start).is_some_and(|(h, _)| *h != hash) {
            run_start = position;
        }
        let first = order
            .get(run_start..position)
            .unwrap_or(&[])
            .iter()
            .map(|(_, other)| *other)
            .find(|other| text(*other).eq_ignore_ascii_case(text(index)));
        if let (Some(first), Some(slot)) = (first, earliest.get_mut(index)) {
            *slot = first;
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn only_entries_wholly_covered_are_reported() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:getobject", "s3:*Object", "S3:GET*", "s3:Get?bject*"], "Resource": "*"}]}"#;
        let found = findings(text, None, "L405");
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`s3:getobject` is already covered by `s3:Get*`",
                "`S3:GET*` is listed twice",
                "`s3:Get?bject*` is already covered by `s3:Get*`",
            ]
        );
    }

    #[test]
    fn long_lists_find_repeats_ignoring_case_and_covers_by_service() {
        // Over the pairwise limit, so repeats are found through hashes.
        let mut actions: Vec<String> = (0..18).map(|i| format!("\"svc{i}:Do\"")).collect();
        actions.push("\"SVC3:do\"".to_string());
        actions.push("\"Svc5:D*\"".to_string());
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "*"}}]}}"#,
            actions.join(", ")
        );
        let found = findings(&text, None, "L405");
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`svc5:Do` is already covered by `Svc5:D*`",
                "`SVC3:do` is listed twice",
            ]
        );
    }
}
