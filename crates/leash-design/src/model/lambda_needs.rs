//! What Lambda itself does with the function's execution role, whatever
//! the function's code does: create network interfaces in the function's
//! VPC, send traces to X-Ray, send failed events to the dead-letter queue.
//! Lambda checks some of these when the function is created or updated,
//! so a design that drops them breaks the deployment, not only the code.
//!
//! Each need is scoped as narrowly as the service allows and cites the
//! page that lists it. `original::limit_lambda_needs` then keeps only
//! what the template's own IAM grants the function (the design never
//! widens the template).
//!
//! Not for: the needs of the function's code (`declared`, `template_iam`,
//! `connectors`), event sources (`events`), or logs (`design`).

use leash_iac::Resource;
use leash_policy::Value;

use super::{Function, LambdaNeed};

/// Lambda's VPC guide: the execution role lets Lambda create and manage
/// the function's network interfaces.
const VPC_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions";
const XRAY_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html";
const DLQ_REFERENCE: &str = "https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html#invocation-dlq";

/// Reads the function's Lambda needs from its (Globals-merged) properties.
pub(super) fn read_lambda_needs(
    resource: &Resource,
    resolve: &dyn Fn(&Value) -> Value,
    (account, region): (&str, &str),
    function: &mut Function,
) {
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
                });
            }
        }
    }
}
