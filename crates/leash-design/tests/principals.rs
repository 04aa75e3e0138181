//! Each principal kind other than a function, designed from a real corpus
//! template: the role is narrowed from what the template wrote, and its
//! near misses are denied (issue 13, acceptance point 2). Fails under
//! `CI=true` when `../shared/corpus` is absent.

#![allow(clippy::unwrap_used)]

mod common;
use common::corpus;

use std::path::PathBuf;

use leash_design::changes::{Detail, StatementChange, compare_with_original};
use leash_design::model::PrincipalKind;
use leash_design::original::original_iam_all;
use leash_design::{
    Application, CheckKind, RoleDesign, Target, Template, design, read_application, read_template,
};

/// A corpus template designed for account `111122223333` in `us-east-1`,
/// its application's files read from `template_dir`.
fn designed(
    path: PathBuf,
    template_dir: Option<PathBuf>,
) -> (Template, Application, Vec<RoleDesign>) {
    let template = read_template(&std::fs::read_to_string(path).unwrap()).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        template_dir,
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    (template, app, roles)
}

/// `../shared/corpus/sam-templates/lambda-step-functions-sam-java.yml`
/// (its application, with `sfn-definition.asl.json`, in
/// `sam-apps/lambda-step-functions-sam-java/`): the state machine's SAM
/// `Policies` allow `cloudwatch:*`, `logs:*` and `lambda:InvokeFunction`
/// on `*`; its definition invokes four of the template's five functions
/// and configures no logging. The design invokes exactly those four (and
/// their versions), and nothing of CloudWatch; invoking the fifth
/// function is a near miss the design denies.
#[test]
fn a_corpus_state_machine_is_narrowed_to_the_functions_its_definition_calls() {
    let (Some(template_path), Some(app_dir)) = (
        corpus("sam-templates/lambda-step-functions-sam-java.yml"),
        corpus("sam-apps/lambda-step-functions-sam-java"),
    ) else {
        return;
    };
    let (template, app, roles) = designed(template_path, Some(app_dir));
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::StateMachine)
        .unwrap();
    assert_eq!(role.function, "StateMachine");

    let arn = |id: &str| {
        format!(
            "arn:aws:lambda:us-east-1:111122223333:function:{}",
            app.resource(id).unwrap().name
        )
    };
    let mut granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    granted.sort();
    let mut expected: Vec<(String, String)> = [
        "ProcessOrder",
        "ProcessPayment",
        "ReserveInventory",
        "CancelOrder",
    ]
    .iter()
    .flat_map(|id| [arn(id), format!("{}:*", arn(id))])
    .map(|resource| ("lambda:InvokeFunction".to_string(), resource))
    .collect();
    expected.sort();
    assert_eq!(granted, expected);
    assert!(role.kept_as_is.is_empty(), "{:?}", role.kept_as_is);

    // Verified: every call allowed, every near miss denied, the trust
    // allows Step Functions of the account only.
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    let other_function = arn("OrderEvent");
    assert!(
        role.verification.iter().any(|c| {
            c.kind == CheckKind::SameActionOtherResource
                && c.action == "lambda:InvokeFunction"
                && c.resource == other_function
                && !c.allowed
        }),
        "no denied near miss on `{other_function}`: {:#?}",
        role.verification
    );
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "sts:AssumeRole" && c.expected_allow && c.allowed)
    );
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);

    // The template's statement on `*`: narrowed (to the four functions);
    // its `cloudwatch:*` and `logs:*` are what the definition never calls.
    let originals = original_iam_all(&template, &app);
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        &originals,
        &|_| None,
        Detail::Full,
    );
    let statement = changes[0]
        .statements
        .iter()
        .find(|s| s.text.contains("lambda:InvokeFunction"))
        .unwrap();
    assert!(
        matches!(statement.change, StatementChange::Narrowed { .. }),
        "{statement:?}"
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
    let machine = app
        .functions
        .iter()
        .find(|f| f.logical_id == "StateMachine")
        .unwrap();
    let definition = machine.definition.as_ref().unwrap();
    assert!(definition.unknown.is_empty(), "{definition:?}");
    assert!(!definition.services.contains("logs"));
    assert!(!definition.services.contains("cloudwatch"));
}

/// `../shared/corpus/sam-templates/apigw-rest-api-dynamodb.yml`: a REST
/// API whose two methods integrate DynamoDB directly with one credentials
/// role, `APIGatewayRole`, granted `dynamodb:PutItem` and `dynamodb:Query`
/// on `table/Music*` (the table, every index, and every table whose name
/// starts with `Music`). `POST /music` puts an item into `Music` (its
/// request template writes `"TableName":"Music"`); `GET
/// /music/{artist}` queries the `Artist-Index` index. The designed role
/// grants exactly those two (the union of the integrations), and each of
/// the template's other reaches is a near miss the design denies: a
/// `Query` of the table itself, a `PutItem` into `Music-archive`, a
/// `Scan`.
#[test]
fn a_corpus_integration_role_is_narrowed_to_what_its_integrations_call() {
    let Some(template_path) = corpus("sam-templates/apigw-rest-api-dynamodb.yml") else {
        return;
    };
    let (template, app, roles) = designed(template_path, None);
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::ApiIntegration)
        .unwrap();
    assert_eq!(role.function, "APIGatewayRole");

    let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Music";
    let mut granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    granted.sort();
    assert_eq!(
        granted,
        vec![
            ("dynamodb:PutItem".to_string(), table.to_string()),
            (
                "dynamodb:Query".to_string(),
                format!("{table}/index/Artist-Index")
            ),
        ]
    );
    assert!(role.kept_as_is.is_empty(), "{:?}", role.kept_as_is);
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);

    // Each reach the template's `table/Music*` gave beyond the two calls,
    // decided by the engine on the designed role and on the original.
    let originals = original_iam_all(&template, &app);
    let index = app
        .functions
        .iter()
        .position(|f| f.logical_id == "APIGatewayRole")
        .unwrap();
    let original = originals[index].combined(&|_| None).policy;
    let decide = |policy: &leash_policy::Policy, action: &str, resource: &str| {
        let set = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new().with_identity_policy("p", policy.clone()),
        );
        let request = leash_policy::context::Request::new(
            "arn:aws:iam::111122223333:role/check",
            action,
            resource,
        )
        .with_resource_account("111122223333");
        set.evaluate(&request).is_allowed()
    };
    let designed = role.permissions_policy.policy();
    for (action, resource) in [
        ("dynamodb:Query", table.to_string()),
        ("dynamodb:PutItem", format!("{table}-archive")),
        ("dynamodb:Query", format!("{table}/index/Other-Index")),
    ] {
        assert!(
            decide(&original, action, &resource),
            "the template allowed {action} on {resource}"
        );
        assert!(
            !decide(designed, action, &resource),
            "the design allows {action} on {resource}"
        );
    }
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "dynamodb:Scan" && c.resource == table && !c.allowed)
    );

    // API Gateway may assume it; Lambda may not.
    assert!(role.verification.iter().any(|c| {
        c.action == "sts:AssumeRole"
            && c.context
                .iter()
                .any(|(_, v)| v == "apigateway.amazonaws.com")
            && c.allowed
    }));
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "sts:AssumeRole"
                && c.context.iter().any(|(_, v)| v == "lambda.amazonaws.com")
                && !c.allowed)
    );

    // The template's statement is narrowed, and nothing is added.
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        &originals,
        &|_| None,
        Detail::Full,
    );
    assert!(
        changes[0]
            .statements
            .iter()
            .all(|s| matches!(s.change, StatementChange::Narrowed { .. })),
        "{:?}",
        changes[0].statements
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
    let integrations = app.functions[index].definition.as_ref().unwrap();
    assert!(integrations.unknown.is_empty(), "{integrations:?}");
}

