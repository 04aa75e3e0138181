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
