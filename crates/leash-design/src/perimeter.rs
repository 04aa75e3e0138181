//! Resource policies the design options ask for, verified with the engine
//! and linted: a bucket policy that denies requests without TLS and
//! principals outside the account or organization, and a REST API policy
//! that admits only the listed source IP ranges.
//!
//! Not for: function roles (`design`), reading the options (`options`).

use leash_policy::authz::{DecisionReason, PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use serde_json::json;

use crate::design::{Check, CheckKind, DesignError, DesignedPolicy, RoleDesign, canonical};
use crate::model::{AppResource, Application, BucketPolicyOptions, Perimeter, ResourceKind};

/// A designed resource policy and its checks.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourcePolicyDesign {
    /// Logical id of the bucket or API.
    pub resource: String,
    /// `bucket` or `api`.
    pub kind: &'static str,
    /// An API policy names its API as `${LogicalId}` (`Fn::Sub`): the API
    /// id is assigned at deployment.
    pub policy: DesignedPolicy,
    pub verification: Vec<Check>,
    /// Linter findings on the policy: `code rule: message`.
    pub lint_findings: Vec<String>,
}

impl ResourcePolicyDesign {
    pub fn verified(&self) -> bool {
        self.verification.iter().all(|c| c.passed)
    }
}

/// A principal using the bucket: (principal, action, resource, request
/// context, its identity policy as JSON).
type Caller = (
    String,
    String,
    String,
    Vec<(String, String)>,
    leash_policy::Policy,
);

const EXAMPLE_API_ID: &str = "a1b2c3d4e5";
const OUTSIDE_ACCOUNT: &str = "999988887777";

/// The bucket policies and API policies the application's options ask for.
pub fn design_resource_policies(
    app: &Application,
    roles: &[RoleDesign],
) -> Result<Vec<ResourcePolicyDesign>, DesignError> {
    let mut out = Vec::new();
    for resource in &app.resources {
        if let (ResourceKind::Bucket, Some(options)) = (resource.kind, &resource.bucket_policy)
            && (options.deny_insecure_transport || options.deny_outside.is_some())
        {
            out.push(bucket_policy(app, resource, options, roles)?);
        }
    }
    for (api, ranges) in &app.options.api_source_ips {
        out.push(api_policy(app, api, ranges)?);
    }
    Ok(out)
}

