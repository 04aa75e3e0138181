//! Turns the application model into one role per function (trust policy,
//! permissions policy with the permission-to-need trail), the Lambda
//! permissions for API routes, and verifies the result with leash's engine
//! (every need allowed, near misses denied) and linter.
//!
//! Not for: writing files or rendering CloudFormation/Terraform (the CLI).

use std::collections::BTreeMap;

use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::parse::parse_policy;
use leash_policy::print::print_policy;
use serde_json::{Value as Json, json};

use crate::access::{Scope, entries, never_granted};
use crate::model::{Access, AppResource, Application, Function, NeedSource, ResourceKind};

/// A designed role for one function.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleDesign {
    pub function: String,
    pub function_name: String,
    pub role_name: String,
    /// Trust policy (lambda.amazonaws.com), canonical JSON.
    pub trust_policy: String,
    /// Permissions policy, canonical JSON (`leash_policy::print::print_policy`).
    pub permissions_policy: String,
    /// Every granted permission and the needs that produced it.
    pub permissions: Vec<Permission>,
    pub lambda_permissions: Vec<LambdaPermission>,
    pub verification: Vec<Check>,
    /// Linter findings on the designed policies: `code rule: message`.
    pub lint_findings: Vec<String>,
}

impl RoleDesign {
    pub fn verified(&self) -> bool {
        self.verification.iter().all(|c| c.passed)
    }
}

/// One action on one resource (with its condition, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permission {
    pub action: String,
    pub resource: String,
    /// `(operator, key, values)`, e.g. `StringLike s3:prefix receipts/*`.
    pub condition: Option<(String, String, Vec<String>)>,
    /// `Need::describe` of each need that produced it.
    pub needs: Vec<String>,
    pub reference: String,
}

/// An `AWS::Lambda::Permission` letting API Gateway invoke the function for
/// one route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LambdaPermission {
    pub event: String,
    pub function_arn: String,
    pub principal: String,
    /// `arn:aws:execute-api:R:A:${Api}/STAGE/METHOD/PATH`; `${Api}` is the
    /// API's logical id, whose id CloudFormation assigns at deployment.
    pub source_arn: String,
    pub source_account: String,
}

/// One engine check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    /// `need` (must be allowed) or the kind of near miss (must be denied).
    pub kind: CheckKind,
    pub action: String,
    pub resource: String,
    pub context: Vec<(String, String)>,
    pub expected_allow: bool,
    pub allowed: bool,
    pub passed: bool,
    pub why: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    Need,
    OtherActionSameResource,
    SameActionOtherResource,
    OtherLogGroup,
    OtherRoute,
    /// Another bucket, topic, rule or account invoking the function.
    OtherSource,
    /// What the template's IAM granted the function but its declared
    /// needs do not ask for (`Function::superseded`).
    Superseded,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::Need => "need",
            CheckKind::OtherActionSameResource => "near miss: other action, same resource",
            CheckKind::SameActionOtherResource => "near miss: same action, other resource",
            CheckKind::OtherLogGroup => "near miss: other log group",
            CheckKind::OtherRoute => "near miss: other route",
            CheckKind::OtherSource => "near miss: other source",
            CheckKind::Superseded => "near miss: superseded by declared needs",
        }
    }
}

/// Why a design could not be produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DesignError {
    pub message: String,
}

impl std::fmt::Display for DesignError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DesignError {}

// Lambda writes to its own log group; the group itself is created by the
// template (or by Lambda's service), so `logs:CreateLogGroup` is not granted.
// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html
const LOG_ACTIONS: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
const LOGS_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html";

struct Arns<'a> {
    app: &'a Application,
}

impl Arns<'_> {
    fn of(&self, resource: &AppResource, scope: Scope, prefix: Option<&str>) -> String {
        crate::access::scope_arn(
            scope,
            &resource.name,
            &self.app.region,
            &self.app.account,
            prefix,
        )
    }

    /// A concrete resource inside `scope`, for requests.
    fn example(&self, resource: &AppResource, scope: Scope, prefix: Option<&str>) -> String {
        let arn = self.of(resource, scope, prefix);
        match scope {
            Scope::TableIndexes => {
                let index = resource
                    .indexes
                    .first()
                    .map(String::as_str)
                    .unwrap_or("example-index");
                format!("{}{index}", arn.trim_end_matches('*'))
            }
            Scope::TableStreams => format!("{}2026-01-01T00:00:00.000", arn.trim_end_matches('*')),
            Scope::Objects => format!("{}example-object", arn.trim_end_matches('*')),
            Scope::Secret => arn.replace("??????", SECRET_SUFFIX),
            Scope::LogStreams => format!("{}log-stream:example", arn.trim_end_matches('*')),
            _ => arn,
        }
    }

    fn log_group(&self, function_name: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:/aws/lambda/{function_name}:*",
            self.app.region, self.app.account
        )
    }
}

type Key = (String, Option<(String, String, Vec<String>)>);

/// Designs one role per function and verifies each.
pub fn design(app: &Application) -> Result<Vec<RoleDesign>, DesignError> {
    app.functions
        .iter()
        .map(|f| design_function(app, f))
        .collect()
}

