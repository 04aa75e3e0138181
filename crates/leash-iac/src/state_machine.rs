//! A Step Functions state machine as a principal: what its role must allow,
//! read from its definition (Amazon States Language), as Step Functions
//! documents it for each integration.
//!
//! The definition is read from `Definition` (inline), `DefinitionString`
//! (JSON text, `Fn::Sub`/`Fn::Join` resolved) or a local `DefinitionUri`
//! file next to the template, with `DefinitionSubstitutions` applied. Each
//! `Task` state (in `Parallel` branches and `Map` processors too) gives the
//! actions its integration calls on the resource its parameters name.
//! What the definition leaves to run time (a JSONPath `.$` or JSONata
//! value naming the resource, an integration leash does not model, a
//! definition in S3) makes its service *unknown*: what the template grants
//! for that service is not superseded by the definition (the first law).
//!
//! Shared by `leash design` (which designs the state machine's role from
//! it) and `leash check` (which reports a role that reaches beyond it).
//!
//! Not for: the state machine's template IAM, or designing the role
//! (`leash-design`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use leash_policy::{Member, Value, ValueKind};

use crate::template::Resource;

/// What a state machine's definition says it uses.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DefinitionSummary {
    /// Where the definition was read from (`Definition`, `DefinitionString`,
    /// `DefinitionUri` `file`), for the report.
    pub source: String,
    /// How many states it has (nested ones included).
    pub states: usize,
    /// Services whose resources the definition leaves to run time (a
    /// JSONPath or JSONata value, an integration leash does not model),
    /// each with why: what the template grants for them is not
    /// superseded by the definition. `*`: every service (the definition
    /// could not be read).
    pub unknown: BTreeMap<String, String>,
    /// The services the definition calls (IAM service prefixes).
    pub services: BTreeSet<String>,
}

impl DefinitionSummary {
    /// Whether the definition tells every use of `service` (an IAM
    /// service prefix).
    pub fn complete_for(&self, service: &str) -> bool {
        !self.unknown.contains_key("*")
            && !self.unknown.keys().any(|s| s.eq_ignore_ascii_case(service))
    }
}

/// The IAM page of each integration (Step Functions developer guide,
/// "IAM policies for ..." of each optimized service).
const LAMBDA_IAM: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html";
const DYNAMODB_IAM: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/dynamo-iam.html";
const SQS_IAM: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/sqs-iam.html";
const SNS_IAM: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/sns-iam.html";
const EVENTBRIDGE_IAM: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-iam.html";
const STATES_IAM: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html";
const SDK_IAM: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/supported-services-awssdk.html";
const DISTRIBUTED_MAP_IAM: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html";
const LOGS_IAM: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html";
const XRAY_IAM: &str =
    "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-xray-tracing.html";

/// The managed rule Step Functions uses to learn that a nested `.sync`
/// execution ended (stepfunctions-iam.html, "Synchronous").
pub const SYNC_RULE: &str = "StepFunctionsGetEventsForStepFunctionsExecutionRule";

/// One use of a resource by the state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Use {
    /// The state (or `LoggingConfiguration`, `TracingConfiguration`).
    pub state: String,
    pub actions: Vec<String>,
    /// The ARN (resolved; values known only at deployment are symbols),
    /// or `*` where the actions have no resource-level permissions.
    pub resource: String,
    pub reference: &'static str,
    /// The conditions the service's page grants the use under (a key used
    /// only through S3: `kms:ViaService`); none for most uses.
    pub conditions: Vec<UseCondition>,
}

/// One condition of a [`Use`]: the policy's `Condition` operator, key and
/// values, as the grant is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UseCondition {
    pub operator: String,
    pub key: String,
    pub values: Vec<String>,
}

/// What a definition says.
#[derive(Debug, Default)]
pub struct Reading {
    pub summary: DefinitionSummary,
    pub uses: Vec<Use>,
}

