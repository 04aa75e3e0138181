//! Turns the application model into one role per function (trust policy,
//! permissions policy with the permission-to-need trail), the Lambda
//! permissions for API routes, and verifies the result with leash's engine
//! (every need allowed, near misses denied) and linter.
//!
//! Not for: writing files or rendering CloudFormation/Terraform (the CLI).

use std::collections::{BTreeMap, BTreeSet};

use leash_policy::arn::{Arn, ArnSegment};
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::matching::{CaseMode, WildcardPattern};
use serde_json::{Value as Json, json};

use crate::access::{Scope, entries, never_granted};
use crate::model::{Access, AppResource, Application, Function, NeedSource, ResourceKind};
use crate::model::{Consumer, Need, NeedConditions};

mod conditions;
mod consumers;
mod kms;
mod lambda_permissions;
pub(crate) mod near_misses;
mod policy;
#[cfg(test)]
mod tests;
mod trust;

use conditions::*;
use consumers::*;
use kms::*;
use lambda_permissions::*;
use near_misses::*;
pub use policy::DesignedPolicy;
use trust::*;

/// A designed role for one function.
#[derive(Clone, Debug, PartialEq)]
pub struct RoleDesign {
    pub function: String,
    /// What the role is for: a function or a state machine.
    pub kind: crate::model::PrincipalKind,
    pub function_name: String,
    pub role_name: String,
    /// Trust policy (the principal's service: `lambda.amazonaws.com`,
    /// `states.amazonaws.com` with its confused-deputy conditions).
    pub trust_policy: DesignedPolicy,
    /// Permissions policy: leash's statements, then those kept as is.
    pub permissions_policy: DesignedPolicy,
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
        self.permissions_policy.is_empty()
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
            CheckKind::Superseded => "near miss: superseded (not used)",
            CheckKind::OutsideCondition => "near miss: outside the need's conditions",
            CheckKind::ResourcePolicy => "resource policy",
        }
    }
}