/// `../shared/corpus/sam-templates/apigw-execution-access-logs.yaml`:
/// `AWS::ApiGateway::Account` names `CloudWatchRole`, with the AWS managed
/// `AmazonAPIGatewayPushToCloudWatchLogs`. The role is one per account and
/// region, used by every API there: nothing in one template tells all its
/// uses, so the managed policy is kept as is, and the trust is API
/// Gateway's.
#[test]
fn the_account_cloudwatch_role_is_kept_as_is() {
    let Some(template_path) = corpus("sam-templates/apigw-execution-access-logs.yaml") else {
        return;
    };
    let (_, _, roles) = designed(template_path, None);
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::ApiCloudWatchRole)
        .unwrap();
    assert!(role.permissions.is_empty(), "{:?}", role.permissions);
    assert_eq!(role.kept_as_is.len(), 1, "{:?}", role.kept_as_is);
    assert!(
        role.kept_managed_arns()
            .any(|arn| arn.ends_with("AmazonAPIGatewayPushToCloudWatchLogs"))
    );
    assert!(
        role.trust_policy
            .text()
            .contains("apigateway.amazonaws.com")
    );
}

/// The designed role of the principal `id` of a corpus template (account
/// `111122223333`, region `us-east-1`), verified and lint-clean, with the
/// change of each of its original statements.
fn designed_principal(
    name: &str,
    id: &str,
    kind: PrincipalKind,
) -> Option<(
    leash_design::model::Application,
    leash_design::RoleDesign,
    Vec<StatementChange>,
)> {
    let path = corpus(&format!("sam-templates/{name}"))?;
    Some(designed_principal_of(
        &std::fs::read_to_string(path).unwrap(),
        id,
        kind,
    ))
}

/// [`designed_principal`] of a template's text.
fn designed_principal_of(
    text: &str,
    id: &str,
    kind: PrincipalKind,
) -> (
    leash_design::model::Application,
    leash_design::RoleDesign,
    Vec<StatementChange>,
) {
    let template = read_template(text).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    let role = roles.into_iter().find(|r| r.function == id).unwrap();
    assert_eq!(role.kind, kind);
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
    // The trust was checked by the engine: the service is allowed.
    assert!(
        role.verification
            .iter()
            .all(|c| c.action != "sts:AssumeRole")
            || role
                .verification
                .iter()
                .any(|c| c.action == "sts:AssumeRole" && c.expected_allow && c.allowed)
    );
    let originals = original_iam_all(&template, &app);
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(&role),
        &originals,
        &|_| None,
        Detail::Full,
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
    let statements = changes[0]
        .statements
        .iter()
        .map(|s| s.change.clone())
        .collect();
    (app, role, statements)
}

/// Whether the designed permissions allow `action` on `resource`.
fn allows(role: &leash_design::RoleDesign, action: &str, resource: &str) -> bool {
    use leash_policy::authz::{PolicySet, PreparedPolicySet};
    let prepared = PreparedPolicySet::new(
        &PolicySet::new()
            .with_identity_policy("designed", role.permissions_policy.policy().clone()),
    );
    let request = leash_policy::context::Request::new(
        "arn:aws:iam::111122223333:role/designed",
        action,
        resource,
    )
    .with_resource_account("111122223333");
    prepared.evaluate(&request).is_allowed()
}

/// `../shared/corpus/sam-templates/kinesis-data-stream-firehose-s3-sam-java.yml`:
/// the delivery stream's role (source and destination) is granted its
/// S3 actions on `arn:aws:s3:::BUCKET` and `arn:aws:s3:::BUCKET*` (every
/// bucket whose name starts with the destination's). The design grants
/// Firehose's documented S3 actions on the bucket and its objects, and
/// the Kinesis source's four actions on the stream: the look-alike bucket
/// the template's `BUCKET*` allowed is denied.
/// <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html>
#[test]
fn a_corpus_delivery_stream_is_narrowed_to_its_source_and_destination() {
    let Some((app, role, changes)) = designed_principal(
        "kinesis-data-stream-firehose-s3-sam-java.yml",
        "DeliveryStream",
        PrincipalKind::DeliveryStream,
    ) else {
        return;
    };
    let bucket = app.resource("DeliveryBucket").unwrap().name.clone();
    let stream = "arn:aws:kinesis:us-east-1:111122223333:stream/kds-data";
    for action in [
        "kinesis:DescribeStream",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
        "kinesis:ListShards",
    ] {
        assert!(allows(&role, action, stream), "{action}");
    }
    assert!(allows(
        &role,
        "s3:ListBucket",
        &format!("arn:aws:s3:::{bucket}")
    ));
    assert!(allows(
        &role,
        "s3:PutObject",
        &format!("arn:aws:s3:::{bucket}/2026/12/07/x.gz")
    ));
    // What the template's `BUCKET*` allowed beyond the bucket.
    let look_alike = format!("arn:aws:s3:::{bucket}-archive/x.gz");
    assert!(!allows(&role, "s3:PutObject", &look_alike));
    assert!(!allows(
        &role,
        "s3:PutObject",
        "arn:aws:s3:::other-bucket/x"
    ));
    assert!(!allows(&role, "kinesis:PutRecord", stream));
    assert!(
        role.verification
            .iter()
            .any(|c| !c.expected_allow && !c.allowed && c.action.starts_with("s3:"))
    );
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, StatementChange::Narrowed { .. })),
        "{changes:?}"
    );
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, StatementChange::Removed)),
        "{changes:?}"
    );
    // The trust: Firehose with the account as external id, checked.
    assert!(role.verification.iter().any(|c| {
        c.action == "sts:AssumeRole"
            && c.context
                .iter()
                .any(|(k, v)| k == "sts:ExternalId" && v == "999988887777")
            && !c.allowed
    }));
}

