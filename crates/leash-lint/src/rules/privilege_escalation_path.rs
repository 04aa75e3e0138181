//! ## What it finds
//! A policy whose Allow statements together grant every action of a known
//! privilege-escalation path: one of the 65 paths of pathfinding.cloud
//! (`iam-001`: `iam:CreatePolicyVersion`; `lambda-001`: `iam:PassRole` +
//! `lambda:CreateFunction` + `lambda:InvokeFunction`; ...). The actions
//! may come from different statements and through wildcards (`iam:*`,
//! `*`, `NotAction`). One finding per path.
//!
//! An approximation, on the side of reporting: conditions are taken as
//! satisfiable; an action counts as granted when an Allow statement
//! matches it on some resource, and where the path's data says the target
//! is an IAM role, user, group or policy, that statement's `Resource`
//! must be able to name one (`*`, `NotResource`, or an ARN such as
//! `arn:aws:iam::*:role/*`). Other targets (instances, functions, stacks)
//! are checked only for the service: the `Resource` must be able to name
//! an ARN of a service the action acts on. `iam:PassRole` limited by
//! `iam:PassedToService` to one service completes only the paths that
//! pass a role to that service. `sts:AssumeRole` alone (`sts-001`) counts
//! only on roles the author did not name one by one (`*`, `NotResource`,
//! a wildcard in the role's name or account): assuming one named role is
//! the grant the author meant, not an escalation. An action is blocked only
//! by a Deny without `Condition` on `*` (or on every ARN of the target's
//! kind).
//!
//! ## Why it matters
//! Each path lets a principal gain permissions it was not given: attach a
//! policy to itself, pass an administrator role to code it controls,
//! assume a role whose trust it rewrote. Statements that look harmless one
//! by one can complete a path together.
//!
//! ## Example
//! ```json
//! {"Version": "2012-10-17", "Statement": [
//!   {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"},
//!   {"Sid": "Functions", "Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction"], "Resource": "*"}]}
//! ```
//!
//! ## Fix
//! Remove one action of the path, or scope it: name the roles that may be
//! passed and add `iam:PassedToService`, name the policies, users and
//! roles that may be changed. When the grant is intended, suppress the
//! finding with a reason.
//!
//! ## Reference
//! <https://pathfinding.cloud> (DataDog/pathfinding.cloud, Apache-2.0,
//! snapshot of 2025-12-17, reduced by `scripts/gen-privesc-table/run.sh`
//! into `crates/leash-lint/data/privesc-paths.json`),
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html> and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use super::util::{condition_entries, string_value};
use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use leash_policy::arn::{Arn, split_fields};
use leash_policy::matching::ActionPattern;
use leash_policy::{Effect, OperatorKind, Policy, Span, Statement, Value};
use std::sync::OnceLock;

pub static RULE: Rule = Rule {
    code: "L313",
    name: "privilege-escalation-path",
    severity: Severity::Warning,
    summary: "the policy grants every action of a known privilege-escalation path",
    access_analyzer: None,
    check: Some(check),
};

const DATA: &str = include_str!("../../data/privesc-paths.json");

/// The IAM resource kinds whose ARNs a path's target constrains
/// (`arn:aws:iam::ACCOUNT:role/NAME`); other targets are not checked.
const CHECKED_TARGETS: &[&str] = &["role", "user", "group", "policy"];

/// One action a path needs, with the IAM resource kind (`role`, `user`,
/// `group`, `policy`) it must be granted on, when the data names one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Requirement {
    pub(crate) action: String,
    pub(crate) target: Option<&'static str>,
    /// The services whose ARNs the action acts on (from the catalog's
    /// resource types; `ec2` for `ssm:StartSession`), empty when the
    /// catalog names none: then any resource counts.
    pub(crate) arn_services: Vec<&'static str>,
    /// For `iam:PassRole` in a path that passes a new role to a service:
    /// that service's prefix (`lambda`), taken from the path's other
    /// actions, so that `iam:PassedToService` limited to another service
    /// does not count.
    pub(crate) passed_to: Option<String>,
    /// For a path that is `sts:AssumeRole` alone (`sts-001`): the grant
    /// opens it only when it reaches roles the author did not name one by
    /// one (`*`, `NotResource`, a wildcard in the role's name). Assuming
    /// one named role gives that role's permissions, which is what the
    /// author granted; escalation needs roles chosen by whoever holds the
    /// grant. Combined with an action that changes a role (`iam-014`),
    /// one named role is enough, so the flag is off there.
    pub(crate) beyond_named_targets: bool,
}

