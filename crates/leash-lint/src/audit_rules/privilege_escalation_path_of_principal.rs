//! ## What it finds
//! A user, group or role whose effective policies together grant every
//! action of a known privilege-escalation path (pathfinding.cloud, as in
//! `privilege-escalation-path`): its inline policies, its attached
//! customer managed and AWS managed policies, and a user's groups'
//! policies, all at once. A permissions boundary and the organization's
//! SCPs take an action away unless they grant it too. One finding per
//! principal, naming every path. Paths that one policy of the dump
//! completes on its own are that policy's `privilege-escalation-path`
//! findings; a path an AWS managed policy completes alone is reported
//! here, at its attachment (leash does not report on AWS's own
//! documents). Principals `admin-equivalent-principal` reports are not
//! reported again.
//!
//! The approximation is the policy rule's: conditions are taken as
//! satisfiable, and an unconditional Deny on every resource blocks. RCPs
//! are not applied here: they limit requests for the account's own
//! resources of some services, while a path's target may be anywhere, so
//! a path an RCP closes may still be reported.
//!
//! ## Why it matters
//! A principal's permissions are the union of its policies: one grants
//! `iam:PassRole`, an AWS managed policy attached for convenience grants
//! `lambda:CreateFunction` and `lambda:InvokeFunction`, and together they
//! let the principal run code as any role it can pass.
//!
//! ## Example
//! ```json
//! {"RoleDetailList": [{"RoleName": "deployer", "Arn": "arn:aws:iam::111122223333:role/deployer",
//!   "RolePolicyList": [{"PolicyName": "pass", "PolicyDocument":
//!     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}}],
//!   "AttachedManagedPolicies": [{"PolicyName": "AWSLambda_FullAccess",
//!     "PolicyArn": "arn:aws:iam::aws:policy/AWSLambda_FullAccess"}]}]}
//! ```
//!
//! ## Fix
//! Remove or scope one action of each path in one of the policies: name
//! the roles that may be passed and add `iam:PassedToService`; detach the
//! broad managed policy.
//!
//! ## Reference
//! <https://pathfinding.cloud> (DataDog/pathfinding.cloud, Apache-2.0,
//! snapshot of 2025-12-17),
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html>

use crate::audit::{EffectivePolicy, PrincipalView};
use crate::rules::privilege_escalation_path::{Standing, completed, path_actions, table};
use crate::{Diagnostic, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L602",
    name: "privilege-escalation-path-of-principal",
    severity: Severity::Warning,
    summary: "a principal's policies together grant every action of a known privilege-escalation path",
    access_analyzer: None,
    check: None,
};

/// How many paths a message names before "and N more".
const NAMED: usize = 6;

pub(crate) fn check(view: &PrincipalView<'_>, out: &mut Vec<Diagnostic>) {
    if view.policies.is_empty() {
        return;
    }
    let count = table().requirements.len();
    // The principal's standing on each requirement, with the policy that
    // grants it: any Deny wins, else the first grant.
    let mut combined: Vec<(Standing, usize)> = Vec::with_capacity(count);
    for requirement in 0..count {
        let mut standing = (Standing::Absent, 0);
        for (index, policy) in view.policies.iter().enumerate() {
            match policy.standings.get(requirement) {
                Some(Standing::Denied) => {
                    standing = (Standing::Denied, index);
                    break;
                }
                Some(granted @ Standing::Granted { .. }) if standing.0 == Standing::Absent => {
                    standing = (*granted, index);
                }
                _ => {}
            }
        }
        if standing.0 != Standing::Denied && !limits_grant(view, requirement) {
            standing.0 = Standing::Absent;
        }
        combined.push(standing);
    }
    let standings: Vec<Standing> = combined.iter().map(|(s, _)| *s).collect();
    let mut opened: Vec<(&str, String)> = Vec::new();
    let mut first_place = None;
    for path in &table().paths {
        let Some(grants) = completed(path, &standings) else {
            continue;
        };
        // One located policy completing it alone: that policy's L313.
        if view
            .policies
            .iter()
            .any(|p| p.located && completed(path, &p.standings).is_some())
        {
            continue;
        }
        if first_place.is_none()
            && let Some((requirement, Standing::Granted { span, .. })) = grants.first()
            && let Some(policy) = combined
                .get(*requirement)
                .and_then(|(_, p)| view.policies.get(*p))
        {
            first_place = Some(policy.place(*span));
        }
        let sources = sources(view, &combined, &grants);
        opened.push((
            path.id.as_str(),
            format!(
                "`{}` ({}): {} from {}",
                path.id,
                path.category,
                path_actions(path),
                sources
            ),
        ));
    }
    let Some(place) = first_place else {
        return;
    };
    let subject = match view.kind {
        "group" => format!("the members of group `{}`", view.detail.name.node),
        kind => format!("{kind} `{}`", view.detail.name.node),
    };
    let ids: Vec<&str> = opened.iter().map(|(id, _)| *id).collect();
    let shown = ids.len().min(NAMED);
    let more = if ids.len() > shown {
        format!(" and {} more", ids.len() - shown)
    } else {
        String::new()
    };
    let details: Vec<&str> = opened.iter().map(|(_, d)| d.as_str()).collect();
    out.push(
        Diagnostic::new(
            &RULE,
            format!(
                "the policies of {subject} together open {} privilege-escalation path{}: `{}`{more}",
                ids.len(),
                if ids.len() == 1 { "" } else { "s" },
                ids.get(..shown).unwrap_or_default().join("`, `"),
            ),
            place,
        )
        .with_label("part of a privilege-escalation path")
        .with_help(format!(
            "{}; remove or scope one action of each path",
            details.join("; ")
        )),
    );
}