impl Reading {
    /// Notes `service` as left to run time, with why (the first reason
    /// stays).
    pub(crate) fn add_unknown(&mut self, service: &str, why: String) {
        self.summary
            .unknown
            .entry(service.to_string())
            .or_insert(why);
    }

    /// Adds a use, once.
    pub(crate) fn add_use(
        &mut self,
        state: &str,
        actions: &[&str],
        resource: String,
        reference: &'static str,
    ) {
        let found = Use {
            state: state.to_string(),
            actions: actions.iter().map(|a| (*a).to_string()).collect(),
            resource,
            reference,
            conditions: Vec::new(),
        };
        if !self.uses.contains(&found) {
            self.uses.push(found);
        }
    }
}

/// `arn:aws:SERVICE:REGION:ACCOUNT:RESOURCE`.
pub(crate) fn service_arn(region: &str, account: &str, service: &str, resource: &str) -> String {
    format!("arn:aws:{service}:{region}:{account}:{resource}")
}

/// Where the state machine runs and what it is called, for ARNs.
pub struct Place<'a> {
    pub account: &'a str,
    pub region: &'a str,
    /// The state machine's own name (a symbol when CloudFormation names it).
    pub name: &'a str,
}

/// Reads the definition of a state machine resource and what it uses.
pub fn read_state_machine_definition(
    resource: &Resource,
    resolve: &dyn Fn(&Value) -> Value,
    place: &Place<'_>,
    template_dir: Option<&Path>,
) -> Reading {
    let mut reading = Reading::default();
    let properties = &resource.properties;
    let definition = match read_definition(properties, resolve, template_dir) {
        Ok((source, definition)) => {
            reading.summary.source = source;
            definition
        }
        Err(why) => {
            reading.summary.unknown.insert("*".into(), why);
            return reading;
        }
    };
    let substitutions = substitutions(properties, resolve);
    let mut definition = definition;
    if !substitutions.is_empty() {
        substitute(&mut definition, &substitutions);
    }
    let mut walk = Walk {
        place,
        reading: &mut reading,
    };
    match definition.get("States").and_then(Value::as_object) {
        Some(states) => walk.states(states),
        None => {
            walk.unknown("*", "the definition has no `States`".into());
        }
    }
    configuration_uses(properties, resolve, &mut reading);
    reading.summary.services = used_services(&reading.uses);
    reading
}

/// The services (IAM prefixes, lowercase) of the actions of `uses`.
pub(crate) fn used_services(uses: &[Use]) -> BTreeSet<String> {
    uses.iter()
        .flat_map(|u| u.actions.iter())
        .filter_map(|a| a.split_once(':').map(|(s, _)| s.to_ascii_lowercase()))
        .collect()
}

/// The definition as JSON, and where it came from; `Err(why)` when leash
/// cannot read it.
fn read_definition(
    properties: &Value,
    resolve: &dyn Fn(&Value) -> Value,
    template_dir: Option<&Path>,
) -> Result<(String, Value), String> {
    if let Some(definition) = properties.get("Definition") {
        let resolved = resolve(definition);
        return Ok(("`Definition`".into(), resolved));
    }
    if let Some(text) = properties.get("DefinitionString") {
        let resolved = resolve(text);
        let Some(text) = resolved.as_str() else {
            return Err("`DefinitionString` is not one string leash can resolve".into());
        };
        return leash_policy::json::parse_json(text)
            .map(|json| ("`DefinitionString`".into(), json))
            .map_err(|e| format!("`DefinitionString` is not JSON ({})", e.message));
    }
    if let Some(uri) = properties.get("DefinitionUri") {
        let Some(path) = uri.as_str() else {
            return Err(
                "`DefinitionUri` is an S3 object: its definition is not in the input".into(),
            );
        };
        if path.starts_with("s3://") {
            return Err(format!(
                "`DefinitionUri` `{path}` is in S3: its definition is not in the input"
            ));
        }
        let Some(dir) = template_dir else {
            return Err(format!(
                "`DefinitionUri` `{path}`: the template's directory is not known"
            ));
        };
        let file = dir.join(path);
        let text = std::fs::read_to_string(&file)
            .map_err(|e| format!("`DefinitionUri` `{path}` could not be read ({e})"))?;
        let value = crate::yaml::parse_yaml(&text)
            .map_err(|e| format!("`DefinitionUri` `{path}` does not parse ({})", e.message))?;
        return Ok((format!("`DefinitionUri` `{path}`"), value));
    }
    if properties.get("DefinitionS3Location").is_some() {
        return Err("`DefinitionS3Location` is in S3: its definition is not in the input".into());
    }
    Err("the state machine has no definition leash can read".into())
}

