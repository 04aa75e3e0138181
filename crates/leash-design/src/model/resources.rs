//! The template's resources that functions may use, as the model's
//! `AppResource`s: kind, name (or the logical id CloudFormation names it
//! from), indexes, keys, KMS key, bucket policy options.
//!
//! Not for: what a function needs of them (`declared`, `template_iam`,
//! `connectors`, `events`), or their ARNs (`access`).

use leash_iac::{Resource, Template};
use leash_policy::Value;
use leash_policy::symbol::SymbolKind;

use super::declared::resource_options;
use super::{AppResource, EncryptionKey, ModelError, ResourceKind, error_at, reference_target};

/// The template's resources of the kinds leash designs access to, each
/// with its name (the logical id when the template sets none), indexes,
/// keys, encryption key and bucket policy options.
pub(super) fn read_resources(
    template: &Template,
    resolve: &dyn Fn(&Value) -> Value,
) -> Result<Vec<AppResource>, ModelError> {
    let mut resources = Vec::new();
    for resource in &template.resources {
        let Some(kind) = ResourceKind::from_type(&resource.resource_type.node) else {
            continue;
        };
        let name_property =
            ResourceKind::name_property(&resource.resource_type.node).unwrap_or("Name");
        let name = match resource.properties.get(name_property).map(resolve) {
            Some(value) => match value.as_str() {
                Some(name) if !name.contains('*') => name.to_string(),
                _ if !kind.name_must_be_known() => continue,
                _ => {
                    return Err(error_at(
                        value.span,
                        format!(
                            "the {name_property} of `{}` is not one name (a list, a mapping, or a `*`)",
                            resource.logical_id.node
                        ),
                    ));
                }
            },
            // An unnamed secret's ARN ends in a suffix Secrets Manager
            // generates, so it is not built from a name: its `Ref` is the
            // whole ARN. Left out of the model (what uses it is kept as
            // the template writes it).
            // https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-secretsmanager-secret.html#aws-resource-secretsmanager-secret-return-values
            None if kind == ResourceKind::Secret => continue,
            // The name CloudFormation generates: one value known only at
            // deployment, the same symbol as the template's `Ref` to it.
            None => generated_name(template, resource)?,
        };
        let mut indexes = Vec::new();
        for key in ["GlobalSecondaryIndexes", "LocalSecondaryIndexes"] {
            for index in resource
                .properties
                .get(key)
                .and_then(Value::as_array)
                .unwrap_or(&[])
            {
                if let Some(index_name) = index.get("IndexName").map(resolve)
                    && let Some(index_name) = index_name.as_str()
                {
                    indexes.push(index_name.to_string());
                }
            }
        }
        // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-keyschema.html
        let key = |key_type: &str| {
            resource
                .properties
                .get("KeySchema")
                .and_then(Value::as_array)
                .unwrap_or(&[])
                .iter()
                .find(|k| k.get("KeyType").and_then(Value::as_str) == Some(key_type))
                .and_then(|k| k.get("AttributeName"))
                .map(resolve)
                .and_then(|v| v.as_str().map(str::to_string))
        };
        // A SimpleTable has one key, `PrimaryKey.Name`, `id` when not set:
        // https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-simpletable.html
        let (partition_key, sort_key) =
            if resource.resource_type.node == "AWS::Serverless::SimpleTable" {
                let primary = match resource.properties.get("PrimaryKey") {
                    Some(primary) => primary
                        .get("Name")
                        .map(resolve)
                        .and_then(|v| v.as_str().map(str::to_string)),
                    None => Some("id".to_string()),
                };
                (primary, None)
            } else {
                (key("HASH"), key("RANGE"))
            };
        resources.push(AppResource {
            logical_id: resource.logical_id.node.clone(),
            kind,
            name,
            indexes,
            has_stream: resource.properties.get("StreamSpecification").is_some(),
            named: resource.properties.get(name_property).is_some(),
            partition_key,
            sort_key,
            encryption_key: encryption_key(template, resource, kind, resolve),
            bucket_policy: match resource_options(resource, "policy") {
                Some(policy) if kind == ResourceKind::Bucket => {
                    Some(crate::options::read_bucket_policy(
                        policy,
                        &format!("`{}`: Metadata.leash", resource.logical_id.node),
                    )?)
                }
                _ => None,
            },
        });
    }
    Ok(resources)
}

/// The symbol for the name CloudFormation generates for `resource`.
fn generated_name(template: &Template, resource: &Resource) -> Result<String, ModelError> {
    template
        .symbols
        .intern(SymbolKind::GeneratedName {
            logical_id: resource.logical_id.node.clone(),
            resource_type: resource.resource_type.node.clone(),
        })
        .map(String::from)
        .ok_or_else(|| {
            error_at(
                resource.logical_id.span,
                "the template has more values known only at deployment than leash can tell apart"
                    .to_string(),
            )
        })
}

/// The customer managed key of a table (`SSESpecification.KMSMasterKeyId`)
/// or bucket (`BucketEncryption.ServerSideEncryptionConfiguration[].
/// ServerSideEncryptionByDefault.KMSMasterKeyID` with `aws:kms` or
/// `aws:kms:dsse`). Without a key id both use the AWS managed key, which
/// needs no grant in the function's policy. A queue's or topic's
/// `KmsMasterKeyId` and a stream's `StreamEncryption.KeyId` (with
/// `EncryptionType: KMS`) name their key the same way; an alias
/// (`alias/aws/sqs`) is not a key ARN or id and needs no grant here.
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sqs-queue.html
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-sns-topic.html
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-kinesis-stream-streamencryption.html
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-dynamodb-table-ssespecification.html
/// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-s3-bucket-serversideencryptionbydefault.html
fn encryption_key(
    template: &Template,
    resource: &Resource,
    kind: ResourceKind,
    resolve: &dyn Fn(&Value) -> Value,
) -> Option<EncryptionKey> {
    let written = match kind {
        ResourceKind::Table => resource
            .properties
            .get("SSESpecification")?
            .get("KMSMasterKeyId")?,
        ResourceKind::Bucket => resource
            .properties
            .get("BucketEncryption")?
            .get("ServerSideEncryptionConfiguration")?
            .as_array()?
            .iter()
            .filter_map(|rule| rule.get("ServerSideEncryptionByDefault"))
            .find(|default| {
                default
                    .get("SSEAlgorithm")
                    .and_then(Value::as_str)
                    .is_some_and(|a| a.starts_with("aws:kms"))
            })?
            .get("KMSMasterKeyID")?,
        ResourceKind::Queue | ResourceKind::Topic => resource.properties.get("KmsMasterKeyId")?,
        ResourceKind::Stream => {
            let encryption = resource.properties.get("StreamEncryption")?;
            if encryption.get("EncryptionType").and_then(Value::as_str) != Some("KMS") {
                return None;
            }
            encryption.get("KeyId")?
        }
        _ => return None,
    };
    let resolved = resolve(written);
    Some(EncryptionKey {
        resource: reference_target(written).filter(|target| {
            template
                .resource(target)
                .is_some_and(|r| r.resource_type.node == "AWS::KMS::Key")
        }),
        key: resolved.as_str().unwrap_or("*").to_string(),
    })
}
