//! EventBridge principals: what an EventBridge Pipe, a Scheduler schedule
//! or a rule's targets do with the role they name, read from the
//! resource itself (its source, enrichment, target, dead-letter queue,
//! logging), as each service documents the permissions of that role.
//!
//! The reading has the shape of a state machine's definition
//! ([`crate::state_machine::Reading`]): the uses (actions on a resource),
//! and the services whose uses the resource leaves to run time or that
//! leash does not model (*unknown*: what the template grants for them is
//! kept, the first law). Shared by `leash design` (which designs the role
//! from it) and `leash check` (L514: a role that reaches beyond it).
//!
//! - Pipes: <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>
//! - Scheduler: <https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role>
//! - Rule targets: <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>
//!
//! Not for: the template IAM of the role, or designing it (`leash-design`).

use leash_policy::Value;
use leash_policy::arn::Arn;

use crate::state_machine::Reading;
use crate::template::Resource;

/// The Pipes page: source, enrichment and target permissions.
pub const PIPES_IAM: &str =
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html";
/// Pipes logging to CloudWatch Logs or Firehose.
pub const PIPES_LOGS_IAM: &str =
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html";
/// The Scheduler execution role page.
pub const SCHEDULER_IAM: &str = "https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role";
/// The Scheduler page on universal targets (`aws-sdk:SERVICE:apiAction`).
pub const SCHEDULER_UNIVERSAL: &str =
    "https://docs.aws.amazon.com/scheduler/latest/UserGuide/managing-targets-universal.html";
/// The EventBridge page on the roles rule targets use.
pub const RULE_TARGET_IAM: &str =
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html";

/// Which EventBridge principal a resource is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventBridgeKind {
    /// `AWS::Pipes::Pipe`, its `RoleArn`.
    Pipe,
    /// `AWS::Scheduler::Schedule`, its `Target.RoleArn`.
    Schedule,
    /// `AWS::Events::Rule`, the `RoleArn` of its targets.
    RuleTarget,
}

impl EventBridgeKind {
    pub fn of_type(resource_type: &str) -> Option<EventBridgeKind> {
        match resource_type {
            "AWS::Pipes::Pipe" => Some(EventBridgeKind::Pipe),
            "AWS::Scheduler::Schedule" => Some(EventBridgeKind::Schedule),
            "AWS::Events::Rule" => Some(EventBridgeKind::RuleTarget),
            _ => None,
        }
    }
}

/// The role values a resource runs as, as written: a pipe's `RoleArn`, a
/// schedule's `Target.RoleArn`, each rule target's `RoleArn`, a function's
/// or state machine's `Role`/`RoleArn`. Empty for anything else.
pub fn role_values(resource: &Resource) -> Vec<&Value> {
    let properties = &resource.properties;
    match resource.resource_type.node.as_str() {
        "AWS::Lambda::Function" | "AWS::Serverless::Function" | "AWS::Serverless::StateMachine" => {
            properties.get("Role").into_iter().collect()
        }
        "AWS::StepFunctions::StateMachine" | "AWS::Pipes::Pipe" => {
            properties.get("RoleArn").into_iter().collect()
        }
        "AWS::Scheduler::Schedule" => properties
            .get("Target")
            .and_then(|t| t.get("RoleArn"))
            .into_iter()
            .collect(),
        "AWS::Events::Rule" => rule_targets(resource)
            .iter()
            .filter_map(|t| t.get("RoleArn"))
            .collect(),
        _ => Vec::new(),
    }
}

fn rule_targets(resource: &Resource) -> &[Value] {
    resource
        .properties
        .get("Targets")
        .and_then(Value::as_array)
        .unwrap_or(&[])
}

