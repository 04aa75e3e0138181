//! Readers for the design options, shared by the template reader
//! (`Metadata: leash:`) and the manifest: conditions on a need, bucket
//! policies, an API's source IP ranges, the permissions boundary, KMS key
//! ARNs and cross-account consumers. Each checks what AWS would refuse and
//! reports it at the offending value.
//!
//! Not for: designing policies from the options (`design`, `perimeter`).

use leash_policy::arn::Arn;
use leash_policy::{Value, ValueKind};

use crate::model::{
    Access, AppResource, BucketPolicyOptions, Consumer, ModelError, Need, NeedConditions,
    NeedSource, Perimeter, ResourceKind, error_at, read_declared_need,
};

/// The keys a need's `conditions:` mapping takes.
pub const CONDITION_KEYS: &[&str] = &["leading-keys", "after", "before"];

/// `conditions: {leading-keys: [...], after: TIME, before: TIME}` of a
/// need on `target` whose actions are `actions`.
pub(crate) fn read_conditions(
    value: &Value,
    at: &str,
    target: &AppResource,
    actions: &[String],
) -> Result<NeedConditions, ModelError> {
    let members = value
        .as_object()
        .ok_or_else(|| error_at(value.span, format!("{at}: `conditions` must be a mapping")))?;
    let mut conditions = NeedConditions::default();
    for member in members {
        let key = member.key.node.as_str();
        match key {
            "leading-keys" => {
                if target.kind != ResourceKind::Table {
                    return Err(error_at(
                        member.key.span,
                        format!("{at}: `leading-keys` applies only to tables"),
                    ));
                }
                conditions.leading_keys = strings(&member.value, at, "leading-keys")?;
                // dynamodb:LeadingKeys limits item actions by partition key;
                // an action without the key (a stream read) would be
                // denied by the condition, so it is refused here.
                // https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/specifying-conditions.html
                let catalog = leash_catalog::catalog();
                for action in actions {
                    let supported = catalog.action(action).is_some_and(|a| {
                        a.condition_keys().contains(&"dynamodb:LeadingKeys")
                            || a.resource_types()
                                .iter()
                                .any(|r| r.condition_keys().contains(&"dynamodb:LeadingKeys"))
                    });
                    if !supported {
                        return Err(error_at(
                            member.key.span,
                            format!("{at}: `{action}` does not support `dynamodb:LeadingKeys`"),
                        ));
                    }
                }
            }
            "after" | "before" => {
                let time = member
                    .value
                    .as_str()
                    .filter(|t| is_utc_time(t))
                    .ok_or_else(|| {
                        error_at(
                            member.value.span,
                            format!(
                                "{at}: `{key}` must be a UTC time such as `2026-01-31T00:00:00Z`"
                            ),
                        )
                    })?;
                if key == "after" {
                    conditions.after = Some(time.to_string());
                } else {
                    conditions.before = Some(time.to_string());
                }
            }
            _ => {
                return Err(error_at(
                    member.key.span,
                    format!(
                        "{at}: unknown condition `{key}` (expected {})",
                        CONDITION_KEYS.join(", ")
                    ),
                ));
            }
        }
    }
    // Same format, so text order is time order.
    if let (Some(after), Some(before)) = (&conditions.after, &conditions.before)
        && after >= before
    {
        return Err(error_at(
            value.span,
            format!("{at}: `after` ({after}) must come before `before` ({before})"),
        ));
    }
    Ok(conditions)
}

/// The actions a need grants, for checking its conditions against them.
pub(crate) fn need_actions(need: &Need, kind: ResourceKind) -> Vec<String> {
    if need.access == Access::Listed {
        return need.actions.clone();
    }
    crate::access::entries(kind, need.access)
        .iter()
        .filter(|row| row.scope != crate::access::Scope::TableIndexes || need.index)
        .flat_map(|row| row.actions.iter().map(|a| (*a).to_string()))
        .collect()
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form `aws:CurrentTime` compares with.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Date
fn is_utc_time(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() == 20
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            10 => *b == b'T',
            13 | 16 => *b == b':',
            19 => *b == b'Z',
            _ => b.is_ascii_digit(),
        })
}

fn strings(value: &Value, at: &str, key: &str) -> Result<Vec<String>, ModelError> {
    let items = value
        .as_array()
        .ok_or_else(|| error_at(value.span, format!("{at}: `{key}` must be a list")))?;
    if items.is_empty() {
        return Err(error_at(value.span, format!("{at}: `{key}` is empty")));
    }
    items
        .iter()
        .map(|item| {
            item.as_str()
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .ok_or_else(|| error_at(item.span, format!("{at}: `{key}` holds a non-string")))
        })
        .collect()
}

