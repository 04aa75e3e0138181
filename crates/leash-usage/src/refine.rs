//! Narrowing a role's identity policies to what the trail shows it used:
//! `leash usage TRAIL... --policies DUMP --narrow DIR`.
//!
//! For each role, its original policies (all inline and attached ones,
//! read as one identity policy) are kept statement by statement: every
//! observed row is replayed through the engine, and each Allow statement
//! that decided it contributes a copy of itself restricted to the
//! observed action and to the observed resource, generalised by the rules
//! of [`generalise`] when the statement's own `Resource` still contains
//! the generalisation. The copy keeps the statement's `Condition`, and
//! every Deny statement is kept as is, so each narrowed statement is a
//! subset of one original statement; `no-new-access` is then proved by
//! leash-prove (not assumed) and every row replayed again through the
//! narrowed policy.
//!
//! What the trail cannot show is kept, with the reason: the data-event
//! actions of a service the trail holds no data event of, and actions
//! CloudTrail never logs ([`never_logged`]).
//!
//! Not for: reading dumps or trails, or printing (the CLI).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::Request;
use leash_policy::matching::{ActionPattern, ArnPattern};
use leash_policy::{
    ActionClause, Effect, Policy, PolicyVersion, ResourceClause, Span, Spanned, Statement,
};
use leash_prove::automaton::{Matcher, RegionSearch};
use leash_prove::{Property, Verdict};

use crate::aggregate::{Key, Row};

/// One role to narrow.
#[derive(Clone, Debug)]
pub struct RoleInput {
    pub arn: String,
    /// Its identity policies with how the report names them.
    pub policies: Vec<(String, Arc<Policy>)>,
    /// Why some policy of the role could not be read (the role is then
    /// not narrowed: what leash cannot model is kept as is).
    pub unreadable: Vec<String>,
}

/// An action kept although the trail does not show it used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kept {
    pub actions: Vec<String>,
    pub reason: String,
}

/// How the no-new-access proof ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProofOutcome {
    Holds,
    /// The narrowed policy allows a request the original denies: a bug,
    /// reported with the request.
    DoesNotHold(String),
    Unknown(String),
}

/// What narrowing one role gave.
#[derive(Clone, Debug)]
pub struct Refinement {
    pub role: String,
    /// The narrowed policy, when the role used anything (or something is
    /// kept); `None` when it was not narrowed (see `refused`) or nothing
    /// is left.
    pub narrowed: Option<Policy>,
    /// Why the role was not narrowed.
    pub refused: Option<String>,
    /// Rows of the role (principal, action, resource) in the aggregate.
    pub rows: usize,
    /// Rows the original allows (`allowed_rows`, `conditional_rows`
    /// included), replayed through the narrowed policy: how many it
    /// allows too (`replayed_allowed`; equal when right).
    pub allowed_rows: usize,
    pub replayed_allowed: usize,
    /// Rows the original allows only under a condition the aggregate does
    /// not record (the narrowed statement keeps that condition).
    pub conditional_rows: usize,
    /// Rows the role's identity policies do not allow (every call denied,
    /// or allowed by something else: a resource policy of another
    /// account, a condition of the original that replays false).
    pub not_allowed: Vec<(String, Option<String>)>,
    /// Observed resources written as a broader pattern.
    pub generalised: BTreeMap<String, String>,
    pub unused_services: Vec<String>,
    pub unused_actions: Vec<String>,
    pub unused_resources: Vec<String>,
    pub kept: Vec<Kept>,
    pub proof: Option<ProofOutcome>,
}

/// Services whose data events the trail holds (the `eventSource` prefix
/// of rows with `data_events`).
pub fn data_logged_services<'a>(
    rows: impl Iterator<Item = (&'a Key, &'a Row)>,
) -> BTreeSet<String> {
    rows.filter(|(_, row)| row.data_events > 0)
        .filter_map(|(key, _)| key.1.split_once(':').map(|(s, _)| s.to_ascii_lowercase()))
        .collect()
}

