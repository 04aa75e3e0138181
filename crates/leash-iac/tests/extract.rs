//! Extraction from a small SAM template, checking that positions point
//! into the YAML file exactly.
#![allow(clippy::unwrap_used)]

use leash_iac::{
    EmbeddedPolicy, PolicyKind, PolicyOrigin, ResolveContext, extract_managed_policy_references,
    extract_policies, extract_policies_with, read_template,
};
use leash_policy::parse::parse_policy;
use leash_policy::{LineIndex, Span, Value};

const ORDERS: &str = include_str!("fixtures/orders.yaml");

fn text_at(span: Span) -> &'static str {
    &ORDERS[span.start..span.end]
}

fn line_col(span: Span) -> (usize, usize) {
    LineIndex::new(ORDERS).line_col(ORDERS, span.start)
}

fn policy<'a>(policies: &'a [EmbeddedPolicy], resource: &str, path: &str) -> &'a EmbeddedPolicy {
    policies
        .iter()
        .find(|p| p.resource_id == resource && p.path == path)
        .unwrap_or_else(|| panic!("no policy {resource} {path}"))
}

fn statement(policy: &EmbeddedPolicy) -> &Value {
    &policy
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0]
}

#[test]
fn every_policy_parses_without_errors() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    for policy in &policies {
        let parsed = parse_policy(&policy.document);
        assert!(
            !parsed.has_errors(),
            "{} {}: {:?}",
            policy.resource_id,
            policy.path,
            parsed.diagnostics
        );
    }
    let kinds: Vec<_> = policies
        .iter()
        .map(|p| (p.resource_id.as_str(), p.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("OrdersTable", PolicyKind::Resource),
            ("CreateOrder", PolicyKind::Trust),
            ("CreateOrder", PolicyKind::Identity),
            ("CreateOrder", PolicyKind::Identity),
            ("UploadsPolicy", PolicyKind::Resource),
            ("ReportRole", PolicyKind::Trust),
            ("ReportRole", PolicyKind::Identity),
            ("ApiInvoke", PolicyKind::Resource),
        ]
    );
}

#[test]
fn inline_statement_action_points_into_the_yaml_after_non_ascii_text() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    let inline = policy(&policies, "CreateOrder", "Properties.Policies[1]");
    let action = statement(inline).get("Action").unwrap();
    assert_eq!(action.as_str(), Some("s3:GetObject"));
    assert_eq!(text_at(action.span), "s3:GetObject");
    assert_eq!(line_col(action.span), (35, 23));
    // `${Uploads.Arn}` resolved from the bucket's name; span of the `!Sub`.
    let resource = statement(inline).get("Resource").unwrap();
    assert_eq!(
        template.symbols.display(resource.as_str().unwrap()),
        "arn:${AWS::Partition}:s3:::orders-uploads/*"
    );
    assert_eq!(text_at(resource.span), "!Sub '${Uploads.Arn}/*'");
    assert_eq!(inline.attached_roles, ["CreateOrderRole"]);
    assert_eq!(inline.attached_functions, ["CreateOrder"]);
}

#[test]
fn sam_policy_template_is_expanded_with_the_parameter_span() {
    let template = read_template(ORDERS).unwrap();
    let context = ResolveContext {
        account: Some("111122223333".into()),
        region: Some("eu-central-1".into()),
        partition: None,
        // Extraction with the values of one deployment; symbols are
        // tested in `resolve` and through the linter.
        unknowns: leash_iac::Unknowns::Wildcards,
        parameter_defaults: Default::default(),
        ..Default::default()
    };
    let policies = extract_policies_with(&template, &context);
    let crud = policy(
        &policies,
        "CreateOrder",
        "Properties.Policies[0].DynamoDBCrudPolicy",
    );
    assert_eq!(
        crud.origin,
        PolicyOrigin::SamPolicyTemplate {
            name: "DynamoDBCrudPolicy".into()
        }
    );
    let resources: Vec<_> = statement(crud)
        .get("Resource")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert_eq!(
        resources,
        [
            "arn:aws:dynamodb:eu-central-1:111122223333:table/orders-prod",
            "arn:aws:dynamodb:eu-central-1:111122223333:table/orders-prod/index/*",
        ]
    );
    // The statements point at the template entry that names the policy template.
    let action = &statement(crud).get("Action").unwrap().as_array().unwrap()[0];
    assert_eq!(text_at(action.span), "DynamoDBCrudPolicy");
    assert_eq!(line_col(action.span), (31, 11));
    assert!(crud.unresolved.is_empty(), "{:?}", crud.unresolved);
}

