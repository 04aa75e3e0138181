//! `leash audit`: what is deployed, judged from an account's
//! `aws iam get-account-authorization-details` output.
//!
//! Every policy document of the dump goes through every policy rule of
//! `leash check` (identity policies, trust policies, the default version of
//! each customer managed policy), with positions in the dump. Then each
//! principal is judged on its effective policies: its inline and attached
//! policies (customer managed from the dump, AWS managed from the
//! catalog's embedded copies), its groups' for a user, its permissions
//! boundary, and the organization's SCPs and RCPs when given. The account-level
//! rules are in `audit_rules/`: administrator-equivalent principals
//! (decided by the engine), privilege-escalation paths across a
//! principal's policies, trust in everyone, in accounts not listed, in
//! services without a source condition, and unused roles.
//!
//! Not for: reading files or printing (the CLI does both).

pub mod dates;
pub mod dump;
pub mod organization;
pub mod report;

use crate::audit_rules;
use crate::rules::privilege_escalation_path::{Standing, standings};
use crate::{Diagnostic, PolicyKind, Severity};
use dump::{Attachment, Document, Dump, DumpProblem, PrincipalDetail};
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use leash_policy::{Policy, Span};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Roles unused for longer than this are reported unless told otherwise
/// (IAM Access Analyzer's default for unused access is 90 days too).
pub const DEFAULT_UNUSED_DAYS: u32 = 90;

/// What the user tells the audit.
#[derive(Clone, Debug, Default)]
pub struct AuditOptions {
    /// Accounts roles may trust besides the dump's own
    /// (`--trusted-accounts`).
    pub trusted_accounts: Vec<String>,
    /// Report roles unused for more than this many days (`None`: not
    /// checked).
    pub unused_days: Option<u32>,
    /// "Now", in seconds since the epoch; `None`: the newest date in the
    /// dump, so that an audit of the same dump always says the same.
    pub now: Option<i64>,
    /// The organization's SCPs per account (`--organization`).
    pub organization: Option<Arc<organization::Organization>>,
}

/// One principal (or customer managed policy) and its findings.
#[derive(Clone, Debug)]
pub struct PrincipalSummary {
    /// `role/NAME`, `user/NAME`, `group/NAME`, `policy/NAME`: the
    /// `resource` of its findings.
    pub id: String,
    pub arn: String,
    /// What its permissions are made of: its identity policies (a user's
    /// groups' included), its permissions boundary, the SCP and RCP levels
    /// (empty for a customer managed policy).
    pub policies: Vec<String>,
}

/// An audited dump.
#[derive(Clone, Debug, Default)]
pub struct AuditReport {
    pub account: Option<String>,
    /// Every finding, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// Every principal and customer managed policy of the dump, in dump
    /// order, with or without findings.
    pub principals: Vec<PrincipalSummary>,
}

/// Audits one dump: its text (for exact positions of URL-encoded
/// documents) and its tree.
pub fn audit_dump(text: &str, root: &leash_policy::Value, options: &AuditOptions) -> AuditReport {
    let dump = dump::read_dump(root, text);
    audit(&dump, options)
}

/// Audits a dump given as text.
pub fn audit_dump_text(text: &str, options: &AuditOptions) -> AuditReport {
    match parse_json(text) {
        Ok(root) => audit_dump(text, &root, options),
        Err(err) => AuditReport {
            diagnostics: vec![Diagnostic::new(
                &crate::rules::invalid_json::RULE,
                err.message,
                err.span,
            )],
            ..AuditReport::default()
        },
    }
}

/// A role of a dump and the identity policies its permissions are made
/// of: what `leash usage --policies` narrows.
#[derive(Clone, Debug)]
pub struct RolePermissions {
    pub name: String,
    pub arn: String,
    /// Inline then attached policies, each with how a report names it
    /// (`inline policy `x` of role `r``, `AWS managed policy `arn``).
    pub policies: Vec<(String, Arc<Policy>)>,
    /// The permissions boundary, when the role has one (not narrowed: it
    /// limits the original and the narrowed policies alike).
    pub boundary: Option<(String, Arc<Policy>)>,
    /// Policies of the role the dump holds but leash cannot read (a
    /// document that is not a policy, a managed policy neither in the
    /// dump nor known): a role with any is not narrowed.
    pub unreadable: Vec<String>,
}

