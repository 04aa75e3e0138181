//! The application model read from a template: functions with their events,
//! the tables, buckets, queues and topics they may use, and each function's
//! needs, in the order of trust of issue 5 (declared `Metadata: leash:
//! needs` first, then SAM policy templates, then event sources).
//!
//! This module holds the model's types and reads a template into them;
//! each source of needs has its own submodule: `declared` (`Metadata:
//! leash:` needs and design options), `template_iam` (SAM policy templates,
//! inline statements, execution role policies), `connectors` (SAM
//! connectors), `events` (SAM events), and `resources` (the resources
//! functions may use).
//!
//! Not for: turning needs into actions (`access`) or policies (`design`).

use std::collections::BTreeMap;

use leash_iac::{ResolveContext, Resource, Template, UnnamedResources, resolve_with};
use leash_policy::Value;
use leash_policy::symbol::{Pseudo, SymbolKind};

use crate::access::Scope;

mod api_integration;
mod connectors;
mod declared;
mod events;
pub mod kept;
mod lambda_needs;
mod resources;
mod state_machine;
mod template_iam;

pub use connectors::connector_access;
use connectors::read_connectors;
pub(crate) use declared::read_declared_need;
use declared::read_template_options;
pub use kept::{KeptAsIs, KeptItem, KeptReason};
pub use template_iam::SAM_TEMPLATE_ACCESS;
use template_iam::{Located, TemplateIam};

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
    /// A Kinesis data stream.
    Stream,
    /// A Step Functions state machine.
    StateMachine,
    /// A Secrets Manager secret.
    Secret,
    /// An SSM parameter.
    Parameter,
    /// A CloudWatch Logs log group.
    LogGroup,
    /// An EventBridge event bus.
    EventBus,
    /// A KMS key.
    Key,
}

impl ResourceKind {
    pub fn from_type(resource_type: &str) -> Option<ResourceKind> {
        Some(match resource_type {
            // SAM turns a SimpleTable into an `AWS::DynamoDB::Table` of the
            // same logical id:
            // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-specification-generated-resources-simpletable.html
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => ResourceKind::Table,
            "AWS::S3::Bucket" => ResourceKind::Bucket,
            "AWS::SQS::Queue" => ResourceKind::Queue,
            "AWS::SNS::Topic" => ResourceKind::Topic,
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => ResourceKind::Function,
            "AWS::Kinesis::Stream" => ResourceKind::Stream,
            "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
                ResourceKind::StateMachine
            }
            "AWS::SecretsManager::Secret" => ResourceKind::Secret,
            "AWS::SSM::Parameter" => ResourceKind::Parameter,
            "AWS::Logs::LogGroup" => ResourceKind::LogGroup,
            "AWS::Events::EventBus" => ResourceKind::EventBus,
            "AWS::KMS::Key" => ResourceKind::Key,
            _ => return None,
        })
    }

    /// The property that names a resource of `resource_type`, if it has one
    /// (a KMS key has none: its id is generated).
    pub fn name_property(resource_type: &str) -> Option<&'static str> {
        Some(match resource_type {
            "AWS::DynamoDB::Table" | "AWS::Serverless::SimpleTable" => "TableName",
            "AWS::S3::Bucket" => "BucketName",
            "AWS::SQS::Queue" => "QueueName",
            "AWS::SNS::Topic" => "TopicName",
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => "FunctionName",
            "AWS::Kinesis::Stream"
            | "AWS::Serverless::StateMachine"
            | "AWS::SecretsManager::Secret"
            | "AWS::SSM::Parameter"
            | "AWS::Events::EventBus" => "Name",
            "AWS::StepFunctions::StateMachine" => "StateMachineName",
            "AWS::Logs::LogGroup" => "LogGroupName",
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
            ResourceKind::Stream => "stream",
            ResourceKind::StateMachine => "state machine",
            ResourceKind::Secret => "secret",
            ResourceKind::Parameter => "parameter",
            ResourceKind::LogGroup => "log group",
            ResourceKind::EventBus => "event bus",
            ResourceKind::Key => "key",
        }
    }

    /// Kinds read before the resources of issue 5's second slice: a name
    /// only known at deployment is an error for them; the later kinds are
    /// then left out of the model instead (a need on one says so).
    fn name_must_be_known(self) -> bool {
        matches!(
            self,
            ResourceKind::Table
                | ResourceKind::Bucket
                | ResourceKind::Queue
                | ResourceKind::Topic
                | ResourceKind::Function
        )
    }
}

/// The KMS key a table or bucket is encrypted with (customer managed: set
/// in `SSESpecification.KMSMasterKeyId` or `BucketEncryption`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncryptionKey {
    /// Logical id of the `AWS::KMS::Key` when the template references one.
    pub resource: Option<String>,
    /// The value as written, resolved: a key id, key ARN, alias name or
    /// alias ARN (`*` where only known at deployment).
    pub key: String,
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
    /// Tables: the partition (hash) and sort (range) key attribute names.
    pub partition_key: Option<String>,
    pub sort_key: Option<String>,
    /// Tables and buckets: the customer managed KMS key they are encrypted
    /// with, for `kms:ViaService` grants.
    pub encryption_key: Option<EncryptionKey>,
    /// Buckets: the bucket policy to design, when asked for.
    pub bucket_policy: Option<BucketPolicyOptions>,
}

/// What a designed bucket policy denies.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BucketPolicyOptions {
    /// Deny requests not sent over TLS (`aws:SecureTransport` false).
    pub deny_insecure_transport: bool,
    /// Deny principals outside the account or the organization.
    pub deny_outside: Option<Perimeter>,
}

/// Who is inside: the application's account, or an AWS organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Perimeter {
    Account,
    Organization(String),
}

/// Options of the whole design, beyond each function's needs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DesignOptions {
    /// A managed policy ARN set as every function role's permissions boundary.
    pub permissions_boundary: Option<String>,
    /// REST APIs whose resource policy admits only these source IP ranges:
    /// (API logical id, CIDRs).
    pub api_source_ips: Vec<(String, Vec<String>)>,
    /// Roles another account assumes to use the application's resources.
    pub consumers: Vec<Consumer>,
    /// `RetentionInDays` of the log group the designed template creates
    /// for a function that has none; `None`: [`DEFAULT_LOG_RETENTION_DAYS`].
    pub log_retention_days: Option<u16>,
}

/// How long the log groups a designed template creates keep their events
/// unless `--log-retention` says otherwise: a month, enough to look back
/// at an incident, without CloudWatch Logs' default of keeping them (and
/// billing for them) forever.
/// <https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html>
pub const DEFAULT_LOG_RETENTION_DAYS: u16 = 30;

/// The values CloudWatch Logs accepts for a log group's retention
/// (`RetentionInDays`).
/// <https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-logs-loggroup.html#cfn-logs-loggroup-retentionindays>
pub const LOG_RETENTION_DAYS: &[u16] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// A cross-account consumer: a role in the application's account that
/// principals of `account` may assume, with `sts:ExternalId` and/or
/// `aws:PrincipalOrgID` in its trust policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Consumer {
    /// The role name.
    pub name: String,
    /// The account whose principals may assume the role.
    pub account: String,
    pub external_id: Option<String>,
    pub organization: Option<String>,
    pub needs: Vec<Need>,
}

impl AppResource {
    /// A resource with a name and nothing else known yet.
    pub fn new(logical_id: &str, kind: ResourceKind, name: &str) -> AppResource {
        AppResource {
            logical_id: logical_id.to_string(),
            kind,
            name: name.to_string(),
            indexes: Vec::new(),
            has_stream: false,
            named: true,
            partition_key: None,
            sort_key: None,
            encryption_key: None,
            bucket_policy: None,
        }
    }
}

/// Where a need came from, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NeedSource {
    /// `Metadata: leash: needs[index]` on the function.
    Declared { index: usize },
    /// `needs[index]` of the function in a leash manifest.
    Manifest { index: usize },
    /// What the handler code calls (`leash-code`), narrowing a grant of the
    /// template (`narrows`, its source): each call as `file:line` and the
    /// SDK call.
    Code {
        calls: Vec<String>,
        narrows: Box<NeedSource>,
    },
    /// A SAM policy template in the function's `Policies`.
    SamPolicyTemplate { name: String },
    /// A SAM connector from the function (or, for a stream or queue the
    /// function polls, to it): an `AWS::Serverless::Connector`, or an
    /// embedded `Connectors` entry (named `<Source><Entry>` as SAM names
    /// the connector it generates). Same trust as SAM policy templates.
    Connector {
        name: String,
        /// `Read`, `Write` or `Read, Write`.
        permissions: String,
    },
    /// An `SQS` or `DynamoDB` event of the function (Lambda polls for it).
    EventSource { event: String },
    /// A state of a state machine's definition (or its logging or tracing
    /// configuration): what Step Functions calls with the role.
    Definition { state: String },
    /// An API Gateway integration whose credentials name the role: what
    /// API Gateway calls with it (`model::api_integration`).
    Integration { at: String },
    /// An `Allow` statement of an inline policy in the function's `Policies`.
    InlineStatement { policy: usize, statement: usize },
    /// An `Allow` statement of a policy attached to the function's
    /// execution role (`Role:`): the role's inline `Policies`, or an
    /// `AWS::IAM::Policy`/`AWS::IAM::ManagedPolicy` of the template that
    /// names the role. Same trust as `InlineStatement`.
    RoleStatement {
        /// Logical id of the role.
        role: String,
        /// Logical id of the resource that holds the policy (the role, or
        /// the policy resource).
        holder: String,
        /// Where in the holder, e.g. `Properties.Policies[0].PolicyDocument`.
        path: String,
        statement: usize,
    },
}

impl NeedSource {
    pub fn describe(&self) -> String {
        match self {
            NeedSource::Declared { index } => format!("Metadata.leash.needs[{index}]"),
            NeedSource::Manifest { index } => format!("manifest needs[{index}]"),
            NeedSource::Code { calls, narrows } => format!(
                "the code's calls ({}), narrowing {}",
                calls.join(", "),
                narrows.describe()
            ),
            NeedSource::SamPolicyTemplate { name } => format!("SAM policy template `{name}`"),
            NeedSource::Connector { name, permissions } => {
                format!("SAM connector `{name}` ({permissions})")
            }
            NeedSource::EventSource { event } => format!("event `{event}`"),
            // An EventBridge principal's place is written quoted
            // (`` `Target` ``), a state's name is not.
            NeedSource::Definition { state } if state.starts_with('`') => state.clone(),
            NeedSource::Definition { state } => format!("definition state `{state}`"),
            NeedSource::Integration { at } => format!("integration {at}"),
            NeedSource::InlineStatement { policy, statement } => {
                format!("Policies[{policy}].Statement[{statement}]")
            }
            NeedSource::RoleStatement {
                role,
                holder,
                path,
                statement,
            } if holder == role => {
                format!("execution role `{role}` {path}.Statement[{statement}]")
            }
            NeedSource::RoleStatement {
                role,
                holder,
                path,
                statement,
            } => format!("`{holder}` {path}.Statement[{statement}] (on execution role `{role}`)"),
        }
    }