/// Denies, for every principal, every S3 action on the bucket and its
/// objects: over plain HTTP (`aws:SecureTransport` false), and from
/// principals outside the account (`aws:PrincipalAccount`) or organization
/// (`aws:PrincipalOrgID`), AWS services acting for the bucket excepted
/// (`aws:PrincipalIsAWSService`), and anonymous callers included (they
/// have no account, which `...IfExists` counts as outside).
/// https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit
/// https://repost.aws/knowledge-center/s3-bucket-policy-for-config-rule
/// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalisawsservice
/// https://docs.aws.amazon.com/whitepapers/latest/building-a-data-perimeter-on-aws/perimeter-implementation.html
fn bucket_policy(
    app: &Application,
    bucket: &AppResource,
    options: &BucketPolicyOptions,
    roles: &[RoleDesign],
) -> Result<ResourcePolicyDesign, DesignError> {
    let bucket_arn = format!("arn:aws:s3:::{}", bucket.name);
    let resources = json!([bucket_arn, format!("{bucket_arn}/*")]);
    let mut statements = Vec::new();
    if options.deny_insecure_transport {
        statements.push(json!({
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": { "Bool": { "aws:SecureTransport": "false" } },
        }));
    }
    let perimeter = options
        .deny_outside
        .as_ref()
        .map(|perimeter| match perimeter {
            Perimeter::Account => ("aws:PrincipalAccount", app.account.clone()),
            Perimeter::Organization(org) => ("aws:PrincipalOrgID", org.clone()),
        });
    if let Some((key, value)) = &perimeter {
        statements.push(json!({
            "Sid": if *key == "aws:PrincipalAccount" { "DenyOutsideAccount" } else { "DenyOutsideOrganization" },
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {
                "StringNotEqualsIfExists": { *key: value },
                "BoolIfExists": { "aws:PrincipalIsAWSService": "false" },
            },
        }));
    }
    let policy = canonical(
        &json!({ "Version": "2012-10-17", "Statement": statements }),
        "the designed bucket policy",
    )?;
    let bucket_policy = policy.policy().clone();

    // Who uses the bucket: each role with a permission on it, with its
    // first such permission; without one, an example role of the account.
    let mut callers: Vec<Caller> = Vec::new();
    for role in roles.iter().filter(|r| r.consumer.is_none()) {
        if let Some(permission) = role
            .permissions
            .iter()
            .find(|p| p.resource == bucket_arn || p.resource.starts_with(&format!("{bucket_arn}/")))
        {
            let context = permission
                .conditions
                .iter()
                .filter(|(_, key, _)| key == "s3:prefix")
                .filter_map(|(_, key, values)| {
                    values
                        .first()
                        .map(|v| (key.clone(), v.trim_end_matches('*').to_string()))
                })
                .collect();
            callers.push((
                format!("arn:aws:iam::{}:role/{}", app.account, role.role_name),
                permission.action.clone(),
                permission.resource.replace('*', "example"),
                context,
                role.permissions_policy.policy().clone(),
            ));
        }
    }
    if callers.is_empty() {
        let object = format!("{bucket_arn}/example-object");
        let identity = json!({
            "Version": "2012-10-17",
            "Statement": [{ "Effect": "Allow", "Action": "s3:GetObject", "Resource": object }],
        });
        callers.push((
            format!("arn:aws:iam::{}:role/example", app.account),
            "s3:GetObject".into(),
            object,
            Vec::new(),
            canonical(&identity, "an example caller's policy")?
                .policy()
                .clone(),
        ));
    }

    let mut verification = Vec::new();
    for (principal, action, resource, context, identity) in &callers {
        let mut inside = context.clone();
        inside.push(("aws:SecureTransport".to_string(), "true".to_string()));
        if let Some(("aws:PrincipalOrgID", org)) = perimeter.as_ref().map(|(k, v)| (*k, v)) {
            inside.push(("aws:PrincipalOrgID".to_string(), org.clone()));
        }
        let identity_policy = identity.clone();
        let prepared = PreparedPolicySet::new(
            &PolicySet::new()
                .with_identity_policy("role", identity_policy.clone())
                .with_resource_policy("bucket policy", bucket_policy.clone()),
        );
        // The function itself, over TLS: allowed.
        verification.push(evaluate(
            &prepared,
            principal,
            action,
            resource,
            &inside,
            Expect::Allow,
            &app.account,
        ));
        if options.deny_insecure_transport {
            let mut plain = inside.clone();
            plain.retain(|(k, _)| k != "aws:SecureTransport");
            plain.push(("aws:SecureTransport".to_string(), "false".to_string()));
            verification.push(evaluate(
                &prepared,
                principal,
                action,
                resource,
                &plain,
                Expect::ExplicitDeny,
                &app.account,
            ));
        }
        if let Some((key, _)) = &perimeter {
            // A principal of another account (or organization), even with
            // its own policy allowing the action, is denied by the bucket
            // policy itself.
            let outsider = format!("arn:aws:iam::{OUTSIDE_ACCOUNT}:role/outsider");
            let mut outside = context.clone();
            outside.push(("aws:SecureTransport".to_string(), "true".to_string()));
            if *key == "aws:PrincipalOrgID" {
                outside.push(("aws:PrincipalOrgID".to_string(), "o-0000000000".to_string()));
            }
            let outsider_policy = PreparedPolicySet::new(
                &PolicySet::new()
                    .with_identity_policy("outsider", identity_policy)
                    .with_resource_policy("bucket policy", bucket_policy.clone()),
            );
            verification.push(evaluate(
                &outsider_policy,
                &outsider,
                action,
                resource,
                &outside,
                Expect::ExplicitDeny,
                &app.account,
            ));
            verification.push(evaluate(
                &outsider_policy,
                "anonymous",
                action,
                resource,
                &outside,
                Expect::ExplicitDeny,
                &app.account,
            ));
        }
    }
    Ok(ResourcePolicyDesign {
        resource: bucket.logical_id.clone(),
        kind: "bucket",
        lint_findings: lint(policy.value()),
        policy,
        verification,
    })
}

