#![allow(clippy::unwrap_used)]
use super::*;
use crate::model::{ResourceKind, Target, read_application};

const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      GlobalSecondaryIndexes: [{IndexName: ByCustomer}]
  Archive:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: Archive}
  Receipts:
    Type: AWS::S3::Bucket
    Properties: {BucketName: acme-orders-receipts}
  ListOrders:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Orders, access: read, index: true}]
    Properties:
      FunctionName: list-orders
      Events:
        List: {Type: Api, Properties: {Path: /orders, Method: get}}
  UploadReceipt:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs: [{resource: Receipts, access: read, prefix: receipts/}]
    Properties:
      FunctionName: upload-receipt
      Events:
        Upload: {Type: Api, Properties: {Path: '/orders/{id}/receipt', Method: post}}
"#;

#[test]
fn many_functions_are_designed_in_parallel_in_template_order() {
    // Enough functions for several threads: the roles come back in
    // template order and equal the one-at-a-time design.
    let mut text = TEMPLATE.to_string();
    for n in 0..40 {
        let access = ["read", "write", "delete", "put"][n % 4];
        text.push_str(&format!(
            "  Worker{n}:\n    Type: AWS::Serverless::Function\n    Metadata:\n      leash:\n        needs: [{{resource: Orders, access: {access}}}]\n    Properties:\n      FunctionName: worker-{n}\n"
        ));
    }
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let parallel = design(&app).unwrap();
    let one_at_a_time: Vec<RoleDesign> = app
        .functions
        .iter()
        .map(|f| design_function(&app, f).unwrap())
        .collect();
    assert_eq!(parallel.len(), 42);
    assert_eq!(parallel, one_at_a_time);
    let order: Vec<&str> = parallel.iter().map(|r| r.function.as_str()).collect();
    let expected: Vec<&str> = app
        .functions
        .iter()
        .map(|f| f.logical_id.as_str())
        .collect();
    assert_eq!(order, expected);
}

#[test]
fn a_role_that_grants_nothing_gets_no_policy() {
    // The template's role grants nothing (not even logs), so the design
    // grants nothing: no empty policy, which the linter and AWS refuse
    // (corpus: apigw-lambda-healthscribe-sam, eventbridge-sfn-redrive).
    let text = format!(
        "{TEMPLATE}  Bare:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: bare\n      Role: !GetAtt BareRole.Arn\n  BareRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement: [{{Effect: Allow, Principal: {{Service: lambda.amazonaws.com}}, Action: sts:AssumeRole}}]\n"
    );
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let role = roles.iter().find(|r| r.function == "Bare").unwrap();
    assert!(role.grants_nothing());
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
    let document: serde_json::Value =
        serde_json::from_str(&crate::report::role_document(role)).unwrap();
    assert_eq!(document["Policies"], serde_json::json!([]));
    // The others still grant what they need.
    assert!(
        roles
            .iter()
            .filter(|r| r.function != "Bare")
            .all(|r| !r.grants_nothing())
    );
}

#[test]
fn an_any_route_beside_a_greedy_proxy_has_no_other_route_to_deny() {
    // `ANY /{proxy+}` covers every path, including the `not-this-path`
    // an `ANY /` route would otherwise be checked against; the other-API
    // near miss stays (corpus: apigw-http-api-lambda-dotnet-sam).
    let text = format!(
        "{TEMPLATE}  Proxy:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: proxy\n      Events:\n        ProxyResource: {{Type: Api, Properties: {{Path: '/{{proxy+}}', Method: ANY}}}}\n        RootResource: {{Type: Api, Properties: {{Path: /, Method: ANY}}}}\n"
    );
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let role = roles.iter().find(|r| r.function == "Proxy").unwrap();
    assert!(role.verified(), "{:#?}", role.verification);
    let other_routes: Vec<&Check> = role
        .verification
        .iter()
        .filter(|c| c.kind == CheckKind::OtherRoute)
        .collect();
    assert_eq!(other_routes.len(), 2, "{other_routes:#?}");
    // Both are the other-API near miss, one per route, denied.
    assert!(other_routes.iter().all(|c| !c.expected_allow
        && c.passed
        && c.context.iter().any(|(_, v)| v.contains("zzzzzzzzzz"))));
}

