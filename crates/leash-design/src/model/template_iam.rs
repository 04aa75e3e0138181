//! What the template's own IAM says a function needs: SAM policy
//! templates and inline statements in its `Policies`, and the statements
//! of its execution role's policies, matched to the template's resources.
//!
//! Not for: declared needs (`declared`), connectors (`connectors`), events
//! (`events`), or comparing the designed role with that IAM (`original`,
//! `changes`).

use leash_iac::{ResolveContext, Resource, Template};
use leash_policy::Value;
use leash_policy::arn::Arn;
use leash_policy::symbol::single_symbol;

use super::connectors::Connector;
use super::kept::{KeptAsIs, KeptItem, KeptReason};
use super::{
    Access, AppResource, ExecutionRole, Function, Need, NeedConditions, NeedSource, PrincipalKind,
    ResourceKind, reference_target,
};
use crate::access::Scope;
use crate::json_tree::Node;

/// The IAM the template already gives its functions, extracted once by
/// `leash-iac` (which links roles, policies and managed policies to the
/// functions that run as the role).
pub(super) struct TemplateIam {
    pub(super) policies: Vec<leash_iac::EmbeddedPolicy>,
    pub(super) references: Vec<leash_iac::ManagedPolicyReference>,
    /// Function logical id -> logical id of the role its `Role` names.
    roles: Vec<(String, String)>,
    pub(super) connectors: Vec<Connector>,
}

impl TemplateIam {
    pub(super) fn read(template: &Template, context: &ResolveContext) -> TemplateIam {
        let roles = template
            .resources
            .iter()
            .filter(|r| super::PrincipalKind::of_resource(r).is_some())
            .filter_map(|r| {
                let role = role_target(super::role_value(r)?)?;
                let is_role = template
                    .resource(&role)
                    .is_some_and(|t| t.resource_type.node == "AWS::IAM::Role");
                is_role.then(|| (r.logical_id.node.clone(), role))
            })
            .chain(template.resources.iter().flat_map(|r| {
                // A SAM schedule or rule whose `RoleArn` names a role of
                // the template runs as it.
                leash_iac::eventbridge::sam_events(r)
                    .into_iter()
                    .filter_map(|event| {
                        let role = role_target(event.role?)?;
                        template
                            .resource(&role)
                            .is_some_and(|t| t.resource_type.node == "AWS::IAM::Role")
                            .then_some((event.principal, role))
                    })
            }))
            .collect();
        let (policies, references) = leash_iac::extract_all_with(template, context);
        TemplateIam {
            policies,
            references,
            roles,
            connectors: Connector::read_all(template),
        }
    }

    /// Identity policies of the template attached to the function's role
    /// (not the function's own `Policies`, read apart).
    pub(super) fn role_policies(
        &self,
        function: &str,
    ) -> impl Iterator<Item = &leash_iac::EmbeddedPolicy> {
        self.policies.iter().filter(move |p| {
            p.kind == leash_iac::PolicyKind::Identity
                && p.attached_functions.iter().any(|f| f == function)
                && matches!(
                    p.resource_type.as_str(),
                    "AWS::IAM::Role" | "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
                )
        })
    }