/// What the principal does with its role. For a rule, the targets that
/// name the role its first role-bearing target names (targets with
/// another role are another role's business).
pub fn read_eventbridge_principal(
    resource: &Resource,
    kind: EventBridgeKind,
    resolve: &dyn Fn(&Value) -> Value,
) -> Reading {
    let mut reading = Reading::default();
    let mut read = Read {
        reading: &mut reading,
        resolve,
    };
    read.keys_not_followed();
    let properties = &resource.properties;
    match kind {
        EventBridgeKind::Pipe => read.pipe(properties),
        EventBridgeKind::Schedule => read.schedule(properties),
        EventBridgeKind::RuleTarget => {
            let text = |v: &Value| resolve(v).as_str().map(str::to_string);
            let first_role = role_values(resource).first().and_then(|r| text(r));
            let mut states = 0;
            for (index, target) in rule_targets(resource).iter().enumerate() {
                let Some(role) = target.get("RoleArn") else {
                    continue;
                };
                if text(role) != first_role {
                    continue;
                }
                states += 1;
                read.rule_target(index, target);
            }
            read.reading.summary.states = states;
        }
    }
    reading.summary.source = match kind {
        EventBridgeKind::Pipe => {
            "the pipe's `Source`, `Enrichment`, `Target` and `LogConfiguration`"
        }
        EventBridgeKind::Schedule => "the schedule's `Target`",
        EventBridgeKind::RuleTarget => "the rule's `Targets` that name the role",
    }
    .to_string();
    summarize_services(&mut reading);
    reading
}

/// The services the reading tells uses of, for its summary.
fn summarize_services(reading: &mut Reading) {
    reading.summary.services = reading
        .uses
        .iter()
        .flat_map(|u| u.actions.iter())
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_ascii_lowercase()))
        .collect();
}

/// SAM's page on the `ScheduleV2` event of a function.
pub const SAM_SCHEDULE_V2: &str = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html";
/// SAM's page on the `Schedule` event of a state machine.
pub const SAM_STATE_MACHINE_SCHEDULE: &str = "https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineschedule.html";

/// A SAM event of a function or state machine that EventBridge runs with
/// a role of its own: a `ScheduleV2` event (a function's or a state
/// machine's: SAM writes an `AWS::Scheduler::Schedule`) or a state
/// machine's `Schedule`, `EventBridgeRule` or `CloudWatchEvent` event (an
/// `AWS::Events::Rule` whose target is the state machine). Its role is the
/// one its `RoleArn` names (`ScheduleV2` and `Schedule` only: SAM has no
/// `RoleArn` for the other two), else the one SAM generates,
/// `<Resource><Event>Role` (the statements `extract` reads for it).
///
/// An event whose `DeadLetterConfig` has SAM create the queue (`Type:
/// SQS`) is not one: the queue is no resource of the template, so the
/// role's statement on it could be neither matched nor written back (and
/// a state machine's rule event, written as a rule of its own, would need
/// the queue and queue policy SAM creates with it).
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-statemachine.html>
#[derive(Clone, Debug)]
pub struct SamEvent<'a> {
    /// `<Resource><Event>`: the logical id SAM gives the schedule or rule,
    /// and the principal's.
    pub principal: String,
    /// The function or state machine.
    pub resource: String,
    /// The event's name under `Events`.
    pub event: String,
    /// `ScheduleV2`, `Schedule`, `EventBridgeRule` or `CloudWatchEvent`.
    pub event_type: String,
    pub kind: EventBridgeKind,
    /// Whether the target is a function (else a state machine).
    pub targets_function: bool,
    /// The event's `Properties`.
    pub properties: Option<&'a Value>,
    /// The event's `RoleArn`, as written.
    pub role: Option<&'a Value>,
}