    /// Its place in the order of trust of issue 5 (see [`Trust`]).
    pub fn trust(&self) -> Trust {
        match self {
            NeedSource::Declared { .. } | NeedSource::Manifest { .. } => Trust::Declared,
            NeedSource::Code { .. } => Trust::Code,
            NeedSource::SamPolicyTemplate { .. } | NeedSource::Connector { .. } => {
                Trust::SamPolicyTemplate
            }
            NeedSource::InlineStatement { .. } | NeedSource::RoleStatement { .. } => {
                Trust::ExistingStatement
            }
            // What the definition calls is granted in every case (as far as
            // the template's IAM grants it): it is what the state machine does.
            NeedSource::EventSource { .. }
            | NeedSource::Definition { .. }
            | NeedSource::Integration { .. } => Trust::EventSource,
        }
    }
}

/// The order of trust between the sources of needs, most trusted first.
///
/// Declared needs are the author's complete statement of intent: when a
/// function declares any, the needs read from the template's IAM (SAM
/// policy templates, connectors, existing statements) grant nothing and are
/// listed in `Function::superseded`. Without declared needs, those sources
/// are all granted (each restricted to exact ARNs of template resources).
/// Event sources are not part of that choice: Lambda's event source
/// mapping polls with the function's role, so they are granted in every
/// case. Environment references are never granted (`Function::to_confirm`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Trust {
    /// `Metadata: leash: needs`.
    Declared,
    /// What the handler code calls, when every call of the function was
    /// found and resolved: it narrows the template's grants on the
    /// resources the code calls (`code::narrow_with_code`).
    Code,
    /// SAM policy templates and SAM connectors.
    SamPolicyTemplate,
    /// Statements written in the template: the function's inline
    /// `Policies`, and the policies of its execution role.
    ExistingStatement,
    /// What an event source mapping needs.
    EventSource,
}

impl Trust {
    /// Whether declared needs supersede this source.
    pub fn superseded_by_declared(self) -> bool {
        matches!(
            self,
            Trust::Code | Trust::SamPolicyTemplate | Trust::ExistingStatement
        )
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
    /// Conditions the need asks for (`conditions:`), on every permission it
    /// produces.
    pub conditions: NeedConditions,
}

/// Conditions a declared need asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NeedConditions {
    /// Tables: the partition key values the function may touch
    /// (`dynamodb:LeadingKeys`); a value may be a policy variable such as
    /// `${aws:PrincipalTag/tenant}`.
    pub leading_keys: Vec<String>,
    /// Allowed only after this time (`aws:CurrentTime`, ISO 8601 UTC).
    pub after: Option<String>,
    /// Allowed only before this time.
    pub before: Option<String>,
    /// Conditions a configuration's service grants the use under, as the
    /// page writes them (`StringEquals kms:ViaService s3.REGION.amazonaws.com`):
    /// `(operator, key, values)`.
    pub configured: Vec<(String, String, Vec<String>)>,
}

impl NeedConditions {
    pub fn is_empty(&self) -> bool {
        self.leading_keys.is_empty()
            && self.after.is_none()
            && self.before.is_none()
            && self.configured.is_empty()
    }
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

/// A service that invokes the function on an event through the function's
/// resource-based policy (an `AWS::Lambda::Permission` with `SourceArn` and
/// `SourceAccount`): S3 notifications, SNS subscriptions, EventBridge rules
/// and schedules. API routes are [`ApiRoute`]s.
/// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventInvoker {
    pub event: String,
    /// The SAM event type: `S3`, `SNS`, `Schedule`, `EventBridgeRule`,
    /// `CloudWatchEvent`.
    pub event_type: String,
    /// `s3.amazonaws.com`, `sns.amazonaws.com`, `events.amazonaws.com`.
    pub principal: String,
    /// The bucket, topic or rule ARN. `${X}` and `${X.Arn}` parts are
    /// CloudFormation `Fn::Sub` references, filled in at deployment (a
    /// bucket or rule whose name the template does not set).
    pub source_arn: String,
}

/// An environment variable whose value references a template resource:
/// reported for the author to confirm, never granted (a name in the
/// environment says nothing about what the code does with it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnvironmentReference {
    pub variable: String,
    pub resource: String,
}

/// The execution role a function names with `Role:` (for
/// `AWS::Lambda::Function`, always), as the template wrote it: the
/// function's original IAM, before the design.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExecutionRole {
    /// Logical id of the `AWS::IAM::Role`, or the ARN as written (resolved)
    /// when the role is not in the template.
    pub role: String,
    /// Whether `role` is an `AWS::IAM::Role` of the template.
    pub in_template: bool,
    /// Logical ids of the other functions that run as the same role: they
    /// all get the role's statements as candidate needs (the roadmap
    /// seed's defect, one role for every function).
    pub shared_with: Vec<String>,
    /// Managed policy ARNs attached to the role by `ManagedPolicyArns`
    /// (not designed from: their contents are not in the template).
    pub managed_policies: Vec<String>,
    /// Whether SAM generates the role (the document as written has no
    /// such resource: an `AWS::Serverless::GraphQLApi`'s roles).
    pub generated_by_sam: bool,
}

/// What kind of principal a designed role is for: the service that
/// assumes it, the role property of its resource, and what its needs are
/// read from.
///
/// EventBridge has three kinds, one per service principal and resource
/// type (each has its own trust, role property and reading): a pipe, a
/// schedule, and a rule's targets (one principal per rule, for the
/// targets that name its role).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrincipalKind {
    /// `AWS::Serverless::Function`, `AWS::Lambda::Function`.
    #[default]
    Function,
    /// `AWS::Serverless::StateMachine`, `AWS::StepFunctions::StateMachine`:
    /// its needs are read from its definition (`model::state_machine`).
    StateMachine,
    /// `AWS::Pipes::Pipe` (`RoleArn`): source, enrichment, target and
    /// logging read from the pipe (`leash_iac::eventbridge`).
    Pipe,
    /// `AWS::Scheduler::Schedule` (`Target.RoleArn`): its target, dead-letter
    /// queue and key.
    Schedule,
    /// `AWS::Events::Rule` whose targets name a role (`Targets[].RoleArn`):
    /// the targets EventBridge reaches with it.
    RuleTarget,
    /// `AWS::KinesisFirehose::DeliveryStream`: the role of its source and
    /// destinations (`RoleARN`s), needs read from its configuration
    /// (`leash_iac::delivery`).
    DeliveryStream,
    /// `AWS::AppSync::DataSource`: its `ServiceRoleArn`, needs read from
    /// its type's configuration and its resolvers.
    AppSyncDataSource,
    /// `AWS::AppSync::GraphQLApi` with `LogConfig.CloudWatchLogsRoleArn`
    /// (SAM's `AWS::Serverless::GraphQLApi`: `Logging`, or the role SAM
    /// generates, `leash_iac::sam_graphql`):
    /// the role AppSync writes the API's logs with.
    AppSyncLogging,
    /// `AWS::IoT::TopicRule`: the `RoleArn` of its actions (and error
    /// action), needs read from each action.
    TopicRule,
    /// `AWS::SNS::Subscription` to a Firehose stream
    /// (`SubscriptionRoleArn`): SNS puts the topic's messages in the stream.
    SnsSubscription,
    /// `AWS::SNS::Topic` with `DeliveryStatusLogging`: the role its
    /// `SuccessFeedbackRoleArn`s and `FailureFeedbackRoleArn`s name, SNS
    /// writing delivery status to CloudWatch Logs.
    SnsDeliveryStatus,
    /// An `AWS::IAM::Role` that API Gateway integrations name in their
    /// credentials: its needs are read from those integrations
    /// (`model::api_integration`); its logical id is the role's.
    ApiIntegration,
    /// The role `AWS::ApiGateway::Account` names as API Gateway's
    /// CloudWatch role: one per account and region, shared by every API
    /// there (`model::api_integration`).
    ApiCloudWatchRole,
}

impl PrincipalKind {
    /// The service principal that assumes the role.
    pub fn service(self) -> &'static str {
        match self {
            PrincipalKind::Function => "lambda.amazonaws.com",
            PrincipalKind::StateMachine => "states.amazonaws.com",
            PrincipalKind::Pipe => "pipes.amazonaws.com",
            PrincipalKind::Schedule => "scheduler.amazonaws.com",
            PrincipalKind::RuleTarget => "events.amazonaws.com",
            PrincipalKind::DeliveryStream => "firehose.amazonaws.com",
            PrincipalKind::AppSyncDataSource | PrincipalKind::AppSyncLogging => {
                "appsync.amazonaws.com"
            }
            PrincipalKind::TopicRule => "iot.amazonaws.com",
            PrincipalKind::SnsSubscription | PrincipalKind::SnsDeliveryStatus => {
                "sns.amazonaws.com"
            }
            PrincipalKind::ApiIntegration | PrincipalKind::ApiCloudWatchRole => {
                "apigateway.amazonaws.com"
            }
        }
    }

    /// For the report and the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Function => "function",
            PrincipalKind::StateMachine => "state machine",
            PrincipalKind::Pipe => "pipe",
            PrincipalKind::Schedule => "schedule",
            PrincipalKind::RuleTarget => "rule target",
            PrincipalKind::DeliveryStream => "delivery stream",
            PrincipalKind::AppSyncDataSource => "AppSync data source",
            PrincipalKind::AppSyncLogging => "AppSync API logging",
            PrincipalKind::TopicRule => "IoT topic rule",
            PrincipalKind::SnsSubscription => "SNS subscription",
            PrincipalKind::SnsDeliveryStatus => "SNS delivery-status logging",
            PrincipalKind::ApiIntegration => "API integration role",
            PrincipalKind::ApiCloudWatchRole => "API Gateway CloudWatch role",
        }
    }

    /// Whether its needs are read from a definition or a configuration
    /// (what it does is all it does: the rest of the template's grant for
    /// a service it tells every use of is superseded).
    pub fn configured(self) -> bool {
        self != PrincipalKind::Function
    }

    /// Whether the principal is a role of the template itself (its
    /// logical id is the role's), not a resource that names a role.
    pub fn is_role(self) -> bool {
        matches!(
            self,
            PrincipalKind::ApiIntegration | PrincipalKind::ApiCloudWatchRole
        )
    }

    /// The kind of a resource type, if it is a principal leash designs.
    /// A rule is one only when a target names a role ([`Self::of_resource`]).
    pub fn of_type(resource_type: &str) -> Option<PrincipalKind> {
        match resource_type {
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => Some(PrincipalKind::Function),
            "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine" => {
                Some(PrincipalKind::StateMachine)
            }
            "AWS::Pipes::Pipe" => Some(PrincipalKind::Pipe),
            "AWS::Scheduler::Schedule" => Some(PrincipalKind::Schedule),
            "AWS::Events::Rule" => Some(PrincipalKind::RuleTarget),
            "AWS::KinesisFirehose::DeliveryStream" => Some(PrincipalKind::DeliveryStream),
            "AWS::AppSync::DataSource" => Some(PrincipalKind::AppSyncDataSource),
            "AWS::AppSync::GraphQLApi" | "AWS::Serverless::GraphQLApi" => {
                Some(PrincipalKind::AppSyncLogging)
            }
            "AWS::IoT::TopicRule" => Some(PrincipalKind::TopicRule),
            "AWS::SNS::Subscription" => Some(PrincipalKind::SnsSubscription),
            "AWS::SNS::Topic" => Some(PrincipalKind::SnsDeliveryStatus),
            _ => None,
        }
    }

    /// The kind of a resource, if leash designs a role for it: an
    /// EventBridge resource is a principal when it names exactly one role
    /// (a rule whose targets name several roles is left as it is).
    pub fn of_resource(resource: &leash_iac::Resource) -> Option<PrincipalKind> {
        let kind = PrincipalKind::of_type(&resource.resource_type.node)?;
        if kind.is_eventbridge() {
            let roles = leash_iac::eventbridge::role_values(resource);
            let id = |v: &leash_policy::Value| {
                reference_target(v).or_else(|| v.as_str().map(str::to_string))
            };
            let first = id(roles.first()?)?;
            if roles
                .iter()
                .any(|r| id(r).as_deref() != Some(first.as_str()))
            {
                return None;
            }
        }
        Some(kind)
    }

    /// A pipe, a schedule or a rule's targets.
    pub fn is_eventbridge(self) -> bool {
        matches!(
            self,
            PrincipalKind::Pipe | PrincipalKind::Schedule | PrincipalKind::RuleTarget
        )
    }

    /// The property of `resource_type` that names the role it runs as
    /// (for an EventBridge principal, the property holding it: see
    /// [`leash_iac::eventbridge::role_values`]; a delivery or data
    /// principal's are nested: `role_value`).
    pub fn role_property(resource_type: &str) -> &'static str {
        match resource_type {
            "AWS::StepFunctions::StateMachine" | "AWS::Pipes::Pipe" => "RoleArn",
            "AWS::Scheduler::Schedule" => "Target",
            "AWS::Events::Rule" => "Targets",
            "AWS::AppSync::DataSource" => "ServiceRoleArn",
            "AWS::AppSync::GraphQLApi" => "LogConfig",
            "AWS::Serverless::GraphQLApi" => "Logging",
            "AWS::KinesisFirehose::DeliveryStream" | "AWS::IoT::TopicRule" => "(nested RoleARN)",
            _ => "Role",
        }
    }
}