fn design_function(app: &Application, function: &Function) -> Result<RoleDesign, DesignError> {
    let arns = Arns { app };
    // (resource, condition) -> action -> (needs, reference)
    let mut grants: BTreeMap<Key, BTreeMap<String, (Vec<String>, String)>> = BTreeMap::new();
    let mut need_checks = Vec::new();
    for need in &function.needs {
        let resource = app.resource(&need.resource).ok_or_else(|| DesignError {
            message: format!("`{}` is not a resource of the template", need.resource),
        })?;
        // A listed need (an inline statement) keeps its actions and scope;
        // an access level goes through the curated table.
        let rows: Vec<(Scope, Vec<String>, String)> = match (need.access, need.scope) {
            (Access::Listed, Some(scope)) => vec![(
                scope,
                need.actions.clone(),
                match need.source {
                    NeedSource::Declared { .. } | NeedSource::Manifest { .. } => {
                        "the actions the need lists"
                    }
                    _ => "the function's inline statement in the template",
                }
                .to_string(),
            )],
            _ => entries(resource.kind, need.access)
                .into_iter()
                .map(|row| {
                    let actions = row
                        .actions
                        .iter()
                        .filter(|a| within_source(&need.source, a))
                        .map(|a| (*a).to_string())
                        .collect();
                    (row.scope, actions, row.reference.to_string())
                })
                .collect(),
        };
        if rows.is_empty() {
            return Err(DesignError {
                message: format!(
                    "`{}`: access `{}` is not defined for a {}",
                    function.logical_id,
                    need.access.as_str(),
                    resource.kind.as_str()
                ),
            });
        }
        for (scope, actions, reference) in rows {
            if scope == Scope::TableIndexes && !need.index {
                continue;
            }
            let prefix = need.prefix.as_deref();
            let condition = match (scope, prefix) {
                (Scope::Bucket, Some(prefix)) => Some((
                    "StringLike".to_string(),
                    "s3:prefix".to_string(),
                    vec![format!("{prefix}*")],
                )),
                _ => None,
            };
            let arn = arns.of(resource, scope, prefix);
            let example = arns.example(resource, scope, prefix);
            let slot = grants.entry((arn, condition.clone())).or_default();
            for action in &actions {
                let (needs, _) = slot
                    .entry(action.clone())
                    .or_insert_with(|| (Vec::new(), reference.clone()));
                let described = need.describe();
                if !needs.contains(&described) {
                    needs.push(described);
                }
                let context = match (&condition, prefix) {
                    (Some(_), Some(prefix)) => vec![("s3:prefix".to_string(), prefix.to_string())],
                    _ => Vec::new(),
                };
                need_checks.push((
                    CheckKind::Need,
                    (*action).to_string(),
                    example.clone(),
                    context,
                    true,
                ));
            }
        }
    }
    let log_group = arns.log_group(&function.name);
    let log_key: Key = (log_group.clone(), None);
    for action in LOG_ACTIONS {
        grants.entry(log_key.clone()).or_default().insert(
            (*action).to_string(),
            (
                vec!["writing its own logs (every function)".to_string()],
                LOGS_REFERENCE.to_string(),
            ),
        );
        let stream = log_group.replace(":*", ":log-stream:2026/01/01/[$LATEST]example");
        need_checks.push((
            CheckKind::Need,
            (*action).to_string(),
            stream,
            Vec::new(),
            true,
        ));
    }

    // The permissions policy: one statement per (resource, condition).
    let mut statements = Vec::new();
    let mut permissions = Vec::new();
    for (index, ((resource, condition), actions)) in grants.iter().enumerate() {
        let action_list: Vec<&String> = actions.keys().collect();
        let mut statement = json!({
            "Sid": format!("Grant{}", index + 1),
            "Effect": "Allow",
            "Action": action_list,
            "Resource": resource,
        });
        if let Some((operator, key, values)) = condition {
            statement["Condition"] = json!({ operator.as_str(): { key.as_str(): values } });
        }
        statements.push(statement);
        for (action, (needs, reference)) in actions {
            permissions.push(Permission {
                action: action.clone(),
                resource: resource.clone(),
                condition: condition.clone(),
                needs: needs.clone(),
                reference: reference.clone(),
            });
        }
    }
    let permissions_document = json!({ "Version": "2012-10-17", "Statement": statements });
    let trust_document = json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Service": "lambda.amazonaws.com" },
            "Action": "sts:AssumeRole",
        }],
    });
    let (permissions_value, permissions_policy) = canonical(&permissions_document)?;
    let (trust_value, trust_policy) = canonical(&trust_document)?;

    let mut lint_findings = Vec::new();
    for (value, kind) in [
        (&permissions_value, leash_lint::PolicyKind::Identity),
        (&trust_value, leash_lint::PolicyKind::Trust),
    ] {
        for finding in leash_lint::lint_policy_value(value, Some(kind)) {
            lint_findings.push(format!(
                "{} {}: {}",
                finding.code, finding.rule, finding.message
            ));
        }
    }

    let role_name = format!("{}-role", function.name);
    let role_arn = format!("arn:aws:iam::{}:role/{role_name}", app.account);
    let policy = parse_policy(&permissions_value)
        .policy
        .ok_or_else(|| DesignError {
            message: "the designed policy does not parse".into(),
        })?;
    let mut policy_set = PolicySet::new().with_identity_policy("designed", policy);
    if function.needs.iter().any(|n| {
        app.resource(&n.resource)
            .is_some_and(|r| r.kind == ResourceKind::Key)
    }) {
        // A KMS key is used only as far as its key policy allows; the
        // design assumes the default key policy, which lets the account's
        // IAM policies grant access to the key (and nothing more).
        // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
        let key_policy = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Sid": "Enable IAM User Permissions",
                "Effect": "Allow",
                "Principal": { "AWS": format!("arn:aws:iam::{}:root", app.account) },
                "Action": "kms:*",
                "Resource": "*",
            }],
        });
        let (value, _) = canonical(&key_policy)?;
        if let Some(parsed) = parse_policy(&value).policy {
            policy_set = policy_set.with_resource_policy("default key policy", parsed);
        }
    }
    let prepared = PreparedPolicySet::new(&policy_set);

    let near_misses = near_misses(app, function, &arns, &grants);
    let mut verification = Vec::new();
    for (kind, action, resource, context, expected_allow) in
        need_checks.into_iter().chain(near_misses)
    {
        let mut request_context = RequestContext::new();
        for (key, value) in &context {
            request_context = request_context.with(key.clone(), value.clone());
        }
        let request = Request::new(role_arn.clone(), action.clone(), resource.clone())
            .with_context(request_context);
        let decision = prepared.evaluate(&request);
        let allowed = decision.is_allowed();
        verification.push(Check {
            kind,
            action,
            resource,
            context,
            expected_allow,
            allowed,
            passed: allowed == expected_allow,
            why: decision.reason.as_str().to_string(),
        });
    }

    let (lambda_permissions, route_checks) = lambda_permissions(app, function)?;
    verification.extend(route_checks);

    Ok(RoleDesign {
        function: function.logical_id.clone(),
        function_name: function.name.clone(),
        role_name,
        trust_policy,
        permissions_policy,
        permissions,
        lambda_permissions,
        verification,
        lint_findings,
    })
}

/// Whether the source of a need lets the design grant `action`: a need
/// read from a SAM policy template gets the curated actions of its level
/// that the template itself grants, never more (`DynamoDBReadPolicy` has no
/// `dynamodb:ConditionCheckItem`, which the curated `read` level has), so
/// the design stays inside the template's own IAM. The template's actions
/// come from SAM's data (`leash_iac::sam_policy_templates`).
fn within_source(source: &NeedSource, action: &str) -> bool {
    let NeedSource::SamPolicyTemplate { name } = source else {
        return true;
    };
    let Some(template) = leash_iac::sam_policy_templates::policy_template(name) else {
        return true;
    };
    let statements = template
        .definition
        .get("Statement")
        .and_then(leash_policy::Value::as_array)
        .unwrap_or(&[]);
    statements.iter().any(|statement| {
        statement
            .get("Effect")
            .and_then(leash_policy::Value::as_str)
            == Some("Allow")
            && statement.get("Action").is_some_and(|value| {
                let patterns = match value.as_array() {
                    Some(items) => items
                        .iter()
                        .filter_map(leash_policy::Value::as_str)
                        .collect(),
                    None => value.as_str().into_iter().collect::<Vec<_>>(),
                };
                patterns.into_iter().any(|pattern| {
                    leash_policy::matching::WildcardPattern::new(
                        pattern,
                        leash_policy::matching::CaseMode::Insensitive,
                    )
                    .is_match(action)
                })
            })
    })
}