impl SamEvent<'_> {
    /// The role SAM generates when the event has no `RoleArn`: SAM's
    /// `LogicalIdGenerator` with no data is the prefix itself.
    pub fn generated_role(&self) -> String {
        format!("{}Role", self.principal)
    }

    /// The event property `key`.
    pub fn property(&self, key: &str) -> Option<&Value> {
        self.properties.and_then(|p| p.get(key))
    }

    /// The target as SAM writes it: `!GetAtt F.Arn` for a function, `!Ref
    /// M` (its ARN) for a state machine.
    pub fn target(&self, span: leash_policy::Span) -> Value {
        use leash_policy::{Member, Spanned, ValueKind};
        let text = |t: &str| Value::new(ValueKind::String(t.to_string()), span);
        let (key, value) = if self.targets_function {
            (
                "Fn::GetAtt",
                Value::new(
                    ValueKind::Array(vec![text(&self.resource), text("Arn")]),
                    span,
                ),
            )
        } else {
            ("Ref", text(&self.resource))
        };
        Value::new(
            ValueKind::Object(vec![Member {
                key: Spanned::new(key.to_string(), span),
                value,
            }]),
            span,
        )
    }

    /// The dead-letter queue's `DeadLetterConfig.Arn`, as written (an
    /// event whose queue SAM creates is no [`SamEvent`]).
    pub fn dead_letter(&self) -> Option<&Value> {
        self.property("DeadLetterConfig")?.get("Arn")
    }
}

/// The `ScheduleV2` events of an `AWS::Serverless::Function` or
/// `StateMachine` and the `Schedule`, `EventBridgeRule` and
/// `CloudWatchEvent` events of a state machine ([`SamEvent`]).
pub fn sam_events(resource: &Resource) -> Vec<SamEvent<'_>> {
    let targets_function = match resource.resource_type.node.as_str() {
        "AWS::Serverless::Function" => true,
        "AWS::Serverless::StateMachine" => false,
        _ => return Vec::new(),
    };
    let events = resource
        .properties
        .get("Events")
        .and_then(Value::as_object)
        .unwrap_or(&[]);
    let mut found = Vec::new();
    for event in events {
        let event_type = event
            .value
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let properties = event.value.get("Properties");
        let kind = match event_type {
            "ScheduleV2" => EventBridgeKind::Schedule,
            "Schedule" | "EventBridgeRule" | "CloudWatchEvent" if !targets_function => {
                EventBridgeKind::RuleTarget
            }
            _ => continue,
        };
        let creates_queue = properties
            .and_then(|p| p.get("DeadLetterConfig"))
            .is_some_and(|d| d.get("Arn").is_none());
        if creates_queue {
            continue;
        }
        found.push(SamEvent {
            principal: format!("{}{}", resource.logical_id.node, event.key.node),
            resource: resource.logical_id.node.clone(),
            event: event.key.node.clone(),
            event_type: event_type.to_string(),
            kind,
            targets_function,
            properties,
            // SAM reads `RoleArn` on these two only.
            role: matches!(event_type, "ScheduleV2" | "Schedule")
                .then(|| properties.and_then(|p| p.get("RoleArn")))
                .flatten(),
        });
    }
    found
}

/// What a SAM event's schedule or rule does with its role: invoke its
/// function or start its state machine, send to its dead-letter queue (a
/// schedule's: a rule's is sent to through the queue's policy), decrypt
/// with its key (a schedule's `KmsKeyArn`).
pub fn read_sam_event(event: &SamEvent<'_>, resolve: &dyn Fn(&Value) -> Value) -> Reading {
    let mut reading = Reading::default();
    let mut read = Read {
        reading: &mut reading,
        resolve,
    };
    read.keys_not_followed();
    let span = event
        .properties
        .map_or_else(leash_policy::Span::default, |p| p.span);
    let target = event.target(span);
    match event.kind {
        EventBridgeKind::Schedule => {
            let arn = read.text(Some(&target));
            read.scheduled_target(arn);
            if let Some(arn) = event.dead_letter() {
                let at = "`DeadLetterConfig`";
                match read.text(Some(arn)).map(|arn| named(&arn)) {
                    Some(Named::Queue(queue)) => {
                        read.use_(at, &["sqs:SendMessage"], queue, SCHEDULER_IAM);
                    }
                    _ => read.unmodeled(at, "a dead-letter queue that is not one ARN"),
                }
            }
            if let Some(key) = read.text(event.property("KmsKeyArn")) {
                read.use_("`KmsKeyArn`", &["kms:Decrypt"], key, SCHEDULER_IAM);
            }
        }
        _ => {
            read.reading.summary.states = 1;
            match read.text(Some(&target)) {
                Some(arn) => read.common_target("`Target`", named(&arn), RULE_TARGET_IAM),
                None => read.unmodeled("`Target`", "a target that is not one ARN"),
            }
        }
    }
    reading.summary.source = format!(
        "the SAM `{}` event `{}` of `{}` (its target is `{}`)",
        event.event_type, event.event, event.resource, event.resource
    );
    summarize_services(&mut reading);
    reading
}

