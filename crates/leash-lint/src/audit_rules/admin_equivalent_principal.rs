//! ## What it finds
//! A user, group or role whose effective policies (its own, its groups',
//! its permissions boundary, the organization's SCPs, and the RCPs of the
//! account's resources) let it do anything
//! in the account, decided by the authorization engine on requests, not
//! by policy names. It is administrator-equivalent when the engine allows
//! one of:
//!
//! - every request of a sample across ten services on resources nobody
//!   named (`iam:CreateUser`, `iam:AttachRolePolicy`, `s3:PutBucketPolicy`,
//!   `s3:GetObject`, `kms:CreateKey`, `ec2:RunInstances`,
//!   `lambda:UpdateFunctionCode`, `dynamodb:DeleteTable`,
//!   `secretsmanager:GetSecretValue`, `sts:AssumeRole`): what `*` on `*`
//!   allows, and what `NotAction` lists of a few exceptions allow;
//! - creating a role, giving it any policy and assuming it
//!   (`iam:CreateRole`, `iam:PutRolePolicy` or `iam:AttachRolePolicy` of
//!   `AdministratorAccess`, `sts:AssumeRole` on a role nobody named);
//! - changing its own permissions: `iam:PutRolePolicy` or
//!   `iam:AttachRolePolicy` of `AdministratorAccess` on itself (a role),
//!   `iam:PutUserPolicy`, `iam:AttachUserPolicy` on itself or
//!   `iam:PutGroupPolicy`, `iam:AttachGroupPolicy` on one of its groups (a
//!   user).
//!
//! The requests carry the principal's tags from the dump
//! (`aws:PrincipalTag/KEY`) and no other context beyond what the engine
//! derives: a grant under a condition on a key the request does not hold
//! (`aws:MultiFactorAuthPresent`) does not count. Privilege-escalation paths that need more steps are
//! `privilege-escalation-path-of-principal`'s, which is not reported on a
//! principal this rule reports.
//!
//! ## Why it matters
//! Whoever holds the principal's credentials, or controls the code that
//! runs as it, owns the account. Such principals should be few, named,
//! and guarded (MFA, break-glass procedures), never workloads.
//!
//! ## Example
//! ```json
//! {"RoleDetailList": [{"RoleName": "ci", "Arn": "arn:aws:iam::111122223333:role/ci",
//!   "RolePolicyList": [{"PolicyName": "all", "PolicyDocument":
//!     {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}
//! ```
//!
//! ## Fix
//! Replace the grant with the actions and resources the principal uses
//! (`leash design` for a template's roles); keep administrator access on
//! a few people's roles behind MFA.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html#jf_administrator>,
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsidentityandaccessmanagementiam.html#awsidentityandaccessmanagementiam-policy-keys>
//! (`iam:PolicyARN`)

use crate::audit::PrincipalView;
use crate::{Diagnostic, Rule, Severity};
use leash_policy::authz::{
    LabeledPolicy, PolicyKind as EnginePolicyKind, PolicySet, PreparedPolicySet,
};
use leash_policy::context::{Request, RequestContext};
use leash_policy::{Effect, Span};

pub static RULE: Rule = Rule {
    code: "L601",
    name: "admin-equivalent-principal",
    severity: Severity::Error,
    summary: "a principal's effective policies let it do anything in the account",
    access_analyzer: None,
    check: None,
};

const ADMINISTRATOR_ACCESS: &str = "arn:aws:iam::aws:policy/AdministratorAccess";

/// The sample of sensitive requests, `{A}` the account: one per service
/// family an administrator controls, on resources nobody names.
const EVERY_SERVICE: &[(&str, &str)] = &[
    ("iam:CreateUser", "arn:aws:iam::{A}:user/leash-probe"),
    ("iam:AttachRolePolicy", "arn:aws:iam::{A}:role/leash-probe"),
    ("s3:PutBucketPolicy", "arn:aws:s3:::leash-probe-bucket"),
    (
        "s3:GetObject",
        "arn:aws:s3:::leash-probe-bucket/leash-probe",
    ),
    // A key's own policy decides its use, so the sample creates one.
    ("kms:CreateKey", "*"),
    ("ec2:RunInstances", "arn:aws:ec2:us-east-1:{A}:instance/*"),
    (
        "lambda:UpdateFunctionCode",
        "arn:aws:lambda:us-east-1:{A}:function:leash-probe",
    ),
    (
        "dynamodb:DeleteTable",
        "arn:aws:dynamodb:us-east-1:{A}:table/leash-probe",
    ),
    (
        "secretsmanager:GetSecretValue",
        "arn:aws:secretsmanager:us-east-1:{A}:secret:leash-probe-AbCdEf",
    ),
    ("sts:AssumeRole", "arn:aws:iam::{A}:role/leash-probe"),
];

/// One request of a probe, decided.
struct Probe<'e> {
    engine: &'e PreparedPolicySet,
    /// The same policies with a trust policy on the role to assume that
    /// trusts the principal's account, so that the identity policies
    /// decide (a role the principal made itself, or one of the many that
    /// trust their own account).
    assume_engine: &'e PreparedPolicySet,
    principal: String,
    /// The principal's tags (`aws:PrincipalTag/KEY`), known from the dump.
    tags: &'e [(String, String)],
}

