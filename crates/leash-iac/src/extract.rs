//! Finds every IAM policy in a template, resolved and with spans.
//!
//! For: [`extract_policies`] (policy documents: written ones, SAM policy
//! templates expanded, and the ones SAM or Lambda create implicitly) and
//! [`extract_managed_policy_references`] (managed policy ARNs and
//! permissions boundaries attached by reference). Not for: judging the
//! policies (`leash-lint`) or designing new ones (`leash-design`).
//!
//! Where a policy is synthesized, its nodes carry the span of the template
//! text that causes it, so a diagnostic still points at something the user
//! wrote: the function's logical id for SAM's generated trust policy, the
//! `Principal`/`Action`/`SourceArn` properties for an
//! `AWS::Lambda::Permission`, the template entry for an expanded SAM policy
//! template.

mod api_resource_policy;
mod connectors;
mod openapi_resource_policy;

use std::collections::HashMap;

use leash_policy::arn::LambdaFunction;
use leash_policy::json::JsonError;
use leash_policy::{Member, Span, Spanned, Value, ValueKind};

use crate::resolve::{
    ResolveContext, UnresolvedIntrinsic, condition_value, resolve_with, resolve_with_parameters,
};
use crate::sam_policy_templates::policy_template;
use crate::template::{Resource, Template, TemplateFormat};

/// The network interface actions SAM grants on `*` for a self-managed
/// Kafka event source in a VPC and for a DocumentDB event source.
const VPC_ENI_ACTIONS: &[&str] = &[
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DeleteNetworkInterface",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
];

/// What a policy document is attached to, in IAM's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Grants permissions to a role, user or group.
    Identity,
    /// Attached to a resource (bucket, queue, topic, table, function, key).
    Resource,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// A permissions boundary.
    Boundary,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
            PolicyKind::Boundary => "boundary",
        }
    }
}

/// Where a policy document came from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PolicyOrigin {
    /// Written in the template as a policy document.
    Written,
    /// A SAM policy template (`DynamoDBCrudPolicy: {TableName: ...}`), expanded.
    SamPolicyTemplate { name: String },
    /// The trust policy of the execution role SAM generates for a function
    /// or state machine without `Role`.
    SamGeneratedTrust,
    /// The statement SAM adds for a function's `DeadLetterQueue`.
    SamDeadLetterQueue,
    /// The statements SAM adds for a destination of a function's
    /// `EventInvokeConfig` (`OnSuccess` or `OnFailure`).
    SamEventInvokeDestination,
    /// The statements SAM adds for a pull event (`MQ`'s broker and
    /// credentials, an `OnFailure` destination of a stream or queue event).
    SamEventSource,
    /// The policies of the role SAM generates for a `ScheduleV2` event, or
    /// a state machine's `Schedule` event, without `RoleArn`
    /// (`eventbridge::SamEvent`).
    SamEventRole,
    /// The resource-policy statement equivalent to an `AWS::Lambda::Permission`.
    LambdaPermission,
    /// What a SAM connector (`AWS::Serverless::Connector` or embedded
    /// `Connectors`) deploys, from SAM's connector profiles.
    SamConnector,
}

/// One policy document found in a template.
#[derive(Clone, Debug, PartialEq)]
pub struct EmbeddedPolicy {
    /// Logical id of the resource that holds (or causes) the policy.
    pub resource_id: String,
    pub resource_type: String,
    /// Where in the resource, e.g. `Properties.Policies[0].PolicyDocument`.
    pub path: String,
    pub kind: PolicyKind,
    pub origin: PolicyOrigin,
    /// The policy, intrinsics resolved (see `resolve`), spans into the template.
    pub document: Value,
    /// Span of the text the policy was read from or synthesized for.
    pub span: Span,
    /// Roles the policy applies to (identity, trust, boundary): logical ids,
    /// including SAM's generated `<Function>Role`, or names as written when
    /// the role is not in the template.
    pub attached_roles: Vec<String>,
    pub attached_users: Vec<String>,
    pub attached_groups: Vec<String>,
    /// Functions (and state machines) whose execution role gets the policy,
    /// or, for a Lambda permission, the function it governs.
    pub attached_functions: Vec<String>,
    /// For resource policies: the resources governed (logical ids or names).
    pub target_resources: Vec<String>,
    /// Intrinsics in the policy that were approximated.
    pub unresolved: Vec<UnresolvedIntrinsic>,
    /// For a policy written as a JSON string (`AWS::Logs::ResourcePolicy`,
    /// a `KeyPolicy` string, ...) that is not valid JSON: the error, its
    /// span in the template. `document` is then the string as written.
    pub syntax_error: Option<JsonError>,
}

/// A managed policy or permissions boundary attached by ARN or name.
#[derive(Clone, Debug, PartialEq)]
pub struct ManagedPolicyReference {
    pub resource_id: String,
    pub resource_type: String,
    pub path: String,
    /// [`PolicyKind::Identity`] or [`PolicyKind::Boundary`].
    pub kind: PolicyKind,
    /// The ARN (resolved; a SAM policy name is turned into its AWS managed
    /// policy ARN as SAM does), or `*` where unknown.
    pub arn: Value,
    /// The logical id when the ARN is a `Ref` to an `AWS::IAM::ManagedPolicy`
    /// of the template.
    pub managed_policy_id: Option<String>,
    pub attached_roles: Vec<String>,
    pub attached_functions: Vec<String>,
    /// Whether SAM adds it implicitly (e.g. `AWSLambdaBasicExecutionRole`).
    pub implicit: bool,
}

/// Extracts every policy document, with an empty [`ResolveContext`].
pub fn extract_policies(template: &Template) -> Vec<EmbeddedPolicy> {
    extract_policies_with(template, &ResolveContext::default())
}

/// Extracts every policy document, resolving with `context`.
pub fn extract_policies_with(template: &Template, context: &ResolveContext) -> Vec<EmbeddedPolicy> {
    extract_all_with(template, context).0
}

/// Extracts every managed policy and permissions boundary attached by
/// reference, with an empty [`ResolveContext`].
pub fn extract_managed_policy_references(template: &Template) -> Vec<ManagedPolicyReference> {
    extract_managed_policy_references_with(template, &ResolveContext::default())
}

/// Extracts every managed policy and permissions boundary attached by
/// reference, resolving with `context`.
pub fn extract_managed_policy_references_with(
    template: &Template,
    context: &ResolveContext,
) -> Vec<ManagedPolicyReference> {
    extract_all_with(template, context).1
}

/// [`extract_policies_with`] and [`extract_managed_policy_references_with`]
/// in one walk of the template (each of them walks it whole).
pub fn extract_all_with(
    template: &Template,
    context: &ResolveContext,
) -> (Vec<EmbeddedPolicy>, Vec<ManagedPolicyReference>) {
    let mut extractor = Extractor::new(template, context);
    for resource in &template.resources {
        extractor.resource(resource);
    }
    (extractor.policies, extractor.references)
}

const POLICY_VERSION: &str = "2012-10-17";

struct Extractor<'a> {
    template: &'a Template,
    context: &'a ResolveContext,
    /// Role logical id -> functions that use it as their execution role.
    functions_by_role: HashMap<String, Vec<String>>,
    policies: Vec<EmbeddedPolicy>,
    references: Vec<ManagedPolicyReference>,
}

