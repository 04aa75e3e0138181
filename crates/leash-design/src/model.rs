//! The application model read from a template: functions with their events,
//! the tables, buckets, queues and topics they may use, and each function's
//! needs, in the order of trust of issue 5 (declared `Metadata: leash:
//! needs` first, then SAM policy templates, then event sources).
//!
//! Not for: turning needs into actions (`access`) or policies (`design`).

use leash_iac::{ResolveContext, Resource, Template, UnnamedResources, resolve_with};
use leash_policy::Value;

use crate::access::Scope;

/// What a function may do to a resource, in the words of the `needs`
/// metadata. `access::ACCESS_TABLE` says which actions each one grants.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Access {
    Read,
    Write,
    ReadWrite,
    Put,
    Delete,
    Invoke,
    Publish,
    Consume,
    /// The actions of an inline statement, as written (never declared in
    /// `needs`; see `Need::actions`).
    Listed,
}

impl Access {
    pub fn parse(text: &str) -> Option<Access> {
        Some(match text {
            "read" => Access::Read,
            "write" => Access::Write,
            "read-write" => Access::ReadWrite,
            "put" => Access::Put,
            "delete" => Access::Delete,
            "invoke" => Access::Invoke,
            "publish" => Access::Publish,
            "consume" => Access::Consume,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Write => "write",
            Access::ReadWrite => "read-write",
            Access::Put => "put",
            Access::Delete => "delete",
            Access::Invoke => "invoke",
            Access::Publish => "publish",
            Access::Consume => "consume",
            Access::Listed => "listed actions",
        }
    }
}

/// The kinds of resource leash designs access to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceKind {
    Table,
    Bucket,
    Queue,
    Topic,
    Function,
}

impl ResourceKind {
    pub fn from_type(resource_type: &str) -> Option<ResourceKind> {
        Some(match resource_type {
            "AWS::DynamoDB::Table" => ResourceKind::Table,
            "AWS::S3::Bucket" => ResourceKind::Bucket,
            "AWS::SQS::Queue" => ResourceKind::Queue,
            "AWS::SNS::Topic" => ResourceKind::Topic,
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => ResourceKind::Function,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ResourceKind::Table => "table",
            ResourceKind::Bucket => "bucket",
            ResourceKind::Queue => "queue",
            ResourceKind::Topic => "topic",
            ResourceKind::Function => "function",
        }
    }
}

/// A template resource a function may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppResource {
    pub logical_id: String,
    pub kind: ResourceKind,
    /// The physical name: the name property, or the logical id when the
    /// template sets none (CloudFormation generates one; see docs/design.md).
    pub name: String,
    /// Tables: names of global and local secondary indexes.
    pub indexes: Vec<String>,
    /// Tables: whether `StreamSpecification` is set.
    pub has_stream: bool,
    /// Whether the template sets the name (else `name` is the logical id).
    pub named: bool,
}

/// Where a need came from, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeedSource {
    /// `Metadata: leash: needs[index]` on the function.
    Declared { index: usize },
    /// A SAM policy template in the function's `Policies`.
    SamPolicyTemplate { name: String },
    /// An `SQS` or `DynamoDB` event of the function (Lambda polls for it).
    EventSource { event: String },
    /// An `Allow` statement of an inline policy in the function's `Policies`.
    InlineStatement { policy: usize, statement: usize },
}

impl NeedSource {
    pub fn describe(&self) -> String {
        match self {
            NeedSource::Declared { index } => format!("Metadata.leash.needs[{index}]"),
            NeedSource::SamPolicyTemplate { name } => format!("SAM policy template `{name}`"),
            NeedSource::EventSource { event } => format!("event `{event}`"),
            NeedSource::InlineStatement { policy, statement } => {
                format!("Policies[{policy}].Statement[{statement}]")
            }
        }
    }
}

/// One thing a function must be able to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Need {
    /// Logical id of the resource.
    pub resource: String,
    pub access: Access,
    /// Buckets: the key prefix objects live under, e.g. `receipts/`.
    pub prefix: Option<String>,
    /// Tables: whether the function queries an index.
    pub index: bool,
    /// For `Access::Listed`: the actions and the part of the resource.
    pub actions: Vec<String>,
    pub scope: Option<Scope>,
    pub source: NeedSource,
}

impl Need {
    pub fn describe(&self) -> String {
        let mut text = if self.access == Access::Listed {
            format!("`{}` on `{}`", self.actions.join("`, `"), self.resource)
        } else {
            format!("{} on `{}`", self.access.as_str(), self.resource)
        };
        if let Some(prefix) = &self.prefix {
            text.push_str(&format!(" under `{prefix}`"));
        }
        if self.index {
            text.push_str(" with its indexes");
        }
        format!("{text} ({})", self.source.describe())
    }
}

