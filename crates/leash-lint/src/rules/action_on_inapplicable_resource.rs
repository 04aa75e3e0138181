//! ## What it finds
//! An action paired, in one statement, with a resource of its own service
//! that it cannot act on: `s3:ListBucket` with an object ARN
//! (`arn:aws:s3:::bucket/*`), `s3:GetObject` with a bucket ARN, or an
//! action that supports only `"Resource": "*"` with a specific ARN. Only
//! actions written out in full are checked (a pattern such as `s3:*` is
//! meant to cover many resource types).
//!
//! ## Why it matters
//! The pair never matches a request, so the statement does not grant what
//! it seems to. It usually means the author granted every action on every
//! ARN ("both on both") instead of bucket actions on the bucket and object
//! actions on the objects, which hides what each permission is for.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListBucket"],
//!  "Resource": ["arn:aws:s3:::receipts", "arn:aws:s3:::receipts/*"]}
//! ```
//!
//! ## Fix
//! Split the statement: bucket actions on the bucket ARN, object actions on
//! `bucket/prefix/*`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>
//! (the resource types column), and
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security_iam_service-with-iam.html>

use super::util::StatementResourceTypes;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::{ArnPattern, catalog};

pub static RULE: Rule = Rule {
    code: "L105",
    name: "action-on-inapplicable-resource",
    severity: Severity::Warning,
    summary: "an action is paired with a resource of its service that it cannot act on",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = catalog();
    for (index, statement) in input.policy.statements.iter().enumerate() {
        let Some(resource) = &statement.resource else {
            continue;
        };
        if statement.action.node.negated || resource.node.negated {
            continue;
        }
        let actions: Vec<&'static leash_catalog::Action> = input
            .resolved_actions(index)
            .iter()
            .flatten()
            .copied()
            .collect();
        if actions.is_empty() {
            continue;
        }
        // Built on the first ARN that needs it: most statements name `*`.
        let mut statement_types: Option<StatementResourceTypes> = None;
        for pattern in &resource.node.patterns {
            let arn = pattern.node.as_str();
            if arn == "*" || !arn.starts_with("arn:") {
                continue;
            }
            let Some(service) = arn.split(':').nth(2) else {
                continue;
            };
            // Compared exactly: an ARN whose service is not lowercase is
            // `arn-service-not-lowercase`'s finding, not a mismatch.
            if !actions.iter().any(|a| a.service() == service) {
                continue;
            }
            let arn_for_matching = with_empty_segments_open(&without_variables(arn));
            let Some(parsed) = ArnPattern::parse(&arn_for_matching) else {
                continue; // not an ARN: cannot tell, say nothing
            };
            // Each of the statement's resource types, decided once for this
            // ARN (only its own service's types can describe it).
            let statement_types =
                statement_types.get_or_insert_with(|| StatementResourceTypes::new(&actions));
            // Each of the statement's resource types is decided at most once
            // for this ARN, and only if an action needs it (only the ARN's
            // own service's types can describe it).
            let mut fits: Vec<Option<bool>> = vec![None; statement_types.types.len()];
            let mut fit = |i: usize| -> bool {
                let Some(slot) = fits.get_mut(i) else {
                    return false;
                };
                *slot.get_or_insert_with(|| {
                    statement_types.types.get(i).is_some_and(|t| {
                        t.service() == service
                            && t.arn_templates()
                                .iter()
                                .any(|template| template.matches_pattern(&parsed))
                    })
                })
            };
            let mut inapplicable: Vec<&leash_catalog::Action> = Vec::new();
            for (action, types) in actions.iter().zip(&statement_types.action_types) {
                if action.service() == service && !types.iter().any(|&i| fit(i)) {
                    inapplicable.push(action);
                }
            }
            if inapplicable.is_empty() {
                continue;
            }
            // Only the ARN's own service can describe it (a `${Vendor}`-style
            // template elsewhere would not make the pair apply either).
            let types: Vec<&leash_catalog::ResourceType> = match catalog.service(service) {
                Some(owner) => owner
                    .resource_types()
                    .iter()
                    .filter(|t| {
                        t.arn_templates()
                            .iter()
                            .any(|template| template.matches_pattern(&parsed))
                    })
                    .collect(),
                None => Vec::new(),
            };
            if types.is_empty() {
                continue; // an ARN no resource type describes: another rule's business
            }
            let names: Vec<String> = inapplicable
                .iter()
                .map(|a| format!("`{}`", a.full_name()))
                .collect();
            let type_names: Vec<&str> = types.iter().map(|t| t.name()).collect();
            let takes: Vec<String> = inapplicable
                .iter()
                .map(|a| {
                    let accepted: Vec<&str> = a
                        .resource_types()
                        .iter()
                        .map(|r| r.resource_type())
                        .collect();
                    if accepted.is_empty() {
                        format!("`{}` supports only `\"Resource\": \"*\"`", a.full_name())
                    } else {
                        format!("`{}` acts on {}", a.full_name(), accepted.join(", "))
                    }
                })
                .collect();
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "{} cannot act on `{arn}` (resource type {}): the pair grants nothing",
                        names.join(", "),
                        type_names.join(", ")
                    ),
                    pattern.span,
                )
                .with_label("not a resource of these actions")
                .with_help(format!(
                    "split the statement so each action names only resources it acts on: {}",
                    takes.join("; ")
                )),
            );
        }
    }
}

/// Some ARNs leave the region or account empty where the catalog's
/// template has a placeholder (AWS-owned SSM documents, public AMIs: "Some
/// resource ARNs don't require an account number, so this component might
/// be omitted", <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>).
/// The catalog's templates require text there, so to avoid reporting such
/// ARNs as inapplicable, an empty region or account is matched as `*`.
fn with_empty_segments_open(arn: &str) -> String {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() < 6 {
        return arn.to_string();
    }
    let open = |s: &str| {
        if s.is_empty() {
            "*".to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}:{}:{}:{}:{}:{}",
        parts[0],
        parts[1],
        parts[2],
        open(parts[3]),
        open(parts[4]),
        parts[5]
    )
}

/// Policy variables stand for text unknown until a request: for the
/// question "which resource types can this ARN denote", treat them as `*`.
fn without_variables(arn: &str) -> String {
    let mut out = String::with_capacity(arn.len());
    let mut rest = arn;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push('*');
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::without_variables;

    #[test]
    fn empty_region_and_account_match_anything() {
        assert_eq!(
            super::with_empty_segments_open("arn:aws:ssm:*::document/AWS-*"),
            "arn:aws:ssm:*:*:document/AWS-*"
        );
        assert_eq!(
            super::with_empty_segments_open("arn:aws:s3:::b/*"),
            "arn:aws:s3:*:*:b/*"
        );
    }

    #[test]
    fn variables_become_wildcards() {
        assert_eq!(
            without_variables("arn:aws:s3:::b/home/${aws:username}/*"),
            "arn:aws:s3:::b/home/*/*"
        );
        assert_eq!(
            without_variables("arn:aws:s3:::b/${x"),
            "arn:aws:s3:::b/${x"
        );
    }
}