/// Near misses on other resources are generated for at most this many
/// resources of each kind (and other functions' log groups), in template
/// order: each shows that the grant is scoped to its own ARN, and more of
/// them only repeat the point while the checks grow with functions times
/// resources (a 100-function template had 57,000 checks; see
/// docs/benchmarks.md).
const OTHERS_PER_KIND: usize = 3;

type PlannedCheck = (CheckKind, String, String, Vec<(String, String)>, bool);

/// Planned near misses with an index of (action, resource) pairs, so that
/// "already planned?" is a lookup: with a hundred functions a role gets
/// hundreds of near misses, and a scan per insertion dominated `design`.
#[derive(Default)]
struct PlannedChecks {
    list: Vec<PlannedCheck>,
    planned: std::collections::HashSet<(String, String)>,
}

impl PlannedChecks {
    fn push(&mut self, check: PlannedCheck) {
        self.planned.insert((check.1.clone(), check.2.clone()));
        self.list.push(check);
    }

    fn has(&self, action: &str, resource: &str) -> bool {
        self.planned
            .contains(&(action.to_string(), resource.to_string()))
    }
}

/// Requests the design must deny: other actions on the function's
/// resources, its actions on resources it does not need (the other
/// functions' and look-alike names), objects outside its prefix, other log
/// groups.
fn near_misses(
    app: &Application,
    function: &Function,
    arns: &Arns<'_>,
    grants: &BTreeMap<Key, BTreeMap<String, (Vec<String>, String)>>,
) -> Vec<PlannedCheck> {
    let mut checks = PlannedChecks::default();
    // Resources by logical id: `Application::resource` is a scan, and this
    // function looks up every need of every function.
    let by_id: std::collections::HashMap<&str, &AppResource> = app
        .resources
        .iter()
        .map(|r| (r.logical_id.as_str(), r))
        .collect();
    let resource_of = |id: &str| by_id.get(id).copied();
    // Action names are case-insensitive in IAM (`DynamoDB:PutItem` is
    // `dynamodb:PutItem`): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
    let granted = |action: &str, resource: &str| {
        grants.iter().any(|((arn, _), actions)| {
            actions.keys().any(|a| a.eq_ignore_ascii_case(action)) && arn_covers(arn, resource)
        })
    };
    for need in &function.needs {
        let Some(resource) = resource_of(&need.resource) else {
            continue;
        };
        let main_scope = primary_scope(resource.kind);
        let arn = arns.of(resource, main_scope, None);
        for action in never_granted(resource.kind) {
            // A statement of the template may list one (`dynamodb:Scan`):
            // then it is granted on purpose, not a near miss.
            if granted(action, &arn) || checks.has(action, &arn) {
                continue;
            }
            checks.push((
                CheckKind::OtherActionSameResource,
                (*action).to_string(),
                arn.clone(),
                Vec::new(),
                false,
            ));
        }
        // Actions of the table that other access levels grant, not granted here.
        for access in [
            Access::Read,
            Access::Write,
            Access::Delete,
            Access::ReadWrite,
            Access::Put,
            Access::Publish,
            Access::Consume,
            Access::Invoke,
        ] {
            for row in entries(resource.kind, access) {
                let example = arns.example(resource, row.scope, need.prefix.as_deref());
                for action in row.actions {
                    if !granted(action, &example) && !checks.has(action, &example) {
                        checks.push((
                            CheckKind::OtherActionSameResource,
                            (*action).to_string(),
                            example.clone(),
                            Vec::new(),
                            false,
                        ));
                    }
                }
            }
        }
        if let Some(prefix) = &need.prefix {
            // The same object action outside the prefix.
            let outside = format!(
                "arn:aws:s3:::{}/not-{}example-object",
                resource.name, prefix
            );
            let object_actions: Vec<String> = if need.access == Access::Listed {
                if need.scope == Some(Scope::Objects) {
                    need.actions.clone()
                } else {
                    Vec::new()
                }
            } else {
                entries(resource.kind, need.access)
                    .iter()
                    .filter(|row| row.scope == Scope::Objects)
                    .flat_map(|row| row.actions.iter().map(|a| (*a).to_string()))
                    .collect()
            };
            for action in object_actions {
                // Another need may grant the whole bucket: then it is no near miss.
                if !granted(&action, &outside) {
                    checks.push((
                        CheckKind::SameActionOtherResource,
                        action,
                        outside.clone(),
                        Vec::new(),
                        false,
                    ));
                }
            }
        }
        if need.access == Access::Read && resource.kind == ResourceKind::Table && !need.index {
            let example = arns.example(resource, Scope::TableIndexes, None);
            if !granted("dynamodb:Query", &example) {
                checks.push((
                    CheckKind::OtherActionSameResource,
                    "dynamodb:Query".into(),
                    example,
                    Vec::new(),
                    false,
                ));
            }
        }
    }
    // Each granted action on resources of the same kind the function does
    // not need, and on a look-alike name.
    // The resources the function needs, looked up once: with many
    // functions and resources, looking them up per check dominated `design`.
    let needed: Vec<&AppResource> = function
        .needs
        .iter()
        .filter_map(|n| resource_of(&n.resource))
        .collect();
    let needed_ids: std::collections::HashSet<&str> =
        function.needs.iter().map(|n| n.resource.as_str()).collect();
    for ((arn, _), actions) in grants {
        // The same ARN with another resource of the kind it names in place
        // of the one it names.
        let other_arns: Vec<String> = app
            .resources
            .iter()
            .filter(|other| !needed_ids.contains(other.logical_id.as_str()))
            .filter_map(|other| replace_name_in(arn, arns, &needed, other))
            .take(OTHERS_PER_KIND)
            .collect();
        for action in actions.keys() {
            for other_arn in &other_arns {
                checks.push((
                    CheckKind::SameActionOtherResource,
                    action.clone(),
                    other_arn.clone(),
                    Vec::new(),
                    false,
                ));
            }
            if !arn.contains(":logs:") {
                let look_alike = look_alike(arn);
                if !granted(action, &look_alike) {
                    checks.push((
                        CheckKind::SameActionOtherResource,
                        action.clone(),
                        look_alike,
                        Vec::new(),
                        false,
                    ));
                }
            }
        }
    }
    // What the template's IAM granted but the declared needs do not ask for
    // (the roadmap's shared role: `create-order` may not `dynamodb:Scan`).
    for need in &function.superseded {
        let Some(resource) = resource_of(&need.resource) else {
            continue;
        };
        let rows: Vec<(Scope, Vec<String>)> = match (need.access, need.scope) {
            (Access::Listed, Some(scope)) => vec![(scope, need.actions.clone())],
            _ => entries(resource.kind, need.access)
                .into_iter()
                .filter(|row| row.scope != Scope::TableIndexes || need.index)
                .map(|row| {
                    (
                        row.scope,
                        row.actions.iter().map(|a| (*a).to_string()).collect(),
                    )
                })
                .collect(),
        };
        for (scope, actions) in rows {
            let example = arns.example(resource, scope, need.prefix.as_deref());
            for action in actions {
                if granted(&action, &example) || checks.has(&action, &example) {
                    continue;
                }
                checks.push((
                    CheckKind::Superseded,
                    action,
                    example.clone(),
                    Vec::new(),
                    false,
                ));
            }
        }
    }
    // What the other functions may do on resources this one does not need
    // (on at most `OTHERS_PER_KIND` of them per kind).
    let mut sampled: BTreeMap<ResourceKind, Vec<&str>> = BTreeMap::new();
    for other in app
        .functions
        .iter()
        .filter(|f| f.logical_id != function.logical_id)
    {
        for need in &other.needs {
            let Some(resource) = resource_of(&need.resource) else {
                continue;
            };
            if needed_ids.contains(need.resource.as_str()) {
                continue;
            }
            let chosen = sampled.entry(resource.kind).or_default();
            if !chosen.contains(&resource.logical_id.as_str()) {
                if chosen.len() >= OTHERS_PER_KIND {
                    continue;
                }
                chosen.push(resource.logical_id.as_str());
            }
            for row in entries(resource.kind, need.access) {
                let example = arns.example(resource, row.scope, need.prefix.as_deref());
                for action in row.actions {
                    if !checks.has(action, &example) {
                        checks.push((
                            CheckKind::SameActionOtherResource,
                            (*action).to_string(),
                            example.clone(),
                            Vec::new(),
                            false,
                        ));
                    }
                }
            }
        }
    }
    for other in app
        .functions
        .iter()
        .filter(|f| f.logical_id != function.logical_id)
        .take(OTHERS_PER_KIND)
    {
        let group = arns
            .log_group(&other.name)
            .replace(":*", ":log-stream:example");
        for action in LOG_ACTIONS {
            checks.push((
                CheckKind::OtherLogGroup,
                (*action).to_string(),
                group.clone(),
                Vec::new(),
                false,
            ));
        }
    }
    let unrelated = arns
        .log_group(&format!("{}-other", function.name))
        .replace(":*", ":log-stream:example");
    for action in LOG_ACTIONS {
        checks.push((
            CheckKind::OtherLogGroup,
            (*action).to_string(),
            unrelated.clone(),
            Vec::new(),
            false,
        ));
    }
    checks.push((
        CheckKind::OtherActionSameResource,
        "logs:DeleteLogGroup".into(),
        arns.log_group(&function.name),
        Vec::new(),
        false,
    ));
    checks.list
}