#[test]
fn a_sam_policy_template_need_gets_no_action_the_template_lacks() {
    // SAM's DynamoDBReadPolicy grants no ConditionCheckItem; the curated
    // `read` level has it. The design keeps inside the template.
    let text = format!(
        "{TEMPLATE}  ReadArchive:\n    Type: AWS::Serverless::Function\n    Properties:\n      Policies: [{{DynamoDBReadPolicy: {{TableName: !Ref Archive}}}}]\n"
    );
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let role = roles.iter().find(|r| r.function == "ReadArchive").unwrap();
    let on_archive: Vec<&str> = role
        .permissions
        .iter()
        .filter(|p| p.resource.ends_with("table/Archive"))
        .map(|p| p.action.as_str())
        .collect();
    assert_eq!(
        on_archive,
        [
            "dynamodb:BatchGetItem",
            "dynamodb:GetItem",
            "dynamodb:Query"
        ]
    );
    assert!(role.verified());
}

#[test]
fn an_administrative_action_listed_inline_is_a_need_not_a_near_miss() {
    // From serverless-patterns' systems-manager-automation-to-lambda:
    // the template lists `DynamoDB:UpdateTable` (any case) on its table.
    let text = format!(
        "{TEMPLATE}{}",
        concat!(
            "  Resize:\n",
            "    Type: AWS::Serverless::Function\n",
            "    Properties:\n",
            "      Policies:\n",
            "        - Statement:\n",
            "            - Effect: Allow\n",
            "              Action: ['DynamoDB:UpdateTable', 'DynamoDB:PutItem']\n",
            "              Resource: arn:aws:dynamodb:us-west-2:111122223333:table/Orders\n",
        )
    );
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let role = roles.iter().find(|r| r.function == "Resize").unwrap();
    assert!(
        role.permissions
            .iter()
            .any(|p| p.action.eq_ignore_ascii_case("dynamodb:UpdateTable"))
    );
    let failed: Vec<&Check> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // Other administrative actions stay near misses.
    assert!(
        role.verification
            .iter()
            .any(|c| c.action == "dynamodb:DeleteTable" && !c.allowed)
    );
}

fn roles() -> Vec<RoleDesign> {
    let template = leash_iac::read_template(TEMPLATE).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    design(&app).unwrap()
}

fn grants(role: &RoleDesign) -> Vec<(String, String)> {
    role.permissions
        .iter()
        .map(|p| (p.action.clone(), p.resource.clone()))
        .collect()
}

#[test]
fn every_check_passes_and_the_linter_is_silent() {
    for role in roles() {
        let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
        assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
        assert!(
            role.verification
                .iter()
                .any(|c| c.kind == CheckKind::OtherLogGroup)
        );
    }
}

#[test]
fn read_with_index_scopes_query_to_the_table_indexes() {
    let role = &roles()[0];
    let grants = grants(role);
    let table = "arn:aws:dynamodb:us-west-2:111122223333:table/Orders";
    assert!(grants.contains(&("dynamodb:GetItem".into(), table.into())));
    assert!(grants.contains(&("dynamodb:Query".into(), format!("{table}/index/*"))));
    assert!(
        !grants
            .iter()
            .any(|(a, _)| a == "dynamodb:Scan" || a.contains('*'))
    );
    // Its own log group only.
    assert!(grants.contains(&(
        "logs:PutLogEvents".into(),
        "arn:aws:logs:us-west-2:111122223333:log-group:/aws/lambda/list-orders:*".into()
    )));
    // DeleteTable and the other table are checked and denied.
    let denied = |action: &str, resource: &str| {
        role.verification
            .iter()
            .any(|c| c.action == action && c.resource == resource && !c.allowed && c.passed)
    };
    assert!(denied("dynamodb:DeleteTable", table));
    assert!(denied(
        "dynamodb:GetItem",
        "arn:aws:dynamodb:us-west-2:111122223333:table/Archive"
    ));
}