/// An API Gateway route that invokes a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRoute {
    pub event: String,
    /// `Api` (REST) or `HttpApi`.
    pub event_type: String,
    /// Logical id of the API, or `ServerlessRestApi`/`ServerlessHttpApi`
    /// for SAM's implicit one.
    pub api: String,
    /// The stage, when the template names it; SAM's implicit REST API
    /// stage is `Prod`, the implicit HTTP API's is `$default`.
    pub stage: String,
    pub method: String,
    pub path: String,
}

/// An environment variable whose value references a template resource:
/// reported for the author to confirm, never granted (a name in the
/// environment says nothing about what the code does with it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentReference {
    pub variable: String,
    pub resource: String,
}

/// A Lambda function and what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub logical_id: String,
    /// `FunctionName`, or the logical id when the template sets none.
    pub name: String,
    pub routes: Vec<ApiRoute>,
    pub needs: Vec<Need>,
    pub to_confirm: Vec<EnvironmentReference>,
    /// Policies and statements leash did not turn into needs, and why.
    pub ignored: Vec<String>,
}

/// The application: where it runs, its functions and their resources.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Application {
    pub account: String,
    pub region: String,
    pub functions: Vec<Function>,
    pub resources: Vec<AppResource>,
}

impl Application {
    pub fn resource(&self, logical_id: &str) -> Option<&AppResource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }
}

/// Why a template could not be modelled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelError {
    pub message: String,
    /// Where in the template, when the error is about one written value.
    pub span: Option<leash_policy::Span>,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ModelError {}

fn error(message: String) -> ModelError {
    ModelError {
        message,
        span: None,
    }
}

fn error_at(span: leash_policy::Span, message: String) -> ModelError {
    ModelError {
        message,
        span: Some(span),
    }
}

/// The deployment target; overrides `Metadata: leash: {account, region}`
/// at the top of the template.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    pub account: Option<String>,
    pub region: Option<String>,
}

/// Reads the application model from a template.
pub fn read_application(template: &Template, target: &Target) -> Result<Application, ModelError> {
    let leash_metadata = template.root.get("Metadata").and_then(|m| m.get("leash"));
    let from_metadata = |key: &str| {
        leash_metadata
            .and_then(|m| m.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let account = target.account.clone().or_else(|| from_metadata("account")).ok_or_else(|| {
        error("the account is unknown: pass `--account` or set `Metadata: leash: account` in the template".into())
    })?;
    let region = target.region.clone().or_else(|| from_metadata("region")).ok_or_else(|| {
        error("the region is unknown: pass `--region` or set `Metadata: leash: region` in the template".into())
    })?;
    if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
        return Err(error(format!("the account `{account}` is not 12 digits")));
    }
    let context = ResolveContext {
        account: Some(account.clone()),
        region: Some(region.clone()),
        partition: None,
        unnamed_resources: UnnamedResources::LogicalId,
    };
    let resolve = |value: &Value| resolve_with(value, template, &context).value;

    let mut resources = Vec::new();
    for resource in &template.resources {
        let Some(kind) = ResourceKind::from_type(&resource.resource_type.node) else {
            continue;
        };
        let name_property = match kind {
            ResourceKind::Table => "TableName",
            ResourceKind::Bucket => "BucketName",
            ResourceKind::Queue => "QueueName",
            ResourceKind::Topic => "TopicName",
            ResourceKind::Function => "FunctionName",
        };
        let name = match resource.properties.get(name_property).map(&resolve) {
            Some(value) => match value.as_str() {
                Some(name) if !name.contains('*') => name.to_string(),
                _ => {
                    return Err(error_at(
                        value.span,
                        format!(
                            "the {name_property} of `{}` is only known at deployment",
                            resource.logical_id.node
                        ),
                    ));
                }
            },
            None => resource.logical_id.node.clone(),
        };
        let mut indexes = Vec::new();
        for key in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
            for index in resource
                .properties
                .get(key)
                .and_then(Value::as_array)
                .unwrap_or(&[])
            {
                if let Some(index_name) = index.get("IndexName").map(&resolve)
                    && let Some(index_name) = index_name.as_str()
                {
                    indexes.push(index_name.to_string());
                }
            }
        }
        resources.push(AppResource {
            logical_id: resource.logical_id.node.clone(),
            kind,
            name,
            indexes,
            has_stream: resource.properties.get("StreamSpecification").is_some(),
            named: resource.properties.get(name_property).is_some(),
        });
    }

    let mut functions = Vec::new();
    for resource in &template.resources {
        if resources
            .iter()
            .any(|r| r.logical_id == resource.logical_id.node && r.kind == ResourceKind::Function)
        {
            functions.push(read_function(
                template,
                resource,
                &resources,
                &resolve,
                (&account, &region),
            )?);
        }
    }
    Ok(Application {
        account,
        region,
        functions,
        resources,
    })
}

