//! `summary`: which actions on which resources a set of identity policies
//! allows, and under which conditions, derived from the same regions as
//! the proofs.
//!
//! For: turning the regions of the request space (see `search`) into a
//! short list of rows, each an exact set of actions, an exact set of
//! resources (both written as "matches one of these patterns, none of
//! those"), and the condition under which the set is allowed, with a
//! request that the engine allows as a witness. Not for: printing (the
//! CLI) or resource policies (their principal adds a dimension this module
//! does not summarize).
//!
//! Method: every cell (action region, resource region) that an Allow
//! reaches is decided by the engine for every combination of its condition
//! keys' witnesses: always allowed, never, or sometimes. A "sometimes" cell
//! is allowed exactly when one of the conditions of the Allow statements
//! that apply to it holds and none of the conditions of the Deny
//! statements that apply to it does (IAM's evaluation logic:
//! https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html);
//! those conditions are the row's. Cells with the same condition are
//! merged, and each merged set of regions is described by patterns of the
//! policies; the description is checked against every region, so a row
//! never claims more or less than the regions it stands for.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::PrincipalType;
use leash_policy::matching::{ArnPattern, split_arn};
use leash_policy::parse::parse_policy_text;
use leash_policy::print::print_policy;
use leash_policy::{Effect, Policy};
use serde_json::{Value as Json, json};

use crate::Limits;
use crate::automaton::{Matcher, RegionSearch};
use crate::counterexample::{RequestFields, replay, request_json};
use crate::domain::{Collected, KeyValue, catalog_multivalued, key_values, key_values_from};
use crate::search::{
    CURRENT_TIME, Caller, DEFAULT_ACCOUNT, Mode, advance, build_request, check_dates, is_account,
    link_components, prettify_actions, readable, split_resources,
};

/// What a set of identity policies allows.
#[derive(Clone, Debug)]
pub struct Summary {
    /// Disjoint: a request falls in at most one row.
    pub rows: Vec<SummaryRow>,
    /// Candidate requests evaluated by the engine.
    pub requests_evaluated: u64,
    pub elapsed: Duration,
}

/// A set of strings: those matching every `all_of` pattern and no
/// `none_of` pattern (actions as `Action` patterns, resources as
/// `Resource` patterns).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PatternSet {
    pub all_of: Vec<String>,
    pub none_of: Vec<String>,
}

/// The condition under which a row is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowCondition {
    /// `None`: an Allow applies without a condition. `Some(list)`: at least
    /// one of these `Condition` objects (of the Allow statements) holds.
    pub allow_when: Option<Vec<Json>>,
    /// `Condition` objects of the Deny statements that apply: none of them
    /// may hold.
    pub unless: Vec<Json>,
}

/// Catalog actions of one service that a row's actions include.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceActions {
    pub service: String,
    /// Catalog actions of the service in the row (full names).
    pub included: Vec<String>,
    /// Catalog actions of the service not in the row.
    pub missing: Vec<String>,
    /// How many actions the catalog lists for the service.
    pub total: usize,
}

/// One row: these actions on these resources, under this condition.
#[derive(Clone, Debug)]
pub struct SummaryRow {
    /// The service prefix (lowercase) when every action of the row is of
    /// one service; `None` when the row spans services.
    pub service: Option<String>,
    /// The actions: the union of these sets.
    pub actions: Vec<PatternSet>,
    /// The catalog's actions in the row, by service.
    pub catalog: Vec<ServiceActions>,
    /// The resources: the union of these sets.
    pub resources: Vec<PatternSet>,
    /// `None`: allowed under every context.
    pub condition: Option<RowCondition>,
    /// A request in the `leash sim` format that the engine allows.
    pub witness: Json,
}

/// Why there is no summary.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SummaryError {
    #[error(
        "`{0}` is a resource policy (it has `Principal`): leash prove summary covers identity policies"
    )]
    ResourcePolicy(String),
    /// The method cannot summarize exactly (a feature it does not cover, or
    /// a bound); the reason says which.
    #[error("{0}")]
    Unknown(String),
}

/// The resource policy every candidate carries: it names the caller's
/// account, which delegates the decision to the identity policies (as a
/// KMS key policy or role trust policy that trusts the account does), so
/// that the summary is what the identity policies allow.
pub(crate) fn delegating_policy(account: &str) -> Json {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
        "Action": "*", "Resource": "*"}]})
}