/// Every role of a dump with its identity policies, as [`audit`] resolves
/// them (customer managed policies from the dump's default version, AWS
/// managed ones from the dump or the catalog). `Err` when the text is not
/// JSON (the message and its span).
pub fn role_permissions(text: &str) -> Result<Vec<RolePermissions>, (String, Span)> {
    let root = parse_json(text).map_err(|err| (err.message, err.span))?;
    let dump = dump::read_dump(&root, text);
    if let Some(problem) = dump.problems.first()
        && dump.roles.is_empty()
    {
        return Err((problem.message.clone(), problem.span));
    }
    let mut managed = ManagedPolicies {
        by_arn: HashMap::new(),
    };
    for policy in &dump.policies {
        let parsed = match &policy.document {
            Some(Ok(document)) => parse_policy(&document.value).policy.map(Arc::new),
            _ => None,
        };
        let standings = Arc::new(parsed.as_deref().map(standings).unwrap_or_default());
        managed
            .by_arn
            .insert(policy.arn.as_str(), (parsed, standings));
    }
    let mut roles = Vec::new();
    for role in &dump.roles {
        let id = format!("role/{}", role.detail.name.node);
        let mut found = Vec::new();
        let policies = own_policies(&role.detail, "role", &managed, &id, &mut found);
        let boundary = boundary(&role.detail, &managed, &id, &mut found);
        // Findings of leash check on the documents are the audit's; what
        // matters here is what could not be read.
        let not_read = crate::audit_rules::dump_entry_not_read::RULE.code;
        let mut unreadable: Vec<String> = found
            .iter()
            .filter(|d| d.code == not_read)
            .map(|d| d.message.clone())
            .collect();
        // An inline document that is JSON but not a policy is a finding
        // of leash check, not of the dump: it is unreadable here too.
        for inline in &role.detail.inline {
            if let Ok(document) = &inline.document
                && parse_policy(&document.value).policy.is_none()
            {
                unreadable.push(format!(
                    "inline policy `{}` of role `{}` is not a policy leash can read",
                    inline.name.node, role.detail.name.node
                ));
            }
        }
        for attachment in &role.detail.attached {
            if let Some((None, _)) = managed.by_arn.get(attachment.arn.node.as_str())
                && !is_aws_managed(&attachment.arn.node)
            {
                unreadable.push(format!(
                    "customer managed policy `{}` has no default version leash can read",
                    attachment.arn.node
                ));
            }
        }
        roles.push(RolePermissions {
            name: role.detail.name.node.clone(),
            arn: role.detail.arn.clone(),
            policies: policies.into_iter().map(|p| (p.label, p.policy)).collect(),
            boundary: boundary.map(|b| (b.label, b.policy)),
            unreadable,
        });
    }
    Ok(roles)
}

/// A policy that takes part in a principal's permissions.
#[derive(Clone)]
pub(crate) struct EffectivePolicy {
    /// How a message names it: `` inline policy `x` of role `r` ``.
    pub(crate) label: String,
    pub(crate) policy: Arc<Policy>,
    /// Whether the policy's spans are positions in the dump (its document
    /// is in the dump), rather than in the catalog's copy.
    pub(crate) located: bool,
    /// Where a finding on the policy points when it is not located: the
    /// attachment's `PolicyArn`.
    pub(crate) anchor: Span,
    pub(crate) standings: Arc<Vec<Standing>>,
}

impl EffectivePolicy {
    /// Where a finding about a span of this policy points in the dump.
    pub(crate) fn place(&self, span: Span) -> Span {
        if self.located { span } else { self.anchor }
    }
}

