//! Turns the application model into one role per function (trust policy,
//! permissions policy with the permission-to-need trail), the Lambda
//! permissions for API routes, and verifies the result with leash's engine
//! (every need allowed, near misses denied) and linter.
//!
//! Not for: writing files or rendering CloudFormation/Terraform (the CLI).

use std::collections::BTreeMap;

use leash_policy::arn::{Arn, ArnSegment};
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::matching::{CaseMode, WildcardPattern};
use leash_policy::parse::parse_policy;
use leash_policy::print::print_policy;
use serde_json::{Value as Json, json};

use crate::access::{Scope, entries, never_granted};
use crate::model::{Access, AppResource, Application, Function, NeedSource, ResourceKind};
use crate::model::{Consumer, Need, NeedConditions};

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
    /// How many statements at the start of `permissions_policy` are
    /// leash's (from `permissions`); the ones after them are the resolved
    /// statements of `kept_as_is`, in order.
    pub scoped_statements: usize,
    /// What the template's IAM grants that leash cannot model, kept in the
    /// role as it was (`Function::kept_as_is`).
    pub kept_as_is: Vec<crate::model::KeptAsIs>,
    /// Near misses that the statements or managed policies kept as is
    /// allow (leash's own statements deny them): the template's grants,
    /// not checks of the design.
    pub allowed_by_kept: Vec<Check>,
    pub lambda_permissions: Vec<LambdaPermission>,
    pub verification: Vec<Check>,
    /// Linter findings on the designed policies: `code rule: message`.
    pub lint_findings: Vec<String>,
    /// The managed policy set as the role's permissions boundary
    /// (`PermissionsBoundary`), when the design options ask for one.
    pub permissions_boundary: Option<String>,
    /// For a cross-account consumer's role (not a function's): who may
    /// assume it. `function` and `function_name` then hold the role name.
    pub consumer: Option<crate::model::Consumer>,
}

impl RoleDesign {
    /// The ARNs of the managed policies the role keeps as is (resolved).
    pub fn kept_managed_arns(&self) -> impl Iterator<Item = &str> {
        self.kept_as_is.iter().filter_map(|kept| match &kept.item {
            crate::model::KeptItem::ManagedPolicy { arn, .. } => Some(arn.as_str()),
            crate::model::KeptItem::Statements { .. } => None,
        })
    }

    pub fn verified(&self) -> bool {
        self.verification.iter().all(|c| c.passed)
    }

    /// Whether the role needs no permissions policy at all (a function
    /// whose template role grants nothing it needs, not even logs). The
    /// outputs then attach none: AWS rejects a policy without statements
    /// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html),
    /// while a role without policies is valid.
    pub fn grants_nothing(&self) -> bool {
        serde_json::from_str::<serde_json::Value>(&self.permissions_policy)
            .is_ok_and(|document| statements_empty(&document))
    }
}

/// One action on one resource (with its condition, if any).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Permission {
    pub action: String,
    pub resource: String,
    /// `(operator, key, values)`, e.g. `StringLike s3:prefix receipts/*`:
    /// the first of `conditions`.
    pub condition: Option<(String, String, Vec<String>)>,
    /// Every condition of the statement (all must hold).
    pub conditions: Vec<(String, String, Vec<String>)>,
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
    /// The need's action outside the conditions it asked for (another
    /// leading key, outside the time window).
    OutsideCondition,
    /// A request a resource policy (bucket policy, API policy, trust
    /// policy) must deny or allow.
    ResourcePolicy,
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
            CheckKind::OutsideCondition => "near miss: outside the need's conditions",
            CheckKind::ResourcePolicy => "resource policy",
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

    /// The log streams of the log group named `group`.
    fn log_group(&self, group: &str) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{group}:*",
            self.app.region, self.app.account
        )
    }
}

/// `(operator, key, values)`.
pub type Condition = (String, String, Vec<String>);

type Key = (String, Vec<Condition>);

