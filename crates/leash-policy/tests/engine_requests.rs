//! `leash sim` request files read from disk: policies by path relative to
//! the request file, positioned errors, and the decision JSON the CLI
//! prints. Format: docs/architecture.md, "Request file (sim)".
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::PathBuf;

use leash_policy::authz::PreparedPolicySet;
use leash_policy::request::{ErrorSource, decision_to_json, read_request_file, read_request_text};

struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("leash-engine-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&path);
        fs::create_dir_all(path.join("policies")).unwrap();
        TempDir(path)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

const ROLE_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "WriteOrders", "Effect": "Allow", "Action": "dynamodb:PutItem",
   "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}]}"#;

const TLS_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "dynamodb:*", "Resource": "*",
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#;

fn request(secure: &str) -> String {
    format!(
        r#"{{
  "principal": "arn:aws:sts::111122223333:assumed-role/orders-create/fn",
  "action": "dynamodb:PutItem",
  "resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
  "context": {{"aws:SecureTransport": "{secure}"}},
  "current_time": "2024-06-01T12:00:00Z",
  "identity_policies": ["policies/role.json"],
  "resource_policy": "policies/table.json",
  "scps": [["policies/full.json"]],
  "rcps": []
}}"#
    )
}

#[test]
fn policies_by_path_and_the_decision_json() {
    let dir = TempDir::new("paths");
    dir.write("policies/role.json", ROLE_POLICY);
    dir.write("policies/table.json", TLS_ONLY);
    dir.write(
        "policies/full.json",
        r#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}"#,
    );

    let allowed = dir.write("allowed.json", &request("true"));
    let sim = read_request_file(&allowed).unwrap();
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    let json = decision_to_json(&decision);
    assert_eq!(json["decision"], "allow");
    assert_eq!(json["reason"], "allowed");
    assert_eq!(json["deciding"][0]["policy"], "policies/role.json");
    assert_eq!(json["deciding"][0]["policy_kind"], "identity");
    assert_eq!(json["deciding"][0]["sid"], "WriteOrders");
    assert_eq!(json["deciding"][0]["statement"], 0);
    assert!(json["near_misses"].as_array().unwrap().is_empty());

    let denied = dir.write("denied.json", &request("false"));
    let sim = read_request_file(&denied).unwrap();
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    let json = decision_to_json(&decision);
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["reason"], "explicit_deny");
    assert_eq!(json["deciding"][0]["sid"], "TlsOnly");
    assert_eq!(json["deciding"][0]["policy_kind"], "resource");
    // The span points into the policy file, at the statement.
    let span = &json["deciding"][0]["span"];
    let start = span["start"].as_u64().unwrap() as usize;
    assert!(TLS_ONLY[start..].starts_with("{\"Sid\": \"TlsOnly\""));
}

#[test]
fn a_broken_policy_file_reports_its_own_path() {
    let dir = TempDir::new("broken");
    dir.write(
        "policies/role.json",
        "{\"Version\": \"2012-10-17\", \"Statement\": [",
    );
    dir.write("policies/table.json", TLS_ONLY);
    dir.write("policies/full.json", TLS_ONLY);
    let path = dir.write("request.json", &request("true"));
    let error = read_request_file(&path).unwrap_err();
    assert_eq!(
        error.source_file,
        ErrorSource::PolicyFile("policies/role.json".into())
    );
}

#[test]
fn a_missing_policy_file_points_at_the_path_in_the_request() {
    let dir = TempDir::new("missing");
    let text = request("true");
    let path = dir.write("request.json", &text);
    let error = read_request_file(&path).unwrap_err();
    assert_eq!(error.source_file, ErrorSource::Request);
    assert_eq!(
        &text[error.span.start..error.span.end],
        "\"policies/role.json\""
    );
    assert!(
        error.message.starts_with("cannot read"),
        "{}",
        error.message
    );
}

#[test]
fn wrong_types_are_positioned() {
    let text = r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k", "context": {"aws:TagKeys": [{"a": 1}]}}"#;
    let error = read_request_text(text, None).unwrap_err();
    assert_eq!(&text[error.span.start..error.span.end], r#"{"a": 1}"#);
    assert!(error.message.contains("`aws:TagKeys`"), "{}", error.message);

    let text = r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k", "scps": [{"Version": "2012-10-17", "Statement": []}]}"#;
    let error = read_request_text(text, None).unwrap_err();
    assert!(
        error.message.contains("one array of policies per level"),
        "{}",
        error.message
    );

    let text = r#"{"principal": "somebody", "action": "s3:GetObject", "resource": "*"}"#;
    let error = read_request_text(text, None).unwrap_err();
    assert_eq!(&text[error.span.start..error.span.end], "\"somebody\"");

    let text = r#"{"principal": "somebody", "principal_type": "user", "action": "s3:GetObject", "resource": "*"}"#;
    assert!(read_request_text(text, None).is_ok());
}

#[test]
fn flags_and_time() {
    let text = r#"{"principal": "arn:aws:iam::111122223333:user/a", "action": "s3:GetObject",
        "resource": "arn:aws:s3:::b/k", "current_time": 1700000000,
        "principal_in_management_account": true, "principal_is_service_linked_role": false,
        "identity_policies": [{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:GetObject",
          "Resource": "*", "Condition": {"DateLessThan": {"aws:CurrentTime": "2023-11-15T00:00:00Z"}}}}],
        "scps": [[{"Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*"}}]]}"#;
    let sim = read_request_text(text, None).unwrap();
    assert!(sim.request.is_management_account());
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    assert!(decision.is_allowed(), "{decision:?}");
}