/// A principal as the account rules see it.
pub(crate) struct PrincipalView<'a> {
    /// `role`, `user` or `group`.
    pub(crate) kind: &'static str,
    pub(crate) detail: &'a PrincipalDetail,
    pub(crate) account: &'a str,
    /// Identity policies: its own, then its groups' (users).
    pub(crate) policies: Vec<EffectivePolicy>,
    pub(crate) boundary: Option<EffectivePolicy>,
    /// The SCPs that apply to the account, root level first.
    pub(crate) scps: Vec<Vec<EffectivePolicy>>,
    /// The RCPs of the account's resources, root level first.
    pub(crate) rcps: Vec<Vec<EffectivePolicy>>,
    /// The ARNs of the groups a user is in.
    pub(crate) group_arns: Vec<String>,
}

impl PrincipalView<'_> {
    pub(crate) fn id(&self) -> String {
        format!("{}/{}", self.kind, self.detail.name.node)
    }

    /// Its effective policies, as the report lists them.
    fn describe(&self) -> Vec<String> {
        let mut parts: Vec<String> = self.policies.iter().map(|p| p.label.clone()).collect();
        parts.extend(self.boundary.iter().map(|b| b.label.clone()));
        let levels = |levels: &[Vec<EffectivePolicy>], kind: &str| {
            let names: Vec<String> = levels
                .iter()
                .map(|level| {
                    level
                        .iter()
                        .map(|p| p.label.clone())
                        .collect::<Vec<_>>()
                        .join(" + ")
                })
                .collect();
            (!names.is_empty()).then(|| format!("{kind} levels: {}", names.join(", then ")))
        };
        parts.extend(levels(&self.scps, "SCP"));
        parts.extend(levels(&self.rcps, "RCP"));
        parts
    }
}

/// What a role's trust rules see.
pub(crate) struct TrustView<'a> {
    pub(crate) role: &'a dump::Role,
    pub(crate) policy: &'a Policy,
    pub(crate) account: &'a str,
    pub(crate) trusted_accounts: &'a [String],
}

/// A customer managed policy, parsed (`None`: its document is not a
/// policy), with its standings on the privilege-escalation table.
type ParsedManaged = (Option<Arc<Policy>>, Arc<Vec<Standing>>);

/// Parsed customer managed policies of one dump, by ARN.
struct ManagedPolicies<'d> {
    by_arn: HashMap<&'d str, ParsedManaged>,
}