/// `../shared/corpus/sam-templates/appsync-dynamodb.yaml`: the data
/// source's role is granted `GetItem`, `PutItem`, `DeleteItem`,
/// `UpdateItem`, `Query` and `Scan` on the notes table; its resolvers'
/// request mapping templates use `Scan`, `GetItem`, `PutItem` and
/// `DeleteItem` only. The design grants those four; `UpdateItem` and
/// `Query` are near misses it denies.
/// <https://docs.aws.amazon.com/appsync/latest/devguide/resolver-mapping-template-reference-dynamodb.html>
#[test]
fn a_corpus_appsync_data_source_is_narrowed_to_its_resolvers_operations() {
    let Some((app, role, changes)) = designed_principal(
        "appsync-dynamodb.yaml",
        "AppSyncNotesTableDataSource",
        PrincipalKind::AppSyncDataSource,
    ) else {
        return;
    };
    let table = format!(
        "arn:aws:dynamodb:us-east-1:111122223333:table/{}",
        app.resource("DynamoDBNotesTable").unwrap().name
    );
    for action in [
        "dynamodb:Scan",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:DeleteItem",
    ] {
        assert!(allows(&role, action, &table), "{action}");
    }
    for action in ["dynamodb:UpdateItem", "dynamodb:Query"] {
        assert!(!allows(&role, action, &table), "{action}");
    }
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, StatementChange::Narrowed { .. })),
        "{changes:?}"
    );
}

/// `../shared/corpus/sam-templates/appsync-lambda-kendra.yaml`: the API's
/// logging role may create log groups and write logs everywhere
/// (`Resource: "*"`); AppSync writes the API's logs to
/// `/aws/appsync/apis/{API id}`. The design grants the three actions on
/// the account's AppSync API groups; a Lambda function's group is a near
/// miss it denies.
/// <https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html>
#[test]
fn a_corpus_appsync_logging_role_is_narrowed_to_appsyncs_log_groups() {
    let Some((_, role, changes)) = designed_principal(
        "appsync-lambda-kendra.yaml",
        "AppSyncApi",
        PrincipalKind::AppSyncLogging,
    ) else {
        return;
    };
    let own =
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/appsync/apis/abcdefghij:log-stream:x";
    assert!(allows(&role, "logs:PutLogEvents", own));
    assert!(!allows(
        &role,
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/other:log-stream:x"
    ));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, StatementChange::Narrowed { .. })),
        "{changes:?}"
    );
}

/// `../shared/corpus/sam-templates/iot-s3.yaml`: the rule's role allows
/// `s3:Get*`, `s3:List*` and `s3:PutObject` on every resource; its one
/// action puts each message in the bucket under a key decided per
/// message (`${topic(2)}/${timestamp()}`). The design grants
/// `s3:PutObject` on the bucket's objects; reading them and writing to
/// another bucket are near misses it denies. The trust names the
/// account's rules, as AWS IoT documents.
/// <https://docs.aws.amazon.com/iot/latest/developerguide/s3-rule-action.html>
#[test]
fn a_corpus_topic_rule_is_narrowed_to_its_action() {
    let Some((app, role, changes)) =
        designed_principal("iot-s3.yaml", "IoTToS3Rule", PrincipalKind::TopicRule)
    else {
        return;
    };
    let bucket = app.resource("MyS3Bucket").unwrap().name.clone();
    let object = format!("arn:aws:s3:::{bucket}/devices/1700000000");
    assert!(allows(&role, "s3:PutObject", &object));
    assert!(!allows(&role, "s3:GetObject", &object));
    assert!(!allows(
        &role,
        "s3:ListBucket",
        &format!("arn:aws:s3:::{bucket}")
    ));
    assert!(!allows(
        &role,
        "s3:PutObject",
        "arn:aws:s3:::another-bucket/x"
    ));
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, StatementChange::Narrowed { .. })),
        "{changes:?}"
    );
    assert!(role.verification.iter().any(|c| {
        c.action == "sts:AssumeRole"
            && c.context
                .iter()
                .any(|(k, v)| k == "aws:SourceAccount" && v == "999988887777")
            && !c.allowed
    }));
}

/// `../shared/corpus/sam-templates/sns-firehose-opensearch.yml`: the SNS
/// subscription that delivers the topic to a Firehose stream runs as a
/// role with the AWS managed `AmazonKinesisFirehoseFullAccess`
/// (`firehose:*` on `*`). The design grants what SNS's page lists for the
/// subscription role on the stream alone: describing it, its tags, and
/// putting records; another stream, deleting or reconfiguring the stream
/// are denied.
/// <https://docs.aws.amazon.com/sns/latest/dg/prereqs-kinesis-data-firehose.html>
#[test]
fn a_corpus_sns_subscription_role_is_narrowed_to_its_stream() {
    let Some((_, role, changes)) = designed_principal(
        "sns-firehose-opensearch.yml",
        "KinesisSNSSubscription",
        PrincipalKind::SnsSubscription,
    ) else {
        return;
    };
    let stream = "arn:aws:firehose:us-east-1:111122223333:deliverystream/MyFirehoseStream";
    for action in [
        "firehose:PutRecord",
        "firehose:PutRecordBatch",
        "firehose:DescribeDeliveryStream",
        "firehose:ListTagsForDeliveryStream",
    ] {
        assert!(allows(&role, action, stream), "{action}");
    }
    assert!(!allows(&role, "firehose:DeleteDeliveryStream", stream));
    assert!(!allows(&role, "firehose:UpdateDestination", stream));
    assert!(!allows(
        &role,
        "firehose:PutRecord",
        "arn:aws:firehose:us-east-1:111122223333:deliverystream/Other"
    ));
    // The managed policy's one statement, narrowed.
    assert!(
        matches!(changes.as_slice(), [StatementChange::Narrowed { .. }]),
        "{changes:?}"
    );
    // Trusted by SNS alone: another service is denied.
    assert!(role.verification.iter().any(|c| {
        c.action == "sts:AssumeRole"
            && c.expected_allow
            && c.allowed
            && c.context
                .iter()
                .any(|(k, v)| k == "principal" && v == "sns.amazonaws.com")
    }));
}

