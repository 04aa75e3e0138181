//! ## What it finds
//! A role whose trust policy allows a principal of another account (an
//! account id, `arn:aws:iam::ACCOUNT:root`, a role or user of that
//! account) that is not among the accounts the user trusts
//! (`leash audit --trusted-accounts 111122223333,444455556666`). The
//! dump's own account is always trusted; without the option every other
//! account is reported. Service and federated principals are other rules'
//! business.
//!
//! ## Why it matters
//! Whoever controls that account decides who there may assume the role:
//! a vendor's or a former team's account keeps access until the trust
//! policy says otherwise.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}
//! ```
//!
//! ## Fix
//! Remove the account, or add it to `--trusted-accounts` when it is
//! meant; for a third party require `sts:ExternalId`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_aws-accounts.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts>

use crate::audit::TrustView;
use crate::{Diagnostic, Rule, Severity};
use leash_policy::arn::Arn;
use leash_policy::{Effect, Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L604",
    name: "role-trusting-unlisted-account",
    severity: Severity::Warning,
    summary: "a role trusts another account that is not among the trusted accounts",
    access_analyzer: None,
    check: None,
};

/// The account an AWS principal value names: a bare account id or the
/// account field of an ARN.
pub(crate) fn account_of(value: &str) -> Option<&str> {
    if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
        return Some(value);
    }
    let arn = Arn::parse(value).ok()?;
    let account = arn.account().as_str();
    (!account.is_empty()).then_some(account)
}

pub(crate) fn check(view: &TrustView<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &view.policy.statements {
        if statement.effect.node != Effect::Allow {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Principal::Map(entries) = &principal.node.principal else {
            continue;
        };
        if principal.node.negated {
            continue;
        }
        for value in entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Aws)
            .flat_map(|e| e.values.iter())
        {
            let Some(account) = account_of(&value.node) else {
                continue;
            };
            if account == view.account || view.trusted_accounts.iter().any(|t| t == account) {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "role `{}` trusts account `{account}`, which is not among the trusted accounts",
                        view.role.detail.name.node
                    ),
                    value.span,
                )
                .with_label("another account")
                .with_help(format!(
                    "remove it, or pass `--trusted-accounts {account}` when it is meant"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::audit::{AuditOptions, audit_dump_text};

    fn trusting(principal: &str, trusted: &[&str]) -> Vec<String> {
        let dump = format!(
            r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
              "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {{"AWS": {principal}}}, "Action": "sts:AssumeRole"}}]}}}}]}}"#
        );
        let options = AuditOptions {
            trusted_accounts: trusted.iter().map(|t| t.to_string()).collect(),
            ..AuditOptions::default()
        };
        audit_dump_text(&dump, &options)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "L604")
            .map(|d| d.message)
            .collect()
    }

    // An AWS principal is an account id, the account's root ARN, or a
    // role or user ARN of that account
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-accounts).
    #[test]
    fn every_way_of_naming_another_account() {
        for principal in [
            r#""444455556666""#,
            r#""arn:aws:iam::444455556666:root""#,
            r#""arn:aws:iam::444455556666:role/deployer""#,
            r#"["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:user/ci"]"#,
        ] {
            let found = trusting(principal, &[]);
            assert_eq!(found.len(), 1, "{principal}: {found:?}");
            assert!(found[0].contains("`444455556666`"));
            assert!(
                trusting(principal, &["444455556666"]).is_empty(),
                "{principal}"
            );
        }
        // Its own account, in any form, is trusted.
        assert!(trusting(r#""arn:aws:iam::111122223333:role/admin""#, &[]).is_empty());
        assert!(trusting(r#""111122223333""#, &[]).is_empty());
    }
}
