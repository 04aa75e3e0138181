//! Turning an operation and its arguments into a [`RawCall`].

use crate::sdk::{Operation, actions_of};
use crate::value::{RawCall, Site, Sym};

/// The input members naming a call's resource, most specific first.
const TARGET_MEMBERS: &[&str] = &[
    "TableName",
    "Bucket",
    "QueueUrl",
    "TopicArn",
    "TargetArn",
    "FunctionName",
    "StateMachineArn",
    "ExecutionArn",
    "SecretId",
    "StreamName",
    "StreamARN",
    "DeliveryStreamName",
    "KeyId",
    "EventBusName",
    "UserPoolId",
    "Name",
    "logGroupName",
    "LogGroupName",
    "CollectionId",
    "EndpointName",
    "WorkGroup",
    "ScheduleName",
    "ApplicationIdentifier",
    "modelId",
    "ResourceArn",
    "RoleArn",
];

/// Whether any of the operation's actions can be limited to a resource
/// (the catalog lists a resource type for it), and whether one must be.
fn takes_resource(operation: &Operation) -> (bool, bool) {
    let mut any = false;
    let mut required = false;
    for action in actions_of(operation) {
        if let Some(action) = leash_catalog::catalog().action(&action) {
            any |= !action.resource_types().is_empty();
            required |= action.resource_types().iter().any(|r| r.required());
        }
    }
    (any, required)
}

/// The call of `operation` at `site`, its resource named by `argument`
/// (the value given for an input member, `None` when not given).
pub fn call(site: Site, operation: &Operation, argument: &dyn Fn(&str) -> Option<Sym>) -> RawCall {
    // The first resource member the call gives (`sns.publish` takes
    // `TopicArn` or `TargetArn`).
    // `sts:AssumeRole` acts on the role it assumes, which botocore's model
    // does not mark
    // (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html).
    let extra: &[&str] = match (operation.service, operation.name) {
        ("sts", "AssumeRole") => &["RoleArn"],
        _ => &[],
    };
    let given = TARGET_MEMBERS
        .iter()
        .filter_map(|m| {
            operation
                .resource_members
                .iter()
                .chain(extra)
                .find(|member| member.eq_ignore_ascii_case(m))
        })
        .find_map(|m| argument(m));
    // An action whose resource types are all optional (`translate:TranslateText`
    // with or without a terminology) acts on `*` unless the call names one.
    // `events:PutEvents` acts on the bus of its entries; an entry without
    // `EventBusName` goes to the account's default bus
    // (https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEventsRequestEntry.html).
    if operation.service == "events" && operation.name == "PutEvents" {
        return RawCall {
            site,
            service: operation.service.to_string(),
            operation: operation.name.to_string(),
            object_level: false,
            target: Some(argument("Entries.EventBusName").unwrap_or(Sym::Unknown)),
            own_credentials: false,
        };
    }
    let (any, required) = takes_resource(operation);
    let target = if !any {
        None
    } else {
        match given {
            Some(value) => Some(value),
            None if required => Some(Sym::Unknown),
            None => None,
        }
    };
    RawCall {
        site,
        service: operation.service.to_string(),
        operation: operation.name.to_string(),
        object_level: operation.service == "s3" && operation.resource_members.contains(&"Key"),
        target,
        own_credentials: false,
    }
}
