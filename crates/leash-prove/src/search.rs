//! The search: the product of witnesses, pruned per statement, evaluated
//! with the engine.
//!
//! For: putting the regions of `domain` and `automaton` together into
//! candidate requests and asking the engine about each. Not for: choosing
//! witnesses (see `domain`) or the request file format (`counterexample`).

use std::collections::BTreeSet;
use std::time::Instant;

use leash_policy::authz::{PolicySet, PreparedPolicySet, ResourcePolicyKind};
use leash_policy::context::{ContextValue, PrincipalType, Request, RequestContext};
use leash_policy::matching::{ActionPattern, ArnPattern, split_arn};
use leash_policy::parse::parse_policy_text;
use leash_policy::print::print_policy;
use leash_policy::{Effect, Policy, PrincipalKind};
use serde_json::Value as Json;

use crate::approximate::{Approximation, approximate_policy, template_of, without_shared_allows};
use crate::automaton::TooManyStates;
use crate::automaton::{Matcher, RegionSearch};
use crate::counterexample::{Counterexample, RequestFields, replay, request_json};
use crate::domain::{
    Collected, Family, KeyValue, catalog_multivalued, key_values, parse_simple_date,
};
use crate::domain::{KeyUse, key_values_from};
use crate::summary::delegating_policy;
use crate::{Limits, Proof, Property, ProveError, Verdict};

/// The request time of every candidate (2026-01-01T00:00:00Z): fixed, so a
/// counterexample decides the same whenever it is replayed.
pub(crate) const CURRENT_TIME: i64 = 1_767_225_600;
const RESOURCE_STATE_LIMIT: usize = 10_000;
pub(crate) const DEFAULT_ACCOUNT: &str = "111122223333";
const ALLOW_ALL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

/// Keys the engine derives from the principal. For a resource policy the
/// principal varies, so these stay derived (consistent with the caller)
/// rather than chosen freely.
const PRINCIPAL_KEYS: [&str; 7] = [
    "aws:principalarn",
    "aws:principalaccount",
    "aws:principaltype",
    "aws:userid",
    "aws:username",
    "aws:principalisawsservice",
    "aws:principalservicename",
];

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Identity policies: one caller, a role session of the resource's
    /// account; the policies decide alone.
    Identity,
    /// Resource policies: callers vary; the caller's own identity policies
    /// are either silent or allow everything.
    Resource,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Goal {
    /// Side 1 (new) allows and side 0 (old) denies.
    NewAccess,
    /// Side 0 allows.
    Allowed,
}

struct CompiledStatement {
    side: usize,
    /// Indices of the statement's patterns in the action and resource
    /// pattern lists.
    action_indices: Vec<usize>,
    resource_indices: Option<Vec<usize>>,
    effect: Effect,
    actions_negated: bool,
    resources: Option<(Vec<ArnPattern>, bool)>,
    keys: Vec<String>,
}

impl CompiledStatement {
    fn resources_negated(&self) -> bool {
        self.resources.as_ref().is_some_and(|(_, negated)| *negated)
    }
}

struct Side {
    json: Json,
    plain: PreparedPolicySet,
    with_identity: Option<PreparedPolicySet>,
}

#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) principal: String,
    pub(crate) role_arn: Option<String>,
    pub(crate) kind: PrincipalType,
    pub(crate) account: Option<String>,
}