struct Statement {
    effect: Effect,
    action_indices: Vec<usize>,
    actions_negated: bool,
    resource_indices: Option<Vec<usize>>,
    resources_negated: bool,
    keys: Vec<String>,
    condition: Option<Json>,
}

/// Action, resource and context of one allowed candidate.
type CellWitness = (String, String, Vec<(String, KeyValue)>);

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Status {
    Always,
    /// Allowed under the condition, keyed by its JSON text.
    Sometimes(String),
}

struct Cell {
    status: Status,
    condition: Option<RowCondition>,
    resource: String,
    context: Vec<(String, KeyValue)>,
}

/// Summarizes identity policies (of one principal, taken together).
pub fn summarize(policies: &[(String, Policy)], limits: &Limits) -> Result<Summary, SummaryError> {
    let start = Instant::now();
    let unknown = |reason: &str| SummaryError::Unknown(reason.to_string());
    for (name, policy) in policies {
        if policy.statements.iter().any(|s| s.principal.is_some()) {
            return Err(SummaryError::ResourcePolicy(name.clone()));
        }
    }
    let mut collected = Collected::default();
    for (_, policy) in policies {
        collected.add_policy(policy);
    }
    if let Some(reason) = collected.unsupported.first() {
        return Err(SummaryError::Unknown(reason.clone()));
    }
    let deadline = start + limits.max_duration;

    // Actions: the same regions as the proofs, with the catalog's names.
    let action_texts: Vec<String> = collected.action_patterns.clone();
    if action_texts.iter().any(|text| !crate::exact_text(text)) {
        return Err(unknown("an action pattern is not ASCII"));
    }
    let mut action_matchers: Vec<Matcher> = action_texts
        .iter()
        .map(|text| Matcher::glob(&text.to_ascii_lowercase()))
        .collect();
    // As in the proofs: STS actions apart, then what the request format
    // accepts (the last two).
    action_matchers.extend([
        Matcher::glob("sts:*"),
        Matcher::literal("sts:getcalleridentity"),
        Matcher::glob("*:*"),
        Matcher::literal("*"),
    ]);
    let mut action_search = RegionSearch::run(
        &action_matchers,
        &[':'],
        limits.max_automaton_states,
        Some(deadline),
    )
    .map_err(|limit| unknown(&format!("the action patterns cannot be split: {limit}")))?;
    prettify_actions(&mut action_search, &action_texts);
    let resource_texts: Vec<String> = collected.resource_patterns.clone();
    if resource_texts.iter().any(|text| !crate::exact_text(text)) {
        return Err(unknown("a resource pattern is not ASCII"));
    }

    let components =
        link_components(&mut collected, Mode::Identity, limits).map_err(SummaryError::Unknown)?;
    let mut key_variants: BTreeMap<String, (String, Vec<KeyValue>)> = BTreeMap::new();
    for (lowered, key) in &collected.keys {
        let mut key = key.clone();
        key.multivalued |= catalog_multivalued(&key.name);
        if key.families.contains(&crate::domain::Family::Date) {
            check_dates(&key.name, &key.dates).map_err(SummaryError::Unknown)?;
        }
        let values = match components.singles.get(lowered) {
            Some(singles) => key_values_from(&key, singles.clone(), limits.max_set_witnesses),
            None => key_values(&key, limits.max_automaton_states, limits.max_set_witnesses),
        }
        .map_err(SummaryError::Unknown)?;
        key_variants.insert(lowered.clone(), (key.name.clone(), values));
    }

    // Statements, with their conditions as written.
    let mut statements: Vec<Statement> = Vec::new();
    for (_, policy) in policies {
        let printed: Json = serde_json::from_str(&print_policy(policy)).unwrap_or(Json::Null);
        let printed_statements: Vec<Json> = match &printed["Statement"] {
            Json::Array(items) => items.clone(),
            object @ Json::Object(_) => vec![object.clone()],
            _ => Vec::new(),
        };
        for (index, statement) in policy.statements.iter().enumerate() {
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
            statements.push(Statement {
                effect: statement.effect.node,
                action_indices: statement
                    .action
                    .node
                    .patterns
                    .iter()
                    .filter_map(|p| action_texts.iter().position(|t| *t == p.node))
                    .collect(),
                actions_negated: statement.action.node.negated,
                resource_indices: statement.resource.as_ref().map(|resource| {
                    resource
                        .node
                        .patterns
                        .iter()
                        .filter_map(|p| resource_texts.iter().position(|t| *t == p.node))
                        .collect()
                }),
                resources_negated: statement
                    .resource
                    .as_ref()
                    .is_some_and(|resource| resource.node.negated),
                keys,
                condition: statement.condition.as_ref().and_then(|_| {
                    printed_statements
                        .get(index)
                        .and_then(|printed| printed.get("Condition"))
                        .cloned()
                }),
            });
        }
    }
    let identity_policies: Vec<Json> = policies
        .iter()
        .map(|(_, policy)| serde_json::from_str(&print_policy(policy)).unwrap_or(Json::Null))
        .collect();
    let mut prepared_by_account: BTreeMap<String, PreparedPolicySet> = BTreeMap::new();
    let mut prepared_for = |account: &str| -> Result<PreparedPolicySet, SummaryError> {
        if let Some(prepared) = prepared_by_account.get(account) {
            return Ok(prepared.clone());
        }
        let delegating = parse_policy_text(&delegating_policy(account).to_string())
            .policy
            .ok_or_else(|| unknown("internal error: the delegating policy does not parse"))?;
        let mut set = PolicySet::new().with_resource_policy("resource policy", delegating);
        for (name, policy) in policies {
            set = set.with_identity_policy(name.clone(), policy.clone());
        }
        let prepared = PreparedPolicySet::new(&set);
        prepared_by_account.insert(account.to_string(), prepared.clone());
        Ok(prepared)
    };

    // Action regions, grouped by the statements they match.
    // `sts:GetCallerIdentity` is allowed whatever the policies say (see
    // the engine): it is left out of the summary, as a region no row
    // claims or excludes.
    let caller_identity = action_texts.len() + 1;
    let readable_actions: Vec<usize> = (0..action_search.regions.len())
        .filter(|&index| readable(&action_search.regions[index].matches))
        .filter(|&index| action_search.regions[index].matches.get(caller_identity) != Some(&true))
        .collect();
    let mut groups: BTreeMap<(Vec<bool>, String), Vec<usize>> = BTreeMap::new();
    for &index in &readable_actions {
        let region = &action_search.regions[index];
        let bits: Vec<bool> = statements
            .iter()
            .map(|statement| {
                statement
                    .action_indices
                    .iter()
                    .any(|&i| region.matches.get(i) == Some(&true))
                    != statement.actions_negated
            })
            .collect();
        let lowered = region.witness.to_ascii_lowercase();
        let special = if lowered.starts_with("sts:") {
            lowered
        } else {
            String::new()
        };
        groups.entry((bits, special)).or_default().push(index);
    }

    let mut evaluated: u64 = 0;
    // Per action group: the resource split, and the allowed cells.
    struct GroupResult {
        regions: Vec<usize>,
        action: String,
        resource_patterns: Vec<usize>,
        resource_regions: Vec<(String, Vec<bool>)>,
        cells: Vec<(usize, Cell)>,
    }
    let mut results: Vec<GroupResult> = Vec::new();
    let mut split_cache: BTreeMap<Vec<usize>, Vec<(String, Vec<bool>)>> = BTreeMap::new();
    for ((bits, _), regions) in &groups {
        if Instant::now() > deadline {
            return Err(unknown("the summary ran out of time"));
        }
        let matched: Vec<&Statement> = statements
            .iter()
            .zip(bits)
            .filter(|(_, bit)| **bit)
            .map(|(statement, _)| statement)
            .collect();
        if !matched.iter().any(|s| s.effect == Effect::Allow) {
            continue;
        }
        let Some(&first_region) = regions.first() else {
            continue;
        };
        let action = action_search.regions[first_region].witness.clone();
        let mut pattern_ids: Vec<usize> = matched
            .iter()
            .flat_map(|statement| statement.resource_indices.iter().flatten().copied())
            .collect();
        pattern_ids.sort_unstable();
        pattern_ids.dedup();
        let resource_regions = match split_cache.get(&pattern_ids) {
            Some(regions) => regions.clone(),
            None => {
                let regions = split_resources(
                    &pattern_ids,
                    &resource_texts,
                    &[],
                    DEFAULT_ACCOUNT,
                    limits,
                    deadline,
                )
                .map_err(|limit| {
                    unknown(&format!("the resource patterns cannot be split: {limit}"))
                })?;
                split_cache.insert(pattern_ids.clone(), regions.clone());
                regions
            }
        };
        let mut cells: Vec<(usize, Cell)> = Vec::new();
        for (resource_index, (resource, resource_vector)) in resource_regions.iter().enumerate() {
            let relevant: Vec<&&Statement> = matched
                .iter()
                .filter(|statement| match &statement.resource_indices {
                    None => true,
                    Some(indices) => {
                        indices.iter().any(|index| {
                            pattern_ids
                                .binary_search(index)
                                .ok()
                                .and_then(|position| resource_vector.get(position))
                                == Some(&true)
                        }) != statement.resources_negated
                    }
                })
                .collect();
            if !relevant.iter().any(|s| s.effect == Effect::Allow) {
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
            let account = split_arn(resource)
                .map(|parts| parts[4])
                .filter(|account| is_account(account))
                .unwrap_or(DEFAULT_ACCOUNT)
                .to_string();
            let prepared = prepared_for(&account)?;
            let caller = Caller {
                principal: format!(
                    "arn:aws:sts::{account}:assumed-role/leash-prove-role/leash-prove-session"
                ),
                role_arn: None,
                kind: PrincipalType::RoleSession,
                account: Some(account.clone()),
            };
            let mut allowed_context: Option<Vec<(String, KeyValue)>> = None;
            let mut denied_seen = false;
            let mut odometer = vec![0usize; variants.len()];
            loop {
                if evaluated.is_multiple_of(1024) && Instant::now() > deadline {
                    return Err(unknown("the summary ran out of time"));
                }
                if evaluated >= limits.max_requests {
                    return Err(unknown("the summary tried the most requests it may"));
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
                let request = build_request(&caller, &action, resource, &account, &context);
                evaluated += 1;
                if prepared.evaluate(&request).is_allowed() {
                    if allowed_context.is_none() {
                        allowed_context = Some(context);
                    }
                } else {
                    denied_seen = true;
                }
                if (allowed_context.is_some() && denied_seen) || !advance(&mut odometer, &variants)
                {
                    break;
                }
            }
            let Some(context) = allowed_context else {
                continue;
            };
            let (status, condition) = if denied_seen {
                let allows: Vec<&&&Statement> = relevant
                    .iter()
                    .filter(|s| s.effect == Effect::Allow)
                    .collect();
                let allow_when = if allows.iter().any(|s| s.condition.is_none()) {
                    None
                } else {
                    let mut list: Vec<Json> =
                        allows.iter().filter_map(|s| s.condition.clone()).collect();
                    list.sort_by_key(|value| value.to_string());
                    list.dedup();
                    Some(list)
                };
                let mut unless: Vec<Json> = relevant
                    .iter()
                    .filter(|s| s.effect == Effect::Deny)
                    .filter_map(|s| s.condition.clone())
                    .collect();
                unless.sort_by_key(|value| value.to_string());
                unless.dedup();
                let condition = RowCondition { allow_when, unless };
                let key = json!({
                    "allow_when": condition.allow_when,
                    "unless": condition.unless,
                })
                .to_string();
                (Status::Sometimes(key), Some(condition))
            } else {
                (Status::Always, None)
            };
            cells.push((
                resource_index,
                Cell {
                    status,
                    condition,
                    resource: resource.clone(),
                    context,
                },
            ));
        }
        results.push(GroupResult {
            regions: regions.clone(),
            action,
            resource_patterns: pattern_ids,
            resource_regions,
            cells,
        });
    }

    // Describe each group's resources per status, then merge groups with
    // the same resources and status.
    struct Draft {
        resources: Vec<PatternSet>,
        condition: Option<RowCondition>,
        action_regions: Vec<usize>,
        witness: CellWitness,
        /// A cell of each action region (for witnesses of split rows).
        cells_by_region: BTreeMap<usize, CellWitness>,
    }
    let mut drafts: BTreeMap<(Status, Vec<PatternSet>), Draft> = BTreeMap::new();
    for result in &results {
        let mut by_status: BTreeMap<Status, Vec<usize>> = BTreeMap::new();
        for (resource_index, cell) in &result.cells {
            by_status
                .entry(cell.status.clone())
                .or_default()
                .push(*resource_index);
        }
        for (status, members) in by_status {
            if Instant::now() > deadline {
                return Err(unknown("the summary ran out of time"));
            }
            let texts: Vec<String> = result
                .resource_patterns
                .iter()
                .filter_map(|&index| resource_texts.get(index).cloned())
                .collect();
            let universe: Vec<(Vec<bool>, bool)> = result
                .resource_regions
                .iter()
                .enumerate()
                .map(|(index, (_, vector))| {
                    (
                        vector.iter().take(texts.len()).copied().collect(),
                        members.contains(&index),
                    )
                })
                .collect();
            let resources = describe(&universe, &texts).ok_or_else(|| {
                unknown(
                    "the allowed resources cannot be described by the policies' patterns (resources the engine treats apart, such as KMS keys or roles)",
                )
            })?;
            // One draft per resource set: actions whose cells cover the same
            // set (whatever else they cover) share a row.
            for set in resources {
                let Some((_, cell)) = result.cells.iter().find(|(index, cell)| {
                    members.contains(index) && set_contains_resource(&set, &cell.resource)
                }) else {
                    return Err(unknown(
                        "internal error, please report: a resource set of the summary has no witness",
                    ));
                };
                let witness = (
                    result.action.clone(),
                    cell.resource.clone(),
                    cell.context.clone(),
                );
                let draft = drafts
                    .entry((status.clone(), vec![set.clone()]))
                    .or_insert_with(|| Draft {
                        resources: vec![set.clone()],
                        condition: cell.condition.clone(),
                        action_regions: Vec::new(),
                        witness: witness.clone(),
                        cells_by_region: BTreeMap::new(),
                    });
                draft.action_regions.extend(result.regions.iter().copied());
                for &region in &result.regions {
                    draft.cells_by_region.insert(region, witness.clone());
                }
            }
        }
    }

    // Action descriptions, split by service.
    let catalog = leash_catalog::catalog();
    let mut catalog_regions: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for service in catalog.services() {
        for action in service.actions() {
            let name = action.full_name();
            if let Some(region) = action_search.region_of(&name.to_ascii_lowercase()) {
                catalog_regions
                    .entry(region)
                    .or_default()
                    .push((service.prefix().to_string(), name));
            }
        }
    }
    let service_totals: BTreeMap<String, usize> = catalog
        .services()
        .map(|service| (service.prefix().to_string(), service.actions().len()))
        .collect();
    let action_universe_texts: Vec<String> = action_texts.clone();
    let action_vectors: Vec<Vec<bool>> = readable_actions
        .iter()
        .map(|&index| {
            action_search.regions[index]
                .matches
                .iter()
                .take(action_universe_texts.len())
                .copied()
                .collect()
        })
        .collect();
    let action_describer = Describer::new(&action_vectors, &action_universe_texts)
        .ok_or_else(|| unknown("internal error, please report: action regions of two sizes"))?;
    let mut rows: Vec<SummaryRow> = Vec::new();
    for draft in drafts.values() {
        let mut by_service: BTreeMap<Option<String>, Vec<usize>> = BTreeMap::new();
        for &region in &draft.action_regions {
            let service = region_service(&action_search.regions[region].matches, &action_texts);
            by_service.entry(service).or_default().push(region);
        }
        for (service, members) in by_service {
            let member_set: BTreeSet<usize> = members.iter().copied().collect();
            if Instant::now() > deadline {
                return Err(unknown("the summary ran out of time"));
            }
            let memberships: Vec<bool> = readable_actions
                .iter()
                .map(|index| member_set.contains(index))
                .collect();
            let actions = action_describer.describe(&memberships).ok_or_else(|| {
                unknown(
                    "the allowed actions cannot be described by the policies' patterns (STS actions the engine treats apart)",
                )
            })?;
            let mut included: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for region in &members {
                for (prefix, name) in catalog_regions.get(region).into_iter().flatten() {
                    included
                        .entry(prefix.clone())
                        .or_default()
                        .push(name.clone());
                }
            }
            let catalog_rows: Vec<ServiceActions> = included
                .into_iter()
                .map(|(prefix, mut names)| {
                    names.sort();
                    let mut missing: Vec<String> = catalog
                        .service(&prefix)
                        .map(|service| {
                            service
                                .actions()
                                .iter()
                                .map(|action| action.full_name())
                                .filter(|name| names.binary_search(name).is_err())
                                .collect()
                        })
                        .unwrap_or_default();
                    missing.sort();
                    ServiceActions {
                        total: service_totals.get(&prefix).copied().unwrap_or(names.len()),
                        service: prefix,
                        included: names,
                        missing,
                    }
                })
                .collect();
            // A witness: a catalog action of the row where there is one.
            let (region, action_name) = members
                .iter()
                .find_map(|region| {
                    catalog_regions
                        .get(region)
                        .and_then(|names| names.first())
                        .map(|(_, name)| (*region, name.clone()))
                })
                .or_else(|| {
                    members
                        .first()
                        .map(|&region| (region, action_search.regions[region].witness.clone()))
                })
                .unwrap_or((usize::MAX, draft.witness.0.clone()));
            let (_, resource, context) = draft
                .cells_by_region
                .get(&region)
                .cloned()
                .unwrap_or_else(|| draft.witness.clone());
            let account = split_arn(&resource)
                .map(|parts| parts[4])
                .filter(|account| is_account(account))
                .unwrap_or(DEFAULT_ACCOUNT)
                .to_string();
            let principal =
                format!("arn:aws:sts::{account}:assumed-role/leash-prove-role/leash-prove-session");
            let fields = RequestFields {
                principal: &principal,
                role_arn: None,
                action: &action_name,
                resource: &resource,
                resource_account: &account,
                context: &context,
                current_time: CURRENT_TIME,
            };
            let witness = request_json(
                &fields,
                identity_policies.clone(),
                Some(delegating_policy(&account)),
            );
            // Every row's witness goes through the request reader and the
            // engine, like a counterexample.
            replay(&witness, true).map_err(|problem| {
                SummaryError::Unknown(format!(
                    "internal error, please report: a summary witness {problem}"
                ))
            })?;
            rows.push(SummaryRow {
                service,
                actions,
                catalog: catalog_rows,
                resources: draft.resources.clone(),
                condition: draft.condition.clone(),
                witness,
            });
        }
    }
    // Rows with the same actions and condition, on different resources,
    // become one.
    let mut merged: Vec<SummaryRow> = Vec::new();
    for row in rows {
        match merged.iter_mut().find(|existing| {
            existing.service == row.service
                && existing.actions == row.actions
                && existing.condition == row.condition
        }) {
            Some(existing) => {
                existing.resources.extend(row.resources);
                existing.resources.sort();
                existing.resources.dedup();
            }
            None => merged.push(row),
        }
    }
    let mut rows = merged;
    rows.sort_by(|left, right| {
        (&left.service, &left.actions, &left.resources).cmp(&(
            &right.service,
            &right.actions,
            &right.resources,
        ))
    });
    Ok(Summary {
        rows,
        requests_evaluated: evaluated,
        elapsed: start.elapsed(),
    })
}

/// Whether `resource` is in the set (as `Resource` patterns match).
fn set_contains_resource(set: &PatternSet, resource: &str) -> bool {
    set.all_of
        .iter()
        .all(|pattern| ArnPattern::new(pattern).is_match(resource))
        && !set
            .none_of
            .iter()
            .any(|pattern| ArnPattern::new(pattern).is_match(resource))
}

/// The service of an action region: that of a matched pattern whose
/// service part has no wildcard (all such patterns of one region agree,
/// since one string matches them all).
fn region_service(matches: &[bool], texts: &[String]) -> Option<String> {
    texts
        .iter()
        .zip(matches)
        .filter(|(_, matched)| **matched)
        .find_map(|(text, _)| {
            let (service, _) = text.split_once(':')?;
            (!service.contains(['*', '?'])).then(|| service.to_ascii_lowercase())
        })
}

/// Describes the member regions of `universe` (each region: its match
/// vector over `texts`, and whether it is a member) as a union of
/// [`PatternSet`]s, `*` standing for "everything"; `None` when regions
/// with the same vector disagree (the patterns cannot tell them apart).
fn describe(universe: &[(Vec<bool>, bool)], texts: &[String]) -> Option<Vec<PatternSet>> {
    let vectors: Vec<Vec<bool>> = universe.iter().map(|(vector, _)| vector.clone()).collect();
    let members: Vec<bool> = universe.iter().map(|(_, member)| *member).collect();
    Describer::new(&vectors, texts)?.describe(&members)
}

/// A set of regions, one bit each.
#[derive(Clone, PartialEq, Eq)]
struct Bits(Vec<u64>);

impl Bits {
    fn empty(size: usize) -> Bits {
        Bits(vec![0; size.div_ceil(64)])
    }
    fn set(&mut self, index: usize) {
        if let Some(word) = self.0.get_mut(index / 64) {
            *word |= 1 << (index % 64);
        }
    }
    fn meets(&self, other: &Bits) -> bool {
        self.0.iter().zip(&other.0).any(|(a, b)| a & b != 0)
    }
    fn and(&self, other: &Bits) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| a & b).collect())
    }
    fn and_not(&self, other: &Bits) -> Bits {
        Bits(self.0.iter().zip(&other.0).map(|(a, b)| a & !b).collect())
    }
    fn or_assign(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a |= b;
        }
    }
    fn is_empty(&self) -> bool {
        self.0.iter().all(|word| *word == 0)
    }
    fn count(&self) -> u32 {
        self.0.iter().map(|word| word.count_ones()).sum()
    }
    fn ones(&self) -> impl Iterator<Item = usize> + '_ {
        self.0.iter().enumerate().flat_map(|(index, &word)| {
            (0..64)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| index * 64 + bit)
        })
    }
}

