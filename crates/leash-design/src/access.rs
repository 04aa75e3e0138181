//! The curated access-level table: which actions each access level grants
//! on each kind of resource, and on which part of it. Curated, never "every
//! action of access level Write" from the service reference, which would
//! include `dynamodb:DeleteTable` and `s3:PutBucketPolicy`.
//!
//! Not for: reading needs (`model`) or writing policies (`design`).

use crate::model::{Access, ResourceKind};

/// The part of a resource an entry's actions apply to; `design` turns it
/// into an exact ARN.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// `arn:aws:dynamodb:R:A:table/NAME`
    Table,
    /// `arn:aws:dynamodb:R:A:table/NAME/index/*`, only when the need says `index: true`.
    TableIndexes,
    /// `arn:aws:dynamodb:R:A:table/NAME/stream/*`
    TableStreams,
    /// `arn:aws:s3:::NAME`, with an `s3:prefix` condition when the need has a prefix.
    Bucket,
    /// `arn:aws:s3:::NAME/PREFIX*`
    Objects,
    /// `arn:aws:sqs:R:A:NAME`
    Queue,
    /// `arn:aws:sns:R:A:NAME`
    Topic,
    /// `arn:aws:lambda:R:A:function:NAME`
    Function,
    /// `arn:aws:kinesis:R:A:stream/NAME`
    Stream,
    /// `arn:aws:states:R:A:stateMachine:NAME`
    StateMachine,
    /// `arn:aws:secretsmanager:R:A:secret:NAME-??????`: Secrets Manager
    /// appends a hyphen and six random characters to the name; `??????`
    /// matches exactly those, where `NAME-*` would also match `NAME-other-…`.
    /// https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html
    Secret,
    /// `arn:aws:ssm:R:A:parameter/NAME` (a name with a leading `/` keeps a
    /// single slash: `parameter/path/NAME`).
    /// https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
    Parameter,
    /// `arn:aws:logs:R:A:log-group:NAME:*`: the group's log streams.
    LogStreams,
    /// `arn:aws:events:R:A:event-bus/NAME`
    EventBus,
    /// `arn:aws:kms:R:A:key/ID`
    Key,
}

/// The exact ARN for a scope of the resource named `name`.
pub fn scope_arn(
    scope: Scope,
    name: &str,
    region: &str,
    account: &str,
    prefix: Option<&str>,
) -> String {
    match scope {
        Scope::Table => format!("arn:aws:dynamodb:{region}:{account}:table/{name}"),
        Scope::TableIndexes => format!("arn:aws:dynamodb:{region}:{account}:table/{name}/index/*"),
        Scope::TableStreams => format!("arn:aws:dynamodb:{region}:{account}:table/{name}/stream/*"),
        Scope::Bucket => format!("arn:aws:s3:::{name}"),
        Scope::Objects => format!("arn:aws:s3:::{name}/{}*", prefix.unwrap_or_default()),
        Scope::Queue => format!("arn:aws:sqs:{region}:{account}:{name}"),
        Scope::Topic => format!("arn:aws:sns:{region}:{account}:{name}"),
        Scope::Function => format!("arn:aws:lambda:{region}:{account}:function:{name}"),
        Scope::Stream => format!("arn:aws:kinesis:{region}:{account}:stream/{name}"),
        Scope::StateMachine => format!("arn:aws:states:{region}:{account}:stateMachine:{name}"),
        Scope::Secret => format!("arn:aws:secretsmanager:{region}:{account}:secret:{name}-??????"),
        Scope::Parameter => format!(
            "arn:aws:ssm:{region}:{account}:parameter/{}",
            name.trim_start_matches('/')
        ),
        Scope::LogStreams => format!("arn:aws:logs:{region}:{account}:log-group:{name}:*"),
        Scope::EventBus => format!("arn:aws:events:{region}:{account}:event-bus/{name}"),
        Scope::Key => format!("arn:aws:kms:{region}:{account}:key/{name}"),
    }
}