#[test]
fn bucket_read_with_prefix_conditions_list_bucket() {
    let role = &roles()[1];
    let list = role
        .permissions
        .iter()
        .find(|p| p.action == "s3:ListBucket")
        .unwrap();
    assert_eq!(list.resource, "arn:aws:s3:::acme-orders-receipts");
    assert_eq!(
        list.condition,
        Some((
            "StringLike".into(),
            "s3:prefix".into(),
            vec!["receipts/*".into()]
        ))
    );
    let get = role
        .permissions
        .iter()
        .find(|p| p.action == "s3:GetObject")
        .unwrap();
    assert_eq!(get.resource, "arn:aws:s3:::acme-orders-receipts/receipts/*");
}

#[test]
fn api_routes_get_lambda_permissions_scoped_to_method_and_path() {
    let role = &roles()[1];
    let permission = &role.lambda_permissions[0];
    assert_eq!(
        permission.source_arn,
        "arn:aws:execute-api:us-west-2:111122223333:${ServerlessRestApi}/Prod/POST/orders/*/receipt"
    );
    assert_eq!(permission.source_account, "111122223333");
    let route_checks: Vec<_> = role
        .verification
        .iter()
        .filter(|c| c.action == "lambda:InvokeFunction")
        .collect();
    assert_eq!(route_checks.len(), 3);
    assert!(route_checks.iter().all(|c| c.passed), "{route_checks:#?}");
}

#[test]
fn queues_streams_topics_and_functions_verify() {
    let text = r#"
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      StreamSpecification: {StreamViewType: NEW_IMAGE}
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Other: {Type: AWS::SQS::Queue, Properties: {QueueName: other}}
  Events: {Type: AWS::SNS::Topic, Properties: {TopicName: events}}
  Notify:
    Type: AWS::Serverless::Function
    Properties: {FunctionName: notify}
  Worker:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Events, access: publish}
          - {resource: Notify, access: invoke}
          - {resource: Other, access: publish}
    Properties:
      FunctionName: worker
      Events:
        Work: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
        Changes: {Type: DynamoDB, Properties: {Stream: !GetAtt Orders.StreamArn}}
"#;
    let template = leash_iac::read_template(text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let worker = roles.iter().find(|r| r.function_name == "worker").unwrap();
    let failed: Vec<_> = worker.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(
        worker.lint_findings.is_empty(),
        "{:?}",
        worker.lint_findings
    );
    let grants = grants(worker);
    for expected in [
        ("sns:Publish", "arn:aws:sns:us-west-2:111122223333:events"),
        (
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-west-2:111122223333:function:notify",
        ),
        (
            "sqs:ReceiveMessage",
            "arn:aws:sqs:us-west-2:111122223333:jobs",
        ),
        (
            "sqs:SendMessage",
            "arn:aws:sqs:us-west-2:111122223333:other",
        ),
        (
            "dynamodb:GetRecords",
            "arn:aws:dynamodb:us-west-2:111122223333:table/Orders/stream/*",
        ),
    ] {
        assert!(
            grants.contains(&(expected.0.into(), expected.1.into())),
            "{expected:?} in {grants:#?}"
        );
    }
    // Consuming the stream grants nothing on the table itself.
    assert!(
        !grants
            .iter()
            .any(|(_, r)| r == "arn:aws:dynamodb:us-west-2:111122223333:table/Orders")
    );
    // The SQS poller may not send to the queue it consumes.
    assert!(!grants.contains(&(
        "sqs:SendMessage".into(),
        "arn:aws:sqs:us-west-2:111122223333:jobs".into()
    )));
    // Notify has no needs: logs only.
    let notify = roles.iter().find(|r| r.function_name == "notify").unwrap();
    assert!(
        notify
            .permissions
            .iter()
            .all(|p| p.action.starts_with("logs:"))
    );
    assert!(notify.verified());
}

