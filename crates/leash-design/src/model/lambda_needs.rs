//! What Lambda itself does with the function's execution role, whatever
//! the function's code does: create network interfaces in the function's
//! VPC, send traces to X-Ray, send failed events to the dead-letter queue.
//! Lambda checks some of these when the function is created or updated,
//! so a design that drops them breaks the deployment, not only the code.
//!
//! Each need is scoped as narrowly as the service allows and cites the
//! page that lists it. `original::limit_lambda_needs` then keeps only
//! what the template's own IAM grants the function (the design never
//! widens the template). The destinations of asynchronous invocations
//! and of event sources, and the broker or cluster and credentials of an
//! Amazon MQ, MSK, self-managed Kafka or DocumentDB event source, are here
//! too: Lambda uses them with the role.
//!
//! Not for: the needs of the function's code (`declared`, `template_iam`,
//! `connectors`), event sources (`events`), or logs (`design`).

use leash_iac::{Resource, Template};
use leash_policy::Value;

use super::{Function, LambdaNeed, reference_target};

/// Lambda's VPC guide: the execution role lets Lambda create and manage
/// the function's network interfaces.
const VPC_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions";
const XRAY_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html";
const DLQ_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq";
const DESTINATION_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-async-destinations";
const ON_FAILURE_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html";
const MQ_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/with-mq.html#events-mq-permissions";
const MSK_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html";
const KAFKA_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-permissions.html";
const DOCUMENTDB_REFERENCE: &str =
    "https://docs.aws.amazon.com/lambda/latest/dg/with-documentdb.html#docdb-prereqs";

/// Reads the function's Lambda needs from its (Globals-merged) properties.
pub(super) fn read_lambda_needs(
    template: &Template,
    resource: &Resource,
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    function: &mut Function,
) {
    destinations(template, resource, resolve, function);
    broker_event_sources(resource, resolve, (account, region), function);
    let properties = &resource.properties;
    let is_sam = resource.resource_type.node == "AWS::Serverless::Function";

    // A function in a VPC. `ec2:DescribeNetworkInterfaces` (and
    // `ec2:DescribeSubnets`, a describe action without resource-level
    // permissions) only work on `*`; the guide's example scopes
    // `ec2:DeleteNetworkInterface` to every resource of the account and
    // region (a narrower ARN can leave Lambda unable to clean up and cut
    // the function off its VPC), and the create and IP-address actions
    // act on the same network interfaces, subnets and security groups.
    if properties
        .get("VpcConfig")
        .and_then(|c| c.get("SubnetIds"))
        .is_some()
    {
        let what =
            "Lambda managing the network interfaces of the function in its VPC (`VpcConfig`)";
        function.lambda_needs.push(LambdaNeed {
            why: what.to_string(),
            actions: vec![
                "ec2:DescribeNetworkInterfaces".into(),
                "ec2:DescribeSubnets".into(),
            ],
            resource: "*".into(),
            example: "*".into(),
            reference: VPC_REFERENCE.into(),
            unnamed: None,
            conditions: Vec::new(),
        });
        function.lambda_needs.push(LambdaNeed {
            why: what.to_string(),
            actions: vec![
                "ec2:AssignPrivateIpAddresses".into(),
                "ec2:CreateNetworkInterface".into(),
                "ec2:DeleteNetworkInterface".into(),
                "ec2:UnassignPrivateIpAddresses".into(),
            ],
            resource: format!("arn:aws:ec2:{region}:{account}:*/*"),
            example: format!("arn:aws:ec2:{region}:{account}:network-interface/eni-0example"),
            reference: VPC_REFERENCE.into(),
            unnamed: None,
            conditions: Vec::new(),
        });
    }

    // Active tracing: Lambda sends the invocation's segments with the
    // role; X-Ray's actions have no resource-level permissions. The
    // sampling rules are read by the X-Ray SDK in the function.
    let tracing = if is_sam {
        properties.get("Tracing").and_then(Value::as_str) == Some("Active")
    } else {
        properties
            .get("TracingConfig")
            .and_then(|c| c.get("Mode"))
            .and_then(Value::as_str)
            == Some("Active")
    };
    if tracing {
        function.lambda_needs.push(LambdaNeed {
            why: "Lambda sending the function's traces to X-Ray (active tracing)".into(),
            actions: vec![
                "xray:GetSamplingRules".into(),
                "xray:GetSamplingTargets".into(),
                "xray:PutTelemetryRecords".into(),
                "xray:PutTraceSegments".into(),
            ],
            resource: "*".into(),
            example: "*".into(),
            reference: XRAY_REFERENCE.into(),
            unnamed: None,
            conditions: Vec::new(),
        });
    }

    // The dead-letter queue or topic of asynchronous invocations: SAM's
    // `DeadLetterQueue` (`Type: SQS|SNS`, `TargetArn`) or Lambda's
    // `DeadLetterConfig.TargetArn`.
    let target = if is_sam {
        properties
            .get("DeadLetterQueue")
            .and_then(|q| q.get("TargetArn"))
    } else {
        properties
            .get("DeadLetterConfig")
            .and_then(|c| c.get("TargetArn"))
    };
    if let Some(target) = target {
        let resolved = resolve(target);
        if let Some(arn) = resolved.as_str() {
            let service = leash_catalog::arn::split_fields(arn).map(|fields| fields[2]);
            let action = match service {
                Some("sqs") => Some("sqs:SendMessage"),
                Some("sns") => Some("sns:Publish"),
                _ => None,
            };
            if let Some(action) = action {
                function.lambda_needs.push(LambdaNeed {
                    why: "Lambda sending failed asynchronous events to the function's dead-letter queue".into(),
                    actions: vec![action.into()],
                    resource: arn.to_string(),
                    example: arn.to_string(),
                    reference: DLQ_REFERENCE.into(),
                    unnamed: None,
                    conditions: Vec::new(),
                });
            }
        }
    }
}