/// The IAM actions whose calls CloudTrail logs as data events, by
/// service: logged only when the trail's event selectors ask for them
/// (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>,
/// resource types `AWS::S3::Object`, `AWS::DynamoDB::Table`,
/// `AWS::DynamoDB::Stream`, `AWS::Lambda::Function`, `AWS::SNS::Topic`,
/// `AWS::SQS::Queue`, `AWS::Kinesis::Stream`, `AWS::XRay::Trace`).
pub const DATA_EVENT_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAcl",
    "s3:GetObjectVersionAcl",
    "s3:GetObjectTagging",
    "s3:GetObjectVersionTagging",
    "s3:GetObjectAttributes",
    "s3:GetObjectVersionAttributes",
    "s3:GetObjectRetention",
    "s3:GetObjectLegalHold",
    "s3:PutObject",
    "s3:PutObjectAcl",
    "s3:PutObjectVersionAcl",
    "s3:PutObjectTagging",
    "s3:PutObjectVersionTagging",
    "s3:PutObjectRetention",
    "s3:PutObjectLegalHold",
    "s3:DeleteObject",
    "s3:DeleteObjectVersion",
    "s3:DeleteObjectTagging",
    "s3:DeleteObjectVersionTagging",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
    "s3:ListBucket",
    "s3:ListBucketVersions",
    "s3:ListBucketMultipartUploads",
    "s3:RestoreObject",
    "s3:ReplicateObject",
    "s3:ReplicateDelete",
    "s3:ReplicateTags",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:BatchGetItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PartiQLSelect",
    "dynamodb:PartiQLInsert",
    "dynamodb:PartiQLUpdate",
    "dynamodb:PartiQLDelete",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "lambda:InvokeFunction",
    "sns:Publish",
    "sqs:SendMessage",
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "kinesis:PutRecord",
    "kinesis:PutRecords",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:SubscribeToShard",
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
];

/// Actions no CloudTrail event ever shows, with why: kept whatever the
/// trail holds.
pub fn never_logged(action: &str) -> Option<&'static str> {
    match action.to_ascii_lowercase().as_str() {
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
        "iam:passrole" => Some(
            "iam:PassRole is a permission, not an API call: CloudTrail logs the call that passed the role, never iam:PassRole itself",
        ),
        // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/logging_cw_api_calls_cwl.html
        "logs:putlogevents" => Some(
            "CloudTrail does not log CloudWatch Logs' PutLogEvents (the page on CloudWatch Logs in CloudTrail lists it among the operations it does not log)",
        ),
        _ => None,
    }
}

/// The broader pattern an observed resource is written as:
/// - an S3 object `arn:aws:s3:::bucket/a/b/key` -> its folder,
///   `arn:aws:s3:::bucket/a/b/*` (`bucket/*` for a key without `/`): keys
///   are data, made at run time;
/// - a CloudWatch Logs stream `...:log-group:G:log-stream:S` -> its group,
///   `...:log-group:G:*`: Lambda makes a stream per execution environment;
/// - anything else as observed.
///
/// A resource whose text holds `*`, `?` or `$` is not written at all
/// (`None`): in a `Resource` it would be read as a wildcard or a policy
/// variable, not as the name that was used.
pub fn generalise(resource: &str) -> Option<String> {
    if resource.contains(['*', '?', '$']) {
        return None;
    }
    if let Some(rest) = resource.strip_prefix("arn:aws:s3:::")
        && let Some((bucket, key)) = rest.split_once('/')
    {
        let folder = key.rfind('/').map_or("", |at| &key[..=at]);
        return Some(format!("arn:aws:s3:::{bucket}/{folder}*"));
    }
    if let Ok(arn) = leash_policy::arn::Arn::parse(resource)
        && arn.service() == "logs"
        && let Some(at) = arn.resource().as_str().find(":log-stream:")
    {
        let group = &arn.resource().as_str()[..at];
        return Some(format!(
            "arn:{}:logs:{}:{}:{group}:*",
            arn.partition().as_str(),
            arn.region().as_str(),
            arn.account().as_str()
        ));
    }
    Some(resource.to_string())
}

/// Whether `arn` is of a resource type `action` is authorized on (the
/// catalog's resource types of the action): only then is the observed ARN
/// written in a narrowed `Resource`. An action authorized on `*` only
/// (`ec2:DescribeVpcs`), or a record naming a resource of another type,
/// keeps the original statement's `Resource`: AWS would not match the
/// request against that ARN.
pub fn authorized_on(action: &str, arn: &str) -> bool {
    let catalog = leash_catalog::catalog();
    let Some(found) = catalog.action(action) else {
        return false;
    };
    let Some(service) = catalog.service(found.service()) else {
        return false;
    };
    found.resource_types().iter().any(|resource| {
        service
            .resource_type(resource.resource_type())
            .is_some_and(|kind| kind.matches_arn(arn))
    })
}