/// `../shared/corpus/sam-templates/sns-firehose-opensearch.yml`: the
/// delivery stream writes to an OpenSearch Serverless collection, backs
/// up to S3, and runs as `MyFirehoseStreamRole`, which holds
/// `AmazonOpenSearchServiceFullAccess` (`es:*`),
/// `AmazonOpenSearchIngestionFullAccess`, `AmazonS3FullAccess` and 29
/// `aoss` management actions on `*`. The collection's data access policy
/// `TestAccessPolicyKinesis` names that role by `Fn::GetAtt`.
///
/// The design grants the S3 backup's actions on its bucket; what the
/// destination needs from IAM, `aoss:APIAccessAll` on the collection
/// (Firehose's page), the template never granted, so it is not added
/// (the report says so). Everything else is denied: `es:*`, creating a
/// collection, another bucket. The designed template writes the designed
/// role **in place**, under `MyFirehoseStreamRole`, so the data access
/// policy still names the stream's role.
/// <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-serverless>
#[test]
fn a_corpus_opensearch_serverless_stream_is_narrowed_and_designed_in_place() {
    let Some(path) = corpus("sam-templates/sns-firehose-opensearch.yml") else {
        return;
    };
    let text = std::fs::read_to_string(&path).unwrap();
    let (app, role, changes) = designed_principal_of(
        &text,
        "MyKinesisFirehoseStream",
        PrincipalKind::DeliveryStream,
    );
    // The bucket is unnamed: its ARN holds the symbol of its generated
    // name, as the design wrote it.
    let bucket = &role
        .permissions
        .iter()
        .find(|p| p.action == "s3:ListBucket")
        .unwrap()
        .resource;
    let object = format!("{bucket}/kf/1");
    assert!(allows(&role, "s3:PutObject", &object));
    assert!(allows(&role, "s3:ListBucket", bucket));
    assert!(!allows(&role, "s3:DeleteObject", &object));
    assert!(!allows(
        &role,
        "s3:PutObject",
        "arn:aws:s3:::another-bucket/kf/1"
    ));
    assert!(!allows(
        &role,
        "es:ESHttpPost",
        "arn:aws:es:us-east-1:111122223333:domain/d/x"
    ));
    assert!(!allows(&role, "aoss:CreateCollection", "*"));
    let collection = "arn:aws:aoss:us-east-1:111122223333:collection/abc123";
    assert!(!allows(&role, "aoss:APIAccessAll", collection));
    // Nothing is kept as is: each statement is narrowed or superseded.
    assert!(
        changes.iter().all(|c| matches!(
            c,
            StatementChange::Narrowed { .. } | StatementChange::Superseded
        )),
        "{changes:?}"
    );
    let stream = app
        .functions
        .iter()
        .find(|f| f.logical_id == "MyKinesisFirehoseStream")
        .unwrap();
    assert!(
        stream
            .ignored
            .iter()
            .any(|n| n.contains("aoss:APIAccessAll")
                && n.contains("collection/")
                && n.contains("not granted")),
        "{:?}",
        stream.ignored
    );

    // Written in place: the data access policy still names the role.
    let template = read_template(&text).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    let output =
        leash_design::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
    assert_eq!(
        output.role_ids["MyKinesisFirehoseStream"],
        "MyFirehoseStreamRole"
    );
    let designed: serde_json::Value = serde_json::from_str(&output.text).unwrap();
    let resources = designed["Resources"].as_object().unwrap();
    assert!(!resources.contains_key("MyKinesisFirehoseStreamRole"));
    let written = &resources["MyFirehoseStreamRole"]["Properties"];
    assert!(written.get("ManagedPolicyArns").is_none(), "{written}");
    let policy = written["Policies"][0]["PolicyDocument"].to_string();
    assert!(
        policy.contains("s3:PutObject") && !policy.contains("aoss:"),
        "{policy}"
    );
    let destination = &resources["MyKinesisFirehoseStream"]["Properties"]["AmazonOpenSearchServerlessDestinationConfiguration"];
    let role_arn = serde_json::json!({"Fn::GetAtt": ["MyFirehoseStreamRole", "Arn"]});
    assert_eq!(destination["RoleARN"], role_arn);
    assert_eq!(destination["S3Configuration"]["RoleARN"], role_arn);
    assert!(
        resources["TestAccessPolicyKinesis"]["Properties"]["Policy"]
            .to_string()
            .contains("MyFirehoseStreamRole.Arn")
    );
    assert!(
        output.function_notes["MyKinesisFirehoseStream"]
            .iter()
            .any(|n| n.contains("designed in place") && n.contains("TestAccessPolicyKinesis"))
    );
}

/// `StreamRole`, trusted by Firehose, allowed `actions` (a YAML list) on
/// every resource.
fn firehose_role(actions: &str) -> String {
    format!(
        r#"  StreamRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Principal: {{Service: firehose.amazonaws.com}}
            Action: sts:AssumeRole
      Policies:
        - PolicyName: p
          PolicyDocument:
            Version: '2012-10-17'
            Statement:
              - Effect: Allow
                Action: {actions}
                Resource: '*'
"#
    )
}

/// An OpenSearch Serverless destination whose role grants
/// `aoss:APIAccessAll` on every collection: the design grants it on the
/// collection the stream writes to, named by its written endpoint
/// (`https://ID.REGION.aoss.amazonaws.com`) or by the collection's
/// `Fn::GetAtt ... CollectionEndpoint`; another collection is denied.
/// <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-serverless>
#[test]
fn an_opensearch_serverless_destination_is_granted_its_collection_only() {
    let template = |endpoint: &str| {
        format!(
            r#"
Resources:
  Collection:
    Type: AWS::OpenSearchServerless::Collection
    Properties: {{Name: logs, Type: SEARCH}}
  Backup: {{Type: AWS::S3::Bucket, Properties: {{BucketName: backup}}}}
  Stream:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      AmazonOpenSearchServerlessDestinationConfiguration:
        CollectionEndpoint: {endpoint}
        IndexName: logs
        RoleARN: !GetAtt StreamRole.Arn
        S3Configuration:
          BucketARN: !GetAtt Backup.Arn
          RoleARN: !GetAtt StreamRole.Arn
{role}"#,
            role = firehose_role("[aoss:APIAccessAll, s3:*]")
        )
    };
    for (endpoint, collection) in [
        (
            "https://abc123def.us-east-1.aoss.amazonaws.com",
            "arn:aws:aoss:us-east-1:111122223333:collection/abc123def".to_string(),
        ),
        ("!GetAtt Collection.CollectionEndpoint", String::new()),
    ] {
        let (_, role, changes) =
            designed_principal_of(&template(endpoint), "Stream", PrincipalKind::DeliveryStream);
        let granted = role
            .permissions
            .iter()
            .find(|p| p.action == "aoss:APIAccessAll")
            .unwrap_or_else(|| panic!("{endpoint}: {:?}", role.permissions));
        if !collection.is_empty() {
            assert_eq!(granted.resource, collection);
        } else {
            // The collection's generated id, a symbol.
            assert!(
                granted.resource.contains(":collection/"),
                "{}",
                granted.resource
            );
        }
        let resource = granted.resource.clone();
        assert!(allows(&role, "aoss:APIAccessAll", &resource));
        assert!(!allows(
            &role,
            "aoss:APIAccessAll",
            "arn:aws:aoss:us-east-1:111122223333:collection/other"
        ));
        assert!(!allows(&role, "aoss:DeleteCollection", &resource));
        assert!(allows(&role, "s3:PutObject", "arn:aws:s3:::backup/x"));
        assert!(
            matches!(changes.as_slice(), [StatementChange::Narrowed { .. }]),
            "{changes:?}"
        );
    }
}

