//! The needs SAM connectors (`AWS::Serverless::Connector` and a
//! resource's embedded `Connectors`) give a function: from the function to
//! a resource, or from a table or queue to the function.
//!
//! Not for: the permissions SAM itself would generate for a connector (the
//! design grants from the access levels, `access`), or other sources of
//! needs (`declared`, `template_iam`, `events`).

use leash_iac::Template;
use leash_policy::Value;

use super::template_iam::TemplateIam;
use super::{
    Access, AppResource, Function, Need, NeedConditions, NeedSource, ResourceKind, reference_target,
};

/// A SAM connector, as far as role design needs it.
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-connector.html
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/managing-permissions-connectors.html
pub(super) struct Connector {
    name: String,
    /// Logical id of the source, or the ARN/text as written when it names
    /// no template resource by `Id`, `Ref` or `GetAtt` (`Err`).
    source: Result<String, String>,
    destinations: Vec<Result<String, String>>,
    read: bool,
    write: bool,
}

impl Connector {
    /// Every `AWS::Serverless::Connector` and embedded `Connectors` entry
    /// (a resource attribute, beside `Properties`).
    pub(super) fn read_all(template: &Template) -> Vec<Connector> {
        let mut connectors = Vec::new();
        let declared = template.root.get("Resources");
        for resource in &template.resources {
            let id = &resource.logical_id.node;
            if resource.resource_type.node == "AWS::Serverless::Connector" {
                let source = resource
                    .properties
                    .get("Source")
                    .map_or_else(|| Err("(no Source)".to_string()), endpoint);
                connectors.push(Connector::with(id.clone(), source, &resource.properties));
            }
            let embedded = declared
                .and_then(|resources| resources.get(id))
                .and_then(|declaration| declaration.get("Connectors"))
                .and_then(Value::as_object)
                .unwrap_or(&[]);
            for entry in embedded {
                if let Some(properties) = entry.value.get("Properties") {
                    connectors.push(Connector::with(
                        format!("{id}{}", entry.key.node),
                        Ok(id.clone()),
                        properties,
                    ));
                }
            }
        }
        connectors
    }

