//! Delivery and data principals (issue 13, point 4): a Kinesis Data
//! Firehose delivery stream, an AppSync data source, an AppSync API's
//! logging, an IoT topic rule, an SNS subscription that delivers to
//! Firehose, an SNS topic's delivery-status logging. Each names a role a service assumes to do
//! what the resource's configuration says, and nothing else: what the
//! role must allow is read from that configuration, as each service
//! documents it, in the same shape as a state machine's definition
//! (`state_machine::Reading`: the uses, and the services the
//! configuration leaves to run time or to something leash does not model,
//! each with why).
//!
//! Shared by `leash design` (which designs the role from it) and
//! `leash check` (L515, which reports a role that reaches beyond it).
//!
//! Not for: the role's template IAM, or designing the role
//! (`leash-design`).

use leash_policy::arn::Arn;
use leash_policy::{Member, Spanned, Value, ValueKind};

use crate::state_machine::{Place, Reading, Use, UseCondition, queue_arn};
use crate::template::{Resource, Template};

/// Amazon Data Firehose, "Controlling access with Amazon Data Firehose".
pub const FIREHOSE_ACCESS: &str =
    "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html";
/// Amazon Data Firehose, "Grant Firehose access to a public OpenSearch
/// Serverless destination": `aoss:APIAccessAll` on the collection.
const FIREHOSE_AOSS: &str =
    "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-serverless";
const FIREHOSE_SOURCE: &str =
    "https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3";
/// AWS AppSync, "Attaching a data source" (the role of each data source
/// type).
pub const APPSYNC_DATA_SOURCE: &str =
    "https://docs.aws.amazon.com/appsync/latest/devguide/attaching-a-data-source.html";
/// The DynamoDB resolver mapping template reference (one IAM action per
/// operation).
const APPSYNC_DYNAMODB_OPERATIONS: &str = "https://docs.aws.amazon.com/appsync/latest/devguide/resolver-mapping-template-reference-dynamodb.html";
/// AppSync's CloudWatch Logs role and log group
/// (`/aws/appsync/apis/{graphql_api_id}`).
pub const APPSYNC_LOGGING: &str =
    "https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html";
/// AWS IoT rule actions, and the role each needs.
pub const IOT_RULE_ACTIONS: &str =
    "https://docs.aws.amazon.com/iot/latest/developerguide/iot-rule-actions.html";
/// Amazon SNS, "Prerequisites for subscribing Firehose delivery streams to
/// Amazon SNS topics": the subscription role and its recommended policy.
pub const SNS_FIREHOSE_SUBSCRIPTION: &str =
    "https://docs.aws.amazon.com/sns/latest/dg/prereqs-kinesis-data-firehose.html";
/// Amazon SNS, "Prerequisites for delivery status logging": the role's
/// actions and the log groups SNS writes (`sns/<region>/<account-id>/<topic-name>`).
pub const SNS_DELIVERY_STATUS: &str =
    "https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html";

/// One step of a path inside a resource's `Properties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// Where a resource names the role a service assumes for it.
#[derive(Clone, Debug)]
pub struct RolePath<'a> {
    /// From `Properties`.
    pub steps: Vec<Step>,
    /// The value written there (`!GetAtt Role.Arn`, ...).
    pub value: &'a Value,
}

impl RolePath<'_> {
    /// `ExtendedS3DestinationConfiguration.RoleARN`,
    /// `TopicRulePayload.Actions[0].S3.RoleArn`.
    pub fn display(&self) -> String {
        display_steps(&self.steps)
    }
}

/// A path inside `Properties`, as `A.B[0].C`.
pub fn display_steps(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Step::Index(index) => out.push_str(&format!("[{index}]")),
        }
    }
    out
}

/// The role properties of a resource of the kinds this module reads
/// (empty for any other resource).
pub fn role_paths(resource: &Resource) -> Vec<RolePath<'_>> {
    let properties = &resource.properties;
    let mut out = Vec::new();
    match resource.resource_type.node.as_str() {
        // Every `RoleARN` of the stream: its source's, each destination's
        // and each backup's.
        "AWS::KinesisFirehose::DeliveryStream" => {
            collect_keys(properties, "RoleARN", &mut Vec::new(), &mut out)
        }
        "AWS::AppSync::DataSource" => {
            if let Some(value) = properties.get("ServiceRoleArn") {
                out.push(RolePath {
                    steps: vec![Step::Key("ServiceRoleArn".into())],
                    value,
                });
            }
        }
        // SAM's API names its logging role in `Logging` (SAM writes it
        // into the API's `LogConfig`); the role SAM generates when it
        // names none is added by `sam_graphql::expand`.
        api @ ("AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi") => {
            let config = if api == "AWS::AppSync::GraphQLApi" {
                "LogConfig"
            } else {
                "Logging"
            };
            if let Some(value) = properties
                .get(config)
                .and_then(|c| c.get("CloudWatchLogsRoleArn"))
            {
                out.push(RolePath {
                    steps: vec![
                        Step::Key(config.into()),
                        Step::Key("CloudWatchLogsRoleArn".into()),
                    ],
                    value,
                });
            }
        }
        "AWS::IoT::TopicRule" => {
            if let Some(payload) = properties.get("TopicRulePayload") {
                let mut path = vec![Step::Key("TopicRulePayload".into())];
                collect_keys(payload, "RoleArn", &mut path, &mut out);
            }
        }
        // The roles SNS logs delivery status with, for each protocol.
        "AWS::SNS::Topic" => {
            if let Some(logging) = properties.get("DeliveryStatusLogging") {
                for key in ["SuccessFeedbackRoleArn", "FailureFeedbackRoleArn"] {
                    let mut path = vec![Step::Key("DeliveryStatusLogging".into())];
                    collect_keys(logging, key, &mut path, &mut out);
                }
            }
        }
        // Only a `firehose` subscription takes a role.
        "AWS::SNS::Subscription" => {
            if let Some(value) = properties.get("SubscriptionRoleArn") {
                out.push(RolePath {
                    steps: vec![Step::Key("SubscriptionRoleArn".into())],
                    value,
                });
            }
        }
        _ => {}
    }
    out
}