/// The regions of one split, ready to describe many member sets: for each
/// pattern (and `*`, last) the regions it matches, and which regions the
/// patterns cannot tell apart.
struct Describer {
    texts: Vec<String>,
    /// Per pattern, then `*`: the regions where it matches.
    bits: Vec<Bits>,
    regions: usize,
    /// Per region, the first region with the same vector.
    class_of: Vec<usize>,
    vectors: Vec<Vec<bool>>,
}

impl Describer {
    fn new(vectors: &[Vec<bool>], texts: &[String]) -> Option<Describer> {
        let regions = vectors.len();
        let mut bits: Vec<Bits> = (0..=texts.len()).map(|_| Bits::empty(regions)).collect();
        let mut first_of: std::collections::HashMap<&[bool], usize> = Default::default();
        let mut class_of = Vec::with_capacity(regions);
        for (region, vector) in vectors.iter().enumerate() {
            if vector.len() != texts.len() {
                return None;
            }
            for (pattern, matched) in vector.iter().enumerate() {
                if *matched && let Some(slot) = bits.get_mut(pattern) {
                    slot.set(region);
                }
            }
            if let Some(universal) = bits.get_mut(texts.len()) {
                universal.set(region);
            }
            class_of.push(*first_of.entry(vector.as_slice()).or_insert(region));
        }
        Some(Describer {
            texts: texts.to_vec(),
            bits,
            regions,
            class_of,
            vectors: vectors.to_vec(),
        })
    }

