//! `leash needs` and `leash action --sdk` as a user runs them: the JSON
//! contract, the text table, and errors on bad input.

#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .output()
        .unwrap()
}

fn app(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leash-needs-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("template.yaml"),
        r#"Transform: AWS::Serverless-2016-10-31
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          TABLE: !Ref Orders
"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("src/app.py"),
        "import os, boto3\nddb = boto3.client('dynamodb')\n\ndef handler(event, context):\n    ddb.put_item(TableName=os.environ['TABLE'], Item={})\n    ddb.get_item(TableName=event['table'], Key={})\n",
    )
    .unwrap();
    dir
}

#[test]
fn json_gives_each_call_with_its_actions_and_resource() {
    let dir = app("json");
    let template = dir.join("template.yaml");
    let out = leash(&["needs", template.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = value.as_array().unwrap();
    assert_eq!(calls.len(), 2);
    let put = &calls[0];
    assert_eq!(put["function"], "Fn");
    assert_eq!(put["file"], "src/app.py");
    assert_eq!(
        (put["line"].as_u64(), put["column"].as_u64()),
        (Some(5), Some(5))
    );
    assert_eq!(put["call"], "dynamodb.put_item");
    assert_eq!(put["actions"], serde_json::json!(["dynamodb:PutItem"]));
    assert_eq!(
        put["resource"],
        "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Orders}"
    );
    assert_eq!(put["resolved"], true);
    let get = &calls[1];
    assert_eq!(get["resource"], serde_json::Value::Null);
    assert_eq!(get["resolved"], false);
    let text = leash(&["needs", template.to_str().unwrap()]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.starts_with("Fn (partly resolved)\n"), "{text}");
    assert!(
        text.contains("src/app.py:6:5  dynamodb.get_item  dynamodb:GetItem  unresolved: "),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_input_is_an_error_with_its_position() {
    let dir = std::env::temp_dir().join(format!("leash-needs-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.yaml");
    std::fs::write(&bad, "Resources:\n  B: [\n").unwrap();
    let out = leash(&["needs", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("bad.yaml:2:7"), "{stderr}");
    let none = dir.join("none.yaml");
    std::fs::write(&none, "Resources:\n  B:\n    Type: AWS::S3::Bucket\n").unwrap();
    let out = leash(&["needs", none.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no Lambda function"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn action_sdk_looks_an_sdk_call_up() {
    let out = leash(&["action", "--sdk", "s3.list_objects_v2", "--json"]);
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(value["operation"], "ListObjectsV2");
    assert_eq!(value["actions"][0]["action"], "s3:ListBucket");
    let out = leash(&["action", "--sdk", "lambda.invoke"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("lambda:InvokeFunction"));
    assert_eq!(
        leash(&["action", "--sdk", "s3.no_such_call"]).status.code(),
        Some(1)
    );
    assert_eq!(leash(&["action", "--sdk", "nodot"]).status.code(), Some(2));
}

#[test]
fn several_templates_in_one_process_name_their_template() {
    let first = app("several-a");
    let second = app("several-b");
    let missing = first.join("missing.yaml");
    let out = leash(&[
        "needs",
        "--json",
        first.join("template.yaml").to_str().unwrap(),
        missing.to_str().unwrap(),
        second.join("template.yaml").to_str().unwrap(),
    ]);
    // The unreadable one is an error; the others are still read.
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.yaml"));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let calls = value.as_array().unwrap();
    assert_eq!(calls.len(), 4);
    assert!(calls[0]["template"].as_str().unwrap().contains("several-a"));
    assert!(calls[3]["template"].as_str().unwrap().contains("several-b"));
    assert_eq!(calls[0]["call"], "dynamodb.put_item");
}