/// No corpus stream encrypts its S3 destination with a customer managed
/// key; Firehose's page grants `kms:Decrypt` and `kms:GenerateDataKey`
/// on the key only through S3 in the stream's region, for the
/// destination's objects. The role here holds the two actions and
/// `kms:Encrypt` on every resource. The design grants the two on the key
/// (a template key, or one a parameter names) under `kms:ViaService` and
/// `kms:EncryptionContext:aws:s3:arn` (the objects under the prefixes,
/// and the bucket itself, the context when the bucket uses an S3 Bucket
/// Key); straight to KMS, through another service, for another bucket,
/// or another key is denied, and `kms:Encrypt` is not granted.
/// <https://docs.aws.amazon.com/firehose/latest/dev/controlling-access.html#using-iam-s3>
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-key.html>
#[test]
fn a_firehose_destination_key_is_granted_through_s3_for_its_objects_only() {
    let template = |key: &str| {
        format!(
            r#"
Parameters:
  KeyArn: {{Type: String}}
Resources:
  Key: {{Type: AWS::KMS::Key, Properties: {{KeyPolicy: {{}}}}}}
  Bucket: {{Type: AWS::S3::Bucket, Properties: {{BucketName: archive}}}}
  Stream:
    Type: AWS::KinesisFirehose::DeliveryStream
    Properties:
      ExtendedS3DestinationConfiguration:
        BucketARN: !GetAtt Bucket.Arn
        Prefix: events/
        ErrorOutputPrefix: errors/
        RoleARN: !GetAtt StreamRole.Arn
        EncryptionConfiguration:
          KMSEncryptionConfig: {{AWSKMSKeyARN: {key}}}
{role}"#,
            role = firehose_role(
                "[s3:PutObject, s3:GetObject, s3:ListBucket, s3:GetBucketLocation, \
                 s3:AbortMultipartUpload, s3:ListBucketMultipartUploads, \
                 kms:Decrypt, kms:GenerateDataKey, kms:Encrypt]"
            )
        )
    };
    for key in ["!GetAtt Key.Arn", "!Ref KeyArn"] {
        let (_, role, changes) =
            designed_principal_of(&template(key), "Stream", PrincipalKind::DeliveryStream);
        assert!(
            matches!(changes.as_slice(), [StatementChange::Narrowed { .. }]),
            "{key}: {changes:?}"
        );
        let granted: Vec<_> = role
            .permissions
            .iter()
            .filter(|p| p.action.starts_with("kms:"))
            .collect();
        let actions: Vec<&str> = granted.iter().map(|p| p.action.as_str()).collect();
        assert_eq!(actions, ["kms:Decrypt", "kms:GenerateDataKey"], "{key}");
        let key_arn = granted[0].resource.clone();
        let through_s3 = |service: Option<&str>, object: Option<&str>| {
            let mut context = leash_policy::context::RequestContext::new();
            if let Some(service) = service {
                context = context.with("kms:ViaService", service);
            }
            if let Some(object) = object {
                context = context.with("kms:EncryptionContext:aws:s3:arn", object);
            }
            context
        };
        let region = "us-east-1";
        let s3 = format!("s3.{region}.amazonaws.com");
        let cases = [
            (
                &key_arn,
                Some(s3.as_str()),
                Some("arn:aws:s3:::archive/events/2026/1.gz"),
                true,
            ),
            (
                &key_arn,
                Some(s3.as_str()),
                Some("arn:aws:s3:::archive"),
                true,
            ),
            (
                &key_arn,
                Some(s3.as_str()),
                Some("arn:aws:s3:::archive/other/1.gz"),
                false,
            ),
            (
                &key_arn,
                Some(s3.as_str()),
                Some("arn:aws:s3:::another/events/1.gz"),
                false,
            ),
            (
                &key_arn,
                None,
                Some("arn:aws:s3:::archive/events/1.gz"),
                false,
            ),
            (
                &key_arn,
                Some("sqs.us-east-1.amazonaws.com"),
                Some("arn:aws:s3:::archive/events/1.gz"),
                false,
            ),
            (&key_arn, Some(s3.as_str()), None, false),
        ];
        let prepared = leash_policy::authz::PreparedPolicySet::new(
            &leash_policy::authz::PolicySet::new()
                .with_identity_policy("designed", role.permissions_policy.policy().clone())
                .with_resource_policy(
                    "default key policy",
                    leash_policy::parse::parse_policy_text(
                        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}]}"#,
                    )
                    .policy
                    .unwrap(),
                ),
        );
        for (resource, service, object, allowed) in cases {
            for action in ["kms:GenerateDataKey", "kms:Decrypt"] {
                let request = leash_policy::context::Request::new(
                    "arn:aws:iam::111122223333:role/designed",
                    action,
                    resource.as_str(),
                )
                .with_resource_account("111122223333")
                .with_context(through_s3(service, object));
                assert_eq!(
                    prepared.evaluate(&request).is_allowed(),
                    allowed,
                    "{key}: {action} via {service:?} for {object:?}"
                );
            }
        }
        assert!(!allows(&role, "kms:Encrypt", &key_arn));
        // Every near miss outside the conditions was checked and denied.
        assert!(
            role.verification
                .iter()
                .any(|c| c.kind == CheckKind::OutsideCondition
                    && c.action == "kms:Decrypt"
                    && c.passed)
        );
    }
}