    fn text_of(&self, index: usize) -> String {
        self.texts
            .get(index)
            .cloned()
            .unwrap_or_else(|| "*".to_string())
    }

    /// The member regions as a union of [`PatternSet`]s: first "one of
    /// these patterns, none of those" (fewest, broadest; checked against
    /// every region), else one set per member vector. `None` when regions
    /// the patterns cannot tell apart disagree.
    fn describe(&self, members: &[bool]) -> Option<Vec<PatternSet>> {
        let mut member = Bits::empty(self.regions);
        for (region, &is_member) in members.iter().enumerate() {
            if self
                .class_of
                .get(region)
                .and_then(|&class| members.get(class))
                != Some(&is_member)
            {
                return None;
            }
            if is_member {
                member.set(region);
            }
        }
        if member.is_empty() {
            return Some(Vec::new());
        }
        let width = self.bits.len();
        let except: Vec<usize> = (0..width)
            .filter(|&index| !self.bits[index].meets(&member))
            .collect();
        let mut excluded = Bits::empty(self.regions);
        for &index in &except {
            excluded.or_assign(&self.bits[index]);
        }
        // Regions that are neither members nor excluded: an included
        // pattern must not reach them.
        let mut everything = Bits::empty(self.regions);
        for region in 0..self.regions {
            everything.set(region);
        }
        let open = everything.and_not(&member).and_not(&excluded);
        let include: Vec<usize> = (0..width)
            .filter(|&index| !self.bits[index].meets(&open) && self.bits[index].meets(&member))
            .collect();
        let mut covered = Bits::empty(self.regions);
        for &index in &include {
            covered.or_assign(&self.bits[index]);
        }
        if !member.and_not(&covered).is_empty() {
            return Some(self.per_vector(&member));
        }
        // Fewest, broadest patterns: drop narrow ones while the others
        // still cover every member.
        let mut order = include.clone();
        order.sort_by_key(|&index| (self.bits[index].count(), index));
        let mut cover = vec![0u32; self.regions];
        for &index in &include {
            for region in self.bits[index].and(&member).ones() {
                if let Some(slot) = cover.get_mut(region) {
                    *slot += 1;
                }
            }
        }
        let mut kept: Vec<usize> = include.clone();
        for &candidate in &order {
            let regions: Vec<usize> = self.bits[candidate].and(&member).ones().collect();
            if kept.len() > 1
                && regions
                    .iter()
                    .all(|&r| cover.get(r).is_some_and(|c| *c >= 2))
            {
                for region in regions {
                    if let Some(slot) = cover.get_mut(region) {
                        *slot -= 1;
                    }
                }
                kept.retain(|&index| index != candidate);
            }
        }
        let non_members = everything.and_not(&member);
        let mut sets: Vec<PatternSet> = kept
            .iter()
            .map(|&index| {
                // The regions of this pattern to take out, and the
                // exceptions that take them out, broad ones kept.
                let outside = self.bits[index].and(&non_members);
                let mut meeting: Vec<usize> = except
                    .iter()
                    .copied()
                    .filter(|&e| self.bits[e].meets(&outside))
                    .collect();
                meeting.sort_by_key(|&e| (self.bits[e].count(), e));
                let mut count = vec![0u32; self.regions];
                for &e in &meeting {
                    for region in self.bits[e].and(&outside).ones() {
                        if let Some(slot) = count.get_mut(region) {
                            *slot += 1;
                        }
                    }
                }
                let mut needed = meeting.clone();
                for &candidate in &meeting {
                    let regions: Vec<usize> = self.bits[candidate].and(&outside).ones().collect();
                    if regions
                        .iter()
                        .all(|&r| count.get(r).is_some_and(|c| *c >= 2))
                    {
                        for region in regions {
                            if let Some(slot) = count.get_mut(region) {
                                *slot -= 1;
                            }
                        }
                        needed.retain(|&e| e != candidate);
                    }
                }
                needed.sort_unstable();
                PatternSet {
                    all_of: vec![self.text_of(index)],
                    none_of: needed.iter().map(|&e| self.text_of(e)).collect(),
                }
            })
            .collect();
        sets.sort();
        Some(sets)
    }