impl<'a> Extractor<'a> {
    fn new(template: &'a Template, context: &'a ResolveContext) -> Self {
        let mut functions_by_role: HashMap<String, Vec<String>> = HashMap::new();
        for resource in &template.resources {
            // A delivery or data principal (`delivery`): the role its
            // configuration names, when it names one role.
            let delivery = crate::delivery::role_paths(resource);
            if !delivery.is_empty() {
                let mut roles: Vec<String> = delivery
                    .iter()
                    .filter_map(|p| referenced_id(p.value, template))
                    .collect();
                roles.sort();
                roles.dedup();
                if let [role] = roles.as_slice() {
                    functions_by_role
                        .entry(role.clone())
                        .or_default()
                        .push(resource.logical_id.node.clone());
                }
                continue;
            }
            // Functions, state machines, and EventBridge principals (a
            // pipe, a schedule, a rule's targets): what runs as the role.
            let written = crate::eventbridge::role_values(resource);
            let mut roles: Vec<String> = written
                .iter()
                .filter_map(|role| referenced_id(role, template))
                .collect();
            if written.is_empty()
                && matches!(
                    resource.resource_type.node.as_str(),
                    "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
                )
            {
                roles.push(format!("{}Role", resource.logical_id.node));
            }
            roles.dedup();
            for role in roles {
                let principals = functions_by_role.entry(role).or_default();
                if !principals.contains(&resource.logical_id.node) {
                    principals.push(resource.logical_id.node.clone());
                }
            }
            // A SAM schedule's or rule's `RoleArn`: the schedule or rule
            // (`<Resource><Event>`) runs as that role.
            for event in crate::eventbridge::sam_events(resource) {
                let Some(role) = event.role.and_then(|r| referenced_id(r, template)) else {
                    continue;
                };
                let principals = functions_by_role.entry(role).or_default();
                if !principals.contains(&event.principal) {
                    principals.push(event.principal);
                }
            }
        }
        Extractor {
            template,
            context,
            functions_by_role,
            policies: Vec::new(),
            references: Vec::new(),
        }
    }

    fn base(
        &self,
        resource: &Resource,
        path: String,
        kind: PolicyKind,
        origin: PolicyOrigin,
    ) -> EmbeddedPolicy {
        EmbeddedPolicy {
            resource_id: resource.logical_id.node.clone(),
            resource_type: resource.resource_type.node.clone(),
            path,
            kind,
            origin,
            document: Value::new(ValueKind::Null, resource.span),
            span: resource.span,
            attached_roles: Vec::new(),
            attached_users: Vec::new(),
            attached_groups: Vec::new(),
            attached_functions: Vec::new(),
            target_resources: Vec::new(),
            unresolved: Vec::new(),
            syntax_error: None,
        }
    }

    /// A policy document written at `path` (relative to `Properties`).
    fn written(
        &mut self,
        resource: &Resource,
        document: &Value,
        path: String,
        kind: PolicyKind,
    ) -> EmbeddedPolicy {
        let resolution = resolve_with(document, self.template, self.context);
        let mut policy = self.base(resource, path, kind, PolicyOrigin::Written);
        policy.span = document.span;
        policy.document = resolution.value;
        if self.template.format == TemplateFormat::Yaml {
            policy.document = stringify_identifiers(policy.document);
        }
        policy.unresolved = resolution.unresolved;
        policy
    }