/// What a resolved ARN names, for the services EventBridge reaches.
enum Named {
    /// The function's unqualified ARN, and the ARN as written when it
    /// names a version or an alias.
    Function(String, Option<String>),
    StateMachine(String),
    Queue(String),
    Topic(String),
    Stream(String),
    TableStream(String),
    Bus(String),
    ApiDestination(String),
    DeliveryStream(String),
    LogGroup(String),
    ExecuteApi(String),
    /// An ARN of another service (its prefix) or kind.
    Other(String),
    /// Not an ARN leash can read (a value known only at deployment, ...).
    Unreadable,
}

fn named(text: &str) -> Named {
    let Ok(arn) = Arn::parse(text) else {
        return Named::Unreadable;
    };
    let service = arn.service().as_str().to_string();
    let resource_type = arn.resource_type();
    match service.as_str() {
        "lambda" => match arn.lambda_function() {
            Some(function) => Arn::from_parts(
                arn.partition().as_str(),
                "lambda",
                arn.region().as_str(),
                arn.account().as_str(),
                &format!("function:{}", function.name),
            )
            .map_or(Named::Unreadable, |base| {
                let base = base.to_string();
                let qualified = (base != text).then(|| text.to_string());
                Named::Function(base, qualified)
            }),
            None => Named::Other(service),
        },
        "states" if resource_type == "stateMachine" => Named::StateMachine(text.to_string()),
        "sqs" => Named::Queue(text.to_string()),
        "sns" => Named::Topic(text.to_string()),
        "kinesis" if resource_type == "stream" => Named::Stream(text.to_string()),
        "dynamodb" if text.contains("/stream/") => Named::TableStream(text.to_string()),
        "events" if resource_type == "event-bus" => Named::Bus(text.to_string()),
        "events" if resource_type == "api-destination" => Named::ApiDestination(text.to_string()),
        "firehose" if resource_type == "deliverystream" => Named::DeliveryStream(text.to_string()),
        "logs" if resource_type == "log-group" => Named::LogGroup(text.to_string()),
        "execute-api" => Named::ExecuteApi(text.to_string()),
        _ => Named::Other(service),
    }
}

/// `arn:...:log-group:NAME` (or the `:*` form CloudFormation's `Arn`
/// attribute returns) -> `arn:...:log-group:NAME:*`, where log streams are.
fn log_streams(group: &str) -> String {
    if group.ends_with(":*") {
        group.to_string()
    } else {
        format!("{group}:*")
    }
}

struct Read<'a, 'b> {
    reading: &'b mut Reading,
    resolve: &'a dyn Fn(&Value) -> Value,
}

impl Read<'_, '_> {
    /// A customer managed key of a queue, stream or topic the principal
    /// reads or writes is used through that service with the role: leash
    /// does not follow it, so what the template grants for KMS is kept.
    fn keys_not_followed(&mut self) {
        self.unknown(
            "kms",
            "customer managed keys of the resources it reads or writes are not followed".into(),
        );
    }

    fn unknown(&mut self, service: &str, why: String) {
        self.reading.add_unknown(service, why);
    }

    fn use_(&mut self, place: &str, actions: &[&str], resource: String, reference: &'static str) {
        self.reading.add_use(place, actions, resource, reference);
    }

    /// The resolved string of `value`, when it is one.
    fn text(&self, value: Option<&Value>) -> Option<String> {
        value
            .map(|v| (self.resolve)(v))
            .and_then(|v| v.as_str().map(str::to_string))
    }