fn read_function(
    template: &Template,
    resource: &Resource,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
) -> Result<Function, ModelError> {
    let logical_id = resource.logical_id.node.clone();
    let name = resources
        .iter()
        .find(|r| r.logical_id == logical_id)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| logical_id.clone());
    let mut function = Function {
        logical_id: logical_id.clone(),
        name,
        routes: Vec::new(),
        needs: Vec::new(),
        to_confirm: Vec::new(),
        ignored: Vec::new(),
    };

    // (a) Declared needs: the author's statement of intent, trusted first.
    if let Some(needs) = resource
        .metadata
        .as_ref()
        .and_then(|m| m.get("leash"))
        .and_then(|m| m.get("needs"))
    {
        let Some(needs) = needs.as_array() else {
            return Err(error_at(
                needs.span,
                format!("`{logical_id}`: Metadata.leash.needs is not a list"),
            ));
        };
        for (index, need) in needs.iter().enumerate() {
            function.needs.extend(read_declared_need(
                &logical_id,
                index,
                need,
                resources,
                (account, region),
            )?);
        }
    }

    // (b) SAM policy templates with a documented mapping to an access level;
    // (c) inline statements, collected apart so they come after (b).
    let mut inline_needs = Vec::new();
    for (policy_index, policy) in resource
        .properties
        .get("Policies")
        .map(policy_items)
        .unwrap_or_default()
        .into_iter()
        .enumerate()
    {
        if let Some(statements) = policy.get("Statement") {
            let located = Located {
                account,
                region,
                resources,
                resolve,
            };
            read_inline_statements(
                policy_index,
                statements,
                &located,
                &mut inline_needs,
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
                    resource: target,
                    access,
                    prefix: None,
                    index: access == Access::Read || access == Access::ReadWrite,
                    actions: Vec::new(),
                    scope: None,
                    source: NeedSource::SamPolicyTemplate {
                        name: template_name.to_string(),
                    },
                }),
                None => function.ignored.push(format!(
                    "`{template_name}` in Policies: its parameter names no table, bucket, queue or topic of the template"
                )),
            }
        }
    }

    function.needs.extend(inline_needs);

    // Events: API routes (for Lambda permissions) and pollers (consume needs).
    let events = resource
        .properties
        .get("Events")
        .and_then(Value::as_object)
        .unwrap_or(&[]);
    for event in events {
        let event_name = event.key.node.clone();
        let event_type = event
            .value
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let properties = event.value.get("Properties");
        let property = |key: &str| properties.and_then(|p| p.get(key));
        match event_type {
            "Api" | "HttpApi" => {
                let api = property(if event_type == "Api" {
                    "RestApiId"
                } else {
                    "ApiId"
                })
                .and_then(reference_target)
                .unwrap_or_else(|| {
                    if event_type == "Api" {
                        "ServerlessRestApi"
                    } else {
                        "ServerlessHttpApi"
                    }
                    .to_string()
                });
                let stage = template
                    .resource(&api)
                    .and_then(|r| r.properties.get("StageName"))
                    .map(resolve)
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_else(|| {
                        if event_type == "Api" {
                            "Prod"
                        } else {
                            "$default"
                        }
                        .to_string()
                    });
                let text = |key: &str, default: &str| {
                    property(key)
                        .map(resolve)
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_else(|| default.to_string())
                };
                function.routes.push(ApiRoute {
                    event: event_name,
                    event_type: event_type.to_string(),
                    api,
                    stage,
                    method: text("Method", "ANY").to_ascii_uppercase(),
                    path: text("Path", "/"),
                });
            }
            "SQS" | "DynamoDB" => {
                let key = if event_type == "SQS" {
                    "Queue"
                } else {
                    "Stream"
                };
                match property(key).and_then(reference_target) {
                    Some(target) if resources.iter().any(|r| r.logical_id == target) => {
                        function.needs.push(Need {
                            resource: target,
                            access: Access::Consume,
                            prefix: None,
                            index: false,
                            actions: Vec::new(),
                            scope: None,
                            source: NeedSource::EventSource { event: event_name },
                        })
                    }
                    _ => function.ignored.push(format!(
                        "event `{event_name}`: its {key} is not a queue or table of the template"
                    )),
                }
            }
            other => function.ignored.push(format!(
                "event `{event_name}` of type `{other}`: not designed yet"
            )),
        }
    }

    // (d) Environment variables that reference a resource: to confirm.
    let variables = resource
        .properties
        .get("Environment")
        .and_then(|e| e.get("Variables"))
        .and_then(Value::as_object)
        .unwrap_or(&[]);
    for variable in variables {
        if let Some(target) = reference_target(&variable.value)
            && resources.iter().any(|r| r.logical_id == target)
        {
            function.to_confirm.push(EnvironmentReference {
                variable: variable.key.node.clone(),
                resource: target,
            });
        }
    }
    Ok(function)
}

