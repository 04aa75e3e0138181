//! SAM connectors as the policies SAM deploys for them.
//!
//! For: `AWS::Serverless::Connector` resources and the `Connectors` a SAM
//! template embeds in a resource
//! (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-connector.html>,
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/managing-permissions-connectors.html>):
//! each connection's profile (`sam_connector_profiles`, SAM's data) becomes
//! an identity policy on the source's (or destination's) role, a Lambda
//! permission statement, or a queue or topic policy statement, with
//! `%{Source.Arn}`-style variables replaced as SAM does and intrinsics
//! resolved. Not for: connections SAM does not support (skipped, as SAM
//! would reject the template).
//!
//! Spans: statements from SAM's data carry the span of the `Permissions`
//! entry that asks for them (`Read`); substituted ARNs and names carry the
//! span of the `Id` (or `Arn`, ...) they come from.

use std::collections::HashMap;

use leash_policy::{Span, Value, ValueKind};

use super::{
    Extractor, PolicyKind, PolicyOrigin, array, object, policy_document, referenced_id, respan,
    sid, string,
};
use crate::resolve::resolve_with;
use crate::sam_connector_profiles::{ProfileType, cloudformation_type, output, profile};
use crate::template::Resource;

/// One end of a connection, as SAM reads `Source` / `Destination`.
struct End {
    /// The logical id, when the end is a resource of the template (`Id`).
    logical_id: Option<String>,
    /// CloudFormation type (SAM types mapped).
    resource_type: String,
    /// Profile variables: `Arn`, `Name`, `ResourceId`, `Qualifier`, as
    /// template values (intrinsics resolved later).
    variables: HashMap<&'static str, Value>,
    /// The role that gets a role policy: a logical id or a role name.
    role: Option<String>,
}

