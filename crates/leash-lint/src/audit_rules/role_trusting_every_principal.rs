//! ## What it finds
//! A role whose trust policy allows `"Principal": "*"` or `{"AWS": "*"}`
//! without a condition that names who may assume it: none of
//! `aws:PrincipalOrgID`, `aws:PrincipalOrgPaths`, `aws:PrincipalAccount`,
//! `aws:PrincipalArn`, `aws:userid`, `aws:SourceAccount`, `aws:SourceArn`,
//! `aws:SourceOrgID`, `aws:SourceOrgPaths`. A shared secret such as
//! `sts:ExternalId` does not name anyone. In an audit this replaces
//! `public-principal-without-condition` on trust policies.
//!
//! ## Why it matters
//! Any principal of any AWS account can assume the role and act with its
//! permissions in your account.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}
//! ```
//!
//! ## Fix
//! Name the accounts or roles that assume it, or add
//! `"StringEquals": {"aws:PrincipalOrgID": "o-..."}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid>

use crate::audit::TrustView;
use crate::rules::util::has_condition_key;
use crate::{Diagnostic, Rule, Severity};
use leash_policy::{Effect, Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L603",
    name: "role-trusting-every-principal",
    severity: Severity::Error,
    summary: "a role's trust policy lets any AWS principal assume it",
    access_analyzer: None,
    check: None,
};

/// Condition keys that name the caller or its organization.
const NAMING_KEYS: &[&str] = &[
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:userid",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

pub(crate) fn check(view: &TrustView<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &view.policy.statements {
        if statement.effect.node != Effect::Allow
            || NAMING_KEYS.iter().any(|k| has_condition_key(statement, k))
        {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        if principal.node.negated {
            continue;
        }
        let span = match &principal.node.principal {
            Principal::Wildcard => Some(principal.span),
            Principal::Map(entries) => entries
                .iter()
                .filter(|e| e.kind.node == PrincipalKind::Aws)
                .flat_map(|e| e.values.iter())
                .find(|v| v.node == "*")
                .map(|v| v.span),
        };
        let Some(span) = span else { continue };
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "any AWS principal can assume role `{}`: its trust policy names no one",
                    view.role.detail.name.node
                ),
                span,
            )
            .with_label("everyone")
            .with_help("name the accounts or roles that assume it, or add `\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-...\"}`"),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::audit::{AuditOptions, audit_dump_text};

    fn codes(principal: &str, condition: &str) -> Vec<&'static str> {
        let dump = format!(
            r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
              "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {principal}, "Action": "sts:AssumeRole"{condition}}}]}}}}]}}"#
        );
        audit_dump_text(&dump, &AuditOptions::default())
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect()
    }

    // `"Principal": "*"` and `{"AWS": "*"}` are every principal
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous);
    // aws:PrincipalOrgID limits them to one organization.
    #[test]
    fn everyone_unless_a_condition_names_who() {
        assert_eq!(codes(r#""*""#, ""), ["L603"]);
        assert_eq!(codes(r#"{"AWS": "*"}"#, ""), ["L603"]);
        // A shared secret names no one.
        assert_eq!(
            codes(
                r#"{"AWS": "*"}"#,
                r#", "Condition": {"StringEquals": {"sts:ExternalId": "x"}}"#
            ),
            ["L603"]
        );
        assert!(
            codes(
                r#"{"AWS": "*"}"#,
                r#", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}"#
            )
            .is_empty()
        );
    }
}
