//! ## What it finds
//! A role of the template whose identity policies together grant every
//! action of a known privilege-escalation path (pathfinding.cloud, as in
//! `privilege-escalation-path`) when no one of them does alone: one
//! policy grants `iam:PassRole`, another `lambda:CreateFunction` and
//! `lambda:InvokeFunction`. Paths that a single policy completes are that
//! rule's findings, not this one's. Inline policies, `AWS::IAM::Policy`
//! and `AWS::IAM::ManagedPolicy` resources and SAM policies attached to the
//! same role count; AWS managed policies attached by ARN are not read.
//!
//! The same approximation applies: conditions are taken as satisfiable,
//! and an unconditional Deny on every resource in any of the role's
//! policies blocks the action for the role.
//!
//! In a Terraform plan: the identity policies the plan attaches to one
//! role (`inline_policy`, `aws_iam_role_policy`, an `aws_iam_policy`
//! through an attachment); AWS managed policies attached by ARN are not
//! read there either.
//!
//! ## Why it matters
//! A role's permissions are the union of its policies: a reviewer who
//! reads one policy at a time does not see that two of them, each
//! reasonable, let the role grant itself more.
//!
//! ## Example
//! ```yaml
//! Deployer:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}]}
//!     Policies:
//!       - PolicyName: pass
//!         PolicyDocument: {Statement: [{Effect: Allow, Action: iam:PassRole, Resource: "*"}]}
//!       - PolicyName: functions
//!         PolicyDocument: {Statement: [{Effect: Allow, Action: ["lambda:CreateFunction", "lambda:InvokeFunction"], Resource: "*"}]}
//! ```
//!
//! ## Fix
//! Remove or scope one action of the path in one of the policies: name the
//! roles that may be passed and add `iam:PassedToService`.
//!
//! ## Reference
//! <https://pathfinding.cloud> (DataDog/pathfinding.cloud, Apache-2.0,
//! snapshot of 2025-12-17) and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use super::{TemplateInput, TerraformInput, parsed};
use crate::rules::privilege_escalation_path::{
    Standing, completed, path_actions, standings, statement_name, table,
};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::{EmbeddedPolicy, PolicyKind};
use leash_policy::Policy;

pub static RULE: Rule = Rule {
    code: "L509",
    name: "privilege-escalation-path-across-policies",
    severity: Severity::Warning,
    summary: "a role's policies together grant every action of a known privilege-escalation path",
    access_analyzer: None,
    check: None,
};

/// One identity policy of a role, parsed, with how it treats each
/// requirement of the path table.
struct RolePolicy<'a> {
    /// The resource that holds the policy (a logical id, a plan address).
    holder: &'a str,
    /// Where in the resource (`Properties.Policies[0].PolicyDocument`,
    /// `inline_policy[0].policy`).
    path: &'a str,
    policy: Policy,
    standings: Vec<Standing>,
}

/// An identity policy with the roles it is attached to, from a template
/// or a plan.
struct AttachedPolicy<'a> {
    holder: &'a str,
    path: &'a str,
    document: &'a leash_policy::Value,
    roles: &'a [String],
}

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let attached: Vec<AttachedPolicy<'_>> = input
        .policies
        .iter()
        .filter(|p| p.kind == PolicyKind::Identity)
        .map(|p: &EmbeddedPolicy| AttachedPolicy {
            holder: &p.resource_id,
            path: &p.path,
            document: &p.document,
            roles: &p.attached_roles,
        })
        .collect();
    check_policies(&attached, out);
}

/// The same on a Terraform plan: the identity policies the plan attaches
/// to one role (`inline_policy`, `aws_iam_role_policy`, an `aws_iam_policy`
/// through `aws_iam_role_policy_attachment` or `aws_iam_policy_attachment`).
/// AWS managed policies attached by ARN are not read (their documents are
/// not in the plan).
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    let attached: Vec<AttachedPolicy<'_>> = input
        .extraction
        .policies
        .iter()
        .filter(|p| p.kind == PolicyKind::Identity)
        .map(|p| AttachedPolicy {
            holder: &p.address,
            path: &p.path,
            document: &p.document,
            roles: &p.attached_roles,
        })
        .collect();
    let start = out.len();
    check_policies(&attached, out);
    // Each finding belongs to the policy whose statement it points at.
    for diagnostic in out.iter_mut().skip(start) {
        if diagnostic.resource.is_none() {
            diagnostic.resource = attached
                .iter()
                .find(|p| {
                    p.document.span.start <= diagnostic.span.start
                        && diagnostic.span.end <= p.document.span.end
                })
                .map(|p| p.holder.to_string());
        }
    }
}