/// Whether the boundary and every SCP level also grant the requirement
/// (an action outside either is not allowed, whatever the identity
/// policies say).
fn limits_grant(view: &PrincipalView<'_>, requirement: usize) -> bool {
    let grants = |policy: &EffectivePolicy| {
        matches!(
            policy.standings.get(requirement),
            Some(Standing::Granted { .. })
        )
    };
    let denies = |policy: &EffectivePolicy| {
        matches!(policy.standings.get(requirement), Some(Standing::Denied))
    };
    let boundary_allows = view.boundary.as_ref().is_none_or(grants);
    let scps_allow = view
        .scps
        .iter()
        .all(|level| level.iter().any(grants) && !level.iter().any(denies));
    boundary_allows && scps_allow
}

/// The policies a path's grants come from, for the help text.
fn sources(
    view: &PrincipalView<'_>,
    combined: &[(Standing, usize)],
    grants: &[(usize, &Standing)],
) -> String {
    let mut policies: Vec<usize> = grants
        .iter()
        .filter_map(|(requirement, _)| combined.get(*requirement).map(|(_, p)| *p))
        .collect();
    policies.sort_unstable();
    policies.dedup();
    policies
        .iter()
        .filter_map(|p| view.policies.get(*p).map(|p| p.label.clone()))
        .collect::<Vec<_>>()
        .join(" and ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::audit::{AuditOptions, audit_dump_text};

    fn findings(dump: &str) -> Vec<crate::Diagnostic> {
        audit_dump_text(dump, &AuditOptions::default())
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "L602")
            .collect()
    }

    const TWO: &str = r#"{"RoleDetailList": [{"RoleName": "deployer", "Arn": "arn:aws:iam::111122223333:role/deployer",
      "RolePolicyList": [
        {"PolicyName": "pass", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}},
        {"PolicyName": "fn", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}}]}]}"#;

    // A principal's permissions are the union of its identity policies
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    #[test]
    fn two_inline_policies_complete_a_path() {
        let found = findings(TWO);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("`lambda-001`"),
            "{}",
            found[0].message
        );
        assert!(
            found[0]
                .help
                .as_deref()
                .unwrap()
                .contains("inline policy `pass`")
        );
    }

    // An action the boundary does not grant is not allowed
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
    #[test]
    fn a_boundary_without_pass_role_closes_it() {
        let bounded = TWO.replace(
            r#""RolePolicyList""#,
            r#""PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AWSLambda_ReadOnlyAccess"}, "RolePolicyList""#,
        );
        assert!(findings(&bounded).is_empty());
    }

    #[test]
    fn an_aws_managed_policy_alone_is_reported_at_its_attachment() {
        let dump = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
          "AttachedManagedPolicies": [{"PolicyName": "AWSLambda_FullAccess", "PolicyArn": "arn:aws:iam::aws:policy/AWSLambda_FullAccess"}]}]}"#;
        let found = findings(dump);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(
            &dump[found[0].span.start..found[0].span.end],
            r#""arn:aws:iam::aws:policy/AWSLambda_FullAccess""#
        );
    }
}