/// Designs one role per function and verifies each.
pub fn design(app: &Application) -> Result<Vec<RoleDesign>, DesignError> {
    // Each function's role is designed and verified on its own: large
    // applications are spread over the cores (rayon keeps the roles in
    // template order). Small ones are not worth it (docs/benchmarks.md,
    // "leash design on 100 functions").
    const MIN_FUNCTIONS_FOR_THREADS: usize = 16;
    if app.functions.len() < MIN_FUNCTIONS_FOR_THREADS {
        return app
            .functions
            .iter()
            .map(|f| design_function(app, f))
            .collect();
    }
    use rayon::prelude::*;
    app.functions
        .par_iter()
        .with_min_len(MIN_FUNCTIONS_FOR_THREADS / 2)
        .map(|f| design_function(app, f))
        .collect()
}

/// Designs the role of each cross-account consumer (`DesignOptions::consumers`):
/// its needs, no logs, trusted by the consumer's account with its
/// `sts:ExternalId` and/or `aws:PrincipalOrgID`, and verifies each.
pub fn design_consumers(app: &Application) -> Result<Vec<RoleDesign>, DesignError> {
    app.options
        .consumers
        .iter()
        .map(|consumer| {
            let mut function = Function::new(&consumer.name, &consumer.name);
            function.needs = consumer.needs.clone();
            design_role(app, &function, Some(consumer))
        })
        .collect()
}

fn design_function(app: &Application, function: &Function) -> Result<RoleDesign, DesignError> {
    design_role(app, function, None)
}