fn check_policies(attached: &[AttachedPolicy<'_>], out: &mut Vec<Diagnostic>) {
    // Roles in order of first appearance, so findings come in source order.
    let mut roles: Vec<&str> = Vec::new();
    for policy in attached {
        for role in policy.roles {
            if !roles.contains(&role.as_str()) {
                roles.push(role);
            }
        }
    }
    for role in roles {
        let policies: Vec<RolePolicy<'_>> = attached
            .iter()
            .filter(|p| p.roles.iter().any(|r| r == role))
            .filter_map(|attached| {
                let policy = parsed(attached.document)?;
                let standings = standings(&policy);
                Some(RolePolicy {
                    holder: attached.holder,
                    path: attached.path,
                    policy,
                    standings,
                })
            })
            .collect();
        if policies.len() < 2 {
            continue;
        }
        check_role(role, &policies, out);
    }
}

fn check_role(role: &str, policies: &[RolePolicy<'_>], out: &mut Vec<Diagnostic>) {
    let requirement_count = table().requirements.len();
    // The role's standing on each requirement: denied when any policy
    // denies it (an explicit deny wins over any allow), else granted by the
    // first policy that grants it.
    let mut combined: Vec<(Standing, usize)> = Vec::with_capacity(requirement_count);
    for requirement in 0..requirement_count {
        let mut standing = (Standing::Absent, 0);
        for (index, policy) in policies.iter().enumerate() {
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
        combined.push(standing);
    }
    let role_standings: Vec<Standing> = combined.iter().map(|(s, _)| *s).collect();
    for path in &table().paths {
        let Some(grants) = completed(path, &role_standings) else {
            continue;
        };
        // A path one policy completes on its own is `privilege-escalation-path`'s.
        if policies
            .iter()
            .any(|p| completed(path, &p.standings).is_some())
        {
            continue;
        }
        let mut parts: Vec<(usize, usize)> = Vec::new();
        let mut first_span = None;
        for (requirement, standing) in &grants {
            let Standing::Granted { statement, span } = standing else {
                continue;
            };
            let policy = combined.get(*requirement).map_or(0, |(_, p)| *p);
            first_span.get_or_insert(*span);
            if !parts.contains(&(policy, *statement)) {
                parts.push((policy, *statement));
            }
        }
        let Some(span) = first_span else { continue };
        parts.sort_unstable();
        let names: Vec<String> = parts
            .iter()
            .filter_map(|&(policy, statement)| {
                let holder = policies.get(policy)?;
                Some(format!(
                    "{} of `{}` ({})",
                    statement_name(&holder.policy, statement),
                    holder.holder,
                    holder.path
                ))
            })
            .collect();
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "the policies of role `{role}` together open privilege-escalation path `{}` ({}): {}",
                    path.id,
                    path.category,
                    path_actions(path)
                ),
                span,
            )
            .with_label(format!("part of `{}`", path.id))
            .with_help(format!(
                "{} combine; remove or scope one of the actions",
                names.join(", ")
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    fn findings(template: &str) -> Vec<crate::Diagnostic> {
        crate::lint_template_text(template)
            .into_iter()
            .filter(|d| d.code == "L509")
            .collect()
    }

    const TWO_POLICIES: &str = r#"
Resources:
  Deployer:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: codebuild.amazonaws.com}, Action: sts:AssumeRole}]
      Policies:
        - PolicyName: pass
          PolicyDocument:
            Statement: [{Effect: Allow, Action: iam:PassRole, Resource: "*"}]
        - PolicyName: functions
          PolicyDocument:
            Statement: [{Effect: Allow, Action: [lambda:CreateFunction, lambda:InvokeFunction], Resource: "*"}]
"#;

    #[test]
    fn two_policies_of_one_role_complete_a_path() {
        let found = findings(TWO_POLICIES);
        let lambda = found
            .iter()
            .find(|d| d.message.contains("`lambda-001`"))
            .unwrap();
        assert!(lambda.message.contains("role `Deployer`"));
        let help = lambda.help.as_deref().unwrap();
        assert!(help.contains("statement 1 of `Deployer`"), "{help}");
    }

    // An explicit deny in any policy of the role overrides the allows:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    #[test]
    fn a_deny_in_another_policy_blocks_the_path() {
        let denied = TWO_POLICIES.replace(
            "Statement: [{Effect: Allow, Action: [lambda:CreateFunction, lambda:InvokeFunction], Resource: \"*\"}]",
            "Statement: [{Effect: Allow, Action: [lambda:CreateFunction, lambda:InvokeFunction], Resource: \"*\"}, {Effect: Deny, Action: \"iam:Pass*\", Resource: \"*\"}]",
        );
        assert!(
            !findings(&denied)
                .iter()
                .any(|d| d.message.contains("`lambda-001`"))
        );
    }

    #[test]
    fn a_path_one_policy_completes_is_left_to_the_policy_rule() {
        let single = TWO_POLICIES.replace(
            "Action: iam:PassRole, Resource",
            "Action: [iam:PassRole, lambda:CreateFunction, lambda:InvokeFunction], Resource",
        );
        assert!(
            !findings(&single)
                .iter()
                .any(|d| d.message.contains("`lambda-001`"))
        );
    }
}