    /// Identity policies of the template attached to the role `role`
    /// itself (a principal that is a role: an integration's credentials).
    pub(super) fn policies_of_role<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = &'a leash_iac::EmbeddedPolicy> {
        self.policies.iter().filter(move |p| {
            p.kind == leash_iac::PolicyKind::Identity
                && p.attached_roles.iter().any(|r| r == role)
                && matches!(
                    p.resource_type.as_str(),
                    "AWS::IAM::Role" | "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
                )
        })
    }

    /// Managed policies attached by ARN to the role `role` itself.
    pub(super) fn managed_policies_of_role<'a>(
        &'a self,
        role: &'a str,
    ) -> impl Iterator<Item = &'a leash_iac::ManagedPolicyReference> {
        self.references.iter().filter(move |r| {
            r.kind == leash_iac::PolicyKind::Identity
                && !r.implicit
                && r.managed_policy_id.is_none()
                && r.resource_type == "AWS::IAM::Role"
                && r.resource_id == role
        })
    }

    /// Whether a function or state machine of the template runs as `role`.
    pub(super) fn runs_as(&self, role: &str) -> Option<&str> {
        self.roles
            .iter()
            .find(|(_, r)| r == role)
            .map(|(principal, _)| principal.as_str())
    }

    /// The managed policy reference at `path` of resource `id`.
    pub(super) fn reference(
        &self,
        id: &str,
        path: &str,
    ) -> Option<&leash_iac::ManagedPolicyReference> {
        self.references
            .iter()
            .find(|r| r.resource_id == id && r.path == path)
    }

    /// Managed policies attached by ARN to the function's role (in the
    /// template), not SAM's implicit ones (the design models those) and not
    /// the template's own managed policies (read as statements).
    pub(super) fn role_managed_policies(
        &self,
        function: &str,
    ) -> impl Iterator<Item = &leash_iac::ManagedPolicyReference> {
        let role = self
            .roles
            .iter()
            .find(|(f, _)| f == function)
            .map(|(_, r)| r.clone());
        self.references.iter().filter(move |r| {
            r.kind == leash_iac::PolicyKind::Identity
                && !r.implicit
                && r.managed_policy_id.is_none()
                && r.resource_type == "AWS::IAM::Role"
                && role.as_deref() == Some(r.resource_id.as_str())
        })
    }

    pub(super) fn execution_role(
        &self,
        function: &str,
        role: &Value,
        resolve: &dyn Fn(&Value) -> Value,
    ) -> ExecutionRole {
        let Some((_, role_id)) = self.roles.iter().find(|(f, _)| f == function) else {
            let written = resolve(role);
            return ExecutionRole {
                role: written.as_str().unwrap_or("(not a string)").to_string(),
                in_template: false,
                ..ExecutionRole::default()
            };
        };
        let shared_with = self
            .roles
            .iter()
            .filter(|(f, r)| r == role_id && f != function)
            .map(|(f, _)| f.clone())
            .collect();
        let managed_policies = self
            .references
            .iter()
            .filter(|r| {
                r.kind == leash_iac::PolicyKind::Identity
                    && r.resource_type == "AWS::IAM::Role"
                    && r.resource_id == *role_id
                    // A managed policy of the template is read as statements.
                    && r.managed_policy_id.is_none()
            })
            .map(|r| r.arn.as_str().unwrap_or("*").to_string())
            .collect();
        ExecutionRole {
            role: role_id.clone(),
            in_template: true,
            shared_with,
            managed_policies,
            generated_by_sam: false,
        }
    }
}

/// The logical id a role property names: `!Ref R`, `!GetAtt R.Arn`, or a
/// `!Sub` that is one reference (`!Sub "${R.Arn}"`, as
/// `apigw-websocket-api-sfn-sync.yaml` of the corpus writes it).
fn role_target(value: &Value) -> Option<String> {
    if let Some(target) = reference_target(value) {
        return Some(target);
    }
    let text = value.get("Fn::Sub")?.as_str()?;
    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
    if inner.contains(['$', '{', '}']) {
        return None;
    }
    inner.split('.').next().map(str::to_string)
}

pub(super) struct Located<'a> {
    pub(super) account: &'a str,
    pub(super) region: &'a str,
    pub(super) resources: &'a [AppResource],
    pub(super) resolve: &'a dyn Fn(&Value) -> Value,
    /// The name of the log group the function writes to.
    pub(super) log_group: &'a str,
}

/// Strings of a string-or-list value, after resolving intrinsics.
fn strings(value: &Value, resolve: &dyn Fn(&Value) -> Value) -> Vec<String> {
    let resolved = resolve(value);
    match resolved.as_array() {
        Some(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        None => resolved.as_str().map(str::to_string).into_iter().collect(),
    }
}

/// Where the statements of one policy come from, for needs and for what
/// is kept as is.
pub(super) struct PolicySource<'a> {
    pub(super) source: &'a dyn Fn(usize) -> NeedSource,
    /// "`Fn` Policies[0]" or "`Role` Properties.Policies[0].PolicyDocument".
    pub(super) at: &'a str,
    /// The statements as the template writes them, when the ones read are
    /// resolved already (a role's policies, from `leash-iac`); `None` when
    /// the ones read are the written ones (a function's `Policies`).
    pub(super) written: Option<&'a Value>,
}

/// What the statements of a policy leave for the design: needs, statements
/// kept as is, notes.
pub(super) struct Outcome<'a> {
    pub(super) needs: &'a mut Vec<Need>,
    pub(super) kept: &'a mut Vec<KeptAsIs>,
    /// Log statements read as the function's own logs.
    pub(super) logs: &'a mut Vec<KeptAsIs>,
    pub(super) ignored: &'a mut Vec<String>,
}