#[test]
fn declared_actions_are_granted_exactly_and_verify() {
    let text = TEMPLATE
        .replace(
            "needs: [{resource: Orders, access: read, index: true}]",
            "needs: [{resource: Orders, actions: [dynamodb:GetItem]}]",
        )
        .replace(
            "needs: [{resource: Receipts, access: read, prefix: receipts/}]",
            "needs: [{resource: Receipts, actions: [s3:GetObject, s3:ListBucket, s3:GetBucketLocation], prefix: receipts/}]",
        );
    let template = leash_iac::read_template(&text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    for role in &roles {
        let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
        assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
    }
    let table = "arn:aws:dynamodb:us-west-2:111122223333:table/Orders";
    let get_only: Vec<(String, String)> = grants(&roles[0])
        .into_iter()
        .filter(|(a, _)| !a.starts_with("logs:"))
        .collect();
    assert_eq!(
        get_only,
        vec![("dynamodb:GetItem".to_string(), table.to_string())]
    );
    // The other read actions are checked and denied.
    for action in [
        "dynamodb:BatchGetItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:Query",
    ] {
        assert!(
            roles[0]
                .verification
                .iter()
                .any(|c| c.action == action && c.resource == table && !c.allowed && c.passed),
            "{action}"
        );
    }
    let bucket = &roles[1];
    let list = bucket
        .permissions
        .iter()
        .find(|p| p.action == "s3:ListBucket")
        .unwrap();
    assert_eq!(
        list.condition,
        Some((
            "StringLike".into(),
            "s3:prefix".into(),
            vec!["receipts/*".into()]
        ))
    );
    let location = bucket
        .permissions
        .iter()
        .find(|p| p.action == "s3:GetBucketLocation")
        .unwrap();
    assert_eq!(location.resource, "arn:aws:s3:::acme-orders-receipts");
    assert_eq!(location.condition, None);
    assert!(location.reference.contains("lists"));
}

const KINDS: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Key: {Type: AWS::KMS::Key, Properties: {}}
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      SSESpecification: {SSEEnabled: true, SSEType: KMS, KMSMasterKeyId: !Ref Key}
  Plain: {Type: AWS::DynamoDB::Table, Properties: {TableName: Plain, SSESpecification: {SSEEnabled: true}}}
  Receipts:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: acme-receipts
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: !GetAtt Key.Arn}
  Clicks: {Type: AWS::Kinesis::Stream, Properties: {Name: clicks, ShardCount: 1}}
  Audit: {Type: AWS::Kinesis::Stream, Properties: {Name: audit, ShardCount: 1}}
  Flow: {Type: AWS::Serverless::StateMachine, Properties: {Name: order-flow}}
  OtherFlow: {Type: AWS::StepFunctions::StateMachine, Properties: {StateMachineName: other-flow}}
  ApiKey: {Type: AWS::SecretsManager::Secret, Properties: {Name: api-key}}
  Setting: {Type: AWS::SSM::Parameter, Properties: {Name: /orders/setting, Type: String, Value: x}}
  AppLogs: {Type: AWS::Logs::LogGroup, Properties: {LogGroupName: app-logs}}
  Bus: {Type: AWS::Events::EventBus, Properties: {Name: orders-bus}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: orders-topic}}
  Worker:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Audit, access: publish}
          - {resource: Flow, access: invoke}
          - {resource: ApiKey, access: read}
          - {resource: Setting, access: read}
          - {resource: AppLogs, access: write}
          - {resource: Bus, access: publish}
          - {resource: Key, access: read}
    Properties:
      FunctionName: worker
      Events:
        Clicks: {Type: Kinesis, Properties: {Stream: !GetAtt Clicks.Arn, StartingPosition: LATEST}}
        Upload: {Type: S3, Properties: {Bucket: !Ref Receipts, Events: 's3:ObjectCreated:*'}}
        Nightly: {Type: Schedule, Properties: {Schedule: rate(1 day)}}
        OnOrder: {Type: EventBridgeRule, Properties: {RuleName: on-order, EventBusName: !Ref Bus, Pattern: {source: [orders]}}}
        Notice: {Type: SNS, Properties: {Topic: !Ref Topic}}
        Later: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 day)}}
"#;

