//! The API resource policy written as `x-amazon-apigateway-policy` in an
//! inline OpenAPI definition is linted as a resource policy, with findings
//! at their place in the template, and API Gateway's `execute-api:/...`
//! shorthand resources are accepted there
//! (<https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html>).
#![allow(clippy::unwrap_used)]

use leash_lint::Diagnostic;

const YAML: &str = include_str!("../../leash-iac/tests/fixtures/openapi-policy.yaml");
const JSON: &str = include_str!("../../leash-iac/tests/fixtures/openapi-policy.json");

fn at<'a>(text: &'a str, found: &[Diagnostic], code: &str) -> Vec<&'a str> {
    found
        .iter()
        .filter(|d| d.code == code)
        .map(|d| &text[d.span.start..d.span.end])
        .collect()
}

/// Line of the first byte of `needle`'s `occurrence`-th appearance (1-based).
fn line_of(text: &str, needle: &str, occurrence: usize) -> usize {
    let start = text.match_indices(needle).nth(occurrence).unwrap().0;
    text[..start].matches('\n').count() + 1
}

fn line(text: &str, d: &Diagnostic) -> usize {
    text[..d.span.start].matches('\n').count() + 1
}

#[test]
fn findings_in_a_yaml_extension_land_on_its_text() {
    let found = leash_lint::lint_template_text(YAML);
    // `execute-api:*` is the second statement of the DefinitionBody policy.
    assert_eq!(at(YAML, &found, "L408"), ["execute-api:*"]);
    let public: Vec<_> = found.iter().filter(|d| d.code == "L309").collect();
    assert_eq!(public.len(), 1, "{found:#?}");
    assert_eq!(public[0].resource.as_deref(), Some("PrivateApi"));
    // The `Principal: "*"` of that statement, not the one with a condition.
    assert_eq!(line(YAML, public[0]), line_of(YAML, "Principal: \"*\"", 1));
    // The shorthand resources are valid in an API policy: no L201 for
    // `execute-api:/*` or `execute-api:/*/POST/*`.
    assert!(at(YAML, &found, "L201").is_empty(), "{found:#?}");
}

#[test]
fn findings_in_a_json_extension_land_on_its_text() {
    let root = leash_policy::json::parse_json(JSON).unwrap();
    let found = leash_lint::lint_template_json(JSON, root);
    assert_eq!(at(JSON, &found, "L309"), ["\"*\""]);
    assert!(at(JSON, &found, "L201").is_empty(), "{found:#?}");
    assert_eq!(found.len(), 1, "{found:#?}");
}

#[test]
fn a_bad_resource_in_the_extension_is_reported_at_its_position() {
    let text = r#"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        x-amazon-apigateway-policy:
          Version: "2012-10-17"
          Statement:
            - Effect: Allow
              Principal: {AWS: "111122223333"}
              Action: execute-api:Invoke
              Resource: orders/*
"#;
    let found = leash_lint::lint_template_text(text);
    assert_eq!(at(text, &found, "L201"), ["orders/*"]);
}
