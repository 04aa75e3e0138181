//! API Gateway service integrations as principals: the role an
//! integration's `Credentials` names is assumed by API Gateway to call the
//! AWS service behind the route, so what that role must allow is read from
//! the integrations that name it (their URI or subtype, and the resource
//! their request template or parameters name).
//!
//! Integrations are read from `AWS::ApiGateway::Method` `Integration`,
//! `AWS::ApiGatewayV2::Integration` (`CredentialsArn`, `IntegrationUri`,
//! `IntegrationSubtype`) and the OpenAPI `x-amazon-apigateway-integration`
//! of `DefinitionBody` (`AWS::Serverless::Api`, `AWS::Serverless::HttpApi`)
//! and `Body` (`AWS::ApiGateway::RestApi`, `AWS::ApiGatewayV2::Api`), a
//! local `Fn::Transform` `AWS::Include` file too. The role's uses are the
//! union over every integration that names it; what an integration leaves
//! to run time (a table named by the request, a URI leash does not read)
//! makes its service *unknown* (the template's grant for it is kept: the
//! first law). Shapes of the URI: `arn:aws:apigateway:REGION:SERVICE:
//! action/ACTION` or `:path/PATH`
//! (<https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html>,
//! `uri` and `credentials`).
//!
//! Shared by `leash design` (which designs the role from it) and
//! `leash check` (L513, a role that reaches beyond its integrations).
//!
//! Not for: the role's template IAM, or designing it (`leash-design`).

use std::collections::BTreeMap;
use std::path::Path;

use leash_policy::Value;
use leash_policy::arn::Arn;

use crate::state_machine::{Reading, queue_arn, service_arn};
use crate::template::Template;

/// The AWS pages each integration's permissions come from.
const INTEGRATION_URI: &str =
    "https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html";
const SUBTYPES: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html";
const SQS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-sqs.html";
const DYNAMODB: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-dynamodb.html";
const KINESIS: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-kinesis.html";
const S3: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html";
const LAMBDA: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-lambda.html";
const STATES: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/tutorial-api-gateway.html";
/// API Gateway's execution logging role: one per account and region.
pub const CLOUDWATCH_ROLE: &str =
    "https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html";

/// One integration that names a role in its credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Integration {
    /// Logical id of the resource that holds it (the method, the V2
    /// integration, the API whose OpenAPI body has it).
    pub resource: String,
    /// Where, for the report: `Integration`, or the OpenAPI path and method.
    pub at: String,
}

/// A role of the template that API Gateway integrations assume, and what
/// they use with it.
#[derive(Debug, Default)]
pub struct IntegrationRole {
    /// Logical id of the `AWS::IAM::Role`.
    pub role: String,
    pub integrations: Vec<Integration>,
    /// What the integrations use (`summary.source` lists them).
    pub reading: Reading,
}

/// Where the API runs, for ARNs.
pub struct Place<'a> {
    pub account: &'a str,
    pub region: &'a str,
}