#[test]
fn streams_state_machines_secrets_parameters_log_groups_buses_and_keys() {
    let template = leash_iac::read_template(KINDS).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let kind = |id: &str| app.resource(id).unwrap().kind;
    assert_eq!(kind("Clicks"), ResourceKind::Stream);
    assert_eq!(kind("Flow"), ResourceKind::StateMachine);
    assert_eq!(kind("OtherFlow"), ResourceKind::StateMachine);
    assert_eq!(app.resource("OtherFlow").unwrap().name, "other-flow");
    assert_eq!(kind("ApiKey"), ResourceKind::Secret);
    assert_eq!(kind("Setting"), ResourceKind::Parameter);
    assert_eq!(kind("AppLogs"), ResourceKind::LogGroup);
    assert_eq!(kind("Bus"), ResourceKind::EventBus);
    assert_eq!(kind("Key"), ResourceKind::Key);
    // Customer managed keys of the table and the bucket; none for the
    // AWS managed default.
    for id in ["Orders", "Receipts"] {
        let key = app.resource(id).unwrap().encryption_key.clone().unwrap();
        assert_eq!(key.resource.as_deref(), Some("Key"), "{id}");
    }
    assert_eq!(app.resource("Plain").unwrap().encryption_key, None);

    let roles = design(&app).unwrap();
    // The state machines are principals too, each with its own role.
    let role = roles
        .iter()
        .find(|r| r.kind == crate::model::PrincipalKind::Function)
        .unwrap();
    let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(role.lint_findings.is_empty(), "{:?}", role.lint_findings);
    let grants = grants(role);
    let arn = |rest: &str| format!("arn:aws:{rest}");
    for (action, resource) in [
        (
            "kinesis:PutRecords",
            arn("kinesis:us-west-2:111122223333:stream/audit"),
        ),
        (
            "kinesis:GetRecords",
            arn("kinesis:us-west-2:111122223333:stream/clicks"),
        ),
        (
            "kinesis:ListShards",
            arn("kinesis:us-west-2:111122223333:stream/clicks"),
        ),
        (
            "states:StartExecution",
            arn("states:us-west-2:111122223333:stateMachine:order-flow"),
        ),
        (
            "secretsmanager:GetSecretValue",
            arn("secretsmanager:us-west-2:111122223333:secret:api-key-??????"),
        ),
        (
            "ssm:GetParameter",
            arn("ssm:us-west-2:111122223333:parameter/orders/setting"),
        ),
        (
            "logs:PutLogEvents",
            arn("logs:us-west-2:111122223333:log-group:app-logs:*"),
        ),
        (
            "events:PutEvents",
            arn("events:us-west-2:111122223333:event-bus/orders-bus"),
        ),
        (
            "kms:Decrypt",
            arn(&format!(
                "kms:us-west-2:111122223333:key/{}",
                app.resource("Key").unwrap().name
            )),
        ),
    ] {
        assert!(
            grants.contains(&(action.to_string(), resource.clone())),
            "{action} on {resource} in {grants:#?}"
        );
    }
    // The consumer may not write to the stream it reads.
    assert!(
        !grants
            .iter()
            .any(|(a, r)| a == "kinesis:PutRecord" && r.ends_with("/clicks"))
    );
    // Near misses on every new kind: administrative actions, the other
    // state machine, a secret whose name extends the granted one.
    let denied = |action: &str, resource: &str| {
        role.verification
            .iter()
            .any(|c| c.action == action && c.resource == resource && !c.allowed && c.passed)
    };
    let key_arn = arn(&format!(
        "kms:us-west-2:111122223333:key/{}",
        app.resource("Key").unwrap().name
    ));
    for (action, resource) in [
        (
            "kinesis:DeleteStream",
            arn("kinesis:us-west-2:111122223333:stream/audit"),
        ),
        (
            "kinesis:PutRecord",
            arn("kinesis:us-west-2:111122223333:stream/clicks"),
        ),
        (
            "states:DeleteStateMachine",
            arn("states:us-west-2:111122223333:stateMachine:order-flow"),
        ),
        (
            "states:StartExecution",
            arn("states:us-west-2:111122223333:stateMachine:other-flow"),
        ),
        (
            "secretsmanager:PutSecretValue",
            arn("secretsmanager:us-west-2:111122223333:secret:api-key-??????"),
        ),
        (
            "secretsmanager:GetSecretValue",
            arn("secretsmanager:us-west-2:111122223333:secret:api-key-archive-AbCdEf"),
        ),
        (
            "ssm:PutParameter",
            arn("ssm:us-west-2:111122223333:parameter/orders/setting"),
        ),
        (
            "logs:DeleteLogStream",
            arn("logs:us-west-2:111122223333:log-group:app-logs:*"),
        ),
        (
            "events:PutEvents",
            arn("events:us-west-2:111122223333:event-bus/orders-bus-archive"),
        ),
        ("kms:ScheduleKeyDeletion", key_arn.clone()),
        ("kms:Encrypt", key_arn.clone()),
    ] {
        assert!(
            denied(action, &resource),
            "{action} on {resource}: {:#?}",
            role.verification
        );
    }
    // Allowed on a concrete secret: the six random characters.
    assert!(role.verification.iter().any(|c| c.kind == CheckKind::Need
        && c.resource == arn("secretsmanager:us-west-2:111122223333:secret:api-key-AbCdEf")
        && c.allowed));
}