#[test]
fn sam_generated_role_trust_and_implicit_managed_policies() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    let trust = policy(&policies, "CreateOrder", "Role.AssumeRolePolicyDocument");
    assert_eq!(trust.origin, PolicyOrigin::SamGeneratedTrust);
    assert_eq!(text_at(trust.span), "CreateOrder");
    let service = statement(trust)
        .get("Principal")
        .unwrap()
        .get("Service")
        .unwrap();
    assert_eq!(
        service.as_array().unwrap()[0].as_str(),
        Some("lambda.amazonaws.com")
    );

    let references = extract_managed_policy_references(&template);
    let arns: Vec<_> = references
        .iter()
        .filter(|r| r.resource_id == "CreateOrder")
        .map(|r| (r.arn.as_str().unwrap(), r.implicit))
        .collect();
    assert_eq!(
        arns,
        [
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                true
            ),
            // Tracing: Active comes from Globals.
            ("arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess", true),
            ("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess", false),
        ]
    );
    let role_reference = references
        .iter()
        .find(|r| r.resource_id == "ReportRole")
        .unwrap();
    assert_eq!(role_reference.attached_functions, ["Report"]);
}

/// SAM's transform (1.115.0, `data/sam-implicit-managed-policies.json`)
/// attaches the X-Ray policy for any `Tracing` but `Disabled`, replaces
/// `AWSLambdaBasicExecutionRole` with the durable one for `DurableConfig`,
/// adds `AWSLambdaMSKExecutionRole` for an MSK event and none for an MQ
/// event (an inline policy on the broker instead), and traces a state
/// machine with `Tracing.Enabled`.
#[test]
fn implicit_managed_policies_follow_sams_transform() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Tracing: PassThrough
      DurableConfig: {ExecutionTimeout: 60}
      Events:
        Kafka:
          Type: MSK
          Properties: {Stream: arn:aws:kafka:us-east-1:111122223333:cluster/c/1, StartingPosition: LATEST, Topics: [t]}
        Broker:
          Type: MQ
          Properties: {Broker: arn:aws:mq:us-east-1:111122223333:broker:b:b-1, Queues: [q]}
  Untraced:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Tracing: Disabled}
  Machine:
    Type: AWS::Serverless::StateMachine
    Properties:
      Tracing: {Enabled: true}
"#;
    let template = read_template(text).unwrap();
    let references = extract_managed_policy_references(&template);
    let of = |id: &str| -> Vec<(&str, &str)> {
        references
            .iter()
            .filter(|r| r.resource_id == id)
            .map(|r| (r.arn.as_str().unwrap(), r.path.as_str()))
            .collect()
    };
    assert_eq!(
        of("Consumer"),
        [
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicDurableExecutionRolePolicy",
                "Properties.DurableConfig"
            ),
            (
                "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
                "Properties.Tracing"
            ),
            (
                "arn:aws:iam::aws:policy/service-role/AWSLambdaMSKExecutionRole",
                "Properties.Events.Kafka"
            ),
        ]
    );
    assert_eq!(
        of("Untraced"),
        [(
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
            "Role.ManagedPolicyArns"
        )]
    );
    assert_eq!(
        of("Machine"),
        [(
            "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess",
            "Properties.Tracing"
        )]
    );
}

#[test]
fn role_policies_resolve_conditions_with_parameter_defaults() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    let read = policy(
        &policies,
        "ReportRole",
        "Properties.Policies[0].PolicyDocument",
    );
    assert_eq!(read.attached_roles, ["ReportRole"]);
    assert_eq!(read.attached_functions, ["Report"]);
    let resources: Vec<_> = statement(read)
        .get("Resource")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| template.symbols.display(r.as_str().unwrap()))
        .collect();
    // IsProd holds with the default Stage, so the index ARN is kept.
    assert_eq!(
        resources,
        [
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders-prod",
            "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/orders-prod/index/*"
        ]
    );
    let action = &statement(read).get("Action").unwrap().as_array().unwrap()[1];
    assert_eq!(text_at(action.span), "dynamodb:GetItem");
    assert_eq!(line_col(action.span), (72, 42));
    // An unquoted `Version: 2012-10-17` is a string in YAML 1.2.
    let trust = policy(
        &policies,
        "ReportRole",
        "Properties.AssumeRolePolicyDocument",
    );
    assert_eq!(
        trust.document.get("Version").unwrap().as_str(),
        Some("2012-10-17")
    );
}