/// (c) Each `Allow` statement of an inline policy whose actions are written
/// out and whose resources are exact ARNs of template resources becomes a
/// need with those actions. Anything else (wildcard actions, conditions,
/// `NotAction`/`NotResource`, resources outside the template or `*`) is
/// kept as is: copied into the designed role unchanged, with why (the
/// first law: a design never takes away access the application may use).
/// A `Deny` is kept as is too, so what is kept allows no more than before
/// (dropped later when nothing is kept beside it).
fn read_inline_statements(
    statements: &Value,
    located: &Located<'_>,
    from: &PolicySource<'_>,
    out: &mut Outcome<'_>,
) {
    let list: Vec<&Value> = policy_items(statements);
    let written: Option<Vec<&Value>> = from.written.map(policy_items);
    for (statement_index, statement) in list.into_iter().enumerate() {
        let at = format!("{}.Statement[{statement_index}]", from.at);
        let (written_statement, resolved) = match &written {
            Some(items) => (
                items.get(statement_index).copied().unwrap_or(statement),
                statement.clone(),
            ),
            None => (statement, (located.resolve)(statement)),
        };
        let resources = resolved
            .get("Resource")
            .map(|r| strings(r, &|v| v.clone()))
            .unwrap_or_default();
        let mut keep = |reason: KeptReason, supersedable: bool| {
            out.kept.push(KeptAsIs {
                origin: at.clone(),
                reason,
                item: KeptItem::Statements {
                    written: vec![Node::from_value(written_statement)],
                    resolved: vec![Node::from_value(&resolved)],
                },
                supersedable,
            });
        };
        match statement.get("Effect").and_then(Value::as_str) {
            Some("Allow") => {}
            Some("Deny") => {
                keep(KeptReason::Deny, false);
                continue;
            }
            _ => {
                out.ignored.push(format!(
                    "{at}: neither `Allow` nor `Deny`: it grants nothing"
                ));
                continue;
            }
        }
        if statement.get("Condition").is_some() {
            keep(KeptReason::Condition, true);
            continue;
        }
        if statement.get("NotAction").is_some() || statement.get("NotResource").is_some() {
            keep(KeptReason::NotActionOrResource, true);
            continue;
        }
        let actions = resolved
            .get("Action")
            .map(|a| strings(a, &|v| v.clone()))
            .unwrap_or_default();
        if actions.is_empty() {
            out.ignored
                .push(format!("{at}: no `Action`: it grants nothing"));
            continue;
        }
        if actions.iter().any(|a| a.contains('*') || a.contains('?')) {
            keep(KeptReason::WildcardAction, true);
            continue;
        }
        // An action the catalog does not know (`sqs:SendMessageBatch`,
        // which AWS authorizes as `sqs:SendMessage`) grants nothing: the
        // design leaves it out rather than copy it into the role.
        let (actions, unknown): (Vec<String>, Vec<String>) = actions
            .into_iter()
            .partition(|action| leash_catalog::catalog().action(action).is_some());
        for action in &unknown {
            out.ignored.push(format!(
                "{at}: `{action}` is not an action of the AWS catalog: it grants nothing and is left out"
            ));
        }
        if actions.is_empty() {
            continue;
        }
        if writes_logs_only(&actions, &resources) {
            // The function's own logs: every design grants them on its own
            // group (`design::LOG_ACTIONS`), bounded by what the template's
            // role allows (`original::limit_log_actions`). A log group
            // that is not the function's own is kept as is.
            let own = format!(
                "arn:aws:logs:{}:{}:log-group:{}:log-stream:example",
                located.region, located.account, located.log_group
            );
            match resources.iter().find(|arn| !covers(arn, &own)) {
                Some(other) => keep(KeptReason::OutsideTemplate(other.clone()), true),
                None => out.logs.push(KeptAsIs {
                    origin: at.clone(),
                    reason: KeptReason::LogsNotGranted,
                    item: KeptItem::Statements {
                        written: vec![Node::from_value(written_statement)],
                        resolved: vec![Node::from_value(&resolved)],
                    },
                    supersedable: true,
                }),
            }
            continue;
        }
        if resources.is_empty() {
            out.ignored
                .push(format!("{at}: no `Resource`: it grants nothing"));
            continue;
        }
        // Every resource must be a template resource leash models, and some
        // listed action must act on each; otherwise the whole statement is
        // kept as is (its modeled part with it: it grants no more).
        let mut statement_needs = Vec::new();
        let mut unmodeled = None;
        for arn in &resources {
            let Some((resource, scope, prefix)) = match_arn(arn, located) else {
                unmodeled = Some(outside_reason(arn));
                break;
            };
            // "Both on both" (`s3:GetObject` and `s3:ListBucket` on the
            // bucket and its objects) grants each action only on the
            // resource type it acts on: keep those.
            // The ARN's resource types, read once for all the actions.
            let types = leash_catalog::catalog().resource_types_for_arn(arn);
            let acting: Vec<String> = actions
                .iter()
                .filter(|a| acts_on_types(a, &types))
                .cloned()
                .collect();
            if acting.is_empty() {
                unmodeled = Some(KeptReason::NotActing(arn.clone()));
                break;
            }
            statement_needs.push(Need {
                resource,
                access: Access::Listed,
                prefix,
                index: scope == Scope::TableIndexes,
                actions: acting,
                scope: Some(scope),
                conditions: NeedConditions::default(),
                source: (from.source)(statement_index),
            });
        }
        match unmodeled {
            Some(reason) => keep(reason, true),
            None => out.needs.extend(statement_needs),
        }
    }
}