/// No corpus template logs SNS delivery status; SNS's CloudFormation page
/// writes `DeliveryStatusLogging` with one role for successes and
/// failures, here holding the AWS managed `AmazonSNSRole` (five log
/// actions on `*`). The design grants the three actions SNS's page lists,
/// on the account's `sns/REGION/ACCOUNT/...` groups only: a Lambda
/// function's group and the two actions the page does not list are
/// denied.
/// <https://docs.aws.amazon.com/sns/latest/dg/topics-attrib-prereq.html>
#[test]
fn an_sns_delivery_status_role_is_narrowed_to_snss_log_groups() {
    let text = r#"
Resources:
  Queue: {Type: AWS::SQS::Queue}
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: orders
      DeliveryStatusLogging:
        - Protocol: sqs
          SuccessFeedbackSampleRate: '45'
          SuccessFeedbackRoleArn: !GetAtt FeedbackRole.Arn
          FailureFeedbackRoleArn: !GetAtt FeedbackRole.Arn
  FeedbackRole:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Statement: [{Effect: Allow, Principal: {Service: sns.amazonaws.com}, Action: sts:AssumeRole}]
      ManagedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AmazonSNSRole']
"#;
    let (_, role, changes) = designed_principal_of(text, "Topic", PrincipalKind::SnsDeliveryStatus);
    let role = &role;
    let group = "arn:aws:logs:us-east-1:111122223333:log-group:sns/us-east-1/111122223333/orders";
    for action in [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    ] {
        assert!(allows(role, action, group), "{action}");
    }
    assert!(allows(
        role,
        "logs:PutLogEvents",
        &format!("{group}/Failure:log-stream:sqs")
    ));
    assert!(!allows(role, "logs:PutRetentionPolicy", group));
    assert!(!allows(
        role,
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:x"
    ));
    // AmazonSNSRole's one statement, narrowed.
    assert!(
        matches!(changes.as_slice(), [StatementChange::Narrowed { .. }]),
        "{changes:?}"
    );
}

/// Designs `../shared/corpus/sam-templates/NAME` for account
/// `111122223333` in `us-east-1`.
fn designed_eventbridge(
    name: &str,
) -> Option<(
    leash_design::Template,
    leash_design::Application,
    Vec<leash_design::RoleDesign>,
)> {
    let path = corpus(&format!("sam-templates/{name}"))?;
    let template = read_template(&std::fs::read_to_string(path).unwrap()).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    Some((template, app, roles))
}

/// Whether the role's verification has a passed check of `action` on
/// `resource` that expects `allow`.
fn checked(role: &leash_design::RoleDesign, action: &str, resource: &str, allow: bool) -> bool {
    role.verification.iter().any(|c| {
        c.passed && c.expected_allow == allow && c.action == action && c.resource == resource
    })
}

/// The trust checks: the service from its own source in the account is
/// allowed; another service is denied; with source conditions, another
/// account's source is denied too.
fn trust_is_checked(role: &leash_design::RoleDesign, service: &str, conditions: bool) {
    let assume: Vec<_> = role
        .verification
        .iter()
        .filter(|c| c.action == "sts:AssumeRole")
        .collect();
    assert!(
        assume.iter().any(|c| c.expected_allow
            && c.allowed
            && c.context
                .iter()
                .any(|(k, v)| k == "principal" && v == service)),
        "{assume:#?}"
    );
    assert!(
        assume.iter().any(|c| !c.expected_allow
            && !c.allowed
            && c.context
                .iter()
                .any(|(k, v)| k == "principal" && v == "lambda.amazonaws.com")),
        "{assume:#?}"
    );
    assert_eq!(
        assume.iter().any(|c| !c.expected_allow
            && !c.allowed
            && c.context.iter().any(|(_, v)| v == "999988887777")),
        conditions,
        "{assume:#?}"
    );
}

/// `../shared/corpus/sam-templates/eventbridge-pipes-kinesis-to-kinesis-with-filtering.yaml`:
/// two pipes share one role (`PipeRole`), which may read the source
/// stream and `PutRecord(s)` to *both* target streams. Each pipe gets its
/// own role: `NewCustomersPipe` reads the source as the Pipes page lists
/// (`DescribeStream`, `DescribeStreamSummary`, `GetRecords`,
/// `GetShardIterator`, `ListShards`; `ListStreams` only on the stream, as
/// the template writes it, grants nothing and is not granted) and puts
/// records to its own target only; putting to the other pipe's target is
/// a near miss the design denies.
/// <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>
#[test]
fn a_corpus_pipe_role_shared_by_two_pipes_is_narrowed_to_each_pipe() {
    let Some((template, app, roles)) =
        designed_eventbridge("eventbridge-pipes-kinesis-to-kinesis-with-filtering.yaml")
    else {
        return;
    };
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::Pipe && r.function == "NewCustomersPipe")
        .unwrap();
    let stream = |id: &str| {
        format!(
            "arn:aws:kinesis:us-east-1:111122223333:stream/{}",
            app.resource(id).unwrap().name
        )
    };
    let mut granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    granted.sort();
    let mut expected: Vec<(String, String)> = [
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:GetRecords",
        "kinesis:GetShardIterator",
        "kinesis:ListShards",
    ]
    .iter()
    .map(|a| (a.to_string(), stream("Source")))
    .chain(
        ["kinesis:PutRecord", "kinesis:PutRecords"]
            .iter()
            .map(|a| (a.to_string(), stream("NewCustomerOrdersTarget"))),
    )
    .collect();
    expected.sort();
    assert_eq!(granted, expected);
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // The other pipe's target: granted by the shared role, denied now.
    assert!(
        checked(
            role,
            "kinesis:PutRecord",
            &stream("ExistingCustomerOrdersTarget"),
            false
        ),
        "{:#?}",
        role.verification
    );
    trust_is_checked(role, "pipes.amazonaws.com", true);
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);

    // The shared target statement is narrowed, nothing is added.
    let originals = original_iam_all(&template, &app);
    let index = roles
        .iter()
        .position(|r| r.function == role.function)
        .unwrap();
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        std::slice::from_ref(&originals[index]),
        &|_| None,
        Detail::Full,
    );
    let statement = changes[0]
        .statements
        .iter()
        .find(|s| s.text.contains("kinesis:PutRecord"))
        .unwrap();
    assert!(
        matches!(statement.change, StatementChange::Narrowed { .. }),
        "{statement:?}"
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
}