#[test]
fn bucket_policy_keeps_yaml_kinds_but_stringifies_sid() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    let bucket = policy(&policies, "UploadsPolicy", "Properties.PolicyDocument");
    assert_eq!(bucket.target_resources, ["Uploads"]);
    let statement = statement(bucket);
    assert_eq!(statement.get("Sid").unwrap().as_str(), Some("1"));
    let secure = statement
        .get("Condition")
        .unwrap()
        .get("Bool")
        .unwrap()
        .get("aws:SecureTransport")
        .unwrap();
    assert_eq!(secure.kind, leash_policy::ValueKind::Bool(false));
    let resources = statement.get("Resource").unwrap().as_array().unwrap();
    assert_eq!(
        template.symbols.display(resources[0].as_str().unwrap()),
        "arn:${AWS::Partition}:s3:::orders-uploads"
    );
    assert_eq!(text_at(resources[0].span), "!GetAtt Uploads.Arn");
}

/// `AWS::Lambda::Permission` becomes the statement Lambda stores in the
/// function's policy:
/// https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
#[test]
fn lambda_permission_becomes_a_resource_policy_statement() {
    let template = read_template(ORDERS).unwrap();
    let context = ResolveContext {
        account: Some("111122223333".into()),
        region: Some("eu-central-1".into()),
        partition: None,
        // Extraction with the values of one deployment; symbols are
        // tested in `resolve` and through the linter.
        unknowns: leash_iac::Unknowns::Wildcards,
        parameter_defaults: Default::default(),
        ..Default::default()
    };
    let policies = extract_policies_with(&template, &context);
    let permission = policy(&policies, "ApiInvoke", "Properties");
    assert_eq!(permission.origin, PolicyOrigin::LambdaPermission);
    assert_eq!(permission.attached_functions, ["CreateOrder"]);
    let statement = statement(permission);
    assert_eq!(
        statement
            .get("Principal")
            .unwrap()
            .get("Service")
            .unwrap()
            .as_str(),
        Some("apigateway.amazonaws.com")
    );
    assert_eq!(
        statement.get("Resource").unwrap().as_str(),
        Some("arn:aws:lambda:eu-central-1:111122223333:function:create-order")
    );
    let condition = statement.get("Condition").unwrap();
    let source_arn = condition
        .get("ArnLike")
        .unwrap()
        .get("aws:SourceArn")
        .unwrap();
    assert_eq!(
        source_arn.as_str(),
        Some("arn:aws:execute-api:eu-central-1:111122223333:abc123/*/POST/orders")
    );
    assert!(text_at(source_arn.span).starts_with("!Sub 'arn:${AWS::Partition}:execute-api"));
    let source_account = condition
        .get("StringEquals")
        .unwrap()
        .get("aws:SourceAccount")
        .unwrap();
    assert_eq!(source_account.as_str(), Some("111122223333"));
    let action = statement.get("Action").unwrap();
    assert_eq!(text_at(action.span), "lambda:InvokeFunction");
    assert!(!parse_policy(&permission.document).has_errors());
}

#[test]
fn table_resource_policy_is_extracted() {
    let template = read_template(ORDERS).unwrap();
    let policies = extract_policies(&template);
    let table = policy(
        &policies,
        "OrdersTable",
        "Properties.ResourcePolicy.PolicyDocument",
    );
    assert_eq!(table.kind, PolicyKind::Resource);
    let action = statement(table).get("Action").unwrap();
    assert_eq!(line_col(action.span), (23, 23));
}

