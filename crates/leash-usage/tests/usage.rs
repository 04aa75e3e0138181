//! `read_trails` on log files in the layout and record format CloudTrail
//! delivers (records written here after the examples of the CloudTrail
//! user guide's record-contents and userIdentity pages).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use leash_usage::gzip::compress;
use leash_usage::read_trails;
use serde_json::json;

const ROLE: &str = "arn:aws:iam::111122223333:role/orders-fn-role";
const USER: &str = "arn:aws:iam::111122223333:user/alice";

fn assumed_role() -> serde_json::Value {
    json!({
        "type": "AssumedRole",
        "principalId": "AROAEXAMPLE:orders-fn",
        "arn": "arn:aws:sts::111122223333:assumed-role/orders-fn-role/orders-fn",
        "accountId": "111122223333",
        "sessionContext": {"sessionIssuer": {
            "type": "Role", "principalId": "AROAEXAMPLE", "arn": ROLE,
            "accountId": "111122223333", "userName": "orders-fn-role"}}
    })
}

fn record(identity: serde_json::Value, source: &str, name: &str, time: &str) -> serde_json::Value {
    json!({
        "eventVersion": "1.09", "userIdentity": identity, "eventTime": time,
        "eventSource": source, "eventName": name, "awsRegion": "us-east-1",
        "eventCategory": "Management", "recipientAccountId": "111122223333"
    })
}

