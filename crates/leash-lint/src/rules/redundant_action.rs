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

use super::util::{action_pattern_covers, action_patterns, has_wildcard, list_item_removal};
use crate::{Applicability, Diagnostic, Fix, PolicyInput, Rule, Severity};
use leash_policy::matching::ActionPattern;
use std::collections::HashMap;

pub static RULE: Rule = Rule {
    code: "L405",
    name: "redundant-action",
    severity: Severity::Info,
    summary: "an action is already covered by another entry of the same list",
    access_analyzer: Some("Suggestion – Redundant action"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let patterns = action_patterns(statement);
        if patterns.len() < 2 {
            continue;
        }
        // Lists run to thousands of entries (ReadOnlyAccess): find exact
        // repeats with a map, and test only wildcard entries as covers,
        // compiled once and grouped by their literal service prefix.
        let lowered: Vec<String> = patterns
            .iter()
            .map(|p| p.node.to_ascii_lowercase())
            .collect();
        let mut first_index: HashMap<&str, usize> = HashMap::with_capacity(patterns.len());
        let mut covers_by_service: HashMap<String, Vec<(usize, ActionPattern)>> = HashMap::new();
        let mut covers_any_service: Vec<(usize, ActionPattern)> = Vec::new();
        for (index, lower) in lowered.iter().enumerate() {
            if !has_wildcard(lower) {
                continue;
            }
            let compiled = ActionPattern::new(lower);
            match lower.split_once(':') {
                Some((service, _)) if !has_wildcard(service) => covers_by_service
                    .entry(service.to_string())
                    .or_default()
                    .push((index, compiled)),
                _ => covers_any_service.push((index, compiled)),
            }
        }
        for (index, inner) in patterns.iter().enumerate() {
            let lower = lowered.get(index).map(String::as_str).unwrap_or_default();
            let earlier = *first_index.entry(lower).or_insert(index);
            let covering = if earlier != index {
                Some(earlier)
            } else {
                let service = lower.split_once(':').map(|(s, _)| s).unwrap_or("");
                let same_service = if has_wildcard(service) {
                    None
                } else {
                    covers_by_service.get(service)
                };
                same_service
                    .into_iter()
                    .flatten()
                    .chain(covers_any_service.iter())
                    .find(|(other, outer)| {
                        let other_text =
                            lowered.get(*other).map(String::as_str).unwrap_or_default();
                        *other != index
                            && other_text != lower
                            && !(has_wildcard(lower) && other_text.contains('?'))
                            && outer.is_match(lower)
                            // Entries that cover each other: report the later.
                            && !(*other > index && action_pattern_covers(lower, other_text))
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
}
