//! The SDK operation table: which client method is which API operation, the
//! input members that name its resource, and the IAM actions it needs.
//!
//! The operations come from botocore's service models (PyPI `botocore`,
//! version in [`BOTOCORE_VERSION`]), extracted by
//! `scripts/gen-sdk-operations/run.sh` into `data/sdk-operations.tsv`. The
//! action of an operation is `prefix:OperationName` (the IAM prefix of its
//! service, [`iam_prefix`]) unless [`EXCEPTIONS`] says otherwise; every
//! action named here is in the catalog (tested).

use std::collections::HashMap;
use std::sync::OnceLock;

static DATA: &str = include_str!("../data/sdk-operations.tsv");

/// One API operation of one service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// botocore's service name, e.g. `dynamodb`, `stepfunctions`.
    pub service: &'static str,
    /// The API operation, e.g. `PutItem`.
    pub name: &'static str,
    /// The boto3 client method, e.g. `put_item`.
    pub method: &'static str,
    /// Top-level input members that name a resource, e.g. `TableName`.
    pub resource_members: Vec<&'static str>,
}

/// A service of the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceInfo {
    /// botocore's name (`boto3.client(NAME)`).
    pub name: &'static str,
    /// The SigV4 signing name.
    pub signing_name: &'static str,
    /// The service id with `_` for spaces, e.g. `Secrets_Manager`.
    pub service_id: &'static str,
}

impl ServiceInfo {
    /// The package of the service in the SDK for Java 2.x
    /// (`software.amazon.awssdk.services.PACKAGE`) and the SDK for Go
    /// (`github.com/aws/aws-sdk-go-v2/service/PACKAGE`): the service id
    /// lowercased, without spaces (`sfn`, `cognitoidentityprovider`).
    pub fn sdk_package(&self) -> String {
        self.service_id.to_ascii_lowercase().replace('_', "")
    }

    /// The SDK for JavaScript v3 package suffix: `@aws-sdk/client-SUFFIX`.
    pub fn js_package(&self) -> String {
        self.service_id.to_ascii_lowercase().replace('_', "-")
    }
}

/// The decoded table.
#[derive(Debug, Default)]
pub struct SdkTable {
    pub version: &'static str,
    pub services: Vec<ServiceInfo>,
    pub operations: Vec<Operation>,
    by_method: HashMap<(&'static str, &'static str), usize>,
    by_name: HashMap<(&'static str, String), usize>,
}

/// The botocore release the table was generated from.
pub fn botocore_version() -> &'static str {
    table().version
}

/// The embedded table, decoded on first use.
pub fn table() -> &'static SdkTable {
    static TABLE: OnceLock<SdkTable> = OnceLock::new();
    TABLE.get_or_init(|| decode(DATA))
}