/// An API resource policy admitting only the listed source IP ranges: an
/// allow for them and a deny for every other address, as AWS's example.
/// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html#apigateway-resource-policies-source-ip-address-example
fn api_policy(
    app: &Application,
    api: &str,
    ranges: &[String],
) -> Result<ResourcePolicyDesign, DesignError> {
    let document = |api_id: &str| {
        let resource = format!(
            "arn:aws:execute-api:{}:{}:{api_id}/*",
            app.region, app.account
        );
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AllowFromSourceIp",
                    "Effect": "Allow",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": resource,
                    "Condition": { "IpAddress": { "aws:SourceIp": ranges } },
                },
                {
                    "Sid": "DenyOtherSourceIp",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "execute-api:Invoke",
                    "Resource": resource,
                    "Condition": { "NotIpAddress": { "aws:SourceIp": ranges } },
                },
            ],
        })
    };
    let policy = canonical(&document(&format!("${{{api}}}")), "the designed API policy")?;
    // Verified and linted with a concrete API id in place of `${Api}`.
    let example = canonical(&document(EXAMPLE_API_ID), "the designed API policy")?;
    let parsed = example.policy().clone();
    let prepared =
        PreparedPolicySet::new(&PolicySet::new().with_resource_policy("api policy", parsed));
    let resource = format!(
        "arn:aws:execute-api:{}:{}:{EXAMPLE_API_ID}/prod/GET/example",
        app.region, app.account
    );
    let mut verification = Vec::new();
    for range in ranges {
        let inside = range.split('/').next().unwrap_or(range).to_string();
        verification.push(evaluate(
            &prepared,
            "anonymous",
            "execute-api:Invoke",
            &resource,
            &[("aws:SourceIp".to_string(), inside)],
            Expect::Allow,
            &app.account,
        ));
    }
    if let Some(outside) = outside_address(ranges) {
        verification.push(evaluate(
            &prepared,
            "anonymous",
            "execute-api:Invoke",
            &resource,
            &[("aws:SourceIp".to_string(), outside)],
            Expect::ExplicitDeny,
            &app.account,
        ));
    }
    Ok(ResourcePolicyDesign {
        resource: api.to_string(),
        kind: "api",
        lint_findings: lint(example.value()),
        policy,
        verification,
    })
}

/// An address none of the ranges covers, from the documentation ranges.
fn outside_address(ranges: &[String]) -> Option<String> {
    let candidates = [
        "192.0.2.10",
        "198.51.100.10",
        "203.0.113.10",
        "2001:db8::10",
        "10.255.255.10",
    ];
    candidates
        .iter()
        .find(|address| !ranges.iter().any(|range| covers(range, address)))
        .map(|a| (*a).to_string())
}

fn covers(range: &str, address: &str) -> bool {
    let (network, bits) = match range.split_once('/') {
        Some((network, bits)) => (network, bits.parse::<u32>().ok()),
        None => (range, None),
    };
    match (
        network.parse::<std::net::IpAddr>(),
        address.parse::<std::net::IpAddr>(),
    ) {
        (Ok(std::net::IpAddr::V4(n)), Ok(std::net::IpAddr::V4(a))) => {
            let bits = bits.unwrap_or(32).min(32);
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(n) & mask == u32::from(a) & mask
        }
        (Ok(std::net::IpAddr::V6(n)), Ok(std::net::IpAddr::V6(a))) => {
            let bits = bits.unwrap_or(128).min(128);
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(n) & mask == u128::from(a) & mask
        }
        _ => false,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Allow,
    /// Denied by a `Deny` statement of the designed policy, not merely
    /// for lack of an allow.
    ExplicitDeny,
}

fn evaluate(
    prepared: &PreparedPolicySet,
    principal: &str,
    action: &str,
    resource: &str,
    context: &[(String, String)],
    expect: Expect,
    resource_account: &str,
) -> Check {
    let mut request_context = RequestContext::new();
    for (key, value) in context {
        request_context = request_context.with(key.clone(), value.clone());
    }
    let request = Request::new(principal, action, resource)
        .with_resource_account(resource_account.to_string())
        .with_context(request_context);
    let decision = prepared.evaluate(&request);
    let allowed = decision.is_allowed();
    let passed = match expect {
        Expect::Allow => allowed,
        Expect::ExplicitDeny => decision.reason == DecisionReason::ExplicitDeny,
    };
    let mut shown = vec![("principal".to_string(), principal.to_string())];
    shown.extend(context.iter().cloned());
    Check {
        kind: if expect == Expect::Allow {
            CheckKind::Need
        } else {
            CheckKind::ResourcePolicy
        },
        action: action.to_string(),
        resource: resource.to_string(),
        context: shown,
        expected_allow: expect == Expect::Allow,
        allowed,
        passed,
        why: decision.reason.as_str().to_string(),
    }
}

fn lint(value: &leash_policy::Value) -> Vec<String> {
    leash_lint::lint_policy_value(value, Some(leash_lint::PolicyKind::Resource))
        .into_iter()
        .map(|finding| format!("{} {}: {}", finding.code, finding.rule, finding.message))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outside_addresses_are_outside() {
        assert!(covers("203.0.113.0/24", "203.0.113.10"));
        assert!(!covers("203.0.113.0/24", "192.0.2.10"));
        assert_eq!(
            outside_address(&["192.0.2.0/24".to_string()]).as_deref(),
            Some("198.51.100.10")
        );
    }
}
