//! SAM connectors expanded from SAM's connector profiles into the policies
//! SAM deploys: role policies on the source's role, queue policies, and
//! Lambda permission statements, with positions in the template.
#![allow(clippy::unwrap_used)]

use leash_iac::{
    EmbeddedPolicy, PolicyKind, PolicyOrigin, ResolveContext, extract_policies_with, read_template,
};
use leash_policy::parse::parse_policy;
use leash_policy::{Span, Value};

const TEXT: &str = include_str!("fixtures/connectors.yaml");

fn text_at(span: Span) -> &'static str {
    &TEXT[span.start..span.end]
}

fn connector_policies() -> Vec<EmbeddedPolicy> {
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
        .into_iter()
        .filter(|p| p.origin == PolicyOrigin::SamConnector)
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

fn strings(value: &Value) -> Vec<&str> {
    match value.as_array() {
        Some(items) => items.iter().map(|i| i.as_str().unwrap()).collect(),
        None => vec![value.as_str().unwrap()],
    }
}

#[test]
fn every_connector_becomes_a_policy_that_parses() {
    let policies = connector_policies();
    let found: Vec<_> = policies
        .iter()
        .map(|p| (p.resource_id.as_str(), p.path.as_str(), p.kind))
        .collect();
    assert_eq!(
        found,
        [
            (
                "Reader",
                "Connectors.TableAccess.Properties",
                PolicyKind::Identity
            ),
            ("TopicToQueue", "Properties", PolicyKind::Resource),
            ("ApiToReader", "Properties", PolicyKind::Resource),
            ("ExternalRole", "Properties", PolicyKind::Identity),
        ]
    );
    for p in &policies {
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
fn an_embedded_connector_grants_the_table_to_the_generated_role() {
    let policies = connector_policies();
    let table = &policies[0];
    assert_eq!(table.attached_roles, ["ReaderRole"]);
    assert_eq!(table.attached_functions, ["Reader"]);
    // Read and Write: SAM's two statements, in that order.
    let [read, write] = statements(table) else {
        panic!("two statements expected");
    };
    assert!(strings(read.get("Action").unwrap()).contains(&"dynamodb:Scan"));
    assert!(strings(write.get("Action").unwrap()).contains(&"dynamodb:PutItem"));
    assert_eq!(
        strings(read.get("Resource").unwrap()),
        [
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders",
            "arn:aws:dynamodb:eu-west-1:111122223333:table/orders/index/*",
        ]
    );
    // Statements point at the permission that asked for them, ARNs at the `Id`.
    assert_eq!(text_at(read.get("Action").unwrap().span), "Read");
    assert_eq!(text_at(write.get("Effect").unwrap().span), "Write");
    let resource = &read.get("Resource").unwrap().as_array().unwrap()[0];
    assert_eq!(text_at(resource.span), "Orders");
}

#[test]
fn a_topic_to_queue_connector_is_a_queue_policy_with_a_source_condition() {
    let policies = connector_policies();
    let queue = &policies[1];
    assert_eq!(queue.target_resources, ["Inbox"]);
    let statement = &statements(queue)[0];
    assert_eq!(
        statement
            .get("Principal")
            .unwrap()
            .get("Service")
            .unwrap()
            .as_str(),
        Some("sns.amazonaws.com")
    );
    assert_eq!(
        statement.get("Resource").unwrap().as_str(),
        Some("arn:aws:sqs:eu-west-1:111122223333:inbox")
    );
    let source = statement
        .get("Condition")
        .unwrap()
        .get("ArnEquals")
        .unwrap()
        .get("aws:SourceArn")
        .unwrap();
    assert_eq!(
        source.as_str(),
        Some("arn:aws:sns:eu-west-1:111122223333:order-events")
    );
}

#[test]
fn an_api_to_function_connector_is_a_lambda_permission() {
    let policies = connector_policies();
    let permission = &policies[2];
    assert_eq!(permission.attached_functions, ["Reader"]);
    let statement = &statements(permission)[0];
    assert_eq!(
        statement
            .get("Principal")
            .unwrap()
            .get("Service")
            .unwrap()
            .as_str(),
        Some("apigateway.amazonaws.com")
    );
    assert_eq!(
        statement.get("Action").unwrap().as_str(),
        Some("lambda:InvokeFunction")
    );
    let source = statement
        .get("Condition")
        .unwrap()
        .get("ArnLike")
        .unwrap()
        .get("aws:SourceArn")
        .unwrap()
        .as_str()
        .unwrap();
    assert!(
        source.starts_with("arn:aws:execute-api:eu-west-1:111122223333:"),
        "{source}"
    );
    assert!(source.ends_with("/*"), "{source}");
}

#[test]
fn a_connector_between_resources_outside_the_template_uses_the_role_name() {
    let policies = connector_policies();
    let external = &policies[3];
    assert_eq!(external.attached_roles, ["legacy-role"]);
    let statement = &statements(external)[0];
    assert!(strings(statement.get("Resource").unwrap()).contains(&"arn:aws:s3:::legacy-bucket/*"));
}