fn collect_keys<'a>(
    value: &'a Value,
    name: &str,
    path: &mut Vec<Step>,
    out: &mut Vec<RolePath<'a>>,
) {
    if let Some(members) = value.as_object() {
        for member in members {
            path.push(Step::Key(member.key.node.clone()));
            if member.key.node == name {
                out.push(RolePath {
                    steps: path.clone(),
                    value: &member.value,
                });
            } else {
                collect_keys(&member.value, name, path, out);
            }
            path.pop();
        }
    } else if let Some(items) = value.as_array() {
        for (index, item) in items.iter().enumerate() {
            path.push(Step::Index(index));
            collect_keys(item, name, path, out);
            path.pop();
        }
    }
}

/// The Firehose configurations leash reads: a Kinesis stream source, an
/// S3 destination (extended or not) and its backup, an OpenSearch
/// Serverless destination and its S3 backup. A stream that names a role
/// anywhere else (an MSK source, an OpenSearch Service, Redshift, Splunk,
/// HTTP, Snowflake or Iceberg destination) is not designed yet.
///
/// An OpenSearch Serverless collection is reached through its data access
/// policy, which names the role: `leash-design` designs such a stream's
/// role in place (same logical id, so same ARN), never as a new role.
const FIREHOSE_ROLE_PATHS: &[&str] = &[
    "KinesisStreamSourceConfiguration.RoleARN",
    "ExtendedS3DestinationConfiguration.RoleARN",
    "ExtendedS3DestinationConfiguration.S3BackupConfiguration.RoleARN",
    "S3DestinationConfiguration.RoleARN",
    "AmazonOpenSearchServerlessDestinationConfiguration.RoleARN",
    "AmazonOpenSearchServerlessDestinationConfiguration.S3Configuration.RoleARN",
];

/// The Firehose destination whose service authorizes the role by its ARN
/// in a policy of its own (an OpenSearch Serverless data access policy):
/// a new role would not be in it.
pub const FIREHOSE_NAMED_BY_DESTINATION: &str =
    "AmazonOpenSearchServerlessDestinationConfiguration";

/// Why leash does not design the role of `resource` (it is left as the
/// template writes it), or `None` when it does.
pub fn not_designed(resource: &Resource) -> Option<String> {
    let paths = role_paths(resource);
    if resource.resource_type.node == "AWS::KinesisFirehose::DeliveryStream"
        && let Some(other) = paths
            .iter()
            .map(RolePath::display)
            .find(|p| !FIREHOSE_ROLE_PATHS.contains(&p.as_str()))
    {
        return Some(format!(
            "`{other}`: a source or destination whose role leash does not design yet"
        ));
    }
    None
}