/// One escalation path: its id (`iam-001`), name, category, and the
/// indices of its actions in [`PathTable::requirements`].
#[derive(Clone, Debug)]
pub(crate) struct EscalationPath {
    pub(crate) id: String,
    pub(crate) category: String,
    pub(crate) requirements: Vec<usize>,
}

/// Every path, with the distinct requirements of all paths listed once so
/// that a policy decides each of them once.
#[derive(Debug, Default)]
pub(crate) struct PathTable {
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) paths: Vec<EscalationPath>,
    /// The requirements grouped by their action's service prefix
    /// (lowercase), so that a pattern naming one service is matched only
    /// against that service's actions: most of a policy's patterns name a
    /// service no path uses.
    by_service: Vec<(String, Vec<usize>)>,
    /// Every requirement index, for patterns whose service part has a
    /// wildcard or that have no service part.
    all: Vec<usize>,
}

impl PathTable {
    /// The requirements an `Action` pattern may match: those of its
    /// service when the service part is literal (compared ignoring case,
    /// as IAM does), all of them otherwise.
    fn candidates(&self, pattern: &str) -> &[usize] {
        let Some((service, _)) = pattern.split_once(':') else {
            return &self.all;
        };
        if service.contains(['*', '?']) {
            return &self.all;
        }
        self.by_service
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(service))
            .map_or(&[], |(_, indices)| indices.as_slice())
    }
}

/// The embedded table, parsed at first use. The data is generated and
/// committed, and this module's tests parse it, so a malformed table
/// yields an empty one rather than a panic.
pub(crate) fn table() -> &'static PathTable {
    static TABLE: OnceLock<PathTable> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(DATA).unwrap_or_default())
}

fn parse_table(text: &str) -> Option<PathTable> {
    let root = leash_policy::json::parse_json(text).ok()?;
    let mut table = PathTable::default();
    for path in root.get("paths")?.as_array()? {
        let mut requirements = Vec::new();
        let required = path.get("required")?.as_array()?;
        let category = path.get("category")?.as_str()?;
        let passed_to = (category == "new-passrole")
            .then(|| {
                required
                    .iter()
                    .filter_map(|item| item.get("action")?.as_str()?.split_once(':'))
                    .map(|(service, _)| service.to_ascii_lowercase())
                    .find(|service| service != "iam" && service != "sts")
            })
            .flatten();
        let assume_role_alone = required.len() == 1
            && required.iter().all(|item| {
                item.get("action")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.eq_ignore_ascii_case("sts:AssumeRole"))
            });
        for item in required {
            let requirement = Requirement {
                action: item.get("action")?.as_str()?.to_string(),
                target: item
                    .get("target")
                    .and_then(Value::as_str)
                    .and_then(|t| CHECKED_TARGETS.iter().copied().find(|k| *k == t)),
                arn_services: Vec::new(),
                passed_to: None,
                beyond_named_targets: assume_role_alone,
            };
            let requirement = Requirement {
                passed_to: requirement
                    .action
                    .eq_ignore_ascii_case("iam:PassRole")
                    .then(|| passed_to.clone())
                    .flatten(),
                ..requirement
            };
            let index = match table.requirements.iter().position(|r| {
                r.action == requirement.action
                    && r.target == requirement.target
                    && r.passed_to == requirement.passed_to
                    && r.beyond_named_targets == requirement.beyond_named_targets
            }) {
                Some(index) => index,
                None => {
                    let arn_services = arn_services(&requirement.action);
                    table.requirements.push(Requirement {
                        arn_services,
                        ..requirement
                    });
                    table.requirements.len() - 1
                }
            };
            if !requirements.contains(&index) {
                requirements.push(index);
            }
        }
        table.paths.push(EscalationPath {
            id: path.get("id")?.as_str()?.to_string(),
            category: category.to_string(),
            requirements,
        });
    }
    for (index, requirement) in table.requirements.iter().enumerate() {
        table.all.push(index);
        // An action without a service part matches only patterns without
        // one or with a wildcard in it: it belongs to no group.
        let Some((service, _)) = requirement.action.split_once(':') else {
            continue;
        };
        let service = service.to_ascii_lowercase();
        match table
            .by_service
            .iter_mut()
            .find(|(known, _)| *known == service)
        {
            Some((_, indices)) => indices.push(index),
            None => table.by_service.push((service, vec![index])),
        }
    }
    Some(table)
}