#[test]
fn json_templates_extract_with_json_spans() {
    let text = r#"{
  "Resources": {
    "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}},
    "QueuePolicy": {
      "Type": "AWS::SQS::QueuePolicy",
      "Properties": {
        "Queues": [{"Ref": "Queue"}],
        "PolicyDocument": {
          "Version": "2012-10-17",
          "Statement": [{
            "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": {"Fn::GetAtt": ["Queue", "Arn"]}
          }]
        }
      }
    }
  }
}"#;
    let template = read_template(text).unwrap();
    let policies = extract_policies(&template);
    assert_eq!(policies.len(), 1);
    let policy = &policies[0];
    assert_eq!(policy.kind, PolicyKind::Resource);
    assert_eq!(policy.target_resources, ["Queue"]);
    let statement = &policy
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0];
    let action = statement.get("Action").unwrap();
    assert_eq!(
        LineIndex::new(text).line_col(text, action.span.start),
        (13, 23)
    );
    let resource = statement.get("Resource").unwrap();
    assert_eq!(
        template.symbols.display(resource.as_str().unwrap()),
        "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:jobs"
    );
    assert_eq!(
        &text[resource.span.start..resource.span.end],
        r#"{"Fn::GetAtt": ["Queue", "Arn"]}"#
    );
    // Region and account are symbols: nothing was approximated.
    assert!(policy.unresolved.is_empty(), "{:?}", policy.unresolved);
}

/// `Fn::If` around list items: a condition the defaults decide picks its
/// branch; an unknown one gives both; `AWS::NoValue` drops the item.
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/intrinsic-function-reference-conditions.html
#[test]
fn conditional_policies_follow_the_list_rule() {
    let text = "\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Stage: {Type: String, Default: dev}
  Unknown: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
  IsUnknown: !Equals [!Ref Unknown, x]
Resources:
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
      Policies:
        - !If
          - IsProd
          - {PolicyName: prod, PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: s3:GetObject, Resource: '*'}]}}
          - !Ref AWS::NoValue
        - !If
          - IsUnknown
          - {PolicyName: a, PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: '*'}]}}
          - {PolicyName: b, PolicyDocument: {Version: '2012-10-17', Statement: [{Effect: Allow, Action: sns:Publish, Resource: '*'}]}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Policies:
        - !If [IsUnknown, AmazonS3ReadOnlyAccess, !Ref AWS::NoValue]
        - !If [IsProd, {Statement: [{Effect: Allow, Action: s3:PutObject, Resource: '*'}]}, {SQSPollerPolicy: {QueueName: q}}]
        - !Equals [a, b]
";
    let template = read_template(text).unwrap();
    let policies = extract_policies(&template);
    let role_paths: Vec<_> = policies
        .iter()
        .filter(|p| p.resource_id == "Role" && p.kind == PolicyKind::Identity)
        .map(|p| p.path.as_str())
        .collect();
    // IsProd is false with the default Stage; IsUnknown gives both branches.
    assert_eq!(
        role_paths,
        [
            "Properties.Policies[1].PolicyDocument",
            "Properties.Policies[1].PolicyDocument"
        ]
    );
    let function_paths: Vec<_> = policies
        .iter()
        .filter(|p| p.resource_id == "Fn" && p.kind == PolicyKind::Identity)
        .map(|p| p.path.as_str())
        .collect();
    assert_eq!(function_paths, ["Properties.Policies[1].SQSPollerPolicy"]);
    let references: Vec<_> = extract_managed_policy_references(&template)
        .into_iter()
        .filter(|r| r.resource_id == "Fn" && !r.implicit)
        .map(|r| r.path)
        .collect();
    // The managed policy of the unknown branch, and the malformed entry
    // (an `Fn::Equals` is not a policy) as an unknown reference.
    assert_eq!(
        references,
        ["Properties.Policies[0]", "Properties.Policies[2]"]
    );
}

