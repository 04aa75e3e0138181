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
use super::{
    Access, AppResource, ExecutionRole, Function, Need, NeedConditions, NeedSource, ResourceKind,
    reference_target,
};
use crate::access::Scope;

/// The IAM the template already gives its functions, extracted once by
/// `leash-iac` (which links roles, policies and managed policies to the
/// functions that run as the role).
pub(super) struct TemplateIam {
    policies: Vec<leash_iac::EmbeddedPolicy>,
    references: Vec<leash_iac::ManagedPolicyReference>,
    /// Function logical id -> logical id of the role its `Role` names.
    roles: Vec<(String, String)>,
    pub(super) connectors: Vec<Connector>,
}

impl TemplateIam {
    pub(super) fn read(template: &Template, context: &ResolveContext) -> TemplateIam {
        let roles = template
            .resources
            .iter()
            .filter(|r| {
                matches!(
                    r.resource_type.node.as_str(),
                    "AWS::Serverless::Function" | "AWS::Lambda::Function"
                )
            })
            .filter_map(|r| {
                let role = reference_target(r.properties.get("Role")?)?;
                let is_role = template
                    .resource(&role)
                    .is_some_and(|t| t.resource_type.node == "AWS::IAM::Role");
                is_role.then(|| (r.logical_id.node.clone(), role))
            })
            .collect();
        TemplateIam {
            policies: leash_iac::extract_policies_with(template, context),
            references: leash_iac::extract_managed_policy_references_with(template, context),
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
        }
    }
}

pub(super) struct Located<'a> {
    pub(super) account: &'a str,
    pub(super) region: &'a str,
    pub(super) resources: &'a [AppResource],
    pub(super) resolve: &'a dyn Fn(&Value) -> Value,
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

/// (c) Each `Allow` statement of an inline policy whose actions are written
/// out and whose resources are exact ARNs of template resources becomes a
/// need with those actions. Anything else (wildcard actions, conditions,
/// `NotAction`/`NotResource`, resources outside the template) is reported
/// under "not designed from" and not granted.
fn read_inline_statements(
    statements: &Value,
    located: &Located<'_>,
    source: &dyn Fn(usize) -> NeedSource,
    policy_at: &str,
    needs: &mut Vec<Need>,
    ignored: &mut Vec<String>,
) {
    let list: Vec<&Value> = policy_items(statements);
    for (statement_index, statement) in list.into_iter().enumerate() {
        let at = format!("{policy_at}.Statement[{statement_index}]");
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            ignored.push(format!("{at}: not an `Allow` statement"));
            continue;
        }
        if statement.get("Condition").is_some()
            || statement.get("NotAction").is_some()
            || statement.get("NotResource").is_some()
        {
            ignored.push(format!(
                "{at}: conditions, `NotAction` and `NotResource` are not designed from yet"
            ));
            continue;
        }
        let actions = statement
            .get("Action")
            .map(|a| strings(a, located.resolve))
            .unwrap_or_default();
        if actions.is_empty() || actions.iter().any(|a| a.contains('*') || a.contains('?')) {
            ignored.push(format!(
                "{at}: actions must be written out (no wildcards) to be designed from"
            ));
            continue;
        }
        // An action the catalog does not know (`sqs:SendMessageBatch`,
        // which AWS authorizes as `sqs:SendMessage`) grants nothing: the
        // design leaves it out rather than copy it into the role.
        let (actions, unknown): (Vec<String>, Vec<String>) = actions
            .into_iter()
            .partition(|action| leash_catalog::catalog().action(action).is_some());
        for action in &unknown {
            ignored.push(format!(
                "{at}: `{action}` is not an action of the AWS catalog: it grants nothing and is left out"
            ));
        }
        if actions.is_empty() {
            continue;
        }
        if writes_logs_only(&actions, statement, located) {
            // The function's own logs: every design grants them on its own
            // group (`design::LOG_ACTIONS`), bounded by what the template's
            // role allows (`original::limit_log_actions`).
            continue;
        }
        for arn in statement
            .get("Resource")
            .map(|r| strings(r, located.resolve))
            .unwrap_or_default()
        {
            match match_arn(&arn, located) {
                Some((resource, scope, prefix)) => {
                    // "Both on both" (`s3:GetObject` and `s3:ListBucket` on
                    // the bucket and its objects) grants each action only on
                    // the resource type it acts on: keep those.
                    let acting: Vec<String> = actions
                        .iter()
                        .filter(|a| acts_on(a, &arn))
                        .cloned()
                        .collect();
                    if acting.is_empty() {
                        ignored.push(format!(
                            "{at}: no listed action acts on `{arn}` (Service Authorization Reference resource types)"
                        ));
                        continue;
                    }
                    needs.push(Need {
                        resource,
                        access: Access::Listed,
                        prefix,
                        index: scope == Scope::TableIndexes,
                        actions: acting,
                        scope: Some(scope),
                        conditions: NeedConditions::default(),
                        source: source(statement_index),
                    })
                }
                None => ignored.push(format!(
                    "{at}: resource `{arn}` is not a table, bucket, queue, topic or function of the template"
                )),
            }
        }
    }
}

