//! The managed policies SAM attaches to the roles it generates, per
//! feature, from SAM's own transform.
//!
//! For: `extract` adding them to a function's or state machine's generated
//! role (an `AWS::Serverless::Function` or `StateMachine` without `Role`),
//! each at the property that causes it. Not for: their documents (those
//! are in `leash_catalog::aws_managed_policy`).
//!
//! The data is `data/sam-implicit-managed-policies.json`, written by
//! `scripts/gen-sam-policy-templates/run.sh`, which runs the transform of
//! the `aws-sam-translator` release [`crate::sam_policy_templates`]'s
//! `DATA_VERSION` names on one probe template per feature. SAM documents
//! the same list at
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies>:
//! every generated function role gets `AWSLambdaBasicExecutionRole`
//! (`AWSLambdaBasicDurableExecutionRolePolicy` instead with
//! `DurableConfig`), `Tracing` other than `Disabled` adds the X-Ray policy
//! of the partition, `VpcConfig` adds `AWSLambdaVPCAccessExecutionRole`,
//! and the SQS, Kinesis, DynamoDB and MSK event sources each add their
//! poller policy (MQ, self-managed Kafka and DocumentDB get an inline
//! policy on their own broker or cluster instead, no managed policy).

use std::sync::OnceLock;

use leash_policy::Value;
use leash_policy::json::parse_json;

const DATA: &str = include_str!("../data/sam-implicit-managed-policies.json");

fn data() -> &'static Value {
    static DATA_VALUE: OnceLock<Value> = OnceLock::new();
    DATA_VALUE.get_or_init(|| {
        // Generated and committed; this module's tests catch a bad file.
        parse_json(DATA)
            .unwrap_or_else(|_| Value::new(leash_policy::ValueKind::Null, Default::default()))
    })
}

fn names(value: Option<&'static Value>) -> Vec<&'static str> {
    value
        .and_then(Value::as_array)
        .unwrap_or(&[])
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// What a generated role gets for `resource` (`Function` or
/// `StateMachine`) whatever its properties; with `durable` (a function's
/// `DurableConfig`), what replaces it.
pub fn role_policies(resource: &str, durable: bool) -> Vec<&'static str> {
    let section = data().get(resource);
    let key = if durable { "DurableConfig" } else { "Role" };
    names(section.and_then(|s| s.get(key)))
}

/// What `Tracing` (other than `Disabled`) adds in `partition`.
pub fn tracing_policies(resource: &str, partition: &str) -> Vec<&'static str> {
    let tracing = data().get(resource).and_then(|s| s.get("Tracing"));
    names(tracing.and_then(|t| t.get(partition).or_else(|| t.get("aws"))))
}

/// What a function's `VpcConfig` adds.
pub fn vpc_policies() -> Vec<&'static str> {
    names(data().get("Function").and_then(|f| f.get("VpcConfig")))
}

/// What a function's event source of type `event_type` (`SQS`, `Kinesis`,
/// ...) adds; empty for one that adds none or that SAM does not poll for.
pub fn event_policies(event_type: &str) -> Vec<&'static str> {
    names(
        data()
            .get("Function")
            .and_then(|f| f.get("Events"))
            .and_then(|e| e.get(event_type)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values of the 1.115.0 transform, as SAM's documentation lists them
    /// (see the module docs).
    #[test]
    fn the_transform_data_reads() {
        assert_eq!(
            role_policies("Function", false),
            ["service-role/AWSLambdaBasicExecutionRole"]
        );
        assert_eq!(
            role_policies("Function", true),
            ["service-role/AWSLambdaBasicDurableExecutionRolePolicy"]
        );
        assert!(role_policies("StateMachine", false).is_empty());
        assert_eq!(
            tracing_policies("Function", "aws"),
            ["AWSXrayWriteOnlyAccess"]
        );
        assert_eq!(
            tracing_policies("StateMachine", "aws-cn"),
            ["AWSXRayDaemonWriteAccess"]
        );
        assert_eq!(
            vpc_policies(),
            ["service-role/AWSLambdaVPCAccessExecutionRole"]
        );
        for (event, policy) in [
            ("SQS", "service-role/AWSLambdaSQSQueueExecutionRole"),
            ("Kinesis", "service-role/AWSLambdaKinesisExecutionRole"),
            ("DynamoDB", "service-role/AWSLambdaDynamoDBExecutionRole"),
            ("MSK", "service-role/AWSLambdaMSKExecutionRole"),
        ] {
            assert_eq!(event_policies(event), [policy]);
        }
        assert!(event_policies("MQ").is_empty());
        assert!(event_policies("Api").is_empty());
    }
}
