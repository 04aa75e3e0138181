//! The design options, from a manifest and from a template's metadata:
//! permissions boundary, bucket policy, LeadingKeys and time-window
//! conditions, an API's source IP ranges, customer managed keys, and a
//! cross-account consumer. Each is checked by the engine (allowed where it
//! should be, denied where it should be) and is lint-clean.
#![allow(clippy::unwrap_used)]

use leash_design::{
    CheckKind, RoleDesign, Target, design, design_consumers, design_resource_policies,
    read_application, read_manifest, read_template,
};

const KEY: &str = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

const MANIFEST: &str = r#"
leash-manifest: 1
account: "111122223333"
region: us-west-2
permissions-boundary: arn:aws:iam::111122223333:policy/workload-boundary
tables:
  Orders:
    key: {partition: customerId, sort: orderId}
    kms-key: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
buckets:
  acme-orders-receipts:
    kms-key: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
    policy: {deny-insecure-transport: true, deny-outside: account}
functions:
  get-order:
    needs:
      - resource: Orders
        actions: [dynamodb:GetItem]
        conditions:
          leading-keys: ["${aws:PrincipalTag/tenant}"]
          after: "2026-01-01T00:00:00Z"
          before: "2027-01-01T00:00:00Z"
  upload-receipt:
    needs:
      - {resource: acme-orders-receipts, access: put, prefix: receipts/}
apis:
  OrdersApi:
    stage: prod
    source-ip: [203.0.113.0/24, "2001:db8::/32"]
    routes:
      - {method: GET, path: "/orders/{orderId}", function: get-order}
      - {method: POST, path: "/orders/{orderId}/receipt", function: upload-receipt}
consumers:
  partner-reports:
    account: "444455556666"
    external-id: partner-7c1f
    organization: o-a1b2c3d4e5
    needs:
      - {resource: acme-orders-receipts, access: read, prefix: reports/}
"#;

const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Metadata:
  leash:
    account: "111122223333"
    region: us-west-2
    permissions-boundary: arn:aws:iam::111122223333:policy/workload-boundary
    consumers:
      partner-reports:
        account: "444455556666"
        external-id: partner-7c1f
        organization: o-a1b2c3d4e5
        needs:
          - {resource: Receipts, access: read, prefix: reports/}
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
    Properties:
      TableName: Orders
      KeySchema: [{AttributeName: customerId, KeyType: HASH}, {AttributeName: orderId, KeyType: RANGE}]
      SSESpecification:
        SSEEnabled: true
        SSEType: KMS
        KMSMasterKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab
  Receipts:
    Type: AWS::S3::Bucket
    Metadata:
      leash:
        policy: {deny-insecure-transport: true, deny-outside: account}
    Properties:
      BucketName: acme-orders-receipts
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab
  OrdersApi:
    Type: AWS::Serverless::Api
    Metadata:
      leash:
        source-ip: [203.0.113.0/24, "2001:db8::/32"]
    Properties: {StageName: prod}
  GetOrder:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - resource: Orders
            actions: [dynamodb:GetItem]
            conditions:
              leading-keys: ["${aws:PrincipalTag/tenant}"]
              after: "2026-01-01T00:00:00Z"
              before: "2027-01-01T00:00:00Z"
    Properties:
      FunctionName: get-order
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref OrdersApi, Path: "/orders/{orderId}", Method: get}}
  UploadReceipt:
    Type: AWS::Serverless::Function
    Metadata:
      leash:
        needs:
          - {resource: Receipts, access: put, prefix: receipts/}
    Properties:
      FunctionName: upload-receipt
      Events:
        Upload: {Type: Api, Properties: {RestApiId: !Ref OrdersApi, Path: "/orders/{orderId}/receipt", Method: post}}
"#;

fn failed(role: &RoleDesign) -> Vec<String> {
    role.verification
        .iter()
        .filter(|c| !c.passed)
        .map(|c| {
            format!(
                "{:?} {} {} {:?} -> {}",
                c.kind, c.action, c.resource, c.context, c.why
            )
        })
        .collect()
}