impl Probe<'_> {
    /// The span of the identity statement that allowed, when allowed.
    fn allows(&self, action: &str, resource: &str, attach: bool) -> Option<(usize, Span)> {
        let mut context = RequestContext::new();
        for (key, value) in self.tags {
            context = context.with(format!("aws:PrincipalTag/{key}"), value.clone());
        }
        if attach {
            context = context.with("iam:PolicyARN", ADMINISTRATOR_ACCESS);
        }
        let request = Request::new(self.principal.clone(), action, resource).with_context(context);
        let engine = if action == "sts:AssumeRole" {
            self.assume_engine
        } else {
            self.engine
        };
        let decision = engine.evaluate(&request);
        if !decision.is_allowed() {
            return None;
        }
        decision
            .deciding
            .iter()
            .find(|s| s.policy_kind == EnginePolicyKind::Identity && s.effect == Effect::Allow)
            .and_then(|s| Some((s.policy_label.parse::<usize>().ok()?, s.span)))
    }

    /// `PutXPolicy`, else `AttachXPolicy` of `AdministratorAccess`, on `arn`.
    fn writes_policies_of(&self, kind: &str, arn: &str) -> Option<((usize, Span), String)> {
        let put = format!("iam:Put{kind}Policy");
        if let Some(grant) = self.allows(&put, arn, false) {
            return Some((grant, put));
        }
        let attach = format!("iam:Attach{kind}Policy");
        self.allows(&attach, arn, true).map(|g| (g, attach))
    }
}

/// Reports the principal when it is administrator-equivalent; says
/// whether it is.
pub(crate) fn check(view: &PrincipalView<'_>, out: &mut Vec<Diagnostic>) -> bool {
    if view.policies.is_empty() {
        return false;
    }
    let mut set = PolicySet::new();
    for (index, policy) in view.policies.iter().enumerate() {
        set = set.with_identity_policy(index.to_string(), (*policy.policy).clone());
    }
    if let Some(boundary) = &view.boundary {
        set = set.with_permissions_boundary("boundary", (*boundary.policy).clone());
    }
    let labeled = |level: &[crate::audit::EffectivePolicy]| -> Vec<LabeledPolicy> {
        level
            .iter()
            .map(|p| LabeledPolicy::new(p.label.clone(), (*p.policy).clone()))
            .collect()
    };
    for level in &view.scps {
        set = set.with_scp_level(labeled(level));
    }
    for level in &view.rcps {
        set = set.with_rcp_level(labeled(level));
    }
    let account = view.account;
    let trust = leash_policy::json::parse_json(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"AWS": "arn:aws:iam::{account}:root"}}, "Action": "sts:AssumeRole"}}]}}"#
    ))
    .ok()
    .and_then(|value| leash_policy::parse::parse_policy(&value).policy);
    let assume_engine = match trust {
        Some(trust) => PreparedPolicySet::new(&set.clone().with_resource_policy("trust", trust)),
        None => PreparedPolicySet::new(&set),
    };
    let engine = PreparedPolicySet::new(&set);
    let principal = match view.kind {
        // A group's members act; the probe asks for one of them.
        "group" => format!(
            "arn:aws:iam::{account}:user/leash-member-of-{}",
            view.detail.name.node
        ),
        _ => view.detail.arn.clone(),
    };
    let probe = Probe {
        engine: &engine,
        assume_engine: &assume_engine,
        principal,
        // A group's members have tags of their own, unknown here.
        tags: if view.kind == "group" {
            &[]
        } else {
            &view.detail.tags
        },
    };
    let Some((grant, reason)) = why_admin(view, &probe) else {
        return false;
    };
    let (index, span) = grant;
    let Some(policy) = view.policies.get(index) else {
        return false;
    };
    let subject = match view.kind {
        "group" => format!("the members of group `{}`", view.detail.name.node),
        kind => format!("{kind} `{}`", view.detail.name.node),
    };
    out.push(
        Diagnostic::new(
            &RULE,
            format!("{subject} can do anything in the account: its policies allow {reason}"),
            policy.place(span),
        )
        .with_label("administrator-equivalent")
        .with_help(format!(
            "the grant comes from {}; replace it with the actions and resources the principal uses",
            policy.label
        )),
    );
    true
}