    fn with(name: String, source: Result<String, String>, properties: &Value) -> Connector {
        // `Destination` is one endpoint or a list of them.
        let destinations = match properties.get("Destination") {
            Some(value) => match value.as_array() {
                Some(items) => items.iter().map(endpoint).collect(),
                None => vec![endpoint(value)],
            },
            None => Vec::new(),
        };
        let permissions: Vec<&str> = properties
            .get("Permissions")
            .and_then(Value::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(Value::as_str)
            .collect();
        Connector {
            name,
            source,
            destinations,
            read: permissions.contains(&"Read"),
            write: permissions.contains(&"Write"),
        }
    }

    fn permissions(&self) -> String {
        match (self.read, self.write) {
            (true, true) => "Read, Write",
            (true, false) => "Read",
            (false, true) => "Write",
            (false, false) => "no permissions",
        }
        .to_string()
    }
}

/// A connector endpoint: `Id`, or `Arn` as a `Ref`/`GetAtt` of a template
/// resource; otherwise the text, for the report.
fn endpoint(value: &Value) -> Result<String, String> {
    if let Some(id) = value.get("Id").and_then(Value::as_str) {
        return Ok(id.to_string());
    }
    match value.get("Arn") {
        Some(arn) => reference_target(arn).ok_or_else(|| {
            arn.as_str()
                .map_or_else(|| "an ARN".to_string(), |text| format!("`{text}`"))
        }),
        None => Err("an endpoint without `Id` or `Arn`".to_string()),
    }
}

/// The access levels a connector's permissions from a Lambda function to a
/// destination of `kind` stand for: only levels whose curated actions are
/// all in what SAM's connector grants for that pair (the "IAM policies
/// created by connectors" of the SAM connector reference; a test checks
/// each against that list).
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/reference-sam-connector.html
pub fn connector_access(
    kind: ResourceKind,
    read: bool,
    write: bool,
) -> Result<Vec<Access>, String> {
    use Access::*;
    let levels = match (kind, read, write) {
        (_, false, false) => return Err("no `Read` or `Write` permission".into()),
        (ResourceKind::Table | ResourceKind::Bucket, true, false) => vec![Read],
        // SAM's Write includes deletes (`DeleteItem`, `DeleteObject`).
        (ResourceKind::Table | ResourceKind::Bucket, false, true) => vec![Write, Delete],
        (ResourceKind::Table | ResourceKind::Bucket, true, true) => vec![ReadWrite],
        // Read alone is `ReceiveMessage` and `GetQueueAttributes`: no level
        // (consuming also deletes, which is Write).
        (ResourceKind::Queue, true, false) => {
            return Err("`Read` alone on a queue matches no access level (consume also needs `sqs:DeleteMessage`, a `Write`)".into());
        }
        (ResourceKind::Queue, false, true) => vec![Publish],
        (ResourceKind::Queue, true, true) => vec![Consume, Publish],
        (ResourceKind::Topic | ResourceKind::EventBus, _, true) => vec![Publish],
        (ResourceKind::StateMachine | ResourceKind::Function, _, true) => vec![Invoke],
        (kind, _, _) => {
            return Err(format!(
                "SAM has no such connector from a function to a {}, or leash has no access level within it",
                kind.as_str()
            ));
        }
    };
    Ok(levels)
}

/// Needs from the SAM connectors whose source is the function, and from
/// the connectors that let it poll a table's stream or a queue (SAM puts
/// those on the destination function's role).
pub(super) fn read_connectors(
    function_id: &str,
    iam: &TemplateIam,
    resources: &[AppResource],
    function: &mut Function,
) {
    let resource = |id: &str| resources.iter().find(|r| r.logical_id == id);
    for connector in &iam.connectors {
        let source = NeedSource::Connector {
            name: connector.name.clone(),
            permissions: connector.permissions(),
        };
        let at = format!("SAM connector `{}`", connector.name);
        if connector.source.as_deref() == Ok(function_id) {
            for destination in &connector.destinations {
                let target = match destination {
                    Ok(id) => match resource(id) {
                        Some(target) => target,
                        None => {
                            function.ignored.push(format!(
                                "{at}: destination `{id}` is not a resource of the template that leash designs access to"
                            ));
                            continue;
                        }
                    },
                    Err(text) => {
                        function.ignored.push(format!(
                            "{at}: destination {text} is not a resource of the template"
                        ));
                        continue;
                    }
                };
                match connector_access(target.kind, connector.read, connector.write) {
                    Ok(levels) => {
                        for access in levels {
                            function.needs.push(Need {
                                resource: target.logical_id.clone(),
                                access,
                                prefix: None,
                                // SAM's table connectors grant on `index/*` too.
                                index: target.kind == ResourceKind::Table
                                    && matches!(access, Access::Read | Access::ReadWrite),
                                actions: Vec::new(),
                                scope: None,
                                source: source.clone(),
                                conditions: NeedConditions::default(),
                            });
                        }
                        if target.kind == ResourceKind::StateMachine && connector.read {
                            function.ignored.push(format!(
                                "{at}: `Read` on a state machine (describe executions) is not designed"
                            ));
                        }
                    }
                    Err(why) => function.ignored.push(format!("{at}: {why}")),
                }
            }
            continue;
        }
        // Table (stream) -> function, Read; queue -> function, Read and Write.
        if connector
            .destinations
            .iter()
            .any(|d| d.as_deref() == Ok(function_id))
            && let Ok(source_id) = &connector.source
            && let Some(polled) = resource(source_id)
        {
            let consumes = match polled.kind {
                ResourceKind::Table => connector.read,
                ResourceKind::Queue => connector.read && connector.write,
                _ => false,
            };
            if consumes {
                function.needs.push(Need {
                    resource: polled.logical_id.clone(),
                    access: Access::Consume,
                    prefix: None,
                    index: false,
                    actions: Vec::new(),
                    scope: None,
                    source,
                    conditions: NeedConditions::default(),
                });
            }
        }
    }
}