fn design_role(
    app: &Application,
    function: &Function,
    consumer: Option<&Consumer>,
) -> Result<RoleDesign, DesignError> {
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
            let mut conditions = match (scope, prefix) {
                (Scope::Bucket, Some(prefix)) => vec![(
                    "StringLike".to_string(),
                    "s3:prefix".to_string(),
                    vec![format!("{prefix}*")],
                )],
                _ => Vec::new(),
            };
            conditions.extend(need_conditions(&need.conditions));
            let arn = arns.of(resource, scope, prefix);
            let example = arns.example(resource, scope, prefix);
            let slot = grants.entry((arn, conditions.clone())).or_default();
            for action in &actions {
                let (needs, _) = slot
                    .entry(action.clone())
                    .or_insert_with(|| (Vec::new(), reference.clone()));
                let described = need.describe();
                if !needs.contains(&described) {
                    needs.push(described);
                }
                let mut context = match (scope, prefix) {
                    (Scope::Bucket, Some(prefix)) => {
                        vec![("s3:prefix".to_string(), prefix.to_string())]
                    }
                    _ => Vec::new(),
                };
                let (inside, outside) = condition_requests(&need.conditions);
                context.extend(inside);
                need_checks.push((
                    CheckKind::Need,
                    (*action).to_string(),
                    example.clone(),
                    context.clone(),
                    true,
                ));
                for changed in outside {
                    let mut near = context.clone();
                    for (key, value) in changed {
                        near.retain(|(k, _)| *k != key);
                        if let Some(value) = value {
                            near.push((key, value));
                        }
                    }
                    need_checks.push((
                        CheckKind::OutsideCondition,
                        (*action).to_string(),
                        example.clone(),
                        near,
                        false,
                    ));
                }
            }
        }
        // A customer managed key: the service decrypts (and, for S3
        // writes, generates data keys) with the caller's permission, so
        // the role may use the key only through that service.
        if let Some(key) = &customer_key_arn(app, resource) {
            for (action, reference) in kms_actions(resource.kind, need) {
                let service = format!(
                    "{}.{}.amazonaws.com",
                    crate::model::service_of(resource.kind),
                    app.region
                );
                let via = vec![(
                    "StringEquals".to_string(),
                    "kms:ViaService".to_string(),
                    vec![service.clone()],
                )];
                let slot = grants.entry((key.clone(), via)).or_default();
                let (needs, _) = slot
                    .entry(action.to_string())
                    .or_insert_with(|| (Vec::new(), reference.to_string()));
                let described = need.describe();
                if !needs.contains(&described) {
                    needs.push(described);
                }
                let context = vec![("kms:ViaService".to_string(), service)];
                if !need_checks
                    .iter()
                    .any(|c: &PlannedCheck| c.1 == action && c.2 == *key && c.3 == context)
                {
                    need_checks.push((
                        CheckKind::Need,
                        action.to_string(),
                        key.clone(),
                        context,
                        true,
                    ));
                    // Straight to KMS, not through the service.
                    need_checks.push((
                        CheckKind::OutsideCondition,
                        action.to_string(),
                        key.clone(),
                        Vec::new(),
                        false,
                    ));
                    need_checks.push((
                        CheckKind::OutsideCondition,
                        action.to_string(),
                        key.clone(),
                        vec![(
                            "kms:ViaService".to_string(),
                            format!("sqs.{}.amazonaws.com", app.region),
                        )],
                        false,
                    ));
                }
            }
        }
    }
    let log_group = arns.log_group(&function.log_group_name());
    let log_key: Key = (log_group.clone(), Vec::new());
    // A consumer's role runs no function: no log group. Otherwise only what
    // the template's own role grants, when it grants fewer (see
    // `Function::log_actions`): the design never widens the template.
    let own_log_actions: Vec<&str> = LOG_ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            consumer.is_none()
                && function
                    .log_actions
                    .as_ref()
                    .is_none_or(|allowed| allowed.iter().any(|a| a == action))
        })
        .collect();
    for action in own_log_actions {
        grants.entry(log_key.clone()).or_default().insert(
            action.to_string(),
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

    // What Lambda itself does with the role (VPC network interfaces,
    // X-Ray, the dead-letter queue), as far as the template granted it.
    for need in &function.lambda_needs {
        let slot = grants
            .entry((need.resource.clone(), Vec::new()))
            .or_default();
        for action in &need.actions {
            let (needs, _) = slot
                .entry(action.clone())
                .or_insert_with(|| (Vec::new(), need.reference.clone()));
            if !needs.contains(&need.why) {
                needs.push(need.why.clone());
            }
            need_checks.push((
                CheckKind::Need,
                action.clone(),
                need.example.clone(),
                Vec::new(),
                true,
            ));
        }
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
        if !condition.is_empty() {
            let mut block = serde_json::Map::new();
            for (operator, key, values) in condition {
                let entry = block.entry(operator.clone()).or_insert_with(|| json!({}));
                entry[key.as_str()] = json!(values);
            }
            statement["Condition"] = Json::Object(block);
        }
        statements.push(statement);
        for (action, (needs, reference)) in actions {
            permissions.push(Permission {
                action: action.clone(),
                resource: resource.clone(),
                condition: condition.first().cloned(),
                conditions: condition.clone(),
                needs: needs.clone(),
                reference: reference.clone(),
            });
        }
    }
    let scoped_statements = statements.len();
    let permissions_document = json!({ "Version": "2012-10-17", "Statement": statements });
    let trust_document = match consumer {
        Some(consumer) => consumer_trust(consumer),
        None => json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": { "Service": "lambda.amazonaws.com" },
                "Action": "sts:AssumeRole",
            }],
        }),
    };
    let (permissions_value, _) = canonical(&permissions_document)?;
    // What leash cannot model goes in unchanged, after leash's statements
    // (the first law; `Function::kept_as_is`).
    let kept = kept_statements(function, &statements)?;
    let mut whole_document = permissions_document.clone();
    if let Some(Json::Array(all)) = whole_document.get_mut("Statement") {
        all.extend(kept.iter().cloned());
    }
    let (whole_value, permissions_policy) = canonical(&whole_document)?;
    let (trust_value, trust_policy) = canonical(&trust_document)?;

    let mut lint_findings = Vec::new();
    // A role that grants nothing gets no permissions policy to lint.
    let linted = if statements_empty(&permissions_document) {
        vec![(&trust_value, leash_lint::PolicyKind::Trust)]
    } else {
        vec![
            (&permissions_value, leash_lint::PolicyKind::Identity),
            (&trust_value, leash_lint::PolicyKind::Trust),
        ]
    };
    // Values known only at deployment are symbols: one value each, not `*`.
    let symbols = app.symbols.table();
    for (value, kind) in linted {
        for finding in leash_lint::lint_policy_value_with_symbols(value, Some(kind), Some(&symbols))
        {
            lint_findings.push(format!(
                "{} {}: {}",
                finding.code, finding.rule, finding.message
            ));
        }
    }

    let role_name = match consumer {
        Some(consumer) => consumer.name.clone(),
        // A name known only at deployment: the role is called after the
        // function's logical id.
        None if leash_policy::symbol::contains_symbol(&function.name) => {
            format!("{}-role", function.logical_id)
        }
        None => format!("{}-role", function.name),
    };
    let role_arn = format!("arn:aws:iam::{}:role/{role_name}", app.account);
    let parsed = |value: &leash_policy::Value| {
        parse_policy(value).policy.ok_or_else(|| DesignError {
            message: "the designed policy does not parse".into(),
        })
    };
    let scoped_policy = parsed(&permissions_value)?;
    let mut policy_set = PolicySet::new().with_identity_policy("designed", parsed(&whole_value)?);
    let mut scoped_set = PolicySet::new().with_identity_policy("designed", scoped_policy);
    // Managed policies kept as is allow what their documents allow; an AWS
    // managed one's document is embedded, a customer managed one's is not
    // in the template (its grants are not verified).
    for kept in &function.kept_as_is {
        if let crate::model::KeptItem::ManagedPolicy { arn, .. } = &kept.item
            && let Some(document) = crate::changes::aws_managed_policy_document(arn)
        {
            policy_set = policy_set.with_identity_policy(arn.clone(), document);
        }
    }
    // A KMS key is used only as far as its key policy allows; the design
    // assumes the default key policy, which lets the account's IAM
    // policies grant access to the key (and nothing more).
    // https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam
    if grants.keys().any(|(arn, _)| arn.contains(":kms:"))
        || function.needs.iter().any(|n| {
            app.resource(&n.resource)
                .is_some_and(|r| r.kind == ResourceKind::Key)
        })
    {
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
            policy_set = policy_set.with_resource_policy("default key policy", parsed.clone());
            scoped_set = scoped_set.with_resource_policy("default key policy", parsed);
        }
    }
    let prepared = PreparedPolicySet::new(&policy_set);
    let scoped = PreparedPolicySet::new(&scoped_set);
    let mut allowed_by_kept = Vec::new();

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
        // A near miss that only what is kept as is allows is the
        // template's grant, not the design's: listed apart, not counted.
        let list = if !expected_allow && allowed && !scoped.evaluate(&request).is_allowed() {
            &mut allowed_by_kept
        } else {
            &mut verification
        };
        list.push(Check {
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
    if let Some(consumer) = consumer {
        verification.extend(consumer_trust_checks(
            app,
            consumer,
            &trust_value,
            &role_arn,
        )?);
    }

    Ok(RoleDesign {
        function: function.logical_id.clone(),
        function_name: function.name.clone(),
        role_name,
        trust_policy,
        permissions_policy,
        permissions,
        scoped_statements,
        kept_as_is: function.kept_as_is.clone(),
        allowed_by_kept,
        lambda_permissions,
        verification,
        lint_findings,
        permissions_boundary: match consumer {
            Some(_) => None,
            None => app.options.permissions_boundary.clone(),
        },
        consumer: consumer.cloned(),
    })
}

/// The resolved statements of what the function keeps as is, as JSON, in
/// order; a `Sid` another statement of the policy already uses is dropped
/// (IAM requires them unique within a policy:
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>).
fn kept_statements(function: &Function, scoped: &[Json]) -> Result<Vec<Json>, DesignError> {
    let mut sids: Vec<String> = scoped
        .iter()
        .filter_map(|s| s.get("Sid").and_then(Json::as_str).map(str::to_string))
        .collect();
    let mut out = Vec::new();
    for kept in &function.kept_as_is {
        let crate::model::KeptItem::Statements { resolved, .. } = &kept.item else {
            continue;
        };
        for statement in resolved {
            let mut json: Json =
                serde_json::from_str(&statement.to_compact_json()).map_err(|e| DesignError {
                    message: format!("{}: the statement kept as is is not JSON: {e}", kept.origin),
                })?;
            if let Some(sid) = json.get("Sid").and_then(Json::as_str).map(str::to_string) {
                if sids.contains(&sid) {
                    if let Some(object) = json.as_object_mut() {
                        object.remove("Sid");
                    }
                } else {
                    sids.push(sid);
                }
            }
            let single = json!({ "Version": "2012-10-17", "Statement": [json.clone()] });
            canonical(&single).map_err(|e| DesignError {
                message: format!(
                    "{}: the statement kept as is does not read as an IAM statement ({})",
                    kept.origin, e.message
                ),
            })?;
            out.push(json);
        }
    }
    Ok(out)
}