/// The value that names the role `resource` runs as: `Role`/`RoleArn`,
/// an EventBridge principal's first role value (`Target.RoleArn`,
/// `Targets[].RoleArn`; `PrincipalKind::of_resource` designs only one
/// naming a single role), or for a delivery or data principal the one
/// role all its role properties name (`None` when they name none, or
/// several).
pub(crate) fn role_value(resource: &Resource) -> Option<&Value> {
    let paths = leash_iac::delivery::role_paths(resource);
    if paths.is_empty() {
        if let Some(first) = leash_iac::eventbridge::role_values(resource).first() {
            return Some(first);
        }
        return resource
            .properties
            .get(PrincipalKind::role_property(&resource.resource_type.node));
    }
    let first = paths.first()?;
    let target = reference_target(first.value)?;
    paths
        .iter()
        .all(|p| reference_target(p.value).as_deref() == Some(target.as_str()))
        .then_some(first.value)
}

pub use leash_iac::state_machine::DefinitionSummary;

/// Where a SAM event principal is written: `Events.<event>` of the
/// function or state machine `resource`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SamEventOf {
    pub resource: String,
    pub event: String,
    /// `ScheduleV2` or `Schedule`.
    pub event_type: String,
}

/// A principal and what it needs: a Lambda function, or a state machine
/// (`kind`; most fields are named after functions, the first principal).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Function {
    pub logical_id: String,
    pub kind: PrincipalKind,
    /// For the schedule or rule SAM writes for an event of a function or
    /// state machine (`leash_iac::eventbridge::SamEvent`): where the event
    /// is. `logical_id` is then `<Resource><Event>`, which is no resource
    /// of the template.
    pub sam_event: Option<SamEventOf>,
    /// For a state machine: what its definition uses, when it was read.
    pub definition: Option<DefinitionSummary>,
    /// `FunctionName`, or the logical id when the template sets none.
    pub name: String,
    pub routes: Vec<ApiRoute>,
    /// Services that invoke the function on its other events.
    pub invokers: Vec<EventInvoker>,
    /// What the design grants, in order of trust.
    pub needs: Vec<Need>,
    /// Needs read from the template's IAM that grant nothing because the
    /// function declares its needs ([`Trust::superseded_by_declared`]).
    pub superseded: Vec<Need>,
    pub to_confirm: Vec<EnvironmentReference>,
    /// Notes on the template's IAM that grant nothing (an action AWS does
    /// not know, SAM ignoring `Policies` beside `Role`, ...).
    pub ignored: Vec<String>,
    /// What the template's IAM grants that leash cannot model, kept in the
    /// designed role as it was, with why (the first law).
    pub kept_as_is: Vec<KeptAsIs>,
    /// Statements that only write logs, read as the function's own logs
    /// (the design grants them on its own group); kept as is when the
    /// design grants it no log action.
    pub log_statements: Vec<KeptAsIs>,
    /// What leash could not model but the function's declared needs
    /// supersede (every resource it names is the template's).
    pub superseded_kept: Vec<KeptAsIs>,
    /// The execution role the template gives the function, if it names one.
    pub role: Option<ExecutionRole>,
    /// Which of the design's log actions (`logs:CreateLogStream`,
    /// `logs:PutLogEvents` on its own log group) the template's own IAM
    /// grants the function, when that is known and fewer than both
    /// (`original::limit_log_actions`): the design grants nothing the
    /// template did not. `None`: both (a role SAM generates always has
    /// `AWSLambdaBasicExecutionRole`; a manifest or a role outside the
    /// template gives nothing to stay inside).
    pub log_actions: Option<Vec<String>>,
    /// What Lambda itself needs from the role for this function (network
    /// interfaces in its VPC, X-Ray, its dead-letter queue), as far as the
    /// template's own IAM grants it (`original::limit_lambda_needs`).
    pub lambda_needs: Vec<LambdaNeed>,
    /// What became of the code's needs (`code::narrow_with_code`): the
    /// grants they narrowed, or why the template's grants were kept.
    pub code_note: Option<String>,
    /// The log group the function logs to when its `LoggingConfig.LogGroup`
    /// names one (resolved); otherwise Lambda's default,
    /// `/aws/lambda/<name>` ([`Function::log_group_name`]).
    /// <https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-loggroups.html>
    pub log_group: Option<String>,
}

/// A permission Lambda uses itself, with the function's role: not the
/// function's code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LambdaNeed {
    /// What Lambda does with it, for the report.
    pub why: String,
    pub actions: Vec<String>,
    /// The ARN (or `*`, where the actions have no resource-level
    /// permissions) the actions are granted on.
    pub resource: String,
    /// A concrete resource inside `resource`, for the verification.
    pub example: String,
    /// The AWS page that lists the permission.
    pub reference: String,
    /// Set when `resource` is every resource of its type in the account
    /// because the template does not name the one Lambda reads (a
    /// DocumentDB cluster's parameter and subnet groups): why, for the
    /// report. The design's own lint does not count L106 on it.
    pub unnamed: Option<String>,
    /// Conditions the use is granted under (`NeedConditions::configured`).
    pub conditions: Vec<(String, String, Vec<String>)>,
}

impl Function {
    /// The name of the log group the function writes to.
    pub fn log_group_name(&self) -> String {
        self.log_group
            .clone()
            .unwrap_or_else(|| format!("/aws/lambda/{}", self.name))
    }

    /// A function with no routes and no needs yet.
    pub fn new(logical_id: &str, name: &str) -> Function {
        Function {
            logical_id: logical_id.to_string(),
            name: name.to_string(),
            ..Function::default()
        }
    }
}

/// The application: where it runs, its functions and their resources.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Application {
    /// The template's values known only at deployment: any string of the
    /// model may hold them (see `leash_policy::symbol`); show a string
    /// with `symbols.display`.
    pub symbols: leash_iac::Symbols,
    /// The account, or the `${AWS::AccountId}` symbol when not given.
    pub account: String,
    /// The region, or the `${AWS::Region}` symbol when not given.
    pub region: String,
    /// `AWS::StackName`, when given (`--stack-name`).
    pub stack_name: Option<String>,
    /// Template parameter values given for the deployment (`--parameter`),
    /// checked against the template's declarations.
    pub parameters: BTreeMap<String, String>,
    pub functions: Vec<Function>,
    pub resources: Vec<AppResource>,
    pub options: DesignOptions,
}

impl Application {
    pub fn resource(&self, logical_id: &str) -> Option<&AppResource> {
        self.resources.iter().find(|r| r.logical_id == logical_id)
    }
}

/// Why a template or manifest could not be modelled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    /// What the template or manifest writes is not what leash expected:
    /// the message says what was expected; `span` says where, when the
    /// error is about one written value.
    #[error("{message}")]
    Invalid {
        message: String,
        span: Option<leash_policy::Span>,
    },
    /// `--account` or `Metadata: leash: account` is not an account id.
    #[error("the account `{0}` is not 12 digits")]
    Account(String),
    /// `--stack-name` is not a name CloudFormation accepts
    /// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html>).
    #[error(
        "the stack name `{0}` is not one CloudFormation accepts: letters, digits and hyphens, starting with a letter, at most 128 characters"
    )]
    StackName(String),
    /// More distinct values known only at deployment than symbols exist.
    #[error("the template has more values known only at deployment than leash can tell apart")]
    TooManySymbols,
    /// `--stack-name` or `--parameter` given for a manifest.
    #[error(
        "a manifest has no stack name or template parameters to give values to: `--stack-name` and `--parameter` are for templates"
    )]
    TargetForManifest,
}

impl ModelError {
    /// Where in the template or manifest, when the error is about one
    /// written value.
    pub fn span(&self) -> Option<leash_policy::Span> {
        match self {
            ModelError::Invalid { span, .. } => *span,
            _ => None,
        }
    }
}