#[test]
fn s3_sns_and_eventbridge_events_get_lambda_permissions() {
    let template = leash_iac::read_template(KINDS).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let worker = app
        .functions
        .iter()
        .find(|f| f.kind == crate::model::PrincipalKind::Function)
        .unwrap();
    // A `ScheduleV2` event runs with the schedule's own role: a schedule
    // principal of its own, not the function's (docs/design.md,
    // "EventBridge principals", SAM events).
    assert!(
        !worker.ignored.iter().any(|i| i.contains("`Later`")),
        "{:?}",
        worker.ignored
    );
    assert!(
        app.functions
            .iter()
            .any(|f| f.kind == crate::model::PrincipalKind::Schedule
                && f.sam_event
                    .as_ref()
                    .is_some_and(|e| e.event == "Later" && e.resource == worker.logical_id)),
        "{:?}",
        app.functions
    );
    let roles = design(&app).unwrap();
    let worker_role = roles
        .iter()
        .find(|r| r.kind == crate::model::PrincipalKind::Function)
        .unwrap();
    let sources: Vec<(&str, &str, &str)> = worker_role
        .lambda_permissions
        .iter()
        .map(|p| {
            (
                p.event.as_str(),
                p.principal.as_str(),
                p.source_arn.as_str(),
            )
        })
        .collect();
    assert_eq!(
        sources,
        vec![
            ("Upload", "s3.amazonaws.com", "arn:aws:s3:::acme-receipts"),
            ("Nightly", "events.amazonaws.com", "${WorkerNightly.Arn}"),
            (
                "OnOrder",
                "events.amazonaws.com",
                "arn:aws:events:us-west-2:111122223333:rule/orders-bus/on-order"
            ),
            (
                "Notice",
                "sns.amazonaws.com",
                "arn:aws:sns:us-west-2:111122223333:orders-topic"
            ),
        ]
    );
    assert!(
        worker_role
            .lambda_permissions
            .iter()
            .all(|p| p.source_account == "111122223333")
    );
    // Each: the source allowed, a look-alike source and another account denied.
    let invoke: Vec<&Check> = worker_role
        .verification
        .iter()
        .filter(|c| c.action == "lambda:InvokeFunction")
        .collect();
    assert_eq!(invoke.len(), 12);
    assert_eq!(invoke.iter().filter(|c| c.expected_allow).count(), 4);
    assert_eq!(
        invoke
            .iter()
            .filter(|c| c.kind == CheckKind::OtherSource)
            .count(),
        8
    );
    assert!(invoke.iter().all(|c| c.passed), "{invoke:#?}");
    assert!(invoke.iter().any(|c| {
        c.context
            .contains(&("aws:SourceAccount".to_string(), "444455556666".to_string()))
            && !c.allowed
    }));
}