/// Whether a statement only lets the function write logs: its actions are
/// among `logs:CreateLogGroup`, `logs:CreateLogStream`, `logs:PutLogEvents`
/// (the actions of `AWSLambdaBasicExecutionRole`) and its resources are log
/// groups or `*`.
/// https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html
fn writes_logs_only(actions: &[String], statement: &Value, located: &Located<'_>) -> bool {
    const LOG_WRITING: &[&str] = &[
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ];
    let resources = statement
        .get("Resource")
        .map(|r| strings(r, located.resolve))
        .unwrap_or_default();
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
fn acts_on(action: &str, arn: &str) -> bool {
    let catalog = leash_catalog::catalog();
    let Some(known) = catalog.action(action) else {
        return true;
    };
    let accepted = known.resource_types();
    catalog.resource_types_for_arn(arn).iter().any(|t| {
        t.service() == known.service() && accepted.iter().any(|r| r.resource_type() == t.name())
    })
}

/// The template resource, scope and (for objects) prefix an ARN names exactly.
fn match_arn(arn: &str, located: &Located<'_>) -> Option<(String, Scope, Option<String>)> {
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
/// after them in the order of trust.
pub(super) fn read_function_policies(
    template: &Template,
    resource: &Resource,
    located: &Located<'_>,
    function: &mut Function,
    inline_needs: &mut Vec<Need>,
) {
    let resources = located.resources;
    let resolve = located.resolve;
    // With `Role`, SAM creates no role and ignores `Policies`: the role's
    // own policies are what the function runs with.
    // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies
    let role_property = resource.properties.get("Role");
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
        if let Some(statements) = policy.get("Statement") {
            read_inline_statements(
                statements,
                located,
                &|statement| NeedSource::InlineStatement {
                    policy: policy_index,
                    statement,
                },
                &format!("Policies[{policy_index}]"),
                inline_needs,
                &mut function.ignored,
            );
            continue;
        }
        let Some(members) = policy.as_object() else {
            function
                .ignored
                .push("a policy given by name or ARN (not designed from: its contents are not in the template)".into());
            continue;
        };
        for member in members {
            let template_name = member.key.node.as_str();
            let Some(access) = sam_template_access(template_name) else {
                function.ignored.push(format!(
                    "`{template_name}` in Policies: no documented mapping to an access level yet"
                ));
                continue;
            };
            let parameter = member
                .value
                .as_object()
                .and_then(|parameters| parameters.first())
                .map(|p| &p.value);
            match parameter.and_then(|value| referenced_resource(template, value, resources, resolve)) {
                Some(target) => function.needs.push(Need {
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
                }),
                None => function.ignored.push(format!(
                    "`{template_name}` in Policies: its parameter names no resource of the template that leash designs access to"
                )),
            }
        }
    }
}

/// The statements of the policies of the function's execution role (its
/// `Role`, when the template defines it), into `inline_needs`; what is not
/// designed from (a role outside the template, managed policies) is ignored,
/// with why.
pub(super) fn read_role_statements(
    resource: &Resource,
    iam: &TemplateIam,
    located: &Located<'_>,
    function: &mut Function,
    inline_needs: &mut Vec<Need>,
) {
    let logical_id = resource.logical_id.node.clone();
    let resolve = located.resolve;
    let role_property = resource.properties.get("Role");
    if let Some(role) = role_property {
        function.role = Some(iam.execution_role(&logical_id, role, resolve));
    }
    for policy in iam.role_policies(&logical_id) {
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
        read_inline_statements(
            statements,
            located,
            &source,
            &format!("`{}` {}", policy.resource_id, policy.path),
            inline_needs,
            &mut function.ignored,
        );
    }
    if let Some(role) = &function.role {
        if !role.in_template {
            function.ignored.push(format!(
                "execution role `{}`: not in the template, its policies are not designed from",
                role.role
            ));
        }
        for arn in &role.managed_policies {
            function.ignored.push(format!(
                "managed policy `{arn}` of execution role `{}`: not designed from (its contents are not in the template)",
                role.role
            ));
        }
    }
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