    /// Something the principal reaches that leash does not model: every
    /// service is unknown (what the template grants is kept).
    fn unmodeled(&mut self, place: &str, what: &str) {
        self.unknown("*", format!("{place}: {what} is not modeled"));
    }

    fn pipe(&mut self, properties: &Value) {
        self.reading.summary.states = 0;
        match self.text(properties.get("Source")) {
            Some(source) => self.pipe_source(&source, properties),
            None => self.unmodeled("`Source`", "a source that is not one ARN"),
        }
        if let Some(enrichment) = properties.get("Enrichment") {
            match self.text(Some(enrichment)) {
                Some(arn) => self.pipe_enrichment(&arn),
                None => self.unmodeled("`Enrichment`", "an enrichment that is not one ARN"),
            }
        }
        match self.text(properties.get("Target")) {
            Some(target) => self.pipe_target(&target, properties.get("TargetParameters")),
            None => self.unmodeled("`Target`", "a target that is not one ARN"),
        }
        if let Some(logging) = properties.get("LogConfiguration") {
            self.pipe_logging(logging);
        }
    }

    fn pipe_source(&mut self, source: &str, properties: &Value) {
        self.reading.summary.states += 1;
        let place = "`Source`";
        match named(source) {
            Named::Queue(queue) => self.use_(
                place,
                &[
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                    "sqs:ReceiveMessage",
                ],
                queue,
                PIPES_IAM,
            ),
            Named::Stream(stream) => {
                self.use_(
                    place,
                    &[
                        "kinesis:DescribeStream",
                        "kinesis:DescribeStreamSummary",
                        "kinesis:GetRecords",
                        "kinesis:GetShardIterator",
                        "kinesis:ListShards",
                    ],
                    stream.clone(),
                    PIPES_IAM,
                );
                // `ListStreams` has no resource type; enhanced fan-out
                // reads through a consumer of the stream.
                self.use_(place, &["kinesis:ListStreams"], "*".into(), PIPES_IAM);
                self.use_(
                    place,
                    &["kinesis:SubscribeToShard"],
                    format!("{stream}/consumer/*"),
                    PIPES_IAM,
                );
            }
            // A stream label known only at deployment (`GetAtt
            // Table.StreamArn`) has no form leash can write back in a
            // designed ARN: the service stays unknown, and what the
            // template grants for it is kept as written.
            Named::TableStream(stream)
                if stream
                    .split_once("/stream/")
                    .is_some_and(|(_, label)| label.chars().any(leash_policy::arn::is_symbol)) =>
            {
                self.unknown(
                    "dynamodb",
                    "`Source`: the stream's label is only known at deployment".into(),
                );
            }
            Named::TableStream(stream) => {
                self.use_(
                    place,
                    &[
                        "dynamodb:DescribeStream",
                        "dynamodb:GetRecords",
                        "dynamodb:GetShardIterator",
                    ],
                    stream,
                    PIPES_IAM,
                );
                self.use_(place, &["dynamodb:ListStreams"], "*".into(), PIPES_IAM);
            }
            Named::Other(service) => self.unmodeled(
                place,
                &format!("a `{service}` source (Amazon MQ, MSK, self-managed Kafka: brokers, secrets, VPC)"),
            ),
            _ => self.unmodeled(place, "this source"),
        }
        // A dead-letter queue of a stream source's failed batches.
        let parameters = properties.get("SourceParameters");
        for key in ["KinesisStreamParameters", "DynamoDBStreamParameters"] {
            let dead_letter = parameters
                .and_then(|p| p.get(key))
                .and_then(|p| p.get("DeadLetterConfig"))
                .and_then(|d| d.get("Arn"));
            if dead_letter.is_none() {
                continue;
            }
            let at = "`SourceParameters` `DeadLetterConfig`";
            match self.text(dead_letter).map(|arn| named(&arn)) {
                Some(Named::Queue(queue)) => {
                    self.use_(at, &["sqs:SendMessage"], queue, PIPES_IAM);
                }
                Some(Named::Topic(topic)) => self.use_(at, &["sns:Publish"], topic, PIPES_IAM),
                _ => self.unmodeled(at, "a dead-letter destination that is not a queue or topic"),
            }
        }
    }