/// Every role of the template named by an integration's credentials, with
/// the union of what its integrations use.
pub fn read_integration_roles(
    template: &Template,
    resolve: &dyn Fn(&Value) -> Value,
    place: &Place<'_>,
    template_dir: Option<&Path>,
) -> Vec<IntegrationRole> {
    let mut roles: BTreeMap<String, IntegrationRole> = BTreeMap::new();
    // A body in a file leash cannot read may name any role.
    let mut unread_bodies = Vec::new();
    for resource in &template.resources {
        let id = &resource.logical_id.node;
        let properties = &resource.properties;
        match resource.resource_type.node.as_str() {
            "AWS::ApiGateway::Method" => {
                if let Some(integration) = properties.get("Integration") {
                    let written = Written {
                        kind: integration.get("Type"),
                        credentials: integration.get("Credentials"),
                        uri: integration.get("Uri"),
                        subtype: None,
                        http_method: integration.get("IntegrationHttpMethod"),
                        templates: integration.get("RequestTemplates"),
                        parameters: integration.get("RequestParameters"),
                    };
                    add(
                        &mut roles,
                        template,
                        resolve,
                        place,
                        id,
                        "`Integration`",
                        &written,
                    );
                }
            }
            "AWS::ApiGatewayV2::Integration" => {
                let written = Written {
                    kind: properties.get("IntegrationType"),
                    credentials: properties.get("CredentialsArn"),
                    uri: properties.get("IntegrationUri"),
                    subtype: properties.get("IntegrationSubtype"),
                    http_method: properties.get("IntegrationMethod"),
                    templates: properties.get("RequestTemplates"),
                    parameters: properties.get("RequestParameters"),
                };
                add(
                    &mut roles,
                    template,
                    resolve,
                    place,
                    id,
                    "the integration",
                    &written,
                );
            }
            "AWS::Serverless::Api"
            | "AWS::Serverless::HttpApi"
            | "AWS::ApiGateway::RestApi"
            | "AWS::ApiGatewayV2::Api" => {
                let key = if resource.resource_type.node.starts_with("AWS::Serverless") {
                    "DefinitionBody"
                } else {
                    "Body"
                };
                let Some(body) = properties.get(key) else {
                    continue;
                };
                let body = match included(body, template_dir) {
                    Included::Inline => body.clone(),
                    Included::File(value) => value,
                    Included::Unread(why) => {
                        unread_bodies.push(format!("`{id}` {key}: {why}"));
                        continue;
                    }
                };
                let Some(paths) = body.get("paths").and_then(Value::as_object) else {
                    continue;
                };
                for path in paths {
                    for method in path.value.as_object().unwrap_or(&[]) {
                        let Some(integration) = method.value.get("x-amazon-apigateway-integration")
                        else {
                            continue;
                        };
                        let written = Written {
                            kind: integration.get("type"),
                            credentials: integration.get("credentials"),
                            uri: integration.get("uri"),
                            subtype: integration.get("integrationSubtype"),
                            http_method: integration.get("httpMethod"),
                            templates: integration.get("requestTemplates"),
                            parameters: integration.get("requestParameters"),
                        };
                        let at = format!("{key} `{} {}`", method.key.node, path.key.node);
                        add(&mut roles, template, resolve, place, id, &at, &written);
                    }
                }
            }
            _ => {}
        }
    }
    let mut roles: Vec<IntegrationRole> = roles.into_values().collect();
    for role in &mut roles {
        if let Some(why) = unread_bodies.first() {
            role.reading
                .summary
                .unknown
                .entry("*".into())
                .or_insert_with(|| {
                    format!("an API body leash cannot read may name it too ({why})")
                });
        }
        role.reading.summary.services = role
            .reading
            .uses
            .iter()
            .flat_map(|u| u.actions.iter())
            .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_ascii_lowercase()))
            .collect();
        role.reading.summary.states = role.integrations.len();
        role.reading.summary.source = role
            .integrations
            .iter()
            .map(|i| format!("`{}` {}", i.resource, i.at))
            .collect::<Vec<_>>()
            .join(", ");
    }
    roles
}

/// The roles `AWS::ApiGateway::Account` resources name as API Gateway's
/// CloudWatch role (`CloudWatchRoleArn`), with the account resource's id.
pub fn cloudwatch_roles(template: &Template) -> Vec<(String, String)> {
    template
        .resources
        .iter()
        .filter(|r| r.resource_type.node == "AWS::ApiGateway::Account")
        .filter_map(|r| {
            let role = role_id(template, r.properties.get("CloudWatchRoleArn")?)?;
            Some((r.logical_id.node.clone(), role))
        })
        .collect()
}

/// An integration's properties as written.
struct Written<'a> {
    kind: Option<&'a Value>,
    credentials: Option<&'a Value>,
    uri: Option<&'a Value>,
    subtype: Option<&'a Value>,
    http_method: Option<&'a Value>,
    templates: Option<&'a Value>,
    parameters: Option<&'a Value>,
}

/// The logical id of the template's `AWS::IAM::Role` a credentials value
/// names (`!GetAtt R.Arn`, `!Sub "${R.Arn}"`, `!Ref R`).
pub fn role_id(template: &Template, value: &Value) -> Option<String> {
    let target = if let Some(target) = value.get("Ref").and_then(Value::as_str) {
        target.to_string()
    } else if let Some(attribute) = value.get("Fn::GetAtt") {
        match attribute.as_str() {
            Some(text) => text.split_once('.').map_or(text, |(id, _)| id).to_string(),
            None => attribute.as_array()?.first()?.as_str()?.to_string(),
        }
    } else {
        let text = value.get("Fn::Sub")?.as_str()?;
        let inner = text.strip_prefix("${")?.strip_suffix('}')?;
        if inner.contains(['$', '{', '}']) {
            return None;
        }
        inner
            .split_once('.')
            .map_or(inner, |(id, _)| id)
            .to_string()
    };
    template
        .resource(&target)
        .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
        .then_some(target)
}