/// The scopes a kind of resource has.
pub fn scopes(kind: ResourceKind) -> &'static [Scope] {
    match kind {
        ResourceKind::Table => &[Scope::Table, Scope::TableIndexes, Scope::TableStreams],
        ResourceKind::Bucket => &[Scope::Bucket, Scope::Objects],
        ResourceKind::Queue => &[Scope::Queue],
        ResourceKind::Topic => &[Scope::Topic],
        ResourceKind::Function => &[Scope::Function],
        ResourceKind::Stream => &[Scope::Stream],
        ResourceKind::StateMachine => &[Scope::StateMachine],
        ResourceKind::Secret => &[Scope::Secret],
        ResourceKind::Parameter => &[Scope::Parameter],
        ResourceKind::LogGroup => &[Scope::LogStreams],
        ResourceKind::EventBus => &[Scope::EventBus],
        ResourceKind::Key => &[Scope::Key],
    }
}

/// One row of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AccessEntry {
    pub kind: ResourceKind,
    pub access: Access,
    pub scope: Scope,
    pub actions: &'static [&'static str],
    /// The AWS page the choice follows.
    pub reference: &'static str,
}

const DYNAMODB_ACTIONS: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html";
const DYNAMODB_STREAMS: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-example-lamda-process-dynamodb-streams.html";
const DYNAMODB_INDEXES: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/iam-policy-specific-table-indexes.html";
const S3_ACTIONS: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html";
const S3_PREFIX: &str = "https://docs.aws.amazon.com/AmazonS3/latest/userguide/amazon-s3-policy-keys.html#condition-key-bucket-ops-2";
const SQS_LAMBDA: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions";
const SQS_ACTIONS: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html";
const SNS_ACTIONS: &str = "https://docs.aws.amazon.com/sns/latest/dg/sns-access-policy-language-api-permissions-reference.html";
const LAMBDA_INVOKE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html";
const KINESIS_LAMBDA: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/services-kinesis-create.html";
const KINESIS_ACTIONS: &str =
    "https://docs.aws.amazon.com/streams/latest/dev/controlling-access.html";
const STATES_START: &str =
    "https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html";
const SECRETS_READ: &str =
    "https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_examples.html";
const SSM_READ: &str =
    "https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html";
const LOGS_WRITE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs-permissions.html";
const EVENTS_PUT: &str =
    "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html";
const KMS_ACTIONS: &str =
    "https://docs.aws.amazon.com/kms/latest/developerguide/kms-api-permissions-reference.html";

// What a Kinesis consumer reads: SAM's `KinesisStreamReadPolicy` on the
// stream (its `ListStreams`/`DescribeLimits` act only on `*`).
const STREAM_READ: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
];
// Lambda's event source mapping also lists the shards. `ListStreams` (only
// `*`) and `SubscribeToShard` (on a stream consumer, for enhanced fan-out,
// not modeled) are left out.
const STREAM_CONSUME: &[&str] = &[
    "kinesis:DescribeStream",
    "kinesis:DescribeStreamSummary",
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:ListShards",
];
const STREAM_PUT: &[&str] = &["kinesis:PutRecord", "kinesis:PutRecords"];
const LOG_WRITE: &[&str] = &["logs:CreateLogStream", "logs:PutLogEvents"];
const KEY_WRITE: &[&str] = &["kms:Encrypt", "kms:GenerateDataKey"];

const TABLE_READ: &[&str] = &[
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:Query",
];
// The condition check of a write transaction (`TransactWriteItems`): part
// of read-write only, as in SAM's `DynamoDBCrudPolicy` (its
// `DynamoDBReadPolicy` and `DynamoDBWritePolicy` do not have it).
// https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/transaction-apis-iam.html
const TABLE_CONDITION_CHECK: &[&str] = &["dynamodb:ConditionCheckItem"];
const TABLE_WRITE: &[&str] = &[
    "dynamodb:BatchWriteItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
];
const TABLE_DELETE: &[&str] = &["dynamodb:DeleteItem"];
// A query on an index is authorized against the index ARN.
const INDEX_READ: &[&str] = &["dynamodb:Query"];
// `dynamodb:ListStreams` is left out: the DynamoDB page above grants it on
// `stream/*`, but the Service Authorization Reference lists no resource
// type for it (only `*`), so on `stream/*` it grants nothing (the linter's
// action-on-inapplicable-resource), and `*` is not least privilege. The
// event source mapping is given the stream ARN, so it has no need to list.
// https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazondynamodb.html
const TABLE_STREAM_CONSUME: &[&str] = &[
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
];