fn decode(data: &'static str) -> SdkTable {
    let mut table = SdkTable::default();
    for line in data.lines() {
        if let Some(version) = line.strip_prefix("# botocore ") {
            table.version = version.trim();
        } else if let Some(service) = line.strip_prefix("#service ") {
            let mut parts = service.split(' ');
            if let (Some(name), Some(signing_name), Some(service_id)) =
                (parts.next(), parts.next(), parts.next())
            {
                table.services.push(ServiceInfo {
                    name,
                    signing_name,
                    service_id,
                });
            }
        } else if !line.starts_with('#') {
            let mut parts = line.split('\t');
            if let (Some(service), Some(name), Some(method), Some(members)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            {
                let index = table.operations.len();
                table.by_method.insert((service, method), index);
                table
                    .by_name
                    .insert((service, name.to_ascii_lowercase()), index);
                table.operations.push(Operation {
                    service,
                    name,
                    method,
                    resource_members: members.split(',').filter(|m| !m.is_empty()).collect(),
                });
            }
        }
    }
    table
}

impl SdkTable {
    pub fn service(&self, name: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The service whose JavaScript v3 package is `@aws-sdk/client-SUFFIX`.
    pub fn service_of_js_package(&self, suffix: &str) -> Option<&ServiceInfo> {
        self.services.iter().find(|s| s.js_package() == suffix)
    }

    /// The service of a Java 2.x or Go package name (`dynamodb`, `sfn`).
    pub fn service_of_sdk_package(&self, package: &str) -> Option<&ServiceInfo> {
        self.services
            .iter()
            .find(|s| s.sdk_package().eq_ignore_ascii_case(package))
    }

    /// The service behind an SDK for JavaScript v2 class (`AWS.DynamoDB`).
    pub fn service_of_js_v2_class(&self, class: &str) -> Option<&ServiceInfo> {
        let name = match class {
            "StepFunctions" => "stepfunctions",
            "CloudWatchEvents" | "EventBridge" => "events",
            "CognitoIdentityServiceProvider" => "cognito-idp",
            "TranscribeService" => "transcribe",
            "IotData" => "iot-data",
            "CloudWatchLogs" => "logs",
            "SESV2" => "sesv2",
            "Firehose" => "firehose",
            "SageMakerRuntime" => "sagemaker-runtime",
            "BedrockRuntime" => "bedrock-runtime",
            other => {
                return self
                    .services
                    .iter()
                    .find(|s| s.service_id.replace('_', "").eq_ignore_ascii_case(other));
            }
        };
        self.service(name)
    }

    /// The operation a boto3 client method calls.
    pub fn by_method(&self, service: &str, method: &str) -> Option<&Operation> {
        self.by_method
            .get(&(service, method))
            .map(|&i| &self.operations[i])
    }

    /// The operation of this name (any case: `putItem`, `PutItem`).
    pub fn by_name(&self, service: &str, name: &str) -> Option<&Operation> {
        let service = self.service(service)?.name;
        self.by_name
            .get(&(service, name.to_ascii_lowercase()))
            .map(|&i| &self.operations[i])
    }
}

/// The IAM service prefix of a botocore service.
pub fn iam_prefix(service: &ServiceInfo) -> &'static str {
    match service.signing_name {
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatch.html
        "monitoring" => "cloudwatch",
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsiot.html
        "iotdata" => "iot",
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonresourcegrouptaggingapi.html
        "tagging" => "tag",
        // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonpinpoint.html
        "mobiletargeting" => "mobiletargeting",
        other => other,
    }
}

/// An operation whose IAM actions are not `prefix:OperationName`: (service,
/// operation, actions, the AWS page that says so).
pub struct Exception {
    pub service: &'static str,
    pub operation: &'static str,
    pub actions: &'static [&'static str],
    pub source: &'static str,
}

const S3_ACTIONS: &str =
    "https://docs.aws.amazon.com/AmazonS3/latest/userguide/using-with-s3-policy-actions.html";
const DYNAMODB_API_PERMISSIONS: &str = "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/api-permissions-reference.html";
const DYNAMODB_PARTIQL: &str =
    "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ql-iam.html";
const SQS_BATCH: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-api-permissions-reference.html";
const LAMBDA_ACTIONS: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html";
const EXECUTE_API: &str = "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-control-access-iam.html";
const BEDROCK_RUNTIME: &str =
    "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonbedrock.html";
const SES_V2: &str = "https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonsimpleemailservicev2.html";
const IOT_DATA: &str =
    "https://docs.aws.amazon.com/iot/latest/developerguide/iot-data-plane-jobs.html";