struct Located<'a> {
    account: &'a str,
    region: &'a str,
    resources: &'a [AppResource],
    resolve: &'a dyn Fn(&Value) -> Value,
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
    policy_index: usize,
    statements: &Value,
    located: &Located<'_>,
    needs: &mut Vec<Need>,
    ignored: &mut Vec<String>,
) {
    let list: Vec<&Value> = policy_items(statements);
    for (statement_index, statement) in list.into_iter().enumerate() {
        let at = format!("Policies[{policy_index}].Statement[{statement_index}]");
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
        for arn in statement
            .get("Resource")
            .map(|r| strings(r, located.resolve))
            .unwrap_or_default()
        {
            match match_arn(&arn, located) {
                Some((resource, scope, prefix)) => needs.push(Need {
                    resource,
                    access: Access::Listed,
                    prefix,
                    index: scope == Scope::TableIndexes,
                    actions: actions.clone(),
                    scope: Some(scope),
                    source: NeedSource::InlineStatement {
                        policy: policy_index,
                        statement: statement_index,
                    },
                }),
                None => ignored.push(format!(
                    "{at}: resource `{arn}` is not a table, bucket, queue, topic or function of the template"
                )),
            }
        }
    }
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

/// The span of `key`'s value in a mapping, or of the mapping.
fn field_span(value: &Value, key: &str) -> leash_policy::Span {
    value.get(key).map_or(value.span, |v| v.span)
}

fn read_declared_need(
    function: &str,
    index: usize,
    need: &Value,
    resources: &[AppResource],
    (account, region): (&str, &str),
) -> Result<Vec<Need>, ModelError> {
    let at = format!("`{function}`: Metadata.leash.needs[{index}]");
    let resource = need
        .get("resource")
        .and_then(Value::as_str)
        .ok_or_else(|| error_at(need.span, format!("{at} has no `resource`")))?;
    let target = resources
        .iter()
        .find(|r| r.logical_id == resource)
        .ok_or_else(|| {
            error_at(
                field_span(need, "resource"),
                format!("{at}: `{resource}` is not a table, bucket, queue, topic or function of the template"),
            )
        })?;
    let prefix = need
        .get("prefix")
        .and_then(Value::as_str)
        .map(str::to_string);
    if prefix.is_some() && target.kind != ResourceKind::Bucket {
        return Err(error_at(
            field_span(need, "prefix"),
            format!("{at}: `prefix` applies only to buckets"),
        ));
    }
    if prefix
        .as_deref()
        .is_some_and(|p| p.contains('*') || p.contains('?'))
    {
        return Err(error_at(
            field_span(need, "prefix"),
            format!("{at}: `prefix` must not contain wildcards"),
        ));
    }
    let index_flag = matches!(
        need.get("index").map(|v| &v.kind),
        Some(leash_policy::ValueKind::Bool(true))
    );
    if index_flag && target.kind != ResourceKind::Table {
        return Err(error_at(
            field_span(need, "index"),
            format!("{at}: `index` applies only to tables"),
        ));
    }
    let source = NeedSource::Declared { index };
    match (need.get("access"), need.get("actions")) {
        (Some(_), Some(actions)) => Err(error_at(
            actions.span,
            format!("{at}: give either `access` or `actions`, not both"),
        )),
        (None, None) => Err(error_at(
            need.span,
            format!("{at} has neither `access` nor `actions`"),
        )),
        (None, Some(actions)) => {
            let declared = DeclaredActions {
                at: &at,
                target,
                prefix: prefix.as_deref(),
                index: index_flag,
                account,
                region,
            };
            let needs = declared.needs(actions, source)?;
            if index_flag && !needs.iter().any(|n| n.scope == Some(Scope::TableIndexes)) {
                return Err(error_at(
                    field_span(need, "index"),
                    format!("{at}: `index: true` but none of the actions applies to an index"),
                ));
            }
            Ok(needs)
        }
        (Some(access_value), None) => {
            let access_text = access_value.as_str().ok_or_else(|| {
                error_at(access_value.span, format!("{at}: `access` is not a string"))
            })?;
            let access = Access::parse(access_text).ok_or_else(|| {
                error_at(access_value.span, format!(
                    "{at}: unknown access `{access_text}` (expected read, write, read-write, put, delete, invoke, publish or consume)"
                ))
            })?;
            if crate::access::entries(target.kind, access).is_empty() {
                return Err(error_at(
                    access_value.span,
                    format!(
                        "{at}: access `{access_text}` is not defined for a {}",
                        target.kind.as_str()
                    ),
                ));
            }
            Ok(vec![Need {
                resource: resource.to_string(),
                access,
                prefix,
                index: index_flag,
                actions: Vec::new(),
                scope: None,
                source,
            }])
        }
    }
}

/// The service whose actions act on a kind of resource.
pub fn service_of(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Table => "dynamodb",
        ResourceKind::Bucket => "s3",
        ResourceKind::Queue => "sqs",
        ResourceKind::Topic => "sns",
        ResourceKind::Function => "lambda",
    }
}