fn primary_scope(kind: ResourceKind) -> Scope {
    match kind {
        ResourceKind::Table => Scope::Table,
        ResourceKind::Bucket => Scope::Bucket,
        ResourceKind::Queue => Scope::Queue,
        ResourceKind::Topic => Scope::Topic,
        ResourceKind::Function => Scope::Function,
        ResourceKind::Stream => Scope::Stream,
        ResourceKind::StateMachine => Scope::StateMachine,
        ResourceKind::Secret => Scope::Secret,
        ResourceKind::Parameter => Scope::Parameter,
        ResourceKind::LogGroup => Scope::LogStreams,
        ResourceKind::EventBus => Scope::EventBus,
        ResourceKind::Key => Scope::Key,
    }
}

/// The granted ARN with the resource name swapped for `other`'s, when
/// `other` is of the kind the ARN names.
fn replace_name_in(
    arn: &str,
    arns: &Arns<'_>,
    needed: &[&AppResource],
    other: &AppResource,
) -> Option<String> {
    // An ARN that is exactly a scope of a resource the function uses: the
    // same scope of `other`.
    for owner in needed.iter().filter(|r| r.kind == other.kind) {
        for scope in crate::access::scopes(owner.kind) {
            if arns.of(owner, *scope, None) == arn {
                return Some(arns.example(other, *scope, None));
            }
        }
    }
    let owner = needed
        .iter()
        .find(|r| r.kind == other.kind && arn_names(arn, r))?;
    let arn = arn.replacen(&format!("/{}", owner.name), &format!("/{}", other.name), 1);
    let arn = arn.replacen(
        &format!(":::{}", owner.name),
        &format!(":::{}", other.name),
        1,
    );
    let arn = arn.replacen(
        &format!(":function:{}", owner.name),
        &format!(":function:{}", other.name),
        1,
    );
    let arn = if matches!(other.kind, ResourceKind::Queue | ResourceKind::Topic) {
        match arn.rsplit_once(':') {
            Some((head, _)) => format!("{head}:{}", other.name),
            None => arn,
        }
    } else {
        arn
    };
    Some(arn.trim_end_matches('*').to_string() + if arn.ends_with('*') { "example" } else { "" })
}

fn arn_names(arn: &str, resource: &AppResource) -> bool {
    let name = &resource.name;
    arn.contains(&format!("table/{name}"))
        || arn.contains(&format!(":::{name}"))
        || arn.ends_with(&format!(":{name}"))
        || arn.ends_with(&format!(":function:{name}"))
}

/// The six characters Secrets Manager appends to a secret's name, for
/// concrete requests.
const SECRET_SUFFIX: &str = "AbCdEf";

/// The ARN of a resource whose name extends the granted one
/// (`table/Orders` -> `table/Orders-archive`): catches a missing delimiter.
/// For a secret, `NAME-archive-AbCdEf`: the secret a `NAME-*` pattern
/// would also match.
fn look_alike(arn: &str) -> String {
    if let Some(name) = arn.strip_suffix("-??????") {
        return format!("{name}-archive-{SECRET_SUFFIX}");
    }
    let base = arn.trim_end_matches('*').trim_end_matches('/');
    match arn.find("/index/").or_else(|| arn.find("/stream/")) {
        Some(position) => {
            format!("{}-archive{}", &arn[..position], &arn[position..]).replace('*', "example")
        }
        None if arn.starts_with("arn:aws:s3:::") && arn.contains('/') => {
            let (bucket, key) = arn.split_once('/').unwrap_or((arn, ""));
            format!("{bucket}-archive/{}", key.replace('*', "example"))
        }
        None => format!("{base}-archive"),
    }
}

/// Whether a policy resource pattern covers `resource`: `*` matches any
/// run of characters, `?` exactly one, as IAM's `Resource` matching does.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
fn arn_covers(pattern: &str, resource: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = resource.chars().collect();
    // Iterative matching with one backtrack point (the last `*`).
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(c) if *c == '?' || Some(c) == text.get(t) => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p.min(pattern.len())..].iter().all(|c| *c == '*')
}

fn canonical(document: &Json) -> Result<(leash_policy::Value, String), DesignError> {
    let text = document.to_string();
    let value = leash_policy::json::parse_json(&text).map_err(|e| DesignError {
        message: format!("designed policy is not json: {}", e.message),
    })?;
    let parsed = parse_policy(&value);
    let policy = parsed.policy.ok_or_else(|| DesignError {
        message: "the designed policy does not parse".into(),
    })?;
    let printed = print_policy(&policy);
    let value = leash_policy::json::parse_json(&printed).map_err(|e| DesignError {
        message: format!("printed policy is not json: {}", e.message),
    })?;
    Ok((value, printed))
}