/// `FunctionName` of a permission takes a name, a name with a version or
/// alias, a partial ARN or an ARN; the qualifier is kept, so the statement
/// is on the version or alias the template names, not on a function named
/// like the alias
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html#cfn-lambda-permission-functionname>).
#[test]
fn lambda_permission_function_names_keep_their_qualifier() {
    let resource_of = |function_name: &str| {
        let text = format!(
            "Resources:\n  Invoke:\n    Type: AWS::Lambda::Permission\n    Properties:\n      Action: lambda:InvokeFunction\n      Principal: sns.amazonaws.com\n      FunctionName: '{function_name}'\n"
        );
        let template = read_template(&text).unwrap();
        let context = ResolveContext {
            account: Some("111122223333".into()),
            region: Some("eu-central-1".into()),
            ..Default::default()
        };
        let policies = extract_policies_with(&template, &context);
        let permission = policy(&policies, "Invoke", "Properties");
        statement(permission)
            .get("Resource")
            .unwrap()
            .as_str()
            .unwrap()
            .to_string()
    };
    let arn = "arn:aws:lambda:eu-central-1:111122223333:function:";
    assert_eq!(resource_of("orders"), format!("{arn}orders"));
    assert_eq!(resource_of("orders:live"), format!("{arn}orders:live"));
    assert_eq!(
        resource_of("444455556666:function:orders"),
        format!("{arn}orders")
    );
    assert_eq!(
        resource_of("444455556666:function:orders:3"),
        format!("{arn}orders:3")
    );
    assert_eq!(
        resource_of("arn:aws:lambda:us-east-1:444455556666:function:orders"),
        "arn:aws:lambda:us-east-1:444455556666:function:orders"
    );
}

/// What SAM adds to the role it generates for a function's destinations
/// and pull events, as aws-sam-translator writes it: `sqs:SendMessage` on
/// the queue SAM creates for an `OnFailure` without `Destination`,
/// `lambda:InvokeFunction` on a given function, `sqs:SendMessage` on a
/// stream event's `OnFailure` queue with `Type: SQS`, and for an `MQ`
/// event `secretsmanager:GetSecretValue` on the `BASIC_AUTH` secret and
/// `mq:DescribeBroker` on the broker. A function with its own `Role` gets
/// none of them.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-onfailure.html>
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-mq.html>
#[test]
fn sam_destination_and_pull_event_statements() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Failed: {Type: AWS::SQS::Queue, Properties: {QueueName: failed}}
  Next: {Type: AWS::Serverless::Function, Properties: {Handler: a.b, Runtime: python3.12, CodeUri: s/, FunctionName: next}}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: Lambda, Destination: !GetAtt Next.Arn}
          OnFailure: {Type: SQS}
      Events:
        Stream:
          Type: Kinesis
          Properties:
            Stream: arn:aws:kinesis:us-east-1:111122223333:stream/s
            StartingPosition: LATEST
            DestinationConfig: {OnFailure: {Type: SQS, Destination: !GetAtt Failed.Arn}}
        Mq:
          Type: MQ
          Properties:
            Broker: arn:aws:mq:us-east-1:111122223333:broker:b:b-1
            Queues: [q]
            SourceAccessConfigurations:
              - {Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:111122223333:secret:mq-AbCdEf}
"#;
    let context = ResolveContext {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        partition: Some("aws".into()),
        ..Default::default()
    };
    let template = read_template(text).unwrap();
    let policies = extract_policies_with(&template, &context);
    let shown = |path: &str| {
        let policy = policy(&policies, "Worker", path);
        assert_eq!(policy.attached_roles, ["WorkerRole"]);
        let statements = policy
            .document
            .get("Statement")
            .unwrap()
            .as_array()
            .unwrap();
        statements
            .iter()
            .map(|s| {
                let action = s.get("Action").unwrap().as_str().unwrap().to_string();
                let resource = template
                    .symbols
                    .display(s.get("Resource").unwrap().as_str().unwrap());
                (action, resource)
            })
            .collect::<Vec<_>>()
    };
    let pair = |a: &str, r: &str| (a.to_string(), r.to_string());
    assert_eq!(
        shown("Properties.EventInvokeConfig.DestinationConfig.OnSuccess"),
        [pair(
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:111122223333:function:next"
        )]
    );
    assert_eq!(
        shown("Properties.EventInvokeConfig.DestinationConfig.OnFailure"),
        [pair(
            "sqs:SendMessage",
            "${WorkerEventInvokeConfigOnFailureQueue.Arn}"
        )]
    );
    assert_eq!(
        shown("Properties.Events.Stream"),
        [pair(
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:111122223333:failed"
        )]
    );
    assert_eq!(
        shown("Properties.Events.Mq"),
        [
            pair(
                "secretsmanager:GetSecretValue",
                "arn:aws:secretsmanager:us-east-1:111122223333:secret:mq-AbCdEf"
            ),
            pair(
                "mq:DescribeBroker",
                "arn:aws:mq:us-east-1:111122223333:broker:b:b-1"
            ),
        ]
    );
    assert!(
        policies
            .iter()
            .all(|p| p.origin != PolicyOrigin::SamEventSource || p.resource_id == "Worker")
    );
}