    fn resource(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        if self.template.is_sam {
            self.embedded_connectors(resource);
        }
        match resource.resource_type.node.as_str() {
            "AWS::Serverless::Connector" => self.connector_resource(resource),
            "AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group" => self.principal(resource),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy" => {
                if let Some(document) = properties.get("PolicyDocument") {
                    let mut policy = self.written(
                        resource,
                        document,
                        "Properties.PolicyDocument".into(),
                        PolicyKind::Identity,
                    );
                    policy.attached_roles = self.ids(properties.get("Roles"));
                    policy.attached_users = self.ids(properties.get("Users"));
                    policy.attached_groups = self.ids(properties.get("Groups"));
                    if resource.resource_type.node == "AWS::IAM::ManagedPolicy" {
                        for (role, _) in
                            self.roles_attaching_managed_policy(&resource.logical_id.node)
                        {
                            if !policy.attached_roles.contains(&role) {
                                policy.attached_roles.push(role);
                            }
                        }
                    }
                    policy.attached_functions = self.functions_of(&policy.attached_roles);
                    self.policies.push(policy);
                }
            }
            "AWS::Lambda::Permission" => self.lambda_permission(resource),
            "AWS::S3::BucketPolicy" => {
                self.resource_policy(resource, "PolicyDocument", &["Bucket"])
            }
            "AWS::SQS::QueuePolicy" => {
                self.resource_policy(resource, "PolicyDocument", &["Queues"])
            }
            "AWS::SNS::TopicPolicy" => {
                self.resource_policy(resource, "PolicyDocument", &["Topics"])
            }
            "AWS::SecretsManager::ResourcePolicy" => {
                self.resource_policy(resource, "ResourcePolicy", &["SecretId"])
            }
            "AWS::KMS::Key" => self.resource_policy(resource, "KeyPolicy", &[]),
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-logs-resourcepolicy.html
            // (a JSON string; the account's policy for CloudWatch Logs)
            "AWS::Logs::ResourcePolicy" => self.resource_policy(resource, "PolicyDocument", &[]),
            "AWS::Events::EventBusPolicy" => self.event_bus_policy(resource),
            "AWS::Lambda::LayerVersionPermission" => self.layer_version_permission(resource),
            "AWS::ApiGateway::RestApi" => {
                self.resource_policy(resource, "Policy", &[]);
                self.openapi_resource_policy(resource, "Body");
            }
            "AWS::OpenSearchService::Domain" | "AWS::Elasticsearch::Domain" => {
                self.resource_policy(resource, "AccessPolicies", &[])
            }
            "AWS::ECR::Repository" => self.resource_policy(resource, "RepositoryPolicyText", &[]),
            "AWS::DynamoDB::Table" => {
                // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-resourcepolicy.html
                for (path, holder) in [
                    ("ResourcePolicy", properties.get("ResourcePolicy")),
                    (
                        "StreamSpecification.ResourcePolicy",
                        properties
                            .get("StreamSpecification")
                            .and_then(|s| s.get("ResourcePolicy")),
                    ),
                ] {
                    if let Some(document) = holder.and_then(|h| h.get("PolicyDocument")) {
                        let mut policy = self.written(
                            resource,
                            document,
                            format!("Properties.{path}.PolicyDocument"),
                            PolicyKind::Resource,
                        );
                        policy.target_resources = vec![resource.logical_id.node.clone()];
                        self.policies.push(policy);
                    }
                }
            }
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                if resource.resource_type.node == "AWS::Serverless::Function" {
                    self.api_event_resource_policies(resource);
                }
                self.serverless(resource)
            }
            "AWS::Serverless::Api" => {
                self.serverless_api_resource_policy(resource);
                self.openapi_resource_policy(resource, "DefinitionBody");
            }
            _ => {}
        }
    }

    /// `AWS::IAM::Role`, `User`, `Group`: inline policies, trust, managed
    /// policies and boundary.
    fn principal(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        let id = resource.logical_id.node.clone();
        let (roles, users, groups) = match resource.resource_type.node.as_str() {
            "AWS::IAM::Role" => (vec![id.clone()], vec![], vec![]),
            "AWS::IAM::User" => (vec![], vec![id.clone()], vec![]),
            _ => (vec![], vec![], vec![id.clone()]),
        };
        let functions = self.functions_of(&roles);
        if let Some(document) = properties.get("AssumeRolePolicyDocument") {
            let mut policy = self.written(
                resource,
                document,
                "Properties.AssumeRolePolicyDocument".into(),
                PolicyKind::Trust,
            );
            policy.attached_roles = roles.clone();
            policy.attached_functions = functions.clone();
            self.policies.push(policy);
        }
        for (index, entry) in self.list_entries(properties.get("Policies")) {
            let Some(document) = entry.get("PolicyDocument") else {
                continue;
            };
            let mut policy = self.written(
                resource,
                document,
                format!("Properties.Policies[{index}].PolicyDocument"),
                PolicyKind::Identity,
            );
            policy.attached_roles = roles.clone();
            policy.attached_users = users.clone();
            policy.attached_groups = groups.clone();
            policy.attached_functions = functions.clone();
            self.policies.push(policy);
        }
        for (index, arn) in self.list_entries(properties.get("ManagedPolicyArns")) {
            self.reference(
                resource,
                format!("Properties.ManagedPolicyArns[{index}]"),
                PolicyKind::Identity,
                &arn,
                &roles,
                &functions,
                false,
            );
        }
        if let Some(boundary) = properties.get("PermissionsBoundary") {
            self.reference(
                resource,
                "Properties.PermissionsBoundary".into(),
                PolicyKind::Boundary,
                boundary,
                &roles,
                &functions,
                false,
            );
        }
    }

    fn resource_policy(&mut self, resource: &Resource, property: &str, targets: &[&str]) {
        let Some(document) = resource.properties.get(property) else {
            return;
        };
        let Some(mut policy) = self.policy_property(
            resource,
            document,
            format!("Properties.{property}"),
            PolicyKind::Resource,
        ) else {
            return;
        };
        policy.target_resources = if targets.is_empty() {
            vec![resource.logical_id.node.clone()]
        } else {
            targets
                .iter()
                .flat_map(|t| self.ids(resource.properties.get(t)))
                .collect()
        };
        self.policies.push(policy);
    }

    /// A policy property that CloudFormation types as JSON: an object
    /// (read like any written policy), or a JSON *string*, `Fn::Sub` of
    /// one (the `${...}` inside its strings resolved after parsing), or
    /// another intrinsic that produces one (parsed once resolved, spans on
    /// the intrinsic). `None` for anything else.
    fn policy_property(
        &mut self,
        resource: &Resource,
        value: &Value,
        path: String,
        kind: PolicyKind,
    ) -> Option<EmbeddedPolicy> {
        if value.as_object().is_some() && !crate::template::is_intrinsic(value) {
            return Some(self.written(resource, value, path, kind));
        }
        let source = self.template.source.as_deref();
        let mut policy = self.base(resource, path, kind, PolicyOrigin::Written);
        policy.span = value.span;
        let parsed = match &value.kind {
            ValueKind::String(_) => crate::policy_string::parse_string_policy(source, value)?,
            _ => match value.as_object() {
                Some([member]) if member.key.node == "Fn::Sub" => {
                    let (text, variables) = match &member.value.kind {
                        ValueKind::String(_) => (&member.value, None),
                        ValueKind::Array(items) => (items.first()?, items.get(1)),
                        _ => return None,
                    };
                    let parsed = crate::policy_string::parse_string_policy(source, text)?;
                    parsed.map(|document| {
                        let mut unresolved = Vec::new();
                        let document = self.substitute(document, variables, &mut unresolved);
                        policy.unresolved = unresolved;
                        document
                    })
                }
                _ => {
                    let resolution = resolve_with(value, self.template, self.context);
                    if resolution.value.as_str().is_none() {
                        // `Fn::If` between two documents, and the like.
                        return Some(self.written(resource, value, policy.path, kind));
                    }
                    policy.unresolved = resolution.unresolved;
                    let mut text = resolution.value;
                    text.span = value.span;
                    crate::policy_string::parse_string_policy(None, &text)?
                }
            },
        };
        match parsed {
            Ok(document) => policy.document = document,
            // Text that is only known at deployment (`Fn::ImportValue`, a
            // parameter without a default) is not the author's JSON.
            Err(_)
                if !policy.unresolved.is_empty() && !matches!(value.kind, ValueKind::String(_)) =>
            {
                return None;
            }
            Err(error) => {
                policy.document = value.clone();
                policy.syntax_error = Some(error);
            }
        }
        Some(policy)
    }

    /// Resolves every string of a policy parsed from a `Fn::Sub` template
    /// as that `Fn::Sub` would (`${Bucket.Arn}`, `${AWS::AccountId}`, the
    /// variables of the list form), keeping each string's span.
    fn substitute(
        &self,
        mut document: Value,
        variables: Option<&Value>,
        unresolved: &mut Vec<UnresolvedIntrinsic>,
    ) -> Value {
        match &mut document.kind {
            ValueKind::String(text) if text.contains("${") => {
                let span = document.span;
                let argument = match variables {
                    Some(variables) => array(span, vec![string(span, text), variables.clone()]),
                    None => string(span, text),
                };
                let sub = object(span, vec![("Fn::Sub", argument)]);
                let resolution = resolve_with(&sub, self.template, self.context);
                unresolved.extend(resolution.unresolved);
                let mut value = resolution.value;
                value.span = span;
                return value;
            }
            ValueKind::Array(items) => {
                let taken = std::mem::take(items);
                *items = taken
                    .into_iter()
                    .map(|item| self.substitute(item, variables, unresolved))
                    .collect();
            }
            ValueKind::Object(members) => {
                for member in members.iter_mut() {
                    let value = std::mem::replace(
                        &mut member.value,
                        Value::new(ValueKind::Null, member.key.span),
                    );
                    member.value = self.substitute(value, variables, unresolved);
                }
            }
            _ => {}
        }
        document
    }

    /// `AWS::Events::EventBusPolicy`
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-events-eventbuspolicy.html>):
    /// `Statement` is one statement of the bus's resource policy; the older
    /// `Principal`/`Action`/`Condition` form is the statement EventBridge's
    /// `PutPermission` adds
    /// (<https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutPermission.html>):
    /// `Principal` an account id (or `*`), `Action` (`events:PutEvents`),
    /// `Resource` the bus (default bus without `EventBusName`), and
    /// `Condition {Type, Key, Value}` as `{Type: {Key: Value}}`.
    fn event_bus_policy(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        let bus = properties
            .get("EventBusName")
            .map(|b| resolve_with(b, self.template, self.context).value);
        let bus_name = bus
            .as_ref()
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| "default".to_string());
        let bus_id = properties
            .get("EventBusName")
            .and_then(|b| referenced_id(b, self.template))
            .filter(|id| self.template.resource(id).is_some());
        let targets = vec![bus_id.unwrap_or_else(|| bus_name.clone())];
        if let Some(statement) = properties.get("Statement") {
            let Some(mut policy) = self.policy_property(
                resource,
                statement,
                "Properties.Statement".into(),
                PolicyKind::Resource,
            ) else {
                return;
            };
            if policy.syntax_error.is_none() {
                let span = policy.document.span;
                let statement =
                    std::mem::replace(&mut policy.document, Value::new(ValueKind::Null, span));
                policy.document = policy_document(span, vec![statement]);
            }
            policy.target_resources = targets;
            self.policies.push(policy);
            return;
        }
        let span = resource.logical_id.span;
        let mut unresolved = Vec::new();
        let mut resolve = |value: &Value| {
            let resolution = resolve_with(value, self.template, self.context);
            unresolved.extend(resolution.unresolved);
            resolution.value
        };
        let Some(principal) = properties.get("Principal").map(&mut resolve) else {
            return;
        };
        let action = properties.get("Action").map(&mut resolve);
        let condition = properties.get("Condition").map(&mut resolve);
        let statement_id = properties.get("StatementId").map(&mut resolve);
        let partition = self.context.partition.as_deref().unwrap_or("aws");
        let region = self.context.region.as_deref().unwrap_or("*");
        let account = self.context.account.as_deref().unwrap_or("*");
        let bus_arn = if bus_name.starts_with("arn:") {
            bus_name.clone()
        } else {
            format!("arn:{partition}:events:{region}:{account}:event-bus/{bus_name}")
        };
        let bus_span = properties.get("EventBusName").map_or(span, |b| b.span);
        let principal = if principal.as_str() == Some("*") {
            principal
        } else {
            object(principal.span, vec![("AWS", principal.clone())])
        };
        let mut statement = vec![
            (
                "Sid",
                statement_id.unwrap_or_else(|| string(span, &sid(&resource.logical_id.node))),
            ),
            ("Effect", string(span, "Allow")),
            ("Principal", principal),
        ];
        if let Some(action) = action {
            statement.push(("Action", action));
        }
        statement.push(("Resource", string(bus_span, &bus_arn)));
        if let Some(condition) = condition {
            let parts = ["Type", "Key", "Value"].map(|k| condition.get(k).cloned());
            if let [Some(operator), Some(key), Some(value)] = parts
                && let (Some(operator), Some(key)) = (operator.as_str(), key.as_str())
            {
                statement.push((
                    "Condition",
                    object(
                        condition.span,
                        vec![(operator, object(condition.span, vec![(key, value)]))],
                    ),
                ));
            }
        }
        let mut policy = self.base(
            resource,
            "Properties".into(),
            PolicyKind::Resource,
            PolicyOrigin::Written,
        );
        policy.document = policy_document(span, vec![object(resource.span, statement)]);
        policy.unresolved = unresolved;
        policy.target_resources = targets;
        self.policies.push(policy);
    }

    /// `AWS::Lambda::LayerVersionPermission` as the statement Lambda adds
    /// to the layer version's resource-based policy
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-layerversionpermission.html>,
    /// <https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html#permissions-resource-xaccountlayer>):
    /// `Principal` an account id (`{"AWS": id}`) or `*`, `Action`
    /// (`lambda:GetLayerVersion`), `Resource` the layer version ARN, and
    /// `OrganizationId` as `StringEquals aws:PrincipalOrgID`.
    fn layer_version_permission(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        let span = resource.logical_id.span;
        let mut unresolved = Vec::new();
        let mut resolve = |value: &Value| {
            let resolution = resolve_with(value, self.template, self.context);
            unresolved.extend(resolution.unresolved);
            resolution.value
        };
        let principal = properties.get("Principal").map(&mut resolve);
        let action = properties.get("Action").map(&mut resolve);
        let layer = properties.get("LayerVersionArn").map(&mut resolve);
        let organization = properties.get("OrganizationId").map(&mut resolve);
        let mut statement = vec![
            ("Sid", string(span, &sid(&resource.logical_id.node))),
            ("Effect", string(span, "Allow")),
        ];
        if let Some(principal) = principal {
            let principal = if principal.as_str() == Some("*") {
                principal
            } else {
                object(principal.span, vec![("AWS", principal.clone())])
            };
            statement.push(("Principal", principal));
        }
        if let Some(action) = action {
            statement.push(("Action", action));
        }
        if let Some(layer) = layer {
            statement.push(("Resource", layer));
        }
        if let Some(organization) = organization {
            let condition_span = organization.span;
            statement.push((
                "Condition",
                object(
                    condition_span,
                    vec![(
                        "StringEquals",
                        object(condition_span, vec![("aws:PrincipalOrgID", organization)]),
                    )],
                ),
            ));
        }
        let mut policy = self.base(
            resource,
            "Properties".into(),
            PolicyKind::Resource,
            PolicyOrigin::LambdaPermission,
        );
        policy.document = policy_document(span, vec![object(resource.span, statement)]);
        policy.unresolved = unresolved;
        policy.target_resources = self.ids(properties.get("LayerVersionArn"));
        self.policies.push(policy);
    }

    /// `AWS::Lambda::Permission` as the statement Lambda adds to the
    /// function's resource-based policy:
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-lambda-permission.html>,
    /// <https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>.
    /// `SourceArn` becomes `ArnLike aws:SourceArn`, `SourceAccount`
    /// `StringEquals aws:SourceAccount`, `PrincipalOrgID`
    /// `StringEquals aws:PrincipalOrgID`, `FunctionUrlAuthType`
    /// `StringEquals lambda:FunctionUrlAuthType`.
    fn lambda_permission(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        let span = resource.logical_id.span;
        let mut unresolved = Vec::new();
        let mut resolve = |value: &Value| {
            let resolution = resolve_with(value, self.template, self.context);
            unresolved.extend(resolution.unresolved);
            resolution.value
        };
        let principal = properties.get("Principal").map(&mut resolve);
        let action = properties.get("Action").map(&mut resolve);
        let function = properties.get("FunctionName").map(&mut resolve);
        let mut conditions: Vec<(&str, &str, Value)> = Vec::new();
        for (property, operator, key) in [
            ("SourceArn", "ArnLike", "aws:SourceArn"),
            ("SourceAccount", "StringEquals", "aws:SourceAccount"),
            ("PrincipalOrgID", "StringEquals", "aws:PrincipalOrgID"),
            (
                "FunctionUrlAuthType",
                "StringEquals",
                "lambda:FunctionUrlAuthType",
            ),
        ] {
            if let Some(value) = properties.get(property) {
                conditions.push((operator, key, resolve(value)));
            }
        }
        let principal = principal.map(|p| {
            let text = p.as_str().unwrap_or("*").to_string();
            if text == "*" {
                p
            } else {
                let kind =
                    if text.ends_with(".amazonaws.com") || text.ends_with(".amazonaws.com.cn") {
                        "Service"
                    } else {
                        "AWS"
                    };
                object(p.span, vec![(kind, p.clone())])
            }
        });
        let function_arn = function.map(|f| match f.as_str() {
            Some(text) if text.starts_with("arn:") => f.clone(),
            Some(text) => {
                let partition = self.context.partition.as_deref().unwrap_or("aws");
                let region = self.context.region.as_deref().unwrap_or("*");
                let account = self.context.account.as_deref().unwrap_or("*");
                // A bare name or an `account:function:name` partial ARN,
                // either with an optional `:qualifier`.
                let function = match LambdaFunction::from_reference(text) {
                    Some(LambdaFunction {
                        name,
                        qualifier: Some(qualifier),
                    }) => format!("{name}:{qualifier}"),
                    Some(LambdaFunction { name, .. }) => name.to_string(),
                    None => text.to_string(),
                };
                string(
                    f.span,
                    &format!("arn:{partition}:lambda:{region}:{account}:function:{function}"),
                )
            }
            None => string(f.span, "*"),
        });
        let mut statement = vec![
            ("Sid", string(span, &sid(&resource.logical_id.node))),
            ("Effect", string(span, "Allow")),
        ];
        if let Some(principal) = principal {
            statement.push(("Principal", principal));
        }
        if let Some(action) = action {
            statement.push(("Action", action));
        }
        if let Some(function_arn) = function_arn {
            statement.push(("Resource", function_arn));
        }
        if !conditions.is_empty() {
            let mut by_operator: Vec<(&str, Vec<(&str, Value)>)> = Vec::new();
            for (operator, key, value) in conditions {
                match by_operator.iter_mut().find(|(o, _)| *o == operator) {
                    Some((_, entries)) => entries.push((key, value)),
                    None => by_operator.push((operator, vec![(key, value)])),
                }
            }
            let blocks = by_operator
                .into_iter()
                .map(|(operator, entries)| (operator, object(span, entries)))
                .collect();
            statement.push(("Condition", object(span, blocks)));
        }
        let document = policy_document(span, vec![object(resource.span, statement)]);
        let mut policy = self.base(
            resource,
            "Properties".into(),
            PolicyKind::Resource,
            PolicyOrigin::LambdaPermission,
        );
        policy.document = document;
        policy.unresolved = unresolved;
        let functions = self.ids(properties.get("FunctionName"));
        policy.attached_functions = functions.clone();
        policy.target_resources = functions;
        self.policies.push(policy);
    }

    /// `AWS::Serverless::Function` and `AWS::Serverless::StateMachine`:
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies>.
    /// With `Role`, SAM ignores `Policies` and creates no role; without it,
    /// SAM creates `<LogicalId>Role` trusted by the service, with
    /// `AWSLambdaBasicExecutionRole` (functions), the `Policies`, and the
    /// managed policies that `Tracing`, `VpcConfig`, `DeadLetterQueue` and
    /// stream/queue event sources need.
    fn serverless(&mut self, resource: &Resource) {
        self.sam_event_roles(resource);
        let properties = &resource.properties;
        let id = resource.logical_id.node.clone();
        let is_function = resource.resource_type.node == "AWS::Serverless::Function";
        let functions = vec![id.clone()];
        if let Some(role) = properties.get("Role") {
            // The function runs as an existing role; its policies are
            // extracted where that role is declared.
            let _ = role;
            return;
        }
        let roles = vec![format!("{id}Role")];
        let partition = self
            .context
            .partition
            .clone()
            .unwrap_or_else(|| "aws".into());
        // Trust policy of the generated role.
        match properties.get("AssumeRolePolicyDocument") {
            Some(document) => {
                let mut policy = self.written(
                    resource,
                    document,
                    "Properties.AssumeRolePolicyDocument".into(),
                    PolicyKind::Trust,
                );
                policy.attached_roles = roles.clone();
                policy.attached_functions = functions.clone();
                self.policies.push(policy);
            }
            None => {
                let span = resource.logical_id.span;
                let service = if is_function {
                    "lambda.amazonaws.com"
                } else {
                    "states.amazonaws.com"
                };
                let statement = object(
                    span,
                    vec![
                        ("Effect", string(span, "Allow")),
                        (
                            "Principal",
                            object(
                                span,
                                vec![("Service", array(span, vec![string(span, service)]))],
                            ),
                        ),
                        ("Action", array(span, vec![string(span, "sts:AssumeRole")])),
                    ],
                );
                let mut policy = self.base(
                    resource,
                    "Role.AssumeRolePolicyDocument".into(),
                    PolicyKind::Trust,
                    PolicyOrigin::SamGeneratedTrust,
                );
                policy.span = span;
                policy.document = policy_document(span, vec![statement]);
                policy.attached_roles = roles.clone();
                policy.attached_functions = functions.clone();
                self.policies.push(policy);
            }
        }
        let span = resource.logical_id.span;
        let implicit = |name: &str, path: &str, this: &mut Self| {
            let arn = string(span, &format!("arn:{partition}:iam::aws:policy/{name}"));
            this.reference(
                resource,
                path.to_string(),
                PolicyKind::Identity,
                &arn,
                &roles,
                &functions,
                true,
            );
        };
        // SAM's own list (`sam_implicit_policies`), each at the property
        // that causes it.
        let kind = if is_function {
            "Function"
        } else {
            "StateMachine"
        };
        let durable = is_function && properties.get("DurableConfig").is_some();
        for name in crate::sam_implicit_policies::role_policies(kind, durable) {
            let path = if durable {
                "Properties.DurableConfig"
            } else {
                "Role.ManagedPolicyArns"
            };
            implicit(name, path, self);
        }
        // A function's `Tracing` attaches X-Ray unless `Disabled`; a state
        // machine's when `Tracing.Enabled` is true.
        let traced = match properties.get("Tracing") {
            Some(tracing) if is_function => {
                let tracing = resolve_with(tracing, self.template, self.context).value;
                tracing.as_str() != Some("Disabled")
            }
            Some(tracing) => matches!(
                tracing.get("Enabled").map(|e| &e.kind),
                Some(leash_policy::ValueKind::Bool(true))
            ),
            None => false,
        };
        if traced {
            for name in crate::sam_implicit_policies::tracing_policies(kind, &partition) {
                implicit(name, "Properties.Tracing", self);
            }
        }
        if is_function {
            if properties.get("VpcConfig").is_some() {
                for name in crate::sam_implicit_policies::vpc_policies() {
                    implicit(name, "Properties.VpcConfig", self);
                }
            }
            for event in properties
                .get("Events")
                .and_then(Value::as_object)
                .unwrap_or(&[])
            {
                let Some(event_type) = event.value.get("Type").and_then(Value::as_str) else {
                    continue;
                };
                for name in crate::sam_implicit_policies::event_policies(event_type) {
                    implicit(name, &format!("Properties.Events.{}", event.key.node), self);
                }
                self.pull_event_statements(
                    resource,
                    &event.key.node,
                    &event.value,
                    &roles,
                    &functions,
                );
            }
            self.dead_letter_queue(resource, &roles, &functions);
            self.event_invoke_destinations(resource, &roles, &functions);
        }
        if let Some(boundary) = properties.get("PermissionsBoundary") {
            self.reference(
                resource,
                "Properties.PermissionsBoundary".into(),
                PolicyKind::Boundary,
                boundary,
                &roles,
                &functions,
                false,
            );
        }
        let Some(policies) = properties.get("Policies") else {
            return;
        };
        // A list, or one managed policy name, inline policy or policy
        // template; `!If` anywhere in the list is expanded.
        let items = self.list_entries(Some(policies));
        for (index, item) in items {
            self.serverless_policy(resource, index, &item, &roles, &functions);
        }
    }

    fn serverless_policy(
        &mut self,
        resource: &Resource,
        index: usize,
        item: &Value,
        roles: &[String],
        functions: &[String],
    ) {
        let path = format!("Properties.Policies[{index}]");
        // A managed policy by name or ARN, possibly computed.
        if item.as_str().is_some() || crate::template::is_intrinsic(item) {
            self.reference(
                resource,
                path,
                PolicyKind::Identity,
                item,
                roles,
                functions,
                false,
            );
            return;
        }
        let Some(members) = item.as_object() else {
            return;
        };
        if item.get("Statement").is_some() {
            let mut policy = self.written(resource, item, path, PolicyKind::Identity);
            policy.attached_roles = roles.to_vec();
            policy.attached_functions = functions.to_vec();
            self.policies.push(policy);
            return;
        }
        let [member] = members else {
            return;
        };
        let Some(policy_template) = policy_template(&member.key.node) else {
            return;
        };
        // Parameter values, resolved, keep their own spans; the template's
        // statements take the span of the entry that names the template.
        let parameters = resolve_with(&member.value, self.template, self.context);
        let mut values = HashMap::new();
        for name in &policy_template.parameters {
            if let Some(value) = parameters.value.get(name) {
                values.insert(name.clone(), value.clone());
            }
        }
        let span = member.key.span;
        let statements = policy_template
            .definition
            .get("Statement")
            .cloned()
            .unwrap_or_else(|| array(span, Vec::new()));
        let statements = respan(&statements, span);
        let expansion = resolve_with_parameters(&statements, self.template, self.context, &values);
        let mut policy = self.base(
            resource,
            format!("{path}.{}", member.key.node),
            PolicyKind::Identity,
            PolicyOrigin::SamPolicyTemplate {
                name: member.key.node.clone(),
            },
        );
        policy.span = span.join(member.value.span);
        policy.document = object(
            span,
            vec![
                ("Version", string(span, POLICY_VERSION)),
                ("Statement", expansion.value),
            ],
        );
        policy.unresolved = parameters.unresolved;
        policy.unresolved.extend(expansion.unresolved);
        policy.attached_roles = roles.to_vec();
        policy.attached_functions = functions.to_vec();
        self.policies.push(policy);
    }

    /// The inline policies of the role SAM generates for each `ScheduleV2`
    /// event and each state machine `Schedule` event without `RoleArn`
    /// (`<Resource><Event>Role`, attached to the schedule or rule
    /// `<Resource><Event>`), as aws-sam-translator 1.110.0 writes them
    /// (`model/eventsources/scheduler.py`, `model/stepfunctions/events.py`,
    /// `model/iam.py`): `lambda:InvokeFunction` on the function's ARN or
    /// `states:StartExecution` on the state machine's; for a `ScheduleV2`
    /// with `DeadLetterConfig.Arn`, `sqs:SendMessage` on the queue (an
    /// event whose queue SAM creates is not read: `SamEvent`). Its trust (`scheduler.amazonaws.com`,
    /// `events.amazonaws.com`) is not a policy any rule reads here.
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html>
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineschedule.html>
    fn sam_event_roles(&mut self, resource: &Resource) {
        for event in crate::eventbridge::sam_events(resource) {
            if event.role.is_some() {
                continue;
            }
            let span = event
                .properties
                .map_or(resource.logical_id.span, |p| p.span);
            let mut unresolved = Vec::new();
            let mut statement = |action: &str, target: &Value, this: &Self| {
                let resolution = resolve_with(target, this.template, this.context);
                unresolved.extend(resolution.unresolved);
                object(
                    span,
                    vec![
                        ("Effect", string(span, "Allow")),
                        ("Action", string(span, action)),
                        ("Resource", resolution.value),
                    ],
                )
            };
            let action = if event.targets_function {
                "lambda:InvokeFunction"
            } else {
                "states:StartExecution"
            };
            let mut statements = vec![statement(action, &event.target(span), self)];
            if event.kind == crate::eventbridge::EventBridgeKind::Schedule
                && let Some(arn) = event.dead_letter()
            {
                statements.push(statement("sqs:SendMessage", arn, self));
            }
            let mut policy = self.base(
                resource,
                format!("Properties.Events.{}", event.event),
                PolicyKind::Identity,
                PolicyOrigin::SamEventRole,
            );
            policy.span = span;
            policy.document = policy_document(span, statements);
            policy.unresolved = unresolved;
            policy.attached_roles = vec![event.generated_role()];
            policy.attached_functions = vec![event.principal.clone()];
            self.policies.push(policy);
        }
    }

    /// SAM's `DeadLetterQueue` adds `sqs:SendMessage` or `sns:Publish` on
    /// the target to the generated role.
    fn dead_letter_queue(&mut self, resource: &Resource, roles: &[String], functions: &[String]) {
        let Some(queue) = resource.properties.get("DeadLetterQueue") else {
            return;
        };
        let action = match queue.get("Type").and_then(Value::as_str) {
            Some("SQS") => "sqs:SendMessage",
            Some("SNS") => "sns:Publish",
            _ => return,
        };
        let Some(target) = queue.get("TargetArn") else {
            return;
        };
        let resolution = resolve_with(target, self.template, self.context);
        let span = queue.span;
        let statement = object(
            span,
            vec![
                ("Effect", string(span, "Allow")),
                ("Action", string(span, action)),
                ("Resource", resolution.value),
            ],
        );
        let mut policy = self.base(
            resource,
            "Properties.DeadLetterQueue".into(),
            PolicyKind::Identity,
            PolicyOrigin::SamDeadLetterQueue,
        );
        policy.span = span;
        policy.document = policy_document(span, vec![statement]);
        policy.unresolved = resolution.unresolved;
        policy.attached_roles = roles.to_vec();
        policy.attached_functions = functions.to_vec();
        self.policies.push(policy);
    }

    /// The inline statements SAM adds to the role it generates for a pull
    /// event: for `MQ`, `secretsmanager:GetSecretValue` on the
    /// `BASIC_AUTH` secret, `mq:DescribeBroker` on the broker; for `MSK`,
    /// the `CLIENT_CERTIFICATE_TLS_AUTH` secret; for `SelfManagedKafka`,
    /// the secrets of its authentication and root CA, and the network
    /// interface actions on `*` when it names a subnet and a security
    /// group; for `DocumentDB`, the `BASIC_AUTH` secret,
    /// `rds:DescribeDBClusterParameters` on every cluster parameter group
    /// and `rds:DescribeDBSubnetGroups` on every subnet group of the
    /// account, `rds:DescribeDBClusters` on the cluster and the network
    /// interface actions on `*`; with `SecretsManagerKmsKeyId` (MQ, Kafka,
    /// DocumentDB), `kms:Decrypt` on that key (as aws-sam-translator
    /// 1.110.0 writes them; `tests/extract.rs` holds its output for one
    /// template of each); for an
    /// `OnFailure` destination with `Type` `SQS`, `SNS` or `S3`,
    /// `sqs:SendMessage`, `sns:publish`, or `s3:PutObject` on its objects
    /// and `s3:ListBucket`.
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-mq.html>
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-selfmanagedkafka.html>
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-documentdb.html>
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-onfailure.html>
    fn pull_event_statements(
        &mut self,
        resource: &Resource,
        event_name: &str,
        event: &Value,
        roles: &[String],
        functions: &[String],
    ) {
        let Some(properties) = event.get("Properties") else {
            return;
        };
        let span = event.span;
        let resolve = |value: &Value, this: &Self| resolve_with(value, this.template, this.context);
        let mut statements = Vec::new();
        let mut unresolved = Vec::new();
        let mut statement = |action: &str, resolved: crate::resolve::Resolution| {
            unresolved.extend(resolved.unresolved);
            statements.push(object(
                span,
                vec![
                    ("Effect", string(span, "Allow")),
                    ("Action", string(span, action)),
                    ("Resource", resolved.value),
                ],
            ));
        };
        let event_type = event
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        // The `URI`s of the `SourceAccessConfigurations` of these types.
        let access_uris = |types: &[&str]| -> Vec<&Value> {
            properties
                .get("SourceAccessConfigurations")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .filter(|c| {
                    c.get("Type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| types.contains(&t))
                })
                .filter_map(|c| c.get("URI"))
                .collect()
        };
        let has_access = |kind: &str| !access_uris(&[kind]).is_empty();
        match event_type {
            "MQ" => {
                if let Some(secret) = access_uris(&["BASIC_AUTH"]).first() {
                    statement("secretsmanager:GetSecretValue", resolve(secret, self));
                }
                if let Some(broker) = properties.get("Broker") {
                    statement("mq:DescribeBroker", resolve(broker, self));
                }
            }
            // Beside the managed `AWSLambdaMSKExecutionRole`, only the
            // client certificate's secret.
            "MSK" => {
                for secret in access_uris(&["CLIENT_CERTIFICATE_TLS_AUTH"]) {
                    statement("secretsmanager:GetSecretValue", resolve(secret, self));
                }
            }
            "SelfManagedKafka" => {
                for secret in access_uris(&[
                    "SASL_SCRAM_256_AUTH",
                    "SASL_SCRAM_512_AUTH",
                    "BASIC_AUTH",
                    "CLIENT_CERTIFICATE_TLS_AUTH",
                    "SERVER_ROOT_CA_CERTIFICATE",
                ]) {
                    statement("secretsmanager:GetSecretValue", resolve(secret, self));
                }
                if has_access("VPC_SUBNET") && has_access("VPC_SECURITY_GROUP") {
                    for action in VPC_ENI_ACTIONS {
                        statement(
                            action,
                            crate::resolve::Resolution {
                                value: string(span, "*"),
                                unresolved: Vec::new(),
                            },
                        );
                    }
                }
            }
            "DocumentDB" => {
                if let Some(secret) = access_uris(&["BASIC_AUTH"]).first() {
                    statement("secretsmanager:GetSecretValue", resolve(secret, self));
                }
                let partition = self.context.partition.as_deref().unwrap_or("aws");
                for (action, kind) in [
                    ("rds:DescribeDBClusterParameters", "cluster-pg"),
                    ("rds:DescribeDBSubnetGroups", "subgrp"),
                ] {
                    let arn = Value::new(
                        ValueKind::Object(vec![Member {
                            key: Spanned::new("Fn::Sub".to_string(), span),
                            value: string(
                                span,
                                &format!(
                                    "arn:{partition}:rds:${{AWS::Region}}:${{AWS::AccountId}}:{kind}:*"
                                ),
                            ),
                        }]),
                        span,
                    );
                    statement(action, resolve(&arn, self));
                }
                if let Some(cluster) = properties.get("Cluster") {
                    statement("rds:DescribeDBClusters", resolve(cluster, self));
                }
                for action in VPC_ENI_ACTIONS {
                    statement(
                        action,
                        crate::resolve::Resolution {
                            value: string(span, "*"),
                            unresolved: Vec::new(),
                        },
                    );
                }
            }
            _ => {}
        }
        if matches!(event_type, "MQ" | "SelfManagedKafka" | "DocumentDB")
            && let Some(key) = properties.get("SecretsManagerKmsKeyId")
        {
            let key = resolve(key, self);
            if let Some(id) = key.value.as_str() {
                let partition = self.context.partition.as_deref().unwrap_or("aws");
                let arn = Value::new(
                    ValueKind::Object(vec![Member {
                        key: Spanned::new("Fn::Sub".to_string(), span),
                        value: string(
                            span,
                            &format!(
                                "arn:{partition}:kms:${{AWS::Region}}:${{AWS::AccountId}}:key/{}",
                                id.replace("${", "${!")
                            ),
                        ),
                    }]),
                    span,
                );
                statement("kms:Decrypt", resolve(&arn, self));
            }
        }
        if let Some(on_failure) = properties
            .get("DestinationConfig")
            .and_then(|c| c.get("OnFailure"))
            && let Some(destination) = on_failure.get("Destination")
        {
            let target = resolve(destination, self);
            match on_failure.get("Type").and_then(Value::as_str) {
                Some("SQS") => statement("sqs:SendMessage", target),
                Some("SNS") => statement("sns:publish", target),
                Some("S3") => {
                    let objects = match &target.value.kind {
                        ValueKind::String(bucket) => crate::resolve::Resolution {
                            value: string(span, &format!("{bucket}/*")),
                            unresolved: target.unresolved.clone(),
                        },
                        _ => target.clone(),
                    };
                    statement("s3:PutObject", objects);
                    statement("s3:ListBucket", target);
                }
                // Without `Type` SAM adds nothing.
                _ => {}
            }
        }
        if statements.is_empty() {
            return;
        }
        let mut policy = self.base(
            resource,
            format!("Properties.Events.{event_name}"),
            PolicyKind::Identity,
            PolicyOrigin::SamEventSource,
        );
        policy.span = span;
        policy.document = policy_document(span, statements);
        policy.unresolved = unresolved;
        policy.attached_roles = roles.to_vec();
        policy.attached_functions = functions.to_vec();
        self.policies.push(policy);
    }

    /// What SAM adds to the role it generates for each destination of a
    /// function's `EventInvokeConfig.DestinationConfig`: `sqs:SendMessage`,
    /// `sns:publish`, `events:PutEvents` or `lambda:InvokeFunction` on the
    /// destination, or `s3:PutObject` on its objects and `s3:ListBucket` on
    /// an `S3Bucket`; for an `SQS` or `SNS` destination without
    /// `Destination`, on the queue or topic SAM creates
    /// (`<Function>EventInvokeConfig<OnSuccess|OnFailure><Queue|Topic>`).
    /// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-onfailure.html>
    fn event_invoke_destinations(
        &mut self,
        resource: &Resource,
        roles: &[String],
        functions: &[String],
    ) {
        let Some(config) = resource
            .properties
            .get("EventInvokeConfig")
            .and_then(|c| c.get("DestinationConfig"))
        else {
            return;
        };
        for event in ["OnSuccess", "OnFailure"] {
            let Some(destination) = config.get(event) else {
                continue;
            };
            let span = destination.span;
            let kind = destination.get("Type").and_then(Value::as_str);
            let target = match destination.get("Destination") {
                Some(target) => resolve_with(target, self.template, self.context),
                None => {
                    let suffix = match kind {
                        Some("SQS") => "Queue",
                        Some("SNS") => "Topic",
                        _ => continue,
                    };
                    // Not a resource of the template: SAM creates it
                    // (its ARN stays a value known only at deployment).
                    let id = format!(
                        "{}EventInvokeConfig{event}{suffix}",
                        resource.logical_id.node
                    );
                    let attribute = if suffix == "Queue" { "Arn" } else { "TopicArn" };
                    let value = Value::new(
                        ValueKind::Object(vec![Member {
                            key: Spanned::new("Fn::GetAtt".to_string(), span),
                            value: string(span, &format!("{id}.{attribute}")),
                        }]),
                        span,
                    );
                    resolve_with(&value, self.template, self.context)
                }
            };
            let statement = |action: &str, resource: Value| {
                object(
                    span,
                    vec![
                        ("Effect", string(span, "Allow")),
                        ("Action", string(span, action)),
                        ("Resource", resource),
                    ],
                )
            };
            let statements = match kind {
                Some("SQS") => vec![statement("sqs:SendMessage", target.value)],
                Some("SNS") => vec![statement("sns:publish", target.value)],
                Some("EventBridge") => vec![statement("events:PutEvents", target.value)],
                Some("Lambda") => vec![statement("lambda:InvokeFunction", target.value)],
                Some("S3Bucket") => {
                    let objects = match &target.value.kind {
                        ValueKind::String(bucket) => string(span, &format!("{bucket}/*")),
                        _ => target.value.clone(),
                    };
                    vec![
                        statement("s3:PutObject", objects),
                        statement("s3:ListBucket", target.value),
                    ]
                }
                _ => continue,
            };
            let mut policy = self.base(
                resource,
                format!("Properties.EventInvokeConfig.DestinationConfig.{event}"),
                PolicyKind::Identity,
                PolicyOrigin::SamEventInvokeDestination,
            );
            policy.span = span;
            policy.document = policy_document(span, statements);
            policy.unresolved = target.unresolved;
            policy.attached_roles = roles.to_vec();
            policy.attached_functions = functions.to_vec();
            self.policies.push(policy);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn reference(
        &mut self,
        resource: &Resource,
        path: String,
        kind: PolicyKind,
        value: &Value,
        roles: &[String],
        functions: &[String],
        implicit: bool,
    ) {
        let managed_policy_id = match referenced_id(value, self.template) {
            Some(id)
                if self
                    .template
                    .resource(&id)
                    .is_some_and(|r| r.resource_type.node == "AWS::IAM::ManagedPolicy") =>
            {
                Some(id)
            }
            _ => None,
        };
        let resolution = resolve_with(value, self.template, self.context);
        let mut arn = resolution.value;
        // SAM accepts AWS managed policy names and turns them into ARNs.
        if let ValueKind::String(text) = &arn.kind
            && !text.starts_with("arn:")
            && text != "*"
            && resource.resource_type.node.starts_with("AWS::Serverless::")
        {
            let partition = self.context.partition.as_deref().unwrap_or("aws");
            arn = string(arn.span, &format!("arn:{partition}:iam::aws:policy/{text}"));
        }
        self.references.push(ManagedPolicyReference {
            resource_id: resource.logical_id.node.clone(),
            resource_type: resource.resource_type.node.clone(),
            path,
            kind,
            arn,
            managed_policy_id,
            attached_roles: roles.to_vec(),
            attached_functions: functions.to_vec(),
            implicit,
        });
    }

    /// Items of a list property as written, with their index, `Fn::If`
    /// expanded (the whole list or an item): a condition the parameter
    /// defaults decide picks its branch, an unknown one gives both (the
    /// list rule of `resolve`), and `AWS::NoValue` drops the item. The items
    /// are resolved later, where they are read.
    fn list_entries(&self, value: Option<&Value>) -> Vec<(usize, Value)> {
        let Some(value) = value else {
            return Vec::new();
        };
        let mut lists = Vec::new();
        self.branches(value, &mut lists, 0);
        let mut entries = Vec::new();
        for list in lists {
            match &list.kind {
                ValueKind::Array(items) => {
                    for (index, item) in items.iter().enumerate() {
                        let mut chosen = Vec::new();
                        self.branches(item, &mut chosen, 0);
                        entries.extend(chosen.into_iter().map(|v| (index, v)));
                    }
                }
                _ => entries.push((0, list)),
            }
        }
        entries
    }

    fn branches(&self, value: &Value, out: &mut Vec<Value>, depth: usize) {
        if depth > 16 {
            out.push(value.clone());
            return;
        }
        if let Some([member]) = value.as_object() {
            match member.key.node.as_str() {
                "Ref" if member.value.as_str() == Some("AWS::NoValue") => return,
                "Fn::If" => {
                    if let Some([condition, when_true, when_false]) = member.value.as_array() {
                        let known = condition
                            .as_str()
                            .and_then(|name| condition_value(self.template, self.context, name));
                        if known != Some(false) {
                            self.branches(when_true, out, depth + 1);
                        }
                        if known != Some(true) {
                            self.branches(when_false, out, depth + 1);
                        }
                        return;
                    }
                }
                _ => {}
            }
        }
        out.push(value.clone());
    }

    /// Logical ids (or names as written) referenced by a property that
    /// names one or more resources.
    fn ids(&self, value: Option<&Value>) -> Vec<String> {
        let Some(value) = value else {
            return Vec::new();
        };
        match &value.kind {
            ValueKind::Array(items) => items
                .iter()
                .filter_map(|i| referenced_id(i, self.template))
                .collect(),
            _ => referenced_id(value, self.template).into_iter().collect(),
        }
    }

    fn functions_of(&self, roles: &[String]) -> Vec<String> {
        roles
            .iter()
            .flat_map(|r| self.functions_by_role.get(r).cloned().unwrap_or_default())
            .collect()
    }

    /// Roles (and SAM functions' generated roles) that list the managed
    /// policy `id` in `ManagedPolicyArns` / `Policies`.
    fn roles_attaching_managed_policy(&self, id: &str) -> Vec<(String, String)> {
        let mut roles = Vec::new();
        for resource in &self.template.resources {
            let (property, role) = match resource.resource_type.node.as_str() {
                "AWS::IAM::Role" => ("ManagedPolicyArns", resource.logical_id.node.clone()),
                "AWS::Serverless::Function" | "AWS::Serverless::StateMachine"
                    if resource.properties.get("Role").is_none() =>
                {
                    ("Policies", format!("{}Role", resource.logical_id.node))
                }
                _ => continue,
            };
            let items = resource
                .properties
                .get(property)
                .and_then(Value::as_array)
                .unwrap_or(&[]);
            if items
                .iter()
                .any(|i| referenced_id(i, self.template).as_deref() == Some(id))
            {
                roles.push((role, resource.logical_id.node.clone()));
            }
        }
        roles
    }
}

/// The logical id a value refers to (`!Ref X`, `!GetAtt X.Arn`,
/// `!Sub '${X.Arn}'`, `!Sub '${X}'`), or the literal string itself.
fn referenced_id(value: &Value, template: &Template) -> Option<String> {
    match &value.kind {
        ValueKind::String(text) => return Some(text.clone()),
        ValueKind::Object(members) => {
            let [member] = members.as_slice() else {
                return None;
            };
            let argument = &member.value;
            match member.key.node.as_str() {
                "Ref" => return argument.as_str().map(str::to_string),
                "Fn::GetAtt" => {
                    return match &argument.kind {
                        ValueKind::Array(items) => {
                            items.first().and_then(Value::as_str).map(str::to_string)
                        }
                        ValueKind::String(text) => text.split('.').next().map(str::to_string),
                        _ => None,
                    };
                }
                "Fn::Sub" => {
                    let text = match &argument.kind {
                        ValueKind::String(text) => text.as_str(),
                        ValueKind::Array(items) => items.first().and_then(Value::as_str)?,
                        _ => return None,
                    };
                    let inner = text.strip_prefix("${")?.strip_suffix('}')?;
                    let id = inner.split('.').next()?;
                    return template.resource(id).map(|_| id.to_string());
                }
                _ => {}
            }
        }
        _ => {}
    }
    None
}

/// A copy of `value` with every span set to `span` (for SAM policy
/// template statements, which come from embedded data).
fn respan(value: &Value, span: Span) -> Value {
    let kind = match &value.kind {
        ValueKind::Array(items) => {
            ValueKind::Array(items.iter().map(|i| respan(i, span)).collect())
        }
        ValueKind::Object(members) => ValueKind::Object(
            members
                .iter()
                .map(|m| Member {
                    key: Spanned::new(m.key.node.clone(), span),
                    value: respan(&m.value, span),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    Value::new(kind, span)
}

/// `Sid: 1` or `Version: 2012` in YAML is a number to YAML, but IAM takes
/// only strings there, and CloudFormation deploys such templates: it passes
/// the scalar's text. So in YAML templates, numeric or boolean `Version`,
/// `Id` and statement `Sid` values become strings with the same text and
/// span. Other elements keep YAML's kind (condition values may be numbers).
fn stringify_identifiers(mut document: Value) -> Value {
    fn to_string(value: &mut Value) {
        let text = match &value.kind {
            ValueKind::Number(text) => text.clone(),
            ValueKind::Bool(b) => b.to_string(),
            _ => return,
        };
        value.kind = ValueKind::String(text);
    }
    if let ValueKind::Object(members) = &mut document.kind {
        for member in members.iter_mut() {
            match member.key.node.as_str() {
                "Version" | "Id" => to_string(&mut member.value),
                "Statement" => {
                    let statements: &mut [Value] = match &mut member.value.kind {
                        ValueKind::Array(items) => items,
                        ValueKind::Object(_) => std::slice::from_mut(&mut member.value),
                        _ => &mut [],
                    };
                    for statement in statements {
                        if let ValueKind::Object(elements) = &mut statement.kind {
                            for element in elements.iter_mut().filter(|e| e.key.node == "Sid") {
                                to_string(&mut element.value);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    document
}

fn sid(logical_id: &str) -> String {
    logical_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

pub(crate) fn string(span: Span, text: &str) -> Value {
    Value::new(ValueKind::String(text.to_string()), span)
}

pub(crate) fn array(span: Span, items: Vec<Value>) -> Value {
    Value::new(ValueKind::Array(items), span)
}

pub(crate) fn object(span: Span, members: Vec<(&str, Value)>) -> Value {
    Value::new(
        ValueKind::Object(
            members
                .into_iter()
                .map(|(key, value)| Member {
                    key: Spanned::new(key.to_string(), span),
                    value,
                })
                .collect(),
        ),
        span,
    )
}

fn policy_document(span: Span, statements: Vec<Value>) -> Value {
    object(
        span,
        vec![
            ("Version", string(span, POLICY_VERSION)),
            ("Statement", array(span, statements)),
        ],
    )
}
