//! `x-amazon-apigateway-policy` at the top level of an inline OpenAPI
//! definition (`AWS::Serverless::Api` `DefinitionBody`,
//! `AWS::ApiGateway::RestApi` `Body`) is the API's resource policy, a whole
//! policy document:
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html>.
#![allow(clippy::unwrap_used)]

use leash_iac::{EmbeddedPolicy, PolicyKind, PolicyOrigin, extract_policies, read_template};
use leash_policy::Value;
use leash_policy::parse::parse_policy;

const YAML: &str = include_str!("fixtures/openapi-policy.yaml");
const JSON: &str = include_str!("fixtures/openapi-policy.json");

fn policies(text: &str) -> Vec<EmbeddedPolicy> {
    extract_policies(&read_template(text).unwrap())
}

fn find<'a>(policies: &'a [EmbeddedPolicy], id: &str, path: &str) -> &'a EmbeddedPolicy {
    policies
        .iter()
        .find(|p| p.resource_id == id && p.path == path)
        .unwrap_or_else(|| panic!("no policy at `{id}` {path}: {policies:#?}"))
}

fn statement(policy: &EmbeddedPolicy, index: usize) -> &Value {
    &policy
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[index]
}

#[test]
fn the_extension_in_a_sam_definition_body_is_the_apis_resource_policy() {
    let template = read_template(YAML).unwrap();
    let found = extract_policies(&template);
    let policy = find(
        &found,
        "PrivateApi",
        "Properties.DefinitionBody.x-amazon-apigateway-policy",
    );
    assert_eq!(policy.kind, PolicyKind::Resource);
    assert_eq!(policy.origin, PolicyOrigin::Written);
    assert_eq!(policy.resource_type, "AWS::Serverless::Api");
    assert_eq!(policy.target_resources, ["PrivateApi"]);
    assert!(policy.syntax_error.is_none());
    assert!(!parse_policy(&policy.document).has_errors());
    // The policy's span is the extension's value in the template.
    assert!(YAML[policy.span.start..].starts_with("Version: \"2012-10-17\""));
    let first = statement(policy, 0);
    // API Gateway's shorthand is kept as written, at its position.
    let resource = first.get("Resource").unwrap();
    assert_eq!(resource.as_str(), Some("execute-api:/*"));
    assert_eq!(
        &YAML[resource.span.start..resource.span.end],
        "execute-api:/*"
    );
    // `!Ref` of a parameter is its default, spanning the short-form tag.
    let endpoint = first
        .get("Condition")
        .unwrap()
        .get("StringEquals")
        .unwrap()
        .get("aws:SourceVpce")
        .unwrap();
    assert_eq!(endpoint.as_str(), Some("vpce-0123456789abcdef0"));
    assert_eq!(
        &YAML[endpoint.span.start..endpoint.span.end],
        "!Ref EndpointId"
    );
    // `!Sub` resolves as everywhere else: partition, region and account
    // are known only at deployment, and so is the `*` the author wrote.
    let arn = statement(policy, 1).get("Resource").unwrap();
    assert_eq!(
        template.symbols.display(arn.as_str().unwrap()),
        "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:*/prod/GET/orders"
    );
    assert!(YAML[arn.span.start..].starts_with("!Sub arn:${AWS::Partition}"));
}

#[test]
fn both_sources_of_an_api_policy_are_read_each_at_its_position() {
    let found = policies(YAML);
    let sam = find(&found, "PrivateApi", "Properties.Auth.ResourcePolicy");
    let extension = find(
        &found,
        "PrivateApi",
        "Properties.DefinitionBody.x-amazon-apigateway-policy",
    );
    assert!(sam.span.end <= extension.span.start);
    let policy = find(&found, "LegacyApi", "Properties.Policy");
    let body = find(
        &found,
        "LegacyApi",
        "Properties.Body.x-amazon-apigateway-policy",
    );
    assert_eq!(body.resource_type, "AWS::ApiGateway::RestApi");
    assert_eq!(body.target_resources, ["LegacyApi"]);
    assert!(policy.span.end <= body.span.start);
    assert_eq!(
        statement(policy, 0).get("Effect").unwrap().as_str(),
        Some("Allow")
    );
    let deny = statement(body, 0);
    assert_eq!(deny.get("Effect").unwrap().as_str(), Some("Deny"));
    let resource = deny.get("Resource").unwrap();
    assert_eq!(
        &YAML[resource.span.start..resource.span.end],
        "execute-api:/*/POST/*"
    );
}

#[test]
fn the_extension_in_a_json_rest_api_body_is_read_with_fn_sub_resolved() {
    let found = policies(JSON);
    let body = find(&found, "Api", "Properties.Body.x-amazon-apigateway-policy");
    assert_eq!(body.kind, PolicyKind::Resource);
    let resource = statement(body, 0).get("Resource").unwrap();
    assert_eq!(resource.as_str(), Some("execute-api:/prod/GET/orders"));
    assert!(JSON[resource.span.start..].starts_with("{\"Fn::Sub\": \"execute-api:/${Stage}"));
    assert_eq!(found.len(), 1, "{found:#?}");
}

/// HTTP APIs have no resource policies
/// (<https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-vs-rest.html>),
/// so the extension in an `AWS::Serverless::HttpApi` is not one.
#[test]
fn only_an_inline_definitions_top_level_extension_is_read() {
    let text = r#"
Transform: AWS::Serverless-2016-10-31
Resources:
  Included:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        Fn::Transform:
          Name: AWS::Include
          Parameters:
            Location: s3://bucket/openapi.yaml
  Nested:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      DefinitionBody:
        openapi: "3.0.1"
        paths:
          /orders:
            x-amazon-apigateway-policy:
              Version: "2012-10-17"
              Statement: []
  NotAnApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      DefinitionBody:
        x-amazon-apigateway-policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: "*"
              Action: execute-api:Invoke
              Resource: execute-api:/*
"#;
    let found = policies(text);
    assert!(found.is_empty(), "{found:#?}");
}
