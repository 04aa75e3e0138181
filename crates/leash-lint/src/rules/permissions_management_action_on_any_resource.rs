//! ## What it finds
//! An Allow, on every resource (`"Resource": "*"` or `NotResource`) and
//! without a condition, of an action whose access level in the AWS
//! catalog is *Permissions management*: `iam:PutRolePolicy`,
//! `iam:AttachRolePolicy`, `s3:PutBucketPolicy`, `kms:CreateGrant`,
//! `lambda:AddPermission`... by name or through a wildcard such as
//! `iam:Put*` or `iam:*` (`*` alone is left to `every-action-allowed`).
//! OpenSearch Serverless's `aoss:CreateAccessPolicy`,
//! `aoss:UpdateAccessPolicy`, `aoss:CreateSecurityPolicy` and
//! `aoss:UpdateSecurityPolicy` count too, though the catalog calls them
//! *Write*: a data access policy grants access to collections and indexes,
//! a network security policy can open a collection to the internet.
//!
//! Also a wildcard action on named resources that reaches such actions on
//! them: `s3:Put*` on a bucket grants `s3:PutBucketPolicy` and
//! `s3:PutBucketAcl` on it, whatever the statement was written for
//! (a service-wide `s3:*` is left to `service-wide-action-wildcard`).
//!
//! ## Why it matters
//! These actions change who may do what. On every resource they let the
//! principal grant itself, or anyone, more access: attach an
//! administrator policy to its own role, open a bucket to the world.
//! Through a wildcard meant for data (`s3:Put*` to upload objects) they
//! let the principal rewrite the named bucket's policy or ACL.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "*"}
//! ```
//! ```json
//! {"Effect": "Allow", "Action": "s3:Put*", "Resource": "arn:aws:s3:::receipts"}
//! ```
//!
//! ## Fix
//! Name the resources (one role, one bucket), or add a condition that
//! limits the grant (`iam:PolicyARN`, `iam:PermissionsBoundary`,
//! `aws:ResourceTag/<key>`, `aoss:collection`). Instead of a wildcard,
//! list the actions the principal uses.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>,
//! <https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-data-access.html>
//! and <https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-network.html>

use super::util::{applies_to_every_resource, has_wildcard, list_for_message};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::AccessLevel;
use leash_policy::Effect;
use leash_policy::arn::Arn;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub static RULE: Rule = Rule {
    code: "L410",
    name: "permissions-management-action-on-any-resource",
    severity: Severity::Warning,
    summary: "an action that changes permissions is allowed on every resource without a condition, or reached through a wildcard on a named resource",
    access_analyzer: None,
    check: Some(check),
};

type Names = Arc<Vec<String>>;

/// The permissions-management actions a pattern matches. Wildcard
/// patterns repeat across policies (`iam:*`, `s3:Put*`), and expanding
/// one scans a whole service, so results are kept for the process.
fn permissions_management_actions(pattern: &str) -> Names {
    static CACHE: OnceLock<Mutex<HashMap<String, Names>>> = OnceLock::new();
    static NONE: OnceLock<Names> = OnceLock::new();
    if !has_wildcard(pattern) {
        // A name is one lookup; no need to cache it.
        return match leash_catalog::catalog().action(pattern) {
            Some(action) if is_permissions_management(action) => Arc::new(vec![action.full_name()]),
            _ => Arc::clone(NONE.get_or_init(|| Arc::new(Vec::new()))),
        };
    }
    let key = pattern.to_ascii_lowercase();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = cache.lock()
        && let Some(names) = cache.get(&key)
    {
        return Arc::clone(names);
    }
    let catalog = leash_catalog::catalog();
    let names: Vec<String> = catalog
        .expand(pattern)
        .into_iter()
        .filter(|a| is_permissions_management(a))
        .map(|a| a.full_name())
        .collect();
    let names = Arc::new(names);
    if let Ok(mut cache) = cache.lock() {
        cache.insert(key, Arc::clone(&names));
    }
    names
}

/// Actions the catalog calls *Write* that change who may access what
/// (see the module docs): OpenSearch Serverless's data access and
/// security policies.
const WRITES_THAT_GRANT: &[&str] = &[
    "aoss:CreateAccessPolicy",
    "aoss:UpdateAccessPolicy",
    "aoss:CreateSecurityPolicy",
    "aoss:UpdateSecurityPolicy",
];

