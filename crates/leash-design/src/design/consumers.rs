//! Cross-account consumers: their trust policy and its checks.

use super::*;

/// A consumer's trust policy: the consumer's account, with its external id
/// and/or organization as conditions.
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-user_externalid.html
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalorgid
pub(super) fn consumer_trust(consumer: &Consumer) -> Json {
    let mut equals = serde_json::Map::new();
    if let Some(id) = &consumer.external_id {
        equals.insert("sts:ExternalId".into(), json!(id));
    }
    if let Some(org) = &consumer.organization {
        equals.insert("aws:PrincipalOrgID".into(), json!(org));
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{}:root", consumer.account) },
            "Action": "sts:AssumeRole",
            "Condition": { "StringEquals": Json::Object(equals) },
        }],
    })
}

/// The consumer's trust policy, checked: a role of the consumer's account
/// (allowed by its own identity policy) may assume the role with the
/// external id and organization; without either, with another value, or
/// from another account it may not.
pub(super) fn consumer_trust_checks(
    app: &Application,
    consumer: &Consumer,
    trust: &leash_policy::Policy,
    role_arn: &str,
) -> Result<Vec<Check>, DesignError> {
    let trust_policy = trust.clone();
    let caller_policy = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role_arn }],
    });
    let caller = canonical(&caller_policy, "the caller's policy")?
        .policy()
        .clone();
    let prepared = PreparedPolicySet::new(
        &PolicySet::new()
            .with_identity_policy("the consumer's own policy", caller)
            .with_resource_policy("trust policy", trust_policy),
    );
    let mut good = Vec::new();
    if let Some(id) = &consumer.external_id {
        good.push(("sts:ExternalId".to_string(), id.clone()));
    }
    if let Some(org) = &consumer.organization {
        good.push(("aws:PrincipalOrgID".to_string(), org.clone()));
    }
    let mut cases = vec![(consumer.account.clone(), good.clone(), true)];
    for (key, _) in &good {
        let mut without = good.clone();
        without.retain(|(k, _)| k != key);
        cases.push((consumer.account.clone(), without, false));
        let mut other = good.clone();
        for (k, v) in &mut other {
            if k == key {
                *v = if key == "aws:PrincipalOrgID" {
                    "o-0000000000".to_string()
                } else {
                    "another-external-id".to_string()
                };
            }
        }
        cases.push((consumer.account.clone(), other, false));
    }
    let stranger = if consumer.account == "999988887777" {
        "999988887776"
    } else {
        "999988887777"
    };
    cases.push((stranger.to_string(), good, false));
    let mut checks = Vec::new();
    for (account, context, expected_allow) in cases {
        let principal = format!("arn:aws:iam::{account}:role/consumer-caller");
        let mut request_context = RequestContext::new();
        for (key, value) in &context {
            request_context = request_context.with(key.clone(), value.clone());
        }
        let request = Request::new(principal.clone(), "sts:AssumeRole", role_arn)
            .with_resource_account(app.account.clone())
            .with_context(request_context);
        checks.push(super::trust::trust_check(
            &prepared,
            request,
            context,
            &principal,
            expected_allow,
            role_arn,
        ));
    }
    Ok(checks)
}