fn why_admin(view: &PrincipalView<'_>, probe: &Probe<'_>) -> Option<((usize, Span), String)> {
    let account = view.account;
    let with_account = |text: &str| text.replace("{A}", account);
    // Every sampled request.
    let mut first = None;
    let mut all = true;
    for (action, resource) in EVERY_SERVICE {
        match probe.allows(
            action,
            &with_account(resource),
            *action == "iam:AttachRolePolicy",
        ) {
            Some(grant) => {
                first.get_or_insert(grant);
            }
            None => {
                all = false;
                break;
            }
        }
    }
    if all && let Some(grant) = first {
        return Some((
            grant,
            "every sampled sensitive request across ten services (`iam:CreateUser`, `s3:PutBucketPolicy`, `kms:CreateKey`, `ec2:RunInstances`, `secretsmanager:GetSecretValue`, ...) on resources nobody named, as `*` on `*` does".to_string(),
        ));
    }
    // A role of its own making.
    let role = with_account("arn:aws:iam::{A}:role/leash-probe");
    if let Some(create) = probe.allows("iam:CreateRole", &role, false)
        && let Some((_, write)) = probe.writes_policies_of("Role", &role)
        && probe.allows("sts:AssumeRole", &role, false).is_some()
    {
        return Some((
            create,
            format!(
                "creating a role, `{write}` on it and `sts:AssumeRole` into it, on roles nobody named"
            ),
        ));
    }
    // Its own permissions.
    match view.kind {
        "role" => probe
            .writes_policies_of("Role", &view.detail.arn)
            .map(|(grant, action)| (grant, format!("`{action}` on itself"))),
        "user" => probe
            .writes_policies_of("User", &view.detail.arn)
            .map(|(grant, action)| (grant, format!("`{action}` on itself")))
            .or_else(|| {
                view.group_arns.iter().find_map(|group| {
                    probe
                        .writes_policies_of("Group", group)
                        .map(|(grant, action)| {
                            (grant, format!("`{action}` on its group `{group}`"))
                        })
                })
            }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::audit::{AuditOptions, audit_dump_text};

    fn role_with(policy: &str) -> String {
        format!(
            r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
              "RolePolicyList": [{{"PolicyName": "p", "PolicyDocument": {policy}}}]}}]}}"#
        )
    }

    fn admin_findings(dump: &str) -> Vec<crate::Diagnostic> {
        audit_dump_text(dump, &AuditOptions::default())
            .diagnostics
            .into_iter()
            .filter(|d| d.code == "L601")
            .collect()
    }

    // An Allow of `*` on `*` matches every request
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html).
    #[test]
    fn star_on_star_is_an_error_on_that_role() {
        let dump = role_with(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
        );
        let found = admin_findings(&dump);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::Severity::Error);
        assert_eq!(found[0].resource.as_deref(), Some("role/r"));
        assert!(
            found[0].message.contains("every sampled"),
            "{}",
            found[0].message
        );
        let pointed = &dump[found[0].span.start..found[0].span.end];
        assert!(pointed.contains(r#""Action": "*""#), "{pointed}");
    }

    // iam:* + sts:AssumeRole on * can make and assume an administrator role.
    #[test]
    fn iam_and_assume_role_on_every_role() {
        let dump = role_with(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["iam:*", "sts:AssumeRole"], "Resource": "*"}]}"#,
        );
        let found = admin_findings(&dump);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].message.contains("creating a role"),
            "{}",
            found[0].message
        );
    }

    // An explicit deny overrides the allow
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).
    #[test]
    fn a_deny_of_iam_and_a_narrow_grant_are_not_admin() {
        let denied = role_with(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}, {"Effect": "Deny", "Action": ["iam:*", "sts:*", "s3:*"], "Resource": "*"}]}"#,
        );
        assert!(admin_findings(&denied).is_empty());
        let narrow = role_with(
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::one-bucket/*"}]}"#,
        );
        assert!(admin_findings(&narrow).is_empty());
    }

    // A permissions boundary limits the effective permissions
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html).
    #[test]
    fn a_boundary_takes_admin_away() {
        let dump = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}],
            "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}}]}"#;
        assert!(admin_findings(dump).is_empty());
        let unbounded = dump.replace(
            r#",
            "PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"}"#,
            "",
        );
        let found = admin_findings(&unbounded);
        assert_eq!(found.len(), 1);
        // Not in the dump: the finding points at the attachment.
        let pointed = &unbounded[found[0].span.start..found[0].span.end];
        assert_eq!(pointed, r#""arn:aws:iam::aws:policy/AdministratorAccess""#);
    }

    // aws:PrincipalTag/KEY is the tag attached to the principal making the
    // request (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag).
    #[test]
    fn principal_tags_from_the_dump_decide_tag_conditions() {
        let dump = |tag: &str| {
            format!(
                r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
                  "Tags": [{{"Key": "tier", "Value": "{tag}"}}],
                  "RolePolicyList": [{{"PolicyName": "p", "PolicyDocument": {{"Version": "2012-10-17", "Statement": [
                    {{"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {{"StringEquals": {{"aws:PrincipalTag/tier": "admin"}}}}}}]}}}}]}}]}}"#
            )
        };
        assert_eq!(admin_findings(&dump("admin")).len(), 1);
        assert!(admin_findings(&dump("app")).is_empty());
    }

    #[test]
    fn a_user_writing_its_own_policy() {
        let dump = r#"{"UserDetailList": [{"UserName": "u", "Arn": "arn:aws:iam::111122223333:user/u",
            "UserPolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Action": "iam:PutUserPolicy", "Resource": "arn:aws:iam::111122223333:user/u"}]}}]}]}"#;
        let found = admin_findings(dump);
        assert_eq!(found.len(), 1);
        assert!(
            found[0].message.contains("on itself"),
            "{}",
            found[0].message
        );
    }
}
