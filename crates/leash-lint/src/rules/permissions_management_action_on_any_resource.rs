//! ## What it finds
//! An Allow, on every resource (`"Resource": "*"` or `NotResource`) and
//! without a condition, of an action whose access level in the AWS
//! catalog is *Permissions management*: `iam:PutRolePolicy`,
//! `iam:AttachRolePolicy`, `s3:PutBucketPolicy`, `kms:CreateGrant`,
//! `lambda:AddPermission`... by name or through a wildcard such as
//! `iam:Put*` or `iam:*` (`*` alone is left to `every-action-allowed`).
//!
//! ## Why it matters
//! These actions change who may do what. On every resource they let the
//! principal grant itself, or anyone, more access: attach an
//! administrator policy to its own role, open a bucket to the world.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["iam:AttachRolePolicy", "iam:PutRolePolicy"], "Resource": "*"}
//! ```
//!
//! ## Fix
//! Name the resources (one role, one bucket), or add a condition that
//! limits the grant (`iam:PolicyARN`, `iam:PermissionsBoundary`,
//! `aws:ResourceTag/<key>`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_understand-policy-summary-access-level-summaries.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>

use super::util::{applies_to_every_resource, has_wildcard, list_for_message};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_catalog::AccessLevel;
use leash_policy::Effect;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

pub static RULE: Rule = Rule {
    code: "L410",
    name: "permissions-management-action-on-any-resource",
    severity: Severity::Warning,
    summary: "an action that changes permissions is allowed on every resource without a condition",
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

fn is_permissions_management(action: &leash_catalog::Action) -> bool {
    action.access_level() == AccessLevel::PermissionsManagement
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for (index, statement) in input.policy.statements.iter().enumerate() {
        if statement.effect.node != Effect::Allow
            || statement.action.node.negated
            || statement.condition.is_some()
            || !applies_to_every_resource(statement)
        {
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
                if resolved
                    .get(position)
                    .copied()
                    .flatten()
                    .is_some_and(is_permissions_management)
                {
                    out.push(finding(
                        format!("`{}` changes permissions and is allowed", pattern.node),
                        pattern.span,
                    ));
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