const EXAMPLE_API_ID: &str = "a1b2c3d4e5";

/// The Lambda permissions for the function's API routes, each verified on
/// the function's resource policy: the route is allowed, another method
/// and another API are denied.
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
/// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
fn lambda_permissions(
    app: &Application,
    function: &Function,
) -> Result<(Vec<LambdaPermission>, Vec<Check>), DesignError> {
    let function_arn = format!(
        "arn:aws:lambda:{}:{}:function:{}",
        app.region, app.account, function.name
    );
    let mut permissions = Vec::new();
    let mut statements = Vec::new();
    for route in &function.routes {
        let method = if route.method == "ANY" {
            "*".to_string()
        } else {
            route.method.clone()
        };
        // Path parameters (`{id}`, `{proxy+}`) match any segment text.
        let path: String = route
            .path
            .split('/')
            .map(|segment| {
                if segment.starts_with('{') {
                    "*"
                } else {
                    segment
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let stage = if route.stage == "$default" {
            "*".to_string()
        } else {
            route.stage.clone()
        };
        let source_arn = format!(
            "arn:aws:execute-api:{}:{}:${{{}}}/{stage}/{method}{path}",
            app.region, app.account, route.api
        );
        statements.push(json!({
            "Sid": format!("Invoke{}", statements.len() + 1),
            "Effect": "Allow",
            "Principal": { "Service": "apigateway.amazonaws.com" },
            "Action": "lambda:InvokeFunction",
            "Resource": function_arn,
            "Condition": {
                // `${Api}` is CloudFormation's `Fn::Sub`, not a policy
                // variable: verify with a concrete API id in its place.
                "ArnLike": { "AWS:SourceArn": source_arn.replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID) },
                "StringEquals": { "AWS:SourceAccount": app.account },
            },
        }));
        permissions.push(LambdaPermission {
            event: route.event.clone(),
            function_arn: function_arn.clone(),
            principal: "apigateway.amazonaws.com".into(),
            source_arn,
            source_account: app.account.clone(),
        });
    }
    // Other invokers (S3, SNS, EventBridge): `SourceArn` and `SourceAccount`,
    // checked with the `${...}` parts of the source filled in.
    let mut invoker_sources = Vec::new();
    for invoker in &function.invokers {
        let concrete = example_source(invoker, &app.region, &app.account);
        statements.push(json!({
            "Sid": format!("Invoke{}", statements.len() + 1),
            "Effect": "Allow",
            "Principal": { "Service": invoker.principal },
            "Action": "lambda:InvokeFunction",
            "Resource": function_arn,
            "Condition": {
                "ArnLike": { "AWS:SourceArn": concrete },
                "StringEquals": { "AWS:SourceAccount": app.account },
            },
        }));
        invoker_sources.push((invoker, concrete));
    }
    if statements.is_empty() {
        return Ok((permissions, Vec::new()));
    }
    let document = json!({ "Version": "2012-10-17", "Statement": statements });
    let (value, _) = canonical(&document)?;
    let policy = parse_policy(&value).policy.ok_or_else(|| DesignError {
        message: "the designed resource policy does not parse".into(),
    })?;
    let prepared = PreparedPolicySet::new(
        &PolicySet::new().with_resource_policy("lambda permissions", policy),
    );
    let mut checks = Vec::new();
    for (permission, route) in permissions.iter().zip(&function.routes) {
        // The API's id stands in for `${Api}` as a concrete request would carry.
        let concrete = |source: &str| {
            source
                .replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID)
                .replace('*', "example")
        };
        let allowed_source = concrete(&permission.source_arn);
        let other_method = if route.method == "DELETE" {
            "PATCH"
        } else {
            "DELETE"
        };
        let other_route = if route.method == "ANY" {
            // Another path of the same API and stage. A route whose path is
            // one greedy parameter (`/{proxy+}`) covers every path: it has
            // no other route to deny.
            let greedy_root = route.path.starts_with("/{")
                && route.path.ends_with("+}")
                && route.path.matches('/').count() == 1;
            let parts: Vec<&str> = allowed_source.splitn(4, '/').collect();
            (!greedy_root && parts.len() >= 3)
                .then(|| format!("{}/{}/{}/not-this-path", parts[0], parts[1], parts[2]))
        } else {
            Some(allowed_source.replacen(
                &format!("/{}/", route.method),
                &format!("/{other_method}/"),
                1,
            ))
        };
        let other_api = allowed_source.replace(EXAMPLE_API_ID, "zzzzzzzzzz");
        let mut cases = vec![(CheckKind::Need, allowed_source, true)];
        cases.extend(other_route.map(|source| (CheckKind::OtherRoute, source, false)));
        cases.push((CheckKind::OtherRoute, other_api, false));
        for (kind, source, expected_allow) in cases {
            let account = source.split(':').nth(4).unwrap_or_default().to_string();
            checks.push(invoke_check(
                &prepared,
                app,
                &function_arn,
                "apigateway.amazonaws.com",
                (kind, source, account, expected_allow),
            ));
        }
    }
    for (invoker, concrete) in invoker_sources {
        permissions.push(LambdaPermission {
            event: invoker.event.clone(),
            function_arn: function_arn.clone(),
            principal: invoker.principal.clone(),
            source_arn: invoker.source_arn.clone(),
            source_account: app.account.clone(),
        });
        // The source itself; a look-alike source (`NAME-archive`); the same
        // source name in another account (bucket names are global, so the
        // account condition is what keeps another account's bucket out).
        let cases = [
            (CheckKind::Need, concrete.clone(), app.account.clone(), true),
            (
                CheckKind::OtherSource,
                format!("{concrete}-archive"),
                app.account.clone(),
                false,
            ),
            (
                CheckKind::OtherSource,
                concrete.clone(),
                OTHER_ACCOUNT.to_string(),
                false,
            ),
        ];
        for case in cases {
            checks.push(invoke_check(
                &prepared,
                app,
                &function_arn,
                &invoker.principal,
                case,
            ));
        }
    }
    Ok((permissions, checks))
}

/// An account that is not the application's, for near misses.
const OTHER_ACCOUNT: &str = "444455556666";

/// `invoker.source_arn` with its `Fn::Sub` references (`${Bucket}`,
/// `${Topic}`, `${FunctionEvent.Arn}`) replaced by what a deployment could
/// fill in, for the engine.
fn example_source(invoker: &crate::model::EventInvoker, region: &str, account: &str) -> String {
    let source = &invoker.source_arn;
    let (Some(start), Some(end)) = (source.find("${"), source.find('}')) else {
        return source.clone();
    };
    let Some(reference) = source.get(start + 2..end) else {
        return source.clone();
    };
    let id = reference
        .trim_end_matches(".Arn")
        .to_ascii_lowercase()
        .replace('.', "-");
    let filled = match invoker.event_type.as_str() {
        // `Ref` of a bucket is its name.
        "S3" => format!("{id}-example"),
        // `Ref` of a topic is its ARN.
        "SNS" => format!("arn:aws:sns:{region}:{account}:{id}-example"),
        _ => format!("arn:aws:events:{region}:{account}:rule/{id}-example"),
    };
    format!(
        "{}{filled}{}",
        source.get(..start).unwrap_or_default(),
        source.get(end + 1..).unwrap_or_default()
    )
}

/// One request to the function's resource policy: `principal` invokes it
/// with `aws:SourceArn` `source` and `aws:SourceAccount` `account`.
fn invoke_check(
    prepared: &PreparedPolicySet,
    app: &Application,
    function_arn: &str,
    principal: &str,
    (kind, source, account, expected_allow): (CheckKind, String, String, bool),
) -> Check {
    let context = vec![
        ("aws:SourceArn".to_string(), source.clone()),
        ("aws:SourceAccount".to_string(), account),
    ];
    let mut request_context = RequestContext::new();
    for (key, value) in &context {
        request_context = request_context.with(key.clone(), value.clone());
    }
    let request = Request::new(principal, "lambda:InvokeFunction", function_arn)
        .with_resource_account(app.account.clone())
        .with_context(request_context);
    let decision = prepared.evaluate(&request);
    let allowed = decision.is_allowed();
    Check {
        kind,
        action: "lambda:InvokeFunction".into(),
        resource: function_arn.to_string(),
        context,
        expected_allow,
        allowed,
        passed: allowed == expected_allow,
        why: decision.reason.as_str().to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{ResourceKind, Target, read_application};

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      GlobalSecondaryIndexes: [{IndexName: ByCustomer}]
  Archive:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: Archive}
  Receipts:
    Type: AWS::S3::Bucket
    Properties: {BucketName: acme-orders-receipts}
  ListOrders:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read, index: true}]
    Properties:
      FunctionName: list-orders
      Events:
        List: {Type: Api, Properties: {Path: /orders, Method: get}}
  UploadReceipt:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Receipts, access: read, prefix: receipts/}]
    Properties:
      FunctionName: upload-receipt
      Events:
        Upload: {Type: Api, Properties: {Path: '/orders/{id}/receipt', Method: post}}
