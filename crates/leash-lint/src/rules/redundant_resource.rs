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

pub static RULE: Rule = Rule {
    code: "L406",
    name: "redundant-resource",
    severity: Severity::Info,
    summary: "a resource is already covered by another entry of the same list",
    access_analyzer: Some("Suggestion – Redundant resource"),
    check: Some(check),
};

/// Whether `outer` matches every resource `inner` matches. Sound, not
/// complete: a wildcard `inner` is covered only by `*`, its own text, or
/// an `outer` with the same first five fields whose resource part is a
/// literal prefix of `inner`'s followed by `*`. `compiled` is `outer`
/// compiled, when it has wildcards.
fn covers_with(outer: &str, compiled: Option<&ArnPattern>, inner: &str) -> bool {
    if outer == "*" || outer == inner {
        return true;
    }
    if !has_wildcard(outer) {
        return false; // a literal ARN matches only itself
    }
    if !has_wildcard(inner) {
        return compiled.is_some_and(|pattern| pattern.is_match(inner));
    }
    let (Some(outer_fields), Some(inner_fields)) = (split_arn(outer), split_arn(inner)) else {
        return false;
    };
    let Some(prefix) = outer_fields[5].strip_suffix('*') else {
        return false;
    };
    outer_fields[..5] == inner_fields[..5]
        && !has_wildcard(prefix)
        && inner_fields[5].starts_with(prefix)
}

#[cfg(test)]
fn covers(outer: &str, inner: &str) -> bool {
    covers_with(outer, Some(&ArnPattern::new(outer)), inner)
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let patterns = resource_patterns(statement);
        if patterns.len() < 2 {
            continue;
        }
        // Compile each wildcard entry once: lists can be long.
        let compiled: Vec<Option<ArnPattern>> = patterns
            .iter()
            .map(|p| {
                (has_wildcard(&p.node) && !p.node.contains("${")).then(|| ArnPattern::new(&p.node))
            })
            .collect();
        for (index, inner) in patterns.iter().enumerate() {
            if inner.node.contains("${") {
                continue;
            }
            let covering = patterns.iter().enumerate().find(|(other, outer)| {
                *other != index
                    && !outer.node.contains("${")
                    && covers_with(&outer.node, compiled.get(*other).and_then(Option::as_ref), &inner.node)
                    // Entries that cover each other: report the later.
                    && !(*other > index
                        && covers_with(&inner.node, compiled.get(index).and_then(Option::as_ref), &outer.node))
            });
            let Some((_, outer)) = covering else {
                continue;
            };
            let message = if outer.node == inner.node {
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
mod tests {
    use super::*;

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