/// `DefinitionSubstitutions`, each value resolved to a string.
fn substitutions(properties: &Value, resolve: &dyn Fn(&Value) -> Value) -> Vec<(String, String)> {
    properties
        .get("DefinitionSubstitutions")
        .and_then(Value::as_object)
        .unwrap_or(&[])
        .iter()
        .map(|member| {
            let resolved = resolve(&member.value);
            let text = match resolved.as_str() {
                Some(text) => text.to_string(),
                // Not one string: nothing a resource could be named by.
                None => String::new(),
            };
            (member.key.node.clone(), text)
        })
        .collect()
}

/// Replaces `${key}` with its substitution in every string of the
/// definition (Step Functions does so before reading it).
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-stepfunctions-statemachine.html>
fn substitute(definition: &mut Value, substitutions: &[(String, String)]) {
    match &mut definition.kind {
        ValueKind::String(text) => {
            for (key, value) in substitutions {
                let placeholder = format!("${{{key}}}");
                if text.contains(&placeholder) {
                    *text = text.replace(&placeholder, value);
                }
            }
        }
        ValueKind::Array(items) => {
            for item in items {
                substitute(item, substitutions);
            }
        }
        ValueKind::Object(members) => {
            for member in members {
                substitute(&mut member.value, substitutions);
            }
        }
        _ => {}
    }
}

/// Logging and X-Ray, when configured.
fn configuration_uses(
    properties: &Value,
    resolve: &dyn Fn(&Value) -> Value,
    reading: &mut Reading,
) {
    // `Logging` (SAM) or `LoggingConfiguration`; `Level` `OFF` logs nothing.
    let logging = properties
        .get("Logging")
        .or_else(|| properties.get("LoggingConfiguration"));
    if let Some(logging) = logging {
        let level = logging.get("Level").map(resolve);
        let off = level.as_ref().and_then(Value::as_str) == Some("OFF");
        if !off {
            // Log delivery needs `logs:CreateLogDelivery` and the other
            // delivery actions, and `logs:PutResourcePolicy`, on `*`
            // (no resource-level permissions). Granting a permissions-
            // management action on every resource is what leash's linter
            // reports (L410), so the design does not grant it itself: what
            // the template grants for CloudWatch Logs is kept as is.
            reading.summary.unknown.insert(
                "logs".into(),
                format!(
                    "logging is configured: log delivery needs `logs:PutResourcePolicy` and the delivery actions on `*` ({LOGS_IAM}), which leash keeps as the template grants them"
                ),
            );
        }
    }
    let tracing = properties
        .get("Tracing")
        .or_else(|| properties.get("TracingConfiguration"))
        .and_then(|t| t.get("Enabled"))
        .map(resolve);
    let enabled = tracing
        .is_some_and(|v| matches!(v.kind, ValueKind::Bool(true)) || v.as_str() == Some("true"));
    if enabled {
        reading.uses.push(Use {
            state: "tracing".into(),
            actions: [
                "xray:GetSamplingRules",
                "xray:GetSamplingTargets",
                "xray:PutTelemetryRecords",
                "xray:PutTraceSegments",
            ]
            .map(String::from)
            .to_vec(),
            resource: "*".into(),
            reference: XRAY_IAM,
            conditions: Vec::new(),
        });
    }
    if properties
        .get("EncryptionConfiguration")
        .and_then(|e| e.get("KmsKeyId"))
        .is_some()
    {
        reading.summary.unknown.insert(
            "kms".into(),
            "a customer managed key encrypts the state machine's data (not modeled)".into(),
        );
    }
}