impl Extractor<'_> {
    /// `AWS::Serverless::Connector`: `Source`, `Destination` (one or a
    /// list), `Permissions`.
    pub(super) fn connector_resource(&mut self, resource: &Resource) {
        let properties = &resource.properties;
        let Some(source) = properties.get("Source").and_then(|s| self.end(s)) else {
            return;
        };
        self.connections(resource, &source, properties, "Properties".to_string());
    }

    /// `Connectors: {Name: {Properties: {Destination, Permissions}}}` on a
    /// resource: the resource is the source.
    pub(super) fn embedded_connectors(&mut self, resource: &Resource) {
        let connectors = self
            .template
            .root
            .get("Resources")
            .and_then(|r| r.get(&resource.logical_id.node))
            .and_then(|r| r.get("Connectors"))
            .and_then(Value::as_object);
        let Some(connectors) = connectors else {
            return;
        };
        let id = &resource.logical_id;
        let source_value = object(id.span, vec![("Id", string(id.span, &id.node))]);
        let Some(source) = self.end(&source_value) else {
            return;
        };
        for connector in connectors {
            let Some(properties) = connector.value.get("Properties") else {
                continue;
            };
            let path = format!("Connectors.{}.Properties", connector.key.node);
            self.connections(resource, &source, properties, path);
        }
    }

    fn connections(&mut self, holder: &Resource, source: &End, properties: &Value, path: String) {
        let destinations: Vec<&Value> = match properties.get("Destination").map(|d| &d.kind) {
            Some(ValueKind::Array(items)) => items.iter().collect(),
            Some(_) => properties.get("Destination").into_iter().collect(),
            None => return,
        };
        let permissions: Vec<&Value> = match properties.get("Permissions").map(|p| &p.kind) {
            Some(ValueKind::Array(items)) => items.iter().collect(),
            _ => return,
        };
        for (index, destination) in destinations.iter().enumerate() {
            let Some(destination) = self.end(destination) else {
                continue;
            };
            let Some(profile) = profile(&source.resource_type, &destination.resource_type) else {
                continue;
            };
            let path = if destinations.len() > 1 {
                format!("{path}.Destination[{index}]")
            } else {
                path.clone()
            };
            let mut categories = Vec::new();
            for permission in &permissions {
                let Some(name) = permission.as_str() else {
                    continue;
                };
                if let Some(body) = profile.access_categories.get(name) {
                    categories.push((respan(body, permission.span), permission.span));
                }
            }
            if categories.is_empty() {
                continue;
            }
            let span = categories
                .iter()
                .map(|(_, s)| *s)
                .reduce(Span::join)
                .unwrap_or(holder.span);
            let variables = profile_variables(source, &destination);
            match profile.profile_type {
                ProfileType::LambdaPermission => {
                    for (body, span) in categories {
                        let filled = fill(&body, &variables);
                        self.connector_lambda_permission(
                            holder,
                            &path,
                            &filled,
                            &destination,
                            span,
                        );
                    }
                }
                ProfileType::RoleManagedPolicy
                | ProfileType::QueuePolicy
                | ProfileType::TopicPolicy => {
                    let statements: Vec<Value> = categories
                        .iter()
                        .flat_map(|(body, _)| {
                            body.get("Statement")
                                .and_then(Value::as_array)
                                .unwrap_or(&[])
                                .to_vec()
                        })
                        .map(|s| fill(&s, &variables))
                        .collect();
                    let resolution =
                        resolve_with(&array(span, statements), self.template, self.context);
                    let is_role_policy = profile.profile_type == ProfileType::RoleManagedPolicy;
                    let mut policy = self.base(
                        holder,
                        path.clone(),
                        if is_role_policy {
                            PolicyKind::Identity
                        } else {
                            PolicyKind::Resource
                        },
                        PolicyOrigin::SamConnector,
                    );
                    policy.span = span;
                    policy.document = object(
                        span,
                        vec![
                            ("Version", string(span, super::POLICY_VERSION)),
                            ("Statement", resolution.value),
                        ],
                    );
                    policy.unresolved = resolution.unresolved;
                    if is_role_policy {
                        let owner = if profile.source_policy {
                            source
                        } else {
                            &destination
                        };
                        // An end without a known role (an EventBridge
                        // rule's target role) grants nothing leash can place.
                        let Some(role) = &owner.role else {
                            continue;
                        };
                        policy.attached_roles = vec![role.clone()];
                        policy.attached_functions = self.functions_of(&policy.attached_roles);
                    } else {
                        policy.target_resources =
                            destination.logical_id.clone().into_iter().collect();
                    }
                    self.policies.push(policy);
                }
            }
        }
    }

    /// The statement of the `AWS::Lambda::Permission` SAM adds for a
    /// connection to a function (`Action`, `Principal`, `SourceArn`), as
    /// `lambda_permission` reads a written one.
    fn connector_lambda_permission(
        &mut self,
        holder: &Resource,
        path: &str,
        body: &Value,
        destination: &End,
        span: Span,
    ) {
        let resolution = resolve_with(body, self.template, self.context);
        let body = resolution.value;
        let mut statement = vec![
            ("Sid", string(span, &sid(&holder.logical_id.node))),
            ("Effect", string(span, "Allow")),
        ];
        if let Some(principal) = body.get("Principal") {
            statement.push((
                "Principal",
                object(span, vec![("Service", principal.clone())]),
            ));
        }
        if let Some(action) = body.get("Action") {
            statement.push(("Action", action.clone()));
        }
        let function = destination
            .variables
            .get("Arn")
            .map(|arn| resolve_with(arn, self.template, self.context).value)
            .unwrap_or_else(|| string(span, "*"));
        statement.push(("Resource", function));
        if let Some(source_arn) = body.get("SourceArn") {
            statement.push((
                "Condition",
                object(
                    span,
                    vec![(
                        "ArnLike",
                        object(span, vec![("aws:SourceArn", source_arn.clone())]),
                    )],
                ),
            ));
        }
        let mut policy = self.base(
            holder,
            path.to_string(),
            PolicyKind::Resource,
            PolicyOrigin::SamConnector,
        );
        policy.span = span;
        policy.document = policy_document(span, vec![object(span, statement)]);
        policy.unresolved = resolution.unresolved;
        policy.attached_functions = destination.logical_id.clone().into_iter().collect();
        policy.target_resources = policy.attached_functions.clone();
        self.policies.push(policy);
    }

    /// Reads a `Source` / `Destination`: `Id` (with optional `Qualifier`)
    /// for a resource of the template, else `Type` with `Arn`, `Name`,
    /// `ResourceId`, `RoleName`, `QueueUrl`, `Qualifier`.
    fn end(&self, value: &Value) -> Option<End> {
        let mut variables = HashMap::new();
        if let Some(id) = value.get("Id") {
            let logical_id = id.as_str()?.to_string();
            let resource = self.template.resource(&logical_id)?;
            let resource_type = cloudformation_type(&resource.resource_type.node).to_string();
            for (variable, name) in [
                ("Arn", "Arn"),
                ("Name", "Name"),
                ("ResourceId", "Id"),
                ("Qualifier", "Qualifier"),
            ] {
                if let Some(template) = output(&resource_type, name) {
                    let filled = replace_logical_id(template, &logical_id);
                    variables.insert(variable, respan(&filled, id.span));
                }
            }
            if let Some(qualifier) = value.get("Qualifier") {
                variables.insert("Qualifier", qualifier.clone());
            }
            let role = self.role_of(resource);
            return Some(End {
                logical_id: Some(logical_id),
                resource_type,
                variables,
                role,
            });
        }
        let resource_type = cloudformation_type(value.get("Type")?.as_str()?).to_string();
        for (variable, property) in [
            ("Arn", "Arn"),
            ("Name", "Name"),
            ("ResourceId", "ResourceId"),
            ("Qualifier", "Qualifier"),
        ] {
            if let Some(v) = value.get(property) {
                variables.insert(variable, v.clone());
            }
        }
        let role = value
            .get("RoleName")
            .and_then(|r| referenced_id(r, self.template));
        Some(End {
            logical_id: None,
            resource_type,
            variables,
            role,
        })
    }

    /// The role a resource runs as, where SAM's connector profiles attach
    /// role policies: the execution role of a function or state machine
    /// (SAM's generated `<Id>Role` when none is given) or an AppSync data
    /// source's service role.
    fn role_of(&self, resource: &Resource) -> Option<String> {
        let properties = &resource.properties;
        let property = match resource.resource_type.node.as_str() {
            "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
                return match properties.get("Role") {
                    Some(role) => referenced_id(role, self.template),
                    None => Some(format!("{}Role", resource.logical_id.node)),
                };
            }
            "AWS::Lambda::Function" => "Role",
            "AWS::StepFunctions::StateMachine" => "RoleArn",
            "AWS::AppSync::DataSource" => "ServiceRoleArn",
            _ => return None,
        };
        properties
            .get(property)
            .and_then(|role| referenced_id(role, self.template))
    }
}