/// Whether every string `pattern` matches, one of `within` matches too
/// (`Resource` patterns); `false` when the search cannot tell.
fn resource_within(pattern: &str, within: &[String]) -> bool {
    if within.iter().any(|w| w == "*" || w == pattern) {
        return true;
    }
    let mut matchers = vec![Matcher::arn(pattern, true)];
    matchers.extend(within.iter().map(|w| Matcher::arn(w, true)));
    let Ok(search) = RegionSearch::run(&matchers, &[':', '/'], 20_000, None) else {
        return false;
    };
    (0..search.regions.len()).all(|region| match search.vector(region) {
        Some(vector) => !vector[0] || vector[1..].iter().any(|m| *m),
        None => false,
    })
}

fn spanned<T>(node: T) -> Spanned<T> {
    Spanned::new(node, Span::new(0, 0))
}

/// The account of a role ARN.
fn account_of(arn: &str) -> &str {
    leash_policy::arn::Arn::parse(arn).map_or("", |arn| arn.account().as_str())
}

/// The request a row stands for: a session of the role.
fn request_for(role: &str, action: &str, resource: &str) -> Request {
    let name = role.rsplit('/').next().unwrap_or(role);
    let session = format!(
        "arn:aws:sts::{}:assumed-role/{name}/leash-usage",
        account_of(role)
    );
    Request::new(session, action, resource).with_role_arn(role)
}

/// A resource the pattern matches (`*` and `?` made concrete), for
/// replaying a row that named no resource.
fn witness(pattern: &str) -> String {
    if pattern == "*" {
        return "*".into();
    }
    pattern.replace(['*', '?'], "x")
}

/// What one Allow statement of the original contributes: per action, the
/// resources (`None`: the statement's own `Resource`/`NotResource`).
type Contribution = BTreeMap<String, BTreeSet<Option<String>>>;

/// One policy made of all of `policies`' statements (the effective
/// version when they agree; else 2012-10-17, refused when a policy
/// variable would then read differently).
pub fn merge(policies: &[(String, Arc<Policy>)]) -> Result<Policy, String> {
    let versions: BTreeSet<&str> = policies
        .iter()
        .map(|(_, p)| p.effective_version().as_str())
        .collect();
    let mut statements = Vec::new();
    for (label, policy) in policies {
        if versions.len() > 1
            && policy.effective_version() == PolicyVersion::V2008_10_17
            && leash_policy::print::print_policy(policy).contains("${")
        {
            return Err(format!(
                "{label} is of Version 2008-10-17 and holds `${{`, which the role's 2012-10-17 policies would read as a policy variable"
            ));
        }
        statements.extend(policy.statements.iter().cloned());
    }
    let version = if versions.len() == 1 && versions.contains("2008-10-17") {
        PolicyVersion::V2008_10_17
    } else {
        PolicyVersion::V2012_10_17
    };
    Ok(Policy {
        version: Some(spanned(version)),
        id: None,
        statements,
        single_statement: false,
        span: Span::new(0, 0),
    })
}

fn action_matches(statement: &Statement, action: &str) -> bool {
    let any = statement
        .action
        .node
        .patterns
        .iter()
        .any(|p| ActionPattern::new(&p.node).is_match(action));
    any != statement.action.node.negated
}

fn resource_patterns(statement: &Statement) -> Option<Vec<String>> {
    let clause = statement.resource.as_ref()?;
    (!clause.node.negated).then(|| {
        clause
            .node
            .patterns
            .iter()
            .map(|p| p.node.clone())
            .collect()
    })
}