pub(crate) fn error_at(span: leash_policy::Span, message: String) -> ModelError {
    ModelError::Invalid {
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
    /// `AWS::StackName`: names built from it are otherwise only known at
    /// deployment.
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/pseudo-parameter-reference.html>
    pub stack_name: Option<String>,
    /// Values of the template's parameters (`KEY=VALUE` of
    /// `aws cloudformation deploy --parameter-overrides`); a value given
    /// here takes the place of the parameter's `Default`.
    /// <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/parameters-section-structure.html>
    pub parameters: BTreeMap<String, String>,
    /// The directory of the template, where a state machine's local
    /// `DefinitionUri` file is read from.
    pub template_dir: Option<std::path::PathBuf>,
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
    // Unknown is not `*`: without a given account or region, each is the
    // template's symbol for it (`${AWS::AccountId}`, `${AWS::Region}`),
    // one value, written back as such.
    let pseudo = |pseudo: Pseudo| {
        template
            .symbols
            .intern(SymbolKind::Pseudo(pseudo))
            .map(String::from)
            .ok_or(ModelError::TooManySymbols)
    };
    let account = match target.account.clone().or_else(|| from_metadata("account")) {
        Some(account) => {
            if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
                return Err(ModelError::Account(account));
            }
            account
        }
        None => pseudo(Pseudo::AccountId)?,
    };
    let region = match target.region.clone().or_else(|| from_metadata("region")) {
        Some(region) => region,
        None => pseudo(Pseudo::Region)?,
    };
    if let Some(stack_name) = &target.stack_name {
        check_stack_name(stack_name)?;
    }
    leash_iac::check_parameter_values(template, &target.parameters).map_err(|problem| {
        ModelError::Invalid {
            message: problem.message,
            span: problem.span,
        }
    })?;
    let context = design_context(
        &account,
        &region,
        target.stack_name.as_ref(),
        &target.parameters,
    );
    let resolve = |value: &Value| resolve_with(value, template, &context).value;
    let iam = TemplateIam::read(template, &context);

    let resources = resources::read_resources(template, &resolve)?;

    let mut functions = Vec::new();
    for resource in &template.resources {
        let modeled = |kind| {
            resources
                .iter()
                .any(|r| r.logical_id == resource.logical_id.node && r.kind == kind)
        };
        // The schedules and rules SAM writes for its events, each with
        // its own role (docs/design.md, "EventBridge principals").
        for event in leash_iac::eventbridge::sam_events(resource) {
            functions.push(read_sam_event(
                template,
                &event,
                &resources,
                &resolve,
                (&account, &region),
                &iam,
            ));
        }
        if modeled(ResourceKind::Function) {
            functions.push(read_function(
                template,
                resource,
                &resources,
                &resolve,
                (&account, &region),
                &iam,
            )?);
        } else if modeled(ResourceKind::StateMachine) {
            functions.push(read_state_machine(
                template,
                resource,
                &resources,
                &resolve,
                (&account, &region),
                &iam,
                target.template_dir.as_deref(),
            )?);
        } else if let Some(kind) =
            PrincipalKind::of_resource(resource).filter(|k| k.is_eventbridge())
        {
            functions.push(read_eventbridge(
                template,
                resource,
                kind,
                &resources,
                &resolve,
                (&account, &region),
                &iam,
            )?);
        } else if let Some(kind) = delivery_kind(template, resource) {
            functions.push(read_delivery(
                template,
                resource,
                kind,
                &resources,
                &resolve,
                (&account, &region),
                &iam,
            )?);
        }
    }
    functions.extend(api_integration::read_api_principals(
        template,
        &resources,
        &resolve,
        (&account, &region),
        &iam,
        target.template_dir.as_deref(),
    ));
    // A role SAM generates (its GraphQL API's, `sam_graphql::expand`) is
    // a resource of the template read, not of the document as written.
    let written = template.root.get("Resources");
    for function in &mut functions {
        if let Some(role) = function.role.as_mut().filter(|r| r.in_template) {
            role.generated_by_sam = written.is_some_and(|w| w.get(&role.role).is_none());
        }
    }
    let options = read_template_options(template, leash_metadata, &resources, (&account, &region))?;
    let mut application = Application {
        symbols: template.symbols.clone(),
        account,
        region,
        stack_name: target.stack_name.clone(),
        parameters: target.parameters.clone(),
        functions,
        resources,
        options,
    };
    // The template's IAM of each function, from the extraction above (the
    // same context), for the four limits below.
    let originals = crate::original::Originals::new(template, &iam.policies, &iam.references);
    crate::original::limit_log_actions(&mut application, &originals);
    crate::original::limit_lambda_needs(&mut application, &originals);
    crate::original::limit_mapping_needs(template, &mut application, &originals);
    crate::original::limit_definition_needs(&mut application, &originals);
    // A log statement was read as the function's own logs; where the
    // design grants it no log action after all (its role writes no log
    // stream of its group), the statement is kept as is instead.
    for function in &mut application.functions {
        if function.log_actions.as_ref().is_some_and(Vec::is_empty) {
            let statements = std::mem::take(&mut function.log_statements);
            function.kept_as_is.extend(statements);
        }
    }
    Ok(application)
}

/// How a design reads the template: a value known only at deployment is a
/// symbol (the account and region too, unless given), a parameter is a
/// symbol unless its value is given (its default may be overridden at
/// deployment), and ARNs are in the `aws` partition (see docs/design.md).
pub(crate) fn design_context(
    account: &str,
    region: &str,
    stack_name: Option<&String>,
    parameters: &BTreeMap<String, String>,
) -> ResolveContext {
    let known =
        |value: &str| (!leash_policy::symbol::contains_symbol(value)).then(|| value.to_string());
    ResolveContext {
        account: known(account),
        region: known(region),
        partition: Some("aws".to_string()),
        // Not used with symbols.
        unnamed_resources: UnnamedResources::LogicalId,
        unknowns: leash_iac::Unknowns::Symbols,
        parameter_defaults: leash_iac::ParameterDefaults::Unknown,
        stack_name: stack_name.cloned(),
        parameters: parameters.clone(),
    }
}

/// A stack name CloudFormation accepts: letters, digits and hyphens,
/// starting with a letter, at most 128 characters
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/API_CreateStack.html>).
/// Anything else would put into ARNs a name no stack can have.
fn check_stack_name(stack_name: &str) -> Result<(), ModelError> {
    let valid = stack_name.len() <= 128
        && stack_name.starts_with(|c: char| c.is_ascii_alphabetic())
        && stack_name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if valid {
        Ok(())
    } else {
        Err(ModelError::StackName(stack_name.to_string()))
    }
}

fn read_function(
    template: &Template,
    resource: &Resource,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
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
        ..Function::default()
    };
    function.log_group = resource
        .properties
        .get("LoggingConfig")
        .and_then(|c| c.get("LogGroup"))
        .and_then(|group| resolve(group).as_str().map(str::to_string))
        // CloudWatch Logs allows letters, digits and `._-/#` only (a part
        // known only at deployment is a symbol, one such name).
        // https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
        .filter(|name| {
            !name.is_empty()
                && name.chars().all(|c| {
                    c.is_ascii_alphanumeric()
                        || "._-/#".contains(c)
                        || leash_policy::symbol::symbol_index(c).is_some()
                })
        });
    let own_log_group = function.log_group_name();
    let located = Located {
        account,
        region,
        resources,
        resolve,
        log_group: &own_log_group,
    };

    // (a) Declared needs: the author's statement of intent, trusted first.
    function.needs.extend(metadata_needs(
        resource,
        &logical_id,
        resources,
        (account, region),
    )?);

    // (b) SAM policy templates with a documented mapping to an access level;
    // (c) inline statements, collected apart so they come after (b).
    let mut inline_needs = Vec::new();
    template_iam::read_function_policies(
        template,
        resource,
        iam,
        &located,
        &mut function,
        &mut inline_needs,
    );

    // (b) also: SAM connectors from the function (or from a table or queue
    // to it), collected with the SAM policy templates.
    read_connectors(&logical_id, iam, resources, &mut function);

    // (c) also: the statements of the execution role's policies.
    template_iam::read_role_statements(
        template,
        resource,
        iam,
        &located,
        &mut function,
        &mut inline_needs,
    );

    function.needs.extend(inline_needs);

    // Events: API routes (for Lambda permissions) and pollers (consume needs).
    events::read_events(
        template,
        resource,
        resources,
        resolve,
        (account, region),
        &mut function,
    );

    // What Lambda itself needs from the role (VPC, X-Ray, dead-letter
    // queue).
    lambda_needs::read_lambda_needs(
        template,
        resource,
        resolve,
        (account, region),
        &mut function,
    );

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
    template_iam::settle_managed_policies(iam, resources, &mut function);
    apply_order_of_trust(&mut function);
    Ok(function)
}

/// A state machine: its template IAM read as a function's is (SAM
/// `Policies` and connectors, the statements of the role its
/// `Role`/`RoleArn` names), its needs read from its definition
/// (`state_machine`), and what the template grants for a service the
/// definition tells every use of superseded by the definition (the
/// first law: the definition is the state machine's whole behaviour).
fn read_state_machine(
    template: &Template,
    resource: &Resource,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
    template_dir: Option<&std::path::Path>,
) -> Result<Function, ModelError> {
    let logical_id = resource.logical_id.node.clone();
    let name = resources
        .iter()
        .find(|r| r.logical_id == logical_id)
        .map(|r| r.name.clone())
        .unwrap_or_else(|| logical_id.clone());
    let reading = state_machine::read_state_machine_definition(
        resource,
        resolve,
        &state_machine::Place {
            account,
            region,
            name: &name,
        },
        template_dir,
    );
    read_configured(
        template,
        resource,
        (PrincipalKind::StateMachine, name),
        reading,
        resources,
        resolve,
        (account, region),
        iam,
    )
}

/// The kind of a delivery or data principal leash designs: a resource of
/// `leash_iac::delivery` whose role properties all name one role of the
/// template, and that `delivery::not_designed` does not leave as written.
fn delivery_kind(template: &Template, resource: &Resource) -> Option<PrincipalKind> {
    let kind = PrincipalKind::of_type(&resource.resource_type.node)?;
    if !matches!(
        kind,
        PrincipalKind::DeliveryStream
            | PrincipalKind::AppSyncDataSource
            | PrincipalKind::AppSyncLogging
            | PrincipalKind::TopicRule
            | PrincipalKind::SnsSubscription
            | PrincipalKind::SnsDeliveryStatus
    ) || leash_iac::delivery::not_designed(resource).is_some()
    {
        return None;
    }
    let role = reference_target(role_value(resource)?)?;
    template
        .resource(&role)
        .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
        .then_some(kind)
}

/// A delivery or data principal (`PrincipalKind::configured`): its
/// needs read from its configuration (`leash_iac::delivery`), as a state
/// machine's are from its definition.
fn read_delivery(
    template: &Template,
    resource: &Resource,
    kind: PrincipalKind,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
) -> Result<Function, ModelError> {
    let name_property = match kind {
        PrincipalKind::DeliveryStream => "DeliveryStreamName",
        PrincipalKind::TopicRule => "RuleName",
        PrincipalKind::SnsDeliveryStatus => "TopicName",
        _ => "Name",
    };
    let name = resource
        .properties
        .get(name_property)
        .and_then(|n| resolve(n).as_str().map(str::to_string))
        .unwrap_or_else(|| resource.logical_id.node.clone());
    let reading = leash_iac::delivery::read_delivery_configuration(
        resource,
        template,
        resolve,
        &state_machine::Place {
            account,
            region,
            name: &name,
        },
    );
    read_configured(
        template,
        resource,
        (kind, name),
        reading,
        resources,
        resolve,
        (account, region),
        iam,
    )
}