/// A parameter of a task: written out, left to run time, or absent.
enum Param {
    Static(String),
    Dynamic,
    Missing,
}

/// `key` of a task's `Parameters` (JSONPath: `key.$` is a run-time value)
/// or `Arguments` (JSONata: `{% ... %}` is one).
fn param(parameters: Option<&[Member]>, key: &str) -> Param {
    let Some(parameters) = parameters else {
        return Param::Missing;
    };
    if member(parameters, &format!("{key}.$")).is_some() {
        return Param::Dynamic;
    }
    match member(parameters, key).map(|v| &v.kind) {
        Some(ValueKind::String(text)) if text.trim_start().starts_with("{%") => Param::Dynamic,
        Some(ValueKind::String(text)) => Param::Static(text.clone()),
        Some(_) => Param::Dynamic,
        None => Param::Missing,
    }
}

/// The value of `key` among `members`.
fn member<'a>(members: &'a [Member], key: &str) -> Option<&'a Value> {
    members.iter().find(|m| m.key.node == key).map(|m| &m.value)
}

struct Walk<'a, 'b> {
    place: &'a Place<'a>,
    reading: &'b mut Reading,
}

impl Walk<'_, '_> {
    fn unknown(&mut self, service: &str, why: String) {
        self.reading.add_unknown(service, why);
    }

    fn use_(&mut self, state: &str, actions: &[&str], resource: String, reference: &'static str) {
        self.reading.add_use(state, actions, resource, reference);
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        service_arn(self.place.region, self.place.account, service, resource)
    }

    fn states(&mut self, states: &[Member]) {
        for Member {
            key: name,
            value: state,
        } in states
        {
            let name = &name.node;
            self.reading.summary.states += 1;
            match state.get("Type").and_then(Value::as_str) {
                Some("Task") => self.task(name, state),
                Some("Parallel") => {
                    for branch in state
                        .get("Branches")
                        .and_then(Value::as_array)
                        .unwrap_or(&[])
                    {
                        self.nested(name, branch);
                    }
                }
                Some("Map") => self.map(name, state),
                _ => {}
            }
        }
    }

    fn nested(&mut self, name: &str, machine: &Value) {
        match machine.get("States").and_then(Value::as_object) {
            Some(states) => self.states(states),
            None => self.unknown("*", format!("state `{name}` has a branch without `States`")),
        }
    }

    fn map(&mut self, name: &str, state: &Value) {
        let processor = state.get("ItemProcessor").or_else(|| state.get("Iterator"));
        match processor {
            Some(processor) => self.nested(name, processor),
            None => self.unknown("*", format!("`Map` state `{name}` has no processor")),
        }
        let distributed = processor
            .and_then(|p| p.get("ProcessorConfig"))
            .and_then(|c| c.get("Mode"))
            .and_then(Value::as_str)
            == Some("DISTRIBUTED");
        if distributed {
            // A distributed map runs its iterations as child executions of
            // the state machine itself.
            let own = self.arn("states", &format!("stateMachine:{}", self.place.name));
            self.use_(name, &["states:StartExecution"], own, DISTRIBUTED_MAP_IAM);
            let executions = self.arn("states", &format!("execution:{}/*", self.place.name));
            self.use_(
                name,
                &["states:DescribeExecution", "states:StopExecution"],
                executions,
                DISTRIBUTED_MAP_IAM,
            );
        }
        for key in ["ItemReader", "ResultWriter"] {
            if state.get(key).is_some() {
                self.unknown(
                    "s3",
                    format!(
                        "`Map` state `{name}` {key}: S3 access of a distributed map is not modeled"
                    ),
                );
            }
        }
    }