    fn pipe_enrichment(&mut self, arn: &str) {
        self.reading.summary.states += 1;
        let place = "`Enrichment`";
        match named(arn) {
            Named::Function(function, qualified) => {
                let invoked = qualified.unwrap_or(function);
                self.use_(place, &["lambda:InvokeFunction"], invoked, PIPES_IAM);
            }
            // Only express workflows enrich, synchronously.
            Named::StateMachine(machine) => {
                self.use_(place, &["states:StartSyncExecution"], machine, PIPES_IAM);
            }
            Named::ApiDestination(destination) => self.use_(
                place,
                &["events:InvokeApiDestination"],
                destination,
                PIPES_IAM,
            ),
            Named::ExecuteApi(api) => self.use_(place, &["execute-api:Invoke"], api, PIPES_IAM),
            _ => self.unmodeled(place, "this enrichment"),
        }
    }

    fn pipe_target(&mut self, target: &str, parameters: Option<&Value>) {
        self.reading.summary.states += 1;
        let place = "`Target`";
        match named(target) {
            Named::StateMachine(machine) => {
                let invocation = self.text(
                    parameters
                        .and_then(|p| p.get("StepFunctionStateMachineParameters"))
                        .and_then(|p| p.get("InvocationType")),
                );
                let actions: &[&str] = match invocation.as_deref() {
                    Some("FIRE_AND_FORGET") => &["states:StartExecution"],
                    Some("REQUEST_RESPONSE") => &["states:StartSyncExecution"],
                    _ => &["states:StartExecution", "states:StartSyncExecution"],
                };
                self.use_(place, actions, machine, PIPES_IAM);
            }
            Named::Stream(stream) => self.use_(
                place,
                &["kinesis:PutRecord", "kinesis:PutRecords"],
                stream,
                PIPES_IAM,
            ),
            named => self.common_target(place, named, PIPES_IAM),
        }
    }

    /// A pipe's logs are delivered by CloudWatch Logs' log delivery (to a
    /// log group, a delivery stream or a bucket), whose permissions the
    /// Pipes page on logging leaves to the destination
    /// (<https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-logs.html>):
    /// leash does not model them, and keeps what the template grants for
    /// the destination's service, as for a state machine's logging.
    fn pipe_logging(&mut self, logging: &Value) {
        let destinations = [
            ("CloudwatchLogsLogDestination", "logs"),
            ("FirehoseLogDestination", "firehose"),
            ("S3LogDestination", "s3"),
        ];
        for (key, service) in destinations {
            if logging.get(key).is_some() {
                self.unknown(
                    service,
                    format!(
                        "`LogConfiguration` `{key}`: log delivery is not modeled ({PIPES_LOGS_IAM})"
                    ),
                );
            }
        }
    }