/// A principal whose needs are read from its definition or configuration
/// (`reading`): its template IAM read as a function's is (SAM `Policies`
/// and connectors, the statements of the role it names), its needs the
/// reading's uses, and what the template grants for a service the
/// reading tells every use of superseded by it (the first law: the
/// definition or configuration is the principal's whole behaviour).
#[allow(clippy::too_many_arguments)]
fn read_configured(
    template: &Template,
    resource: &Resource,
    (kind, name): (PrincipalKind, String),
    reading: state_machine::Reading,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
) -> Result<Function, ModelError> {
    let logical_id = resource.logical_id.node.clone();
    let mut machine = Function {
        logical_id: logical_id.clone(),
        kind,
        name,
        // The service writes no log group of its own through the role:
        // a state machine's logging is a log delivery (`state_machine`),
        // a delivery or data principal's logs are uses of its reading.
        log_actions: Some(Vec::new()),
        ..Function::default()
    };
    let no_group = String::new();
    let located = Located {
        account,
        region,
        resources,
        resolve,
        log_group: &no_group,
    };
    machine.needs.extend(metadata_needs(
        resource,
        &logical_id,
        resources,
        (account, region),
    )?);
    let mut inline_needs = Vec::new();
    template_iam::read_function_policies(
        template,
        resource,
        iam,
        &located,
        &mut machine,
        &mut inline_needs,
    );
    read_connectors(&logical_id, iam, resources, &mut machine);
    template_iam::read_role_statements(
        template,
        resource,
        iam,
        &located,
        &mut machine,
        &mut inline_needs,
    );
    machine.needs.extend(inline_needs);
    apply_definition(&mut machine, reading, &located, iam);
    Ok(machine)
}

/// The end of reading a configured principal: its statements that only
/// write logs are not about a group of its own, so they are kept as is
/// (and superseded with the rest when the reading tells every use of
/// CloudWatch Logs); then the reading's uses become its needs.
fn apply_definition(
    machine: &mut Function,
    reading: state_machine::Reading,
    located: &template_iam::Located<'_>,
    iam: &TemplateIam,
) {
    let log_statements = std::mem::take(&mut machine.log_statements);
    machine.kept_as_is.extend(log_statements);
    apply_reading(machine, reading, located, iam, &|state| {
        NeedSource::Definition {
            state: state.to_string(),
        }
    });
}

/// What a definition (or a role's integrations) uses, as the principal's
/// needs: a use on a template resource is a need on its scope, one
/// outside the template is granted as Lambda's own needs are; then what
/// the template grants for a service the reading tells every use of is
/// superseded by it.
fn apply_reading(
    machine: &mut Function,
    reading: state_machine::Reading,
    located: &template_iam::Located<'_>,
    iam: &TemplateIam,
    source_of: &dyn Fn(&str) -> NeedSource,
) {
    let resources = located.resources;
    for found in &reading.uses {
        let source = source_of(&found.state);
        match template_iam::match_arn(&found.resource, located) {
            Some((target, scope, prefix))
                if found
                    .actions
                    .iter()
                    .all(|a| template_iam::acts_on(a, &found.resource)) =>
            {
                let need = Need {
                    resource: target,
                    access: Access::Listed,
                    prefix,
                    index: false,
                    actions: found.actions.clone(),
                    scope: Some(scope),
                    source,
                    conditions: NeedConditions {
                        configured: use_conditions(found),
                        ..NeedConditions::default()
                    },
                };
                if !machine.needs.contains(&need) {
                    machine.needs.push(need);
                }
            }
            _ => {
                let example = match found.resource.strip_suffix('*') {
                    Some("") | None => found.resource.clone(),
                    Some(stem) => format!("{stem}leash-example"),
                };
                machine.lambda_needs.push(LambdaNeed {
                    why: source.describe(),
                    actions: found.actions.clone(),
                    resource: found.resource.clone(),
                    example,
                    reference: found.reference.to_string(),
                    unnamed: None,
                    conditions: use_conditions(found),
                });
            }
        }
    }
    template_iam::settle_managed_policies(iam, resources, machine);
    supersede_by_definition(machine, &reading.summary, resources);
    machine.definition = Some(reading.summary);
    apply_order_of_trust(machine);
}

/// A use's conditions as a statement's `(operator, key, values)`.
fn use_conditions(found: &leash_iac::state_machine::Use) -> Vec<(String, String, Vec<String>)> {
    found
        .conditions
        .iter()
        .map(|c| (c.operator.clone(), c.key.clone(), c.values.clone()))
        .collect()
}

/// An EventBridge principal (a pipe, a schedule, a rule's targets), read
/// as every configured principal is (`read_configured`: the statements of
/// the role it names): its needs are what the resource tells it does with
/// the role (`leash_iac::eventbridge`), and what the template grants for a
/// service it tells every use of is superseded, as a state machine's
/// definition does (docs/design.md, "EventBridge principals").
fn read_eventbridge(
    template: &Template,
    resource: &Resource,
    kind: PrincipalKind,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
) -> Result<Function, ModelError> {
    let name = resource
        .properties
        .get("Name")
        .map(resolve)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| resource.logical_id.node.clone());
    let eventbridge_kind = match kind {
        PrincipalKind::Pipe => leash_iac::eventbridge::EventBridgeKind::Pipe,
        PrincipalKind::Schedule => leash_iac::eventbridge::EventBridgeKind::Schedule,
        _ => leash_iac::eventbridge::EventBridgeKind::RuleTarget,
    };
    let reading =
        leash_iac::eventbridge::read_eventbridge_principal(resource, eventbridge_kind, resolve);
    read_configured(
        template,
        resource,
        (kind, name),
        reading,
        resources,
        resolve,
        (account, region),
        iam,
    )
}

/// The schedule or rule SAM writes for an event of a function or state
/// machine (`leash_iac::eventbridge::SamEvent`), read as the EventBridge
/// principal it is: its template IAM is the role its `RoleArn` names, else
/// what SAM generates for it (`leash_iac` extracts that as the policies of
/// `<Resource><Event>Role`, attached to `<Resource><Event>`); its needs are
/// its target and dead-letter queue.
fn read_sam_event(
    template: &Template,
    event: &leash_iac::eventbridge::SamEvent<'_>,
    resources: &[AppResource],
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    iam: &TemplateIam,
) -> Function {
    let kind = match event.kind {
        leash_iac::eventbridge::EventBridgeKind::Schedule => PrincipalKind::Schedule,
        _ => PrincipalKind::RuleTarget,
    };
    let principal = event.principal.clone();
    // SAM names the schedule or rule `Name` (else the logical id for a
    // `ScheduleV2`; CloudFormation names a rule without one).
    let name = event
        .property("Name")
        .or_else(|| event.property("RuleName"))
        .map(resolve)
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| principal.clone());
    let mut machine = Function {
        logical_id: principal.clone(),
        kind,
        name,
        sam_event: Some(SamEventOf {
            resource: event.resource.clone(),
            event: event.event.clone(),
            event_type: event.event_type.clone(),
        }),
        log_actions: Some(Vec::new()),
        ..Function::default()
    };
    let no_group = String::new();
    let located = Located {
        account,
        region,
        resources,
        resolve,
        log_group: &no_group,
    };
    if let Some(role) = event.role {
        machine.role = Some(iam.execution_role(&principal, role, resolve));
    }
    let mut inline_needs = Vec::new();
    template_iam::read_policies(
        template,
        iam.role_policies(&principal),
        iam.role_managed_policies(&principal),
        &located,
        &mut machine,
        &mut inline_needs,
    );
    machine.needs.extend(inline_needs);
    let reading = leash_iac::eventbridge::read_sam_event(event, resolve);
    apply_definition(&mut machine, reading, &located, iam);
    machine
}

/// The services of a statement kept as is (its actions' prefixes), `None`
/// when they cannot be told (a wildcard service, `NotAction`, a managed
/// policy whose document leash lacks).
fn kept_services(kept: &KeptAsIs) -> Option<Vec<String>> {
    match &kept.item {
        KeptItem::Statements { resolved, .. } => {
            let mut services = Vec::new();
            for statement in resolved {
                if statement.get("NotAction").is_some() {
                    return None;
                }
                let actions: Vec<&str> = match statement.get("Action") {
                    Some(crate::json_tree::Node::String(a)) => vec![a.as_str()],
                    Some(crate::json_tree::Node::Array(items)) => items
                        .iter()
                        .filter_map(crate::json_tree::Node::as_str)
                        .collect(),
                    _ => return None,
                };
                for action in actions {
                    let service = action.split_once(':')?.0;
                    if service.contains(['*', '?']) {
                        return None;
                    }
                    services.push(service.to_ascii_lowercase());
                }
            }
            Some(services)
        }
        KeptItem::ManagedPolicy { arn, .. } => {
            let document = crate::changes::aws_managed_policy_document(arn)?;
            let mut services = Vec::new();
            for statement in &document.statements {
                if statement.action.node.negated {
                    return None;
                }
                for pattern in &statement.action.node.patterns {
                    let service = pattern.node.split_once(':')?.0;
                    if service.contains(['*', '?']) {
                        return None;
                    }
                    services.push(service.to_ascii_lowercase());
                }
            }
            Some(services)
        }
    }
}

/// What the template's IAM grants a state machine for services its
/// definition tells every use of is superseded by the definition: needs
/// read from that IAM move to `superseded`, what is kept as is to
/// `superseded_kept` (a `Deny` stays with what is kept beside it).
fn supersede_by_definition(
    machine: &mut Function,
    summary: &DefinitionSummary,
    resources: &[AppResource],
) {
    if summary.unknown.contains_key("*") {
        return;
    }
    let complete = |service: &str| summary.complete_for(service);
    let (superseded, needs): (Vec<Need>, Vec<Need>) = std::mem::take(&mut machine.needs)
        .into_iter()
        .partition(|need| {
            need.source.trust().superseded_by_declared()
                && need_services(need, resources).iter().all(|s| complete(s))
        });
    machine.needs = needs;
    machine.superseded.extend(superseded);
    let (superseded, kept): (Vec<KeptAsIs>, Vec<KeptAsIs>) =
        std::mem::take(&mut machine.kept_as_is)
            .into_iter()
            .partition(|kept| {
                kept.grants()
                    && kept_services(kept)
                        .is_some_and(|services| services.iter().all(|s| complete(s)))
            });
    machine.kept_as_is = kept;
    machine.superseded_kept.extend(superseded);
}

/// A use of the definition (or of the integrations) that the template's
/// IAM does not grant as the engine reads it (a value known only at
/// deployment it does not name, such as the region of a function ARN
/// next to a literal `us-west-2`): the template's grant for that service
/// may still be what the deployment uses, so it is not superseded after
/// all (the first law): what was superseded of it goes back, and the
/// service is unknown.
pub(crate) fn unsupersede(
    function: &mut Function,
    services: &std::collections::BTreeSet<String>,
    resources: &[AppResource],
) {
    if services.is_empty() {
        return;
    }
    if let Some(definition) = &mut function.definition {
        for service in services {
            definition.unknown.entry(service.clone()).or_insert_with(|| {
                "a use the template's IAM does not grant as written (a value known only at deployment it does not name): its grant is kept".to_string()
            });
        }
    }
    let touches = |found: &[String]| found.iter().any(|s| s == "*" || services.contains(s));
    let (back, superseded): (Vec<Need>, Vec<Need>) = std::mem::take(&mut function.superseded)
        .into_iter()
        .partition(|need| touches(&need_services(need, resources)));
    function.superseded = superseded;
    function.needs.extend(back);
    let (back, superseded): (Vec<KeptAsIs>, Vec<KeptAsIs>) =
        std::mem::take(&mut function.superseded_kept)
            .into_iter()
            .partition(|kept| kept_services(kept).is_none_or(|found| touches(&found)));
    function.superseded_kept = superseded;
    function.kept_as_is.extend(back);
}

