//! ## What it finds
//! An Allow of `sts:AssumeRoleWithWebIdentity` to an OIDC identity
//! provider (an IAM `oidc-provider/...`, `cognito-identity.amazonaws.com`,
//! `accounts.google.com`...) without a condition on the provider's
//! audience key: `<provider>:aud` (also `:oaud`, `:azp`, or `:app_id` for
//! Amazon and Facebook logins). SAML providers are not checked.
//!
//! ## Why it matters
//! The audience names the application a token was issued to. Without it,
//! a token the provider issued for any other application (for Cognito:
//! any identity pool, anyone's) can assume the role.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
//!  "Principal": {"Federated": "cognito-identity.amazonaws.com"}}
//! ```
//!
//! ## Fix
//! Add `"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:<identity-pool-id>"}`
//! (for GitHub: `token.actions.githubusercontent.com:aud` = `sts.amazonaws.com`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>

use super::util::{condition_entries, pattern_granting};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L307",
    name: "oidc-trust-without-audience",
    severity: Severity::Warning,
    summary: "a role trusts an OIDC provider without a condition on the token's audience",
    access_analyzer: Some("Security Warning – Missing condition key for oidc principal"),
    check: Some(check),
};

const AUDIENCE_KEYS: &[&str] = &["aud", "oaud", "azp", "app_id"];

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Principal::Map(entries) = &principal.node.principal else {
            continue;
        };
        if principal.node.negated
            || pattern_granting(statement, "sts:AssumeRoleWithWebIdentity").is_none()
        {
            continue;
        }
        for value in entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Federated)
            .flat_map(|e| e.values.iter())
        {
            if value.node.contains(":saml-provider/") {
                continue;
            }
            let provider = match value.node.split_once(":oidc-provider/") {
                Some((_, provider)) => provider,
                None => value.node.as_str(),
            };
            let has_audience = condition_entries(statement).any(|(_, entry)| {
                entry
                    .key
                    .node
                    .rsplit_once(':')
                    .is_some_and(|(host, claim)| {
                        host.eq_ignore_ascii_case(provider)
                            && AUDIENCE_KEYS.iter().any(|k| claim.eq_ignore_ascii_case(k))
                    })
            });
            if has_audience {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("tokens `{provider}` issued to any application can assume this role: there is no condition on `{provider}:aud`"),
                    value.span,
                )
                .with_label("no audience condition")
                .with_help(format!("add `\"StringEquals\": {{\"{provider}:aud\": \"<client or pool ID>\"}}`")),
            );
        }
    }
}
