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
use leash_policy::arn::Arn;

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
            let reach = Reach::of(arn);
            // The message lists the actions: written as they are found,
            // rather than collected one string each.
            let mut scoped = String::new();
            let mut count = 0;
            for action in &actions {
                if !reach.covers_every_resource_of(action) {
                    continue;
                }
                if count > 0 {
                    scoped.push_str(", ");
                }
                scoped.push('`');
                scoped.push_str(action.service());
                scoped.push(':');
                scoped.push_str(action.name());
                scoped.push('`');
                count += 1;
            }
            if count == 0 {
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
                        "{scoped} {} allowed on {what}, though {} resource-level permissions",
                        if count == 1 { "is" } else { "are" },
                        if count == 1 { "it supports" } else { "they support" },
                    ),
                    pattern.span,
                )
                .with_label("grants every resource of the type")
                .with_help("name the resources the workload uses, e.g. one table, one function, one log group"),
            );
        }
    }
}

/// What a `Resource` pattern that ends in `*` can reach, read once for all
/// the statement's actions.
enum Reach<'a> {
    /// `*`, or an ARN whose resource part is `*`, of this service (or any
    /// service, for `*`).
    Everything { service: Option<&'a str> },
    /// An ARN whose resource part is a literal prefix followed by `*`
    /// (`function:*`, `table/*`): every resource of the types named in
    /// `families`, those of `service` with an ARN template whose resource
    /// part starts with that prefix and continues with a placeholder.
    Families {
        service: &'a str,
        families: Vec<&'static str>,
    },
    /// Narrower than every resource of some type, or not an ARN.
    Nothing,
}

impl<'a> Reach<'a> {
    fn of(arn: &'a str) -> Self {
        if arn == "*" {
            return Reach::Everything { service: None };
        }
        let Ok(parsed) = Arn::parse(arn) else {
            return Reach::Nothing;
        };
        let (service, resource) = (parsed.service().as_str(), parsed.resource().as_str());
        if resource == "*" {
            return Reach::Everything {
                service: Some(service),
            };
        }
        let Some(prefix) = resource.strip_suffix('*').filter(|p| !has_wildcard(p)) else {
            return Reach::Nothing;
        };
        let Some(owner) = catalog().service(service) else {
            return Reach::Nothing;
        };
        let families = owner
            .resource_types()
            .iter()
            .filter(|t| {
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
            })
            .map(|t| t.name())
            .collect();
        Reach::Families { service, families }
    }

    /// Whether the pattern covers every resource the action can act on in
    /// some account and region: `*`, or an ARN whose partition, service,
    /// region and account are fixed or wildcards and whose resource part
    /// is `*` or the literal prefix of one of the action's resource-type
    /// templates followed by `*` (`function:*`, `table/*`, `log-group:*`).
    /// A service's resource type names are unique ignoring case, as its
    /// lookup by name reads them.
    fn covers_every_resource_of(&self, action: &leash_catalog::Action) -> bool {
        match self {
            Reach::Nothing => false,
            Reach::Everything { service: None } => true,
            Reach::Everything {
                service: Some(service),
            } => service.eq_ignore_ascii_case(action.service()),
            Reach::Families { service, families } => {
                service.eq_ignore_ascii_case(action.service())
                    && action.resource_types().iter().any(|r| {
                        families
                            .iter()
                            .any(|name| name.eq_ignore_ascii_case(r.resource_type()))
                    })
            }
        }
    }
}