fn audit(dump: &Dump, options: &AuditOptions) -> AuditReport {
    let account = dump.account();
    let account_text = account.clone().unwrap_or_default();
    let mut out: Vec<Diagnostic> = Vec::new();
    let mut principals = Vec::new();
    for problem in &dump.problems {
        out.push(audit_rules::dump_entry_not_read::finding(problem));
    }

    // Customer managed policies: linted once where they are written.
    let mut managed = ManagedPolicies {
        by_arn: HashMap::new(),
    };
    for policy in &dump.policies {
        // A whole-account dump lists the AWS managed policies attached in
        // the account too: their documents are AWS's, not linted, but the
        // dump's copy is the version in effect there.
        let aws_managed = is_aws_managed(&policy.arn);
        let id = format!("policy/{}", policy.name.node);
        if !aws_managed {
            principals.push(PrincipalSummary {
                id: id.clone(),
                arn: policy.arn.clone(),
                policies: Vec::new(),
            });
        }
        let parsed = match &policy.document {
            Some(Ok(document)) => {
                if !aws_managed {
                    lint_document(document, PolicyKind::Identity, &id, &mut out);
                }
                parse_policy(&document.value).policy.map(Arc::new)
            }
            Some(Err(problem)) if !aws_managed => {
                out.push(audit_rules::dump_entry_not_read::finding(problem).with_resource(&id));
                None
            }
            _ => None,
        };
        let standings = Arc::new(parsed.as_deref().map(standings).unwrap_or_default());
        managed
            .by_arn
            .insert(policy.arn.as_str(), (parsed, standings));
    }

    // Groups first: users take their policies.
    let mut group_policies: HashMap<&str, (Vec<EffectivePolicy>, String)> = HashMap::new();
    for group in &dump.groups {
        let id = format!("group/{}", group.detail.name.node);
        principals.push(PrincipalSummary {
            id: id.clone(),
            arn: group.detail.arn.clone(),
            policies: Vec::new(),
        });
        let own = own_policies(&group.detail, "group", &managed, &id, &mut out);
        group_policies.insert(
            group.detail.name.node.as_str(),
            (own, group.detail.arn.clone()),
        );
    }
    let organization = options
        .organization
        .as_ref()
        .map(|org| org.levels_for(&account_text))
        .unwrap_or_default();
    let (scps, rcps) = (&organization.scps, &organization.rcps);
    for group in &dump.groups {
        let policies = group_policies
            .get(group.detail.name.node.as_str())
            .map(|(policies, _)| policies.clone())
            .unwrap_or_default();
        let view = PrincipalView {
            kind: "group",
            detail: &group.detail,
            account: &account_text,
            policies,
            boundary: None,
            scps: level_policies(scps, "SCP"),
            rcps: level_policies(rcps, "RCP"),
            group_arns: Vec::new(),
        };
        judge_principal(&view, &mut out);
        let id = view.id();
        if let Some(summary) = principals.iter_mut().find(|p| p.id == id) {
            summary.policies = view.describe();
        }
    }
    for user in &dump.users {
        let id = format!("user/{}", user.detail.name.node);
        principals.push(PrincipalSummary {
            id: id.clone(),
            arn: user.detail.arn.clone(),
            policies: Vec::new(),
        });
        let mut policies = own_policies(&user.detail, "user", &managed, &id, &mut out);
        let mut group_arns = Vec::new();
        for name in &user.groups {
            if let Some((group, arn)) = group_policies.get(name.as_str()) {
                policies.extend(group.iter().map(|p| EffectivePolicy {
                    label: format!("{} (group `{name}`)", p.label),
                    policy: p.policy.clone(),
                    located: p.located,
                    anchor: p.anchor,
                    standings: p.standings.clone(),
                }));
                group_arns.push(arn.clone());
            }
        }
        let view = PrincipalView {
            kind: "user",
            detail: &user.detail,
            account: &account_text,
            policies,
            boundary: boundary(&user.detail, &managed, &id, &mut out),
            scps: level_policies(scps, "SCP"),
            rcps: level_policies(rcps, "RCP"),
            group_arns,
        };
        judge_principal(&view, &mut out);
        if let Some(summary) = principals.last_mut() {
            summary.policies = view.describe();
        }
    }
    let now = options
        .now
        .or_else(|| dump.newest_date().and_then(dates::epoch_seconds));
    for role in &dump.roles {
        let id = format!("role/{}", role.detail.name.node);
        principals.push(PrincipalSummary {
            id: id.clone(),
            arn: role.detail.arn.clone(),
            policies: Vec::new(),
        });
        match &role.trust {
            Some(Ok(document)) => {
                let mut found = Vec::new();
                lint_document(document, PolicyKind::Trust, &id, &mut found);
                // A role trusting everyone is L603's, an error here.
                found.retain(|d| {
                    d.code != crate::rules::public_principal_without_condition::RULE.code
                });
                out.extend(found);
                if let Some(policy) = parse_policy(&document.value).policy {
                    let view = TrustView {
                        role,
                        policy: &policy,
                        account: &account_text,
                        trusted_accounts: &options.trusted_accounts,
                    };
                    let start = out.len();
                    audit_rules::role_trusting_every_principal::check(&view, &mut out);
                    audit_rules::role_trusting_unlisted_account::check(&view, &mut out);
                    audit_rules::service_trust_without_source_condition::check(&view, &mut out);
                    for d in out.iter_mut().skip(start) {
                        d.resource = Some(id.clone());
                    }
                }
            }
            Some(Err(problem)) => {
                out.push(audit_rules::dump_entry_not_read::finding(problem).with_resource(&id));
            }
            None => {}
        }
        let policies = own_policies(&role.detail, "role", &managed, &id, &mut out);
        // Neither SCPs nor RCPs limit service-linked roles
        // (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html,
        // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
        let service_linked = role.detail.path.starts_with("/aws-service-role/");
        let view = PrincipalView {
            kind: "role",
            detail: &role.detail,
            account: &account_text,
            policies,
            boundary: boundary(&role.detail, &managed, &id, &mut out),
            scps: if service_linked {
                Vec::new()
            } else {
                level_policies(scps, "SCP")
            },
            rcps: if service_linked {
                Vec::new()
            } else {
                level_policies(rcps, "RCP")
            },
            group_arns: Vec::new(),
        };
        judge_principal(&view, &mut out);
        if let Some(summary) = principals.last_mut() {
            summary.policies = view.describe();
        }
        if let (Some(days), Some(now)) = (options.unused_days, now) {
            let start = out.len();
            audit_rules::unused_role::check(role, days, now, &mut out);
            for d in out.iter_mut().skip(start) {
                d.resource = Some(id.clone());
            }
        }
    }
    out.sort_by(|a, b| (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message)));
    out.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    AuditReport {
        account,
        diagnostics: out,
        principals,
    }
}