    fn task(&mut self, name: &str, state: &Value) {
        let Some(resource) = state.get("Resource").and_then(Value::as_str) else {
            self.unknown("*", format!("task `{name}` has no `Resource` string"));
            return;
        };
        let parameters = state
            .get("Parameters")
            .or_else(|| state.get("Arguments"))
            .and_then(Value::as_object);
        // `arn:PARTITION:states:::SERVICE:API[.PATTERN]`
        if let Some(integration) = integration_of(resource) {
            let (api, pattern) = match integration.split_once('.') {
                Some((api, pattern)) => (api, pattern),
                None => (integration, ""),
            };
            self.integration(name, api, pattern, parameters);
            return;
        }
        let arn = leash_policy::arn::Arn::parse(resource).ok();
        let function = arn.as_ref().and_then(|arn| {
            let function = arn.lambda_function()?;
            leash_policy::arn::Arn::from_parts(
                arn.partition().as_str(),
                "lambda",
                arn.region().as_str(),
                arn.account().as_str(),
                &format!("function:{}", function.name),
            )
            .ok()
            .map(|base| base.to_string())
        });
        let activity = arn
            .as_ref()
            .is_some_and(|arn| arn.service() == "states" && arn.resource_type() == "activity");
        match function {
            Some(base) => {
                self.use_(name, &["lambda:InvokeFunction"], base.clone(), LAMBDA_IAM);
                self.use_(
                    name,
                    &["lambda:InvokeFunction"],
                    format!("{base}:*"),
                    LAMBDA_IAM,
                );
            }
            // Workers poll an activity with their own credentials.
            None if activity => {}
            None => self.unknown(
                "*",
                format!("task `{name}`: resource `{resource}` is not one leash models"),
            ),
        }
    }

    fn integration(&mut self, name: &str, api: &str, pattern: &str, parameters: Option<&[Member]>) {
        let known_pattern = matches!(pattern, "" | "waitForTaskToken" | "sync" | "sync:2");
        if !known_pattern {
            self.unknown(
                "*",
                format!("task `{name}`: integration pattern `.{pattern}`"),
            );
            return;
        }
        match api {
            "lambda:invoke" => self.lambda(name, parameters, "FunctionName"),
            "dynamodb:getItem"
            | "dynamodb:putItem"
            | "dynamodb:updateItem"
            | "dynamodb:deleteItem" => {
                let action = format!("dynamodb:{}", pascal(&api["dynamodb:".len()..]));
                self.table(name, parameters, &action, DYNAMODB_IAM);
            }
            "sqs:sendMessage" => self.queue(name, parameters, "sqs:SendMessage", SQS_IAM),
            "sns:publish" => self.topic(name, parameters, "sns:Publish", SNS_IAM),
            "events:putEvents" => self.buses(name, parameters),
            "states:startExecution" => self.nested_execution(name, parameters, pattern),
            _ => match api.strip_prefix("aws-sdk:") {
                Some(sdk) => self.sdk(name, sdk, parameters),
                None => self.unknown(
                    "*",
                    format!("task `{name}`: integration `{api}` is not one leash models"),
                ),
            },
        }
    }

    fn lambda(&mut self, name: &str, parameters: Option<&[Member]>, key: &str) {
        match param(parameters, key) {
            Param::Static(function) => {
                let base = self.function_arn(&function);
                self.use_(name, &["lambda:InvokeFunction"], base.clone(), LAMBDA_IAM);
                self.use_(
                    name,
                    &["lambda:InvokeFunction"],
                    format!("{base}:*"),
                    LAMBDA_IAM,
                );
            }
            _ => self.unknown(
                "lambda",
                format!("task `{name}`: the function is only known at run time"),
            ),
        }
    }