/// The statement conditions a need's `conditions` stand for.
/// - `dynamodb:LeadingKeys` with `ForAllValues:StringEquals`, and `Null`
///   false so a request without the key is not let through (a
///   `ForAllValues` test holds when the key is absent).
///   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
///   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
/// - a time window on `aws:CurrentTime` with `DateGreaterThan` and
///   `DateLessThan`.
///   https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws-dates.html
fn need_conditions(conditions: &NeedConditions) -> Vec<Condition> {
    let mut out = Vec::new();
    if !conditions.leading_keys.is_empty() {
        out.push((
            "ForAllValues:StringEquals".to_string(),
            "dynamodb:LeadingKeys".to_string(),
            conditions.leading_keys.clone(),
        ));
        out.push((
            "Null".to_string(),
            "dynamodb:LeadingKeys".to_string(),
            vec!["false".to_string()],
        ));
    }
    if let Some(after) = &conditions.after {
        out.push((
            "DateGreaterThan".to_string(),
            "aws:CurrentTime".to_string(),
            vec![after.clone()],
        ));
    }
    if let Some(before) = &conditions.before {
        out.push((
            "DateLessThan".to_string(),
            "aws:CurrentTime".to_string(),
            vec![before.clone()],
        ));
    }
    out
}

/// The example value a policy variable (`${aws:PrincipalTag/tenant}`) is
/// given in verification requests.
const VARIABLE_VALUE: &str = "tenant-1";