#[test]
fn look_alike_names_extend_the_name() {
    assert_eq!(
        look_alike("arn:aws:dynamodb:r:a:table/Orders/index/*"),
        "arn:aws:dynamodb:r:a:table/Orders-archive/index/example"
    );
    assert_eq!(
        look_alike("arn:aws:s3:::b/p/*"),
        "arn:aws:s3:::b-archive/p/example"
    );
    assert_eq!(look_alike("arn:aws:s3:::b"), "arn:aws:s3:::b-archive");
}

/// A queue, a topic and a stream encrypted with a customer managed key:
/// the producer gets `kms:GenerateDataKey` and `kms:Decrypt`, the
/// consumer `kms:Decrypt` only, each through the service alone
/// (`kms:ViaService`); a queue on the AWS managed key (`alias/aws/sqs`)
/// needs no grant. SQS:
/// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
/// SNS: https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
/// Kinesis: https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
#[test]
fn encrypted_queues_topics_and_streams_get_their_key() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash: {account: '111122223333', region: us-west-2}
Resources:
  Key: {Type: AWS::KMS::Key, Properties: {}}
  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs, KmsMasterKeyId: !Ref Key}}
  Plain: {Type: AWS::SQS::Queue, Properties: {QueueName: plain, KmsMasterKeyId: alias/aws/sqs}}
  Notices: {Type: AWS::SNS::Topic, Properties: {TopicName: notices, KmsMasterKeyId: !GetAtt Key.Arn}}
  Clicks:
    Type: AWS::Kinesis::Stream
    Properties: {Name: clicks, ShardCount: 1, StreamEncryption: {EncryptionType: KMS, KeyId: !GetAtt Key.Arn}}
  Producer:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Jobs, access: publish}
          - {resource: Plain, access: publish}
          - {resource: Notices, access: publish}
          - {resource: Clicks, access: publish}
    Properties: {FunctionName: producer}
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: consumer
      Events:
        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}
"#;
    let template = leash_iac::read_template(text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    for id in ["Jobs", "Notices", "Clicks"] {
        let key = app.resource(id).unwrap().encryption_key.clone().unwrap();
        assert_eq!(key.resource.as_deref(), Some("Key"), "{id}");
    }
    // The AWS managed key, by alias: read, but never granted.
    let plain = app
        .resource("Plain")
        .unwrap()
        .encryption_key
        .clone()
        .unwrap();
    assert_eq!(plain.resource, None);
    let roles = design(&app).unwrap();
    assert!(
        roles
            .iter()
            .all(|r| r.permissions.iter().all(|p| !p.resource.contains("alias/")))
    );
    let key_arn = format!(
        "arn:aws:kms:us-west-2:111122223333:key/{}",
        app.resource("Key").unwrap().name
    );
    let key_actions = |role: &RoleDesign| -> Vec<String> {
        let mut actions: Vec<String> = role
            .permissions
            .iter()
            .filter(|p| p.resource == key_arn)
            .map(|p| p.action.clone())
            .collect();
        actions.sort();
        actions.dedup();
        actions
    };
    for role in &roles {
        let failed: Vec<_> = role.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", role.role_name);
    }
    let (producer, consumer) = (&roles[0], &roles[1]);
    assert_eq!(
        key_actions(producer),
        ["kms:Decrypt", "kms:GenerateDataKey"]
    );
    assert_eq!(key_actions(consumer), ["kms:Decrypt"]);
    // Each use of the key is allowed only through the service whose data
    // it protects, and checked so by the engine.
    let via = |role: &RoleDesign, service: &str| {
        role.verification.iter().any(|c| {
            c.kind == CheckKind::Need
                && c.resource == key_arn
                && c.allowed
                && c.passed
                && c.context.iter().any(|(k, v)| {
                    k == "kms:ViaService" && v == &format!("{service}.us-west-2.amazonaws.com")
                })
        })
    };
    for service in ["sqs", "sns", "kinesis"] {
        assert!(via(producer, service), "{service}");
    }
    assert!(via(consumer, "sqs"));
    assert!(!via(consumer, "sns"));
}