fn trail() -> PathBuf {
    let root = std::env::temp_dir().join(format!("leash-usage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let day = root.join("AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/01");
    std::fs::create_dir_all(&day).unwrap();
    let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";
    let mut put = record(
        assumed_role(),
        "dynamodb.amazonaws.com",
        "PutItem",
        "2026-12-01T10:00:00Z",
    );
    put["eventCategory"] = json!("Data");
    put["resources"] =
        json!([{"ARN": table, "accountId": "111122223333", "type": "AWS::DynamoDB::Table"}]);
    let mut put_later = put.clone();
    put_later["eventTime"] = json!("2026-12-01T12:00:00Z");
    let mut denied = put.clone();
    denied["eventName"] = json!("DeleteItem");
    denied["errorCode"] = json!("AccessDenied");
    let mut head = record(
        assumed_role(),
        "s3.amazonaws.com",
        "HeadObject",
        "2026-12-01T11:00:00Z",
    );
    head["resources"] = json!([
        {"ARN": "arn:aws:s3:::receipts/r/1.pdf", "type": "AWS::S3::Object"},
        {"ARN": "arn:aws:s3:::receipts", "type": "AWS::S3::Bucket"}]);
    let lambda = record(
        json!({"type": "IAMUser", "arn": USER, "accountId": "111122223333", "userName": "alice"}),
        "lambda.amazonaws.com",
        "GetFunction20150331v2",
        "2026-12-01T09:00:00Z",
    );
    let service = record(
        json!({"type": "AWSService", "invokedBy": "lambda.amazonaws.com"}),
        "kms.amazonaws.com",
        "Decrypt",
        "2026-12-01T09:30:00Z",
    );
    let first = json!({"Records": [put, head, service]});
    let second = json!({"Records": [put_later, denied, lambda]});
    std::fs::write(
        day.join("111122223333_CloudTrail_us-east-1_20261201T1000Z_a.json.gz"),
        compress(first.to_string().as_bytes()),
    )
    .unwrap();
    std::fs::write(
        day.join("111122223333_CloudTrail_us-east-1_20261201T1200Z_b.json"),
        second.to_string(),
    )
    .unwrap();
    root
}

#[test]
fn records_become_rows_per_principal_action_and_resource() {
    let root = trail();
    let aggregate = read_trails(std::slice::from_ref(&root)).unwrap();
    let lines: Vec<serde_json::Value> = aggregate
        .json_lines()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let table = "arn:aws:dynamodb:us-east-1:111122223333:table/Orders";
    let row = |principal: &str, action: &str, resource: Option<&str>| {
        lines
            .iter()
            .find(|l| {
                l["principal"] == principal
                    && l["action"] == action
                    && l["resource"] == json!(resource)
            })
            .unwrap_or_else(|| panic!("no row {principal} {action} {resource:?} in {lines:#?}"))
            .clone()
    };
    // An assumed-role session counts as its role; two calls, first and
    // last seen across two files.
    let put = row(ROLE, "dynamodb:PutItem", Some(table));
    assert_eq!(put["count"], 2);
    assert_eq!(put["first_seen"], "2026-12-01T10:00:00Z");
    assert_eq!(put["last_seen"], "2026-12-01T12:00:00Z");
    assert_eq!(put["denied"], 0);
    // A denial is a need the policy did not meet.
    let denied = row(ROLE, "dynamodb:DeleteItem", Some(table));
    assert_eq!(
        (denied["errors"].clone(), denied["denied"].clone()),
        (json!(1), json!(1))
    );
    // HeadObject is authorized as s3:GetObject, on the object: the bucket
    // the record names beside it is where the object is, not a resource
    // of the call.
    row(ROLE, "s3:GetObject", Some("arn:aws:s3:::receipts/r/1.pdf"));
    assert!(
        lines
            .iter()
            .all(|l| l["resource"] != "arn:aws:s3:::receipts")
    );
    // Lambda's event names carry the API version.
    row(USER, "lambda:GetFunction", None);
    // A service's own call has no principal of the account.
    assert!(lines.iter().all(|l| l["action"] != "kms:Decrypt"));
    assert_eq!(lines.len(), 4);
    assert_eq!(aggregate.summary.files, 2);
    assert_eq!(aggregate.summary.records, 6);
    assert_eq!(aggregate.summary.without_principal, 1);
    assert!(aggregate.summary.unmapped.is_empty());
    // Data events were present: no note about their absence.
    assert!(aggregate.notes().is_empty(), "{:?}", aggregate.notes());
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_damaged_file_is_an_error_naming_it() {
    let root = std::env::temp_dir().join(format!("leash-usage-bad-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("x.json");
    std::fs::write(&path, "{\"Records\": [\n  {]").unwrap();
    let error = read_trails(std::slice::from_ref(&path))
        .unwrap_err()
        .to_string();
    assert!(error.contains("x.json:2:4"), "{error}");
    std::fs::write(&path, "{\"records\": []}").unwrap();
    let error = read_trails(std::slice::from_ref(&path))
        .unwrap_err()
        .to_string();
    assert!(error.contains("`Records`"), "{error}");
    // A field of the wrong type: its position, and what was expected.
    std::fs::write(&path, "{\"Records\": [\n {\"eventTime\": 5}]}").unwrap();
    let error = read_trails(std::slice::from_ref(&path))
        .unwrap_err()
        .to_string();
    assert!(error.contains("x.json:2:"), "{error}");
    assert!(error.contains("not a CloudTrail log file"), "{error}");
    let _ = std::fs::remove_dir_all(&root);
}

/// An event name the catalog does not know is kept as `prefix:eventName`,
/// counted per record in the summary, and named in the notes.
#[test]
fn unknown_event_names_are_counted_and_named() {
    let root = std::env::temp_dir().join(format!("leash-usage-unmapped-{}", std::process::id()));
    std::fs::create_dir_all(&root).unwrap();
    let path = root.join("t.json");
    let one = record(
        assumed_role(),
        "dynamodb.amazonaws.com",
        "NoSuchCall",
        "2026-12-01T10:00:00Z",
    );
    std::fs::write(&path, json!({"Records": [one.clone(), one]}).to_string()).unwrap();
    let aggregate = read_trails(std::slice::from_ref(&path)).unwrap();
    assert_eq!(
        aggregate
            .summary
            .unmapped
            .get("dynamodb.amazonaws.com:NoSuchCall"),
        Some(&2)
    );
    assert!(aggregate.json_lines().contains("\"dynamodb:NoSuchCall\""));
    assert!(aggregate.notes().iter().any(|n| n.contains("NoSuchCall")));
    let _ = std::fs::remove_dir_all(&root);
}