/// `policy: {deny-insecure-transport: true, deny-outside: account | o-ORGID}`.
pub(crate) fn read_bucket_policy(
    value: &Value,
    at: &str,
) -> Result<BucketPolicyOptions, ModelError> {
    let members = value
        .as_object()
        .ok_or_else(|| error_at(value.span, format!("{at}: `policy` must be a mapping")))?;
    let mut policy = BucketPolicyOptions::default();
    for member in members {
        match member.key.node.as_str() {
            "deny-insecure-transport" => match member.value.kind {
                ValueKind::Bool(flag) => policy.deny_insecure_transport = flag,
                _ => {
                    return Err(error_at(
                        member.value.span,
                        format!("{at}: `deny-insecure-transport` must be true or false"),
                    ));
                }
            },
            "deny-outside" => {
                policy.deny_outside = Some(match member.value.as_str() {
                    Some("account") => Perimeter::Account,
                    Some(org) if is_organization_id(org) => {
                        Perimeter::Organization(org.to_string())
                    }
                    _ => {
                        return Err(error_at(
                            member.value.span,
                            format!(
                                "{at}: `deny-outside` must be `account` or an organization id (`o-` and 10 to 32 letters or digits)"
                            ),
                        ));
                    }
                });
            }
            other => {
                return Err(error_at(
                    member.key.span,
                    format!(
                        "{at}: unknown key `{other}` in `policy` (expected deny-insecure-transport, deny-outside)"
                    ),
                ));
            }
        }
    }
    Ok(policy)
}

/// `o-` then 10 to 32 lowercase letters or digits.
/// https://docs.aws.amazon.com/organizations/latest/APIReference/API_Organization.html
fn is_organization_id(text: &str) -> bool {
    text.strip_prefix("o-").is_some_and(|rest| {
        (10..=32).contains(&rest.len())
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    })
}

/// `source-ip: [CIDR, ...]`: IPv4 or IPv6 ranges without host bits.
pub(crate) fn read_source_ips(value: &Value, at: &str) -> Result<Vec<String>, ModelError> {
    let ranges = strings(value, at, "source-ip")?;
    let items = value.as_array().unwrap_or(&[]);
    for (range, item) in ranges.iter().zip(items) {
        if !is_network(range) {
            return Err(error_at(
                item.span,
                format!(
                    "{at}: `{range}` is not an IP range such as `203.0.113.0/24` (no host bits)"
                ),
            ));
        }
    }
    Ok(ranges)
}

fn is_network(text: &str) -> bool {
    let (address, bits) = match text.split_once('/') {
        Some((address, bits)) => (address, bits.parse::<u32>().ok()),
        None => (text, None),
    };
    if let Ok(v4) = address.parse::<std::net::Ipv4Addr>() {
        let bits = bits.unwrap_or(32);
        let value = u32::from(v4);
        return bits <= 32 && (bits == 32 || value & (u32::MAX >> bits) == 0);
    }
    if let Ok(v6) = address.parse::<std::net::Ipv6Addr>() {
        let bits = bits.unwrap_or(128);
        let value = u128::from(v6);
        return bits <= 128 && (bits == 128 || value & (u128::MAX >> bits) == 0);
    }
    false
}

