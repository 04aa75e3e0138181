//! Policies written as JSON strings in templates (`AWS::Logs::ResourcePolicy`,
//! `KeyPolicy`, `RepositoryPolicyText`, `ResourcePolicy` of a secret), the
//! statements synthesized for `AWS::Events::EventBusPolicy` and
//! `AWS::Lambda::LayerVersionPermission`, and positions inside the strings.
#![allow(clippy::unwrap_used)]

use leash_iac::{EmbeddedPolicy, PolicyKind, ResolveContext, extract_policies_with, read_template};
use leash_policy::parse::parse_policy;
use leash_policy::{LineIndex, Span, Value};

const TEXT: &str = include_str!("fixtures/string-policies.yaml");

fn text_at(span: Span) -> &'static str {
    &TEXT[span.start..span.end]
}

fn line_col(span: Span) -> (usize, usize) {
    LineIndex::new(TEXT).line_col(TEXT, span.start)
}

fn policies() -> Vec<EmbeddedPolicy> {
    let template = read_template(TEXT).unwrap();
    let context = ResolveContext {
        account: Some("111122223333".into()),
        region: Some("eu-west-1".into()),
        // Extraction with the values of one deployment; symbols are
        // tested in `resolve` and through the linter.
        unknowns: leash_iac::Unknowns::Wildcards,
        parameter_defaults: Default::default(),
        ..Default::default()
    };
    extract_policies_with(&template, &context)
}

fn policy<'a>(policies: &'a [EmbeddedPolicy], resource: &str) -> &'a EmbeddedPolicy {
    policies
        .iter()
        .find(|p| p.resource_id == resource)
        .unwrap_or_else(|| panic!("no policy for {resource}"))
}

fn statement(policy: &EmbeddedPolicy) -> &Value {
    &policy
        .document
        .get("Statement")
        .unwrap()
        .as_array()
        .unwrap()[0]
}

#[test]
fn every_string_policy_is_read_as_a_resource_policy() {
    let policies = policies();
    let found: Vec<_> = policies
        .iter()
        .map(|p| (p.resource_id.as_str(), p.kind, p.syntax_error.is_some()))
        .collect();
    assert_eq!(
        found,
        [
            ("LogsPolicy", PolicyKind::Resource, false),
            ("Key", PolicyKind::Resource, false),
            ("Repository", PolicyKind::Resource, false),
            ("SecretPolicy", PolicyKind::Resource, false),
            ("BusStatement", PolicyKind::Resource, false),
            ("BusPermission", PolicyKind::Resource, false),
            ("LayerPermission", PolicyKind::Resource, false),
            ("BrokenKey", PolicyKind::Resource, true),
        ]
    );
    for p in policies.iter().filter(|p| p.syntax_error.is_none()) {
        let parsed = parse_policy(&p.document);
        assert!(
            !parsed.has_errors(),
            "{}: {:?}",
            p.resource_id,
            parsed.diagnostics
        );
    }
}

#[test]
fn a_folded_sub_block_is_parsed_with_substitutions_and_positions() {
    let policies = policies();
    let logs = policy(&policies, "LogsPolicy");
    let s = statement(logs);
    let actions = s.get("Action").unwrap().as_array().unwrap();
    assert_eq!(text_at(actions[1].span), "\"logs:PutLogEvents\"");
    assert_eq!(line_col(actions[1].span), (19, 50));
    let resource = s.get("Resource").unwrap();
    assert_eq!(
        resource.as_str(),
        Some("arn:aws:logs:eu-west-1:111122223333:log-group:/aws/events/*:*")
    );
    assert!(text_at(resource.span).starts_with("\"arn:${AWS::Partition}:logs:"));
    assert!(logs.unresolved.is_empty(), "{:?}", logs.unresolved);
}

#[test]
fn literal_single_quoted_and_double_quoted_strings_map_into_the_yaml() {
    let policies = policies();
    let key = statement(policy(&policies, "Key"));
    let action = key.get("Action").unwrap();
    assert_eq!(text_at(action.span), "\"kms:*\"");
    assert_eq!(line_col(action.span).0, 30);
    let repository = statement(policy(&policies, "Repository"));
    assert_eq!(
        text_at(repository.get("Action").unwrap().span),
        "\"ecr:BatchGetImage\""
    );
    // A double-quoted YAML string with `\"` escapes, like a JSON string.
    let secret = statement(policy(&policies, "SecretPolicy"));
    let action = secret.get("Action").unwrap();
    assert_eq!(action.as_str(), Some("secretsmanager:DeleteSecret"));
    assert_eq!(text_at(action.span), "\\\"secretsmanager:DeleteSecret\\\"");
    assert_eq!(
        policy(&policies, "SecretPolicy").target_resources,
        ["Secret"]
    );
}

#[test]
fn event_bus_policies_become_statements_on_the_bus() {
    let policies = policies();
    let written = policy(&policies, "BusStatement");
    assert_eq!(written.target_resources, ["Bus"]);
    let s = statement(written);
    assert_eq!(
        s.get("Resource").unwrap().as_str(),
        Some("arn:aws:events:eu-west-1:111122223333:event-bus/orders-bus")
    );
    assert_eq!(text_at(s.get("Action").unwrap().span), "events:PutEvents");
    // The PutPermission form: default bus, `Condition {Type, Key, Value}`.
    let legacy = policy(&policies, "BusPermission");
    let s = statement(legacy);
    assert_eq!(s.get("Sid").unwrap().as_str(), Some("OrgPut"));
    assert_eq!(s.get("Principal").unwrap().as_str(), Some("*"));
    assert_eq!(
        s.get("Resource").unwrap().as_str(),
        Some("arn:aws:events:eu-west-1:111122223333:event-bus/default")
    );
    let org = s
        .get("Condition")
        .unwrap()
        .get("StringEquals")
        .unwrap()
        .get("aws:PrincipalOrgID")
        .unwrap();
    assert_eq!(text_at(org.span), "o-abc123");
}

#[test]
fn a_layer_version_permission_is_the_statement_lambda_adds() {
    let policies = policies();
    let layer = policy(&policies, "LayerPermission");
    let s = statement(layer);
    assert_eq!(
        s.get("Resource").unwrap().as_str(),
        Some("arn:aws:lambda:us-east-1:111122223333:layer:shared:3")
    );
    assert_eq!(
        text_at(s.get("Action").unwrap().span),
        "lambda:GetLayerVersion"
    );
    assert!(s.get("Condition").is_some());
}

#[test]
fn invalid_json_in_a_string_policy_is_an_error_at_its_position() {
    let policies = policies();
    let broken = policy(&policies, "BrokenKey");
    let error = broken.syntax_error.as_ref().unwrap();
    assert_eq!(text_at(error.span), "}");
    assert_eq!(line_col(error.span).0, 70);
}

#[test]
fn a_json_template_maps_escaped_policy_strings() {
    let text = r#"{"Resources": {"Key": {"Type": "AWS::KMS::Key", "Properties": {"KeyPolicy": "{\"Statement\": [{\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"kms:Decrypt\", \"Resource\": \"*\"}]}"}}}}"#;
    let template = read_template(text).unwrap();
    let policies = extract_policies_with(&template, &ResolveContext::default());
    let action = statement(&policies[0]).get("Action").unwrap();
    assert_eq!(
        &text[action.span.start..action.span.end],
        r#"\"kms:Decrypt\""#
    );
}