    /// One set per member vector: the patterns it matches, and those it
    /// does not that meet them.
    fn per_vector(&self, member: &Bits) -> Vec<PatternSet> {
        let mut classes: Vec<usize> = member
            .ones()
            .filter_map(|region| self.class_of.get(region).copied())
            .collect();
        classes.sort_unstable();
        classes.dedup();
        let universal = self.texts.len();
        let mut sets: Vec<PatternSet> = classes
            .iter()
            .filter_map(|&class| self.vectors.get(class))
            .map(|vector| {
                let matched: Vec<usize> = (0..self.texts.len()).filter(|&i| vector[i]).collect();
                let all_of = if matched.is_empty() {
                    vec![universal]
                } else {
                    matched
                };
                let mut inside = self.bits[universal].clone();
                for &index in &all_of {
                    inside = inside.and(&self.bits[index]);
                }
                let none_of: Vec<usize> = (0..self.texts.len())
                    .filter(|&i| !vector[i] && self.bits[i].meets(&inside))
                    .collect();
                PatternSet {
                    all_of: all_of.iter().map(|&i| self.text_of(i)).collect(),
                    none_of: none_of.iter().map(|&i| self.text_of(i)).collect(),
                }
            })
            .collect();
        sets.sort();
        sets
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn texts(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn describes_a_difference() {
        // Patterns: s3:*, s3:Delete*; regions: both, s3:* only, neither.
        let universe = vec![
            (vec![true, true], false),
            (vec![true, false], true),
            (vec![false, false], false),
        ];
        let sets = describe(&universe, &texts(&["s3:*", "s3:Delete*"])).unwrap();
        assert_eq!(
            sets,
            vec![PatternSet {
                all_of: texts(&["s3:*"]),
                none_of: texts(&["s3:Delete*"])
            }]
        );
    }

    #[test]
    fn describes_everything_as_star() {
        let universe = vec![(vec![true], true), (vec![false], true)];
        let sets = describe(&universe, &texts(&["a*"])).unwrap();
        assert_eq!(sets[0].all_of, texts(&["*"]));
        assert!(sets[0].none_of.is_empty());
    }

    #[test]
    fn falls_back_to_one_set_per_vector() {
        // Members: a only and b only, not both (a xor b).
        let universe = vec![
            (vec![true, false], true),
            (vec![false, true], true),
            (vec![true, true], false),
            (vec![false, false], false),
        ];
        let sets = describe(&universe, &texts(&["a", "b"])).unwrap();
        assert_eq!(sets.len(), 2);
        assert!(sets.iter().all(|set| set.none_of.len() == 1));
    }

    #[test]
    fn refuses_when_patterns_cannot_tell_regions_apart() {
        let universe = vec![(vec![true], true), (vec![true], false)];
        assert!(describe(&universe, &texts(&["a"])).is_none());
    }
}