/// Whether the resource pattern `pattern` matches `arn` (IAM's `*` and
/// `?`, case-sensitive).
fn covers(pattern: &str, arn: &str) -> bool {
    leash_policy::matching::WildcardPattern::new(
        pattern,
        leash_policy::matching::CaseMode::Sensitive,
    )
    .is_match(arn)
}

/// Why a resource leash does not model is kept as is: `*`, a service
/// without an access table, or a resource outside the template.
fn outside_reason(arn: &str) -> KeptReason {
    if arn == "*" {
        return KeptReason::EveryResource;
    }
    match Arn::parse_partial(arn) {
        Some([_, Some(service), ..]) if !MODELED_SERVICES.contains(&service.as_str()) => {
            KeptReason::NoAccessTable(service.as_str().to_string())
        }
        _ => KeptReason::OutsideTemplate(arn.to_string()),
    }
}

/// The services whose resources leash models (`model::service_of`).
const MODELED_SERVICES: &[&str] = &[
    "dynamodb",
    "s3",
    "sqs",
    "sns",
    "lambda",
    "kinesis",
    "states",
    "secretsmanager",
    "ssm",
    "logs",
    "events",
    "kms",
];

/// Whether a statement only lets the function write logs: its actions are
/// among `logs:CreateLogGroup`, `logs:CreateLogStream`, `logs:PutLogEvents`
/// (the actions of `AWSLambdaBasicExecutionRole`) and its resources are log
/// groups or `*`.
/// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html
fn writes_logs_only(actions: &[String], resources: &[String]) -> bool {
    const LOG_WRITING: &[&str] = &[
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ];
    !resources.is_empty()
        && actions
            .iter()
            .all(|a| LOG_WRITING.iter().any(|l| l.eq_ignore_ascii_case(a)))
        && resources.iter().all(|r| r == "*" || is_logs_arn(r))
}

/// Whether `arn` is a CloudWatch Logs ARN of the `aws` partition (or of the
/// deployment's partition, `${AWS::Partition}`); judged from its first
/// fields, so `arn:aws:logs:*` counts.
fn is_logs_arn(arn: &str) -> bool {
    matches!(
        Arn::parse_partial(arn),
        Some([Some(partition), Some(service), Some(_), ..])
            if service == "logs"
                && (partition == "aws" || single_symbol(&partition).is_some())
    )
}

/// Whether `action` can act on the resource `arn` denotes, by the resource
/// types the Service Authorization Reference lists for it: an action with
/// no resource type acts only on `*`. Actions the catalog does not know
/// are left out before this is asked (see `read_inline_statements`).
/// https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
pub(super) fn acts_on(action: &str, arn: &str) -> bool {
    let catalog = leash_catalog::catalog();
    if catalog.action(action).is_none() {
        return true;
    }
    acts_on_types(action, &catalog.resource_types_for_arn(arn))
}

/// [`acts_on`] with the ARN's resource types (`resource_types_for_arn`)
/// already read.
fn acts_on_types(action: &str, types: &[&leash_catalog::ResourceType]) -> bool {
    let Some(known) = leash_catalog::catalog().action(action) else {
        return true;
    };
    let accepted = known.resource_types();
    types.iter().any(|t| {
        t.service() == known.service() && accepted.iter().any(|r| r.resource_type() == t.name())
    })
}

/// The template resource, scope and (for objects) prefix an ARN names exactly.
pub(super) fn match_arn(
    arn: &str,
    located: &Located<'_>,
) -> Option<(String, Scope, Option<String>)> {
    for resource in located.resources {
        for scope in crate::access::scopes(resource.kind) {
            if *scope == Scope::Objects {
                let bucket_prefix = format!("arn:aws:s3:::{}/", resource.name);
                if let Some(rest) = arn.strip_prefix(&bucket_prefix)
                    && let Some(prefix) = rest.strip_suffix('*')
                    && !prefix.contains('*')
                    && !prefix.contains('?')
                {
                    let prefix = (!prefix.is_empty()).then(|| prefix.to_string());
                    return Some((resource.logical_id.clone(), *scope, prefix));
                }
            } else if crate::access::scope_arn(
                *scope,
                &resource.name,
                located.region,
                located.account,
                None,
            ) == arn
            {
                return Some((resource.logical_id.clone(), *scope, None));
            }
        }
    }
    None
}

fn policy_items(value: &Value) -> Vec<&Value> {
    match value.as_array() {
        Some(items) => items.iter().collect(),
        None => vec![value],
    }
}