    /// A function's unqualified ARN from a name, a partial ARN or an ARN
    /// (a version or alias qualifier dropped: `:*` covers it).
    fn function_arn(&self, function: &str) -> String {
        if function.starts_with("arn:") {
            return leash_policy::arn::Arn::parse(function)
                .ok()
                .and_then(|arn| {
                    let named = arn.lambda_function()?;
                    leash_policy::arn::Arn::from_parts(
                        arn.partition().as_str(),
                        "lambda",
                        arn.region().as_str(),
                        arn.account().as_str(),
                        &format!("function:{}", named.name),
                    )
                    .ok()
                    .map(|base| base.to_string())
                })
                .unwrap_or_else(|| function.to_string());
        }
        // NAME[:QUALIFIER] or ACCOUNT:function:NAME[:QUALIFIER].
        let name = leash_policy::arn::LambdaFunction::from_reference(function)
            .map_or(function, |named| named.name);
        self.arn("lambda", &format!("function:{name}"))
    }

    fn table(
        &mut self,
        name: &str,
        parameters: Option<&[Member]>,
        action: &str,
        reference: &'static str,
    ) {
        match param(parameters, "TableName") {
            Param::Static(table) => {
                let arn = if table.starts_with("arn:") {
                    table
                } else {
                    self.arn("dynamodb", &format!("table/{table}"))
                };
                self.use_(name, &[action], arn, reference);
            }
            _ => self.unknown(
                "dynamodb",
                format!("task `{name}`: the table is only known at run time"),
            ),
        }
    }

    fn queue(
        &mut self,
        name: &str,
        parameters: Option<&[Member]>,
        action: &str,
        reference: &'static str,
    ) {
        let arn = match param(parameters, "QueueUrl") {
            Param::Static(url) => queue_arn(&url),
            _ => None,
        };
        match arn {
            Some(arn) => self.use_(name, &[action], arn, reference),
            None => self.unknown(
                "sqs",
                format!("task `{name}`: the queue is only known at run time"),
            ),
        }
    }

    fn topic(
        &mut self,
        name: &str,
        parameters: Option<&[Member]>,
        action: &str,
        reference: &'static str,
    ) {
        match (
            param(parameters, "TopicArn"),
            param(parameters, "TargetArn"),
        ) {
            (Param::Static(arn), Param::Missing) | (Param::Missing, Param::Static(arn))
                if arn.starts_with("arn:") =>
            {
                self.use_(name, &[action], arn, reference)
            }
            _ => self.unknown(
                "sns",
                format!("task `{name}`: the topic is only known at run time"),
            ),
        }
    }

    fn buses(&mut self, name: &str, parameters: Option<&[Member]>) {
        let entries = parameters.and_then(|p| member(p, "Entries"));
        let Some(entries) = entries.and_then(Value::as_array) else {
            self.unknown(
                "events",
                format!("task `{name}`: the events' buses are only known at run time"),
            );
            return;
        };
        for entry in entries {
            match param(entry.as_object(), "EventBusName") {
                Param::Static(bus) => {
                    let arn = if bus.starts_with("arn:") {
                        bus
                    } else {
                        self.arn("events", &format!("event-bus/{bus}"))
                    };
                    self.use_(name, &["events:PutEvents"], arn, EVENTBRIDGE_IAM);
                }
                // Without a bus name, the account's default bus.
                Param::Missing => {
                    let arn = self.arn("events", "event-bus/default");
                    self.use_(name, &["events:PutEvents"], arn, EVENTBRIDGE_IAM);
                }
                Param::Dynamic => self.unknown(
                    "events",
                    format!("task `{name}`: the event bus is only known at run time"),
                ),
            }
        }
    }

    fn nested_execution(&mut self, name: &str, parameters: Option<&[Member]>, pattern: &str) {
        let Param::Static(machine) = param(parameters, "StateMachineArn") else {
            self.unknown(
                "states",
                format!("task `{name}`: the state machine is only known at run time"),
            );
            return;
        };
        let Some(machine_name) = machine.rsplit_once(":stateMachine:").map(|(_, n)| n) else {
            self.unknown(
                "states",
                format!("task `{name}`: `{machine}` is not a state machine ARN"),
            );
            return;
        };
        let machine_name = machine_name.split(':').next().unwrap_or(machine_name);
        self.use_(
            name,
            &["states:StartExecution"],
            machine.clone(),
            STATES_IAM,
        );
        if pattern.starts_with("sync") {
            let prefix = machine
                .rsplit_once(":stateMachine:")
                .map(|(p, _)| p)
                .unwrap_or_default();
            self.use_(
                name,
                &["states:DescribeExecution", "states:StopExecution"],
                format!("{prefix}:execution:{machine_name}:*"),
                STATES_IAM,
            );
            let rule = self.arn("events", &format!("rule/{SYNC_RULE}"));
            self.use_(
                name,
                &["events:DescribeRule", "events:PutRule", "events:PutTargets"],
                rule,
                STATES_IAM,
            );
        }
    }