/// What SAM writes into the role it generates for Kafka and DocumentDB
/// event sources, as aws-sam-translator 1.110.0 transforms this template
/// (read off its output: `SelfManagedKafkaExecutionRolePolicy`,
/// `SamAutoGeneratedDocumentDBPolicy`, `MSKExecutionRolePolicy`).
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-selfmanagedkafka.html>
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-documentdb.html>
#[test]
fn sam_statements_of_kafka_and_documentdb_event_sources() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      Handler: a.b
      Runtime: python3.12
      CodeUri: s/
      Events:
        Kafka:
          Type: SelfManagedKafka
          Properties:
            KafkaBootstrapServers: [b-1.example.com:9092]
            Topics: [orders]
            SecretsManagerKmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
            SourceAccessConfigurations:
              - {Type: SASL_SCRAM_512_AUTH, URI: arn:aws:secretsmanager:us-east-1:111122223333:secret:kafka-AbCdEf}
              - {Type: VPC_SUBNET, URI: subnet:subnet-1}
              - {Type: VPC_SECURITY_GROUP, URI: security_group:sg-1}
        Docs:
          Type: DocumentDB
          Properties:
            Cluster: arn:aws:rds:us-east-1:111122223333:cluster:docs
            DatabaseName: db
            SourceAccessConfigurations:
              - {Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:111122223333:secret:docdb-AbCdEf}
        Msk:
          Type: MSK
          Properties:
            Stream: arn:aws:kafka:us-east-1:111122223333:cluster/c/abc
            StartingPosition: LATEST
            Topics: [orders]
            SourceAccessConfigurations:
              - {Type: CLIENT_CERTIFICATE_TLS_AUTH, URI: arn:aws:secretsmanager:us-east-1:111122223333:secret:cert-AbCdEf}
"#;
    let context = ResolveContext {
        account: Some("111122223333".into()),
        region: Some("us-east-1".into()),
        partition: Some("aws".into()),
        ..Default::default()
    };
    let template = read_template(text).unwrap();
    let policies = extract_policies_with(&template, &context);
    let shown = |path: &str| {
        let policy = policy(&policies, "Worker", path);
        assert_eq!(policy.attached_roles, ["WorkerRole"]);
        let mut pairs: Vec<(String, String)> = policy
            .document
            .get("Statement")
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s.get("Action").unwrap().as_str().unwrap().to_string(),
                    s.get("Resource").unwrap().as_str().unwrap().to_string(),
                )
            })
            .collect();
        pairs.sort();
        pairs
    };
    let pairs = |list: &[(&str, &str)]| {
        let mut pairs: Vec<(String, String)> = list
            .iter()
            .map(|(a, r)| (a.to_string(), r.to_string()))
            .collect();
        pairs.sort();
        pairs
    };
    let eni = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DeleteNetworkInterface",
        "ec2:DescribeVpcs",
        "ec2:DescribeSubnets",
        "ec2:DescribeSecurityGroups",
    ];
    let mut kafka = vec![
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:kafka-AbCdEf",
        ),
        (
            "kms:Decrypt",
            "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        ),
    ];
    kafka.extend(eni.iter().map(|a| (*a, "*")));
    assert_eq!(shown("Properties.Events.Kafka"), pairs(&kafka));
    let mut docs = vec![
        (
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:docdb-AbCdEf",
        ),
        (
            "rds:DescribeDBClusterParameters",
            "arn:aws:rds:us-east-1:111122223333:cluster-pg:*",
        ),
        (
            "rds:DescribeDBSubnetGroups",
            "arn:aws:rds:us-east-1:111122223333:subgrp:*",
        ),
        (
            "rds:DescribeDBClusters",
            "arn:aws:rds:us-east-1:111122223333:cluster:docs",
        ),
    ];
    docs.extend(eni.iter().map(|a| (*a, "*")));
    assert_eq!(shown("Properties.Events.Docs"), pairs(&docs));
    assert_eq!(
        shown("Properties.Events.Msk"),
        pairs(&[(
            "secretsmanager:GetSecretValue",
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:cert-AbCdEf",
        )])
    );
}