/// A change of request context: keys set to a new value, or removed.
type ContextChange = Vec<(String, Option<String>)>;

/// The context of a request inside a need's conditions, and the changes
/// that take it outside, one near miss each.
fn condition_requests(conditions: &NeedConditions) -> (Vec<(String, String)>, Vec<ContextChange>) {
    let mut inside = Vec::new();
    let mut outside = Vec::new();
    if let Some(first) = conditions.leading_keys.first() {
        let mut value = first.clone();
        // Each `${key}` variable is given a value in the request context.
        while let Some(start) = value.find("${") {
            let Some(length) = value[start..].find('}') else {
                break;
            };
            let key = value[start + 2..start + length].to_string();
            inside.push((key, VARIABLE_VALUE.to_string()));
            value.replace_range(start..start + length + 1, VARIABLE_VALUE);
        }
        inside.push(("dynamodb:LeadingKeys".to_string(), value));
        outside.push(vec![(
            "dynamodb:LeadingKeys".to_string(),
            Some("another-partition-key".to_string()),
        )]);
        outside.push(vec![("dynamodb:LeadingKeys".to_string(), None)]);
    }
    let after = conditions.after.as_deref().and_then(epoch_seconds);
    let before = conditions.before.as_deref().and_then(epoch_seconds);
    let now = match (after, before) {
        (Some(after), Some(before)) => Some(after + (before - after) / 2),
        (Some(after), None) => Some(after + 86_400),
        (None, Some(before)) => Some(before - 86_400),
        (None, None) => None,
    };
    if let Some(now) = now {
        inside.push((
            "aws:CurrentTime".to_string(),
            leash_policy::context::format_iso8601(now),
        ));
        // The bounds themselves are outside: both operators are strict.
        for bound in [after, before].into_iter().flatten() {
            outside.push(vec![(
                "aws:CurrentTime".to_string(),
                Some(leash_policy::context::format_iso8601(bound)),
            )]);
        }
    }
    (inside, outside)
}

/// Seconds since 1970 of `YYYY-MM-DDTHH:MM:SSZ` (checked by the reader).
fn epoch_seconds(text: &str) -> Option<i64> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    // Days from civil (proleptic Gregorian calendar).
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * (if month > 2 { month - 3 } else { month + 9 }) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + hour * 3_600 + minute * 60 + second)
}