/// The access level each supported SAM policy template stands for. A
/// template is listed only when its definition in
/// https://github.com/aws/serverless-application-model (policy_templates.json)
/// grants a subset-compatible intent: leash grants the curated actions for
/// the level, which are fewer than SAM's (no `Scan`, no `DescribeTable`).
pub const SAM_TEMPLATE_ACCESS: &[(&str, Access)] = &[
    ("DynamoDBReadPolicy", Access::Read),
    ("DynamoDBCrudPolicy", Access::ReadWrite),
    ("DynamoDBWritePolicy", Access::Write),
    ("DynamoDBStreamReadPolicy", Access::Consume),
    ("S3ReadPolicy", Access::Read),
    ("S3WritePolicy", Access::Write),
    ("S3CrudPolicy", Access::ReadWrite),
    ("SQSSendMessagePolicy", Access::Publish),
    ("SQSPollerPolicy", Access::Consume),
    ("SNSPublishMessagePolicy", Access::Publish),
    ("LambdaInvokePolicy", Access::Invoke),
    ("KinesisStreamReadPolicy", Access::Read),
    ("KinesisCrudPolicy", Access::Publish),
    ("StepFunctionsExecutionPolicy", Access::Invoke),
    ("AWSSecretsManagerGetSecretValuePolicy", Access::Read),
    ("SSMParameterReadPolicy", Access::Read),
    ("SSMParameterWithSlashPrefixReadPolicy", Access::Read),
    ("EventBridgePutEventsPolicy", Access::Publish),
    ("KMSDecryptPolicy", Access::Read),
];

fn sam_template_access(name: &str) -> Option<Access> {
    SAM_TEMPLATE_ACCESS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
}

/// The template resource a SAM policy template parameter names: by `Ref`,
/// or by a literal equal to a resource's physical name.
fn referenced_resource(
    _template: &Template,
    value: &Value,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
) -> Option<String> {
    if let Some(target) = reference_target(value) {
        return resources
            .iter()
            .find(|r| r.logical_id == target)
            .map(|r| r.logical_id.clone());
    }
    let resolved = resolve(value);
    let name = resolved.as_str()?;
    resources
        .iter()
        .find(|r| r.name == name)
        .map(|r| r.logical_id.clone())
}

/// The function's SAM `Policies` (ignored, as SAM does, when it sets
/// `Role`): SAM policy templates with a documented mapping to an access
/// level become needs; inline statements go to `inline_needs`, which come
/// after them in the order of trust. Managed policies by name or ARN, and
/// SAM policy templates leash cannot map, are kept as is.
pub(super) fn read_function_policies(
    template: &Template,
    resource: &Resource,
    iam: &TemplateIam,
    located: &Located<'_>,
    function: &mut Function,
    inline_needs: &mut Vec<Need>,
) {
    let resources = located.resources;
    let resolve = located.resolve;
    let logical_id = resource.logical_id.node.as_str();
    // With `Role`, SAM creates no role and ignores `Policies`: the role's
    // own policies are what the function runs with.
    // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies
    let role_property = resource.properties.get(super::PrincipalKind::role_property(
        &resource.resource_type.node,
    ));
    let policies = match (role_property, resource.properties.get("Policies")) {
        (Some(_), Some(_)) => {
            function
                .ignored
                .push("Policies: ignored, as SAM does, because the function sets `Role`".into());
            None
        }
        (_, policies) => policies,
    };
    for (policy_index, policy) in policies
        .map(policy_items)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        let at = format!("`{logical_id}` Policies[{policy_index}]");
        if let Some(statements) = policy.get("Statement") {
            read_inline_statements(
                statements,
                located,
                &PolicySource {
                    source: &|statement| NeedSource::InlineStatement {
                        policy: policy_index,
                        statement,
                    },
                    at: &at,
                    written: None,
                },
                &mut Outcome {
                    needs: inline_needs,
                    kept: &mut function.kept_as_is,
                    logs: &mut function.log_statements,
                    ignored: &mut function.ignored,
                },
            );
            continue;
        }
        let path = format!("Properties.Policies[{policy_index}]");
        if policy.as_str().is_some() || leash_iac::template::is_intrinsic(policy) {
            match iam.reference(logical_id, &path) {
                // A managed policy of the template is read as statements
                // (`role_policies`).
                Some(reference) if reference.managed_policy_id.is_some() => {}
                Some(reference) => function.kept_as_is.push(KeptAsIs {
                    origin: at,
                    reason: KeptReason::ManagedPolicy,
                    item: KeptItem::ManagedPolicy {
                        written: written_policy_arn(policy),
                        arn: reference.arn.as_str().unwrap_or("*").to_string(),
                    },
                    supersedable: true,
                }),
                None => function.ignored.push(format!(
                    "{at}: a policy leash could not read (not a name, an ARN or a statement list)"
                )),
            }
            continue;
        }
        let Some(members) = policy.as_object() else {
            function.ignored.push(format!(
                "{at}: a policy leash could not read (not a name, an ARN or a statement list)"
            ));
            continue;
        };
        for member in members {
            let template_name = member.key.node.as_str();
            let parameter = member
                .value
                .as_object()
                .and_then(|parameters| parameters.first())
                .map(|p| &p.value);
            let target = sam_template_access(template_name).and_then(|access| {
                parameter
                    .and_then(|value| referenced_resource(template, value, resources, resolve))
                    .map(|target| (access, target))
            });
            let Some((access, target)) = target else {
                let reason = if sam_template_access(template_name).is_some() {
                    KeptReason::SamTemplateOutside(template_name.to_string())
                } else {
                    KeptReason::SamTemplateUnmapped(template_name.to_string())
                };
                match sam_template_statements(iam, logical_id, &path, member) {
                    Some(item) => function.kept_as_is.push(KeptAsIs {
                        origin: format!("{at} `{template_name}`"),
                        reason,
                        item,
                        supersedable: true,
                    }),
                    None => function.ignored.push(format!(
                        "{at}: `{template_name}` is not a SAM policy template: it grants nothing"
                    )),
                }
                continue;
            };
            // Statements of SAM's expansion that no action of the access
            // level comes from (`KinesisStreamReadPolicy`'s `ListStreams` on
            // `*`) are kept as is: the level does not narrow them.
            if let Some(kind) = resources
                .iter()
                .find(|r| r.logical_id == target)
                .map(|r| r.kind)
                && let Some(KeptItem::Statements { written, resolved }) =
                    sam_template_statements(iam, logical_id, &path, member)
            {
                let curated: Vec<&str> = crate::access::entries(kind, access)
                    .iter()
                    .flat_map(|row| row.actions.iter().copied())
                    .collect();
                for (index, (written, resolved)) in written.into_iter().zip(resolved).enumerate() {
                    if !statement_grants_any(&resolved, &curated) {
                        function.kept_as_is.push(KeptAsIs {
                            origin: format!("{at} `{template_name}` Statement[{index}]"),
                            reason: KeptReason::SamTemplateBeyondLevel(template_name.to_string()),
                            item: KeptItem::Statements {
                                written: vec![written],
                                resolved: vec![resolved],
                            },
                            supersedable: true,
                        });
                    }
                }
            }
            function.needs.push(Need {
                access,
                prefix: None,
                // SAM's DynamoDB read templates include `index/*`.
                index: (access == Access::Read || access == Access::ReadWrite)
                    && resources
                        .iter()
                        .any(|r| r.logical_id == target && r.kind == ResourceKind::Table),
                resource: target,
                actions: Vec::new(),
                scope: None,
                conditions: NeedConditions::default(),
                source: NeedSource::SamPolicyTemplate {
                    name: template_name.to_string(),
                },
            });
        }
    }
}