enum Included {
    Inline,
    File(Value),
    Unread(String),
}

/// A body written as `Fn::Transform` `AWS::Include`: read from the local
/// file next to the template, else unread.
fn included(body: &Value, template_dir: Option<&Path>) -> Included {
    let Some(transform) = body.get("Fn::Transform") else {
        return Included::Inline;
    };
    if transform.get("Name").and_then(Value::as_str) != Some("AWS::Include") {
        return Included::Unread("a transform leash does not read".into());
    }
    let Some(location) = transform
        .get("Parameters")
        .and_then(|p| p.get("Location"))
        .and_then(Value::as_str)
    else {
        return Included::Unread("`AWS::Include` without a written `Location`".into());
    };
    if location.starts_with("s3://") || location.contains("://") {
        return Included::Unread(format!("`AWS::Include` `{location}` is not a local file"));
    }
    let Some(dir) = template_dir else {
        return Included::Unread(format!(
            "`AWS::Include` `{location}`: the template's directory is not known"
        ));
    };
    let text = match std::fs::read_to_string(dir.join(location)) {
        Ok(text) => text,
        Err(e) => return Included::Unread(format!("`{location}` could not be read ({e})")),
    };
    match crate::yaml::parse_yaml(&text) {
        Ok(value) => Included::File(value),
        Err(e) => Included::Unread(format!("`{location}` does not parse ({})", e.message)),
    }
}

