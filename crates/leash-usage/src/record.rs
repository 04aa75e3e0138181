//! One CloudTrail record as an IAM request: who (the principal's ARN,
//! from `userIdentity`), what (the IAM action, from `eventSource` and
//! `eventName`), on what (`resources[].ARN`), when, and whether it failed
//! or was denied.
//! <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>

use std::borrow::Cow;

use serde::Deserialize;

/// The fields of a record leash reads (the rest is skipped unparsed).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Record<'a> {
    #[serde(borrow, default)]
    pub user_identity: Option<Identity<'a>>,
    #[serde(borrow, default)]
    pub event_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub event_source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub event_name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub error_code: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub event_category: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub resources: Option<Vec<ResourceRef<'a>>>,
}

/// `userIdentity`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity<'a> {
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub arn: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub session_context: Option<SessionContext<'a>>,
}

/// `userIdentity.sessionContext`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionContext<'a> {
    #[serde(borrow, default)]
    pub session_issuer: Option<SessionIssuer<'a>>,
}

/// `userIdentity.sessionContext.sessionIssuer`.
#[derive(Debug, Default, Deserialize)]
pub struct SessionIssuer<'a> {
    #[serde(borrow, default)]
    pub arn: Option<Cow<'a, str>>,
}

/// One of `resources`.
#[derive(Debug, Default, Deserialize)]
pub struct ResourceRef<'a> {
    #[serde(borrow, default, rename = "ARN")]
    pub arn: Option<Cow<'a, str>>,
    /// `type`: `AWS::S3::Object`, `AWS::S3::Bucket`, ...
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
}

/// A log file: `{"Records": [...]}`.
#[derive(Debug, Deserialize)]
pub struct LogFile<'a> {
    #[serde(borrow, rename = "Records")]
    pub records: Vec<Record<'a>>,
}

/// Whose call a record is: the ARN of the IAM principal whose policies
/// decided it. An assumed-role session is its role
/// (`sessionContext.sessionIssuer.arn`), not the session; a user or root
/// its `arn`. Calls by AWS services (`AWSService`) and anonymous or
/// unknown callers have no IAM principal of the account: `None`.
/// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-user-identity.html>
pub fn principal_of<'r>(identity: &'r Identity<'_>) -> Option<&'r str> {
    match identity.kind.as_deref()? {
        "AssumedRole" => identity
            .session_context
            .as_ref()?
            .session_issuer
            .as_ref()?
            .arn
            .as_deref(),
        "IAMUser" | "Root" | "FederatedUser" | "IdentityCenterUser" | "Role" => {
            identity.arn.as_deref()
        }
        _ => None,
    }
}

/// The IAM prefix of an `eventSource` whose host is not the prefix.
/// <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
pub fn prefix_of(source: &str) -> &str {
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
            // https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html
            "ListBuckets" => return one("ListAllMyBuckets"),
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