/// Whether a (resolved) statement's `Action` names or matches one of
/// `actions` (action names compare without case).
fn statement_grants_any(statement: &Node, actions: &[&str]) -> bool {
    let listed: Vec<&str> = match statement.get("Action") {
        Some(Node::String(action)) => vec![action.as_str()],
        Some(Node::Array(items)) => items.iter().filter_map(Node::as_str).collect(),
        _ => return true,
    };
    listed.iter().any(|pattern| {
        let compiled = leash_policy::matching::WildcardPattern::new(
            pattern,
            leash_policy::matching::CaseMode::Insensitive,
        );
        actions.iter().any(|action| compiled.is_match(action))
    })
}

/// Whether the design models what an AWS managed policy is for, for this
/// function: `AWSLambdaBasicExecutionRole` (the function's own logs),
/// X-Ray and VPC access when the function's Lambda needs have them, the
/// SQS, Kinesis and DynamoDB poller policies when the function has a
/// consume need from an event source of that kind (`event`: of the event
/// SAM attached it for, when it did), the MSK poller policy when the
/// function's Lambda needs read an MSK cluster, AppSync's logging policy
/// for an AppSync API's logging. Anything else is not.
fn modeled_by_design(
    name: &str,
    function: &Function,
    resources: &[AppResource],
    event: Option<&str>,
) -> bool {
    let lambda_need = |prefix: &str| {
        function
            .lambda_needs
            .iter()
            .any(|n| n.actions.iter().any(|a| a.starts_with(prefix)))
    };
    let polls = |kind: ResourceKind| {
        function.needs.iter().any(|n| match &n.source {
            NeedSource::EventSource { event: e } => {
                event.is_none_or(|event| event == e)
                    && resources
                        .iter()
                        .any(|r| r.logical_id == n.resource && r.kind == kind)
            }
            _ => false,
        })
    };
    match name {
        "AWSLambdaBasicExecutionRole" => true,
        "AWSXrayWriteOnlyAccess" | "AWSXRayDaemonWriteAccess" => lambda_need("xray:"),
        "AWSLambdaVPCAccessExecutionRole" | "AWSLambdaENIManagementAccess" => lambda_need("ec2:"),
        "AWSLambdaSQSQueueExecutionRole" => polls(ResourceKind::Queue),
        "AWSLambdaKinesisExecutionRole" => polls(ResourceKind::Stream),
        "AWSLambdaDynamoDBExecutionRole" => polls(ResourceKind::Table),
        // The cluster, its brokers and the network interfaces (Lambda's
        // MSK page lists the policy's purpose; its log actions are the
        // function's own logs).
        "AWSLambdaMSKExecutionRole" => lambda_need("kafka:"),
        // AppSync's logging role (SAM attaches it to the role it generates
        // for a GraphQL API's `Logging`): the API's logs, which the
        // logging principal's reading tells.
        "AWSAppSyncPushToCloudWatchLogs" => function.kind == PrincipalKind::AppSyncLogging,
        _ => false,
    }
}