/// The KMS actions a need on an encrypted table or bucket needs.
/// - DynamoDB decrypts the table key with the caller's permission for its
///   item operations, reads and writes alike, and for stream reads.
///   https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
/// - S3: a download decrypts (`kms:Decrypt`); an upload generates a data key
///   (`kms:GenerateDataKey`) and a multipart upload also decrypts.
///   https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
///
/// A delete uses no key.
fn kms_actions(kind: ResourceKind, need: &Need) -> Vec<(&'static str, &'static str)> {
    const DYNAMODB: &str =
        "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html";
    const S3: &str =
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html";
    let actions = crate::options::need_actions(need, kind);
    let any = |names: &[&str]| actions.iter().any(|a| names.contains(&a.as_str()));
    match kind {
        ResourceKind::Table => {
            let uses_data = actions.iter().any(|a| {
                !matches!(
                    a.as_str(),
                    "dynamodb:DescribeTable" | "dynamodb:DescribeStream" | "dynamodb:ListStreams"
                )
            });
            if uses_data {
                vec![("kms:Decrypt", DYNAMODB)]
            } else {
                Vec::new()
            }
        }
        ResourceKind::Bucket => {
            let mut out = Vec::new();
            let uploads = any(&["s3:PutObject"]);
            if uploads || any(&["s3:GetObject", "s3:GetObjectVersion"]) {
                out.push(("kms:Decrypt", S3));
            }
            if uploads {
                out.push(("kms:GenerateDataKey", S3));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The ARN of the customer managed key a table or bucket is encrypted
/// with, when the template names it as a key ARN or key id (an alias, or a
/// key whose id only deployment knows, cannot be named in a policy yet).
fn customer_key_arn(app: &Application, resource: &AppResource) -> Option<String> {
    let key = &resource.encryption_key.as_ref()?.key;
    if crate::options::is_key_arn(key) {
        return Some(key.clone());
    }
    let id_like = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    id_like.then(|| format!("arn:aws:kms:{}:{}:key/{key}", app.region, app.account))
}

/// A consumer's trust policy: the consumer's account, with its external id
/// and/or organization as conditions.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
fn consumer_trust(consumer: &Consumer) -> Json {
    let mut equals = serde_json::Map::new();
    if let Some(id) = &consumer.external_id {
        equals.insert("sts:ExternalId".into(), json!(id));
    }
    if let Some(org) = &consumer.organization {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{}:root", consumer.account) },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": Json::Object(equals) },
        }],
    })
}