/// `../shared/corpus/sam-templates/eventbridge-schedule-to-lambda-dlq-sam-python.yaml`:
/// the schedule's role invokes its function and sends to its dead-letter
/// queue, as the Scheduler page lists; the template's role already grants
/// exactly that (no corpus schedule role grants more: each of the four
/// is kept, see docs/design.md), so the design keeps it, and checks what
/// the template never said: another function's name, another action on
/// the queue, and the trust (Scheduler from the account's schedule
/// groups; another account denied).
/// <https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role>
#[test]
fn a_corpus_schedule_role_invokes_its_target_and_its_dead_letter_queue_only() {
    let Some((_template, app, roles)) =
        designed_eventbridge("eventbridge-schedule-to-lambda-dlq-sam-python.yaml")
    else {
        return;
    };
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::Schedule)
        .unwrap();
    let function = format!(
        "arn:aws:lambda:us-east-1:111122223333:function:{}",
        app.resource("ScheduledFunction").unwrap().name
    );
    let queue = role
        .permissions
        .iter()
        .find(|p| p.action == "sqs:SendMessage")
        .map(|p| p.resource.clone())
        .unwrap();
    let actions: std::collections::BTreeSet<&str> =
        role.permissions.iter().map(|p| p.action.as_str()).collect();
    assert_eq!(
        actions,
        ["lambda:InvokeFunction", "sqs:SendMessage"].into(),
        "{:#?}",
        role.permissions
    );
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(checked(role, "lambda:InvokeFunction", &function, true));
    assert!(checked(role, "sqs:SendMessage", &queue, true));
    assert!(
        role.verification.iter().any(|c| c.passed
            && !c.expected_allow
            && c.action == "lambda:InvokeFunction"
            && c.resource != function),
        "{:#?}",
        role.verification
    );
    trust_is_checked(role, "scheduler.amazonaws.com", true);
    let trust = role.trust_policy.text();
    assert!(trust.contains("schedule-group/*"), "{trust}");
}

/// `../shared/corpus/sam-templates/eventbridge-kinesis.yaml`: a rule sends
/// to a Kinesis stream with a role that allows `kinesis:PutRecord` and
/// `kinesis:PutRecords` on the stream; EventBridge's page on target roles
/// names `kinesis:PutRecord` only, so the designed role keeps that and
/// `PutRecords` is a near miss the design denies.
/// <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>
#[test]
fn a_corpus_rule_target_role_is_narrowed_to_the_action_eventbridge_uses() {
    let Some((template, app, roles)) = designed_eventbridge("eventbridge-kinesis.yaml") else {
        return;
    };
    let role = roles
        .iter()
        .find(|r| r.kind == PrincipalKind::RuleTarget)
        .unwrap();
    let stream = format!(
        "arn:aws:kinesis:us-east-1:111122223333:stream/{}",
        app.resource("KinesisStream").unwrap().name
    );
    let granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    assert_eq!(granted, [("kinesis:PutRecord".to_string(), stream.clone())]);
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(
        checked(role, "kinesis:PutRecords", &stream, false),
        "{:#?}",
        role.verification
    );
    trust_is_checked(role, "events.amazonaws.com", false);
    // EventBridge rules: no source condition (not documented for roles).
    assert!(!role.trust_policy.text().contains("aws:SourceArn"));

    let originals = original_iam_all(&template, &app);
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        &originals,
        &|_| None,
        Detail::Full,
    );
    assert!(
        changes[0]
            .statements
            .iter()
            .any(|s| matches!(s.change, StatementChange::Narrowed { .. })),
        "{:?}",
        changes[0].statements
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);
}

/// `../shared/corpus/sam-templates/appsync-dynamodb-singletable-js-resolver.yaml`:
/// an `AWS::Serverless::GraphQLApi` names no role. SAM generates one for
/// its `DynamoDb` data source `ItemsDataSource`, with its connector's
/// read and write statements (thirteen actions on the table and its
/// indexes), and one for its logging, with the AWS managed policy
/// `AWSAppSyncPushToCloudWatchLogs` (three log actions on `*`). Both are
/// designed principals: the data source's resolvers are JavaScript
/// (leash does not read them), so DynamoDB stays unknown and SAM's
/// statements on the table stay (the first law); another table and
/// another action are near misses the design denies. The logging role is
/// narrowed to the account's AppSync API log groups; a Lambda function's
/// group is a near miss it denies. `--format cfn` names both designed
/// roles in SAM's own properties (`ServiceRoleArn`,
/// `Logging.CloudWatchLogsRoleArn`), so SAM generates neither.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-graphqlapi.html>
/// <https://docs.aws.amazon.com/appsync/latest/devguide/monitoring.html>
#[test]
fn a_corpus_sam_graphql_apis_generated_roles_are_designed() {
    let name = "appsync-dynamodb-singletable-js-resolver.yaml";
    let Some((app, role, changes)) = designed_principal(
        name,
        "MyGraphQLAPIItemsDataSourceDynamoDBDataSource",
        PrincipalKind::AppSyncDataSource,
    ) else {
        return;
    };
    let table = format!(
        "arn:aws:dynamodb:us-east-1:111122223333:table/{}",
        app.resource("DDBTable").unwrap().name
    );
    // The six actions of AWS's example role (the resolvers are not read),
    // and what SAM's connector grants beyond them, kept.
    for action in [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchGetItem",
        "dynamodb:BatchWriteItem",
    ] {
        assert!(allows(&role, action, &table), "{action}");
    }
    assert!(allows(
        &role,
        "dynamodb:Query",
        &format!("{table}/index/ParentGSI")
    ));
    assert!(!allows(
        &role,
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-east-1:111122223333:table/other"
    ));
    assert!(!allows(&role, "dynamodb:DeleteTable", &table));
    assert!(
        !changes
            .iter()
            .any(|c| matches!(c, StatementChange::Removed)),
        "{changes:?}"
    );
    trust_is_checked(&role, "appsync.amazonaws.com", false);

    let Some((_, logging, _)) =
        designed_principal(name, "MyGraphQLAPI", PrincipalKind::AppSyncLogging)
    else {
        return;
    };
    let own =
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/appsync/apis/abcdefghij:log-stream:x";
    assert!(allows(&logging, "logs:PutLogEvents", own));
    let lambda = "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/other:log-stream:x";
    assert!(!allows(&logging, "logs:PutLogEvents", lambda));
    assert!(!allows(
        &logging,
        "logs:CreateLogGroup",
        "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/other"
    ));
    // Its original is SAM's managed policy: narrowed.
    let path = corpus(&format!("sam-templates/{name}")).unwrap();
    let template = read_template(&std::fs::read_to_string(path).unwrap()).unwrap();
    let target = Target {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        ..Default::default()
    };
    let app = read_application(&template, &target).unwrap();
    let roles = design(&app).unwrap();
    let originals = original_iam_all(&template, &app);
    let lookup = |arn: &str| leash_design::changes::aws_managed_policy_document(arn);
    let changes = compare_with_original(&app, &roles, &originals, &lookup, Detail::Full);
    let logging_changes = changes
        .iter()
        .find(|c| c.function == "MyGraphQLAPI")
        .unwrap();
    assert!(
        logging_changes
            .statements
            .iter()
            .any(|s| s.origin.contains("AWSAppSyncPushToCloudWatchLogs")
                && matches!(s.change, StatementChange::Narrowed { .. })),
        "{:?}",
        logging_changes.statements
    );

    // The designed template names both roles where SAM reads them.
    let output =
        leash_design::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
    let designed: serde_json::Value = serde_json::from_str(&output.text).unwrap();
    let api = &designed["Resources"]["MyGraphQLAPI"]["Properties"];
    let data_source_role = &output.role_ids["MyGraphQLAPIItemsDataSourceDynamoDBDataSource"];
    let logging_role = &output.role_ids["MyGraphQLAPI"];
    assert_eq!(
        api["DataSources"]["DynamoDb"]["ItemsDataSource"]["ServiceRoleArn"],
        serde_json::json!({"Fn::GetAtt": [data_source_role, "Arn"]})
    );
    assert_eq!(
        api["Logging"]["CloudWatchLogsRoleArn"],
        serde_json::json!({"Fn::GetAtt": [logging_role, "Arn"]})
    );
    for id in [data_source_role, logging_role] {
        assert_eq!(designed["Resources"][id]["Type"], "AWS::IAM::Role");
    }
}