/// Settles the function's managed policies once its needs are read:
/// AWS managed policies attached by name or ARN whose purpose the design
/// models ([`modeled_by_design`]) are narrowed to it, not kept as is; and
/// SAM's implicit managed policies (of the role SAM generates) that the
/// design does not model are kept as is (an MSK event, the durable
/// execution policy, X-Ray for `Tracing: PassThrough`, a poller whose
/// event is not designed).
pub(super) fn settle_managed_policies(
    iam: &TemplateIam,
    resources: &[AppResource],
    function: &mut Function,
) {
    let kept = std::mem::take(&mut function.kept_as_is);
    function.kept_as_is = kept
        .into_iter()
        .filter(|k| match &k.item {
            KeptItem::ManagedPolicy { arn, .. } => {
                !(crate::original::is_aws_managed(arn)
                    && modeled_by_design(
                        crate::original::managed_policy_name(arn),
                        function,
                        resources,
                        None,
                    ))
            }
            KeptItem::Statements { .. } => true,
        })
        .collect();
    for reference in iam.references.iter().filter(|r| {
        r.implicit
            && r.kind == leash_iac::PolicyKind::Identity
            && r.resource_id == function.logical_id
    }) {
        let Some(arn) = reference.arn.as_str() else {
            continue;
        };
        let name = crate::original::managed_policy_name(arn);
        let event = reference.path.strip_prefix("Properties.Events.");
        if !modeled_by_design(name, function, resources, event) {
            function.kept_as_is.push(KeptAsIs {
                origin: format!("`{}` {}", reference.resource_id, reference.path),
                reason: KeptReason::SamImplicit(name.to_string()),
                item: KeptItem::ManagedPolicy {
                    written: Node::sub(arn.replacen("arn:aws:", "arn:${AWS::Partition}:", 1)),
                    arn: arn.to_string(),
                },
                supersedable: false,
            });
        }
    }
}

/// A managed policy as the template writes it, for `ManagedPolicyArns`:
/// a SAM name becomes the AWS managed policy's ARN in the deployment's
/// partition, as SAM makes it; an ARN or an intrinsic stays as written.
fn written_policy_arn(policy: &Value) -> Node {
    match policy.as_str() {
        Some(name) if !name.starts_with("arn:") => {
            Node::sub(format!("arn:${{AWS::Partition}}:iam::aws:policy/{name}"))
        }
        _ => Node::from_value(policy),
    }
}

/// The statements of a SAM policy template kept as is: written as SAM
/// expands it (its definition with each `Ref` to a parameter replaced by
/// the value the template gives it, intrinsics and all), and resolved (the
/// expansion `leash-iac` made).
fn sam_template_statements(
    iam: &TemplateIam,
    function: &str,
    path: &str,
    member: &leash_policy::Member,
) -> Option<KeptItem> {
    let name = member.key.node.as_str();
    let definition = leash_iac::sam_policy_templates::policy_template(name)?;
    let expanded = iam.policies.iter().find(|p| {
        p.resource_id == function
            && p.path == format!("{path}.{name}")
            && matches!(p.origin, leash_iac::PolicyOrigin::SamPolicyTemplate { .. })
    })?;
    let resolved: Vec<Node> = policy_items(expanded.document.get("Statement")?)
        .into_iter()
        .map(Node::from_value)
        .collect();
    let parameters: Vec<(String, Node)> = member
        .value
        .as_object()
        .unwrap_or(&[])
        .iter()
        .map(|p| (p.key.node.clone(), Node::from_value(&p.value)))
        .collect();
    let written: Vec<Node> = policy_items(definition.definition.get("Statement")?)
        .into_iter()
        .map(|statement| {
            let mut node = Node::from_value(statement);
            substitute_parameters(&mut node, &parameters);
            node
        })
        .collect();
    (written.len() == resolved.len()).then_some(KeptItem::Statements { written, resolved })
}

/// Replaces each `{"Ref": PARAMETER}` by the parameter's value, as SAM does
/// when it expands a policy template.
fn substitute_parameters(node: &mut Node, parameters: &[(String, Node)]) {
    if let Some(target) = node.get("Ref").and_then(Node::as_str)
        && node.as_object().is_some_and(|members| members.len() == 1)
        && let Some((_, value)) = parameters.iter().find(|(name, _)| name == target)
    {
        *node = value.clone();
        return;
    }
    match node {
        Node::Array(items) => items
            .iter_mut()
            .for_each(|item| substitute_parameters(item, parameters)),
        Node::Object(members) => members
            .iter_mut()
            .for_each(|(_, value)| substitute_parameters(value, parameters)),
        _ => {}
    }
}