/// The consumer's trust policy, checked: a role of the consumer's account
/// (allowed by its own identity policy) may assume the role with the
/// external id and organization; without either, with another value, or
/// from another account it may not.
fn consumer_trust_checks(
    app: &Application,
    consumer: &Consumer,
    trust: &leash_policy::Value,
    role_arn: &str,
) -> Result<Vec<Check>, DesignError> {
    let trust_policy = parse_policy(trust).policy.ok_or_else(|| DesignError {
        message: "the designed trust policy does not parse".into(),
    })?;
    let caller_policy = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn }],
    });
    let (caller_value, _) = canonical(&caller_policy)?;
    let caller = parse_policy(&caller_value)
        .policy
        .ok_or_else(|| DesignError {
            message: "the caller's policy does not parse".into(),
        })?;
    let prepared = PreparedPolicySet::new(
        &PolicySet::new()
            .with_identity_policy("the consumer's own policy", caller)
            .with_resource_policy("trust policy", trust_policy),
    );
    let mut good = Vec::new();
    if let Some(id) = &consumer.external_id {
        good.push(("sts:ExternalId".to_string(), id.clone()));
    }
    if let Some(org) = &consumer.organization {
        good.push(("aws:PrincipalOrgID".to_string(), org.clone()));
    }
    let mut cases = vec![(consumer.account.clone(), good.clone(), true)];
    for (key, _) in &good {
        let mut without = good.clone();
        without.retain(|(k, _)| k != key);
        cases.push((consumer.account.clone(), without, false));
        let mut other = good.clone();
        for (k, v) in &mut other {
            if k == key {
                *v = if key == "aws:PrincipalOrgID" {
                    "o-0000000000".to_string()
                } else {
                    "another-external-id".to_string()
                };
            }
        }
        cases.push((consumer.account.clone(), other, false));
    }
    let stranger = if consumer.account == "999988887777" {
        "999988887776"
    } else {
        "999988887777"
    };
    cases.push((stranger.to_string(), good, false));
    let mut checks = Vec::new();
    for (account, context, expected_allow) in cases {
        let principal = format!("arn:aws:iam::{account}:role/consumer-caller");
        let mut request_context = RequestContext::new();
        for (key, value) in &context {
            request_context = request_context.with(key.clone(), value.clone());
        }
        let request = Request::new(principal.clone(), "sts:AssumeRole", role_arn)
            .with_resource_account(app.account.clone())
            .with_context(request_context);
        let decision = prepared.evaluate(&request);
        let allowed = decision.is_allowed();
        let mut shown = vec![("principal".to_string(), principal)];
        shown.extend(context);
        checks.push(Check {
            kind: if expected_allow {
                CheckKind::Need
            } else {
                CheckKind::ResourcePolicy
            },
            action: "sts:AssumeRole".into(),
            resource: role_arn.to_string(),
            context: shown,
            expected_allow,
            allowed,
            passed: allowed == expected_allow,
            why: decision.reason.as_str().to_string(),
        });
    }
    Ok(checks)
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
        // Only kinds of the needed resources this ARN names can be swapped
        // in (checked once per grant rather than per other resource).
        let named_kinds: Vec<ResourceKind> = needed
            .iter()
            .filter(|r| {
                arn_names(arn, r)
                    || crate::access::scopes(r.kind)
                        .iter()
                        .any(|scope| arns.of(r, *scope, None) == *arn)
            })
            .map(|r| r.kind)
            .collect();
        let other_arns: Vec<String> = app
            .resources
            .iter()
            .filter(|other| {
                named_kinds.contains(&other.kind) && !needed_ids.contains(other.logical_id.as_str())
            })
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
        // Functions that share the log group (`LoggingConfig.LogGroup`)
        // may write to it.
        .filter(|f| {
            f.logical_id != function.logical_id && f.log_group_name() != function.log_group_name()
        })
        .take(OTHERS_PER_KIND)
    {
        let group = arns
            .log_group(&other.log_group_name())
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
        .log_group(&format!("{}-other", function.log_group_name()))
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
        arns.log_group(&function.log_group_name()),
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
        // A queue's or topic's resource part is its name.
        let renamed = Arn::parse(&arn)
            .ok()
            .and_then(|parsed| parsed.with(ArnSegment::Resource, &other.name))
            .map(|parsed| parsed.to_string());
        renamed.unwrap_or(arn)
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
        None if is_s3_object_arn(arn) => {
            let (bucket, key) = arn.split_once('/').unwrap_or((arn, ""));
            format!("{bucket}-archive/{}", key.replace('*', "example"))
        }
        None => format!("{base}-archive"),
    }
}

