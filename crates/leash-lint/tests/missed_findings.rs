//! The findings issue 11 found missing on real templates, each from a
//! corpus template (cited in its fixture under `fixtures/missed/`), with a
//! fixture that must not trigger it. Each class is its own test.
#![allow(clippy::unwrap_used)]

use leash_lint::{Diagnostic, Severity};

fn lint(name: &str) -> (String, Vec<Diagnostic>) {
    let path = format!(
        "{}/tests/fixtures/missed/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let found = leash_lint::lint_template_text(&text);
    (text, found)
}

fn with_code<'a>(found: &'a [Diagnostic], code: &str) -> Vec<&'a Diagnostic> {
    found.iter().filter(|d| d.code == code).collect()
}

/// SAM attaches `AWSLambdaSQSQueueExecutionRole` for an SQS event: a
/// warning at the event, with the poller's actions on the event's own
/// queue as the replacement.
/// <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies>
#[test]
fn sqs_poller_policy_is_reported_at_the_event() {
    let (text, found) = lint("sqs-poller.yaml");
    let pollers = with_code(&found, "L510");
    assert_eq!(pollers.len(), 1, "{found:#?}");
    let finding = pollers[0];
    assert_eq!(finding.severity, Severity::Warning);
    assert_eq!(&text[finding.span.start..finding.span.end], "MySQSEvent");
    assert!(
        finding.message.contains("`AWSLambdaSQSQueueExecutionRole`")
            && finding.message.contains("every queue of the account"),
        "{}",
        finding.message
    );
    let help = finding.help.as_deref().unwrap();
    assert!(
        help.contains("`sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:GetQueueAttributes` on `!GetAtt MySqsQueue.Arn`"),
        "{help}"
    );
    // Judged once, at the event: not again as a broad managed policy.
    assert!(
        !with_code(&found, "L506")
            .iter()
            .any(|d| d.message.contains("SQSQueue")),
        "{found:#?}"
    );
}

#[test]
fn a_function_with_its_own_role_gets_no_poller_policy() {
    let (_, found) = lint("sqs-poller-own-role.yaml");
    assert!(with_code(&found, "L510").is_empty(), "{found:#?}");
}

/// The DynamoDB stream poller: its stream actions on the event's stream,
/// `dynamodb:ListStreams` (no resource type in the catalog) on `*`.
#[test]
fn dynamodb_stream_poller_policy_is_reported_with_its_stream() {
    let (_, found) = lint("dynamodb-stream-poller.yaml");
    let pollers = with_code(&found, "L510");
    assert_eq!(pollers.len(), 1, "{found:#?}");
    let help = pollers[0].help.as_deref().unwrap();
    assert!(
        help.contains("on `!GetAtt DynamoDBTable.StreamArn` and `dynamodb:ListStreams`, which has no resource-level permissions"),
        "{help}"
    );
    assert!(pollers[0].message.contains("`dynamodb:GetRecords`"));
}

/// `AdministratorAccess` is broad by its document (`"Action": "*"`), not
/// by a `*FullAccess` name.
#[test]
fn administrator_access_on_a_function_role_is_broad() {
    let (_, found) = lint("administrator-access.yaml");
    let broad = with_code(&found, "L506");
    assert_eq!(broad.len(), 1, "{found:#?}");
    assert_eq!(broad[0].severity, Severity::Warning);
    assert!(
        broad[0]
            .message
            .contains("allows every action on every resource"),
        "{}",
        broad[0].message
    );
}

/// `AmazonAPIGatewayAdministrator` allows `apigateway:*` on
/// `arn:aws:apigateway:*::/*`: every API of the account; the read-only
/// policy beside it is not reported.
#[test]
fn api_gateway_administrator_is_broad_by_its_document() {
    let (_, found) = lint("api-gateway-administrator.yaml");
    let broad = with_code(&found, "L506");
    let messages: Vec<&str> = broad.iter().map(|d| d.message.as_str()).collect();
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("`AmazonAPIGatewayAdministrator`")
                && m.contains("write actions of `apigateway` on every resource")),
        "{messages:#?}"
    );
    assert!(
        !messages
            .iter()
            .any(|m| m.contains("AmazonS3ReadOnlyAccess")),
        "{messages:#?}"
    );
}

#[test]
fn read_only_and_lambda_setup_policies_are_not_broad() {
    let (_, found) = lint("quiet-managed-policies.yaml");
    let warnings: Vec<&Diagnostic> = with_code(&found, "L506")
        .into_iter()
        .filter(|d| d.severity == Severity::Warning)
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
}

/// `aoss:CreateAccessPolicy` on `*` writes a data access policy: it
/// changes who may read the collections (the catalog says Write).
/// <https://docs.aws.amazon.com/opensearch-service/latest/developerguide/serverless-data-access.html>
#[test]
fn aoss_access_policy_on_every_resource_changes_permissions() {
    let (text, found) = lint("aoss-access-policy.yaml");
    let changes = with_code(&found, "L410");
    assert_eq!(changes.len(), 1, "{found:#?}");
    assert_eq!(
        &text[changes[0].span.start..changes[0].span.end],
        "'aoss:CreateAccessPolicy'"
    );
    let help = changes[0].help.as_deref().unwrap();
    assert!(help.contains("`aoss:collection`"), "{help}");
}

#[test]
fn aoss_reads_do_not_change_permissions() {
    let (_, found) = lint("aoss-read-only.yaml");
    assert!(with_code(&found, "L410").is_empty(), "{found:#?}");
}

/// `s3:Put*` on a bucket and its objects reaches `s3:PutBucketPolicy`,
/// `s3:PutBucketAcl` and `s3:PutObjectAcl` (Permissions management in the
/// catalog): <https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html>.
#[test]
fn a_wildcard_on_a_named_bucket_reaching_policy_actions_is_reported() {
    let (text, found) = lint("s3-put-wildcard-on-bucket.yaml");
    let changes = with_code(&found, "L410");
    assert_eq!(changes.len(), 1, "{found:#?}");
    assert_eq!(
        &text[changes[0].span.start..changes[0].span.end],
        "'s3:Put*'"
    );
    let message = &changes[0].message;
    for action in ["s3:PutBucketPolicy", "s3:PutBucketAcl"] {
        assert!(message.contains(action), "{message}");
    }
}

#[test]
fn a_wildcard_on_objects_reaching_no_policy_action_is_not_reported() {
    let (_, found) = lint("s3-object-wildcard-on-objects.yaml");
    assert!(with_code(&found, "L410").is_empty(), "{found:#?}");
}