/// Narrows one role against the rows of the aggregate that are its own.
pub fn refine<'a>(
    role: &RoleInput,
    rows: impl Iterator<Item = (&'a Key, &'a Row)>,
    data_logged: &BTreeSet<String>,
    prove: bool,
) -> Refinement {
    let rows: Vec<(&Key, &Row)> = rows.filter(|(key, _)| key.0 == role.arn).collect();
    let mut out = Refinement {
        role: role.arn.clone(),
        narrowed: None,
        refused: None,
        rows: rows.len(),
        allowed_rows: 0,
        replayed_allowed: 0,
        conditional_rows: 0,
        not_allowed: Vec::new(),
        generalised: BTreeMap::new(),
        unused_services: Vec::new(),
        unused_actions: Vec::new(),
        unused_resources: Vec::new(),
        kept: Vec::new(),
        proof: None,
    };
    if !role.unreadable.is_empty() {
        out.refused = Some(format!(
            "not narrowed, kept as is: {}",
            role.unreadable.join("; ")
        ));
        return out;
    }
    let original = match merge(&role.policies) {
        Ok(policy) => policy,
        Err(reason) => {
            out.refused = Some(format!("not narrowed, kept as is: {reason}"));
            return out;
        }
    };
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_identity_policy("original", original.clone()),
    );
    let allow_indexes: Vec<usize> = original
        .statements
        .iter()
        .enumerate()
        .filter(|(_, s)| s.effect.node == Effect::Allow)
        .map(|(i, _)| i)
        .collect();

    // Replay every row through the original.
    let mut contributions: BTreeMap<usize, Contribution> = BTreeMap::new();
    // Requests of a row that the original allows (or allows but for a
    // condition: `true`), to replay through the narrowed policy.
    let mut replays: Vec<(usize, Request, bool)> = Vec::new();
    let mut used_actions: BTreeSet<String> = BTreeSet::new();
    let mut used_resources: Vec<String> = Vec::new();
    for (row_index, (key, row)) in rows.iter().enumerate() {
        let (_, action, resource) = key;
        if row.denied == row.count {
            out.not_allowed.push((action.clone(), resource.clone()));
            continue;
        }
        used_actions.insert(action.to_ascii_lowercase());
        let targets: Vec<(String, Option<String>, Option<usize>)> = match resource {
            Some(arn) => vec![(
                arn.clone(),
                generalise(arn).filter(|_| authorized_on(action, arn)),
                None,
            )],
            // No resource named: every Allow statement for the action, on
            // a resource of its own (the witness of its first pattern).
            None => allow_indexes
                .iter()
                .filter(|&&i| action_matches(&original.statements[i], action))
                .map(|&i| {
                    let first = resource_patterns(&original.statements[i])
                        .and_then(|p| p.first().cloned())
                        .unwrap_or_else(|| "*".into());
                    (witness(&first), None, Some(i))
                })
                .collect(),
        };
        let mut allowed_any = false;
        let mut conditional = false;
        for (target, general, only) in targets {
            let request = request_for(&role.arn, action, &target);
            let decision = prepared.evaluate(&request);
            let statements: Vec<usize> = if decision.is_allowed() {
                decision
                    .deciding
                    .iter()
                    .filter(|s| s.effect == Effect::Allow)
                    .map(|s| s.statement_index)
                    .collect()
            } else {
                // Statements that matched but for their condition: the
                // aggregate does not record the request's context.
                decision
                    .near_misses
                    .iter()
                    .map(|m| m.statement.statement_index)
                    .collect()
            };
            let statements: Vec<usize> = statements
                .into_iter()
                .filter(|i| only.is_none_or(|o| o == *i))
                .collect();
            if statements.is_empty() {
                continue;
            }
            if decision.is_allowed() {
                allowed_any = true;
            } else {
                conditional = true;
            }
            replays.push((row_index, request, !decision.is_allowed()));
            if resource.is_some() {
                used_resources.push(target.clone());
            }
            for index in statements {
                let statement = &original.statements[index];
                let written = match (&general, resource_patterns(statement)) {
                    (Some(general), Some(patterns))
                        if !patterns.iter().any(|p| p.contains("${")) =>
                    {
                        if general != &target && resource_within(general, &patterns) {
                            out.generalised.insert(target.clone(), general.clone());
                            Some(general.clone())
                        } else if general == &target || resource_within(&target, &patterns) {
                            Some(target.clone())
                        } else {
                            None
                        }
                    }
                    _ => None,
                };
                contributions
                    .entry(index)
                    .or_default()
                    .entry(action.clone())
                    .or_default()
                    .insert(written);
            }
        }
        if allowed_any || conditional {
            out.allowed_rows += 1;
            if !allowed_any {
                out.conditional_rows += 1;
            }
        } else {
            out.not_allowed.push((action.clone(), resource.clone()));
        }
    }

    // What the trail cannot show: kept per Allow statement.
    let catalog = leash_catalog::catalog();
    let mut kept: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for &index in &allow_indexes {
        let statement = &original.statements[index];
        let mut candidates: Vec<(String, String)> = Vec::new();
        for action in DATA_EVENT_ACTIONS {
            let service = action.split(':').next().unwrap_or_default();
            if !data_logged.contains(service) {
                candidates.push((
                    (*action).to_string(),
                    format!("the trail holds no {service} data events: CloudTrail logs them only when the trail's event selectors ask for them, so their absence proves nothing"),
                ));
            }
        }
        for action in ["iam:PassRole", "logs:PutLogEvents"] {
            if let Some(reason) = never_logged(action) {
                candidates.push((action.to_string(), reason.to_string()));
            }
        }
        for (action, reason) in candidates {
            if catalog.action(&action).is_none() || !action_matches(statement, &action) {
                continue;
            }
            contributions
                .entry(index)
                .or_default()
                .entry(action.clone())
                .or_default()
                .insert(None);
            kept.entry(reason).or_default().insert(action);
        }
    }
    out.kept = kept
        .into_iter()
        .map(|(reason, actions)| Kept {
            actions: actions.into_iter().collect(),
            reason,
        })
        .collect();

    // Unused: what the Allow statements grant that no row used.
    let mut granted: BTreeSet<String> = BTreeSet::new();
    let mut granted_resources: BTreeSet<String> = BTreeSet::new();
    for &index in &allow_indexes {
        let statement = &original.statements[index];
        for action in catalog.actions() {
            let name = format!("{}:{}", action.service(), action.name());
            if action_matches(statement, &name) {
                granted.insert(name);
            }
        }
        if let Some(patterns) = resource_patterns(statement) {
            granted_resources.extend(patterns.into_iter().filter(|p| p != "*"));
        }
    }
    let used_services: BTreeSet<String> = used_actions
        .iter()
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_string()))
        .collect();
    out.unused_actions = granted
        .iter()
        .filter(|a| !used_actions.contains(&a.to_ascii_lowercase()))
        .cloned()
        .collect();
    out.unused_services = granted
        .iter()
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_string()))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|s| !used_services.contains(&s.to_ascii_lowercase()))
        .collect();
    out.unused_resources = granted_resources
        .into_iter()
        .filter(|pattern| {
            let matcher = ArnPattern::new(pattern);
            !used_resources.iter().any(|r| matcher.is_match(r))
        })
        .collect();

    // The narrowed policy: per contributing statement, one statement per
    // set of actions with the same resources, then every Deny.
    let mut statements = Vec::new();
    for (index, contribution) in &contributions {
        let statement = &original.statements[*index];
        let mut by_resources: BTreeMap<BTreeSet<Option<String>>, Vec<String>> = BTreeMap::new();
        for (action, resources) in contribution {
            // The statement's own resources cover every written one.
            let resources = if resources.contains(&None) {
                BTreeSet::from([None])
            } else {
                resources.clone()
            };
            by_resources
                .entry(resources)
                .or_default()
                .push(action.clone());
        }
        for (resources, actions) in by_resources {
            let mut narrowed = statement.clone();
            narrowed.sid = None;
            narrowed.action = spanned(ActionClause {
                negated: false,
                patterns: actions.into_iter().map(spanned).collect(),
            });
            if !resources.contains(&None) {
                narrowed.resource = Some(spanned(ResourceClause {
                    negated: false,
                    patterns: resources.into_iter().flatten().map(spanned).collect(),
                }));
            }
            statements.push(narrowed);
        }
    }
    // Two statements may narrow to the same one (a row decided by two).
    let mut seen = BTreeSet::new();
    statements.retain(|s| seen.insert(leash_policy::print::print_statement(s)));
    if statements.is_empty() {
        return out;
    }
    statements.extend(
        original
            .statements
            .iter()
            .filter(|s| s.effect.node == Effect::Deny)
            .cloned(),
    );
    let narrowed = Policy {
        version: original.version.clone(),
        id: None,
        statements,
        single_statement: false,
        span: Span::new(0, 0),
    };

    // Check: every row the original allows, the narrowed allows.
    let narrowed_set = PreparedPolicySet::new(
        &PolicySet::new().with_identity_policy("narrowed", narrowed.clone()),
    );
    // A conditional request replays as a near miss of the same
    // condition: the narrowed statement kept it.
    let mut failed_rows: BTreeSet<usize> = BTreeSet::new();
    for (row_index, request, conditional) in &replays {
        let decision = narrowed_set.evaluate(request);
        let kept = if *conditional {
            decision.is_allowed() || !decision.near_misses.is_empty()
        } else {
            decision.is_allowed()
        };
        if !kept {
            failed_rows.insert(*row_index);
        }
    }
    let replayed: BTreeSet<usize> = replays.iter().map(|(i, _, _)| *i).collect();
    out.replayed_allowed = replayed.difference(&failed_rows).count();
    if prove {
        out.proof = Some(
            match leash_prove::prove(&Property::NoNewAccess {
                old: original,
                new: narrowed.clone(),
            }) {
                Ok(proof) => match proof.verdict {
                    Verdict::Holds => ProofOutcome::Holds,
                    Verdict::DoesNotHold(counterexample) => {
                        ProofOutcome::DoesNotHold(counterexample.describe())
                    }
                    Verdict::Unknown(reason) => ProofOutcome::Unknown(reason),
                },
                Err(error) => ProofOutcome::Unknown(error.to_string()),
            },
        );
    }
    out.narrowed = Some(narrowed);
    out
}