/// The table. `read-write` is read, write and delete: the CRUD of SAM's
/// `DynamoDBCrudPolicy`/`S3CrudPolicy`. `dynamodb:Scan` is never granted:
/// an API reads by key or by query; a need that scans must say so in an
/// inline statement (not designed yet).
pub const ACCESS_TABLE: &[AccessEntry] = &[
    // DynamoDB tables.
    entry(
        ResourceKind::Table,
        Access::Read,
        Scope::Table,
        TABLE_READ,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::Read,
        Scope::TableIndexes,
        INDEX_READ,
        DYNAMODB_INDEXES,
    ),
    entry(
        ResourceKind::Table,
        Access::Write,
        Scope::Table,
        TABLE_WRITE,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::Put,
        Scope::Table,
        &["dynamodb:PutItem"],
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::Delete,
        Scope::Table,
        TABLE_DELETE,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::ReadWrite,
        Scope::Table,
        TABLE_READ,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::ReadWrite,
        Scope::TableIndexes,
        INDEX_READ,
        DYNAMODB_INDEXES,
    ),
    entry(
        ResourceKind::Table,
        Access::ReadWrite,
        Scope::Table,
        TABLE_WRITE,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::ReadWrite,
        Scope::Table,
        TABLE_DELETE,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::ReadWrite,
        Scope::Table,
        TABLE_CONDITION_CHECK,
        DYNAMODB_ACTIONS,
    ),
    entry(
        ResourceKind::Table,
        Access::Consume,
        Scope::TableStreams,
        TABLE_STREAM_CONSUME,
        DYNAMODB_STREAMS,
    ),
    // S3 buckets. Object actions on objects under the prefix; ListBucket on
    // the bucket, narrowed by `s3:prefix` when a prefix is given.
    entry(
        ResourceKind::Bucket,
        Access::Read,
        Scope::Objects,
        &["s3:GetObject"],
        S3_ACTIONS,
    ),
    entry(
        ResourceKind::Bucket,
        Access::Read,
        Scope::Bucket,
        &["s3:ListBucket"],
        S3_PREFIX,
    ),
    entry(
        ResourceKind::Bucket,
        Access::Put,
        Scope::Objects,
        &["s3:PutObject"],
        S3_ACTIONS,
    ),
    entry(
        ResourceKind::Bucket,
        Access::Write,
        Scope::Objects,
        &["s3:PutObject"],
        S3_ACTIONS,
    ),
    entry(
        ResourceKind::Bucket,
        Access::Delete,
        Scope::Objects,
        &["s3:DeleteObject"],
        S3_ACTIONS,
    ),
    entry(
        ResourceKind::Bucket,
        Access::ReadWrite,
        Scope::Objects,
        &["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        S3_ACTIONS,
    ),
    entry(
        ResourceKind::Bucket,
        Access::ReadWrite,
        Scope::Bucket,
        &["s3:ListBucket"],
        S3_PREFIX,
    ),
    // SQS queues.
    entry(
        ResourceKind::Queue,
        Access::Publish,
        Scope::Queue,
        &["sqs:SendMessage"],
        SQS_ACTIONS,
    ),
    entry(
        ResourceKind::Queue,
        Access::Put,
        Scope::Queue,
        &["sqs:SendMessage"],
        SQS_ACTIONS,
    ),
    entry(
        ResourceKind::Queue,
        Access::Consume,
        Scope::Queue,
        &[
            "sqs:DeleteMessage",
            "sqs:GetQueueAttributes",
            "sqs:ReceiveMessage",
        ],
        SQS_LAMBDA,
    ),
    // SNS topics.
    entry(
        ResourceKind::Topic,
        Access::Publish,
        Scope::Topic,
        &["sns:Publish"],
        SNS_ACTIONS,
    ),
    // Lambda functions.
    entry(
        ResourceKind::Function,
        Access::Invoke,
        Scope::Function,
        &["lambda:InvokeFunction"],
        LAMBDA_INVOKE,
    ),
    // Kinesis data streams.
    entry(
        ResourceKind::Stream,
        Access::Read,
        Scope::Stream,
        STREAM_READ,
        KINESIS_ACTIONS,
    ),
    entry(
        ResourceKind::Stream,
        Access::Consume,
        Scope::Stream,
        STREAM_CONSUME,
        KINESIS_LAMBDA,
    ),
    entry(
        ResourceKind::Stream,
        Access::Publish,
        Scope::Stream,
        STREAM_PUT,
        KINESIS_ACTIONS,
    ),
    entry(
        ResourceKind::Stream,
        Access::Put,
        Scope::Stream,
        STREAM_PUT,
        KINESIS_ACTIONS,
    ),
    // Step Functions state machines: start an execution (SAM's
    // `StepFunctionsExecutionPolicy`).
    entry(
        ResourceKind::StateMachine,
        Access::Invoke,
        Scope::StateMachine,
        &["states:StartExecution"],
        STATES_START,
    ),
    // Secrets Manager: the value only (SAM's
    // `AWSSecretsManagerGetSecretValuePolicy`, no `DescribeSecret`).
    entry(
        ResourceKind::Secret,
        Access::Read,
        Scope::Secret,
        &["secretsmanager:GetSecretValue"],
        SECRETS_READ,
    ),
    // SSM parameters: the parameter itself; `GetParametersByPath` acts on a
    // path, which a single parameter need does not ask for.
    entry(
        ResourceKind::Parameter,
        Access::Read,
        Scope::Parameter,
        &["ssm:GetParameter", "ssm:GetParameters"],
        SSM_READ,
    ),
    // Log groups of the template: write log events to them.
    entry(
        ResourceKind::LogGroup,
        Access::Write,
        Scope::LogStreams,
        LOG_WRITE,
        LOGS_WRITE,
    ),
    entry(
        ResourceKind::LogGroup,
        Access::Put,
        Scope::LogStreams,
        LOG_WRITE,
        LOGS_WRITE,
    ),
    entry(
        ResourceKind::LogGroup,
        Access::Publish,
        Scope::LogStreams,
        LOG_WRITE,
        LOGS_WRITE,
    ),
    // EventBridge buses.
    entry(
        ResourceKind::EventBus,
        Access::Publish,
        Scope::EventBus,
        &["events:PutEvents"],
        EVENTS_PUT,
    ),
    entry(
        ResourceKind::EventBus,
        Access::Put,
        Scope::EventBus,
        &["events:PutEvents"],
        EVENTS_PUT,
    ),
    // KMS keys: decrypt (read), encrypt and make data keys (write).
    entry(
        ResourceKind::Key,
        Access::Read,
        Scope::Key,
        &["kms:Decrypt"],
        KMS_ACTIONS,
    ),
    entry(
        ResourceKind::Key,
        Access::Write,
        Scope::Key,
        KEY_WRITE,
        KMS_ACTIONS,
    ),
    entry(
        ResourceKind::Key,
        Access::ReadWrite,
        Scope::Key,
        &["kms:Decrypt"],
        KMS_ACTIONS,
    ),
    entry(
        ResourceKind::Key,
        Access::ReadWrite,
        Scope::Key,
        KEY_WRITE,
        KMS_ACTIONS,
    ),
];

const fn entry(
    kind: ResourceKind,
    access: Access,
    scope: Scope,
    actions: &'static [&'static str],
    reference: &'static str,
) -> AccessEntry {
    AccessEntry {
        kind,
        access,
        scope,
        actions,
        reference,
    }
}

