//! Role documents (`leash design`'s per-role files, an `AWS::IAM::Role`'s
//! properties) and Terraform JSON configurations (`main.tf.json`) linted
//! policy by policy, each with the kind its place gives it and positions
//! inside the file.
#![allow(clippy::unwrap_used)]

use leash_lint::{
    Severity, is_role_document_value, is_terraform_configuration_value, lint_role_document,
    lint_terraform_configuration,
};
use leash_policy::json::parse_json;

const ROLE: &str = r#"{
  "RoleName": "orders-role",
  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole"}]},
  "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": "*", "Action": "dynamodb:GetItem", "Resource": "*"}]}}],
  "PermissionsBoundary": "arn:aws:iam::111122223333:policy/boundary"
}"#;

#[test]
fn a_role_is_told_from_a_policy() {
    assert!(is_role_document_value(&parse_json(ROLE).unwrap()));
    let policy = r#"{"Version": "2012-10-17", "Statement": [], "Policies": []}"#;
    assert!(!is_role_document_value(&parse_json(policy).unwrap()));
    assert!(!is_role_document_value(
        &parse_json(r#"{"Version": "2012-10-17"}"#).unwrap()
    ));
}

/// A trust policy needs a `Principal`, an identity policy must not have
/// one: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
#[test]
fn the_trust_policy_and_each_permissions_policy_are_linted_as_their_kind() {
    let findings = lint_role_document(&parse_json(ROLE).unwrap());
    let errors: Vec<_> = findings
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let trust_start = ROLE.find(r#"{"Effect": "Allow", "Action""#).unwrap();
    let principal_start = ROLE.find(r#""Principal": "*""#).unwrap();
    assert!(
        errors.iter().any(|d| d.span.start >= trust_start
            && d.span.start < principal_start
            && d.message.contains("Principal")),
        "{findings:#?}"
    );
    assert!(
        errors
            .iter()
            .any(|d| d.span.start >= principal_start && d.message.contains("Principal")),
        "{findings:#?}"
    );
    assert!(
        findings
            .iter()
            .all(|d| d.resource.as_deref() == Some("orders-role"))
    );
    // `RoleName` and `PermissionsBoundary` are not policies: no finding
    // about unknown policy elements.
    assert!(findings.iter().all(|d| !d.message.contains("RoleName")));
}

#[test]
fn policies_that_are_not_a_list_of_documents_are_reported_where_they_are() {
    let text = r#"{"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
      "Policies": [{"PolicyName": "p"}]}"#;
    let findings = lint_role_document(&parse_json(text).unwrap());
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(
        findings[0].span.start,
        text.find(r#"{"PolicyName""#).unwrap()
    );
    assert_eq!(findings[0].severity, Severity::Error);
}

#[test]
fn a_terraform_configuration_has_its_policy_strings_linted_in_place() {
    let text = r#"{
  "variable": {"api_id": {"type": "string"}},
  "resource": {
    "aws_iam_role": {"worker": {"name": "worker",
      "assume_role_policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"lambda.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}"}},
    "aws_iam_role_policy": {"worker": {"name": "p", "role": "${aws_iam_role.worker.id}",
      "policy": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObjects\",\"Resource\":\"*\"}]}"}}
  }
}"#;
    let value = parse_json(text).unwrap();
    assert!(is_terraform_configuration_value(&value));
    let findings = lint_terraform_configuration(text, &value);
    let unknown = findings
        .iter()
        .find(|d| d.message.contains("GetObjects"))
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(
        &text[unknown.span.start..unknown.span.end],
        r#"\"s3:GetObjects\""#
    );
    assert_eq!(
        unknown.resource.as_deref(),
        Some("aws_iam_role_policy.worker")
    );
    // The trust policy is read as one: its `Principal` is no finding.
    assert!(
        findings
            .iter()
            .all(|d| d.severity != Severity::Error || d.message.contains("GetObjects")),
        "{findings:#?}"
    );
}
