//! ## What it finds
//! A resource in a statement's `Resource` (or `NotResource`) list that
//! another entry of the same list already covers:
//! `arn:aws:s3:::my-bucket/reports/*` next to `arn:aws:s3:::my-bucket/*`,
//! anything next to `*`, or the same ARN twice. Entries with policy
//! variables are not compared.
//!
//! ## Why it matters
//! The entry adds nothing; it makes the policy longer and suggests a
//! narrower grant than the policy gives.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject",
//!  "Resource": ["arn:aws:s3:::my-bucket/*", "arn:aws:s3:::my-bucket/reports/2025.csv"]}
//! ```
//!
//! ## Fix
//! Remove the covered entry (offered as a safe fix).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::{has_wildcard, list_item_removal, resource_patterns};
use crate::{Applicability, Diagnostic, Fix, PolicyInput, Rule, Severity};
use leash_policy::matching::{ArnPattern, split_arn};
use std::cell::OnceCell;

pub static RULE: Rule = Rule {
    code: "L406",
    name: "redundant-resource",
    severity: Severity::Info,
    summary: "a resource is already covered by another entry of the same list",
    access_analyzer: Some("Suggestion – Redundant resource"),
    check: Some(check),
};

/// One `Resource` entry, read once for all the pairs it is part of.
struct Entry<'a> {
    text: &'a str,
    /// Holds a policy variable: its reach is unknown until a request.
    variable: bool,
    wildcard: bool,
    fields: Option<[&'a str; 6]>,
    /// Compiled on the first literal entry it is tested against.
    compiled: OnceCell<ArnPattern>,
}

impl<'a> Entry<'a> {
    fn new(text: &'a str) -> Self {
        Entry {
            text,
            variable: text.contains("${"),
            wildcard: has_wildcard(text),
            fields: split_arn(text),
            compiled: OnceCell::new(),
        }
    }
}

/// Whether `outer` matches every resource `inner` matches. Sound, not
/// complete: a wildcard `inner` is covered only by `*`, its own text, or
/// an `outer` with the same first five fields whose resource part is a
/// literal prefix of `inner`'s followed by `*`.
fn covers(outer: &Entry<'_>, inner: &Entry<'_>) -> bool {
    if outer.text == "*" || outer.text == inner.text {
        return true;
    }
    if !outer.wildcard {
        return false; // a literal ARN matches only itself
    }
    if !inner.wildcard {
        return outer
            .compiled
            .get_or_init(|| ArnPattern::new(outer.text))
            .is_match(inner.text);
    }
    let (Some(outer_fields), Some(inner_fields)) = (outer.fields, inner.fields) else {
        return false;
    };
    let Some(prefix) = outer_fields[5].strip_suffix('*') else {
        return false;
    };
    outer_fields[..5] == inner_fields[..5]
        && !has_wildcard(prefix)
        && inner_fields[5].starts_with(prefix)
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let patterns = resource_patterns(statement);
        if patterns.len() < 2 {
            continue;
        }
        let entries: Vec<Entry<'_>> = patterns.iter().map(|p| Entry::new(&p.node)).collect();
        for (index, (inner, pattern)) in entries.iter().zip(patterns).enumerate() {
            if inner.variable {
                continue;
            }
            let covering = entries.iter().enumerate().find(|(other, outer)| {
                *other != index
                    && !outer.variable
                    && covers(outer, inner)
                    // Entries that cover each other: report the later.
                    && !(*other > index && covers(inner, outer))
            });
            let Some((_, outer)) = covering else {
                continue;
            };
            let message = if outer.text == inner.text {
                format!("`{}` is listed twice", inner.text)
            } else {
                format!("`{}` is already covered by `{}`", inner.text, outer.text)
            };
            out.push(
                Diagnostic::new(&RULE, message, pattern.span)
                    .with_label("redundant")
                    .with_help(format!("remove `{}`", inner.text))
                    .with_fix(Fix {
                        message: format!("remove `{}`", inner.text),
                        applicability: Applicability::Safe,
                        edits: vec![list_item_removal(patterns, index)],
                    }),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn covers(outer: &str, inner: &str) -> bool {
        super::covers(&Entry::new(outer), &Entry::new(inner))
    }

    #[test]
    fn coverage_follows_arn_matching() {
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/reports/x.csv"));
        assert!(covers("arn:aws:s3:::b/*", "arn:aws:s3:::b/reports/*"));
        assert!(covers("*", "arn:aws:s3:::b"));
        assert!(!covers("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
        assert!(!covers("arn:aws:s3:::b/r*", "arn:aws:s3:::b/*"));
        assert!(!covers("arn:aws:s3:::b/?", "arn:aws:s3:::b/*"));
    }
}