/// What the configuration of `resource` says its role is used for.
pub fn read_delivery_configuration(
    resource: &Resource,
    template: &Template,
    resolve: &dyn Fn(&Value) -> Value,
    place: &Place<'_>,
) -> Reading {
    let mut reading = Reading::default();
    let mut reader = Reader {
        place,
        resolve,
        reading: &mut reading,
    };
    let properties = &resource.properties;
    match resource.resource_type.node.as_str() {
        "AWS::KinesisFirehose::DeliveryStream" => {
            reader.reading.summary.source = "the delivery stream's configuration".into();
            reader.firehose(properties);
        }
        "AWS::AppSync::DataSource" => {
            reader.reading.summary.source = "the data source's configuration".into();
            reader.appsync_data_source(resource, template);
        }
        "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi" => {
            reader.reading.summary.source =
                if resource.resource_type.node == "AWS::Serverless::GraphQLApi" {
                    "the API's `Logging`".into()
                } else {
                    "the API's `LogConfig`".into()
                };
            reader.reading.summary.states = 1;
            reader.use_of(
                "LogConfig",
                &[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                // The API's own group is `/aws/appsync/apis/{API id}`;
                // naming the id would make the role depend on the API,
                // which depends on the role (a cycle): the account's
                // AppSync API groups.
                format!(
                    "arn:aws:logs:{}:{}:log-group:/aws/appsync/apis/*",
                    place.region, place.account
                ),
                APPSYNC_LOGGING,
            );
        }
        "AWS::IoT::TopicRule" => {
            reader.reading.summary.source = "the topic rule's actions".into();
            reader.topic_rule(properties);
        }
        "AWS::SNS::Subscription" => {
            reader.reading.summary.source = "the subscription's `Endpoint`".into();
            reader.sns_subscription(properties);
        }
        "AWS::SNS::Topic" => {
            reader.reading.summary.source = "the topic's `DeliveryStatusLogging`".into();
            reader.reading.summary.states = 1;
            reader.use_of(
                "DeliveryStatusLogging",
                &[
                    "logs:CreateLogGroup",
                    "logs:CreateLogStream",
                    "logs:PutLogEvents",
                ],
                // SNS writes `sns/<region>/<account-id>/<topic-name>` (and
                // its failures beside it); the topic's name would make the
                // role depend on the topic, which depends on the role (a
                // cycle) when CloudFormation names it: the account's SNS
                // delivery-status groups in the region.
                format!(
                    "arn:aws:logs:{region}:{account}:log-group:sns/{region}/{account}/*",
                    region = place.region,
                    account = place.account
                ),
                SNS_DELIVERY_STATUS,
            );
        }
        other => reader.unknown(
            "*",
            format!("`{other}` is not a delivery or data principal"),
        ),
    }
    reading.summary.services = crate::state_machine::used_services(&reading.uses);
    reading
}

struct Reader<'a, 'b> {
    place: &'a Place<'a>,
    resolve: &'a dyn Fn(&Value) -> Value,
    reading: &'b mut Reading,
}

impl Reader<'_, '_> {
    fn use_of(&mut self, at: &str, actions: &[&str], resource: String, reference: &'static str) {
        self.reading.uses.push(Use {
            state: at.to_string(),
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resource,
            reference,
            conditions: Vec::new(),
        });
    }

    fn unknown(&mut self, service: &str, why: String) {
        self.reading
            .summary
            .unknown
            .entry(service.to_string())
            .or_insert(why);
    }

    /// A value resolved to one string, if it is one.
    fn text(&self, value: Option<&Value>) -> Option<String> {
        let resolved = (self.resolve)(value?);
        resolved.as_str().map(str::to_string)
    }

    fn enabled(&self, value: Option<&Value>, default: bool) -> bool {
        match value.map(|v| (self.resolve)(v)) {
            Some(v) => match (&v.kind, v.as_str()) {
                (leash_policy::ValueKind::Bool(b), _) => *b,
                (_, Some(text)) => text.eq_ignore_ascii_case("true"),
                _ => default,
            },
            None => default,
        }
    }

    // --- Firehose ------------------------------------------------------

    fn firehose(&mut self, properties: &Value) {
        if let Some(source) = properties.get("KinesisStreamSourceConfiguration") {
            self.reading.summary.states += 1;
            match self.text(source.get("KinesisStreamARN")) {
                Some(arn) if Arn::parse(&arn).is_ok() => self.use_of(
                    "KinesisStreamSourceConfiguration",
                    &[
                        "kinesis:DescribeStream",
                        "kinesis:GetShardIterator",
                        "kinesis:GetRecords",
                        "kinesis:ListShards",
                    ],
                    arn,
                    FIREHOSE_SOURCE,
                ),
                _ => self.unknown(
                    "kinesis",
                    "`KinesisStreamARN` is not an ARN leash can read".into(),
                ),
            }
        }
        for key in [
            "ExtendedS3DestinationConfiguration",
            "S3DestinationConfiguration",
        ] {
            let Some(destination) = properties.get(key) else {
                continue;
            };
            self.s3_destination(key, destination);
            if let Some(backup) = destination.get("S3BackupConfiguration") {
                self.s3_destination(&format!("{key}.S3BackupConfiguration"), backup);
            }
            self.processing(key, destination.get("ProcessingConfiguration"));
            if let Some(conversion) = destination.get("DataFormatConversionConfiguration")
                && self.enabled(conversion.get("Enabled"), true)
            {
                self.unknown(
                    "glue",
                    format!("`{key}.DataFormatConversionConfiguration`: record format conversion reads the AWS Glue table's schema, which leash does not model"),
                );
            }
        }
        if let Some(destination) = properties.get(FIREHOSE_NAMED_BY_DESTINATION) {
            self.opensearch_serverless(FIREHOSE_NAMED_BY_DESTINATION, destination);
        }
    }

    /// An OpenSearch Serverless destination: `aoss:APIAccessAll` on the
    /// collection (the data access policy grants what it may do inside),
    /// its S3 backup, a Lambda processor, logging.
    /// https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-serverless
    fn opensearch_serverless(&mut self, at: &str, destination: &Value) {
        self.reading.summary.states += 1;
        match self.collection_arn(destination.get("CollectionEndpoint")) {
            Some(arn) => self.use_of(at, &["aoss:APIAccessAll"], arn, FIREHOSE_AOSS),
            None => self.unknown(
                "aoss",
                format!("`{at}.CollectionEndpoint` names no collection leash can read"),
            ),
        }
        if destination.get("VpcConfiguration").is_some() {
            self.unknown(
                "ec2",
                format!("`{at}.VpcConfiguration`: a collection in a VPC (the network interface actions on the VPC's subnets and security groups are not designed yet)"),
            );
        }
        if let Some(backup) = destination.get("S3Configuration") {
            self.s3_destination(&format!("{at}.S3Configuration"), backup);
        }
        self.processing(at, destination.get("ProcessingConfiguration"));
        self.logging(at, destination.get("CloudWatchLoggingOptions"));
    }

    /// The ARN of the collection a `CollectionEndpoint` names: the
    /// collection's `Fn::GetAtt ... .CollectionEndpoint`, or a written
    /// endpoint `https://ID.REGION.aoss.amazonaws.com` (the collection's
    /// id is the first label).
    fn collection_arn(&self, endpoint: Option<&Value>) -> Option<String> {
        let endpoint = endpoint?;
        if let Some(attribute) = endpoint.get("Fn::GetAtt") {
            let named = match &attribute.kind {
                ValueKind::String(text) => text.split_once('.').map(|(_, a)| a.to_string()),
                ValueKind::Array(items) => items.get(1).and_then(Value::as_str).map(str::to_string),
                _ => None,
            };
            if named.as_deref() != Some("CollectionEndpoint") {
                return None;
            }
            let collection = reference_target(endpoint)?;
            let span = endpoint.span;
            let text = |t: String| Value::new(ValueKind::String(t), span);
            let arn = Value::new(
                ValueKind::Object(vec![Member {
                    key: Spanned::new("Fn::GetAtt".to_string(), span),
                    value: Value::new(
                        ValueKind::Array(vec![text(collection), text("Arn".to_string())]),
                        span,
                    ),
                }]),
                span,
            );
            return self
                .text(Some(&arn))
                .filter(|a| Arn::parse(a).is_ok() && !a.ends_with('*'));
        }
        let text = self.text(Some(endpoint))?;
        let host = text.strip_prefix("https://")?.split('/').next()?;
        let (id, rest) = host.split_once('.')?;
        let (region, domain) = rest.split_once('.')?;
        (domain == "aoss.amazonaws.com"
            && !id.is_empty()
            && id.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| {
            format!(
                "arn:aws:aoss:{region}:{}:collection/{id}",
                self.place.account
            )
        })
    }

    /// An S3 destination: the bucket, its objects under the configured
    /// prefixes when both are literal, its customer managed key, its
    /// logging.
    fn s3_destination(&mut self, at: &str, destination: &Value) {
        self.reading.summary.states += 1;
        let bucket = self
            .text(destination.get("BucketARN"))
            .and_then(|arn| Arn::parse(&arn).ok().map(|a| a.resource().to_string()))
            .filter(|name| !name.is_empty() && !name.contains(['*', '/']));
        let Some(bucket) = bucket else {
            self.unknown(
                "s3",
                format!("`{at}.BucketARN` is not a bucket ARN leash can read"),
            );
            return;
        };
        self.use_of(
            at,
            &[
                "s3:GetBucketLocation",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
            ],
            format!("arn:aws:s3:::{bucket}"),
            FIREHOSE_ACCESS,
        );
        // Objects go under `Prefix`, failed records under
        // `ErrorOutputPrefix`; either absent, empty or not literal: the
        // whole bucket (Firehose's default prefixes are not documented as
        // under `Prefix`).
        let literal = |value: Option<&Value>| -> Option<String> {
            let text = self.text(value)?;
            // A Firehose expression (`!{timestamp:yyyy}`) ends the
            // literal part.
            let stem = match text.find("!{") {
                Some(at) => &text[..at],
                None => text.as_str(),
            };
            (!stem.is_empty() && !stem.contains(['*', '?', '$'])).then(|| stem.to_string())
        };
        let prefixes = match (
            literal(destination.get("Prefix")),
            literal(destination.get("ErrorOutputPrefix")),
        ) {
            (Some(prefix), Some(error)) if prefix == error => vec![prefix],
            (Some(prefix), Some(error)) => vec![prefix, error],
            _ => vec![String::new()],
        };
        let objects: Vec<String> = prefixes
            .iter()
            .map(|prefix| format!("arn:aws:s3:::{bucket}/{prefix}*"))
            .collect();
        for arn in &objects {
            self.use_of(
                at,
                &["s3:AbortMultipartUpload", "s3:GetObject", "s3:PutObject"],
                arn.clone(),
                FIREHOSE_ACCESS,
            );
        }
        if let Some(key) = destination
            .get("EncryptionConfiguration")
            .and_then(|e| e.get("KMSEncryptionConfig"))
            .and_then(|k| k.get("AWSKMSKeyARN"))
        {
            self.destination_key(at, key, &bucket, objects);
        }
        self.logging(at, destination.get("CloudWatchLoggingOptions"));
    }

    /// The customer managed key Firehose encrypts the destination's
    /// objects with: `kms:Decrypt` and `kms:GenerateDataKey` on the key,
    /// only through S3 in the stream's region (`kms:ViaService`) and only
    /// for the destination's objects (`kms:EncryptionContext:aws:s3:arn`,
    /// as Firehose's page writes it). With an S3 Bucket Key the encryption
    /// context is the bucket's ARN instead of the object's (S3's page), so
    /// the bucket's ARN is allowed too: leaving it out would break a
    /// bucket that enables one.
    /// <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3>
    /// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>
    fn destination_key(&mut self, at: &str, key: &Value, bucket: &str, objects: Vec<String>) {
        // An ARN, or a value known only at deployment (a parameter) that
        // stands for one.
        let Some(key) = self.text(Some(key)).filter(|arn| {
            (Arn::parse(arn).is_ok() || leash_policy::symbol::single_symbol(arn).is_some())
                && !arn.contains('*')
        }) else {
            self.unknown(
                "kms",
                format!("`{at}.EncryptionConfiguration`: a customer managed key whose ARN leash cannot read"),
            );
            return;
        };
        let mut contexts = vec![format!("arn:aws:s3:::{bucket}")];
        contexts.extend(objects);
        let condition = |operator: &str, key: &str, values: Vec<String>| UseCondition {
            operator: operator.to_string(),
            key: key.to_string(),
            values,
        };
        self.reading.uses.push(Use {
            state: format!("{at}.EncryptionConfiguration"),
            actions: vec!["kms:Decrypt".to_string(), "kms:GenerateDataKey".to_string()],
            resource: key,
            reference: FIREHOSE_SOURCE,
            conditions: vec![
                condition(
                    "StringEquals",
                    "kms:ViaService",
                    vec![format!("s3.{}.amazonaws.com", self.place.region)],
                ),
                condition("StringLike", "kms:EncryptionContext:aws:s3:arn", contexts),
            ],
        });
    }

    /// `CloudWatchLoggingOptions`: `logs:PutLogEvents` on the stream.
    fn logging(&mut self, at: &str, options: Option<&Value>) {
        let Some(options) = options else {
            return;
        };
        if !self.enabled(options.get("Enabled"), false) {
            return;
        }
        match (
            self.text(options.get("LogGroupName")),
            self.text(options.get("LogStreamName")),
        ) {
            (Some(group), Some(stream)) if !group.contains('*') && !stream.contains('*') => self
                .use_of(
                    &format!("{at}.CloudWatchLoggingOptions"),
                    &["logs:PutLogEvents"],
                    format!(
                        "arn:aws:logs:{}:{}:log-group:{group}:log-stream:{stream}",
                        self.place.region, self.place.account
                    ),
                    FIREHOSE_ACCESS,
                ),
            _ => self.unknown(
                "logs",
                format!(
                    "`{at}.CloudWatchLoggingOptions` names no log group and stream leash can read"
                ),
            ),
        }
    }

    /// A Lambda processor: `lambda:InvokeFunction` and
    /// `lambda:GetFunctionConfiguration` on its function.
    fn processing(&mut self, at: &str, configuration: Option<&Value>) {
        let Some(configuration) = configuration else {
            return;
        };
        if !self.enabled(configuration.get("Enabled"), true) {
            return;
        }
        for processor in configuration
            .get("Processors")
            .and_then(Value::as_array)
            .unwrap_or(&[])
        {
            if self.text(processor.get("Type")).as_deref() != Some("Lambda") {
                continue;
            }
            let function = processor
                .get("Parameters")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .find(|p| self.text(p.get("ParameterName")).as_deref() == Some("LambdaArn"))
                .and_then(|p| self.text(p.get("ParameterValue")));
            match function.filter(|arn| Arn::parse(arn).is_ok() && !arn.contains('*')) {
                Some(arn) => self.use_of(
                    &format!("{at}.ProcessingConfiguration"),
                    &["lambda:InvokeFunction", "lambda:GetFunctionConfiguration"],
                    arn,
                    FIREHOSE_ACCESS,
                ),
                None => self.unknown(
                    "lambda",
                    format!("`{at}.ProcessingConfiguration`: a Lambda processor whose `LambdaArn` leash cannot read"),
                ),
            }
        }
    }

    // --- AppSync -------------------------------------------------------

    fn appsync_data_source(&mut self, resource: &Resource, template: &Template) {
        let properties = &resource.properties;
        self.reading.summary.states = 1;
        let kind = self.text(properties.get("Type")).unwrap_or_default();
        match kind.as_str() {
            "AMAZON_DYNAMODB" => self.appsync_dynamodb(resource, template),
            "AWS_LAMBDA" => self.arn_use(
                properties,
                ("LambdaConfig", "LambdaFunctionArn"),
                &["lambda:InvokeFunction"],
            ),
            "AMAZON_EVENTBRIDGE" => self.arn_use(
                properties,
                ("EventBridgeConfig", "EventBusArn"),
                &["events:PutEvents"],
            ),
            "HTTP" => {
                let authorization = properties
                    .get("HttpConfig")
                    .and_then(|c| c.get("AuthorizationConfig"));
                let signed = self
                    .text(authorization.and_then(|a| a.get("AuthorizationType")))
                    .as_deref()
                    == Some("AWS_IAM");
                let service = self.text(
                    authorization
                        .and_then(|a| a.get("AwsIamConfig"))
                        .and_then(|c| c.get("SigningServiceName")),
                );
                match (signed, service) {
                    (true, Some(service)) => self.unknown(
                        &service.to_ascii_lowercase(),
                        format!("an HTTP data source signed for `{service}` (SigV4): the requests its resolvers send are not modeled"),
                    ),
                    _ => self.unknown(
                        "*",
                        "an HTTP data source without a signing service leash can read".into(),
                    ),
                }
            }
            other => self.unknown(
                "*",
                format!("a data source of type `{other}` (RDS Data API, OpenSearch, Bedrock, ...), not modeled"),
            ),
        }
    }

    /// A data source whose configuration `config.field` is the ARN its
    /// `actions` act on (their service unknown when it is not an ARN).
    fn arn_use(&mut self, properties: &Value, (config, field): (&str, &str), actions: &[&str]) {
        let arn = self
            .text(properties.get(config).and_then(|c| c.get(field)))
            .filter(|arn| Arn::parse(arn).is_ok() && !arn.contains('*'));
        match arn {
            Some(arn) => self.use_of(config, actions, arn, APPSYNC_DATA_SOURCE),
            None => {
                let service = actions
                    .first()
                    .and_then(|a| a.split_once(':'))
                    .map_or("*", |(service, _)| service);
                self.unknown(
                    service,
                    format!("`{config}.{field}` is not an ARN leash can read"),
                )
            }
        }
    }

    /// A DynamoDB data source: the actions its resolvers' request mapping
    /// templates name (one per `operation`), on its table; when a resolver
    /// cannot be read (JavaScript code, a template in S3, a batch or
    /// transaction operation, which names its tables in the request), the
    /// actions AWS's data-source role example lists, and DynamoDB is
    /// unknown (the template's grants stay).
    fn appsync_dynamodb(&mut self, resource: &Resource, template: &Template) {
        let config = resource.properties.get("DynamoDBConfig");
        let table = self.text(config.and_then(|c| c.get("TableName")));
        let region = self
            .text(config.and_then(|c| c.get("AwsRegion")))
            .unwrap_or_else(|| self.place.region.to_string());
        let Some(table) = table.filter(|t| !t.is_empty() && !t.contains(['*', '/', ':'])) else {
            self.unknown(
                "dynamodb",
                "`DynamoDBConfig.TableName` is not a name leash can read".into(),
            );
            return;
        };
        let table_arn = format!(
            "arn:aws:dynamodb:{region}:{}:table/{table}",
            self.place.account
        );
        if config.and_then(|c| c.get("DeltaSyncConfig")).is_some() {
            self.unknown(
                "dynamodb",
                "`DeltaSyncConfig`: the delta sync table is not modeled".into(),
            );
        }
        let name = self.text(resource.properties.get("Name"));
        let mut operations: Vec<(String, bool)> = Vec::new();
        let mut unreadable: Option<String> = None;
        let mut resolvers = 0;
        for other in &template.resources {
            if !matches!(
                other.resource_type.node.as_str(),
                "AWS::AppSync::Resolver" | "AWS::AppSync::FunctionConfiguration"
            ) {
                continue;
            }
            let Some(names) = other.properties.get("DataSourceName") else {
                continue;
            };
            let by_reference =
                reference_target(names).as_deref() == Some(resource.logical_id.node.as_str());
            let by_name = name.is_some() && self.text(Some(names)) == name;
            if !by_reference && !by_name {
                continue;
            }
            resolvers += 1;
            let at = other.logical_id.node.as_str();
            let Some(text) = self.text(other.properties.get("RequestMappingTemplate")) else {
                unreadable.get_or_insert_with(|| {
                    format!("`{at}` has no request mapping template leash can read (JavaScript code or a template in S3)")
                });
                continue;
            };
            let found = vtl_operations(&text);
            if found.is_empty() {
                unreadable.get_or_insert_with(|| {
                    format!("`{at}`'s request mapping template names no `operation`")
                });
            }
            let index = text.contains("\"index\"");
            for operation in found {
                match dynamodb_action(&operation) {
                    Some(action) => operations.push((action.to_string(), index)),
                    None => {
                        unreadable.get_or_insert_with(|| {
                            format!(
                                "`{at}` uses `{operation}`, which names its tables in the request"
                            )
                        });
                    }
                }
            }
        }
        if resolvers == 0 {
            unreadable = Some("no resolver of the template uses the data source".into());
        }
        if let Some(why) = unreadable {
            self.unknown("dynamodb", why);
            // AWS's example role for a DynamoDB data source.
            let documented = [
                "dynamodb:DeleteItem",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:UpdateItem",
            ];
            self.use_of(
                "DynamoDBConfig",
                &documented,
                table_arn.clone(),
                APPSYNC_DATA_SOURCE,
            );
            self.use_of(
                "DynamoDBConfig",
                &["dynamodb:Query", "dynamodb:Scan"],
                format!("{table_arn}/index/*"),
                APPSYNC_DATA_SOURCE,
            );
            return;
        }
        operations.sort();
        operations.dedup();
        let actions: Vec<&str> = operations.iter().map(|(a, _)| a.as_str()).collect();
        let mut on_table: Vec<&str> = actions.clone();
        on_table.dedup();
        self.use_of(
            "the resolvers' `operation`s",
            &on_table,
            table_arn.clone(),
            APPSYNC_DYNAMODB_OPERATIONS,
        );
        let mut on_index: Vec<&str> = operations
            .iter()
            .filter(|(a, index)| *index && matches!(a.as_str(), "dynamodb:Query" | "dynamodb:Scan"))
            .map(|(a, _)| a.as_str())
            .collect();
        on_index.dedup();
        if !on_index.is_empty() {
            self.use_of(
                "the resolvers' `index`",
                &on_index,
                format!("{table_arn}/index/*"),
                APPSYNC_DYNAMODB_OPERATIONS,
            );
        }
    }

    // --- SNS -----------------------------------------------------------

    /// A subscription delivering to a Firehose stream: SNS assumes the
    /// role to describe the stream and put records in it, as the SNS page
    /// writes the recommended policy, on the stream. (Its example lists
    /// `firehose:ListDeliveryStreams` on the stream too; that action has
    /// no resource-level permissions, so the example does not grant it:
    /// SNS works without it, and the design does not add it.)
    fn sns_subscription(&mut self, properties: &Value) {
        self.reading.summary.states += 1;
        let protocol = self.text(properties.get("Protocol"));
        if !protocol
            .as_deref()
            .is_some_and(|p| p.eq_ignore_ascii_case("firehose"))
        {
            self.unknown(
                "*",
                format!(
                    "`Protocol` is {}: only a `firehose` subscription uses a role",
                    protocol.map_or("not a string leash can read".into(), |p| format!("`{p}`"))
                ),
            );
            return;
        }
        match self.text(properties.get("Endpoint")) {
            Some(arn) if Arn::parse(&arn).is_ok() => self.use_of(
                "Endpoint",
                &[
                    "firehose:DescribeDeliveryStream",
                    "firehose:ListTagsForDeliveryStream",
                    "firehose:PutRecord",
                    "firehose:PutRecordBatch",
                ],
                arn,
                SNS_FIREHOSE_SUBSCRIPTION,
            ),
            _ => self.unknown(
                "firehose",
                "`Endpoint` is not a delivery stream ARN leash can read".into(),
            ),
        }
    }

    // --- IoT -----------------------------------------------------------

    fn topic_rule(&mut self, properties: &Value) {
        let payload = properties.get("TopicRulePayload");
        let actions = payload
            .and_then(|p| p.get("Actions"))
            .and_then(Value::as_array)
            .unwrap_or(&[]);
        for (index, action) in actions.iter().enumerate() {
            self.rule_action(&format!("Actions[{index}]"), action);
        }
        if let Some(error) = payload.and_then(|p| p.get("ErrorAction")) {
            self.rule_action("ErrorAction", error);
        }
    }

    /// One rule action: the actions its page lists for the rule's role,
    /// on the resource it names. A name with a substitution template
    /// (`${topic()}`) is decided per message: its service is unknown
    /// (a bucket key or a republish topic keeps its literal prefix).
    fn rule_action(&mut self, at: &str, action: &Value) {
        let Some(members) = action.as_object() else {
            return;
        };
        let (region, account) = (self.place.region, self.place.account);
        for member in members {
            let kind = member.key.node.as_str();
            let at = format!("{at}.{kind}");
            let body = &member.value;
            self.reading.summary.states += 1;
            let field = |key: &str| self.text(body.get(key));
            let plain = |name: Option<String>| {
                name.filter(|n| !n.is_empty() && !n.contains("${") && !n.contains('*'))
            };
            let page = IOT_RULE_ACTIONS;
            match kind {
                // Lambda invokes the function through its resource policy.
                "Lambda" => {}
                "DynamoDB" => match plain(field("TableName")) {
                    Some(table) => self.use_of(
                        &at,
                        &["dynamodb:PutItem"],
                        format!("arn:aws:dynamodb:{region}:{account}:table/{table}"),
                        page,
                    ),
                    None => self.unknown(
                        "dynamodb",
                        format!("`{at}.TableName` is decided per message"),
                    ),
                },
                "DynamoDBv2" => {
                    match plain(self.text(body.get("PutItem").and_then(|p| p.get("TableName")))) {
                        Some(table) => self.use_of(
                            &at,
                            &["dynamodb:PutItem"],
                            format!("arn:aws:dynamodb:{region}:{account}:table/{table}"),
                            page,
                        ),
                        None => self.unknown(
                            "dynamodb",
                            format!("`{at}.PutItem.TableName` is decided per message"),
                        ),
                    }
                }
                "Kinesis" => match plain(field("StreamName")) {
                    Some(stream) => self.use_of(
                        &at,
                        &["kinesis:PutRecord"],
                        format!("arn:aws:kinesis:{region}:{account}:stream/{stream}"),
                        page,
                    ),
                    None => self.unknown(
                        "kinesis",
                        format!("`{at}.StreamName` is decided per message"),
                    ),
                },
                "Firehose" => match plain(field("DeliveryStreamName")) {
                    Some(stream) => {
                        let batch = self.enabled(body.get("BatchMode"), false);
                        let actions: &[&str] = if batch {
                            &["firehose:PutRecordBatch"]
                        } else {
                            &["firehose:PutRecord"]
                        };
                        self.use_of(
                            &at,
                            actions,
                            format!("arn:aws:firehose:{region}:{account}:deliverystream/{stream}"),
                            page,
                        )
                    }
                    None => self.unknown(
                        "firehose",
                        format!("`{at}.DeliveryStreamName` is decided per message"),
                    ),
                },
                "Sqs" => match plain(field("QueueUrl")).as_deref().and_then(queue_arn) {
                    Some(queue) => self.use_of(&at, &["sqs:SendMessage"], queue, page),
                    None => self.unknown(
                        "sqs",
                        format!("`{at}.QueueUrl` is not a queue URL leash can read"),
                    ),
                },
                "Sns" => match plain(field("TargetArn")).filter(|a| Arn::parse(a).is_ok()) {
                    Some(topic) => self.use_of(&at, &["sns:Publish"], topic, page),
                    None => self.unknown(
                        "sns",
                        format!("`{at}.TargetArn` is not an ARN leash can read"),
                    ),
                },
                "S3" => match plain(field("BucketName")) {
                    Some(bucket) => {
                        let key = field("Key").unwrap_or_default();
                        let stem = match key.find("${") {
                            Some(at) => &key[..at],
                            None => key.as_str(),
                        };
                        let object =
                            if stem.contains('*') || stem.len() < key.len() || key.is_empty() {
                                format!("arn:aws:s3:::{bucket}/{}*", stem.replace('*', ""))
                            } else {
                                format!("arn:aws:s3:::{bucket}/{key}")
                            };
                        let acl = body.get("CannedAcl").is_some();
                        let actions: &[&str] = if acl {
                            &["s3:PutObject", "s3:PutObjectAcl"]
                        } else {
                            &["s3:PutObject"]
                        };
                        self.use_of(&at, actions, object, page)
                    }
                    None => self.unknown("s3", format!("`{at}.BucketName` is decided per message")),
                },
                "Republish" => match field("Topic").filter(|t| !t.is_empty()) {
                    Some(topic) => {
                        let resource = match topic.find("${") {
                            Some(cut) => {
                                format!("arn:aws:iot:{region}:{account}:topic/{}*", &topic[..cut])
                            }
                            None => format!("arn:aws:iot:{region}:{account}:topic/{topic}"),
                        };
                        self.use_of(&at, &["iot:Publish"], resource, page)
                    }
                    None => self.unknown("iot", format!("`{at}.Topic` is not one string")),
                },
                "StepFunctions" => match plain(field("StateMachineName")) {
                    Some(name) => self.use_of(
                        &at,
                        &["states:StartExecution"],
                        format!("arn:aws:states:{region}:{account}:stateMachine:{name}"),
                        page,
                    ),
                    None => self.unknown(
                        "states",
                        format!("`{at}.StateMachineName` is decided per message"),
                    ),
                },
                "CloudwatchLogs" => match plain(field("LogGroupName")) {
                    Some(group) => self.use_of(
                        &at,
                        &[
                            "logs:CreateLogStream",
                            "logs:DescribeLogStreams",
                            "logs:PutLogEvents",
                        ],
                        format!("arn:aws:logs:{region}:{account}:log-group:{group}:*"),
                        page,
                    ),
                    None => self.unknown(
                        "logs",
                        format!("`{at}.LogGroupName` is decided per message"),
                    ),
                },
                // `cloudwatch:PutMetricData` has no resource-level
                // permissions.
                "CloudwatchMetric" => {
                    self.use_of(&at, &["cloudwatch:PutMetricData"], "*".into(), page)
                }
                "CloudwatchAlarm" => match plain(field("AlarmName")) {
                    Some(alarm) => self.use_of(
                        &at,
                        &["cloudwatch:SetAlarmState"],
                        format!("arn:aws:cloudwatch:{region}:{account}:alarm:{alarm}"),
                        page,
                    ),
                    None => self.unknown(
                        "cloudwatch",
                        format!("`{at}.AlarmName` is decided per message"),
                    ),
                },
                other => self.unknown("*", format!("the rule action `{other}` is not modeled")),
            }
        }
    }
}

/// The logical id a `Ref`/`Fn::GetAtt` names.
pub fn reference_target(value: &Value) -> Option<String> {
    if let Some(target) = value.get("Ref").and_then(Value::as_str) {
        return Some(target.to_string());
    }
    let attribute = value.get("Fn::GetAtt")?;
    if let Some(text) = attribute.as_str() {
        return text.split('.').next().map(str::to_string);
    }
    attribute.as_array()?.first()?.as_str().map(str::to_string)
}

/// The `operation`s a VTL request mapping template names
/// (`"operation" : "GetItem"`).
fn vtl_operations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("\"operation\"") {
        rest = &rest[at + "\"operation\"".len()..];
        let after = rest.trim_start();
        let Some(after) = after.strip_prefix(':') else {
            continue;
        };
        let after = after.trim_start();
        let Some(after) = after.strip_prefix('"') else {
            continue;
        };
        if let Some(end) = after.find('"') {
            out.push(after[..end].to_string());
        }
    }
    out
}

/// The IAM action of a DynamoDB resolver operation that acts on the data
/// source's table only; `None` for those that name their tables in the
/// request (batch, transaction) or read a sync table.
fn dynamodb_action(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "GetItem" => "dynamodb:GetItem",
        "PutItem" => "dynamodb:PutItem",
        "UpdateItem" => "dynamodb:UpdateItem",
        "DeleteItem" => "dynamodb:DeleteItem",
        "Query" => "dynamodb:Query",
        "Scan" => "dynamodb:Scan",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vtl_operations_are_read() {
        let text = r#"{ "version": "2017-02-28", "operation" : "Query", "index": "byOwner" }"#;
        assert_eq!(vtl_operations(text), ["Query"]);
        assert_eq!(dynamodb_action("BatchGetItem"), None);
        assert_eq!(dynamodb_action("Scan"), Some("dynamodb:Scan"));
    }
}