/// Whether `arn` names S3 objects (`arn:aws:s3:::BUCKET/KEY`).
fn is_s3_object_arn(arn: &str) -> bool {
    Arn::parse(arn).is_ok_and(|parsed| {
        parsed.partition() == "aws"
            && parsed.service() == "s3"
            && parsed.region().is_empty()
            && parsed.account().is_empty()
            && parsed.resource().contains('/')
    })
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

/// The designed policy read back as leash reads policies, and printed in
/// its canonical form: what is verified is exactly what is written.
pub(crate) fn canonical(document: &Json) -> Result<(leash_policy::Value, String), DesignError> {
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
    // Every route's `SourceArn` as a pattern over concrete requests: a near
    // miss must be a route none of them covers (`ANY /{proxy+}` covers the
    // `not-this-path` of an `ANY /` beside it).
    let route_patterns: Vec<WildcardPattern> = permissions
        .iter()
        .zip(&function.routes)
        .map(|(permission, route)| {
            WildcardPattern::new(
                &permission
                    .source_arn
                    .replace(&format!("${{{}}}", route.api), EXAMPLE_API_ID),
                CaseMode::Sensitive,
            )
        })
        .collect();
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
        cases.extend(
            other_route
                .filter(|source| !route_patterns.iter().any(|p| p.is_match(source)))
                .map(|source| (CheckKind::OtherRoute, source, false)),
        );
        cases.push((CheckKind::OtherRoute, other_api, false));
        for (kind, source, expected_allow) in cases {
            let account = Arn::parse(&source)
                .map(|arn| arn.account().as_str().to_string())
                .unwrap_or_default();
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

fn statements_empty(document: &serde_json::Value) -> bool {
    document
        .get("Statement")
        .and_then(serde_json::Value::as_array)
        .is_some_and(Vec::is_empty)
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
    fn many_functions_are_designed_in_parallel_in_template_order() {
        // Enough functions for several threads: the roles come back in
        // template order and equal the one-at-a-time design.
        let mut text = TEMPLATE.to_string();
        for n in 0..40 {
            let access = ["read", "write", "delete", "put"][n % 4];
            text.push_str(&format!(
                "  Worker{n}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      leash:\n        needs: [{{resource: Orders, access: {access}}}]\n    Properties:\n      FunctionName: worker-{n}\n"
            ));
        }
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let parallel = design(&app).unwrap();
        let one_at_a_time: Vec<RoleDesign> = app
            .functions
            .iter()
            .map(|f| design_function(&app, f).unwrap())
            .collect();
        assert_eq!(parallel.len(), 42);
        assert_eq!(parallel, one_at_a_time);
        let order: Vec<&str> = parallel.iter().map(|r| r.function.as_str()).collect();
        let expected: Vec<&str> = app
            .functions
            .iter()
            .map(|f| f.logical_id.as_str())
            .collect();
        assert_eq!(order, expected);
    }

    #[test]
    fn a_role_that_grants_nothing_gets_no_policy() {
        // The template's role grants nothing (not even logs), so the design
        // grants nothing: no empty policy, which the linter and AWS refuse
        // (corpus: apigw-lambda-healthscribe-sam, eventbridge-sfn-redrive).
        let text = format!(
            "{TEMPLATE}  Bare:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: bare\n      Role: !GetAtt BareRole.Arn\n  BareRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]\n"
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        let role = roles.iter().find(|r| r.function == "Bare").unwrap();
        assert!(role.grants_nothing());
        assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        let document: serde_json::Value =
            serde_json::from_str(&crate::report::role_document(role)).unwrap();
        assert_eq!(document["Policies"], serde_json::json!([]));
        // The others still grant what they need.
        assert!(
            roles
                .iter()
                .filter(|r| r.function != "Bare")
                .all(|r| !r.grants_nothing())
        );
    }

    #[test]
    fn an_any_route_beside_a_greedy_proxy_has_no_other_route_to_deny() {
        // `ANY /{proxy+}` covers every path, including the `not-this-path`
        // an `ANY /` route would otherwise be checked against; the other-API
        // near miss stays (corpus: apigw-http-api-lambda-dotnet-sam).
        let text = format!(
            "{TEMPLATE}  Proxy:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: proxy\n      Events:\n        ProxyResource: {{Type: Api, Properties: {{Path: '/{{proxy+}}', Method: ANY}}}}\n        RootResource: {{Type: Api, Properties: {{Path: /, Method: ANY}}}}\n"
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let roles = design(&app).unwrap();
        let role = roles.iter().find(|r| r.function == "Proxy").unwrap();
        assert!(role.verified(), "{:#?}", role.verification);
        let other_routes: Vec<&Check> = role
            .verification
            .iter()
            .filter(|c| c.kind == CheckKind::OtherRoute)
            .collect();
        assert_eq!(other_routes.len(), 2, "{other_routes:#?}");
        // Both are the other-API near miss, one per route, denied.
        assert!(other_routes.iter().all(|c| !c.expected_allow
            && c.passed
            && c.context.iter().any(|(_, v)| v.contains("zzzzzzzzzz"))));
    }

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
            (
                "kms:Decrypt",
                arn(&format!(
                    "kms:us-west-2:111122223333:key/{}",
                    app.resource("Key").unwrap().name
                )),
            ),
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
        let key_arn = arn(&format!(
            "kms:us-west-2:111122223333:key/{}",
            app.resource("Key").unwrap().name
        ));
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
            ("kms:ScheduleKeyDeletion", key_arn.clone()),
            ("kms:Encrypt", key_arn.clone()),
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