/// Reads one integration: when its credentials name a template role, what
/// it uses is added to that role's reading.
fn add(
    roles: &mut BTreeMap<String, IntegrationRole>,
    template: &Template,
    resolve: &dyn Fn(&Value) -> Value,
    place: &Place<'_>,
    resource: &str,
    at: &str,
    written: &Written<'_>,
) {
    let Some(role) = written.credentials.and_then(|c| role_id(template, c)) else {
        return;
    };
    let entry = roles
        .entry(role.clone())
        .or_insert_with(|| IntegrationRole {
            role,
            ..IntegrationRole::default()
        });
    entry.integrations.push(Integration {
        resource: resource.to_string(),
        at: at.to_string(),
    });
    let text = |value: Option<&Value>| {
        value
            .map(resolve)
            .and_then(|v| v.as_str().map(str::to_string))
    };
    let mut read = Read {
        place,
        reading: &mut entry.reading,
        state: format!("`{resource}` {at}"),
        templates: written
            .templates
            .and_then(Value::as_object)
            .map(|members| {
                members
                    .iter()
                    .filter_map(|m| resolve(&m.value).as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default(),
        parameters: written
            .parameters
            .and_then(Value::as_object)
            .map(|members| {
                members
                    .iter()
                    .filter_map(|m| {
                        let value = resolve(&m.value);
                        Some((m.key.node.clone(), value.as_str()?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default(),
    };
    if let Some(subtype) = text(written.subtype) {
        read.subtype(&subtype);
        return;
    }
    let kind = text(written.kind).unwrap_or_default().to_ascii_uppercase();
    let uri = text(written.uri).unwrap_or_default();
    if !matches!(kind.as_str(), "AWS" | "AWS_PROXY") {
        // An HTTP or mock integration calls no AWS service with the role.
        return;
    }
    let method = text(written.http_method).unwrap_or_default();
    read.uri(&uri, &method.to_ascii_uppercase());
}

/// A value an integration passes to the service: written out, or left to
/// the request (`$request.`, `$input`, `$context`, `$util`: VTL and HTTP
/// API parameter mapping).
fn literal(value: &str) -> Option<String> {
    let value = value.trim();
    let value = value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .unwrap_or(value);
    // `$util.urlEncode("CONSTANT")` is the constant, form-encoded (the
    // service decodes it).
    let value = value
        .strip_prefix("$util.urlEncode(")
        .and_then(|v| v.strip_suffix(')'))
        .map(|v| v.trim_matches(['"', '\'']))
        .unwrap_or(value);
    (!value.is_empty() && !value.contains('$')).then(|| value.to_string())
}

struct Read<'a, 'b> {
    place: &'a Place<'a>,
    reading: &'b mut Reading,
    state: String,
    /// The request mapping templates (resolved text).
    templates: Vec<String>,
    /// Request parameters: destination (or HTTP API parameter name) and
    /// source.
    parameters: Vec<(String, String)>,
}

impl Read<'_, '_> {
    fn unknown(&mut self, service: &str, why: String) {
        let why = format!("{}: {why}", self.state);
        self.reading.add_unknown(service, why);
    }

    fn use_(&mut self, actions: &[&str], resource: String, reference: &'static str) {
        self.reading
            .add_use(&self.state, actions, resource, reference);
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        service_arn(self.place.region, self.place.account, service, resource)
    }

    /// `sqs:` an action on the queue of `QueueUrl`.
    fn queue(&mut self, action: &str, reference: &'static str) {
        match self.field("QueueUrl") {
            Field::Literal(url) => match queue_arn(&url) {
                Some(arn) => self.use_(&[action], arn, reference),
                None => self.unknown("sqs", format!("queue URL `{url}` not read")),
            },
            _ => self.unknown("sqs", "the queue is only known at run time".into()),
        }
    }

    /// `events:PutEvents` on the bus of `EventBusName` (the account's
    /// default bus when absent).
    fn bus(&mut self, reference: &'static str) {
        match self.field("EventBusName") {
            Field::Literal(bus) => {
                let arn = if bus.starts_with("arn:") {
                    bus
                } else {
                    self.arn("events", &format!("event-bus/{bus}"))
                };
                self.use_(&["events:PutEvents"], arn, reference)
            }
            Field::Missing => {
                let arn = self.arn("events", "event-bus/default");
                self.use_(&["events:PutEvents"], arn, reference)
            }
            Field::Dynamic => {
                self.unknown("events", "the event bus is only known at run time".into())
            }
        }
    }

    /// A field the request passes: an HTTP API parameter, a REST request
    /// parameter (`integration.request.querystring.KEY`), or a field of
    /// every request template (`"KEY": "VALUE"`, `KEY=VALUE`). `None` when
    /// it is left to the request or the sources disagree.
    fn field(&self, key: &str) -> Field {
        let mut values = Vec::new();
        for (name, value) in &self.parameters {
            let named = name == key
                || name.rsplit_once('.').is_some_and(|(_, last)| {
                    last == key && name.starts_with("integration.request")
                });
            if named {
                values.push(literal(value));
            }
        }
        for template in &self.templates {
            if let Some(value) = template_field(template, key) {
                values.push(value);
            }
        }
        match values.split_first() {
            None => Field::Missing,
            Some((first, rest)) if rest.iter().all(|v| v == first) => match first {
                Some(value) => Field::Literal(value.clone()),
                None => Field::Dynamic,
            },
            Some(_) => Field::Dynamic,
        }
    }

    /// `IntegrationSubtype` of an HTTP API integration.
    fn subtype(&mut self, subtype: &str) {
        match subtype {
            "SQS-SendMessage" | "SQS-ReceiveMessage" | "SQS-DeleteMessage" | "SQS-PurgeQueue" => {
                let action = format!("sqs:{}", &subtype["SQS-".len()..]);
                self.queue(&action, SUBTYPES);
            }
            "EventBridge-PutEvents" => self.bus(SUBTYPES),
            "Kinesis-PutRecord" => self.stream(&["kinesis:PutRecord"], SUBTYPES),
            "StepFunctions-StartExecution" | "StepFunctions-StartSyncExecution" => {
                let action = format!("states:{}", &subtype["StepFunctions-".len()..]);
                self.state_machine(&action, "StateMachineArn", SUBTYPES);
            }
            "StepFunctions-StopExecution" => self.unknown(
                "states",
                "`StopExecution` acts on an execution known only at run time".into(),
            ),
            "AppConfig-GetConfiguration" => self.unknown(
                "appconfig",
                "`AppConfig-GetConfiguration` (application, environment and configuration) is not modeled".into(),
            ),
            other => self.unknown("*", format!("integration subtype `{other}` is not modeled")),
        }
    }

    fn stream(&mut self, actions: &[&str], reference: &'static str) {
        match self.field("StreamName") {
            Field::Literal(name) => {
                let arn = self.arn("kinesis", &format!("stream/{name}"));
                self.use_(actions, arn, reference)
            }
            _ => match self.field("StreamARN") {
                Field::Literal(arn) => self.use_(actions, arn, reference),
                _ => self.unknown("kinesis", "the stream is only known at run time".into()),
            },
        }
    }

    fn state_machine(&mut self, action: &str, key: &str, reference: &'static str) {
        // The REST request template writes `stateMachineArn`.
        let found = match self.field(key) {
            Field::Missing => self.field("stateMachineArn"),
            found => found,
        };
        match found {
            Field::Literal(arn) if arn.contains(":stateMachine:") => {
                self.use_(&[action], arn, reference)
            }
            _ => self.unknown(
                "states",
                "the state machine is only known at run time".into(),
            ),
        }
    }

    /// `arn:aws:apigateway:REGION:SERVICE:action/ACTION` or `:path/PATH`.
    fn uri(&mut self, uri: &str, method: &str) {
        // A pseudo parameter written in a plain string (an `AWS::Include`
        // body that does not `Fn::Sub` its URI, as the corpus's
        // `step-function-sync-rest-api` does) is read as the one it names.
        let uri = uri
            .replace("${AWS::Region}", self.place.region)
            .replace("${AWS::Partition}", "aws");
        let uri = uri.as_str();
        let parsed = Arn::parse(uri).ok().filter(|a| a.service() == "apigateway");
        let Some(parsed) = parsed.filter(|a| !a.account().as_str().is_empty()) else {
            self.unknown("*", format!("URI `{uri}` is not one leash reads"));
            return;
        };
        // `SERVICE` or `SUBDOMAIN.SERVICE`.
        let host = parsed.account().as_str().to_string();
        let service = host.rsplit('.').next().unwrap_or(&host).to_string();
        let resource = parsed.resource().as_str().to_string();
        if let Some(action) = resource.strip_prefix("action/") {
            self.action(&service, action);
        } else if let Some(path) = resource.strip_prefix("path/") {
            self.path(&service, path, method);
        } else {
            self.unknown(
                &service,
                format!("URI `{uri}` is neither `action/` nor `path/`"),
            );
        }
    }

    fn action(&mut self, service: &str, action: &str) {
        match (service, action) {
            (
                "dynamodb",
                "PutItem" | "GetItem" | "UpdateItem" | "DeleteItem" | "Query" | "Scan",
            ) => {
                let action = format!("dynamodb:{action}");
                match self.field("TableName") {
                    Field::Literal(table) => {
                        let table_arn = self.arn("dynamodb", &format!("table/{table}"));
                        match self.field("IndexName") {
                            Field::Missing => self.use_(&[&action], table_arn, DYNAMODB),
                            Field::Literal(index) => self.use_(
                                &[&action],
                                format!("{table_arn}/index/{index}"),
                                DYNAMODB,
                            ),
                            Field::Dynamic => self
                                .unknown("dynamodb", "the index is only known at run time".into()),
                        }
                    }
                    _ => self.unknown(
                        "dynamodb",
                        "the table is not written in the request template".into(),
                    ),
                }
            }
            ("sqs", "SendMessage") => self.queue("sqs:SendMessage", SQS),
            ("sns", "Publish") => match self.field("TopicArn") {
                Field::Literal(arn) if arn.starts_with("arn:") => {
                    self.use_(&["sns:Publish"], arn, INTEGRATION_URI)
                }
                _ => self.unknown("sns", "the topic is only known at run time".into()),
            },
            ("kinesis", "PutRecord" | "PutRecords") => {
                let action = format!("kinesis:{action}");
                self.stream(&[&action], KINESIS)
            }
            ("events", "PutEvents") => self.bus(INTEGRATION_URI),
            ("states", "StartExecution" | "StartSyncExecution") => {
                let action = format!("states:{action}");
                self.state_machine(&action, "stateMachineArn", STATES)
            }
            (service, action) => self.unknown(
                service,
                format!("action `{service}:{action}` of an integration is not modeled"),
            ),
        }
    }

    fn path(&mut self, service: &str, path: &str, method: &str) {
        match service {
            // `path/ACCOUNT/QUEUE`: the action is the request's `Action`
            // (SendMessage when the template writes none, as the SQS API
            // does for a POST with `MessageBody`).
            "sqs" => {
                let mut parts = path.splitn(2, '/');
                let (Some(account), Some(queue)) = (parts.next(), parts.next()) else {
                    self.unknown("sqs", format!("path `{path}` names no queue"));
                    return;
                };
                if queue.contains(['/', '{']) {
                    self.unknown("sqs", format!("path `{path}` names no queue"));
                    return;
                }
                let action = match self.field("Action") {
                    Field::Literal(action) => action,
                    Field::Missing => "SendMessage".to_string(),
                    Field::Dynamic => {
                        self.unknown("sqs", "the action is only known at run time".into());
                        return;
                    }
                };
                let arn = format!("arn:aws:sqs:{}:{account}:{queue}", self.place.region);
                let action = format!("sqs:{action}");
                self.use_(&[&action], arn, SQS);
            }
            // `path/BUCKET/KEY`: object actions by the HTTP method.
            "s3" => {
                let (bucket, key) = path.split_once('/').unwrap_or((path, ""));
                if bucket.is_empty() || bucket.contains('{') {
                    self.unknown("s3", "the bucket is only known at run time".into());
                    return;
                }
                let action = match (method, key.is_empty()) {
                    ("GET" | "HEAD", false) => "s3:GetObject",
                    ("PUT" | "POST", false) => "s3:PutObject",
                    ("DELETE", false) => "s3:DeleteObject",
                    ("GET", true) => "s3:ListBucket",
                    _ => {
                        self.unknown("s3", format!("`{method}` on `{path}` is not modeled"));
                        return;
                    }
                };
                let resource = if key.is_empty() {
                    format!("arn:aws:s3:::{bucket}")
                } else {
                    // A key written with `{param}` stands for any key there.
                    let stem = key.split('{').next().unwrap_or_default();
                    format!("arn:aws:s3:::{bucket}/{stem}*")
                };
                self.use_(&[action], resource, S3);
            }
            // `path/2015-03-31/functions/ARN/invocations`.
            "lambda" => {
                let function = path
                    .strip_prefix("2015-03-31/functions/")
                    .and_then(|rest| rest.strip_suffix("/invocations"));
                // API Gateway invokes the ARN the URI names, qualified or
                // not (not every version, as a state machine's task may).
                let named = function
                    .and_then(|f| Arn::parse(f).ok())
                    .filter(|arn| arn.lambda_function().is_some())
                    .map(|arn| arn.to_string());
                match named {
                    Some(arn) => self.use_(&["lambda:InvokeFunction"], arn, LAMBDA),
                    None => self.unknown("lambda", format!("path `{path}` names no function")),
                }
            }
            other => self.unknown(
                other,
                format!("path integration of `{other}` is not modeled"),
            ),
        }
    }
}

enum Field {
    Literal(String),
    Dynamic,
    Missing,
}

/// `"KEY": "VALUE"` (JSON mapping template) or `KEY=VALUE` (form-encoded)
/// in a request template: `Some(None)` when the value is left to the
/// request (VTL).
fn template_field(template: &str, key: &str) -> Option<Option<String>> {
    let quoted = format!("\"{key}\"");
    if let Some(at) = template.find(&quoted) {
        let rest = template[at + quoted.len()..].trim_start();
        let rest = rest.strip_prefix(':')?.trim_start();
        let Some(rest) = rest.strip_prefix('"') else {
            return Some(None);
        };
        let value = rest.split('"').next().unwrap_or_default();
        return Some(literal(value));
    }
    let assignment = format!("{key}=");
    let at = template.find(&assignment)?;
    if at > 0 && !template[..at].ends_with(['&', '\n', ' ', '"']) {
        return None;
    }
    let value = template[at + assignment.len()..]
        .split(['&', '\n', ' '])
        .next()
        .unwrap_or_default();
    // The end of a quoted template (`"Action=SendMessage"`).
    let value = match value.strip_suffix('"') {
        Some(inner) if !inner.contains('"') => inner,
        _ => value,
    };
    Some(literal(value))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn template_fields_are_read_when_written_out() {
        let json = r#"{"TableName":"Comments","Item":{"id":{"S":"$context.requestId"}}}"#;
        assert_eq!(
            template_field(json, "TableName"),
            Some(Some("Comments".into()))
        );
        let vtl = r#"{"StreamName": "$input.params('stream-name')"}"#;
        assert_eq!(template_field(vtl, "StreamName"), Some(None));
        let form = "Action=SendMessage&MessageBody=$input.body";
        assert_eq!(
            template_field(form, "Action"),
            Some(Some("SendMessage".into()))
        );
        assert_eq!(template_field(form, "TopicArn"), None);
        let encoded = "Action=Publish&TopicArn=$util.urlEncode(\"arn:aws:sns:r:1:t\")&Message=x";
        assert_eq!(
            template_field(encoded, "TopicArn"),
            Some(Some("arn:aws:sns:r:1:t".into()))
        );
        let quoted = "\"Action=SendMessage\"";
        assert_eq!(
            template_field(quoted, "Action"),
            Some(Some("SendMessage".into()))
        );
    }
}