/// The account rules on one principal's effective policies.
fn judge_principal(view: &PrincipalView<'_>, out: &mut Vec<Diagnostic>) {
    let mut found = Vec::new();
    let admin = audit_rules::admin_equivalent_principal::check(view, &mut found);
    let id = view.id();
    if admin {
        // Every path is open to an administrator: the one error says it,
        // instead of a warning per path in its inline policies.
        let path_rule = crate::rules::privilege_escalation_path::RULE.code;
        out.retain(|d| !(d.code == path_rule && d.resource.as_deref() == Some(id.as_str())));
    } else {
        audit_rules::privilege_escalation_path_of_principal::check(view, &mut found);
    }
    for d in &mut found {
        d.resource = Some(id.clone());
    }
    out.extend(found);
}

/// Lints one document of the dump as a policy of `kind`.
fn lint_document(document: &Document, kind: PolicyKind, id: &str, out: &mut Vec<Diagnostic>) {
    let mut found = crate::lint::lint_policy_value(&document.value, Some(kind));
    for d in &mut found {
        d.resource = Some(id.to_string());
        if !document.exact {
            // Edits would replace encoded text with plain JSON.
            d.fix = None;
        }
    }
    out.extend(found);
}

/// A principal's own identity policies: inline, then attached.
fn own_policies(
    detail: &PrincipalDetail,
    kind: &str,
    managed: &ManagedPolicies<'_>,
    id: &str,
    out: &mut Vec<Diagnostic>,
) -> Vec<EffectivePolicy> {
    let mut policies = Vec::new();
    for inline in &detail.inline {
        match &inline.document {
            Ok(document) => {
                lint_document(document, PolicyKind::Identity, id, out);
                if let Some(policy) = parse_policy(&document.value).policy {
                    let standings = Arc::new(standings(&policy));
                    policies.push(EffectivePolicy {
                        label: format!(
                            "inline policy `{}` of {kind} `{}`",
                            inline.name.node, detail.name.node
                        ),
                        policy: Arc::new(policy),
                        located: true,
                        anchor: inline.name.span,
                        standings,
                    });
                }
            }
            Err(problem) => {
                out.push(audit_rules::dump_entry_not_read::finding(problem).with_resource(id))
            }
        }
    }
    for attachment in &detail.attached {
        if let Some(policy) = resolve(attachment, managed, id, out) {
            policies.push(policy);
        }
    }
    policies
}

