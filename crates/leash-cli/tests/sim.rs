//! `leash sim` through the real binary: single requests, batches, quick
//! flags, and errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
mod common;

use common::{leash, repo_root, tempdir};

/// Every request of the conformance suite.
fn conformance_requests() -> Vec<(String, Value)> {
    let dir = repo_root().join("crates/leash-policy/tests/conformance");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut requests = Vec::new();
    for path in paths {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for case in file["cases"].as_array().unwrap() {
            requests.push((
                case["name"].as_str().unwrap().to_string(),
                case["request"].clone(),
            ));
        }
    }
    requests
}

/// The batch mode decides every line exactly as the single-request mode
/// decides it alone, over the whole conformance suite, with a malformed
/// line in the middle that gets its own error object.
#[test]
fn batch_lines_equal_single_requests() {
    let requests = conformance_requests();
    assert!(requests.len() >= 300, "{}", requests.len());
    let dir = tempdir("batch");
    let mut batch = String::new();
    for (index, (_, request)) in requests.iter().enumerate() {
        if index == 7 {
            batch.push_str("{\"principal\": \n");
        }
        batch.push_str(&serde_json::to_string(request).unwrap());
        batch.push('\n');
    }
    let batch_path = dir.join("requests.jsonl");
    std::fs::write(&batch_path, batch).unwrap();
    let output = leash(&["sim", "--batch", batch_path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), requests.len() + 1);
    assert_eq!(lines[7]["error"]["line"], 8, "{}", lines[7]);
    let decided: Vec<&Value> = lines
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 7)
        .map(|(_, v)| v)
        .collect();
    for ((name, request), from_batch) in requests.iter().zip(decided) {
        let path = dir.join("one.json");
        std::fs::write(&path, serde_json::to_string_pretty(request).unwrap()).unwrap();
        let single = leash(&["sim", "--request", path.to_str().unwrap(), "--json"]);
        assert_eq!(single.status.code(), Some(0), "{name}");
        let single: Value = serde_json::from_slice(&single.stdout).unwrap();
        assert_eq!(single["decision"], from_batch["decision"], "{name}");
        assert_eq!(single["reason"], from_batch["reason"], "{name}");
        assert!(
            matches!(single["decision"].as_str(), Some("allow" | "deny")),
            "{name}"
        );
    }
}

#[test]
fn quick_flags_decide_with_policy_files() {
    let allowed = leash(&[
        "sim",
        "--action",
        "s3:GetObject",
        "--resource",
        "arn:aws:s3:::acme-orders-receipts/r/1.pdf",
        "--policy",
        "examples/seed-roadmap/s3-access-policy.json",
        "--json",
    ]);
    assert_eq!(allowed.status.code(), Some(0));
    let decision: Value = serde_json::from_slice(&allowed.stdout).unwrap();
    assert_eq!(decision["decision"], "allow");
    assert_eq!(decision["reason"], "allowed");
    let denied = leash(&[
        "sim",
        "--action",
        "dynamodb:DeleteTable",
        "--resource",
        "arn:aws:dynamodb:us-west-2:111122223333:table/Orders",
        "--policy",
        "examples/seed-roadmap/dynamodb-access-policy.json",
        "--json",
    ]);
    let decision: Value = serde_json::from_slice(&denied.stdout).unwrap();
    assert_eq!(decision["decision"], "deny");
    assert_eq!(decision["reason"], "implicit_deny");
}

#[test]
fn text_explanation_names_the_deciding_statement_and_near_misses() {
    let dir = tempdir("explain");
    let path = dir.join("request.json");
    std::fs::write(
        &path,
        r#"{
  "principal": "arn:aws:iam::111122223333:role/orders-get",
  "action": "dynamodb:GetItem",
  "resource": "arn:aws:dynamodb:us-west-2:111122223333:table/Orders",
  "context": {"aws:SourceVpc": "vpc-1"},
  "identity_policies": [
    {"Version": "2012-10-17", "Statement": [
      {"Sid": "FromVpc", "Effect": "Allow", "Action": "dynamodb:GetItem",
       "Resource": "arn:aws:dynamodb:us-west-2:111122223333:table/Orders",
       "Condition": {"StringEquals": {"aws:SourceVpc": "vpc-2"}}}]}
  ]
}"#,
    )
    .unwrap();
    let output = leash(&["sim", "--request", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("deny (implicit_deny)"), "{text}");
    assert!(text.contains("\"FromVpc\""), "{text}");
    assert!(
        text.contains("`StringEquals` on `aws:SourceVpc` failed"),
        "{text}"
    );
    assert!(text.contains("line 8"), "{text}");
}

#[test]
fn malformed_request_is_a_positioned_error() {
    let dir = tempdir("malformed");
    let path = dir.join("bad.json");
    std::fs::write(
        &path,
        "{\n  \"principal\": 5,\n  \"action\": \"s3:GetObject\"\n}\n",
    )
    .unwrap();
    let output = leash(&["sim", "--request", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("bad.json:2:16"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