    /// `aws-sdk:SERVICE:ACTION`: the IAM action is the API action of the
    /// service (supported-services-awssdk.html); leash models the
    /// resource of a few services' parameters, others are unknown.
    fn sdk(&mut self, name: &str, sdk: &str, parameters: Option<&[Member]>) {
        let Some((service, api)) = sdk.split_once(':') else {
            self.unknown(
                "*",
                format!("task `{name}`: `aws-sdk:{sdk}` is not SERVICE:ACTION"),
            );
            return;
        };
        let prefix = match service {
            "sfn" => "states",
            "eventbridge" => "events",
            other => other,
        };
        let action = format!("{prefix}:{}", pascal(api));
        if leash_catalog::catalog().action(&action).is_none() {
            self.unknown(
                prefix,
                format!("task `{name}`: `aws-sdk:{sdk}` is not an IAM action leash knows"),
            );
            return;
        }
        match prefix {
            "dynamodb"
                if parameters.is_some_and(|p| {
                    member(p, "TableName").is_some() || member(p, "TableName.$").is_some()
                }) =>
            {
                self.table(name, parameters, &action, SDK_IAM)
            }
            "sqs" => self.queue(name, parameters, &action, SDK_IAM),
            "sns" => self.topic(name, parameters, &action, SDK_IAM),
            "lambda" if action == "lambda:InvokeFunction" => {
                self.lambda(name, parameters, "FunctionName")
            }
            "events" if action == "events:PutEvents" => self.buses(name, parameters),
            "states"
                if action == "states:StartExecution" || action == "states:StartSyncExecution" =>
            {
                match param(parameters, "StateMachineArn") {
                    Param::Static(machine) if machine.contains(":stateMachine:") => {
                        self.use_(name, &[action.as_str()], machine, SDK_IAM)
                    }
                    _ => self.unknown(
                        "states",
                        format!("task `{name}`: the state machine is only known at run time"),
                    ),
                }
            }
            _ => self.unknown(
                prefix,
                format!("task `{name}`: the resource of `aws-sdk:{sdk}` is not modeled"),
            ),
        }
    }
}

/// `SERVICE:API[.PATTERN]` of an optimized or AWS SDK integration's
/// resource, `arn:PARTITION:states:::SERVICE:API[.PATTERN]`.
fn integration_of(resource: &str) -> Option<&str> {
    let rest = resource.strip_prefix("arn:")?;
    let (_partition, rest) = rest.split_once(':')?;
    rest.strip_prefix("states:::")
}

/// `putItem` -> `PutItem`.
fn pascal(api: &str) -> String {
    let mut chars = api.chars();
    match chars.next() {
        Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// `https://sqs.REGION.amazonaws.com/ACCOUNT/NAME` -> the queue's ARN.
pub fn queue_arn(url: &str) -> Option<String> {
    if url.starts_with("arn:") {
        return None;
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let mut parts = rest.split('/');
    let host = parts.next()?;
    let account = parts.next()?;
    let name = parts.next()?;
    if parts.next().is_some() || account.is_empty() || name.is_empty() {
        return None;
    }
    let region = host
        .strip_prefix("sqs.")
        .and_then(|h| h.split_once(".amazonaws.com").map(|(r, _)| r))
        .or_else(|| host.split_once(".queue.amazonaws.com").map(|(r, _)| r))?;
    Some(format!("arn:aws:sqs:{region}:{account}:{name}"))
}