/// The services a need's actions belong to (`*` when not known).
fn need_services(need: &Need, resources: &[AppResource]) -> Vec<String> {
    if need.access == Access::Listed {
        return need
            .actions
            .iter()
            .map(|a| match a.split_once(':') {
                Some((service, _)) => service.to_ascii_lowercase(),
                None => "*".to_string(),
            })
            .collect();
    }
    let service = resources
        .iter()
        .find(|r| r.logical_id == need.resource)
        .map_or("*", |r| service_of(r.kind));
    vec![service.to_string()]
}

/// Declared needs supersede what the template's IAM grants: those needs
/// move to `superseded` (see [`Trust`]).
fn apply_order_of_trust(function: &mut Function) {
    let declared = function
        .needs
        .iter()
        .any(|n| n.source.trust() == Trust::Declared);
    if declared {
        let (superseded, kept): (Vec<KeptAsIs>, Vec<KeptAsIs>) =
            std::mem::take(&mut function.kept_as_is)
                .into_iter()
                .partition(|k| k.supersedable);
        function.kept_as_is = kept;
        function.superseded_kept = superseded;
    }
    // A `Deny` is kept only to bound what is kept as is beside it.
    if !function.kept_as_is.iter().any(KeptAsIs::grants) {
        function.kept_as_is.clear();
    }
    if !declared {
        return;
    }
    let (superseded, kept): (Vec<Need>, Vec<Need>) = std::mem::take(&mut function.needs)
        .into_iter()
        .partition(|n| n.source.trust().superseded_by_declared());
    function.needs = kept;
    function.superseded = superseded;
}

/// The span of `key`'s value in a mapping, or of the mapping.
fn field_span(value: &Value, key: &str) -> leash_policy::Span {
    value.get(key).map_or(value.span, |v| v.span)
}

/// The service whose actions act on a kind of resource.
pub fn service_of(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Table => "dynamodb",
        ResourceKind::Bucket => "s3",
        ResourceKind::Queue => "sqs",
        ResourceKind::Topic => "sns",
        ResourceKind::Function => "lambda",
        ResourceKind::Stream => "kinesis",
        ResourceKind::StateMachine => "states",
        ResourceKind::Secret => "secretsmanager",
        ResourceKind::Parameter => "ssm",
        ResourceKind::LogGroup => "logs",
        ResourceKind::EventBus => "events",
        ResourceKind::Key => "kms",
    }
}

/// The logical id a `Ref`/`!GetAtt`/`Fn::GetAtt` points at, if any.
fn reference_target(value: &Value) -> Option<String> {
    leash_iac::delivery::reference_target(value)
}

/// The needs a principal declares in `Metadata.leash.needs`: the author's
/// statement of intent, trusted first.
fn metadata_needs(
    resource: &Resource,
    logical_id: &str,
    resources: &[AppResource],
    (account, region): (&str, &str),
) -> Result<Vec<Need>, ModelError> {
    let Some(needs) = resource
        .metadata
        .as_ref()
        .and_then(|m| m.get("leash"))
        .and_then(|m| m.get("needs"))
    else {
        return Ok(Vec::new());
    };
    let Some(list) = needs.as_array() else {
        return Err(error_at(
            needs.span,
            format!("`{logical_id}`: Metadata.leash.needs is not a list"),
        ));
    };
    let mut out = Vec::new();
    for (index, need) in list.iter().enumerate() {
        out.extend(read_declared_need(
            &format!("`{logical_id}`: Metadata.leash.needs[{index}]"),
            NeedSource::Declared { index },
            need,
            resources,
            (account, region),
        )?);
    }
    Ok(out)
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
        // No QueueName: the generated name is one value known only at
        // deployment, written as the template would name it.
        let jobs = &app.resource("Jobs").unwrap().name;
        assert!(
            leash_policy::symbol::single_symbol(jobs).is_some(),
            "{jobs}"
        );
        assert_eq!(app.symbols.display(jobs), "${Jobs.QueueName}");
        assert_eq!(app.account, "111122223333");
        assert_eq!(app.region, "us-west-2");
    }

    /// A SimpleTable is the `AWS::DynamoDB::Table` SAM makes of it: a
    /// function given it through `DynamoDBCrudPolicy` (as in
    /// `../shared/corpus/sam-templates/apigw-lambda-dynamodb.yaml`) needs
    /// the table, and the key is `PrimaryKey.Name`, `id` without one.
    #[test]
    fn simple_tables_are_tables() {
        let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Items:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: items
      PrimaryKey: {Name: itemId, Type: String}
  Plain:
    Type: AWS::Serverless::SimpleTable
  Crud:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: java21
      Handler: a.Handler
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Items}
      Environment:
        Variables: {TABLE: !Ref Plain}