/// The destinations Lambda sends records to with the function's role: of
/// asynchronous invocations (SAM's `EventInvokeConfig.DestinationConfig`,
/// an `AWS::Lambda::EventInvokeConfig` of the function: `OnSuccess`,
/// `OnFailure`) and of event sources (`DestinationConfig.OnFailure` of a
/// SAM pull event or an `AWS::Lambda::EventSourceMapping` of the
/// function). The action follows the destination's service: SQS
/// `sqs:SendMessage`, SNS `sns:Publish`, Lambda `lambda:InvokeFunction`,
/// EventBridge `events:PutEvents`, S3 `s3:PutObject` on its objects and
/// `s3:ListBucket`.
fn destinations(
    template: &Template,
    resource: &Resource,
    resolve: &dyn Fn(&Value) -> Value,
    function: &mut Function,
) {
    let id = resource.logical_id.node.as_str();
    // (what, destination, SAM's `Type` where given, page)
    let mut found: Vec<(String, Value, Option<&str>, &'static str)> = Vec::new();
    let invoke_config = resource
        .properties
        .get("EventInvokeConfig")
        .and_then(|c| c.get("DestinationConfig"));
    for event in ["OnSuccess", "OnFailure"] {
        let Some(config) = invoke_config.and_then(|c| c.get(event)) else {
            continue;
        };
        let kind = config.get("Type").and_then(Value::as_str);
        let destination = match (config.get("Destination"), kind) {
            (Some(destination), _) => destination.clone(),
            // SAM creates the queue or topic
            // (`<Function>EventInvokeConfig<Event><Queue|Topic>`).
            (None, Some(kind @ ("SQS" | "SNS"))) => {
                let created = format!(
                    "{id}EventInvokeConfig{event}{}",
                    if kind == "SQS" { "Queue" } else { "Topic" }
                );
                let attribute = if kind == "SQS" { "Arn" } else { "TopicArn" };
                get_att(&created, attribute, config.span)
            }
            _ => continue,
        };
        found.push((
            format!("asynchronous invocations' `{event}` destination"),
            destination,
            kind,
            DESTINATION_REFERENCE,
        ));
    }
    for event in resource
        .properties
        .get("Events")
        .and_then(Value::as_object)
        .unwrap_or(&[])
    {
        if let Some(destination) = event
            .value
            .get("Properties")
            .and_then(|p| p.get("DestinationConfig"))
            .and_then(|c| c.get("OnFailure"))
            .and_then(|d| d.get("Destination"))
        {
            found.push((
                format!("the `OnFailure` destination of event `{}`", event.key.node),
                destination.clone(),
                None,
                ON_FAILURE_REFERENCE,
            ));
        }
    }
    // Resources of the template that configure the function from outside.
    for other in &template.resources {
        let names_function = other
            .properties
            .get("FunctionName")
            .and_then(reference_target)
            .is_some_and(|target| target == id);
        if !names_function {
            continue;
        }
        let (events, reference): (&[&str], _) = match other.resource_type.node.as_str() {
            "AWS::Lambda::EventInvokeConfig" => {
                (&["OnSuccess", "OnFailure"], DESTINATION_REFERENCE)
            }
            "AWS::Lambda::EventSourceMapping" => (&["OnFailure"], ON_FAILURE_REFERENCE),
            _ => continue,
        };
        for event in events {
            if let Some(destination) = other
                .properties
                .get("DestinationConfig")
                .and_then(|c| c.get(event))
                .and_then(|d| d.get("Destination"))
            {
                found.push((
                    format!("the `{event}` destination of `{}`", other.logical_id.node),
                    destination.clone(),
                    None,
                    reference,
                ));
            }
        }
    }
    for (what, destination, kind, reference) in found {
        let resolved = resolve(&destination);
        let Some(arn) = resolved.as_str() else {
            continue;
        };
        // SAM's `Type` where given, else the ARN's service.
        let service = match kind {
            Some("SQS") => Some("sqs"),
            Some("SNS") => Some("sns"),
            Some("Lambda") => Some("lambda"),
            Some("EventBridge") => Some("events"),
            Some("S3" | "S3Bucket") => Some("s3"),
            _ => leash_catalog::arn::split_fields(arn).map(|fields| fields[2]),
        };
        let why = format!("Lambda sending records to {what}");
        let mut need = |actions: &[&str], resource: String, example: String| {
            function.lambda_needs.push(lambda_need(
                &why,
                actions,
                (resource, example),
                reference,
                None,
            ));
        };
        match service {
            Some("sqs") => need(&["sqs:SendMessage"], arn.into(), arn.into()),
            Some("sns") => need(&["sns:Publish"], arn.into(), arn.into()),
            Some("lambda") => need(&["lambda:InvokeFunction"], arn.into(), arn.into()),
            Some("events") => need(&["events:PutEvents"], arn.into(), arn.into()),
            Some("s3") => {
                need(
                    &["s3:PutObject"],
                    format!("{arn}/*"),
                    format!("{arn}/example-record"),
                );
                need(&["s3:ListBucket"], arn.into(), arn.into());
            }
            _ => {}
        }
    }
}

/// An event source Lambda polls in a broker or cluster: Amazon MQ, Amazon
/// MSK, self-managed Kafka, Amazon DocumentDB. Lambda reads the broker or
/// cluster and its credentials with the function's role, and reaches it
/// through network interfaces in its VPC: the describe actions work only
/// on `*`, the create and delete ones are scoped as for a function in a
/// VPC. Each kind's page lists what it needs:
/// - MQ: `mq:DescribeBroker` on the broker, the `BASIC_AUTH` secret;
/// - MSK: `kafka:DescribeClusterV2` and `kafka:GetBootstrapBrokers` on
///   the cluster, the SASL/SCRAM or client certificate secret;
/// - self-managed Kafka: the authentication and root CA secrets, the
///   network interfaces only when it names a subnet and a security group;
/// - DocumentDB: `rds:DescribeDBClusters` on the cluster,
///   `rds:DescribeDBClusterParameters` and `rds:DescribeDBSubnetGroups`,
///   the `BASIC_AUTH` secret;
/// - each with `SecretsManagerKmsKeyId`: `kms:Decrypt` on that key.
fn broker_event_sources(
    resource: &Resource,
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    function: &mut Function,
) {
    for event in resource
        .properties
        .get("Events")
        .and_then(Value::as_object)
        .unwrap_or(&[])
    {
        let kind = event
            .value
            .get("Type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let (service, reference) = match kind {
            "MQ" => ("Amazon MQ broker", MQ_REFERENCE),
            "MSK" => ("Amazon MSK cluster", MSK_REFERENCE),
            "SelfManagedKafka" => ("self-managed Kafka cluster", KAFKA_REFERENCE),
            "DocumentDB" => ("Amazon DocumentDB cluster", DOCUMENTDB_REFERENCE),
            _ => continue,
        };
        let Some(properties) = event.value.get("Properties") else {
            continue;
        };
        let why = format!("Lambda polling the {service} of event `{}`", event.key.node);
        // An ARN, or one value known only at deployment (a placeholder
        // such as `<your_secret_arn>` is left as the template writes it).
        let text = |value: &Value| {
            resolve(value)
                .as_str()
                .filter(|text| {
                    text.starts_with("arn:") || leash_policy::symbol::single_symbol(text).is_some()
                })
                .map(str::to_string)
        };
        let mut need =
            |actions: &[&str], resource: String, example: String, unnamed: Option<String>| {
                function.lambda_needs.push(lambda_need(
                    &why,
                    actions,
                    (resource, example),
                    reference,
                    unnamed,
                ));
            };
        let access = |types: &[&str]| -> Vec<String> {
            properties
                .get("SourceAccessConfigurations")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .filter(|c| {
                    c.get("Type")
                        .and_then(Value::as_str)
                        .is_some_and(|t| types.contains(&t))
                })
                .filter_map(|c| c.get("URI"))
                .filter_map(text)
                .collect()
        };
        let has_access = |kind: &str| {
            properties
                .get("SourceAccessConfigurations")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .any(|c| c.get("Type").and_then(Value::as_str) == Some(kind))
        };
        let (secrets, cluster, in_vpc) = match kind {
            "MQ" => {
                if let Some(broker) = properties.get("Broker").and_then(text) {
                    need(&["mq:DescribeBroker"], broker.clone(), broker, None);
                }
                (access(&["BASIC_AUTH"]), None, true)
            }
            "MSK" => (
                access(&["SASL_SCRAM_512_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH"]),
                properties.get("Stream").and_then(text),
                true,
            ),
            "SelfManagedKafka" => (
                access(&[
                    "SASL_SCRAM_256_AUTH",
                    "SASL_SCRAM_512_AUTH",
                    "BASIC_AUTH",
                    "CLIENT_CERTIFICATE_TLS_AUTH",
                    "SERVER_ROOT_CA_CERTIFICATE",
                ]),
                None,
                has_access("VPC_SUBNET") && has_access("VPC_SECURITY_GROUP"),
            ),
            _ => (
                access(&["BASIC_AUTH"]),
                properties.get("Cluster").and_then(text),
                true,
            ),
        };
        match (kind, cluster) {
            ("MSK", Some(cluster)) => {
                need(&["kafka:DescribeClusterV2"], cluster.clone(), cluster, None);
                // No resource-level permissions (the service authorization
                // reference): on `*`.
                need(&["kafka:GetBootstrapBrokers"], "*".into(), "*".into(), None);
            }
            ("DocumentDB", Some(cluster)) => {
                need(&["rds:DescribeDBClusters"], cluster.clone(), cluster, None);
                // The event names the cluster, not its groups: Lambda reads
                // the cluster's parameter group and subnet group, whatever
                // they are called, so the account's groups (a deliberate
                // wildcard, reported as such).
                for (action, kind, what, example) in [
                    (
                        "rds:DescribeDBClusterParameters",
                        "cluster-pg",
                        "cluster parameter group",
                        "default.docdb5.0",
                    ),
                    (
                        "rds:DescribeDBSubnetGroups",
                        "subgrp",
                        "subnet group",
                        "default",
                    ),
                ] {
                    need(
                        &[action],
                        format!("arn:aws:rds:{region}:{account}:{kind}:*"),
                        format!("arn:aws:rds:{region}:{account}:{kind}:{example}"),
                        Some(format!(
                            "the event names the cluster, not its {what}: every {what} of the account"
                        )),
                    );
                }
            }
            _ => {}
        }
        for secret in secrets {
            need(
                &["secretsmanager:GetSecretValue"],
                secret.clone(),
                secret,
                None,
            );
        }
        if kind != "MSK"
            && let Some(key) = properties.get("SecretsManagerKmsKeyId")
            && let Some(id) = resolve(key).as_str()
        {
            let arn = if id.starts_with("arn:") {
                id.to_string()
            } else {
                format!("arn:aws:kms:{region}:{account}:key/{id}")
            };
            need(&["kms:Decrypt"], arn.clone(), arn, None);
        }
        if in_vpc {
            need(
                &[
                    "ec2:DescribeNetworkInterfaces",
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                "*".into(),
                "*".into(),
                None,
            );
            need(
                &["ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"],
                format!("arn:aws:ec2:{region}:{account}:*/*"),
                format!("arn:aws:ec2:{region}:{account}:network-interface/eni-0example"),
                None,
            );
        }
    }
}

/// `{"Fn::GetAtt": [id, attribute]}`.
/// A Lambda need: `actions` on `resource` (`example` inside it, for the
/// verification), for `why`, as `reference` lists it.
fn lambda_need(
    why: &str,
    actions: &[&str],
    (resource, example): (String, String),
    reference: &str,
    unnamed: Option<String>,
) -> LambdaNeed {
    LambdaNeed {
        why: why.to_string(),
        actions: actions.iter().map(|a| (*a).to_string()).collect(),
        resource,
        example,
        reference: reference.to_string(),
        unnamed,
        conditions: Vec::new(),
    }
}

fn get_att(id: &str, attribute: &str, span: leash_policy::Span) -> Value {
    use leash_policy::{Member, Spanned, ValueKind};
    let text = |t: &str| Value::new(ValueKind::String(t.to_string()), span);
    Value::new(
        ValueKind::Object(vec![Member {
            key: Spanned::new("Fn::GetAtt".to_string(), span),
            value: Value::new(ValueKind::Array(vec![text(id), text(attribute)]), span),
        }]),
        span,
    )
}