pub(crate) fn is_account(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

fn unknown(reason: impl Into<String>, evaluated: u64, start: Instant) -> Proof {
    Proof {
        verdict: Verdict::Unknown(reason.into()),
        requests_evaluated: evaluated,
        elapsed: start.elapsed(),
    }
}

/// Whether the policy is a resource policy: `Some(true)` with `Principal`,
/// `Some(false)` with statements and none, `None` without statements.
fn is_resource_policy(policy: &Policy) -> Option<bool> {
    if policy.statements.is_empty() {
        return None;
    }
    Some(
        policy
            .statements
            .iter()
            .any(|statement| statement.principal.is_some()),
    )
}

/// The single account the policies' resource ARNs name, if exactly one.
fn resource_accounts(collected: &Collected) -> BTreeSet<String> {
    collected
        .resource_patterns
        .iter()
        .filter_map(|pattern| split_arn(pattern))
        .map(|parts| parts[4].to_string())
        .filter(|account| is_account(account))
        .collect()
}

pub(crate) fn prove(property: &Property, limits: &Limits) -> Result<Proof, ProveError> {
    let start = Instant::now();
    let (policies, goal, query_actions, query_resources): (
        Vec<&Policy>,
        Goal,
        &[String],
        &[String],
    ) = match property {
        Property::NoNewAccess { old, new } => (vec![old, new], Goal::NewAccess, &[], &[]),
        Property::NotGranted {
            policy,
            actions,
            resources,
        } => (vec![policy], Goal::Allowed, actions, resources),
        Property::NoPublicAccess { policy, .. } => (vec![policy], Goal::Allowed, &[], &[]),
    };
    let kinds: Vec<Option<bool>> = policies.iter().map(|p| is_resource_policy(p)).collect();
    if kinds.contains(&Some(true)) && kinds.contains(&Some(false)) {
        return Err(ProveError::MixedPolicyKinds);
    }
    let public = matches!(property, Property::NoPublicAccess { .. });
    let mode = if kinds.contains(&Some(true)) || public {
        Mode::Resource
    } else {
        Mode::Identity
    };

    // Policy variables: the search runs on variable-free policies that
    // allow more (the side that must not allow) or less (the side compared
    // with); its counterexamples are checked with the real ones (see
    // `approximate`).
    let originals: Vec<&Policy> = policies.clone();
    let mut approximation = Approximation::default();
    let keep_exact_links = mode == Mode::Identity;
    let approximated: Vec<Policy> = match property {
        Property::NoNewAccess { old, new } => {
            let new = if mode == Mode::Identity {
                let reduced = without_shared_allows(old, new);
                approximation.changed |= reduced.statements.len() != new.statements.len();
                reduced
            } else {
                new.clone()
            };
            vec![
                approximate_policy(old, false, keep_exact_links, &mut approximation),
                approximate_policy(&new, true, keep_exact_links, &mut approximation),
            ]
        }
        Property::NotGranted { policy, .. } | Property::NoPublicAccess { policy, .. } => {
            vec![approximate_policy(
                policy,
                true,
                keep_exact_links,
                &mut approximation,
            )]
        }
    };
    let policies: Vec<&Policy> = approximated.iter().collect();
    // An approximated search rarely ends in a confirmed answer when it runs
    // long: it gets a shorter time limit (then unknown).
    let max_duration = if approximation.changed {
        limits.max_duration.min(APPROXIMATED_DURATION)
    } else {
        limits.max_duration
    };

    let mut collected = Collected::default();
    for policy in &policies {
        collected.add_policy(policy);
    }
    if let Some(reason) = collected.unsupported.first() {
        return Ok(unknown(reason.clone(), 0, start));
    }

    // The resource's account (resource policies only).
    let named_resource_accounts = resource_accounts(&collected);
    let owner = match property {
        Property::NoPublicAccess {
            account: Some(account),
            ..
        } => {
            if !is_account(account) {
                return Err(ProveError::InvalidAccount(account.clone()));
            }
            account.clone()
        }
        _ if named_resource_accounts.len() == 1 => named_resource_accounts
            .iter()
            .next()
            .cloned()
            .unwrap_or_default(),
        Property::NoPublicAccess { .. } => {
            let named = if named_resource_accounts.is_empty() {
                "no account".to_string()
            } else {
                named_resource_accounts
                    .iter()
                    .map(|account| format!("`{account}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            return Err(ProveError::UnknownAccount(named));
        }
        _ => DEFAULT_ACCOUNT.to_string(),
    };
    let organization = match property {
        Property::NoPublicAccess { organization, .. } => organization.clone(),
        _ => None,
    };

    // Actions.
    let mut action_texts: Vec<String> = collected.action_patterns.clone();
    action_texts.extend(query_actions.iter().cloned());
    // The last two matchers are the actions the request format accepts
    // (`service:Action` or `*`): only their regions are requests.
    let mut action_matchers: Vec<Matcher> = action_texts
        .iter()
        .map(|text| Matcher::glob(&text.to_ascii_lowercase()))
        .collect();
    // The engine treats STS actions apart (trust policies,
    // `sts:GetCallerIdentity`): they get regions of their own.
    action_matchers.extend([
        Matcher::glob("sts:*"),
        Matcher::literal("sts:getcalleridentity"),
        Matcher::glob("*:*"),
        Matcher::literal("*"),
    ]);
    if action_texts.iter().any(|text| !crate::exact_text(text)) {
        return Ok(unknown("an action pattern is not ASCII", 0, start));
    }
    let mut action_search = match RegionSearch::run(
        &action_matchers,
        &[':'],
        limits.max_automaton_states,
        Some(start + max_duration),
    ) {
        Ok(search) => search,
        Err(limit) => {
            return Ok(unknown(
                format!("the action patterns cannot be split: {limit}"),
                0,
                start,
            ));
        }
    };
    prettify_actions(&mut action_search, &action_texts);
    let query_action_patterns: Vec<ActionPattern> = query_actions
        .iter()
        .map(|text| ActionPattern::new(text))
        .collect();
    let actions: Vec<(String, Vec<bool>)> = action_search
        .regions
        .iter()
        .filter(|region| readable(&region.matches))
        .filter(|region| {
            query_action_patterns.is_empty()
                || query_action_patterns
                    .iter()
                    .any(|pattern| pattern.is_match(&region.witness))
        })
        .map(|region| (region.witness.clone(), region.matches.clone()))
        .collect();

    // Resources: split per action (below), over the patterns of the
    // statements that action can match.
    let mut resource_texts: Vec<String> = collected.resource_patterns.clone();
    let query_resource_indices: Vec<usize> = query_resources
        .iter()
        .map(|text| {
            resource_texts.push(text.clone());
            resource_texts.len() - 1
        })
        .collect();
    if resource_texts.iter().any(|text| !crate::exact_text(text)) {
        return Ok(unknown("a resource pattern is not ASCII", 0, start));
    }
    let query_resource_patterns: Vec<ArnPattern> = query_resources
        .iter()
        .map(|text| ArnPattern::new(text))
        .collect();

    // Keys compared with each other (`StringEquals` against
    // `${other-key}`) form components that share one split of their values.
    let components = match link_components(&mut collected, mode, limits) {
        Ok(components) => components,
        Err(reason) => return Ok(unknown(reason, 0, start)),
    };

    // Condition keys.
    let mut principal_arns: Vec<String> = Vec::new();
    let mut principal_accounts: Vec<String> = Vec::new();
    let mut key_variants: std::collections::BTreeMap<String, (String, Vec<KeyValue>)> =
        std::collections::BTreeMap::new();
    for (lowered, key) in &collected.keys {
        if mode == Mode::Resource && PRINCIPAL_KEYS.contains(&lowered.as_str()) {
            if let Err(reason) = principal_key_rule(lowered, key) {
                return Ok(unknown(reason, 0, start));
            }
            for literal in &key.literals {
                if lowered == "aws:principalarn" {
                    principal_arns.push(literal.clone());
                } else if lowered == "aws:principalaccount" && is_account(literal) {
                    principal_accounts.push(literal.clone());
                }
            }
            continue;
        }
        let mut key = key.clone();
        key.multivalued |= catalog_multivalued(&key.name);
        let org_filter = match (&organization, lowered.as_str()) {
            (Some(org), "aws:principalorgid") => {
                if key.families.iter().all(|family| *family == Family::String) {
                    key.string_matchers.push(Matcher::literal(org));
                }
                Some(org.clone())
            }
            _ => None,
        };
        if key.families.contains(&Family::Date)
            && let Err(reason) = check_dates(&key.name, &key.dates)
        {
            return Ok(unknown(reason, 0, start));
        }
        let computed = match components.singles.get(lowered) {
            Some(singles) => key_values_from(&key, singles.clone(), limits.max_set_witnesses),
            None => key_values(&key, limits.max_automaton_states, limits.max_set_witnesses),
        };
        let mut values = match computed {
            Ok(values) => values,
            Err(reason) => return Ok(unknown(reason, 0, start)),
        };
        if let Some(org) = org_filter {
            // Callers of the organization are not outside: leave them out.
            values.retain(|value| match value {
                KeyValue::Single(single) => *single != org,
                KeyValue::Multiple(many) => !many.contains(&org),
                KeyValue::Absent => true,
            });
        }
        key_variants.insert(lowered.clone(), (key.name.clone(), values));
    }

    // Statements, compiled with the engine's own matchers.
    let mut statements: Vec<CompiledStatement> = Vec::new();
    for (side, policy) in policies.iter().enumerate() {
        for statement in &policy.statements {
            let mut keys: Vec<String> = Vec::new();
            if let Some(condition) = &statement.condition {
                for block in &condition.node.blocks {
                    for entry in &block.entries {
                        let lowered = entry.key.node.to_ascii_lowercase();
                        let linked = components.members.get(&lowered).cloned();
                        for member in linked.unwrap_or_else(|| vec![lowered]) {
                            if key_variants.contains_key(&member) && !keys.contains(&member) {
                                keys.push(member);
                            }
                        }
                    }
                }
            }
            let action_indices = statement
                .action
                .node
                .patterns
                .iter()
                .filter_map(|pattern| action_texts.iter().position(|text| *text == pattern.node))
                .collect();
            let resource_indices = statement.resource.as_ref().map(|resource| {
                resource
                    .node
                    .patterns
                    .iter()
                    .filter_map(|pattern| {
                        resource_texts.iter().position(|text| *text == pattern.node)
                    })
                    .collect()
            });
            statements.push(CompiledStatement {
                side,
                action_indices,
                resource_indices,
                effect: statement.effect.node,
                actions_negated: statement.action.node.negated,
                resources: statement.resource.as_ref().map(|resource| {
                    (
                        resource
                            .node
                            .patterns
                            .iter()
                            .map(|pattern| ArnPattern::new(&pattern.node))
                            .collect(),
                        resource.node.negated,
                    )
                }),
                keys,
            });
        }
    }

    // Policy sets per side.
    let allow_all = parse_policy_text(ALLOW_ALL).policy;
    let make_side = |policy: &&Policy| {
        let json: Json = serde_json::from_str(&print_policy(policy)).unwrap_or(Json::Null);
        match mode {
            // What identity policies allow: the resource side delegates to
            // them, as the default key policy and a trust policy naming the
            // account do (`crate::summary::delegating_policy`). Without
            // it a key or role, whose policy must allow on its own, would
            // be denied on both sides, and a grant on it never new access.
            // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
            Mode::Identity => Side {
                json,
                plain: PreparedPolicySet::new(
                    &PolicySet::new()
                        .with_identity_policy("policy", (*policy).clone())
                        .with_resource_policy_kind(ResourcePolicyKind::Standard),
                ),
                with_identity: None,
            },
            Mode::Resource => Side {
                json,
                plain: PreparedPolicySet::new(
                    &PolicySet::new().with_resource_policy("resource policy", (*policy).clone()),
                ),
                with_identity: allow_all.as_ref().map(|allow_all| {
                    PreparedPolicySet::new(
                        &PolicySet::new()
                            .with_resource_policy("resource policy", (*policy).clone())
                            .with_identity_policy("caller identity policy", allow_all.clone()),
                    )
                }),
            },
        }
    };
    let sides: Vec<Side> = policies.iter().map(make_side).collect();
    // The real policies: what counterexamples are checked with and carry.
    let real_sides: Vec<Side> = if approximation.changed {
        originals.iter().map(make_side).collect()
    } else {
        Vec::new()
    };
    let real_sides: &[Side] = if approximation.changed {
        &real_sides
    } else {
        &sides
    };
    let mut unconfirmed: u64 = 0;
    let mut repairs_left: u32 = REPAIR_BUDGET;
    let templates = variable_templates(&originals);
    let allow_all_json: Json = serde_json::from_str(ALLOW_ALL).unwrap_or(Json::Null);
    let target_side = match goal {
        Goal::NewAccess => 1,
        Goal::Allowed => 0,
    };

    // Callers (resource policies).
    let callers: Vec<Caller> = match mode {
        Mode::Identity => Vec::new(),
        Mode::Resource => {
            let all = resource_callers(&collected, &owner, &principal_arns, &principal_accounts);
            if public {
                all.into_iter()
                    .filter(|caller| match caller.kind {
                        PrincipalType::Anonymous => true,
                        kind if kind.is_iam() => caller.account.as_deref() != Some(owner.as_str()),
                        _ => false,
                    })
                    .collect()
            } else {
                all
            }
        }
    };

    let mut evaluated: u64 = 0;
    let mut seen_actions: std::collections::HashSet<(Vec<bool>, String)> =
        std::collections::HashSet::new();
    let mut resource_regions: std::collections::HashMap<Vec<usize>, Vec<(String, Vec<bool>)>> =
        std::collections::HashMap::new();
    for (action, action_vector) in &actions {
        if start.elapsed() > max_duration {
            return Ok(unknown("the search ran out of time", evaluated, start));
        }
        let action_bits: Vec<bool> = statements
            .iter()
            .map(|statement| {
                statement
                    .action_indices
                    .iter()
                    .any(|&index| action_vector.get(index) == Some(&true))
                    != statement.actions_negated
            })
            .collect();
        // Actions that the same statements match are decided alike, except
        // STS actions (see above).
        let lowered = action.to_ascii_lowercase();
        let special = if lowered.starts_with("sts:") {
            lowered
        } else {
            String::new()
        };
        if !seen_actions.insert((action_bits.clone(), special)) {
            continue;
        }
        let matched = || statements.iter().zip(&action_bits).filter(|(_, bit)| **bit);
        let worth_it = match (goal, mode) {
            (Goal::NewAccess, Mode::Resource) => matched().next().is_some(),
            _ => matched().any(|(statement, _)| {
                statement.side == target_side && statement.effect == Effect::Allow
            }),
        };
        if !worth_it {
            continue;
        }
        let mut pattern_ids: Vec<usize> = matched()
            .flat_map(|(statement, _)| statement.resource_indices.iter().flatten().copied())
            .chain(query_resource_indices.iter().copied())
            .collect();
        pattern_ids.sort_unstable();
        pattern_ids.dedup();
        if !resource_regions.contains_key(&pattern_ids) {
            let regions = match split_resources(
                &pattern_ids,
                &resource_texts,
                &query_resource_patterns,
                &owner,
                limits,
                start + max_duration,
            ) {
                Ok(regions) => regions,
                Err(limit) => {
                    return Ok(unknown(
                        format!("the resource patterns cannot be split: {limit}"),
                        evaluated,
                        start,
                    ));
                }
            };
            resource_regions.insert(pattern_ids.clone(), regions);
        }
        let Some(regions) = resource_regions.get(&pattern_ids) else {
            continue;
        };
        for (resource, resource_vector) in regions {
            if start.elapsed() > max_duration {
                return Ok(unknown("the search ran out of time", evaluated, start));
            }
            let relevant: Vec<&CompiledStatement> = matched()
                .map(|(statement, _)| statement)
                .filter(|statement| match &statement.resource_indices {
                    None => true,
                    Some(indices) => {
                        indices.iter().any(|index| {
                            pattern_ids
                                .binary_search(index)
                                .ok()
                                .and_then(|position| resource_vector.get(position))
                                == Some(&true)
                        }) != statement.resources_negated()
                    }
                })
                .collect();
            let target_allows = relevant.iter().any(|statement| {
                statement.side == target_side && statement.effect == Effect::Allow
            });
            let proceed = match (goal, mode) {
                (Goal::NewAccess, Mode::Resource) => !relevant.is_empty(),
                _ => target_allows,
            };
            if !proceed {
                continue;
            }
            let mut keys: Vec<&String> = relevant.iter().flat_map(|s| s.keys.iter()).collect();
            keys.sort();
            keys.dedup();
            let variants: Vec<(&str, &[KeyValue])> = keys
                .iter()
                .filter_map(|key| key_variants.get(*key))
                .map(|(name, values)| (name.as_str(), values.as_slice()))
                .collect();
            if variants.iter().any(|(_, values)| values.is_empty()) {
                continue;
            }
            let combinations = variants.iter().try_fold(1u64, |product, (_, values)| {
                product.checked_mul(values.len() as u64)
            });
            if combinations.is_none_or(|count| count > limits.max_requests) {
                return Ok(unknown(
                    "too many combinations of condition key values to try",
                    evaluated,
                    start,
                ));
            }
            let (identity_caller, resource_account) = match mode {
                Mode::Identity => {
                    let account = split_arn(resource)
                        .map(|parts| parts[4])
                        .filter(|account| is_account(account))
                        .unwrap_or(DEFAULT_ACCOUNT)
                        .to_string();
                    (
                        vec![Caller {
                            principal: format!(
                                "arn:aws:sts::{account}:assumed-role/leash-prove-role/leash-prove-session"
                            ),
                            role_arn: None,
                            kind: PrincipalType::RoleSession,
                            account: Some(account.clone()),
                        }],
                        account,
                    )
                }
                Mode::Resource => (Vec::new(), owner.clone()),
            };
            let caller_list = match mode {
                Mode::Identity => &identity_caller,
                Mode::Resource => &callers,
            };
            for caller in caller_list {
                let identity_variants: &[bool] = match (mode, goal) {
                    (Mode::Identity, _) => &[false],
                    (Mode::Resource, _) if !caller.kind.is_iam() => &[false],
                    (Mode::Resource, Goal::NewAccess) => &[false, true],
                    (Mode::Resource, Goal::Allowed) if public => &[true],
                    (Mode::Resource, Goal::Allowed) => {
                        if caller.account.as_deref() == Some(resource_account.as_str()) {
                            &[false]
                        } else {
                            &[true]
                        }
                    }
                };
                for &with_identity in identity_variants {
                    let mut odometer = vec![0usize; variants.len()];
                    loop {
                        if evaluated.is_multiple_of(1024) && start.elapsed() > max_duration {
                            return Ok(unknown("the search ran out of time", evaluated, start));
                        }
                        if evaluated >= limits.max_requests {
                            return Ok(unknown(
                                "the search tried the most requests it may",
                                evaluated,
                                start,
                            ));
                        }
                        let context: Vec<(String, KeyValue)> = variants
                            .iter()
                            .zip(&odometer)
                            .filter_map(|((name, values), &index)| {
                                values
                                    .get(index)
                                    .map(|value| (name.to_string(), value.clone()))
                            })
                            .collect();
                        let request =
                            build_request(caller, action, resource, &resource_account, &context);
                        fn prepared(side: &Side, with_identity: bool) -> &PreparedPolicySet {
                            match (with_identity, &side.with_identity) {
                                (true, Some(prepared)) => prepared,
                                _ => &side.plain,
                            }
                        }
                        evaluated += 1;
                        let found = match goal {
                            Goal::NewAccess => {
                                prepared(&sides[1], with_identity)
                                    .evaluate(&request)
                                    .is_allowed()
                                    && !prepared(&sides[0], with_identity)
                                        .evaluate(&request)
                                        .is_allowed()
                            }
                            Goal::Allowed => prepared(&sides[0], with_identity)
                                .evaluate(&request)
                                .is_allowed(),
                        };
                        // With approximated policies, the real ones must
                        // agree (after trying values for the variables'
                        // keys taken from the request).
                        let real_goal = |context: &[(String, KeyValue)]| {
                            let request =
                                build_request(caller, action, resource, &resource_account, context);
                            match goal {
                                Goal::NewAccess => {
                                    prepared(&real_sides[1], with_identity)
                                        .evaluate(&request)
                                        .is_allowed()
                                        && !prepared(&real_sides[0], with_identity)
                                            .evaluate(&request)
                                            .is_allowed()
                                }
                                Goal::Allowed => prepared(&real_sides[0], with_identity)
                                    .evaluate(&request)
                                    .is_allowed(),
                            }
                        };
                        let confirmed: Option<Vec<(String, KeyValue)>> = if !found {
                            None
                        } else if !approximation.changed || real_goal(&context) {
                            Some(context.clone())
                        } else if repairs_left > 0 {
                            repairs_left -= 1;
                            repair(&templates, resource, &context, mode, real_goal)
                        } else {
                            None
                        };
                        if found && confirmed.is_none() {
                            unconfirmed += 1;
                            // Past this, the approximation is too loose for
                            // the search to end in a confirmed answer soon.
                            if unconfirmed >= UNCONFIRMED_LIMIT {
                                return Ok(unknown(
                                    format!(
                                        "policy variables: leash prove replaced them by an over-approximation (docs/prove.md), which found {unconfirmed} request(s) the real policies do not confirm; it stopped there"
                                    ),
                                    evaluated,
                                    start,
                                ));
                            }
                        }
                        if let Some(context) = confirmed {
                            let sides = real_sides;
                            let fields = RequestFields {
                                principal: &caller.principal,
                                role_arn: caller.role_arn.as_deref(),
                                action,
                                resource,
                                resource_account: &resource_account,
                                context: &context,
                                current_time: CURRENT_TIME,
                            };
                            let file_for = |side: &Side| match mode {
                                Mode::Identity => request_json(
                                    &fields,
                                    vec![side.json.clone()],
                                    Some(delegating_policy(&resource_account)),
                                ),
                                Mode::Resource => request_json(
                                    &fields,
                                    if with_identity {
                                        vec![allow_all_json.clone()]
                                    } else {
                                        Vec::new()
                                    },
                                    Some(side.json.clone()),
                                ),
                            };
                            let request_file = file_for(&sides[target_side]);
                            let baseline = match goal {
                                Goal::NewAccess => Some(file_for(&sides[0])),
                                Goal::Allowed => None,
                            };
                            let replayed =
                                replay(&request_file, true).and_then(|()| match &baseline {
                                    Some(baseline) => replay(baseline, false),
                                    None => Ok(()),
                                });
                            if let Err(problem) = replayed {
                                return Ok(unknown(
                                    format!("internal error, please report: {problem}"),
                                    evaluated,
                                    start,
                                ));
                            }
                            return Ok(Proof {
                                verdict: Verdict::DoesNotHold(Box::new(Counterexample {
                                    request: request_file,
                                    baseline,
                                    principal: caller.principal.clone(),
                                    action: action.clone(),
                                    resource: resource.clone(),
                                    context,
                                })),
                                requests_evaluated: evaluated,
                                elapsed: start.elapsed(),
                            });
                        }
                        if !advance(&mut odometer, &variants) {
                            break;
                        }
                    }
                }
            }
        }
    }
    if unconfirmed > 0 {
        return Ok(unknown(
            format!(
                "policy variables: leash prove replaced them by an over-approximation (docs/prove.md), which found {unconfirmed} request(s) the real policies do not confirm, and no counterexample that they do"
            ),
            evaluated,
            start,
        ));
    }
    Ok(Proof {
        verdict: Verdict::Holds,
        requests_evaluated: evaluated,
        elapsed: start.elapsed(),
    })
}

/// The time limit of a search on approximated policies (policy
/// variables).
const APPROXIMATED_DURATION: std::time::Duration = std::time::Duration::from_secs(2);
/// Unconfirmed candidates after which a proof gives up (unknown).
const UNCONFIRMED_LIMIT: u64 = 128;
/// How many unconfirmed candidates one proof tries to repair.
const REPAIR_BUDGET: u32 = 32;
/// Longest text whose substrings are tried as a variable's value.
const REPAIR_SUBJECT_LIMIT: usize = 160;

/// Where a policy variable's value shows in a request.
enum Subject {
    Resource,
    /// The value of this condition key.
    Key(String),
}

/// A policy string with variables of one key, and what it is matched
/// against.
struct VariableTemplate {
    key: String,
    template: leash_policy::variables::Template,
    subject: Subject,
}

/// The templates of the real policies, for [`repair`].
fn variable_templates(policies: &[&Policy]) -> Vec<VariableTemplate> {
    let mut templates = Vec::new();
    for policy in policies {
        let version = policy.effective_version();
        let mut push = |text: &str, subject: Subject| {
            let Some(template) = template_of(text, version) else {
                return;
            };
            let mut keys: Vec<String> = template
                .variables()
                .map(|variable| variable.key.to_ascii_lowercase())
                .collect();
            keys.dedup();
            if let ([key], Some(variable)) = (keys.as_slice(), template.variables().next()) {
                let _ = key;
                templates.push(VariableTemplate {
                    key: variable.key.clone(),
                    template: template.clone(),
                    subject,
                });
            }
        };
        for statement in &policy.statements {
            if let Some(resource) = &statement.resource {
                for pattern in &resource.node.patterns {
                    push(&pattern.node, Subject::Resource);
                }
            }
            if let Some(condition) = &statement.condition {
                for block in &condition.node.blocks {
                    for entry in &block.entries {
                        for value in &entry.values {
                            push(&value.node.as_text(), Subject::Key(entry.key.node.clone()));
                        }
                    }
                }
            }
        }
    }
    templates
}

/// A context under which the real policies confirm the candidate: a
/// variable's key set to the part of the resource (or of a condition
/// key's value) that its template needs there. `None` when none is found.
fn repair(
    templates: &[VariableTemplate],
    resource: &str,
    context: &[(String, KeyValue)],
    mode: Mode,
    confirms: impl Fn(&[(String, KeyValue)]) -> bool,
) -> Option<Vec<(String, KeyValue)>> {
    struct Value<'a>(&'a str);
    impl leash_policy::variables::VariableSource for Value<'_> {
        fn variable_value(&self, _key: &str) -> Option<&str> {
            Some(self.0)
        }
    }
    for template in templates {
        let lowered = template.key.to_ascii_lowercase();
        // In resource policies the caller's keys follow the caller.
        if mode == Mode::Resource && PRINCIPAL_KEYS.contains(&lowered.as_str()) {
            continue;
        }
        let subject: String = match &template.subject {
            Subject::Resource => resource.to_string(),
            Subject::Key(key) => match context
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(key))
            {
                Some((_, KeyValue::Single(value))) => value.clone(),
                _ => continue,
            },
        };
        if subject.len() > REPAIR_SUBJECT_LIMIT {
            continue;
        }
        let boundaries: Vec<usize> = subject
            .char_indices()
            .map(|(index, _)| index)
            .chain(std::iter::once(subject.len()))
            .collect();
        // Non-empty values first (readable), the empty one last.
        let mut spans: Vec<(usize, usize)> = Vec::new();
        for (position, &from) in boundaries.iter().enumerate() {
            for &to in boundaries.iter().skip(position + 1) {
                spans.push((from, to));
            }
        }
        spans.push((0, 0));
        for (from, to) in spans {
            {
                let Some(value) = subject.get(from..to) else {
                    continue;
                };
                let Some(tokens) = template.template.resolve_pattern(&Value(value)) else {
                    continue;
                };
                let fits = match template.subject {
                    Subject::Resource => ArnPattern::from_tokens(tokens).is_match(&subject),
                    Subject::Key(_) => leash_policy::matching::WildcardPattern::from_tokens(
                        tokens,
                        leash_policy::matching::CaseMode::Sensitive,
                    )
                    .is_match(&subject),
                };
                if !fits {
                    continue;
                }
                let mut repaired: Vec<(String, KeyValue)> = context
                    .iter()
                    .filter(|(name, _)| !name.eq_ignore_ascii_case(&template.key))
                    .cloned()
                    .collect();
                repaired.push((template.key.clone(), KeyValue::Single(value.to_string())));
                if confirms(&repaired) {
                    return Some(repaired);
                }
            }
        }
    }
    None
}

/// Resource regions over the given patterns, each with its match vector
/// (in `pattern_ids` order), or the limit the split ran into.
pub(crate) fn split_resources(
    pattern_ids: &[usize],
    resource_texts: &[String],
    query: &[ArnPattern],
    owner: &str,
    limits: &Limits,
    deadline: Instant,
) -> Result<Vec<(String, Vec<bool>)>, TooManyStates> {
    let mut matchers: Vec<Matcher> = pattern_ids
        .iter()
        .filter_map(|&index| resource_texts.get(index))
        .map(|text| Matcher::arn(text, true))
        .collect();
    // Resource kinds the engine treats apart (role trust policies, KMS key
    // policies, protected IAM resources), then what the request format accepts: an ARN with six
    // parts, or `*` (the last two, see `readable`).
    matchers.extend([
        Matcher::arn("*:*:iam:*:*:role/*", false),
        Matcher::arn("*:*:kms:*:*:key/*", false),
        // Resources AWS protects from change (authz's service protections).
        Matcher::arn("*:*:iam:*:aws:policy/*", false),
        Matcher::arn("*:*:iam:*:*:role/aws-service-role/*", false),
        Matcher::arn("*:*:iam:*:*:role/aws-reserved/*", false),
        Matcher::glob("arn:*:*:*:*:*"),
        Matcher::literal("*"),
    ]);
    // A smaller bound than for actions: ARN patterns whose segment-ending
    // `*` crosses colons multiply states quickly, and giving up early
    // (unknown) beats spending seconds.
    let state_limit = limits.max_automaton_states.min(RESOURCE_STATE_LIMIT);
    let mut search = RegionSearch::run(&matchers, &[':', '/'], state_limit, Some(deadline))?;
    prettify_resources(&mut search, owner);
    Ok(search
        .regions
        .iter()
        .filter(|region| readable(&region.matches))
        .filter(|region| {
            query.is_empty()
                || query
                    .iter()
                    .any(|pattern| pattern.is_match(&region.witness))
        })
        .map(|region| (region.witness.clone(), region.matches.clone()))
        .collect())
}

/// Whether a region lies in what the request format accepts (the last two
/// matchers, see above).
pub(crate) fn readable(matches: &[bool]) -> bool {
    matches.iter().rev().take(2).any(|matched| *matched)
}

/// Keys linked by `${...}` comparisons: per key, the members of its
/// component, and the single witnesses the component shares.
#[derive(Default)]
pub(crate) struct Components {
    pub(crate) members: std::collections::HashMap<String, Vec<String>>,
    pub(crate) singles: std::collections::HashMap<String, Vec<String>>,
}

/// Groups keys compared with each other and splits each group's values
/// together: one search over all the group's patterns, and two strings per
/// region where the region has two, so that equal and unequal pairs exist
/// in every combination of regions.
pub(crate) fn link_components(
    collected: &mut Collected,
    mode: Mode,
    limits: &Limits,
) -> Result<Components, String> {
    let links: Vec<(String, String, String)> = collected
        .keys
        .iter()
        .flat_map(|(lowered, key)| {
            key.compared_with
                .iter()
                .map(move |(other, name)| (lowered.clone(), other.clone(), name.clone()))
        })
        .collect();
    let mut components = Components::default();
    if links.is_empty() {
        return Ok(components);
    }
    if mode == Mode::Resource {
        return Err(
            "a resource policy compares condition keys with policy variables; leash prove covers them only in identity policies"
                .to_string(),
        );
    }
    // Union-find over key names, small enough for a plain map.
    let mut parent: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    fn root(parent: &std::collections::HashMap<String, String>, key: &str) -> String {
        let mut current = key.to_string();
        while let Some(next) = parent.get(&current) {
            if *next == current {
                break;
            }
            current = next.clone();
        }
        current
    }
    for (key, other, name) in &links {
        collected
            .keys
            .entry(other.clone())
            .or_insert_with(|| KeyUse {
                name: name.clone(),
                entries: 1,
                ..KeyUse::default()
            });
        let (left, right) = (root(&parent, key), root(&parent, other));
        parent.entry(key.clone()).or_insert_with(|| key.clone());
        parent.entry(other.clone()).or_insert_with(|| other.clone());
        if left != right {
            parent.insert(left, right);
        }
    }
    let mut groups: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for key in parent.keys() {
        groups
            .entry(root(&parent, key))
            .or_default()
            .push(key.clone());
    }
    for (_, mut members) in groups {
        members.sort();
        let mut matchers = Vec::new();
        for member in &members {
            let Some(key) = collected.keys.get(member) else {
                continue;
            };
            if key.families.iter().any(|family| *family != Family::String) {
                return Err(format!(
                    "`{}` is compared with another key and by a number, date or IP operator",
                    key.name
                ));
            }
            matchers.extend(key.string_matchers.iter().cloned());
        }
        let search =
            RegionSearch::run_with_seconds(&matchers, &[], limits.max_automaton_states, None)
                .map_err(|limit| {
                    format!("the keys compared with each other cannot be split: {limit}")
                })?;
        let mut singles: Vec<String> = Vec::new();
        for region in search.regions {
            singles.push(region.witness);
            singles.extend(region.second);
        }
        for member in &members {
            components.members.insert(member.clone(), members.clone());
            components.singles.insert(member.clone(), singles.clone());
        }
    }
    Ok(components)
}

pub(crate) fn advance(odometer: &mut [usize], variants: &[(&str, &[KeyValue])]) -> bool {
    for (slot, (_, values)) in odometer.iter_mut().zip(variants) {
        *slot += 1;
        if *slot < values.len() {
            return true;
        }
        *slot = 0;
    }
    false
}

pub(crate) fn build_request(
    caller: &Caller,
    action: &str,
    resource: &str,
    resource_account: &str,
    context: &[(String, KeyValue)],
) -> Request {
    let mut values = RequestContext::new();
    for (key, value) in context {
        match value {
            KeyValue::Absent => {}
            KeyValue::Single(single) => {
                values.insert(key.clone(), ContextValue::Single(single.clone()))
            }
            KeyValue::Multiple(many) => {
                values.insert(key.clone(), ContextValue::Multiple(many.clone()))
            }
        }
    }
    let mut request = Request::new(caller.principal.clone(), action, resource)
        .with_resource_account(resource_account)
        .with_time(CURRENT_TIME);
    if let Some(role_arn) = &caller.role_arn {
        request = request.with_role_arn(role_arn.clone());
    }
    request.with_context(values)
}

/// Principal keys in a resource policy: only equality with literal values
/// (and `Null`, `Bool`) is covered exactly, by callers built from those
/// literals.
fn principal_key_rule(lowered: &str, key: &crate::domain::KeyUse) -> Result<(), String> {
    use leash_policy::OperatorKind::*;
    let equality_only = key.operators.iter().all(|kind| {
        matches!(
            kind,
            StringEquals | StringNotEquals | ArnEquals | ArnNotEquals | Null | Bool | Unknown(_)
        )
    });
    let literal_arns = key
        .literals
        .iter()
        .all(|literal| !literal.contains(['*', '?']));
    let derivable = !matches!(
        lowered,
        "aws:userid" | "aws:username" | "aws:principalservicename"
    ) || key
        .operators
        .iter()
        .all(|kind| matches!(kind, Null | Unknown(_)));
    if equality_only && literal_arns && derivable {
        Ok(())
    } else {
        Err(format!(
            "the resource policy compares `{}` with patterns or operators other than equality; leash prove covers principal keys exactly only for equality with literal values",
            key.name
        ))
    }
}

/// Checks that the engine reads each policy date as the instant leash
/// prove computed (so the witnesses sit on the right side of it).
pub(crate) fn check_dates(key: &str, dates: &[String]) -> Result<(), String> {
    for date in dates {
        let Some(seconds) = parse_simple_date(date) else {
            return Err(format!(
                "the date `{date}` compared with `{key}` is outside the forms leash prove reads exactly"
            ));
        };
        let policy_text = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*",
                "Condition": {"DateEquals": {key: date}}}]
        })
        .to_string();
        let Some(policy) = parse_policy_text(&policy_text).policy else {
            return Err(format!("cannot check the date `{date}`"));
        };
        let prepared =
            PreparedPolicySet::new(&PolicySet::new().with_identity_policy("check", policy));
        let request = Request::new(
            format!("arn:aws:sts::{DEFAULT_ACCOUNT}:assumed-role/r/s"),
            "s3:GetObject",
            "*",
        )
        .with_context(
            RequestContext::new().with(key, leash_policy::context::format_iso8601(seconds)),
        );
        if !prepared.evaluate(&request).is_allowed() {
            return Err(format!(
                "the engine reads the date `{date}` differently from leash prove"
            ));
        }
    }
    Ok(())
}