fn boundary(
    detail: &PrincipalDetail,
    managed: &ManagedPolicies<'_>,
    id: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<EffectivePolicy> {
    let attachment = detail.boundary.as_ref()?;
    resolve(attachment, managed, id, out).map(|mut policy| {
        policy.label = format!("permissions boundary {}", policy.label);
        policy
    })
}

/// A managed policy attached by ARN: the dump's customer managed policy,
/// else the catalog's AWS managed one; neither is a finding.
fn resolve(
    attachment: &Attachment,
    managed: &ManagedPolicies<'_>,
    id: &str,
    out: &mut Vec<Diagnostic>,
) -> Option<EffectivePolicy> {
    let arn = attachment.arn.node.as_str();
    let aws = is_aws_managed(arn);
    if let Some((policy, standings)) = managed.by_arn.get(arn) {
        match policy {
            Some(policy) => {
                return Some(EffectivePolicy {
                    label: if aws {
                        format!("AWS managed policy `{arn}`")
                    } else {
                        format!("customer managed policy `{arn}`")
                    },
                    policy: policy.clone(),
                    // An AWS managed policy's document is not linted, so
                    // its paths are not L313's: it counts as not located.
                    located: !aws,
                    anchor: attachment.arn.span,
                    standings: standings.clone(),
                });
            }
            // Its document was reported as not read.
            None if !aws => return None,
            None => {}
        }
    }
    if let Some((policy, standings)) = aws_managed(arn) {
        return Some(EffectivePolicy {
            label: format!("AWS managed policy `{arn}`"),
            policy,
            located: false,
            anchor: attachment.arn.span,
            standings,
        });
    }
    out.push(
        audit_rules::dump_entry_not_read::finding(&DumpProblem {
            message: format!(
                "the managed policy `{arn}` is neither in the dump's `Policies` nor one of the AWS managed policies leash knows: its permissions are not judged"
            ),
            span: attachment.arn.span,
        })
        .with_resource(id),
    );
    None
}

/// Whether `arn` is an AWS managed policy's (`arn:PARTITION:iam::aws:policy/...`).
fn is_aws_managed(arn: &str) -> bool {
    leash_policy::arn::Arn::parse(arn).is_ok_and(|a| a.account().as_str() == "aws")
}

type Parsed = (Arc<Policy>, Arc<Vec<Standing>>);

/// An AWS managed policy by ARN, parsed once per process.
fn aws_managed(arn: &str) -> Option<Parsed> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Parsed>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = cache.lock()
        && let Some(found) = cache.get(arn)
    {
        return found.clone();
    }
    // By name: AWS managed policy names are unique, whatever the path and
    // partition of the ARN.
    let parsed = leash_catalog::aws_managed_policy(arn)
        .and_then(|p| parse_json(p.document).ok())
        .and_then(|value| parse_policy(&value).policy)
        .map(|policy| {
            let standings = Arc::new(standings(&policy));
            (Arc::new(policy), standings)
        });
    if let Ok(mut cache) = cache.lock() {
        cache.insert(arn.to_string(), parsed.clone());
    }
    parsed
}

fn level_policies(
    levels: &[Vec<organization::LevelPolicy>],
    kind: &str,
) -> Vec<Vec<EffectivePolicy>> {
    levels
        .iter()
        .map(|level| {
            level
                .iter()
                .map(|p| EffectivePolicy {
                    label: format!("{kind} `{}`", p.name),
                    policy: p.policy.clone(),
                    located: false,
                    anchor: Span::new(0, 0),
                    standings: p.standings.clone(),
                })
                .collect()
        })
        .collect()
}

impl Diagnostic {
    pub(crate) fn with_resource(mut self, id: &str) -> Self {
        self.resource = Some(id.to_string());
        self
    }
}