/// `%{Source.Arn}`, `%{Destination.Name}`, ... for a connection.
fn profile_variables(source: &End, destination: &End) -> HashMap<String, Value> {
    let mut out = HashMap::new();
    for (prefix, end) in [("Source", source), ("Destination", destination)] {
        for (name, value) in &end.variables {
            out.insert(format!("{prefix}.{name}"), value.clone());
        }
    }
    out
}

/// Replaces `%{logicalId}` in a `CfnResourceProperties` output.
fn replace_logical_id(value: &Value, logical_id: &str) -> Value {
    let kind = match &value.kind {
        ValueKind::String(text) => ValueKind::String(text.replace("%{logicalId}", logical_id)),
        ValueKind::Array(items) => ValueKind::Array(
            items
                .iter()
                .map(|i| replace_logical_id(i, logical_id))
                .collect(),
        ),
        ValueKind::Object(members) => ValueKind::Object(
            members
                .iter()
                .map(|m| leash_policy::Member {
                    key: m.key.clone(),
                    value: replace_logical_id(&m.value, logical_id),
                })
                .collect(),
        ),
        other => other.clone(),
    };
    Value::new(kind, value.span)
}

/// Replaces profile variables as SAM's `profile_replace` does: a string
/// that is exactly `%{X}` becomes X's value; a string containing `%{X}`
/// becomes `Fn::Sub` with `${X}` (letters and digits of the name) bound to
/// the value; a string with `${...}` (such as `${AWS::Partition}`) is a
/// `Fn::Sub` too.
fn fill(value: &Value, variables: &HashMap<String, Value>) -> Value {
    let span = value.span;
    match &value.kind {
        ValueKind::String(text) => {
            let mut text = text.clone();
            let mut bindings = Vec::new();
            for (name, replacement) in variables {
                let pattern = format!("%{{{name}}}");
                if text == pattern {
                    return replacement.clone();
                }
                if text.contains(&pattern) {
                    let variable: String =
                        name.chars().filter(char::is_ascii_alphanumeric).collect();
                    text = text.replace(&pattern, &format!("${{{variable}}}"));
                    bindings.push((variable, replacement.clone()));
                }
            }
            if !text.contains("${") {
                return string(span, &text);
            }
            if bindings.is_empty() {
                return object(span, vec![("Fn::Sub", string(span, &text))]);
            }
            let names: Vec<(String, Value)> = bindings;
            let map = Value::new(
                ValueKind::Object(
                    names
                        .into_iter()
                        .map(|(key, value)| leash_policy::Member {
                            key: leash_policy::Spanned::new(key, span),
                            value,
                        })
                        .collect(),
                ),
                span,
            );
            object(
                span,
                vec![("Fn::Sub", array(span, vec![string(span, &text), map]))],
            )
        }
        ValueKind::Array(items) => array(span, items.iter().map(|i| fill(i, variables)).collect()),
        ValueKind::Object(members) => Value::new(
            ValueKind::Object(
                members
                    .iter()
                    .map(|m| leash_policy::Member {
                        key: m.key.clone(),
                        value: fill(&m.value, variables),
                    })
                    .collect(),
            ),
            span,
        ),
        _ => value.clone(),
    }
}