"#;
        let template = leash_iac::read_template(text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let items = app.resource("Items").unwrap();
        assert_eq!(items.kind, ResourceKind::Table);
        assert_eq!(items.name, "items");
        assert_eq!(items.partition_key.as_deref(), Some("itemId"));
        assert_eq!(items.sort_key, None);
        let plain = app.resource("Plain").unwrap();
        assert_eq!(plain.kind, ResourceKind::Table);
        assert_eq!(plain.partition_key.as_deref(), Some("id"));
        let function = &app.functions[0];
        assert!(
            function.needs.iter().any(|n| n.resource == "Items"),
            "{:?}",
            function.needs
        );
    }

    #[test]
    fn needs_come_in_order_of_trust() {
        let app = application();
        let function = &app.functions[0];
        assert_eq!(function.name, "get-order");
        let sources: Vec<String> = function.needs.iter().map(|n| n.source.describe()).collect();
        // The SAM policy template is superseded by the declared needs; the
        // event source mapping's need stays (Lambda polls with the role).
        assert_eq!(
            sources,
            vec![
                "Metadata.leash.needs[0]",
                "Metadata.leash.needs[1]",
                "event `Work`",
            ]
        );
        assert_eq!(function.needs[1].prefix.as_deref(), Some("receipts/"));
        assert_eq!(function.needs[2].access, Access::Consume);
        assert_eq!(function.needs[2].resource, "Jobs");
        assert_eq!(function.superseded.len(), 1);
        assert_eq!(function.superseded[0].access, Access::ReadWrite);
        assert_eq!(
            function.superseded[0].source.describe(),
            "SAM policy template `DynamoDBCrudPolicy`"
        );
        // `AWSLambdaBasicExecutionRole` by name is the function's own logs,
        // which the design models: neither kept as is nor superseded.
        assert!(function.kept_as_is.is_empty(), "{:#?}", function.kept_as_is);
        assert!(function.superseded_kept.is_empty());
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

    /// The test template without the declared needs of `GetOrder`.
    fn undeclared(text: &str) -> String {
        text.replace(
            concat!(
                "    Metadata:\n      leash:\n        needs:\n",
                "          - {resource: Orders, access: read, index: true}\n",
                "          - {resource: Receipts, access: put, prefix: receipts/}\n",
            ),
            "",
        )
    }

    #[test]
    fn without_declared_needs_sam_templates_are_granted() {
        let template = leash_iac::read_template(&undeclared(TEMPLATE)).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let function = &app.functions[0];
        assert!(function.superseded.is_empty());
        assert_eq!(function.needs[0].access, Access::ReadWrite);
        assert_eq!(function.needs[0].source.trust(), Trust::SamPolicyTemplate);
    }

    #[test]
    fn actions_the_catalog_does_not_know_are_left_out_not_granted() {
        // `s3:GetObjects` is no IAM action: AWS grants nothing for it, so
        // the design neither copies it into the role nor loses the real one
        // beside it.
        let text = undeclared(TEMPLATE).replace(
            "        - AWSLambdaBasicExecutionRole\n",
            concat!(
                "        - AWSLambdaBasicExecutionRole\n",
                "        - Statement:\n",
                "            - Effect: Allow\n",
                "              Action: [s3:GetObject, s3:GetObjects]\n",
                "              Resource: !Sub 'arn:aws:s3:::${Receipts}/*'\n",
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
        assert_eq!(listed.len(), 1, "{:#?}", function.needs);
        assert_eq!(listed[0].actions, vec!["s3:GetObject".to_string()]);
        assert!(
            function
                .ignored
                .iter()
                .any(|i| i.contains("`s3:GetObjects` is not an action")),
            "{:#?}",
            function.ignored
        );
    }

    #[test]
    fn inline_statements_on_template_resources_become_listed_needs() {
        let text = undeclared(TEMPLATE).replace(
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
        // With the declared needs back, the inline statements are superseded.
        let template = leash_iac::read_template(&text.replace(
            "  GetOrder:\n    Type: AWS::Serverless::Function\n",
            "  GetOrder:\n    Type: AWS::Serverless::Function\n    Metadata: {leash: {needs: [{resource: Orders, access: read}]}}\n",
        ))
        .unwrap();
        let declared = read_application(&template, &Target::default()).unwrap();
        let superseded = &declared.functions[0].superseded;
        assert_eq!(
            superseded
                .iter()
                .filter(|n| n.access == Access::Listed)
                .count(),
            2
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
        // Wildcards and resources outside the template are kept as is
        // (the first law), with why.
        let kept = |needle: &str| {
            function
                .kept_as_is
                .iter()
                .find(|k| k.origin.contains(needle))
                .map(|k| k.reason.clone())
        };
        assert_eq!(
            kept("Policies[2].Statement[2]"),
            Some(KeptReason::WildcardAction)
        );
        assert_eq!(
            kept("Policies[2].Statement[3]"),
            Some(KeptReason::OutsideTemplate(
                "arn:aws:s3:::someone-elses-bucket/*".into()
            ))
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

    const SHARED_ROLE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: Orders}
  Receipts:
    Type: AWS::S3::Bucket
    Properties: {BucketName: acme-orders-receipts}
  AppRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement:
          - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}
      ManagedPolicyArns:
        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole
      Policies:
        - PolicyName: data
          PolicyDocument:
            Statement:
              - Effect: Allow
                Action: [dynamodb:GetItem, dynamodb:Scan]
                Resource: !GetAtt Orders.Arn
              - Effect: Allow
                Action: [s3:GetObject, s3:ListBucket]
                Resource: [!GetAtt Receipts.Arn, !Sub '${Receipts.Arn}/*']
              - Effect: Allow
                Action: [logs:CreateLogGroup]
                Resource: arn:aws:logs:us-west-2:111122223333:*
  ExtraPolicy:
    Type: AWS::IAM::Policy
    Properties:
      PolicyName: extra
      Roles: [!Ref AppRole]
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: dynamodb:PutItem, Resource: !GetAtt Orders.Arn}
  GetOrder:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: get-order
      Role: !GetAtt AppRole.Arn
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Orders}
  PutOrder:
    Type: AWS::Lambda::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: put}]
    Properties:
      FunctionName: put-order
      Role: !GetAtt AppRole.Arn
"#;

    #[test]
    fn the_execution_role_policies_are_existing_statements() {
        let template = leash_iac::read_template(SHARED_ROLE).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let get = app
            .functions
            .iter()
            .find(|f| f.logical_id == "GetOrder")
            .unwrap();
        // SAM ignores Policies when Role is set: so does leash.
        assert!(
            get.ignored
                .iter()
                .any(|i| i.contains("ignored, as SAM does"))
        );
        assert!(
            !get.needs
                .iter()
                .any(|n| n.source.trust() == Trust::SamPolicyTemplate)
        );
        let listed: Vec<(String, Vec<String>, Option<Scope>)> = get
            .needs
            .iter()
            .map(|n| (n.resource.clone(), n.actions.clone(), n.scope))
            .collect();
        assert_eq!(
            listed,
            vec![
                (
                    "Orders".to_string(),
                    vec!["dynamodb:GetItem".to_string(), "dynamodb:Scan".to_string()],
                    Some(Scope::Table)
                ),
                // Both on both: each action only where it acts.
                (
                    "Receipts".to_string(),
                    vec!["s3:ListBucket".to_string()],
                    Some(Scope::Bucket)
                ),
                (
                    "Receipts".to_string(),
                    vec!["s3:GetObject".to_string()],
                    Some(Scope::Objects)
                ),
                // The AWS::IAM::Policy attached to the role by `Roles`.
                (
                    "Orders".to_string(),
                    vec!["dynamodb:PutItem".to_string()],
                    Some(Scope::Table)
                ),
            ]
        );
        assert_eq!(
            get.needs[0].source,
            NeedSource::RoleStatement {
                role: "AppRole".into(),
                holder: "AppRole".into(),
                path: "Properties.Policies[0].PolicyDocument".into(),
                statement: 0
            }
        );
        assert_eq!(get.needs[0].source.trust(), Trust::ExistingStatement);
        assert!(get.needs[3].source.describe().contains("`ExtraPolicy`"));
        // The log statement is the function's own logs (granted on its own
        // group as far as the role allows), not something left undesigned.
        assert!(
            !get.ignored
                .iter()
                .any(|i| i.contains("arn:aws:logs:us-west-2:111122223333:*"))
        );
        let role = get.role.as_ref().unwrap();
        assert_eq!(role.role, "AppRole");
        assert!(role.in_template);
        assert_eq!(role.shared_with, vec!["PutOrder".to_string()]);
        assert_eq!(
            role.managed_policies,
            vec!["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole".to_string()]
        );
        // The role's AWSLambdaBasicExecutionRole is what the design models
        // as the function's own logs: narrowed to them, not kept as is.
        assert!(get.kept_as_is.is_empty(), "{:#?}", get.kept_as_is);

        // The other function shares the role: the same candidate needs, all
        // superseded by its declared need.
        let put = app
            .functions
            .iter()
            .find(|f| f.logical_id == "PutOrder")
            .unwrap();
        assert_eq!(put.needs.len(), 1);
        assert_eq!(put.needs[0].access, Access::Put);
        assert_eq!(put.superseded.len(), 4);
        assert!(
            put.superseded
                .iter()
                .all(|n| n.source.trust() == Trust::ExistingStatement)
        );
        assert_eq!(
            put.role.as_ref().unwrap().shared_with,
            vec!["GetOrder".to_string()]
        );

        // The design grants the role's statements to GetOrder, scoped, and verifies.
        let roles = crate::design::design(&app).unwrap();
        let get_role = roles.iter().find(|r| r.function == "GetOrder").unwrap();
        assert!(
            get_role.verified(),
            "{:#?}",
            get_role
                .verification
                .iter()
                .filter(|c| !c.passed)
                .collect::<Vec<_>>()
        );
        assert!(
            get_role.lint_findings.is_empty(),
            "{:?}",
            get_role.lint_findings
        );
        let put_role = roles.iter().find(|r| r.function == "PutOrder").unwrap();
        // The shared role's grants it does not declare are checked denied.
        assert!(put_role.verified());
        for (action, resource) in [
            ("s3:ListBucket", "arn:aws:s3:::acme-orders-receipts"),
            (
                "s3:GetObject",
                "arn:aws:s3:::acme-orders-receipts/example-object",
            ),
        ] {
            assert!(
                put_role.verification.iter().any(|c| c.kind
                    == crate::design::CheckKind::Superseded
                    && c.action == action
                    && c.resource == resource
                    && !c.allowed
                    && c.passed),
                "{action}"
            );
        }
        assert!(
            put_role
                .permissions
                .iter()
                .all(|p| p.action == "dynamodb:PutItem" || p.action.starts_with("logs:"))
        );
    }

    #[test]
    fn managed_policies_of_the_template_attached_to_the_role_are_read() {
        // By `Roles:` on the managed policy, and by `ManagedPolicyArns: [!Ref P]`.
        let text = SHARED_ROLE.replace(
            "  ExtraPolicy:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: extra\n",
            "  ExtraPolicy:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n",
        );
        assert!(text.contains("Type: AWS::IAM::ManagedPolicy"));
        let by_reference = text.replace("      Roles: [!Ref AppRole]\n", "").replace(
            "        - arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole\n",
            "        - !Ref ExtraPolicy\n",
        );
        assert!(!by_reference.contains("Roles: [!Ref AppRole]"));
        assert!(by_reference.contains("- !Ref ExtraPolicy"));
        for text in [text, by_reference] {
            let template = leash_iac::read_template(&text).unwrap();
            let app = read_application(&template, &Target::default()).unwrap();
            let get = &app.functions[0];
            let from_managed: Vec<&Need> = get
                .needs
                .iter()
                .filter(|n| n.source.describe().contains("`ExtraPolicy`"))
                .collect();
            assert_eq!(from_managed.len(), 1, "{:#?}", get.needs);
            assert_eq!(
                from_managed[0].actions,
                vec!["dynamodb:PutItem".to_string()]
            );
            // A managed policy of the template is read, not listed as not designed from.
            assert!(
                get.role
                    .as_ref()
                    .unwrap()
                    .managed_policies
                    .iter()
                    .all(|arn| !arn.contains("ExtraPolicy"))
            );
        }
    }

    #[test]
    fn a_role_outside_the_template_is_reported() {
        let text = SHARED_ROLE.replace(
            "      Role: !GetAtt AppRole.Arn\n      Policies:",
            "      Role: arn:aws:iam::111122223333:role/elsewhere\n      Policies:",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let get = &app.functions[0];
        let role = get.role.as_ref().unwrap();
        assert_eq!(role.role, "arn:aws:iam::111122223333:role/elsewhere");
        assert!(!role.in_template);
        assert!(get.needs.is_empty());
        assert!(
            get.ignored
                .iter()
                .any(|i| i.contains("not in the template"))
        );
    }

    /// One function per SAM policy template of `SAM_TEMPLATE_ACCESS`, each
    /// on a resource of the matching kind.
    const SAM_TEMPLATES: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      GlobalSecondaryIndexes: [{IndexName: ByCustomer}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Receipts: {Type: AWS::S3::Bucket, Properties: {BucketName: acme-receipts}}
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: orders-topic}}
  Target: {Type: AWS::Serverless::Function, Properties: {FunctionName: target}}
  Clicks: {Type: AWS::Kinesis::Stream, Properties: {Name: clicks, ShardCount: 1}}
  Flow: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: order-flow}}
  ApiKey: {Type: AWS::SecretsManager::Secret, Properties: {Name: api-key}}
  Setting: {Type: AWS::SSM::Parameter, Properties: {Name: orders-setting, Type: String, Value: x}}
  SlashSetting: {Type: AWS::SSM::Parameter, Properties: {Name: /orders/setting, Type: String, Value: x}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders-bus}}
  Key: {Type: AWS::KMS::Key, Properties: {}}
  DynamoDBReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{DynamoDBReadPolicy: {TableName: !Ref Orders}}]}}
  DynamoDBCrudPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Orders}}]}}
  DynamoDBWritePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{DynamoDBWritePolicy: {TableName: !Ref Orders}}]}}
  DynamoDBStreamReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{DynamoDBStreamReadPolicy: {TableName: !Ref Orders, StreamName: '*'}}]}}
  S3ReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{S3ReadPolicy: {BucketName: !Ref Receipts}}]}}
  S3WritePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{S3WritePolicy: {BucketName: !Ref Receipts}}]}}
  S3CrudPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{S3CrudPolicy: {BucketName: !Ref Receipts}}]}}
  SQSSendMessagePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{SQSSendMessagePolicy: {QueueName: !GetAtt Jobs.QueueName}}]}}
  SQSPollerPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{SQSPollerPolicy: {QueueName: !GetAtt Jobs.QueueName}}]}}
  SNSPublishMessagePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{SNSPublishMessagePolicy: {TopicName: !GetAtt Topic.TopicName}}]}}
  LambdaInvokePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{LambdaInvokePolicy: {FunctionName: !Ref Target}}]}}
  KinesisStreamReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{KinesisStreamReadPolicy: {StreamName: !Ref Clicks}}]}}
  KinesisCrudPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{KinesisCrudPolicy: {StreamName: !Ref Clicks}}]}}
  StepFunctionsExecutionPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{StepFunctionsExecutionPolicy: {StateMachineName: !GetAtt Flow.Name}}]}}
  AWSSecretsManagerGetSecretValuePolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{AWSSecretsManagerGetSecretValuePolicy: {SecretArn: !Ref ApiKey}}]}}
  SSMParameterReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{SSMParameterReadPolicy: {ParameterName: !Ref Setting}}]}}
  SSMParameterWithSlashPrefixReadPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{SSMParameterWithSlashPrefixReadPolicy: {ParameterName: !Ref SlashSetting}}]}}
  EventBridgePutEventsPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{EventBridgePutEventsPolicy: {EventBusName: !Ref Bus}}]}}
  KMSDecryptPolicy: {Type: AWS::Serverless::Function, Properties: {Policies: [{KMSDecryptPolicy: {KeyId: !Ref Key}}]}}