/// How bad a principal's findings are, for ordering a report: errors
/// first, then warnings, then the rest.
pub fn weight(diagnostics: &[&Diagnostic]) -> (usize, usize, usize) {
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const ADMIN: &str = r#"{"RoleDetailList": [{"RoleName": "ops", "Arn": "arn:aws:iam::111122223333:role/ops",
        "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}"#;

    fn codes(report: &AuditReport) -> Vec<&'static str> {
        report.diagnostics.iter().map(|d| d.code).collect()
    }

    // An SCP that denies an action takes it away from every principal of
    // the account, administrators included; every level must allow
    // (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html).
    #[test]
    fn an_scp_denying_iam_leaves_escalation_paths_but_not_admin() {
        let organization = organization::Organization::read(
            r#"{"policies": {"p-all": "all", "p-noiam": "noiam"},
                "accounts": {"111122223333": [["p-all"], ["p-all", "p-noiam"]]}}"#,
            |file| {
                Ok(match file {
                    "all" => r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
                    _ => r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": ["iam:*", "sts:*"], "Resource": "*"}]}"#,
                }
                .to_string())
            },
        )
        .unwrap();
        let options = AuditOptions {
            organization: Some(Arc::new(organization)),
            ..AuditOptions::default()
        };
        // Attached, not inline: an inline policy's own paths are L313's.
        let attached = r#"{"RoleDetailList": [{"RoleName": "ops", "Arn": "arn:aws:iam::111122223333:role/ops",
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}]}"#;
        let bounded = audit_dump_text(attached, &options);
        assert!(!codes(&bounded).contains(&"L601"), "{:?}", codes(&bounded));
        let path = bounded
            .diagnostics
            .iter()
            .find(|d| d.code == "L602")
            .unwrap();
        let help = path.help.as_deref().unwrap();
        assert!(help.contains("`lambda-003`"), "{help}");
        assert!(!help.contains("`iam-") && !help.contains("`sts-"), "{help}");
        // Another account: the SCPs do not apply.
        let other = audit_dump_text(&ADMIN.replace("111122223333", "444455556666"), &options);
        assert!(codes(&other).contains(&"L601"));
    }

    // Only the default version of a managed policy is in effect
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-versioning.html).
    #[test]
    fn only_the_default_version_counts() {
        let dump = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
            "AttachedManagedPolicies": [{"PolicyName": "p", "PolicyArn": "arn:aws:iam::111122223333:policy/p"}]}],
          "Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "PolicyVersionList": [
            {"VersionId": "v1", "IsDefaultVersion": false, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}},
            {"VersionId": "v2", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}}]}]}"#;
        assert!(codes(&audit_dump_text(dump, &AuditOptions::default())).is_empty());
        let swapped = dump
            .replace(
                r#""v1", "IsDefaultVersion": false"#,
                r#""v1", "IsDefaultVersion": X"#,
            )
            .replace(
                r#""v2", "IsDefaultVersion": true"#,
                r#""v2", "IsDefaultVersion": false"#,
            )
            .replace("X", "true");
        let found = audit_dump_text(&swapped, &AuditOptions::default());
        let admin = found.diagnostics.iter().find(|d| d.code == "L601").unwrap();
        assert_eq!(admin.resource.as_deref(), Some("role/r"));
    }

    #[test]
    fn a_user_gets_its_groups_policies_and_unused_roles_are_measured_from_the_dump() {
        let dump = r#"{"GroupDetailList": [{"GroupName": "admins", "Arn": "arn:aws:iam::111122223333:group/admins",
            "AttachedManagedPolicies": [{"PolicyName": "AdministratorAccess", "PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"}]}],
          "UserDetailList": [{"UserName": "ana", "Arn": "arn:aws:iam::111122223333:user/ana", "GroupList": ["admins"]},
                             {"UserName": "bo", "Arn": "arn:aws:iam::111122223333:user/bo", "GroupList": []}],
          "RoleDetailList": [
            {"RoleName": "new", "Arn": "arn:aws:iam::111122223333:role/new", "CreateDate": "2026-01-01T00:00:00Z", "RoleLastUsed": {"LastUsedDate": "2026-06-01T00:00:00Z"}},
            {"RoleName": "old", "Arn": "arn:aws:iam::111122223333:role/old", "CreateDate": "2025-01-01T00:00:00Z", "RoleLastUsed": {"LastUsedDate": "2026-02-01T00:00:00Z"}},
            {"RoleName": "never", "Arn": "arn:aws:iam::111122223333:role/never", "CreateDate": "2025-01-01T00:00:00Z", "RoleLastUsed": {}}]}"#;
        let options = AuditOptions {
            unused_days: Some(90),
            ..AuditOptions::default()
        };
        let found = audit_dump_text(dump, &options);
        let on = |code: &str| -> Vec<String> {
            found
                .diagnostics
                .iter()
                .filter(|d| d.code == code)
                .filter_map(|d| d.resource.clone())
                .collect()
        };
        assert_eq!(on("L601"), ["group/admins", "user/ana"]);
        // Now is 2026-06-01, the newest date: `old` is 120 days idle.
        assert_eq!(on("L606"), ["role/old", "role/never"]);
        let with_now = AuditOptions {
            now: dates::epoch_seconds("2026-03-01"),
            ..options
        };
        let found = audit_dump_text(dump, &with_now);
        assert_eq!(
            found
                .diagnostics
                .iter()
                .filter(|d| d.code == "L606")
                .count(),
            1
        );
    }
}