/// `../shared/corpus/sam-templates/eventbridge-schedule-to-lambda-sam-go.yaml`:
/// the function's `ScheduleV2` event sets no `RoleArn`, so SAM generates
/// `SchedulerLambdaFunctionScheduleRole`, trusted by Scheduler, allowed
/// `lambda:InvokeFunction` on the function (aws-sam-translator's
/// `model/eventsources/scheduler.py`). The schedule
/// `SchedulerLambdaFunctionSchedule` is a principal: its original IAM is
/// that generated policy, kept (it is already the one invocation the
/// schedule needs); its trust names the account's schedule groups; another
/// function and another action on the function are near misses denied.
/// The designed template points the event's `RoleArn` at the designed role.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html>
#[test]
fn a_sam_schedule_v2_event_is_a_schedule_principal_with_the_role_sam_generated() {
    let Some((template, app, roles)) =
        designed_eventbridge("eventbridge-schedule-to-lambda-sam-go.yaml")
    else {
        return;
    };
    let role = roles
        .iter()
        .find(|r| r.function == "SchedulerLambdaFunctionSchedule")
        .unwrap();
    assert_eq!(role.kind, PrincipalKind::Schedule);
    let function = format!(
        "arn:aws:lambda:us-east-1:111122223333:function:{}",
        app.resource("SchedulerLambdaFunction").unwrap().name
    );
    let granted: Vec<(String, String)> = role
        .permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect();
    assert_eq!(
        granted,
        [("lambda:InvokeFunction".to_string(), function.clone())]
    );
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(checked(role, "lambda:InvokeFunction", &function, true));
    assert!(checked(
        role,
        "lambda:InvokeFunction",
        &format!("{function}-archive"),
        false
    ));
    assert!(checked(role, "lambda:UpdateFunctionCode", &function, false));
    trust_is_checked(role, "scheduler.amazonaws.com", true);

    // The original is what SAM generates for the event: kept, nothing added.
    let originals = original_iam_all(&template, &app);
    let index = app
        .functions
        .iter()
        .position(|f| f.logical_id == role.function)
        .unwrap();
    assert_eq!(originals[index].policies.len(), 1, "{:?}", originals[index]);
    let changes = compare_with_original(
        &app,
        std::slice::from_ref(role),
        std::slice::from_ref(&originals[index]),
        &|_| None,
        Detail::Full,
    );
    assert!(
        changes[0]
            .statements
            .iter()
            .all(|s| matches!(s.change, StatementChange::Kept)),
        "{:?}",
        changes[0].statements
    );
    assert!(changes[0].added.is_empty(), "{:?}", changes[0].added);

    // The designed template: the event's `RoleArn` names the designed role.
    let written =
        leash_design::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
    let root: serde_json::Value = serde_json::from_str(&written.text).unwrap();
    let role_id = &written.role_ids["SchedulerLambdaFunctionSchedule"];
    assert_eq!(
        root["Resources"]["SchedulerLambdaFunction"]["Properties"]["Events"]["Schedule"]["Properties"]
            ["RoleArn"],
        serde_json::json!({"Fn::GetAtt": [role_id, "Arn"]})
    );
    assert_eq!(root["Resources"][role_id]["Type"], "AWS::IAM::Role");
}

/// `../shared/corpus/sam-templates/eventbridge-sfn.yaml`: the state
/// machine's `EventBridgeRule` event starts it on EC2 state changes; SAM
/// generates `EC2StateWatcherStateChangeRole`, trusted by EventBridge,
/// allowed `states:StartExecution` on the state machine
/// (aws-sam-translator's `model/stepfunctions/events.py`). The rule is a
/// rule-target principal with that original: the design allows starting
/// this state machine only (another state machine, `StartSyncExecution`
/// denied), trusted by EventBridge without source conditions; the
/// designed template writes the rule SAM would write, its target naming
/// the designed role (SAM's event has no `RoleArn`).
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineeventbridgerule.html>
#[test]
fn a_sam_state_machine_rule_event_is_a_rule_target_principal() {
    let Some((template, app, roles)) = designed_eventbridge("eventbridge-sfn.yaml") else {
        return;
    };
    let role = roles
        .iter()
        .find(|r| r.function == "EC2StateWatcherStateChange")
        .unwrap();
    assert_eq!(role.kind, PrincipalKind::RuleTarget);
    let machine = role
        .permissions
        .iter()
        .find(|p| p.action == "states:StartExecution")
        .map(|p| p.resource.clone())
        .unwrap();
    assert!(
        machine.starts_with("arn:aws:states:us-east-1:111122223333:stateMachine:"),
        "{machine}"
    );
    assert_eq!(role.permissions.len(), 1, "{:#?}", role.permissions);
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(checked(role, "states:StartExecution", &machine, true));
    assert!(checked(role, "states:StartSyncExecution", &machine, false));
    assert!(checked(
        role,
        "states:StartExecution",
        &format!("{machine}-archive"),
        false
    ));
    trust_is_checked(role, "events.amazonaws.com", false);
    assert!(!role.trust_policy.text().contains("aws:SourceArn"));

    let written =
        leash_design::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
    let root: serde_json::Value = serde_json::from_str(&written.text).unwrap();
    let role_id = &written.role_ids["EC2StateWatcherStateChange"];
    let rule = &root["Resources"]["EC2StateWatcherStateChange"];
    assert_eq!(rule["Type"], "AWS::Events::Rule");
    assert_eq!(
        rule["Properties"]["Targets"][0]["RoleArn"],
        serde_json::json!({"Fn::GetAtt": [role_id, "Arn"]})
    );
    assert_eq!(
        rule["Properties"]["Targets"][0]["Arn"],
        serde_json::json!({"Ref": "EC2StateWatcher"})
    );
    assert!(root["Resources"]["EC2StateWatcher"]["Properties"]["Events"].is_null());
}