"#;

    #[test]
    fn every_mapped_sam_template_allows_every_curated_action_of_its_level() {
        // What leash grants for a SAM policy template must be a subset of
        // what SAM's own expansion (aws-sam-translator's data, embedded in
        // leash-iac) grants: each designed need request is evaluated against
        // SAM's expanded policy with the engine.
        let template = leash_iac::read_template(SAM_TEMPLATES).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let context = design_context(
            &app.account,
            &app.region,
            None,
            &std::collections::BTreeMap::new(),
        );
        let expanded = leash_iac::extract_policies_with(&template, &context);
        let roles = crate::design::design(&app).unwrap();
        for (name, _) in SAM_TEMPLATE_ACCESS {
            let function = app
                .functions
                .iter()
                .find(|f| f.logical_id == *name)
                .unwrap_or_else(|| panic!("{name} is not tested"));
            assert_eq!(function.needs.len(), 1, "{name}: {:?}", function.ignored);
            let sam = expanded
                .iter()
                .find(|p| {
                    p.resource_id == *name
                        && p.origin
                            == leash_iac::PolicyOrigin::SamPolicyTemplate {
                                name: name.to_string(),
                            }
                })
                .unwrap();
            let policy = leash_policy::parse::parse_policy(&sam.document)
                .policy
                .unwrap();
            let mut set = leash_policy::authz::PolicySet::new().with_identity_policy("sam", policy);
            if *name == "KMSDecryptPolicy" {
                let key_policy = leash_policy::json::parse_json(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#,
                )
                .unwrap();
                set = set.with_resource_policy(
                    "key",
                    leash_policy::parse::parse_policy(&key_policy)
                        .policy
                        .unwrap(),
                );
            }
            let sam_policy = leash_policy::authz::PreparedPolicySet::new(&set);
            let role = roles.iter().find(|r| r.function == *name).unwrap();
            let needs: Vec<&crate::design::Check> = role
                .verification
                .iter()
                .filter(|c| {
                    c.kind == crate::design::CheckKind::Need && !c.action.starts_with("logs:")
                })
                .collect();
            assert!(!needs.is_empty(), "{name}");
            for check in needs {
                let mut request_context = leash_policy::context::RequestContext::new();
                for (key, value) in &check.context {
                    request_context = request_context.with(key.clone(), value.clone());
                }
                let request = leash_policy::context::Request::new(
                    format!("arn:aws:iam::111122223333:role/{name}Role"),
                    check.action.clone(),
                    check.resource.clone(),
                )
                .with_context(request_context);
                assert!(
                    sam_policy.evaluate(&request).is_allowed(),
                    "{name}: SAM does not allow `{}` on `{}`",
                    check.action,
                    check.resource
                );
            }
        }
    }

    const CONNECTORS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      GlobalSecondaryIndexes: [{IndexName: ByCustomer}]
      StreamSpecification: {StreamViewType: NEW_IMAGE}
    Connectors:
      ToProjector:
        Properties:
          Destination: {Id: Projector}
          Permissions: [Read]
  Receipts: {Type: AWS::S3::Bucket, Properties: {BucketName: acme-receipts}}
  Jobs:
    Type: AWS::SQS::Queue
    Properties: {QueueName: jobs}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: orders-topic}}
  Flow: {Type: AWS::Serverless::StateMachine, Properties: {Name: order-flow}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders-bus}}
  Worker:
    Type: AWS::Serverless::Function
    Connectors:
      Data:
        Properties:
          Destination: {Id: Orders}
          Permissions: [Read, Write]
      Files:
        Properties:
          Destination: {Arn: !GetAtt Receipts.Arn, Type: AWS::S3::Bucket}
          Permissions: [Write]
      Peek:
        Properties:
          Destination: {Id: Jobs}
          Permissions: [Read]
    Properties:
      FunctionName: worker
  WorkerNotifies:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Worker}
      Destination: [{Id: Topic}, {Id: Flow}, {Id: Bus}]
      Permissions: [Write]
  Projector:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: projector}
  JobsToProjector:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Jobs}
      Destination: {Id: Projector}
      Permissions: [Read, Write]
"#;

    #[test]
    fn sam_connectors_are_needs_at_sam_template_trust() {
        let template = leash_iac::read_template(CONNECTORS).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let worker = app
            .functions
            .iter()
            .find(|f| f.kind == PrincipalKind::Function)
            .unwrap();
        let needs: Vec<(&str, Access, bool, String)> = worker
            .needs
            .iter()
            .map(|n| (n.resource.as_str(), n.access, n.index, n.source.describe()))
            .collect();
        assert_eq!(
            needs,
            vec![
                (
                    "Orders",
                    Access::ReadWrite,
                    true,
                    "SAM connector `WorkerData` (Read, Write)".to_string()
                ),
                (
                    "Receipts",
                    Access::Write,
                    false,
                    "SAM connector `WorkerFiles` (Write)".to_string()
                ),
                (
                    "Receipts",
                    Access::Delete,
                    false,
                    "SAM connector `WorkerFiles` (Write)".to_string()
                ),
                (
                    "Topic",
                    Access::Publish,
                    false,
                    "SAM connector `WorkerNotifies` (Write)".to_string()
                ),
                (
                    "Flow",
                    Access::Invoke,
                    false,
                    "SAM connector `WorkerNotifies` (Write)".to_string()
                ),
                (
                    "Bus",
                    Access::Publish,
                    false,
                    "SAM connector `WorkerNotifies` (Write)".to_string()
                ),
            ]
        );
        assert!(
            worker
                .needs
                .iter()
                .all(|n| n.source.trust() == Trust::SamPolicyTemplate)
        );
        assert!(
            worker
                .ignored
                .iter()
                .any(|i| i.contains("`WorkerPeek`") && i.contains("`Read` alone on a queue")),
            "{:?}",
            worker.ignored
        );
        // Table -> function (its stream) and queue -> function: the poller consumes.
        let projector = app
            .functions
            .iter()
            .filter(|f| f.kind == PrincipalKind::Function)
            .nth(1)
            .unwrap();
        let consumed: Vec<(&str, Access)> = projector
            .needs
            .iter()
            .map(|n| (n.resource.as_str(), n.access))
            .collect();
        assert_eq!(
            consumed,
            vec![("Orders", Access::Consume), ("Jobs", Access::Consume)]
        );
        let roles = crate::design::design(&app).unwrap();
        for role in &roles {
            assert!(role.verified(), "{}", role.role_name);
            assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        }

        // Declared needs supersede the connectors.
        let declared = CONNECTORS.replace(
            "  Worker:\n    Type: AWS::Serverless::Function\n",
            "  Worker:\n    Type: AWS::Serverless::Function\n    Metadata: {leash: {needs: [{resource: Topic, access: publish}]}}\n",
        );
        let template = leash_iac::read_template(&declared).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        let worker = app
            .functions
            .iter()
            .find(|f| f.logical_id == "Worker")
            .unwrap();
        assert_eq!(worker.needs.len(), 1);
        assert_eq!(worker.superseded.len(), 6);
    }

    /// What SAM's connectors from a Lambda function grant, per destination
    /// type and permission, as listed under "IAM policies created by
    /// connectors" in
    /// https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/reference-sam-connector.html
    const SAM_CONNECTOR_ACTIONS: &[(ResourceKind, &str, &[&str])] = &[
        (
            ResourceKind::Table,
            "Read",
            &[
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:Scan",
                "dynamodb:BatchGetItem",
                "dynamodb:ConditionCheckItem",
                "dynamodb:PartiQLSelect",
            ],
        ),
        (
            ResourceKind::Table,
            "Write",
            &[
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
                "dynamodb:BatchWriteItem",
                "dynamodb:PartiQLDelete",
                "dynamodb:PartiQLInsert",
                "dynamodb:PartiQLUpdate",
            ],
        ),
        (
            ResourceKind::Bucket,
            "Read",
            &[
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:GetObjectLegalHold",
                "s3:GetObjectRetention",
                "s3:GetObjectTorrent",
                "s3:GetObjectVersion",
                "s3:GetObjectVersionAcl",
                "s3:GetObjectVersionForReplication",
                "s3:GetObjectVersionTorrent",
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:ListBucketVersions",
                "s3:ListMultipartUploadParts",
            ],
        ),
        (
            ResourceKind::Bucket,
            "Write",
            &[
                "s3:AbortMultipartUpload",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:PutObject",
                "s3:PutObjectLegalHold",
                "s3:PutObjectRetention",
                "s3:RestoreObject",
            ],
        ),
        (
            ResourceKind::Queue,
            "Read",
            &["sqs:ReceiveMessage", "sqs:GetQueueAttributes"],
        ),
        (
            ResourceKind::Queue,
            "Write",
            &[
                "sqs:DeleteMessage",
                "sqs:SendMessage",
                "sqs:ChangeMessageVisibility",
                "sqs:PurgeQueue",
            ],
        ),
        (ResourceKind::Topic, "Write", &["sns:Publish"]),
        (
            ResourceKind::StateMachine,
            "Write",
            &[
                "states:StartExecution",
                "states:StartSyncExecution",
                "states:StopExecution",
            ],
        ),
        (ResourceKind::EventBus, "Write", &["events:PutEvents"]),
        (
            ResourceKind::Function,
            "Write",
            &["lambda:InvokeAsync", "lambda:InvokeFunction"],
        ),
    ];

    #[test]
    fn connector_levels_grant_only_what_sam_connectors_grant() {
        let mut mapped = 0;
        for kind in [
            ResourceKind::Table,
            ResourceKind::Bucket,
            ResourceKind::Queue,
            ResourceKind::Topic,
            ResourceKind::StateMachine,
            ResourceKind::EventBus,
            ResourceKind::Function,
        ] {
            for (read, write) in [(true, false), (false, true), (true, true)] {
                let Ok(levels) = connector_access(kind, read, write) else {
                    continue;
                };
                let allowed: Vec<&str> = SAM_CONNECTOR_ACTIONS
                    .iter()
                    .filter(|(k, permission, _)| {
                        *k == kind
                            && ((read && *permission == "Read")
                                || (write && *permission == "Write"))
                    })
                    .flat_map(|(_, _, actions)| actions.iter().copied())
                    .collect();
                for access in levels {
                    let rows = crate::access::entries(kind, access);
                    assert!(!rows.is_empty(), "{kind:?} {access:?}");
                    for row in rows {
                        for action in row.actions {
                            assert!(
                                allowed.contains(action),
                                "{kind:?} read={read} write={write}: {access:?} grants {action}, SAM's connector does not"
                            );
                        }
                    }
                    mapped += 1;
                }
            }
        }
        assert!(mapped >= 12, "{mapped}");
    }

    #[test]
    fn rejects_unknown_access_and_misplaced_prefix() {
        let bad = TEMPLATE.replace("access: put, prefix", "access: scan, prefix");
        let template = leash_iac::read_template(&bad).unwrap();
        let message = read_application(&template, &Target::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains("unknown access `scan`"), "{message}");
        let bad = TEMPLATE.replace("access: read, index: true", "access: read, prefix: x/");
        let template = leash_iac::read_template(&bad).unwrap();
        let message = read_application(&template, &Target::default())
            .unwrap_err()
            .to_string();
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
        let span = error.span().unwrap();
        (error.to_string(), text[span.start..span.end].to_string())
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
    fn an_account_and_region_not_given_are_symbols() {
        // Unknown is not `*`: without them, the design holds the
        // template's symbols for the account and the region.
        let text = TEMPLATE.replace(
            "  leash: {account: '111122223333', region: us-west-2}\n",
            "  other: 1\n",
        );
        let template = leash_iac::read_template(&text).unwrap();
        let app = read_application(&template, &Target::default()).unwrap();
        assert_eq!(app.symbols.display(&app.account), "${AWS::AccountId}");
        assert_eq!(app.symbols.display(&app.region), "${AWS::Region}");
        // Given ones are checked and pinned.
        let bad = Target {
            account: Some("12345".into()),
            ..Default::default()
        };
        assert!(read_application(&template, &bad).is_err());
        let target = Target {
            account: Some("444455556666".into()),
            region: Some("eu-west-1".into()),
            ..Default::default()
        };
        let app = read_application(&template, &target).unwrap();
        assert_eq!(app.account, "444455556666");
    }
}