/// The rows for an access level on a kind of resource; empty when the
/// level is not defined for it (e.g. `publish` on a table).
pub fn entries(kind: ResourceKind, access: Access) -> Vec<&'static AccessEntry> {
    ACCESS_TABLE
        .iter()
        .filter(|e| e.kind == kind && e.access == access)
        .collect()
}

/// Actions on the same resources that no access level grants: the near
/// misses the verification checks are denied (administrative and
/// destructive actions a function never needs).
pub fn never_granted(kind: ResourceKind) -> &'static [&'static str] {
    match kind {
        ResourceKind::Table => &[
            "dynamodb:DeleteTable",
            "dynamodb:UpdateTable",
            "dynamodb:Scan",
            "dynamodb:CreateBackup",
            "dynamodb:PartiQLSelect",
        ],
        ResourceKind::Bucket => &[
            "s3:DeleteBucket",
            "s3:PutBucketPolicy",
            "s3:PutBucketAcl",
            "s3:PutObjectAcl",
        ],
        ResourceKind::Queue => &[
            "sqs:DeleteQueue",
            "sqs:SetQueueAttributes",
            "sqs:PurgeQueue",
        ],
        ResourceKind::Topic => &["sns:DeleteTopic", "sns:SetTopicAttributes", "sns:Subscribe"],
        ResourceKind::Function => &[
            "lambda:UpdateFunctionCode",
            "lambda:DeleteFunction",
            "lambda:AddPermission",
        ],
        ResourceKind::Stream => &[
            "kinesis:DeleteStream",
            "kinesis:UpdateShardCount",
            "kinesis:DecreaseStreamRetentionPeriod",
        ],
        ResourceKind::StateMachine => &[
            "states:DeleteStateMachine",
            "states:UpdateStateMachine",
            "states:StartSyncExecution",
        ],
        ResourceKind::Secret => &[
            "secretsmanager:PutSecretValue",
            "secretsmanager:DeleteSecret",
            "secretsmanager:PutResourcePolicy",
        ],
        ResourceKind::Parameter => &[
            "ssm:PutParameter",
            "ssm:DeleteParameter",
            "ssm:LabelParameterVersion",
        ],
        ResourceKind::LogGroup => &[
            "logs:DeleteLogStream",
            "logs:GetLogEvents",
            "logs:PutRetentionPolicy",
        ],
        ResourceKind::EventBus => &["events:DeleteEventBus", "events:PutPermission"],
        ResourceKind::Key => &[
            "kms:ScheduleKeyDeletion",
            "kms:PutKeyPolicy",
            "kms:DisableKey",
            "kms:CreateGrant",
        ],
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn no_entry_grants_a_wildcard_or_an_administrative_action() {
        for entry in ACCESS_TABLE {
            for action in entry.actions {
                assert!(!action.contains('*'), "{action}");
                assert!(!never_granted(entry.kind).contains(action), "{action}");
            }
        }
    }

    #[test]
    fn every_action_is_in_the_catalog() {
        // The linter's unknown-action rule runs on every designed policy;
        // here each curated action is checked against the embedded catalog.
        for entry in ACCESS_TABLE {
            let statement = format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":{:?},"Resource":"*"}}]}}"#,
                entry.actions
            );
            let value = leash_policy::json::parse_json(&statement).unwrap();
            let findings =
                leash_lint::lint_policy_value(&value, Some(leash_lint::PolicyKind::Identity));
            assert!(
                findings.iter().all(|d| d.rule != "unknown-action"),
                "{:?}: {:?}",
                entry.actions,
                findings.iter().map(|d| &d.message).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn read_never_includes_scan_and_write_never_deletes_tables() {
        let read: Vec<&str> = entries(ResourceKind::Table, Access::Read)
            .iter()
            .flat_map(|e| e.actions.iter().copied())
            .collect();
        assert!(!read.contains(&"dynamodb:Scan"));
        let write: Vec<&str> = entries(ResourceKind::Table, Access::Write)
            .iter()
            .flat_map(|e| e.actions.iter().copied())
            .collect();
        assert!(!write.contains(&"dynamodb:DeleteTable"));
        assert!(entries(ResourceKind::Table, Access::Publish).is_empty());
    }
}