/// The curated exceptions.
pub const EXCEPTIONS: &[Exception] = &[
    Exception {
        service: "s3",
        operation: "ListObjectsV2",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "ListObjects",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "ListObjectVersions",
        actions: &["s3:ListBucketVersions"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "HeadObject",
        actions: &["s3:GetObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "HeadBucket",
        actions: &["s3:ListBucket"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "GetObjectAttributes",
        actions: &["s3:GetObject", "s3:GetObjectAttributes"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "CopyObject",
        actions: &["s3:GetObject", "s3:PutObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "UploadPartCopy",
        actions: &["s3:GetObject", "s3:PutObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "CreateMultipartUpload",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "UploadPart",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "CompleteMultipartUpload",
        actions: &["s3:PutObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "AbortMultipartUpload",
        actions: &["s3:AbortMultipartUpload"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "ListParts",
        actions: &["s3:ListMultipartUploadParts"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "ListMultipartUploads",
        actions: &["s3:ListBucketMultipartUploads"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "DeleteObjects",
        actions: &["s3:DeleteObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "SelectObjectContent",
        actions: &["s3:GetObject"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "ListBuckets",
        actions: &["s3:ListAllMyBuckets"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "s3",
        operation: "GetObjectTagging",
        actions: &["s3:GetObjectTagging"],
        source: S3_ACTIONS,
    },
    Exception {
        service: "dynamodb",
        operation: "ExecuteStatement",
        actions: &["dynamodb:PartiQLSelect"],
        source: DYNAMODB_PARTIQL,
    },
    Exception {
        service: "dynamodb",
        operation: "BatchExecuteStatement",
        actions: &["dynamodb:PartiQLSelect"],
        source: DYNAMODB_PARTIQL,
    },
    Exception {
        service: "dynamodb",
        operation: "ExecuteTransaction",
        actions: &["dynamodb:PartiQLSelect"],
        source: DYNAMODB_PARTIQL,
    },
    Exception {
        service: "dynamodb",
        operation: "TransactWriteItems",
        actions: &[
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:ConditionCheckItem",
        ],
        source: DYNAMODB_API_PERMISSIONS,
    },
    Exception {
        service: "dynamodb",
        operation: "TransactGetItems",
        actions: &["dynamodb:GetItem"],
        source: DYNAMODB_API_PERMISSIONS,
    },
    Exception {
        service: "sqs",
        operation: "SendMessageBatch",
        actions: &["sqs:SendMessage"],
        source: SQS_BATCH,
    },
    Exception {
        service: "sqs",
        operation: "DeleteMessageBatch",
        actions: &["sqs:DeleteMessage"],
        source: SQS_BATCH,
    },
    Exception {
        service: "sqs",
        operation: "ChangeMessageVisibilityBatch",
        actions: &["sqs:ChangeMessageVisibility"],
        source: SQS_BATCH,
    },
    Exception {
        service: "sns",
        operation: "PublishBatch",
        actions: &["sns:Publish"],
        source: "https://docs.aws.amazon.com/sns/latest/api/API_PublishBatch.html",
    },
    Exception {
        service: "lambda",
        operation: "Invoke",
        actions: &["lambda:InvokeFunction"],
        source: LAMBDA_ACTIONS,
    },
    Exception {
        service: "lambda",
        operation: "InvokeAsync",
        actions: &["lambda:InvokeFunction"],
        source: LAMBDA_ACTIONS,
    },
    Exception {
        service: "lambda",
        operation: "InvokeWithResponseStream",
        actions: &["lambda:InvokeFunction"],
        source: LAMBDA_ACTIONS,
    },
    Exception {
        service: "apigatewaymanagementapi",
        operation: "PostToConnection",
        actions: &["execute-api:ManageConnections"],
        source: EXECUTE_API,
    },
    Exception {
        service: "apigatewaymanagementapi",
        operation: "GetConnection",
        actions: &["execute-api:ManageConnections"],
        source: EXECUTE_API,
    },
    Exception {
        service: "apigatewaymanagementapi",
        operation: "DeleteConnection",
        actions: &["execute-api:ManageConnections"],
        source: EXECUTE_API,
    },
    Exception {
        service: "bedrock-runtime",
        operation: "InvokeModelWithResponseStream",
        actions: &["bedrock:InvokeModelWithResponseStream"],
        source: BEDROCK_RUNTIME,
    },
    Exception {
        service: "bedrock-runtime",
        operation: "Converse",
        actions: &["bedrock:InvokeModel"],
        source: "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html",
    },
    Exception {
        service: "bedrock-runtime",
        operation: "ConverseStream",
        actions: &["bedrock:InvokeModelWithResponseStream"],
        source: "https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html",
    },
    Exception {
        service: "bedrock-agent-runtime",
        operation: "RetrieveAndGenerate",
        actions: &[
            "bedrock:RetrieveAndGenerate",
            "bedrock:Retrieve",
            "bedrock:InvokeModel",
        ],
        source: "https://docs.aws.amazon.com/bedrock/latest/userguide/kb-permissions.html",
    },
    Exception {
        service: "bedrock-agent-runtime",
        operation: "InvokeAgent",
        actions: &["bedrock:InvokeAgent"],
        source: BEDROCK_RUNTIME,
    },
    Exception {
        service: "sesv2",
        operation: "SendEmail",
        actions: &["ses:SendEmail"],
        source: SES_V2,
    },
    Exception {
        service: "ses",
        operation: "SendTemplatedEmail",
        actions: &["ses:SendTemplatedEmail"],
        source: "https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html",
    },
    Exception {
        service: "iot-data",
        operation: "Publish",
        actions: &["iot:Publish"],
        source: IOT_DATA,
    },
    Exception {
        service: "s3",
        operation: "WriteGetObjectResponse",
        actions: &["s3-object-lambda:WriteGetObjectResponse"],
        source: "https://docs.aws.amazon.com/AmazonS3/latest/userguide/olap-policies.html",
    },
    Exception {
        service: "stepfunctions",
        operation: "StartSyncExecution",
        actions: &["states:StartSyncExecution"],
        source: "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-access-cross-acct-resources.html",
    },
];

/// Operations IAM does not authorize: the service does not evaluate IAM
/// policies for them (the caller proves who it is some other way, or no
/// permission is needed), so they need no action of the role: (service,
/// operations, the AWS page that says so).
pub const NOT_AUTHORIZED_BY_IAM: &[(&str, &[&str], &str)] = &[
    // "Unauthenticated" and "token-authorized" user pool operations: Amazon
    // Cognito does not evaluate IAM policies in requests for them.
    (
        "cognito-idp",
        &[
            "AssociateSoftwareToken",
            "ChangePassword",
            "ConfirmDevice",
            "ConfirmForgotPassword",
            "ConfirmSignUp",
            "DeleteUser",
            "DeleteUserAttributes",
            "ForgetDevice",
            "ForgotPassword",
            "GetDevice",
            "GetUser",
            "GetUserAttributeVerificationCode",
            "GlobalSignOut",
            "InitiateAuth",
            "ListDevices",
            "ResendConfirmationCode",
            "RespondToAuthChallenge",
            "RevokeToken",
            "SetUserMFAPreference",
            "SetUserSettings",
            "SignUp",
            "UpdateDeviceStatus",
            "UpdateUserAttributes",
            "VerifySoftwareToken",
            "VerifyUserAttribute",
        ],
        "https://docs.aws.amazon.com/cognito/latest/developerguide/user-pools-API-operations.html",
    ),
    // "No permissions are required to perform this operation."
    (
        "sts",
        &["GetCallerIdentity"],
        "https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html",
    ),
    // Called with a token from an identity provider, not AWS credentials.
    (
        "sts",
        &["AssumeRoleWithWebIdentity", "AssumeRoleWithSAML"],
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_request.html",
    ),
];

/// The page saying IAM does not authorize `operation`, when it does not.
pub fn not_authorized_by_iam(operation: &Operation) -> Option<&'static str> {
    NOT_AUTHORIZED_BY_IAM
        .iter()
        .find(|(service, operations, _)| {
            *service == operation.service && operations.contains(&operation.name)
        })
        .map(|(_, _, source)| *source)
}

/// The IAM actions an operation needs (none for an operation IAM does not
/// authorize, [`NOT_AUTHORIZED_BY_IAM`]).
pub fn actions_of(operation: &Operation) -> Vec<String> {
    if not_authorized_by_iam(operation).is_some() {
        return Vec::new();
    }
    if let Some(exception) = EXCEPTIONS
        .iter()
        .find(|e| e.service == operation.service && e.operation == operation.name)
    {
        return exception.actions.iter().map(|a| (*a).to_string()).collect();
    }
    let prefix = table()
        .service(operation.service)
        .map_or(operation.service, iam_prefix);
    vec![format!("{prefix}:{}", operation.name)]
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_table_decodes_with_its_version() {
        let table = table();
        assert!(table.version.starts_with("1."), "{}", table.version);
        assert!(table.operations.len() > 1000);
        let put = table.by_method("dynamodb", "put_item").unwrap();
        assert_eq!(put.name, "PutItem");
        assert_eq!(put.resource_members, ["TableName"]);
        assert_eq!(
            table.by_name("s3", "listObjectsV2").unwrap().method,
            "list_objects_v2"
        );
        assert_eq!(
            table.service_of_js_package("sfn").unwrap().name,
            "stepfunctions"
        );
        assert_eq!(
            table.service_of_js_v2_class("DynamoDB").unwrap().name,
            "dynamodb"
        );
        assert_eq!(
            table.service_of_js_v2_class("SecretsManager").unwrap().name,
            "secretsmanager"
        );
    }

    /// Every exception names an operation of the table and actions of the
    /// catalog.
    #[test]
    fn exceptions_are_real_operations_and_actions() {
        for e in EXCEPTIONS {
            assert!(
                table().by_name(e.service, e.operation).is_some(),
                "{}.{}",
                e.service,
                e.operation
            );
            for action in e.actions {
                assert!(
                    leash_catalog::catalog().action(action).is_some(),
                    "{action}"
                );
            }
            assert!(e.source.starts_with("https://docs.aws.amazon.com/"));
        }
    }

    /// Every operation IAM does not authorize is an operation of the table,
    /// and needs no action.
    #[test]
    fn operations_iam_does_not_authorize_need_no_action() {
        for (service, operations, source) in NOT_AUTHORIZED_BY_IAM {
            for name in *operations {
                let op = table()
                    .by_name(service, name)
                    .unwrap_or_else(|| panic!("{service}.{name}"));
                assert!(actions_of(op).is_empty(), "{service}.{name}");
            }
            assert!(source.starts_with("https://docs.aws.amazon.com/"));
        }
        let sign_up = table().by_method("cognito-idp", "sign_up").unwrap();
        assert!(not_authorized_by_iam(sign_up).is_some());
        let admin = table().by_method("cognito-idp", "admin_get_user").unwrap();
        assert_eq!(actions_of(admin), ["cognito-idp:AdminGetUser"]);
    }

    /// `prefix:OperationName` is an action of the catalog for the
    /// operations the corpus calls (the data-plane ones below).
    #[test]
    fn common_operations_map_to_catalog_actions() {
        let calls = [
            ("dynamodb", "put_item", "dynamodb:PutItem"),
            ("s3", "list_objects_v2", "s3:ListBucket"),
            ("s3", "head_object", "s3:GetObject"),
            ("lambda", "invoke", "lambda:InvokeFunction"),
            ("stepfunctions", "start_execution", "states:StartExecution"),
            ("cloudwatch", "put_metric_data", "cloudwatch:PutMetricData"),
            ("iot-data", "publish", "iot:Publish"),
            (
                "apigatewaymanagementapi",
                "post_to_connection",
                "execute-api:ManageConnections",
            ),
            ("bedrock-runtime", "invoke_model", "bedrock:InvokeModel"),
            ("events", "put_events", "events:PutEvents"),
            (
                "secretsmanager",
                "get_secret_value",
                "secretsmanager:GetSecretValue",
            ),
        ];
        for (service, method, action) in calls {
            let op = table().by_method(service, method).unwrap();
            assert!(
                actions_of(op).iter().any(|a| a == action),
                "{service}.{method}"
            );
            for a in actions_of(op) {
                assert!(leash_catalog::catalog().action(&a).is_some(), "{a}");
            }
        }
    }
}