/// Lambda's own needs for the event sources it polls in a cluster: MSK
/// (the cluster, its brokers on `*`, the client certificate's secret),
/// self-managed Kafka (its secrets, the network interfaces in its VPC, the
/// secrets' key) and DocumentDB (the cluster, its parameter and subnet
/// groups, the secret), each limited to what SAM's statements and the MSK
/// poller policy grant, and allowed by the design, on ARNs the template
/// writes out beside its symbolic account.
/// https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
/// https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-permissions.html
/// https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html
#[test]
fn kafka_msk_and_documentdb_event_sources_keep_what_lambda_needs() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      FunctionName: worker
      Events:
        Kafka:
          Type: SelfManagedKafka
          Properties:
            KafkaBootstrapServers: [b-1.example.com:9092]
            Topics: [orders]
            SecretsManagerKmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
            SourceAccessConfigurations:
              - {Type: SASL_SCRAM_512_AUTH, URI: !Sub 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:kafka-AbCdEf'}
              - {Type: VPC_SUBNET, URI: subnet:subnet-1}
              - {Type: VPC_SECURITY_GROUP, URI: security_group:sg-1}
        Docs:
          Type: DocumentDB
          Properties:
            Cluster: arn:aws:rds:us-east-1:111122223333:cluster:docs
            DatabaseName: db
            SourceAccessConfigurations:
              - {Type: BASIC_AUTH, URI: !Sub 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:docdb-AbCdEf'}
        Msk:
          Type: MSK
          Properties:
            Stream: arn:aws:kafka:us-east-1:111122223333:cluster/c/abc
            StartingPosition: LATEST
            Topics: [orders]
            SourceAccessConfigurations:
              - {Type: CLIENT_CERTIFICATE_TLS_AUTH, URI: !Sub 'arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cert-AbCdEf'}
"#;
    let template = leash_iac::read_template(text).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let show = |text: &str| app.symbols.display(text);
    let needs: Vec<(String, String)> = app.functions[0]
        .lambda_needs
        .iter()
        .flat_map(|n| n.actions.iter().map(|a| (a.clone(), show(&n.resource))))
        .collect();
    for (action, resource) in [
        (
            "kafka:DescribeClusterV2",
            "arn:aws:kafka:us-east-1:111122223333:cluster/c/abc",
        ),
        ("kafka:GetBootstrapBrokers", "*"),
        (
            "rds:DescribeDBClusters",
            "arn:aws:rds:us-east-1:111122223333:cluster:docs",
        ),
        (
            "rds:DescribeDBSubnetGroups",
            "arn:aws:rds:${AWS::Region}:${AWS::AccountId}:subgrp:*",
        ),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:cert-AbCdEf",
        ),
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:kafka-AbCdEf",
        ),
        (
            "kms:Decrypt",
            "arn:aws:kms:${AWS::Region}:${AWS::AccountId}:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
        ("ec2:DescribeVpcs", "*"),
    ] {
        assert!(
            needs.contains(&(action.to_string(), resource.to_string())),
            "{action} on {resource} in {needs:#?}"
        );
    }
    let roles = design(&app).unwrap();
    let failed: Vec<_> = roles[0].verification.iter().filter(|c| !c.passed).collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // The DocumentDB cluster's groups are not named by the event: the
    // account's groups, a wildcard the design chose and says why, so its
    // own lint does not fail the design on it (L106).
    assert!(
        roles[0].lint_findings.is_empty(),
        "{:?}",
        roles[0].lint_findings
    );
    assert!(roles[0].permissions.iter().any(|p| {
        p.action == "rds:DescribeDBSubnetGroups"
            && p.needs
                .iter()
                .any(|why| why.contains("not its subnet group: every subnet group of the account"))
    }));
    // The cluster's brokers are read through the cluster only: another
    // cluster's description is a near miss.
    assert!(
        roles[0]
            .verification
            .iter()
            .any(|c| c.action == "kafka:DescribeClusterV2"
                && c.resource != "arn:aws:kafka:us-east-1:111122223333:cluster/c/abc"
                && !c.allowed
                && c.passed)
    );
}