"#;

    #[test]
    fn a_sam_policy_template_need_gets_no_action_the_template_lacks() {
        // SAM's DynamoDBReadPolicy grants no ConditionCheckItem; the curated
        // `read` level has it. The design keeps inside the template.
        let text = format!(
            "{TEMPLATE}  ReadArchive:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies: [{{DynamoDBReadPolicy: {{TableName: !Ref Archive}}}}]\n"
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        let role = roles.iter().find(|r| r.function == "ReadArchive").unwrap();
        let on_archive: Vec<&str> = role
            .permissions
            .iter()
            .filter(|p| p.resource.ends_with("table/Archive"))
            .map(|p| p.action.as_str())
            .collect();
        assert_eq!(
            on_archive,
            [
                "dynamodb:BatchGetItem",
                "dynamodb:GetItem",
                "dynamodb:Query"
            ]
        );
        assert!(role.verified());
    }

    #[test]
    fn an_administrative_action_listed_inline_is_a_need_not_a_near_miss() {
        // From serverless-patterns' systems-manager-automation-to-lambda:
        // the template lists `DynamoDB:UpdateTable` (any case) on its table.
        let text = format!(
            "{TEMPLATE}{}",
            concat!(
                "  Resize:\n",
                "    Type: AWS::Serverless::Function\n",
                "    Properties:\n",
                "      Policies:\n",
                "        - Statement:\n",
                "            - Effect: Allow\n",
                "              Action: ['DynamoDB:UpdateTable', 'DynamoDB:PutItem']\n",
                "              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders\n",
            )
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        let role = roles.iter().find(|r| r.function == "Resize").unwrap();
        assert!(
            role.permissions
                .iter()
                .any(|p| p.action.eq_ignore_ascii_case("dynamodb:UpdateTable"))
        );
        let failed: Vec<&Check> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        // Other administrative actions stay near misses.
        assert!(
            role.verification
                .iter()
                .any(|c| c.action == "dynamodb:DeleteTable" && !c.allowed)
        );
    }

    fn roles() -> Vec<RoleDesign> {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        design(&app).unwrap()
    }

    fn grants(role: &RoleDesign) -> Vec<(String, String)> {
        role.permissions
            .iter()
            .map(|p| (p.action.clone(), p.resource.clone()))
            .collect()
    }

    #[test]
    fn every_check_passes_and_the_linter_is_silent() {
        for role in roles() {
            let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
            assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
            assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
            assert!(
                role.verification
                    .iter()
                    .any(|c| c.kind == CheckKind::OtherLogGroup)
            );
        }
    }

    #[test]
    fn read_with_index_scopes_query_to_the_table_indexes() {
        let role = &roles()[0];
        let grants = grants(role);
        let table = "arn:aws:dynamodb:us-west-2:111122223333:table/Orders";
        assert!(grants.contains(&("dynamodb:GetItem".into(), table.into())));
        assert!(grants.contains(&("dynamodb:Query".into(), format!("{table}/index/*"))));
        assert!(
            !grants
                .iter()
                .any(|(a, _)| a == "dynamodb:Scan" || a.contains('*'))
        );
        // Its own log group only.
        assert!(grants.contains(&(
            "logs:PutLogEvents".into(),
            "arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/list-orders:*".into()
        )));
        // DeleteTable and the other table are checked and denied.
        let denied = |action: &str, resource: &str| {
            role.verification
                .iter()
                .any(|c| c.action == action && c.resource == resource && !c.allowed && c.passed)
        };
        assert!(denied("dynamodb:DeleteTable", table));
        assert!(denied(
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-west-2:111122223333:table/Archive"
        ));
    }

    #[test]
    fn bucket_read_with_prefix_conditions_list_bucket() {
        let role = &roles()[1];
        let list = role
            .permissions
            .iter()
            .find(|p| p.action == "s3:ListBucket")
            .unwrap();
        assert_eq!(list.resource, "arn:aws:s3:::acme-orders-receipts");
        assert_eq!(
            list.condition,
            Some((
                "StringLike".into(),
                "s3:prefix".into(),
                vec!["receipts/*".into()]
            ))
        );
        let get = role
            .permissions
            .iter()
            .find(|p| p.action == "s3:GetObject")
            .unwrap();
        assert_eq!(get.resource, "arn:aws:s3:::acme-orders-receipts/receipts/*");
    }

    #[test]
    fn api_routes_get_lambda_permissions_scoped_to_method_and_path() {
        let role = &roles()[1];
        let permission = &role.lambda_permissions[0];
        assert_eq!(
            permission.source_arn,
            "arn:aws:execute-api:us-west-2:111122223333:${ServerlessRestApi}/Prod/POST/orders/*/receipt"
        );
        assert_eq!(permission.source_account, "111122223333");
        let route_checks: Vec<_> = role
            .verification
            .iter()
            .filter(|c| c.action == "lambda:InvokeFunction")
            .collect();
        assert_eq!(route_checks.len(), 3);
        assert!(route_checks.iter().all(|c| c.passed), "{route_checks:#?}");
    }

    #[test]
    fn queues_streams_topics_and_functions_verify() {
        let text = r#"
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Other: {Type: AWS::SQS::Queue, Properties: {QueueName: other}}
  Events: {Type: AWS::SNS::Topic, Properties: {TopicName: events}}
  Notify:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: notify}
  Worker:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Events, access: publish}
          - {resource: Notify, access: invoke}
          - {resource: Other, access: publish}
    Properties:
      FunctionName: worker
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
        Changes: {Type: DynamoDB, Properties: {Stream: !GetAtt Orders.StreamArn}}
"#;
        let template = leash_iac::read_template(text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        let worker = roles.iter().find(|r| r.function_name == "worker").unwrap();
        let failed: Vec<_> = worker.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(
            worker.lint_findings.is_empty(),
            "{:?}",
            worker.lint_findings
        );
        let grants = grants(worker);
        for expected in [
            ("sns:Publish", "arn:aws:sns:us-west-2:111122223333:events"),
            (
                "lambda:InvokeFunction",
                "arn:aws:lambda:us-west-2:111122223333:function:notify",
            ),
            (
                "sqs:ReceiveMessage",
                "arn:aws:sqs:us-west-2:111122223333:jobs",
            ),
            (
                "sqs:SendMessage",
                "arn:aws:sqs:us-west-2:111122223333:other",
            ),
            (
                "dynamodb:GetRecords",
                "arn:aws:dynamodb:us-west-2:111122223333:table/Orders/stream/*",
            ),
        ] {
            assert!(
                grants.contains(&(expected.0.into(), expected.1.into())),
                "{expected:?} in {grants:#?}"
            );
        }
        // Consuming the stream grants nothing on the table itself.
        assert!(
            !grants
                .iter()
                .any(|(_, r)| r == "arn:aws:dynamodb:us-west-2:111122223333:table/Orders")
        );
        // The SQS poller may not send to the queue it consumes.
        assert!(!grants.contains(&(
            "sqs:SendMessage".into(),
            "arn:aws:sqs:us-west-2:111122223333:jobs".into()
        )));
        // Notify has no needs: logs only.
        let notify = roles.iter().find(|r| r.function_name == "notify").unwrap();
        assert!(
            notify
                .permissions
                .iter()
                .all(|p| p.action.starts_with("logs:"))
        );
        assert!(notify.verified());
    }

    #[test]
    fn declared_actions_are_granted_exactly_and_verify() {
        let text = TEMPLATE
            .replace(
                "needs: [{resource: Orders, access: read, index: true}]",
                "needs: [{resource: Orders, actions: [dynamodb:GetItem]}]",
            )
            .replace(
                "needs: [{resource: Receipts, access: read, prefix: receipts/}]",
                "needs: [{resource: Receipts, actions: [s3:GetObject, s3:ListBucket, s3:GetBucketLocation], prefix: receipts/}]",
            );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        for role in &roles {
            let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
            assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
            assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        }
        let table = "arn:aws:dynamodb:us-west-2:111122223333:table/Orders";
        let get_only: Vec<(String, String)> = grants(&roles[0])
            .into_iter()
            .filter(|(a, _)| !a.starts_with("logs:"))
            .collect();
        assert_eq!(
            get_only,
            vec![("dynamodb:GetItem".to_string(), table.to_string())]
        );
        // The other read actions are checked and denied.
        for action in [
            "dynamodb:BatchGetItem",
            "dynamodb:ConditionCheckItem",
            "dynamodb:Query",
        ] {
            assert!(
                roles[0]
                    .verification
                    .iter()
                    .any(|c| c.action == action && c.resource == table && !c.allowed && c.passed),
                "{action}"
            );
        }
        let bucket = &roles[1];
        let list = bucket
            .permissions
            .iter()
            .find(|p| p.action == "s3:ListBucket")
            .unwrap();
        assert_eq!(
            list.condition,
            Some((
                "StringLike".into(),
                "s3:prefix".into(),
                vec!["receipts/*".into()]
            ))
        );
        let location = bucket
            .permissions
            .iter()
            .find(|p| p.action == "s3:GetBucketLocation")
            .unwrap();
        assert_eq!(location.resource, "arn:aws:s3:::acme-orders-receipts");
        assert_eq!(location.condition, None);
        assert!(location.reference.contains("lists"));
    }

    const KINDS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Key: {Type: AWS::KMS::Key, Properties: {}}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref Key}
  Plain: {Type: AWS::DynamoDB::Table, Properties: {TableName: Plain, SSESpecification: {SSEEnabled: true}}}
  Receipts:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-receipts
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: !GetAtt Key.Arn}
  Clicks: {Type: AWS::Kinesis::Stream, Properties: {Name: clicks, ShardCount: 1}}
  Audit: {Type: AWS::Kinesis::Stream, Properties: {Name: audit, ShardCount: 1}}
  Flow: {Type: AWS::Serverless::StateMachine, Properties: {Name: order-flow}}
  OtherFlow: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: other-flow}}
  ApiKey: {Type: AWS::SecretsManager::Secret, Properties: {Name: api-key}}
  Setting: {Type: AWS::SSM::Parameter, Properties: {Name: /orders/setting, Type: String, Value: x}}
  AppLogs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: app-logs}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders-bus}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: orders-topic}}
  Worker:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Audit, access: publish}
          - {resource: Flow, access: invoke}
          - {resource: ApiKey, access: read}
          - {resource: Setting, access: read}
          - {resource: AppLogs, access: write}
          - {resource: Bus, access: publish}
          - {resource: Key, access: read}
    Properties:
      FunctionName: worker
      Events:
        Clicks: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}}
        Upload: {Type: S3, Properties: {Bucket: !Ref Receipts, Events: 's3:ObjectCreated:*'}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
        OnOrder: {Type: EventBridgeRule, Properties: {RuleName: on-order, EventBusName: !Ref Bus, Pattern: {source: [orders]}}}
        Notice: {Type: SNS, Properties: {Topic: !Ref Topic}}
        Later: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 day)}}