/// The services named by the ARN templates of the resource types an
/// action acts on (`arn:${Partition}:ec2:...` gives `ec2`).
fn arn_services(action: &str) -> Vec<&'static str> {
    let catalog = leash_catalog::catalog();
    let Some(found) = catalog.action(action) else {
        return Vec::new();
    };
    let Some(service) = catalog.service(found.service()) else {
        return Vec::new();
    };
    let mut services: Vec<&'static str> = Vec::new();
    for resource in found.resource_types() {
        let Some(resource_type) = service.resource_type(resource.resource_type()) else {
            continue;
        };
        if let Some(name) = Arn::parse(resource_type.arn_template())
            .ok()
            .map(|arn| arn.service().as_str())
            && !services.contains(&name)
        {
            services.push(name);
        }
    }
    services
}

/// How one policy treats one requirement.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Standing {
    /// No statement grants it.
    Absent,
    /// First granting statement, and the span of the pattern that grants.
    Granted { statement: usize, span: Span },
    /// A Deny blocks it on every resource of its kind.
    Denied,
}

/// Each requirement of [`table`] as `policy` treats it, in table order:
/// denied when an unconditional Deny blocks it on every target (an
/// explicit deny wins over any allow), otherwise granted by the first
/// Allow statement that grants it, otherwise absent.
pub(crate) fn standings(policy: &Policy) -> Vec<Standing> {
    let table = table();
    let count = table.requirements.len();
    let mut denied = vec![false; count];
    let mut granted: Vec<Option<Standing>> = vec![None; count];
    // For the statement at hand: the first of its patterns that matches
    // each requirement's action.
    let mut matched: Vec<Option<Span>> = vec![None; count];
    for (index, statement) in policy.statements.iter().enumerate() {
        matched.fill(None);
        let mut any_matched = false;
        for pattern in &statement.action.node.patterns {
            let candidates = table.candidates(&pattern.node);
            if candidates.is_empty() {
                continue;
            }
            let compiled = ActionPattern::new(&pattern.node);
            for &r in candidates {
                if let (Some(slot @ None), Some(requirement)) =
                    (matched.get_mut(r), table.requirements.get(r))
                    && compiled.is_match(&requirement.action)
                {
                    *slot = Some(pattern.span);
                    any_matched = true;
                }
            }
        }
        if !any_matched && !statement.action.node.negated {
            continue;
        }
        for (r, requirement) in table.requirements.iter().enumerate() {
            let first_match = matched.get(r).copied().flatten();
            // `NotAction` covers an action when none of its patterns does.
            let span = if statement.action.node.negated {
                first_match.is_none().then_some(statement.action.span)
            } else {
                first_match
            };
            let Some(span) = span else {
                continue;
            };
            match statement.effect.node {
                Effect::Deny if denies_every_target(statement, requirement.target) => {
                    if let Some(flag) = denied.get_mut(r) {
                        *flag = true;
                    }
                }
                Effect::Allow
                    if granted.get(r).is_some_and(Option::is_none)
                        && may_name_target(statement, requirement)
                        && may_pass_to(statement, requirement.passed_to.as_deref()) =>
                {
                    if let Some(slot) = granted.get_mut(r) {
                        *slot = Some(Standing::Granted {
                            statement: index,
                            span,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    denied
        .iter()
        .zip(granted)
        .map(|(&denied, granted)| {
            if denied {
                Standing::Denied
            } else {
                granted.unwrap_or(Standing::Absent)
            }
        })
        .collect()
}

/// Whether an Allow's resources can include the requirement's target: an
/// IAM `role/...` (`user/`, `group/`, `policy/`) when the data names one,
/// else a resource of a service the action acts on. `*` and `NotResource`
/// always can.
fn may_name_target(statement: &Statement, requirement: &Requirement) -> bool {
    let Some(resource) = &statement.resource else {
        return false;
    };
    resource.node.negated
        || resource.node.patterns.iter().any(|p| {
            let reaches = match requirement.target {
                Some(kind) => pattern_may_name(&p.node, kind),
                None => pattern_may_name_service(&p.node, &requirement.arn_services),
            };
            reaches && (!requirement.beyond_named_targets || names_many(&p.node))
        })
}

/// Whether a `Resource` pattern can match more than one resource: `*`,
/// or a wildcard in its resource part (`role/app-*`) or in its account
/// (`arn:aws:iam::*:role/deploy` is a role of that name in every account).
fn names_many(pattern: &str) -> bool {
    // Any six fields, `arn` or not, as the `Resource` matching reads them.
    match split_fields(pattern) {
        Some([_, _, _, _, account, resource]) => {
            account.contains(['*', '?']) || resource.contains(['*', '?'])
        }
        None => pattern.contains(['*', '?']),
    }
}

/// Whether an Allow of `iam:PassRole` may pass the role to `service`: no
/// `iam:PassedToService` condition with `StringEquals`/`StringLike`, or
/// one with a value naming the service (`lambda.amazonaws.com`,
/// `ecs-tasks.amazonaws.com`) or a wildcard. The condition key:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService>
fn may_pass_to(statement: &Statement, service: Option<&str>) -> bool {
    let Some(service) = service else {
        return true;
    };
    condition_entries(statement).all(|(block, entry)| {
        let operator = &block.operator.node;
        let limits = operator.qualifier.is_none()
            && matches!(
                operator.kind,
                OperatorKind::StringEquals
                    | OperatorKind::StringEqualsIgnoreCase
                    | OperatorKind::StringLike
            )
            && entry.key.node.eq_ignore_ascii_case("iam:PassedToService");
        !limits
            || entry.values.iter().any(|value| {
                string_value(&value.node).is_none_or(|text| {
                    let text = text.to_ascii_lowercase();
                    text.contains(['*', '?'])
                        || text.split('.').any(|label| label == service)
                        || text.starts_with(&format!("{service}-"))
                })
            })
    })
}

/// Whether a `Resource` pattern can name an ARN of one of `services`
/// (any, when `services` is empty).
fn pattern_may_name_service(pattern: &str, services: &[&str]) -> bool {
    if services.is_empty() {
        return true;
    }
    match Arn::parse(pattern) {
        Ok(arn) => {
            let service = arn.service();
            service.is_pattern() || services.iter().any(|s| s.eq_ignore_ascii_case(&service))
        }
        Err(_) => pattern.contains(['*', '?']),
    }
}

/// Whether a `Resource` pattern can match some `arn:PARTITION:iam::ACCOUNT:KIND/NAME`.
/// A pattern that is not a six-part ARN counts when it has a wildcard
/// (`arn:aws:iam::*` spans the missing parts).
fn pattern_may_name(pattern: &str, kind: &str) -> bool {
    let Ok(arn) = Arn::parse(pattern) else {
        return pattern.contains(['*', '?']);
    };
    let resource = arn.resource().as_str();
    if !(arn.service().eq_ignore_ascii_case("iam") || arn.service().is_pattern()) {
        return false;
    }
    // The literal text before the first wildcard must agree with `KIND/`.
    let literal = resource.split(['*', '?']).next().unwrap_or(resource);
    let wanted = format!("{kind}/");
    let wildcard = literal.len() < resource.len();
    if wildcard {
        wanted.starts_with(literal) || literal.starts_with(&wanted)
    } else {
        literal.starts_with(&wanted)
    }
}

/// Whether an unconditional Deny covers every resource the action could
/// target: `"Resource": "*"`, or an ARN naming every IAM `target` of an
/// account (`arn:aws:iam::*:role/*`). AWS: an explicit deny overrides any
/// allow (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>).
fn denies_every_target(statement: &Statement, target: Option<&str>) -> bool {
    if statement.condition.is_some() {
        return false;
    }
    let Some(resource) = &statement.resource else {
        return false;
    };
    if resource.node.negated {
        return false;
    }
    resource.node.patterns.iter().any(|p| {
        p.node == "*"
            || target.is_some_and(|kind| {
                Arn::parse(&p.node).is_ok_and(|arn| {
                    (arn.service().eq_ignore_ascii_case("iam") || arn.service().is_wildcard())
                        && (arn.resource().is_wildcard()
                            || arn.resource().as_str() == format!("{kind}/*"))
                })
            })
    })
}

/// A path every requirement of which is granted and none denied, with the
/// grant of each requirement in the path's order; `None` otherwise.
pub(crate) fn completed<'s>(
    path: &EscalationPath,
    standings: &'s [Standing],
) -> Option<Vec<(usize, &'s Standing)>> {
    path.requirements
        .iter()
        .map(|&r| match standings.get(r) {
            Some(standing @ Standing::Granted { .. }) => Some((r, standing)),
            _ => None,
        })
        .collect()
}

/// `` `a` + `b` ``: the actions of a path for a message.
pub(crate) fn path_actions(path: &EscalationPath) -> String {
    let requirements = &table().requirements;
    path.requirements
        .iter()
        .filter_map(|&r| requirements.get(r))
        .map(|r| format!("`{}`", r.action))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// How a statement is named in help: `` `Sid` (statement 2) `` or
/// `statement 2` (1-based, as people count).
pub(crate) fn statement_name(policy: &Policy, index: usize) -> String {
    match policy
        .statements
        .get(index)
        .and_then(|s| s.sid.as_ref())
        .filter(|sid| !sid.node.is_empty())
    {
        Some(sid) => format!("`{}` (statement {})", sid.node, index + 1),
        None => format!("statement {}", index + 1),
    }
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    if input.kind != PolicyKind::Identity {
        return;
    }
    let policy = input.policy;
    let standings = standings(policy);
    for path in &table().paths {
        let Some(grants) = completed(path, &standings) else {
            continue;
        };
        let mut statements: Vec<usize> = Vec::new();
        let mut first_span = None;
        for (_, standing) in &grants {
            if let Standing::Granted { statement, span } = standing {
                first_span.get_or_insert(*span);
                if !statements.contains(statement) {
                    statements.push(*statement);
                }
            }
        }
        let Some(span) = first_span else { continue };
        statements.sort_unstable();
        let names: Vec<String> = statements
            .iter()
            .map(|&i| statement_name(policy, i))
            .collect();
        let combine = if names.len() == 1 {
            format!("{} grants every action", names.join(""))
        } else {
            format!("{} combine", names.join(", "))
        };
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "privilege-escalation path `{}` ({}) is open: {}",
                    path.id,
                    path.category,
                    path_actions(path)
                ),
                span,
            )
            .with_label(format!("part of `{}`", path.id))
            .with_help(format!("{combine}; remove or scope one of the actions")),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    #![allow(clippy::unwrap_used)]
    use super::super::util::findings;
    use super::*;

    fn open_paths(text: &str) -> Vec<String> {
        findings(text, Some(PolicyKind::Identity), "L313")
            .into_iter()
            .map(|d| d.message)
            .collect()
    }

    fn opens(text: &str, id: &str) -> bool {
        open_paths(text)
            .iter()
            .any(|m| m.contains(&format!("`{id}`")))
    }

    #[test]
    fn the_embedded_table_has_every_path() {
        let table = table();
        assert_eq!(table.paths.len(), 65);
        assert!(table.paths.iter().all(|p| !p.requirements.is_empty()));
        let lambda = table.paths.iter().find(|p| p.id == "lambda-001").unwrap();
        assert_eq!(
            path_actions(lambda),
            "`iam:PassRole` + `lambda:CreateFunction` + `lambda:InvokeFunction`"
        );
    }

    /// The committed table matches the corpus it was generated from (when
    /// the corpus is beside the checkout): every path, in file order, with
    /// its required actions. Rerun `scripts/gen-privesc-table/run.sh` if not.
    #[test]
    fn the_embedded_table_is_current() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../../shared/corpus/privesc-paths");
        let Ok(entries) = std::fs::read_dir(&corpus) else {
            return;
        };
        let mut files: Vec<_> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        let table = table();
        assert_eq!(files.len(), table.paths.len());
        for (file, path) in files.iter().zip(&table.paths) {
            let value = leash_iac::parse_yaml(&std::fs::read_to_string(file).unwrap()).unwrap();
            assert_eq!(value.get("id").unwrap().as_str(), Some(path.id.as_str()));
            let wanted: Vec<&str> = value
                .get("permissions")
                .and_then(|p| p.get("required"))
                .and_then(Value::as_array)
                .unwrap()
                .iter()
                .map(|item| item.get("permission").unwrap().as_str().unwrap())
                .collect();
            let have: Vec<&str> = path
                .requirements
                .iter()
                .map(|&r| table.requirements[r].action.as_str())
                .collect();
            assert_eq!(have, wanted, "{}", path.id);
        }
    }

    #[test]
    fn two_statements_complete_a_path() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/*"},
            {"Sid": "Ec2", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*"}]}"#;
        let found = findings(text, Some(PolicyKind::Identity), "L313");
        let ec2 = found
            .iter()
            .find(|d| d.message.contains("`ec2-001`"))
            .unwrap();
        let help = ec2.help.as_deref().unwrap();
        assert!(help.contains("`Pass` (statement 1), `Ec2` (statement 2) combine"));
        // Either statement alone completes nothing.
        let pass_only = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}]}"#;
        assert!(open_paths(pass_only).is_empty());
    }

    // An explicit deny overrides any allow:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    #[test]
    fn a_deny_on_every_resource_blocks_the_path() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:Create*", "Resource": "*"}]}"#;
        assert!(!opens(text, "iam-001"));
        // A conditional deny may not apply: the path stays open.
        let conditional = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "*", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}]}"#;
        assert!(opens(conditional, "iam-001"));
        // A deny on every policy ARN covers the path's target too.
        let every_policy = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:CreatePolicyVersion", "Resource": "*"},
            {"Effect": "Deny", "Action": "iam:CreatePolicyVersion", "Resource": "arn:aws:iam::*:policy/*"}]}"#;
        assert!(!opens(every_policy, "iam-001"));
    }

    #[test]
    fn a_service_wildcard_completes_several_paths() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}"#;
        let found = open_paths(text);
        for id in ["iam-001", "iam-005", "iam-009", "iam-012", "iam-019"] {
            assert!(found.iter().any(|m| m.contains(&format!("`{id}`"))), "{id}");
        }
        // Paths that need another service stay closed.
        assert!(!opens(text, "lambda-001"));
        assert!(!opens(text, "iam-014"));
    }

    // NotAction grants every action it does not list:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html
    #[test]
    fn not_action_grants_what_it_does_not_list() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#;
        assert!(opens(text, "lambda-003"));
        assert!(!opens(text, "iam-001"));
        assert!(!opens(text, "lambda-001"));
    }

    #[test]
    fn the_target_kind_limits_the_resources_that_count() {
        // A PutRolePolicy grant on users' ARNs reaches no role.
        let users = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "arn:aws:iam::111122223333:user/*"}]}"#;
        assert!(!opens(users, "iam-005"));
        let roles = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PutRolePolicy", "Resource": "arn:aws:iam::111122223333:role/app-*"}]}"#;
        assert!(opens(roles, "iam-005"));
        assert!(pattern_may_name("arn:aws:iam::*:r*", "role"));
        assert!(!pattern_may_name("arn:aws:s3:::bucket/*", "role"));
        // Every action on a bucket's objects reaches no function or instance.
        let bucket = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::reports/*"}]}"#;
        assert!(!opens(bucket, "lambda-003"));
        assert!(!opens(bucket, "ssm-001"));
        // `ssm:StartSession` acts on EC2 instances.
        let session = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:StartSession", "Resource": "arn:aws:ec2:*:111122223333:instance/*"}]}"#;
        assert!(opens(session, "ssm-001"));
    }

    // iam:PassedToService limits the services a role may be passed to:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    #[test]
    fn passed_to_service_limits_the_paths_pass_role_completes() {
        let text = r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}},
            {"Effect": "Allow", "Action": ["lambda:CreateFunction", "lambda:InvokeFunction", "ec2:RunInstances", "ecs:RegisterTaskDefinition", "ecs:RunTask"], "Resource": "*"}]}"#;
        assert!(opens(text, "lambda-001"));
        assert!(!opens(text, "ec2-001"));
        assert!(!opens(text, "ecs-004"));
        let ecs_tasks = text.replace("lambda.amazonaws.com", "ecs-tasks.amazonaws.com");
        assert!(opens(&ecs_tasks, "ecs-004"));
        assert!(!opens(&ecs_tasks, "lambda-001"));
    }

    // Assuming a role gives the permissions of that role's policies, and
    // the role's trust policy must also trust the caller:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
    // One named role is the access the author granted; escalation needs
    // roles the holder of the grant chooses.
    #[test]
    fn assume_role_on_one_named_role_is_not_an_escalation() {
        let named = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "arn:aws:iam::111122223333:role/reports-reader"}]}"#;
        assert!(!opens(named, "sts-001"));
        for open in [
            "*",
            "arn:aws:iam::111122223333:role/*",
            "arn:aws:iam::111122223333:role/reports-*",
            "arn:aws:iam::*:role/reports-reader",
        ] {
            let text = named.replace("arn:aws:iam::111122223333:role/reports-reader", open);
            assert!(opens(&text, "sts-001"), "{open}");
        }
        // With a grant that rewrites that role's policy, the one role is
        // enough to escalate.
        let with_put = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sts:AssumeRole", "iam:PutRolePolicy"], "Resource": "arn:aws:iam::111122223333:role/reports-reader"}]}"#;
        assert!(opens(with_put, "iam-017"));
    }

    #[test]
    fn only_identity_policies_are_checked() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "iam:*", "Resource": "*"}]}"#;
        assert!(findings(text, Some(PolicyKind::Resource), "L313").is_empty());
    }
}