fn is_permissions_management(action: &leash_catalog::Action) -> bool {
    // Compared by parts: this runs for every action a pattern expands to,
    // and `full_name` allocates.
    action.access_level() == AccessLevel::PermissionsManagement
        || WRITES_THAT_GRANT.iter().any(|full| {
            full.split_once(':').is_some_and(|(service, name)| {
                service.eq_ignore_ascii_case(action.service())
                    && name.eq_ignore_ascii_case(action.name())
            })
        })
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for (index, statement) in input.policy.statements.iter().enumerate() {
        if statement.effect.node != Effect::Allow || statement.action.node.negated {
            continue;
        }
        if !applies_to_every_resource(statement) {
            through_wildcard_on_named_resources(statement, out);
            continue;
        }
        if statement.condition.is_some() {
            continue;
        }
        let resolved = input.resolved_actions(index);
        for (position, pattern) in statement.action.node.patterns.iter().enumerate() {
            if pattern.node == "*" || pattern.node == "*:*" {
                continue;
            }
            if !has_wildcard(&pattern.node) {
                // An exact name: the statement's actions are already looked
                // up, and the one it names is the whole list.
                if let Some(action) = resolved
                    .get(position)
                    .copied()
                    .flatten()
                    .filter(|a| is_permissions_management(a))
                {
                    let mut diagnostic = finding(
                        format!("`{}` changes permissions and is allowed", pattern.node),
                        pattern.span,
                    );
                    // An action that acts only on `*` cannot be given a
                    // resource: its own condition keys are the limit.
                    if action.resource_types().is_empty() && !action.condition_keys().is_empty() {
                        let keys: Vec<&str> = action.condition_keys().to_vec();
                        diagnostic = diagnostic.with_help(format!(
                            "`{}` has no resource-level permissions: limit the grant with a condition on {}",
                            action.full_name(),
                            list_for_message(&keys, 3)
                        ));
                    }
                    out.push(diagnostic);
                }
                continue;
            }
            let names = permissions_management_actions(&pattern.node);
            if names.is_empty() {
                continue;
            }
            let borrowed: Vec<&str> = names.iter().map(String::as_str).collect();
            let what = if names.len() == 1 && names[0].eq_ignore_ascii_case(&pattern.node) {
                format!("`{}` changes permissions and is allowed", pattern.node)
            } else {
                format!(
                    "`{}` grants {} permissions-management action{} ({})",
                    pattern.node,
                    names.len(),
                    if names.len() == 1 { "" } else { "s" },
                    list_for_message(&borrowed, 3)
                )
            };
            out.push(finding(what, pattern.span));
        }
    }
}

fn finding(what: String, span: leash_policy::Span) -> Diagnostic {
    Diagnostic::new(&RULE, format!("{what} on every resource, with no condition"), span)
        .with_label("changes who may do what")
        .with_help("name the resources, or limit the grant with a condition such as `iam:PermissionsBoundary` or `aws:ResourceTag/<key>`")
}

/// The case of a wildcard action (not a service-wide `service:*`) on named
/// resources: the permissions-management actions it matches that act on
/// one of those resources (one of the action's resource types is a type
/// the ARN denotes, as `action-on-inapplicable-resource` decides it).
fn through_wildcard_on_named_resources(
    statement: &leash_policy::Statement,
    out: &mut Vec<Diagnostic>,
) {
    let Some(resource) = &statement.resource else {
        return;
    };
    if resource.node.negated {
        return;
    }
    let catalog = leash_catalog::catalog();
    for pattern in &statement.action.node.patterns {
        let text = pattern.node.as_str();
        if !has_wildcard(text) || text == "*" || text.ends_with(":*") {
            continue;
        }
        let names = permissions_management_actions(text);
        if names.is_empty() {
            continue;
        }
        let mut reached: Vec<&str> = Vec::new();
        let mut on: Vec<&str> = Vec::new();
        for arn in &resource.node.patterns {
            let arn = arn.node.as_str();
            let Some([_, Some(service), ..]) = Arn::parse_partial(arn) else {
                continue;
            };
            let service = service.as_str();
            let Some(owner) = catalog.service(service) else {
                continue;
            };
            let Some(types) = super::action_on_inapplicable_resource::types_denoted(owner, arn)
            else {
                continue;
            };
            let mut any = false;
            for name in names.iter() {
                let Some(action) = catalog.action(name) else {
                    continue;
                };
                if action.service() != service {
                    continue;
                }
                let applies = action.resource_types().iter().any(|r| {
                    types
                        .iter()
                        .any(|t| t.name().eq_ignore_ascii_case(r.resource_type()))
                });
                if applies {
                    any = true;
                    if !reached.contains(&name.as_str()) {
                        reached.push(name.as_str());
                    }
                }
            }
            if any && !on.contains(&arn) {
                on.push(arn);
            }
        }
        if reached.is_empty() {
            continue;
        }
        let on: Vec<String> = on.iter().map(|a| format!("`{a}`")).collect();
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "`{text}` on {} also grants {}, which change{} who may access {}",
                    on.join(", "),
                    list_for_message(&reached, 4),
                    if reached.len() == 1 { "s" } else { "" },
                    if on.len() == 1 { "it" } else { "them" }
                ),
                pattern.span,
            )
            .with_label("reaches permissions-management actions")
            .with_help(format!(
                "list the actions the principal uses instead of `{text}`; grant {} only if it is meant to change permissions",
                list_for_message(&reached, 2)
            )),
        );
    }
}
