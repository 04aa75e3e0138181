//! The KMS actions a use of an encrypted table or bucket implies, and the
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
/// A delete uses no key.
pub(super) fn kms_actions(kind: ResourceKind, need: &Need) -> Vec<(&'static str, &'static str)> {
    const DYNAMODB: &str =
        "https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html";
    const S3: &str =
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingKMSEncryption.html";
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
        _ => Vec::new(),
    }
}

/// The ARN of the customer managed key a table or bucket is encrypted
/// with, when the template names it as a key ARN or key id (an alias, or a
/// key whose id only deployment knows, cannot be named in a policy yet).
pub(super) fn customer_key_arn(app: &Application, resource: &AppResource) -> Option<String> {
    let key = &resource.encryption_key.as_ref()?.key;
    if crate::options::is_key_arn(key) {
        return Some(key.clone());
    }
    let id_like = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    id_like.then(|| format!("arn:aws:kms:{}:{}:key/{key}", app.region, app.account))
}