/// The statements of the policies of the function's execution role (its
/// `Role`, when the template defines it), into `inline_needs`, and its
/// managed policies, kept as is; a role outside the template is noted
/// (its policies are not in the template: nothing to keep or design from).
pub(super) fn read_role_statements(
    template: &Template,
    resource: &Resource,
    iam: &TemplateIam,
    located: &Located<'_>,
    function: &mut Function,
    inline_needs: &mut Vec<Need>,
) {
    let logical_id = resource.logical_id.node.clone();
    let resolve = located.resolve;
    if let Some(role) = super::role_value(resource) {
        function.role = Some(iam.execution_role(&logical_id, role, resolve));
    }
    read_policies(
        template,
        iam.role_policies(&logical_id),
        iam.role_managed_policies(&logical_id),
        located,
        function,
        inline_needs,
    );
}

/// The statements of `policies` (a role's identity policies) as needs or
/// kept as is, and the managed policies `references` attaches kept as is.
pub(super) fn read_policies<'a>(
    template: &Template,
    policies: impl Iterator<Item = &'a leash_iac::EmbeddedPolicy>,
    references: impl Iterator<Item = &'a leash_iac::ManagedPolicyReference>,
    located: &Located<'_>,
    function: &mut Function,
    inline_needs: &mut Vec<Need>,
) {
    for policy in policies {
        let Some(statements) = policy.document.get("Statement") else {
            continue;
        };
        let role = policy
            .attached_roles
            .first()
            .cloned()
            .unwrap_or_else(|| policy.resource_id.clone());
        let source = |statement| NeedSource::RoleStatement {
            role: role.clone(),
            holder: policy.resource_id.clone(),
            path: policy.path.clone(),
            statement,
        };
        let written = written_at(template, &policy.resource_id, &policy.path)
            .and_then(|document| document.get("Statement"));
        read_inline_statements(
            statements,
            located,
            &PolicySource {
                source: &source,
                at: &format!("`{}` {}", policy.resource_id, policy.path),
                written: Some(written.unwrap_or(statements)),
            },
            &mut Outcome {
                needs: inline_needs,
                kept: &mut function.kept_as_is,
                logs: &mut function.log_statements,
                ignored: &mut function.ignored,
            },
        );
    }
    if let Some(role) = &function.role
        && !role.in_template
    {
        function.ignored.push(format!(
            "execution role `{}`: not in the template, its policies are not designed from",
            role.role
        ));
    }
    for reference in references {
        let written = written_at(template, &reference.resource_id, &reference.path)
            .map(Node::from_value)
            .unwrap_or_else(|| Node::from_value(&reference.arn));
        function.kept_as_is.push(KeptAsIs {
            origin: format!("`{}` {}", reference.resource_id, reference.path),
            reason: KeptReason::ManagedPolicy,
            item: KeptItem::ManagedPolicy {
                written,
                arn: reference.arn.as_str().unwrap_or("*").to_string(),
            },
            supersedable: false,
        });
    }
}

/// The value at `path` (`Properties.Policies[0].PolicyDocument`) of the
/// template's resource `id`, as written.
fn written_at<'a>(template: &'a Template, id: &str, path: &str) -> Option<&'a Value> {
    let mut parts = path.split('.');
    if parts.next() != Some("Properties") {
        return None;
    }
    let mut node = &template.resource(id)?.properties;
    for part in parts {
        let (key, indexes) = match part.find('[') {
            Some(at) => (&part[..at], &part[at..]),
            None => (part, ""),
        };
        node = node.get(key)?;
        for index in indexes.split(']').filter(|i| !i.is_empty()) {
            let index: usize = index.trim_start_matches('[').parse().ok()?;
            node = node.as_array()?.get(index)?;
        }
    }
    Some(node)
}

#[cfg(test)]
mod arn_tests {
    #![allow(clippy::unwrap_used)]
    use super::is_logs_arn;

    #[test]
    fn log_group_arns_are_read_by_their_fields() {
        assert!(is_logs_arn("arn:aws:logs:*:*:*"));
        assert!(is_logs_arn("arn:aws:logs:*"));
        assert!(!is_logs_arn("arn:aws:logs"));
        assert!(!is_logs_arn("arn:aws:s3:::logs"));
        assert!(!is_logs_arn("arn:aws-cn:logs:*:*:*"));
        // `${AWS::Partition}`, once resolution keeps it as a symbol.
        let partition = leash_policy::symbol::symbol_char(0).unwrap();
        assert!(is_logs_arn(&format!(
            "arn:{partition}:logs:us-east-1:111122223333:log-group:/aws/lambda/f:*"
        )));
    }
}
