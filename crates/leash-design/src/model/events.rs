//! The needs and routes a function's SAM `Events` give it: API routes
//! (for the designed Lambda permissions), pollers (`SQS`, `DynamoDB`,
//! `Kinesis`: consume needs) and invokers (`S3`, `SNS`, schedules,
//! EventBridge rules: the function's resource policy).
//!
//! Not for: the function's other sources of needs (declared needs in
//! `declared`, the template's own IAM in `template_iam`, connectors in
//! `connectors`), or the permissions the events lead to (`design`).

use leash_iac::{Resource, Template};
use leash_policy::Value;

use super::{
    Access, ApiRoute, AppResource, EventInvoker, Function, Need, NeedConditions, NeedSource,
    ResourceKind, reference_target,
};

/// The function's `Events`: API routes (for Lambda permissions), pollers
/// (consume needs) and invokers (S3, SNS, schedules, EventBridge); any
/// other event is ignored, with why.
pub(super) fn read_events(
    template: &Template,
    resource: &Resource,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    function: &mut Function,
) {
    let logical_id = resource.logical_id.node.clone();
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
            "SQS" | "DynamoDB" | "Kinesis" => {
                let (key, kind) = match event_type {
                    "SQS" => ("Queue", ResourceKind::Queue),
                    "DynamoDB" => ("Stream", ResourceKind::Table),
                    _ => ("Stream", ResourceKind::Stream),
                };
                match property(key).and_then(reference_target) {
                    Some(target)
                        if resources
                            .iter()
                            .any(|r| r.logical_id == target && r.kind == kind) =>
                    {
                        function.needs.push(Need {
                            resource: target,
                            access: Access::Consume,
                            prefix: None,
                            index: false,
                            actions: Vec::new(),
                            scope: None,
                            conditions: NeedConditions::default(),
                            source: NeedSource::EventSource { event: event_name },
                        })
                    }
                    _ => function.ignored.push(format!(
                        "event `{event_name}`: its {key} is not a {} of the template",
                        kind.as_str()
                    )),
                }
            }
            "S3" | "SNS" | "Schedule" | "EventBridgeRule" | "CloudWatchEvent" => {
                match event_invoker(
                    &logical_id,
                    &event_name,
                    event_type,
                    properties,
                    resources,
                    resolve,
                    (account, region),
                ) {
                    Ok(invoker) => function.invokers.push(invoker),
                    Err(why) => function
                        .ignored
                        .push(format!("event `{event_name}` ({event_type}): {why}")),
                }
            }
            // What Lambda needs for it is a Lambda need (`lambda_needs`).
            "MQ" => {}
            // EventBridge Scheduler invokes the function with the
            // schedule's own role, not through the function's role or
            // resource policy: the schedule is a principal of its own
            // (`leash_iac::eventbridge::sam_events`).
            "ScheduleV2" => {}
            other => function.ignored.push(format!(
                "event `{event_name}` of type `{other}`: not designed yet"
            )),
        }
    }
    // `AWS::Lambda::EventSourceMapping` resources of the function (what
    // SAM writes for a pull event, written by hand): Lambda polls the
    // source with the function's role.
    // https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions
    for mapping in &template.resources {
        if mapping.resource_type.node != "AWS::Lambda::EventSourceMapping"
            || mapping
                .properties
                .get("FunctionName")
                .and_then(reference_target)
                .is_none_or(|target| target != logical_id)
        {
            continue;
        }
        let mapping_id = mapping.logical_id.node.clone();
        let source = mapping
            .properties
            .get("EventSourceArn")
            .and_then(reference_target)
            .and_then(|target| resources.iter().find(|r| r.logical_id == target))
            .filter(|r| {
                matches!(
                    r.kind,
                    ResourceKind::Queue | ResourceKind::Table | ResourceKind::Stream
                )
            });
        match source {
            Some(source) => function.needs.push(Need {
                resource: source.logical_id.clone(),
                access: Access::Consume,
                prefix: None,
                index: false,
                actions: Vec::new(),
                scope: None,
                conditions: NeedConditions::default(),
                source: NeedSource::EventSource { event: mapping_id },
            }),
            None => function.ignored.push(format!(
                "event source mapping `{mapping_id}`: its EventSourceArn is not a queue, table stream or stream of the template"
            )),
        }
    }
}

/// The invoker of an `S3`, `SNS`, `Schedule`, `EventBridgeRule` or
/// `CloudWatchEvent` event, with the source ARN SAM's permission would
/// carry: the bucket (SAM requires a bucket of the template), the topic,
/// or the rule SAM creates as `<Function><Event>` (named by the event's
/// `Name`/`RuleName`, else by CloudFormation; on `EventBusName` when set).
/// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-function.html
/// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-lambda-permissions
/// https://docs.aws.amazon.com/lambda/latest/dg/with-s3.html
#[allow(clippy::too_many_arguments)]
fn event_invoker(
    function: &str,
    event: &str,
    event_type: &str,
    properties: Option<&Value>,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
) -> Result<EventInvoker, String> {
    let property = |key: &str| properties.and_then(|p| p.get(key));
    let text = |key: &str| -> Result<Option<String>, String> {
        match property(key).map(resolve) {
            None => Ok(None),
            Some(value) => match value.as_str() {
                Some(text) if !text.contains('*') => Ok(Some(text.to_string())),
                _ => Err(format!("its {key} is only known at deployment")),
            },
        }
    };
    let template_resource = |key: &str, kind: ResourceKind| {
        property(key)
            .and_then(reference_target)
            .and_then(|target| {
                resources
                    .iter()
                    .find(|r| r.logical_id == target && r.kind == kind)
            })
            .ok_or_else(|| format!("its {key} is not a {} of the template", kind.as_str()))
    };
    let (principal, source_arn) = match event_type {
        "S3" => {
            let bucket = template_resource("Bucket", ResourceKind::Bucket)?;
            // `Ref` of a bucket is its name.
            let name = if bucket.named {
                bucket.name.clone()
            } else {
                format!("${{{}}}", bucket.logical_id)
            };
            ("s3.amazonaws.com", format!("arn:aws:s3:::{name}"))
        }
        "SNS" => {
            let topic = template_resource("Topic", ResourceKind::Topic)?;
            // `Ref` of a topic is its ARN.
            let arn = if topic.named {
                crate::access::scope_arn(
                    crate::access::Scope::Topic,
                    &topic.name,
                    region,
                    account,
                    None,
                )
            } else {
                format!("${{{}}}", topic.logical_id)
            };
            ("sns.amazonaws.com", arn)
        }
        _ => {
            let name_key = if event_type == "EventBridgeRule" {
                "RuleName"
            } else {
                "Name"
            };
            let bus = match property("EventBusName") {
                Some(value) => match reference_target(value).and_then(|target| {
                    resources
                        .iter()
                        .find(|r| r.logical_id == target && r.kind == ResourceKind::EventBus)
                }) {
                    Some(bus) => Some(bus.name.clone()),
                    None => text("EventBusName")?,
                },
                None => None,
            }
            .filter(|bus| bus != "default");
            let arn = match text(name_key)? {
                Some(rule) => match bus {
                    Some(bus) => format!("arn:aws:events:{region}:{account}:rule/{bus}/{rule}"),
                    None => format!("arn:aws:events:{region}:{account}:rule/{rule}"),
                },
                None => format!("${{{function}{event}.Arn}}"),
            };
            ("events.amazonaws.com", arn)
        }
    };
    Ok(EventInvoker {
        event: event.to_string(),
        event_type: event_type.to_string(),
        principal: principal.to_string(),
        source_arn,
    })
}