"#;

    #[test]
    fn streams_state_machines_secrets_parameters_log_groups_buses_and_keys() {
        let template = leash_iac::read_template(KINDS).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let kind = |id: &str| app.resource(id).unwrap().kind;
        assert_eq!(kind("Clicks"), ResourceKind::Stream);
        assert_eq!(kind("Flow"), ResourceKind::StateMachine);
        assert_eq!(kind("OtherFlow"), ResourceKind::StateMachine);
        assert_eq!(app.resource("OtherFlow").unwrap().name, "other-flow");
        assert_eq!(kind("ApiKey"), ResourceKind::Secret);
        assert_eq!(kind("Setting"), ResourceKind::Parameter);
        assert_eq!(kind("AppLogs"), ResourceKind::LogGroup);
        assert_eq!(kind("Bus"), ResourceKind::EventBus);
        assert_eq!(kind("Key"), ResourceKind::Key);
        // Customer managed keys of the table and the bucket; none for the
        // AWS managed default.
        for id in ["Orders", "Receipts"] {
            let key = app.resource(id).unwrap().encryption_key.clone().unwrap();
            assert_eq!(key.resource.as_deref(), Some("Key"), "{id}");
        }
        assert_eq!(app.resource("Plain").unwrap().encryption_key, None);

        let roles = design(&app).unwrap();
        let role = &roles[0];
        let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{failed:#?}");
        assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        let grants = grants(role);
        let arn = |rest: &str| format!("arn:aws:{rest}");
        for (action, resource) in [
            (
                "kinesis:PutRecords",
                arn("kinesis:us-west-2:111122223333:stream/audit"),
            ),
            (
                "kinesis:GetRecords",
                arn("kinesis:us-west-2:111122223333:stream/clicks"),
            ),
            (
                "kinesis:ListShards",
                arn("kinesis:us-west-2:111122223333:stream/clicks"),
            ),
            (
                "states:StartExecution",
                arn("states:us-west-2:111122223333:stateMachine:order-flow"),
            ),
            (
                "secretsmanager:GetSecretValue",
                arn("secretsmanager:us-west-2:111122223333:secret:api-key-??????"),
            ),
            (
                "ssm:GetParameter",
                arn("ssm:us-west-2:111122223333:parameter/orders/setting"),
            ),
            (
                "logs:PutLogEvents",
                arn("logs:us-west-2:111122223333:log-group:app-logs:*"),
            ),
            (
                "events:PutEvents",
                arn("events:us-west-2:111122223333:event-bus/orders-bus"),
            ),
            ("kms:Decrypt", arn("kms:us-west-2:111122223333:key/Key")),
        ] {
            assert!(
                grants.contains(&(action.to_string(), resource.clone())),
                "{action} on {resource} in {grants:#?}"
            );
        }
        // The consumer may not write to the stream it reads.
        assert!(
            !grants
                .iter()
                .any(|(a, r)| a == "kinesis:PutRecord" && r.ends_with("/clicks"))
        );
        // Near misses on every new kind: administrative actions, the other
        // state machine, a secret whose name extends the granted one.
        let denied = |action: &str, resource: &str| {
            role.verification
                .iter()
                .any(|c| c.action == action && c.resource == resource && !c.allowed && c.passed)
        };
        for (action, resource) in [
            (
                "kinesis:DeleteStream",
                arn("kinesis:us-west-2:111122223333:stream/audit"),
            ),
            (
                "kinesis:PutRecord",
                arn("kinesis:us-west-2:111122223333:stream/clicks"),
            ),
            (
                "states:DeleteStateMachine",
                arn("states:us-west-2:111122223333:stateMachine:order-flow"),
            ),
            (
                "states:StartExecution",
                arn("states:us-west-2:111122223333:stateMachine:other-flow"),
            ),
            (
                "secretsmanager:PutSecretValue",
                arn("secretsmanager:us-west-2:111122223333:secret:api-key-??????"),
            ),
            (
                "secretsmanager:GetSecretValue",
                arn("secretsmanager:us-west-2:111122223333:secret:api-key-archive-AbCdEf"),
            ),
            (
                "ssm:PutParameter",
                arn("ssm:us-west-2:111122223333:parameter/orders/setting"),
            ),
            (
                "logs:DeleteLogStream",
                arn("logs:us-west-2:111122223333:log-group:app-logs:*"),
            ),
            (
                "events:PutEvents",
                arn("events:us-west-2:111122223333:event-bus/orders-bus-archive"),
            ),
            (
                "kms:ScheduleKeyDeletion",
                arn("kms:us-west-2:111122223333:key/Key"),
            ),
            ("kms:Encrypt", arn("kms:us-west-2:111122223333:key/Key")),
        ] {
            assert!(
                denied(action, &resource),
                "{action} on {resource}: {:#?}",
                role.verification
            );
        }
        // Allowed on a concrete secret: the six random characters.
        assert!(role.verification.iter().any(|c| c.kind == CheckKind::Need
            && c.resource == arn("secretsmanager:us-west-2:111122223333:secret:api-key-AbCdEf")
            && c.allowed));
    }

    #[test]
    fn s3_sns_and_eventbridge_events_get_lambda_permissions() {
        let template = leash_iac::read_template(KINDS).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let worker = &app.functions[0];
        assert!(
            worker
                .ignored
                .iter()
                .any(|i| i.contains("`Later` (ScheduleV2)")),
            "{:?}",
            worker.ignored
        );
        let roles = design(&app).unwrap();
        let sources: Vec<(&str, &str, &str)> = roles[0]
            .lambda_permissions
            .iter()
            .map(|p| {
                (
                    p.event.as_str(),
                    p.principal.as_str(),
                    p.source_arn.as_str(),
                )
            })
            .collect();
        assert_eq!(
            sources,
            vec![
                ("Upload", "s3.amazonaws.com", "arn:aws:s3:::acme-receipts"),
                ("Nightly", "events.amazonaws.com", "${WorkerNightly.Arn}"),
                (
                    "OnOrder",
                    "events.amazonaws.com",
                    "arn:aws:events:us-west-2:111122223333:rule/orders-bus/on-order"
                ),
                (
                    "Notice",
                    "sns.amazonaws.com",
                    "arn:aws:sns:us-west-2:111122223333:orders-topic"
                ),
            ]
        );
        assert!(
            roles[0]
                .lambda_permissions
                .iter()
                .all(|p| p.source_account == "111122223333")
        );
        // Each: the source allowed, a look-alike source and another account denied.
        let invoke: Vec<&Check> = roles[0]
            .verification
            .iter()
            .filter(|c| c.action == "lambda:InvokeFunction")
            .collect();
        assert_eq!(invoke.len(), 12);
        assert_eq!(invoke.iter().filter(|c| c.expected_allow).count(), 4);
        assert_eq!(
            invoke
                .iter()
                .filter(|c| c.kind == CheckKind::OtherSource)
                .count(),
            8
        );
        assert!(invoke.iter().all(|c| c.passed), "{invoke:#?}");
        assert!(invoke.iter().any(|c| {
            c.context
                .contains(&("aws:SourceAccount".to_string(), "444455556666".to_string()))
                && !c.allowed
        }));
    }

    #[test]
    fn look_alike_names_extend_the_name() {
        assert_eq!(
            look_alike("arn:aws:dynamodb:r:a:table/Orders/index/*"),
            "arn:aws:dynamodb:r:a:table/Orders-archive/index/example"
        );
        assert_eq!(
            look_alike("arn:aws:s3:::b/p/*"),
            "arn:aws:s3:::b-archive/p/example"
        );
        assert_eq!(look_alike("arn:aws:s3:::b"), "arn:aws:s3:::b-archive");
    }
}
