//! The KMS actions a use of an encrypted table, bucket, queue, topic or
//! stream implies, and the
//! customer managed key's ARN.

use super::*;

/// The KMS actions a need on an encrypted table or bucket needs.
/// - DynamoDB decrypts the table key with the caller's permission for its
///   item operations, reads and writes alike, and for stream reads.
///   https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html
/// - S3: a download decrypts (`kms:Decrypt`); an upload generates a data key
///   (`kms:GenerateDataKey`) and a multipart upload also decrypts.
///   https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html
///
/// - SQS: a producer needs `kms:GenerateDataKey` and `kms:Decrypt`, a
///   consumer `kms:Decrypt`.
///   https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html
/// - SNS: a publisher needs `kms:GenerateDataKey` and `kms:Decrypt`.
///   https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html
/// - Kinesis: a producer needs `kms:GenerateDataKey`, a consumer
///   `kms:Decrypt`.
///   https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html
///
/// A delete uses no key.
pub(super) fn kms_actions(kind: ResourceKind, need: &Need) -> Vec<(&'static str, &'static str)> {
    const DYNAMODB: &str =
        "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html";
    const S3: &str =
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html";
    const SQS: &str = "https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html";
    const SNS: &str = "https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html";
    const KINESIS: &str =
        "https://docs.aws.amazon.com/streams/latest/dev/permissions-user-key-KMS.html";
    let actions = crate::options::need_actions(need, kind);
    let any = |names: &[&str]| actions.iter().any(|a| names.contains(&a.as_str()));
    match kind {
        ResourceKind::Table => {
            let uses_data = actions.iter().any(|a| {
                !matches!(
                    a.as_str(),
                    "dynamodb:DescribeTable" | "dynamodb:DescribeStream" | "dynamodb:ListStreams"
                )
            });
            if uses_data {
                vec![("kms:Decrypt", DYNAMODB)]
            } else {
                Vec::new()
            }
        }
        ResourceKind::Bucket => {
            let mut out = Vec::new();
            let uploads = any(&["s3:PutObject"]);
            if uploads || any(&["s3:GetObject", "s3:GetObjectVersion"]) {
                out.push(("kms:Decrypt", S3));
            }
            if uploads {
                out.push(("kms:GenerateDataKey", S3));
            }
            out
        }
        // SQS: a producer generates a data key and decrypts it; a
        // consumer (a poller too) decrypts.
        ResourceKind::Queue => {
            let mut out = Vec::new();
            let sends = any(&["sqs:SendMessage"]);
            if sends || any(&["sqs:ReceiveMessage"]) {
                out.push(("kms:Decrypt", SQS));
            }
            if sends {
                out.push(("kms:GenerateDataKey", SQS));
            }
            out
        }
        // SNS: a publisher to an encrypted topic needs both.
        ResourceKind::Topic if any(&["sns:Publish"]) => {
            vec![("kms:Decrypt", SNS), ("kms:GenerateDataKey", SNS)]
        }
        // Kinesis: a producer generates data keys, a consumer decrypts.
        ResourceKind::Stream => {
            let mut out = Vec::new();
            if any(&["kinesis:GetRecords", "kinesis:SubscribeToShard"]) {
                out.push(("kms:Decrypt", KINESIS));
            }
            if any(&["kinesis:PutRecord", "kinesis:PutRecords"]) {
                out.push(("kms:GenerateDataKey", KINESIS));
            }
            out
        }
        _ => Vec::new(),
    }
}

/// The ARN of the customer managed key a resource is encrypted with, when
/// the template names it as a key ARN or key id: written out, or the
/// template's own `AWS::KMS::Key` by `Ref` (its id, known only at
/// deployment: a symbol, `key/${Key}`). An alias, or a parameter that may
/// hold an alias, an id or an ARN, cannot be named in a policy as a key.
pub(super) fn customer_key_arn(app: &Application, resource: &AppResource) -> Option<String> {
    let encryption = resource.encryption_key.as_ref()?;
    let key = &encryption.key;
    if crate::options::is_key_arn(key) {
        return Some(key.clone());
    }
    let id_like = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let template_key =
        encryption.resource.is_some() && leash_policy::symbol::single_symbol(key).is_some();
    (id_like || template_key)
        .then(|| format!("arn:aws:kms:{}:{}:key/{key}", app.region, app.account))
}