/// Gives action regions the names of real actions where the catalog has
/// one in the region.
pub(crate) fn prettify_actions(search: &mut RegionSearch, patterns: &[String]) {
    let catalog = leash_catalog::catalog();
    let mut services: Vec<&str> = Vec::new();
    let mut every_service = false;
    for pattern in patterns {
        match pattern.split_once(':') {
            Some((service, _)) if !service.contains(['*', '?']) => {
                if !services.contains(&service) {
                    services.push(service);
                }
            }
            _ => every_service = true,
        }
    }
    let mut named = vec![false; search.regions.len()];
    let mut consider = |search: &mut RegionSearch, name: String| {
        if let Some(region) = search.region_of(&name.to_ascii_lowercase())
            && let Some(slot) = named.get_mut(region)
            && !*slot
        {
            *slot = true;
            search.prefer_witness(region, &name);
        }
    };
    if every_service {
        for service in catalog.services() {
            for action in service.actions() {
                consider(search, action.full_name());
            }
        }
    } else {
        for prefix in services {
            if let Some(service) = catalog.service(&prefix.to_ascii_lowercase()) {
                for action in service.actions() {
                    consider(search, action.full_name());
                }
            }
        }
    }
    consider(search, "leashprove:FreshAction".to_string());
}

/// A readable witness for the region no resource pattern matches.
fn prettify_resources(search: &mut RegionSearch, owner: &str) {
    let fresh = format!("arn:aws:leashprove:us-east-1:{owner}:fresh-resource");
    if let Some(region) = search.region_of(&fresh)
        && search.vector(region).is_some_and(|vector| {
            let patterns = vector.len().saturating_sub(4);
            vector.iter().take(patterns).all(|matched| !matched)
        })
    {
        search.prefer_witness(region, &fresh);
    }
}