/// A declared need that lists its actions (`actions: [dynamodb:GetItem]`)
/// instead of an access level, checked against the service authorization
/// catalog: each action must exist, belong to the resource's service and
/// have a resource type that the resource's ARN (or a part of it) is.
struct DeclaredActions<'a> {
    at: &'a str,
    target: &'a AppResource,
    prefix: Option<&'a str>,
    index: bool,
    account: &'a str,
    region: &'a str,
}

impl DeclaredActions<'_> {
    /// One listed need per part of the resource the actions act on (a
    /// bucket and its objects, a table and its indexes), in the order the
    /// parts are first named.
    fn needs(&self, actions: &Value, source: NeedSource) -> Result<Vec<Need>, ModelError> {
        let Some(items) = actions.as_array() else {
            return Err(error_at(
                actions.span,
                format!("{}: `actions` is not a list", self.at),
            ));
        };
        if items.is_empty() {
            return Err(error_at(
                actions.span,
                format!("{}: `actions` is empty", self.at),
            ));
        }
        let mut needs: Vec<Need> = Vec::new();
        for item in items {
            let (action, scope, prefix) = self.action(item)?;
            match needs
                .iter_mut()
                .find(|n| n.scope == Some(scope) && n.prefix == prefix)
            {
                Some(need) => {
                    if !need.actions.contains(&action) {
                        need.actions.push(action);
                    }
                }
                None => needs.push(Need {
                    resource: self.target.logical_id.clone(),
                    access: Access::Listed,
                    prefix,
                    index: scope == Scope::TableIndexes,
                    actions: vec![action],
                    scope: Some(scope),
                    source: source.clone(),
                }),
            }
        }
        Ok(needs)
    }

    /// The canonical action name, the part of the resource it is granted
    /// on, and the prefix that part keeps.
    fn action(&self, item: &Value) -> Result<(String, Scope, Option<String>), ModelError> {
        let at = self.at;
        let text = item
            .as_str()
            .ok_or_else(|| error_at(item.span, format!("{at}: an action is not a string")))?;
        if text.contains('*') || text.contains('?') {
            return Err(error_at(
                item.span,
                format!("{at}: action `{text}` has a wildcard; list the actions one by one"),
            ));
        }
        let catalog = leash_catalog::catalog();
        let action = catalog.action(text).ok_or_else(|| {
            error_at(
                item.span,
                format!("{at}: `{text}` is not an action of the service authorization reference"),
            )
        })?;
        let service = service_of(self.target.kind);
        if action.service() != service {
            return Err(error_at(
                item.span,
                format!(
                    "{at}: `{text}` is not a `{service}` action, and `{}` is a {}",
                    self.target.logical_id,
                    self.target.kind.as_str()
                ),
            ));
        }
        // The parts of the resource the action may be granted on, most
        // specific first: with `index: true` an action that works on
        // indexes is granted on the indexes only (declare a second need
        // without `index` to also grant it on the table).
        let mut candidates: Vec<Scope> = crate::access::scopes(self.target.kind)
            .iter()
            .copied()
            .filter(|scope| *scope != Scope::TableIndexes || self.index)
            .collect();
        candidates.sort_by_key(|scope| *scope != Scope::TableIndexes);
        let applies = |scope: Scope| {
            let arn = crate::access::scope_arn(
                scope,
                &self.target.name,
                self.region,
                self.account,
                self.prefix,
            );
            action.resource_types().iter().any(|resource_type| {
                catalog
                    .service(action.service())
                    .and_then(|s| s.resource_type(resource_type.resource_type()))
                    .is_some_and(|t| t.matches_arn(&arn))
            })
        };
        let scope = candidates.into_iter().find(|scope| applies(*scope)).ok_or_else(|| {
            error_at(
                item.span,
                format!(
                    "{at}: `{text}` has no resource type that `{}` ({}) is; it cannot be granted on it",
                    self.target.logical_id,
                    crate::access::scopes(self.target.kind)
                        .iter()
                        .filter(|s| **s != Scope::TableIndexes || self.index)
                        .map(|s| crate::access::scope_arn(*s, &self.target.name, self.region, self.account, self.prefix))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        // A prefix narrows objects by ARN, and bucket actions only through
        // the `s3:prefix` condition key, which only the listing actions
        // support; a bucket action without the key is granted on the bucket.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-2
        let prefix = match scope {
            Scope::Objects => self.prefix.map(str::to_string),
            Scope::Bucket
                if action
                    .resource_types()
                    .iter()
                    .any(|r| r.condition_keys().contains(&"s3:prefix"))
                    || action.condition_keys().contains(&"s3:prefix") =>
            {
                self.prefix.map(str::to_string)
            }
            _ => None,
        };
        Ok((action.full_name(), scope, prefix))
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
];

fn sam_template_access(name: &str) -> Option<Access> {
    SAM_TEMPLATE_ACCESS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, a)| *a)
}

/// The logical id a `Ref`/`!GetAtt`/`Fn::GetAtt` points at, if any.
fn reference_target(value: &Value) -> Option<String> {
    if let Some(target) = value.get("Ref").and_then(Value::as_str) {
        return Some(target.to_string());
    }
    let attribute = value.get("Fn::GetAtt")?;
    if let Some(text) = attribute.as_str() {
        return text.split('.').next().map(str::to_string);
    }
    attribute.as_array()?.first()?.as_str().map(str::to_string)
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      GlobalSecondaryIndexes:
        - IndexName: ByCustomer
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Receipts:
    Type: AWS::S3::Bucket
    Properties: {BucketName: acme-orders-receipts}
  Jobs:
    Type: AWS::SQS::Queue
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Orders, access: read, index: true}
          - {resource: Receipts, access: put, prefix: receipts/}
    Properties:
      FunctionName: get-order
      Environment:
        Variables:
          TABLE: !Ref Orders
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Orders}
        - AWSLambdaBasicExecutionRole
      Events:
        Get:
          Type: Api
          Properties: {Path: '/orders/{id}', Method: get}
        Work:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn}