/// A managed policy ARN, `arn:aws:iam::ACCOUNT:policy/PATH/NAME`.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
pub(crate) fn read_boundary(value: &Value, at: &str) -> Result<String, ModelError> {
    let arn = value.as_str().unwrap_or_default();
    let valid = Arn::parse(arn).is_ok_and(|parts| {
        let account = parts.account();
        parts.service() == "iam"
            && parts.region().is_empty()
            && (account == "aws"
                || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
            && parts
                .resource()
                .strip_prefix("policy/")
                .is_some_and(|name| !name.is_empty() && !name.contains('*'))
    });
    if !valid {
        return Err(error_at(
            value.span,
            format!(
                "{at}: `permissions-boundary` must be a managed policy ARN, `arn:aws:iam::ACCOUNT:policy/NAME`"
            ),
        ));
    }
    Ok(arn.to_string())
}

/// A customer managed key is named by its key ARN: IAM policies name keys
/// by key ARN, not by alias.
/// https://docs.aws.amazon.com/kms/latest/developerguide/cmks-in-iam-policies.html
pub(crate) fn read_kms_key(key: &Value, at: &str) -> Result<String, ModelError> {
    let arn = key.as_str().unwrap_or_default();
    if !is_key_arn(arn) {
        return Err(error_at(
            key.span,
            format!("{at}: `kms-key` must be a key ARN, `arn:aws:kms:REGION:ACCOUNT:key/KEY-ID`"),
        ));
    }
    Ok(arn.to_string())
}

pub(crate) fn is_key_arn(arn: &str) -> bool {
    // A value known only at deployment (the template's account, a key's
    // generated id) is a symbol standing for one such value.
    let symbol = |text: &str| leash_policy::symbol::single_symbol(text).is_some();
    Arn::parse(arn).is_ok_and(|parts| {
        let account = parts.account();
        parts.service() == "kms"
            && !parts.region().is_empty()
            && ((account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()))
                || symbol(&account))
            && parts.resource().strip_prefix("key/").is_some_and(|id| {
                (!id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                    || symbol(id)
            })
    })
}

/// `consumers: {ROLE-NAME: {account, external-id, organization, needs}}`.
pub(crate) fn read_consumers(
    value: &Value,
    at: &str,
    resources: &[AppResource],
    manifest: bool,
    (account, region): (&str, &str),
) -> Result<Vec<Consumer>, ModelError> {
    let members = value
        .as_object()
        .ok_or_else(|| error_at(value.span, format!("{at}: `consumers` must be a mapping")))?;
    let mut consumers = Vec::new();
    for member in members {
        let name = &member.key.node;
        let consumer_at = format!("{at}: consumer `{name}`");
        // IAM role names: up to 64 of letters, digits and `+=,.@_-`.
        // https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html
        if name.is_empty()
            || name.len() > 64
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"+=,.@_-".contains(&b))
        {
            return Err(error_at(
                member.key.span,
                format!("{consumer_at}: a role name is up to 64 letters, digits or `+=,.@_-`"),
            ));
        }
        let body = &member.value;
        let fields = body
            .as_object()
            .ok_or_else(|| error_at(body.span, format!("{consumer_at} must be a mapping")))?;
        for field in fields {
            if !["account", "external-id", "organization", "needs"]
                .contains(&field.key.node.as_str())
            {
                return Err(error_at(
                    field.key.span,
                    format!(
                        "{consumer_at}: unknown key `{}` (expected account, external-id, organization, needs)",
                        field.key.node
                    ),
                ));
            }
        }
        let trusted = body
            .get("account")
            .ok_or_else(|| error_at(member.key.span, format!("{consumer_at} has no `account`")))?;
        let trusted_account = trusted
            .as_str()
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .ok_or_else(|| {
                error_at(
                    trusted.span,
                    format!("{consumer_at}: `account` must be 12 digits, quoted"),
                )
            })?;
        if trusted_account == account {
            return Err(error_at(
                trusted.span,
                format!(
                    "{consumer_at}: `{trusted_account}` is the application's own account; a consumer is another account"
                ),
            ));
        }
        let external_id = match body.get("external-id") {
            // sts:ExternalId: 2 to 1224 of letters, digits and `+=,.@:/-`.
            // https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
            Some(id) => Some(
                id.as_str()
                    .filter(|id| {
                        (2..=1224).contains(&id.len())
                            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b"+=,.@:/_-".contains(&b))
                    })
                    .ok_or_else(|| {
                        error_at(id.span, format!("{consumer_at}: `external-id` must be 2 to 1224 letters, digits or `+=,.@:/_-`"))
                    })?
                    .to_string(),
            ),
            None => None,
        };
        let organization = match body.get("organization") {
            Some(org) => Some(
                org.as_str()
                    .filter(|o| is_organization_id(o))
                    .ok_or_else(|| {
                        error_at(org.span, format!("{consumer_at}: `organization` must be an organization id (`o-` and 10 to 32 letters or digits)"))
                    })?
                    .to_string(),
            ),
            None => None,
        };
        if external_id.is_none() && organization.is_none() {
            return Err(error_at(
                member.key.span,
                format!(
                    "{consumer_at} needs `external-id` or `organization`: a trust policy naming only an account admits every principal it allows"
                ),
            ));
        }
        let mut needs = Vec::new();
        if let Some(list) = body.get("needs") {
            let items = list.as_array().ok_or_else(|| {
                error_at(list.span, format!("{consumer_at}: `needs` is not a list"))
            })?;
            for (index, need) in items.iter().enumerate() {
                let source = if manifest {
                    NeedSource::Manifest { index }
                } else {
                    NeedSource::Declared { index }
                };
                needs.extend(read_declared_need(
                    &format!("{consumer_at}: needs[{index}]"),
                    source,
                    need,
                    resources,
                    (account, region),
                )?);
            }
        }
        consumers.push(Consumer {
            name: name.clone(),
            account: trusted_account.to_string(),
            external_id,
            organization,
            needs,
        });
    }
    Ok(consumers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks_have_no_host_bits() {
        assert!(is_network("203.0.113.0/24"));
        assert!(is_network("198.51.100.7"));
        assert!(is_network("2001:db8::/32"));
        assert!(!is_network("203.0.113.1/24"));
        assert!(!is_network("203.0.113.0/33"));
        assert!(!is_network("example.com"));
    }

    #[test]
    fn times_and_ids() {
        assert!(is_utc_time("2026-01-31T00:00:00Z"));
        assert!(!is_utc_time("2026-01-31"));
        assert!(!is_utc_time("2026-01-31T00:00:00+01:00"));
        assert!(is_organization_id("o-a1b2c3d4e5"));
        assert!(!is_organization_id("o-short"));
        assert!(is_key_arn(
            "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        ));
        assert!(!is_key_arn(
            "arn:aws:kms:us-west-2:111122223333:alias/orders"
        ));
    }
}