/// Callers for a resource policy: each named principal (and a session of
/// each named role), a root user, a user and a role session of each named
/// account and of one fresh account, each named service and a fresh one,
/// named federated and canonical users, and an anonymous caller.
fn resource_callers(
    collected: &Collected,
    owner: &str,
    principal_arns: &[String],
    principal_accounts: &[String],
) -> Vec<Caller> {
    let mut accounts: Vec<String> = vec![owner.to_string()];
    let mut named: Vec<String> = Vec::new();
    let mut services: Vec<String> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for (kind, value) in &collected.principals {
        match kind {
            PrincipalKind::Aws if value == "*" => {}
            PrincipalKind::Aws if is_account(value) => accounts.push(value.clone()),
            PrincipalKind::Aws => named.push(value.clone()),
            PrincipalKind::Service => services.push(value.clone()),
            PrincipalKind::Federated | PrincipalKind::CanonicalUser => others.push(value.clone()),
        }
    }
    named.extend(principal_arns.iter().cloned());
    accounts.extend(principal_accounts.iter().cloned());
    for arn in &named {
        if let Some(parts) = split_arn(arn)
            && is_account(parts[4])
        {
            accounts.push(parts[4].to_string());
        }
    }
    let fresh = (0..100u64)
        .map(|offset| format!("{}", 999_999_999_999u64 - offset))
        .find(|candidate| !accounts.contains(candidate))
        .unwrap_or_else(|| "999999999999".to_string());
    accounts.push(fresh);
    accounts.sort();
    accounts.dedup();

    let mut callers: Vec<Caller> = Vec::new();
    let mut push = |principal: String, role_arn: Option<String>| {
        let Some(kind) = PrincipalType::derive(&principal) else {
            return;
        };
        if callers
            .iter()
            .any(|c| c.principal == principal && c.role_arn == role_arn)
        {
            return;
        }
        let account = split_arn(&principal)
            .map(|parts| parts[4].to_string())
            .filter(|account| is_account(account));
        callers.push(Caller {
            principal,
            role_arn,
            kind,
            account,
        });
    };
    for account in &accounts {
        push(format!("arn:aws:iam::{account}:root"), None);
        push(
            format!("arn:aws:iam::{account}:user/leash-prove-user"),
            None,
        );
        push(
            format!("arn:aws:sts::{account}:assumed-role/leash-prove-role/leash-prove-session"),
            None,
        );
    }
    for arn in &named {
        push(arn.clone(), None);
        if let Some(parts) = split_arn(arn)
            && let Some(path_and_name) = parts[5].strip_prefix("role/")
        {
            let name = path_and_name.rsplit('/').next().unwrap_or(path_and_name);
            push(
                format!(
                    "arn:{}:sts::{}:assumed-role/{name}/leash-prove-session",
                    parts[1], parts[4]
                ),
                Some(arn.clone()),
            );
        }
    }
    for service in services
        .iter()
        .chain(std::iter::once(&"leashprove.amazonaws.com".to_string()))
    {
        push(service.clone(), None);
    }
    for other in &others {
        push(other.clone(), None);
    }
    push("anonymous".to_string(), None);
    callers
}