"#;

    fn application() -> Application {
        let template = leash_iac::read_template(TEMPLATE).unwrap();
        read_application(&template, &Target::default()).unwrap()
    }

    #[test]
    fn reads_resources_with_names_indexes_and_streams() {
        let app = application();
        let orders = app.resource("Orders").unwrap();
        assert_eq!(orders.name, "Orders");
        assert_eq!(orders.indexes, vec!["ByCustomer".to_string()]);
        assert!(orders.has_stream);
        // No QueueName: the logical id stands for the generated name.
        assert_eq!(app.resource("Jobs").unwrap().name, "Jobs");
        assert_eq!(app.account, "111122223333");
        assert_eq!(app.region, "us-west-2");
    }

    #[test]
    fn needs_come_in_order_of_trust() {
        let app = application();
        let function = &app.functions[0];
        assert_eq!(function.name, "get-order");
        let sources: Vec<String> = function.needs.iter().map(|n| n.source.describe()).collect();
        assert_eq!(
            sources,
            vec![
                "Metadata.leash.needs[0]",
                "Metadata.leash.needs[1]",
                "SAM policy template `DynamoDBCrudPolicy`",
                "event `Work`",
            ]
        );
        assert_eq!(function.needs[1].prefix.as_deref(), Some("receipts/"));
        assert_eq!(function.needs[2].access, Access::ReadWrite);
        assert_eq!(function.needs[3].access, Access::Consume);
        assert_eq!(function.needs[3].resource, "Jobs");
        // A managed policy by name is reported, not designed from.
        assert_eq!(function.ignored.len(), 1);
    }

    #[test]
    fn api_events_become_routes_with_the_implicit_stage() {
        let app = application();
        let route = &app.functions[0].routes[0];
        assert_eq!(route.api, "ServerlessRestApi");
        assert_eq!(route.stage, "Prod");
        assert_eq!(route.method, "GET");
        assert_eq!(route.path, "/orders/{id}");
    }

    #[test]
    fn environment_references_are_to_confirm_not_needs() {
        let app = application();
        let function = &app.functions[0];
        assert_eq!(
            function.to_confirm,
            vec![EnvironmentReference {
                variable: "TABLE".into(),
                resource: "Orders".into()
            }]
        );
    }

    #[test]
    fn inline_statements_on_template_resources_become_listed_needs() {
        let text = TEMPLATE.replace(
            "        - AWSLambdaBasicExecutionRole\n",
            concat!(
                "        - AWSLambdaBasicExecutionRole\n",
                "        - Statement:\n",
                "            - Effect: Allow\n",
                "              Action: [s3:GetObject]\n",
                "              Resource: !Sub 'arn:aws:s3:::${Receipts}/in/*'\n",
                "            - Effect: Allow\n",
                "              Action: dynamodb:Query\n",
                "              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders/index/*\n",
                "            - Effect: Allow\n",
                "              Action: s3:*\n",
                "              Resource: '*'\n",
                "            - Effect: Allow\n",
                "              Action: s3:GetObject\n",
                "              Resource: arn:aws:s3:::someone-elses-bucket/*\n",
            ),
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let function = &app.functions[0];
        let listed: Vec<&Need> = function
            .needs
            .iter()
            .filter(|n| n.access == Access::Listed)
            .collect();
        assert_eq!(listed.len(), 2, "{:#?}", function.needs);
        assert_eq!(listed[0].resource, "Receipts");
        assert_eq!(listed[0].scope, Some(Scope::Objects));
        assert_eq!(listed[0].prefix.as_deref(), Some("in/"));
        assert_eq!(listed[0].actions, vec!["s3:GetObject".to_string()]);
        assert_eq!(listed[1].scope, Some(Scope::TableIndexes));
        assert_eq!(
            listed[1].source,
            NeedSource::InlineStatement {
                policy: 2,
                statement: 1
            }
        );
        // After the SAM template need, before the event need.
        let position = |access: Access| {
            function
                .needs
                .iter()
                .position(|n| n.access == access)
                .unwrap()
        };
        assert!(position(Access::ReadWrite) < position(Access::Listed));
        assert!(position(Access::Listed) < position(Access::Consume));
        // Wildcards and resources outside the template are reported, not granted.
        assert!(
            function
                .ignored
                .iter()
                .any(|i| i.contains("Statement[2]: actions must be written out"))
        );
        assert!(
            function
                .ignored
                .iter()
                .any(|i| i.contains("someone-elses-bucket"))
        );
        // The design grants exactly those and verifies.
        let roles = crate::design::design(&app).unwrap();
        let role = &roles[0];
        assert!(
            role.verified(),
            "{:#?}",
            role.verification
                .iter()
                .filter(|c| !c.passed)
                .collect::<Vec<_>>()
        );
        assert!(role.permissions.iter().any(|p| p.action == "s3:GetObject"
            && p.resource == "arn:aws:s3:::acme-orders-receipts/in/*"));
    }

    #[test]
    fn rejects_unknown_access_and_misplaced_prefix() {
        let bad = TEMPLATE.replace("access: put, prefix", "access: scan, prefix");
        let template = leash_iac::read_template(&bad).unwrap();
        let message = read_application(&template, &Target::default())
            .unwrap_err()
            .message;
        assert!(message.contains("unknown access `scan`"), "{message}");
        let bad = TEMPLATE.replace("access: read, index: true", "access: read, prefix: x/");
        let template = leash_iac::read_template(&bad).unwrap();
        let message = read_application(&template, &Target::default())
            .unwrap_err()
            .message;
        assert!(
            message.contains("`prefix` applies only to buckets"),
            "{message}"
        );
    }

    fn declared(needs: &str) -> Result<Vec<Need>, ModelError> {
        let text = TEMPLATE.replace(
            "          - {resource: Orders, access: read, index: true}\n          - {resource: Receipts, access: put, prefix: receipts/}\n",
            needs,
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default())?;
        Ok(app.functions[0]
            .needs
            .iter()
            .filter(|n| matches!(n.source, NeedSource::Declared { .. }))
            .cloned()
            .collect())
    }

    /// The text an error's span covers in the template the error came from.
    fn declared_error(needs: &str) -> (String, String) {
        let text = TEMPLATE.replace(
            "          - {resource: Orders, access: read, index: true}\n          - {resource: Receipts, access: put, prefix: receipts/}\n",
            needs,
        );
        let template = leash_iac::read_template(&text).unwrap();
        let error = read_application(&template, &Target::default()).unwrap_err();
        let span = error.span.unwrap();
        (error.message, text[span.start..span.end].to_string())
    }

    #[test]
    fn declared_actions_become_listed_needs_scoped_by_resource_type() {
        let needs =
            declared("          - {resource: Orders, actions: [dynamodb:getitem]}\n").unwrap();
        assert_eq!(needs.len(), 1);
        assert_eq!(needs[0].access, Access::Listed);
        // The catalog's spelling, whatever the case written.
        assert_eq!(needs[0].actions, vec!["dynamodb:GetItem".to_string()]);
        assert_eq!(needs[0].scope, Some(Scope::Table));

        // `index: true`: what works on an index goes to the indexes only.
        let needs = declared(
            "          - {resource: Orders, actions: [dynamodb:Query, dynamodb:GetItem], index: true}\n",
        )
        .unwrap();
        let scoped: Vec<(Option<Scope>, Vec<String>)> =
            needs.iter().map(|n| (n.scope, n.actions.clone())).collect();
        assert_eq!(
            scoped,
            vec![
                (
                    Some(Scope::TableIndexes),
                    vec!["dynamodb:Query".to_string()]
                ),
                (Some(Scope::Table), vec!["dynamodb:GetItem".to_string()]),
            ]
        );

        // Stream actions have only the stream resource type.
        let needs =
            declared("          - {resource: Orders, actions: [dynamodb:GetRecords]}\n").unwrap();
        assert_eq!(needs[0].scope, Some(Scope::TableStreams));

        // Objects under the prefix; ListBucket on the bucket keeps the
        // prefix (as an `s3:prefix` condition); GetBucketLocation, which
        // has no `s3:prefix` key, is on the bucket without it.
        let needs = declared(
            "          - {resource: Receipts, actions: [s3:GetObject, s3:ListBucket, s3:GetBucketLocation], prefix: in/}\n",
        )
        .unwrap();
        let scoped: Vec<(Option<Scope>, Option<String>, Vec<String>)> = needs
            .iter()
            .map(|n| (n.scope, n.prefix.clone(), n.actions.clone()))
            .collect();
        assert_eq!(
            scoped,
            vec![
                (
                    Some(Scope::Objects),
                    Some("in/".to_string()),
                    vec!["s3:GetObject".to_string()]
                ),
                (
                    Some(Scope::Bucket),
                    Some("in/".to_string()),
                    vec!["s3:ListBucket".to_string()]
                ),
                (
                    Some(Scope::Bucket),
                    None,
                    vec!["s3:GetBucketLocation".to_string()]
                ),
            ]
        );
    }

    #[test]
    fn declared_actions_that_cannot_apply_are_errors_at_the_action() {
        let cases = [
            // A wildcard.
            ("[dynamodb:Get*]", "dynamodb:Get*", "has a wildcard"),
            // Not in the catalog.
            (
                "[dynamodb:GetItems]",
                "dynamodb:GetItems",
                "is not an action",
            ),
            // Another service's action.
            (
                "[dynamodb:GetItem, s3:GetObject]",
                "s3:GetObject",
                "is not a `dynamodb` action",
            ),
            // No resource type: only `Resource: \"*\"` grants it.
            (
                "[dynamodb:ListTables]",
                "dynamodb:ListTables",
                "has no resource type",
            ),
            // Works on a backup, not on the table.
            (
                "[dynamodb:DeleteBackup]",
                "dynamodb:DeleteBackup",
                "has no resource type",
            ),
        ];
        for (actions, offending, message) in cases {
            let (error, spanned) = declared_error(&format!(
                "          - {{resource: Orders, actions: {actions}}}\n"
            ));
            assert!(error.contains(message), "{actions}: {error}");
            assert_eq!(spanned, offending, "{actions}: {error}");
        }
        let (error, spanned) = declared_error(
            "          - {resource: Orders, access: read, actions: [dynamodb:GetItem]}\n",
        );
        assert!(error.contains("either `access` or `actions`"), "{error}");
        assert_eq!(spanned, "[dynamodb:GetItem]");
        let (error, _) = declared_error("          - {resource: Orders}\n");
        assert!(error.contains("neither `access` nor `actions`"), "{error}");
        let (error, spanned) = declared_error(
            "          - {resource: Orders, actions: [dynamodb:GetItem], index: true}\n",
        );
        assert!(
            error.contains("none of the actions applies to an index"),
            "{error}"
        );
        assert_eq!(spanned, "true");
    }

    #[test]
    fn requires_an_account_and_region() {
        let text = TEMPLATE.replace(
            "  leash: {account: '111122223333', region: us-west-2}\n",
            "  other: 1\n",
        );
        let template = leash_iac::read_template(&text).unwrap();
        assert!(read_application(&template, &Target::default()).is_err());
        let target = Target {
            account: Some("444455556666".into()),
            region: Some("eu-west-1".into()),
        };
        let app = read_application(&template, &target).unwrap();
        assert_eq!(app.account, "444455556666");
    }
}
