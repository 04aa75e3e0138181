//! The false-positive classes found on real SAM templates (issue 11), one
//! test each, on a fixture taken from a template of
//! `../shared/corpus/sam-templates` (each fixture names its source). Each
//! test also checks that a small change making the statement really broad
//! is still reported, so the rule has not simply gone quiet.
#![allow(clippy::unwrap_used)]

use leash_lint::{Diagnostic, Severity, lint_template_text};

fn findings(text: &str, code: &str) -> Vec<Diagnostic> {
    lint_template_text(text)
        .into_iter()
        .filter(|d| d.code == code)
        .collect()
}

/// `text` with `from` replaced by `to`, which must occur.
fn edited(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "`{from}` is not in the fixture");
    text.replace(from, to)
}

// API Gateway's private-API policy: Allow `*`, Deny unless from the VPC
// endpoint; the explicit deny overrides the allow.
// https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
#[test]
fn a_private_apis_allow_limited_by_a_vpc_endpoint_deny_is_not_public() {
    let text = include_str!("fixtures/negative/public-principal-without-condition.yaml");
    assert!(findings(text, "L309").is_empty());
    // Without the Deny's condition key being an origin, the Allow is open.
    let other_key = edited(text, "aws:sourceVpce", "aws:UserAgent");
    assert_eq!(findings(&other_key, "L309").len(), 1);
}

// Assuming one named role gives that role's permissions, which the author
// granted: https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_permissions-to-switch.html
#[test]
fn assume_role_on_one_named_role_is_not_an_escalation_path() {
    let text = include_str!("fixtures/negative/privilege-escalation-path.yaml");
    assert!(findings(text, "L313").is_empty());
    let every_role = edited(text, "role/cross-account-lambda-invoker", "role/*");
    assert_eq!(findings(&every_role, "L313").len(), 1);
}

// The execute-api ARN's parts after the API id are stage, method and
// resource path: https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
#[test]
fn a_source_arn_naming_the_route_does_not_cover_every_route() {
    let text = include_str!("fixtures/negative/lambda-permission-source-arn-too-broad.yaml");
    assert!(findings(text, "L505").is_empty());
    let every_route = edited(text, "/*/*/{uuid}", "/*/*/*");
    assert_eq!(findings(&every_route, "L505").len(), 1);
}

// "Actions that operate on a function can be restricted to a specific
// function by function, version, or alias ARN":
// https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html
#[test]
fn invoke_on_a_qualified_function_arn_applies() {
    let text = include_str!("fixtures/negative/action-on-inapplicable-resource.yaml");
    assert!(findings(text, "L105").is_empty());
    // A layer is not a function: still reported.
    let layer = edited(
        text,
        "!Sub ${Step1AddFunction.Arn}:*",
        "!Sub arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:layer:deps:3",
    );
    assert_eq!(findings(&layer, "L105").len(), 1);
}

// SQS authorizes its batch calls as the single-message actions:
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-batch-api.html
#[test]
fn unknown_actions_of_a_sam_policy_template_are_one_info_finding_at_its_use() {
    let text = include_str!("fixtures/precision/sam-policy-template-unknown-actions.yaml");
    let found = findings(text, "L102");
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(d.severity, Severity::Info);
    assert_eq!(&text[d.span.start..d.span.end], "SQSPollerPolicy");
    assert!(d.message.contains("SAM policy template `SQSPollerPolicy`"));
    assert!(
        d.message
            .contains("`sqs:ChangeMessageVisibilityBatch`, `sqs:DeleteMessageBatch`")
    );
    let help = d.help.as_deref().unwrap();
    assert!(
        help.contains("`sqs:DeleteMessageBatch` as `sqs:DeleteMessage`"),
        "{help}"
    );
    // Nothing at error: a CI run at the default `--fail-on error` passes.
    assert!(
        lint_template_text(text)
            .iter()
            .all(|d| d.severity < Severity::Error)
    );
    // The same action written by the author is theirs to fix: an error.
    let written = edited(
        text,
        "        - DynamoDBWritePolicy:",
        "        - Statement:\n            - Effect: Allow\n              Action: sqs:DeleteMessageBatch\n              Resource: !GetAtt IngressQueue.Arn\n        - DynamoDBWritePolicy:",
    );
    let errors: Vec<_> = findings(&written, "L102")
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1);
}

#[test]
fn other_findings_in_a_sam_policy_template_name_the_template() {
    // From ../shared/corpus/sam-templates/sfn-lambda.yaml: SAM's
    // `CloudWatchPutMetricPolicy` grants `cloudwatch:PutMetricData` on `*`.
    let text = "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.13\n      CodeUri: src/\n      Policies:\n        - CloudWatchPutMetricPolicy: {}\n";
    let found = findings(text, "L106");
    assert_eq!(found.len(), 1);
    assert!(
        found[0]
            .message
            .starts_with("in SAM policy template `CloudWatchPutMetricPolicy`: ")
    );
    assert!(found[0].fix.is_none());
}

// Without policy variables a policy means the same under either version:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
#[test]
fn a_missing_version_without_policy_variables_is_info() {
    let text = include_str!("fixtures/precision/policy-without-version.yaml");
    let found = findings(text, "L401");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Info);
    let variables = edited(
        text,
        ":phone/number/validate",
        ":phone/number/${aws:username}",
    );
    let found = findings(&variables, "L401");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].severity, Severity::Warning);
}