fn check_all(app: &leash_design::Application) {
    let roles = design(app).unwrap();
    for role in &roles {
        assert!(
            failed(role).is_empty(),
            "{}: {:#?}",
            role.role_name,
            failed(role)
        );
        assert!(
            role.lint_findings.is_empty(),
            "{}: {:?}",
            role.role_name,
            role.lint_findings
        );
        assert_eq!(
            role.permissions_boundary.as_deref(),
            Some("arn:aws:iam::111122223333:policy/workload-boundary")
        );
    }
    let get = &roles[0];
    let get_item = get
        .permissions
        .iter()
        .find(|p| p.action == "dynamodb:GetItem")
        .unwrap();
    for expected in [
        (
            "ForAllValues:StringEquals",
            "dynamodb:LeadingKeys",
            "${aws:PrincipalTag/tenant}",
        ),
        ("Null", "dynamodb:LeadingKeys", "false"),
        ("DateGreaterThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
        ("DateLessThan", "aws:CurrentTime", "2027-01-01T00:00:00Z"),
    ] {
        assert!(
            get_item.conditions.contains(&(
                expected.0.to_string(),
                expected.1.to_string(),
                vec![expected.2.to_string()]
            )),
            "{expected:?} in {:?}",
            get_item.conditions
        );
    }
    // Another tenant's key, no key, and the window's bounds: denied.
    let outside: Vec<_> = get
        .verification
        .iter()
        .filter(|c| c.kind == CheckKind::OutsideCondition && c.action == "dynamodb:GetItem")
        .collect();
    assert_eq!(outside.len(), 4, "{outside:#?}");
    // The table's key, through DynamoDB only.
    assert!(get.permissions.iter().any(|p| p.action == "kms:Decrypt"
        && p.resource == KEY
        && p.conditions.iter().any(|(_, k, v)| k == "kms:ViaService"
            && v == &vec!["dynamodb.us-west-2.amazonaws.com".to_string()])));
    assert!(
        get.verification
            .iter()
            .any(|c| c.action == "kms:Decrypt" && c.context.is_empty() && !c.allowed && c.passed)
    );
    // Uploads generate data keys through S3.
    let upload = &roles[1];
    assert!(upload.permissions.iter().any(|p| {
        p.action == "kms:GenerateDataKey"
            && p.conditions
                .iter()
                .any(|(_, _, v)| v == &vec!["s3.us-west-2.amazonaws.com".to_string()])
    }));

    let consumers = design_consumers(app).unwrap();
    assert_eq!(consumers.len(), 1);
    let partner = &consumers[0];
    assert!(failed(partner).is_empty(), "{:#?}", failed(partner));
    assert!(
        partner.lint_findings.is_empty(),
        "{:?}",
        partner.lint_findings
    );
    assert_eq!(partner.role_name, "partner-reports");
    assert!(
        partner
            .trust_policy
            .text()
            .contains("arn:aws:iam::444455556666:root")
    );
    assert!(partner.trust_policy.text().contains("partner-7c1f"));
    assert!(partner.trust_policy.text().contains("o-a1b2c3d4e5"));
    assert!(
        partner
            .permissions
            .iter()
            .all(|p| !p.action.starts_with("logs:"))
    );
    // Allowed with the external id and org; without each, with another
    // value, and from a third account: denied.
    let trust: Vec<_> = partner
        .verification
        .iter()
        .filter(|c| c.action == "sts:AssumeRole")
        .collect();
    assert_eq!(trust.len(), 6, "{trust:#?}");
    assert_eq!(trust.iter().filter(|c| c.allowed).count(), 1);

    let policies = design_resource_policies(app, &roles).unwrap();
    assert_eq!(policies.len(), 2);
    for policy in &policies {
        let failed: Vec<_> = policy.verification.iter().filter(|c| !c.passed).collect();
        assert!(failed.is_empty(), "{}: {failed:#?}", policy.resource);
        assert!(
            policy.lint_findings.is_empty(),
            "{}: {:?}",
            policy.resource,
            policy.lint_findings
        );
    }
    let bucket = policies.iter().find(|p| p.kind == "bucket").unwrap();
    assert!(bucket.policy.text().contains("aws:SecureTransport"));
    // The upload over plain HTTP is denied by the bucket policy itself.
    assert!(bucket.verification.iter().any(|c| {
        c.action == "s3:PutObject"
            && c.context
                .iter()
                .any(|(k, v)| k == "aws:SecureTransport" && v == "false")
            && c.why == "explicit_deny"
    }));
    assert!(bucket.verification.iter().any(|c| {
        c.context.iter().any(|(_, v)| v.contains("999988887777")) && c.why == "explicit_deny"
    }));
    let api = policies.iter().find(|p| p.kind == "api").unwrap();
    assert!(api.policy.text().contains("${OrdersApi}"));
    assert_eq!(api.verification.iter().filter(|c| c.allowed).count(), 2);
    assert_eq!(api.verification.iter().filter(|c| !c.allowed).count(), 1);
}

#[test]
fn every_option_from_a_manifest_verifies() {
    let app = read_manifest(MANIFEST, &Target::default()).unwrap();
    check_all(&app);
}

#[test]
fn every_option_from_template_metadata_verifies_and_matches_the_manifest() {
    let template = read_template(TEMPLATE).unwrap();
    let from_template = read_application(&template, &Target::default()).unwrap();
    check_all(&from_template);
    let from_manifest = read_manifest(MANIFEST, &Target::default()).unwrap();
    let a = design(&from_template).unwrap();
    let b = design(&from_manifest).unwrap();
    for (a, b) in a.iter().zip(&b) {
        assert_eq!(a.permissions_policy, b.permissions_policy);
    }
    let a = design_consumers(&from_template).unwrap();
    let b = design_consumers(&from_manifest).unwrap();
    assert_eq!(a[0].permissions_policy, b[0].permissions_policy);
    assert_eq!(a[0].trust_policy, b[0].trust_policy);
}

#[test]
fn options_are_checked() {
    let cases = [
        (
            "deny-outside: account",
            "deny-outside: everyone",
            "`deny-outside` must be",
        ),
        (
            "source-ip: [203.0.113.0/24,",
            "source-ip: [203.0.113.1/24,",
            "is not an IP range",
        ),
        (
            "    external-id: partner-7c1f\n    organization: o-a1b2c3d4e5\n",
            "",
            "needs `external-id` or `organization`",
        ),
        (
            "account: \"444455556666\"",
            "account: \"111122223333\"",
            "own account",
        ),
        (
            "leading-keys:",
            "leading-key:",
            "unknown condition `leading-key`",
        ),
        (
            "after: \"2026-01-01T00:00:00Z\"",
            "after: \"2028-01-01T00:00:00Z\"",
            "must come before",
        ),
        (
            "policy/workload-boundary",
            "role/workload-boundary",
            "managed policy ARN",
        ),
        (
            "{resource: acme-orders-receipts, access: put, prefix: receipts/}",
            "{resource: acme-orders-receipts, access: put, prefix: receipts/, conditions: {leading-keys: [x]}}",
            "only to tables",
        ),
    ];
    for (from, to, message) in cases {
        assert!(MANIFEST.contains(from), "{from}");
        let text = MANIFEST.replacen(from, to, 1);
        let error = read_manifest(&text, &Target::default()).unwrap_err();
        assert!(error.to_string().contains(message), "{to}: {error}");
        assert!(error.span().is_some());
    }
}

/// The boundary of the options reaches the CloudFormation and Terraform
/// outputs too.
#[test]
fn the_boundary_option_reaches_cfn_and_terraform() {
    let template = read_template(TEMPLATE).unwrap();
    let app = read_application(&template, &Target::default()).unwrap();
    let roles = design(&app).unwrap();
    let boundary = "arn:aws:iam::111122223333:policy/workload-boundary";
    let cfn =
        leash_design::cloudformation::designed_template(&template, &app, &roles, &[]).unwrap();
    let value: serde_json::Value = serde_json::from_str(&cfn.text).unwrap();
    assert_eq!(
        value["Resources"]["GetOrderRole"]["Properties"]["PermissionsBoundary"], boundary,
        "{}",
        cfn.text
    );
    let terraform =
        leash_design::terraform::terraform_design(&template, &app, &roles, &[]).unwrap();
    let value: serde_json::Value = serde_json::from_str(&terraform.text).unwrap();
    assert_eq!(
        value["resource"]["aws_iam_role"]["get_order"]["permissions_boundary"], boundary,
        "{}",
        terraform.text
    );
}