/// Why a design could not be produced.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DesignError {
    /// A need names a resource the application does not have.
    #[error("`{function}`: `{resource}` is not a resource of the template")]
    UnknownResource { function: String, resource: String },
    /// A need asks for an access level the access table has no row for.
    #[error("`{function}`: access `{access}` is not defined for a {kind}")]
    AccessNotDefined {
        function: String,
        access: &'static str,
        kind: &'static str,
    },
    /// A statement the template grants, kept as is, that leash's policy
    /// reader does not accept.
    #[error("{origin}: the statement kept as is does not read as an IAM statement ({detail})")]
    KeptStatement { origin: String, detail: String },
    /// A policy leash built does not read back as a policy (a bug in
    /// leash, reported rather than written).
    #[error("{what} does not read as an IAM policy: {detail}")]
    NotAPolicy { what: &'static str, detail: String },
}

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
        let resource =
            app.resource(&need.resource)
                .ok_or_else(|| DesignError::UnknownResource {
                    function: function.logical_id.clone(),
                    resource: need.resource.clone(),
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
                    NeedSource::Code { .. } => "the actions the handler code calls",
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
            return Err(DesignError::AccessNotDefined {
                function: function.logical_id.clone(),
                access: need.access.as_str(),
                kind: resource.kind.as_str(),
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
                for near in outside_contexts(&context, &outside) {
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
                            // A service no design grants a key through
                            // (EBS volumes, through EC2).
                            format!("ec2.{}.amazonaws.com", app.region),
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
    // Permissions on every resource of a type because the template does
    // not name the one Lambda reads (`LambdaNeed::unnamed`).
    let mut unnamed: BTreeSet<(String, String)> = BTreeSet::new();
    for need in &function.lambda_needs {
        let slot = grants
            .entry((need.resource.clone(), need.conditions.clone()))
            .or_default();
        let (inside, outside) = configured_requests(&need.conditions);
        let why = match &need.unnamed {
            Some(reason) => format!("{} ({reason})", need.why),
            None => need.why.clone(),
        };
        for action in &need.actions {
            if need.unnamed.is_some() {
                unnamed.insert((need.resource.clone(), action.clone()));
            }
            let (needs, _) = slot
                .entry(action.clone())
                .or_insert_with(|| (Vec::new(), need.reference.clone()));
            if !needs.contains(&why) {
                needs.push(why.clone());
            }
            need_checks.push((
                CheckKind::Need,
                action.clone(),
                need.example.clone(),
                inside.clone(),
                true,
            ));
            for near in outside_contexts(&inside, &outside) {
                need_checks.push((
                    CheckKind::OutsideCondition,
                    action.clone(),
                    need.example.clone(),
                    near,
                    false,
                ));
            }
        }
    }

    // The permissions policy: one statement per (resource, condition).
    let mut statements = Vec::new();
    let mut permissions = Vec::new();
    // The statements made only of unnamed needs: their L106 finding is the
    // design's own, reported with its reason rather than counted.
    let mut unnamed_sids = BTreeSet::new();
    for (index, ((resource, condition), actions)) in grants.iter().enumerate() {
        let action_list: Vec<&String> = actions.keys().collect();
        if condition.is_empty()
            && actions
                .keys()
                .all(|action| unnamed.contains(&(resource.clone(), action.clone())))
        {
            unnamed_sids.insert(format!("Grant{}", index + 1));
        }
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
        None => service_trust(app, function),
    };
    let scoped_designed = canonical(&permissions_document, "the designed permissions policy")?;
    // What leash cannot model goes in unchanged, after leash's statements
    // (the first law; `Function::kept_as_is`).
    let kept = kept_statements(function, &statements)?;
    let mut whole_document = permissions_document.clone();
    if let Some(Json::Array(all)) = whole_document.get_mut("Statement") {
        all.extend(kept.iter().cloned());
    }
    let permissions_policy = canonical(&whole_document, "the designed permissions policy")?;
    let trust_policy = canonical(&trust_document, "the designed trust policy")?;

    let mut lint_findings = Vec::new();
    // A role that grants nothing gets no permissions policy to lint.
    let linted = if statements_empty(&permissions_document) {
        vec![(trust_policy.value(), leash_lint::PolicyKind::Trust)]
    } else {
        vec![
            (scoped_designed.value(), leash_lint::PolicyKind::Identity),
            (trust_policy.value(), leash_lint::PolicyKind::Trust),
        ]
    };
    // Values known only at deployment are symbols: one value each, not `*`.
    let symbols = app.symbols.table();
    for (value, kind) in linted {
        for finding in leash_lint::lint_policy_value_with_symbols(value, Some(kind), Some(&symbols))
        {
            if finding.code == "L106"
                && kind == leash_lint::PolicyKind::Identity
                && finding
                    .sid
                    .as_ref()
                    .is_some_and(|sid| unnamed_sids.contains(sid))
            {
                continue;
            }
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
    let mut policy_set =
        PolicySet::new().with_identity_policy("designed", permissions_policy.policy().clone());
    let mut scoped_set =
        PolicySet::new().with_identity_policy("designed", scoped_designed.policy().clone());
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
        let key_policy = canonical(&key_policy, "the default key policy")?;
        policy_set =
            policy_set.with_resource_policy("default key policy", key_policy.policy().clone());
        scoped_set =
            scoped_set.with_resource_policy("default key policy", key_policy.policy().clone());
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
        // A function's role asks as a role of the resource's account when
        // the resource names another one than the template's (a written
        // ARN beside the symbolic account: the deployment may well be in
        // that account; a near miss is then checked the strict way, as
        // the same account's; a state machine invoking another account's
        // function is so checked on the role's side, IAM's cross-account
        // rule asking that account's policy too). A consumer's role is in
        // its own account.
        let principal = match consumer {
            None => same_account_principal(&role_arn, &resource),
            Some(_) => role_arn.clone(),
        };
        let request =
            Request::new(principal, action.clone(), resource.clone()).with_context(request_context);
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
    if consumer.is_none() {
        verification.extend(service_trust_checks(
            app,
            function,
            trust_policy.policy(),
            &role_arn,
        ));
    }
    if let Some(consumer) = consumer {
        verification.extend(consumer_trust_checks(
            app,
            consumer,
            trust_policy.policy(),
            &role_arn,
        )?);
    }

    Ok(RoleDesign {
        function: function.logical_id.clone(),
        kind: function.kind,
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
            let mut json: Json = statement.to_json();
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
            canonical(&single, "a statement kept as is").map_err(|e| {
                DesignError::KeptStatement {
                    origin: kept.origin.to_string(),
                    detail: match e {
                        DesignError::NotAPolicy { detail, .. } => detail,
                        other => other.to_string(),
                    },
                }
            })?;
            out.push(json);
        }
    }
    Ok(out)
}

/// The designed policy read back as leash reads policies, and printed in
/// its canonical form: what is verified is exactly what is written.
pub(crate) fn canonical(
    document: &Json,
    what: &'static str,
) -> Result<DesignedPolicy, DesignError> {
    DesignedPolicy::from_document(document, what)
}

fn statements_empty(document: &serde_json::Value) -> bool {
    document
        .get("Statement")
        .and_then(serde_json::Value::as_array)
        .is_some_and(Vec::is_empty)
}

/// `role_arn`, moved into the account `resource` names when that account
/// is written out and differs (see the verification loop).
fn same_account_principal(role_arn: &str, resource: &str) -> String {
    match (
        crate::original::named_account(resource),
        leash_policy::arn::Arn::parse(role_arn).ok(),
    ) {
        (Some(account), Some(role)) if role.account().as_str() != account => {
            format!("arn:aws:iam::{account}:{}", role.resource().as_str())
        }
        _ => role_arn.to_string(),
    }
}
