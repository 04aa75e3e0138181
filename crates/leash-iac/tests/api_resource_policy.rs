//! `Auth.ResourcePolicy` of a SAM API (and of an `Api` event) becomes the
//! resource policy SAM writes.
#![allow(clippy::unwrap_used)]

use leash_iac::{EmbeddedPolicy, PolicyKind, extract_policies, read_template};
use leash_policy::parse::parse_policy;
use leash_policy::{Span, Value};

const TEXT: &str = include_str!("fixtures/api-resource-policy.yaml");

fn text_at(span: Span) -> &'static str {
    &TEXT[span.start..span.end]
}

fn api_policies() -> Vec<EmbeddedPolicy> {
    let template = read_template(TEXT).unwrap();
    extract_policies(&template)
        .into_iter()
        .filter(|p| p.path.ends_with("Auth.ResourcePolicy"))
        .collect()
}

fn statements(policy: &EmbeddedPolicy) -> &[Value] {
    policy
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()
}

fn texts(value: &Value) -> Vec<&str> {
    match value.as_array() {
        Some(items) => items.iter().map(|i| i.as_str().unwrap()).collect(),
        None => vec![value.as_str().unwrap()],
    }
}

#[test]
fn the_structured_lists_become_sams_statements() {
    let policies = api_policies();
    let api = policies.iter().find(|p| p.resource_id == "Api").unwrap();
    assert_eq!(api.kind, PolicyKind::Resource);
    assert_eq!(api.target_resources, ["Api"]);
    assert!(!parse_policy(&api.document).has_errors());
    let s = statements(api);
    // Account allow; IP: allow + deny; VPC: deny (the allow is shared); custom.
    let effects: Vec<_> = s
        .iter()
        .map(|s| s.get("Effect").unwrap().as_str().unwrap())
        .collect();
    assert_eq!(effects, ["Allow", "Allow", "Deny", "Deny", "Allow"]);
    // The event's method on this API, path parameters as `*`.
    assert_eq!(
        texts(s[0].get("Resource").unwrap()),
        ["execute-api:/prod/GET/orders/*"]
    );
    assert_eq!(
        texts(s[0].get("Principal").unwrap().get("AWS").unwrap()),
        ["111122223333"]
    );
    assert_eq!(
        text_at(s[0].get("Effect").unwrap().span),
        "AwsAccountWhitelist"
    );
    let ip = s[2].get("Condition").unwrap().get("IpAddress").unwrap();
    assert_eq!(texts(ip.get("aws:SourceIp").unwrap()), ["10.0.0.0/8"]);
    let vpc = s[3]
        .get("Condition")
        .unwrap()
        .get("StringNotEquals")
        .unwrap();
    assert_eq!(texts(vpc.get("aws:SourceVpc").unwrap()), ["vpc-1234"]);
    assert_eq!(texts(vpc.get("aws:SourceVpce").unwrap()), ["vpce-5678"]);
    // Custom statements keep their own positions.
    assert_eq!(
        text_at(s[4].get("Resource").unwrap().span),
        "execute-api:/*"
    );
}

#[test]
fn an_event_resource_policy_covers_its_method_on_the_implicit_api() {
    let policies = api_policies();
    let event = policies
        .iter()
        .find(|p| p.resource_id == "GetOrder")
        .unwrap();
    assert_eq!(event.target_resources, ["ServerlessRestApi"]);
    let s = &statements(event)[0];
    assert_eq!(s.get("Effect").unwrap().as_str(), Some("Deny"));
    assert_eq!(
        texts(s.get("Resource").unwrap()),
        ["execute-api:/Prod/*/orders"]
    );
}