    /// The targets Pipes, Scheduler and rules share, each with its
    /// documented action; anything else is not modeled.
    fn common_target(&mut self, place: &str, named: Named, reference: &'static str) {
        match named {
            // The function as the target names it (a version or alias
            // when qualified).
            Named::Function(function, qualified) => {
                let invoked = qualified.unwrap_or(function);
                self.use_(place, &["lambda:InvokeFunction"], invoked, reference);
            }
            Named::StateMachine(machine) => {
                self.use_(place, &["states:StartExecution"], machine, reference);
            }
            Named::Queue(queue) => self.use_(place, &["sqs:SendMessage"], queue, reference),
            Named::Topic(topic) => self.use_(place, &["sns:Publish"], topic, reference),
            Named::Stream(stream) => self.use_(place, &["kinesis:PutRecord"], stream, reference),
            Named::Bus(bus) => self.use_(place, &["events:PutEvents"], bus, reference),
            Named::ApiDestination(destination) => self.use_(
                place,
                &["events:InvokeApiDestination"],
                destination,
                reference,
            ),
            Named::DeliveryStream(stream) => self.use_(
                place,
                &["firehose:PutRecord", "firehose:PutRecordBatch"],
                stream,
                reference,
            ),
            Named::LogGroup(group) => self.use_(
                place,
                &["logs:CreateLogStream", "logs:PutLogEvents"],
                log_streams(&group),
                reference,
            ),
            Named::ExecuteApi(api) => self.use_(place, &["execute-api:Invoke"], api, reference),
            Named::Other(service) => self.unmodeled(place, &format!("a `{service}` target")),
            Named::TableStream(_) | Named::Unreadable => {
                self.unmodeled(place, "a target that is not an ARN leash reads");
            }
        }
    }

    fn schedule(&mut self, properties: &Value) {
        let target = properties.get("Target");
        let arn = self.text(target.and_then(|t| t.get("Arn")));
        self.scheduled_target(arn);
        let dead_letter = target
            .and_then(|t| t.get("DeadLetterConfig"))
            .and_then(|d| d.get("Arn"));
        if dead_letter.is_some() {
            let at = "`Target.DeadLetterConfig`";
            match self.text(dead_letter).map(|arn| named(&arn)) {
                Some(Named::Queue(queue)) => {
                    self.use_(at, &["sqs:SendMessage"], queue, SCHEDULER_IAM);
                }
                _ => self.unmodeled(at, "a dead-letter queue that is not one ARN"),
            }
        }
        if let Some(key) = self.text(properties.get("KmsKeyArn")) {
            self.use_("`KmsKeyArn`", &["kms:Decrypt"], key, SCHEDULER_IAM);
        }
    }

    /// A schedule's target (its resolved ARN), as Scheduler reaches it.
    fn scheduled_target(&mut self, arn: Option<String>) {
        self.reading.summary.states = 1;
        let place = "`Target`";
        match arn {
            Some(arn) if arn.contains(":scheduler:::aws-sdk:") => {
                // `arn:aws:scheduler:::aws-sdk:SERVICE:apiAction`: the
                // resource is in the schedule's `Input`, left to run time.
                let service = arn
                    .split_once(":scheduler:::aws-sdk:")
                    .and_then(|(_, rest)| rest.split_once(':'))
                    .map_or("*", |(service, _)| service);
                let prefix = match service {
                    "sfn" => "states",
                    "eventbridge" => "events",
                    other => other,
                };
                self.unknown(
                    prefix,
                    format!(
                        "a universal target `{arn}` acts on the resource its `Input` names ({SCHEDULER_UNIVERSAL})"
                    ),
                );
            }
            Some(arn) => {
                let found = named(&arn);
                if let Named::Function(function, None) = &found {
                    // The function, its versions and its aliases (the
                    // Scheduler page's example grants both).
                    self.use_(
                        place,
                        &["lambda:InvokeFunction"],
                        format!("{function}:*"),
                        SCHEDULER_IAM,
                    );
                }
                self.common_target(place, found, SCHEDULER_IAM);
            }
            None => self.unmodeled(place, "a target that is not one ARN"),
        }
    }

    fn rule_target(&mut self, index: usize, target: &Value) {
        let place = format!("`Targets[{index}]`");
        let Some(arn) = self.text(target.get("Arn")) else {
            self.unmodeled(&place, "a target that is not one ARN");
            return;
        };
        // EventBridge's page says Lambda, SQS, SNS and CloudWatch Logs
        // targets are reached through their resource policy, not a role;
        // where the template still names one for them, leash cannot tell
        // that EventBridge never uses it, so the target's action stays
        // the role's (as far as the template grants it: the first law).
        self.common_target(&place, named(&arn), RULE_TARGET_IAM);
        // A rule target's dead-letter queue is sent to through the
        // queue's resource policy, not the role
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
    }
}