#[cfg(test)]
mod aws_managed_in_the_dump {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // A whole-account dump lists attached AWS managed policies in
    // `Policies` (API_GetAccountAuthorizationDetails, `Filter`
    // `AWSManagedPolicy`): the dump's default version is the one in
    // effect; AWS's documents are not linted.
    #[test]
    fn the_dump_copy_decides_and_is_not_linted() {
        let dump = r#"{"RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
            "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}],
          "Policies": [{"PolicyName": "ReadOnlyAccess", "Arn": "arn:aws:iam::aws:policy/ReadOnlyAccess", "PolicyVersionList": [
            {"VersionId": "v9", "IsDefaultVersion": true, "Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}"#;
        let report = audit_dump_text(dump, &AuditOptions::default());
        let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code).collect();
        // No L409 on AWS's document, but the version in effect is admin.
        assert_eq!(codes, ["L601"]);
        assert!(
            report
                .principals
                .iter()
                .all(|p| !p.id.starts_with("policy/"))
        );
        let span = report.diagnostics[0].span;
        assert_eq!(
            &dump[span.start..span.end],
            r#""arn:aws:iam::aws:policy/ReadOnlyAccess""#
        );
    }
}

#[cfg(test)]
mod resource_control_policies {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // RCPs limit requests for the account's resources, whoever makes them
    // (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html):
    // with S3 denied to everyone, `*` on `*` no longer reaches every
    // service, but the role can still make and assume an administrator.
    #[test]
    fn an_rcp_denying_s3_changes_why_a_role_is_an_administrator() {
        let dump = r#"{"RoleDetailList": [{"RoleName": "ops", "Arn": "arn:aws:iam::111122223333:role/ops",
            "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}]}"#;
        let organization = organization::Organization::read(
            r#"{"policies": {"p-all": "all", "p-nos3": "nos3"}, "accounts": {"*": [["p-all"], ["p-all", "p-nos3"]]}}"#,
            |file| {
                Ok(match file {
                    "all" => r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#.to_string(),
                    _ => r#"{"Policy": {"PolicySummary": {"Type": "RESOURCE_CONTROL_POLICY"}, "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"s3:*\",\"Resource\":\"*\"}]}"}}"#.to_string(),
                })
            },
        )
        .unwrap();
        let message = |options: &AuditOptions| {
            audit_dump_text(dump, options)
                .diagnostics
                .into_iter()
                .find(|d| d.code == "L601")
                .unwrap()
                .message
        };
        assert!(message(&AuditOptions::default()).contains("every sampled"));
        let with_rcp = AuditOptions {
            organization: Some(Arc::new(organization)),
            ..AuditOptions::default()
        };
        assert!(
            message(&with_rcp).contains("creating a role"),
            "{}",
            message(&with_rcp)
        );
    }
}

#[cfg(test)]
mod role_permissions_of_a_dump {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // What `leash usage --policies` narrows: every identity policy of a
    // role, and what of it cannot be read (then the role is kept as is).
    #[test]
    fn policies_and_what_cannot_be_read() {
        let dump = r#"{"RoleDetailList": [
            {"RoleName": "ok", "Arn": "arn:aws:iam::111122223333:role/ok",
             "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}}],
             "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}]},
            {"RoleName": "lost", "Arn": "arn:aws:iam::111122223333:role/lost",
             "AttachedManagedPolicies": [{"PolicyName": "gone", "PolicyArn": "arn:aws:iam::111122223333:policy/gone"}]},
            {"RoleName": "odd", "Arn": "arn:aws:iam::111122223333:role/odd",
             "RolePolicyList": [{"PolicyName": "q", "PolicyDocument": [1, 2]}]}]}"#;
        let roles = role_permissions(dump).unwrap();
        assert_eq!(roles.len(), 3);
        assert_eq!(roles[0].policies.len(), 2);
        assert!(roles[0].unreadable.is_empty());
        assert!(
            roles[1].unreadable[0].contains("policy/gone"),
            "{:?}",
            roles[1].unreadable
        );
        assert!(!roles[2].unreadable.is_empty());
        let (message, _) = role_permissions("{").unwrap_err();
        assert!(!message.is_empty());
    }
}
