//! One CloudTrail record as an IAM request: who (the principal's ARN,
//! from `userIdentity`), what (the IAM action, from `eventSource` and
//! `eventName`), on what (`resources[].ARN`), when, and whether it failed
//! or was denied.
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>

use serde_json::Value;

/// A record, read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub principal: String,
    /// IAM actions the call needed (most calls: one).
    pub actions: Vec<String>,
    /// Whether the actions were mapped from the catalog (else they are
    /// `prefix:eventName`, which the catalog does not know).
    pub mapped: bool,
    /// `resources[].ARN`, empty when the record names none.
    pub resources: Vec<String>,
    pub time: String,
    pub error: Option<String>,
    /// `eventCategory` (`Management`, `Data`, `Insight`, ...), when given.
    pub category: Option<String>,
}

/// Whose call a record is: the ARN of the IAM principal whose policies
/// decided it. An assumed-role session is its role
/// (`sessionContext.sessionIssuer.arn`), not the session; a user or root
/// its `arn`. Calls by AWS services (`AWSService`) and anonymous or
/// unknown callers have no IAM principal of the account: `None`.
/// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>
pub fn principal_of(identity: &Value) -> Option<String> {
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
    match identity.get("type").and_then(Value::as_str)? {
        "AssumedRole" => text(
            identity
                .get("sessionContext")
                .and_then(|c| c.get("sessionIssuer"))
                .and_then(|i| i.get("arn")),
        ),
        "IAMUser" | "Root" | "FederatedUser" | "IdentityCenterUser" | "Role" => {
            text(identity.get("arn"))
        }
        _ => None,
    }
}

/// The IAM prefix of an `eventSource` whose host is not the prefix.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
fn prefix_of(source: &str) -> &str {
    let host = source.strip_suffix(".amazonaws.com").unwrap_or(source);
    match host {
        "monitoring" => "cloudwatch",
        "email" => "ses",
        other => other,
    }
}

/// The IAM actions behind `eventSource` + `eventName`: `prefix:eventName`
/// when the catalog knows it, else the documented cases where they differ
/// (S3 operations authorized by another action; Lambda's event names,
/// which carry an API version); `None` when neither applies.
pub fn action_of(source: &str, name: &str) -> Option<Vec<String>> {
    let prefix = prefix_of(source);
    let catalog = leash_catalog::catalog();
    let one = |action: &str| Some(vec![format!("{prefix}:{action}")]);
    // S3: https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html,
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html,
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html,
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions,
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html,
    // https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html
    if prefix == "s3" {
        match name {
            "HeadObject" => return one("GetObject"),
            "ListObjects" | "ListObjectsV2" | "HeadBucket" => return one("ListBucket"),
            "ListObjectVersions" => return one("ListBucketVersions"),
            "CreateMultipartUpload" | "UploadPart" | "CompleteMultipartUpload" => {
                return one("PutObject");
            }
            "UploadPartCopy" | "CopyObject" => {
                return Some(vec!["s3:PutObject".into(), "s3:GetObject".into()]);
            }
            "DeleteObjects" => return one("DeleteObject"),
            _ => {}
        }
    }
    // Lambda: `Invoke` is `lambda:InvokeFunction`; other event names end
    // in the API version (`GetFunction20150331v2`).
    // https://docs.aws.amazon.com/lambda/latest/dg/logging-using-cloudtrail.html
    if prefix == "lambda" {
        if name == "Invoke" {
            return one("InvokeFunction");
        }
        let trimmed = (0..name.len())
            .find(|&i| {
                name.get(i..i + 8)
                    .is_some_and(|date| date.bytes().all(|b| b.is_ascii_digit()))
            })
            .map_or(name, |i| &name[..i]);
        if catalog.action(&format!("lambda:{trimmed}")).is_some() {
            return one(trimmed);
        }
    }
    let action = format!("{prefix}:{name}");
    catalog
        .action(&action)
        .map(|found| vec![format!("{prefix}:{}", found.name())])
}

/// Whether an `errorCode` is an authorization failure.
/// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>
pub fn is_denial(code: &str) -> bool {
    code.contains("AccessDenied")
        || code.contains("UnauthorizedOperation")
        || code == "Unauthorized"
}

/// Reads one record; `None` when it has no IAM principal of an account
/// (a service's own call, an anonymous one) or no event source and name.
pub fn read_event(record: &Value) -> Option<Event> {
    let principal = principal_of(record.get("userIdentity")?)?;
    let source = record.get("eventSource")?.as_str()?;
    let name = record.get("eventName")?.as_str()?;
    let (actions, mapped) = match action_of(source, name) {
        Some(actions) => (actions, true),
        None => (vec![format!("{}:{name}", prefix_of(source))], false),
    };
    let resources = record
        .get("resources")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|r| r.get("ARN").and_then(Value::as_str).map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Some(Event {
        principal,
        actions,
        mapped,
        resources,
        time: record
            .get("eventTime")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        error: record
            .get("errorCode")
            .and_then(Value::as_str)
            .map(str::to_string),
        category: record
            .get("eventCategory")
            .and_then(Value::as_str)
            .map(str::to_string),
    })
}
