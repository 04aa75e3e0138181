//! ## What it finds
//! An Allow of an action that supports resource-level permissions on
//! `"Resource": "*"`, or on an ARN that names every resource of the
//! account and region (`arn:aws:logs:us-west-2:111122223333:*`,
//! `arn:aws:lambda:us-west-2:111122223333:function:*`,
//! `arn:aws:dynamodb:us-west-2:111122223333:table/*`).
//!
//! ## Why it matters
//! The catalog says the action can be limited to named resources, so the
//! wildcard grants more than any one function needs: every log group of
//! the account, every function, every table. A compromised function can
//! then read or write what belongs to the others.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "lambda:InvokeFunction",
//!  "Resource": "arn:aws:lambda:us-west-2:111122223333:function:*"}
//! ```
//!
//! ## Fix
//! Name the resources: `function:orders-get`,
//! `log-group:/aws/lambda/orders-get:*`, `table/Orders`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>
//! and the resource types column of the Service Authorization Reference,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use super::util::has_wildcard;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::{TemplatePart, catalog};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L106",
    name: "resource-wildcard-on-scopable-action",
    severity: Severity::Warning,
    summary: "an action that supports resource-level permissions is allowed on every resource",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for (index, statement) in input.policy.statements.iter().enumerate() {
        if statement.effect.node != Effect::Allow || statement.action.node.negated {
            continue;
        }
        let Some(resource) = &statement.resource else {
            continue;
        };
        if resource.node.negated {
            continue;
        }
        let actions: Vec<&leash_catalog::Action> = input
            .resolved_actions(index)
            .iter()
            .flatten()
            .copied()
            .filter(|a| !a.resource_types().is_empty())
            .collect();
        if actions.is_empty() {
            continue;
        }
        for pattern in &resource.node.patterns {
            let arn = pattern.node.as_str();
            if arn != "*" && !arn.ends_with('*') {
                continue; // names something narrower than "every resource"
            }
            // Actions of a statement share few resource types: decide each
            // (service, resource type) once for this ARN.
            let mut verdicts: Vec<(&str, &str, bool)> = Vec::new();
            let scoped: Vec<String> = actions
                .iter()
                .filter(|a| covers_every_resource_of(arn, a, &mut verdicts))
                .map(|a| format!("`{}`", a.full_name()))
                .collect();
            if scoped.is_empty() {
                continue;
            }
            let what = if arn == "*" {
                "every resource".to_string()
            } else {
                format!("every resource matching `{arn}`")
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "{} {} allowed on {what}, though {} resource-level permissions",
                        scoped.join(", "),
                        if scoped.len() == 1 { "is" } else { "are" },
                        if scoped.len() == 1 { "it supports" } else { "they support" },
                    ),
                    pattern.span,
                )
                .with_label("grants every resource of the type")
                .with_help("name the resources the workload uses, e.g. one table, one function, one log group"),
            );
        }
    }
}

/// Whether `arn` (a Resource pattern) covers every resource the action can
/// act on in some account and region: `*`, or an ARN whose partition,
/// service, region and account are fixed or wildcards and whose resource
/// part is `*` or the literal prefix of one of the action's resource-type
/// templates followed by `*` (`function:*`, `table/*`, `log-group:*`).
fn covers_every_resource_of(
    arn: &str,
    action: &leash_catalog::Action,
    verdicts: &mut Vec<(&'static str, &'static str, bool)>,
) -> bool {
    if arn == "*" {
        return true;
    }
    let mut parts = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(service), Some(_), Some(_), Some(resource)) = (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) else {
        return false;
    };
    if !service.eq_ignore_ascii_case(action.service()) {
        return false;
    }
    if resource == "*" {
        return true;
    }
    let Some(prefix) = resource.strip_suffix('*') else {
        return false;
    };
    if has_wildcard(prefix) {
        return false;
    }
    let Some(service) = catalog().service(action.service()) else {
        return false;
    };
    action.resource_types().iter().any(|r| {
        let name = r.resource_type();
        if let Some(&(_, _, known)) = verdicts
            .iter()
            .find(|(s, n, _)| *s == action.service() && *n == name)
        {
            return known;
        }
        let covers = service.resource_type(name).is_some_and(|t| {
            t.arn_templates().iter().any(|template| {
                match template.resource().first() {
                    Some(TemplatePart::Literal(literal)) => {
                        // `function:` for `function:${FunctionName}`; a template
                        // that is all literal names one resource, not a family.
                        template.resource().len() > 1 && *literal == prefix
                    }
                    Some(TemplatePart::Placeholder(_)) => prefix.is_empty(),
                    Some(TemplatePart::Wildcard) | None => false,
                }
            })
        });
        verdicts.push((action.service(), name, covers));
        covers
    })
}
