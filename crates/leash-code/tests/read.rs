//! What `leash needs` finds in small applications written for the tests:
//! each SDK call form of each language, and the tracing of its resource.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use leash_code::{Need, template_needs};

/// Writes `files` into a fresh folder and reads `template.yaml` there.
fn needs(name: &str, files: &[(&str, &str)]) -> Vec<leash_code::FunctionNeeds> {
    let dir: PathBuf =
        std::env::temp_dir().join(format!("leash-code-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (path, text) in files {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let template_path = dir.join("template.yaml");
    let text = std::fs::read_to_string(&template_path).unwrap();
    let mut template = leash_iac::read_template(&text).unwrap();
    template.source = Some(text.as_str().into());
    let found = template_needs(&template, Path::new(&template_path));
    let _ = std::fs::remove_dir_all(&dir);
    found
}

fn find<'n>(needs: &'n [Need], call: &str) -> &'n Need {
    needs
        .iter()
        .find(|n| n.call == call)
        .unwrap_or_else(|| panic!("no {call} in {needs:#?}"))
}

const TEMPLATE: &str = r#"
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Environment:
      Variables:
        TABLE: !Ref Orders
Resources:
  Orders:
    Type: AWS::DynamoDB::Table
  Uploads:
    Type: AWS::S3::Bucket
  Jobs:
    Type: AWS::SQS::Queue
  Alerts:
    Type: AWS::SNS::Topic
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: RUNTIME
      Environment:
        Variables:
          BUCKET: !Ref Uploads
          QUEUE_URL: !Ref Jobs
          TOPIC: !Ref Alerts
          OTHER_BUCKET: archive-bucket
"#;

fn template(runtime: &str) -> String {
    TEMPLATE.replace("RUNTIME", runtime)
}

const TABLE_ARN: &str =
    "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${Orders}";

#[test]
fn python_clients_resources_paginators_and_helpers() {
    let code = r#"
import os
import boto3
from helpers import notify

table = boto3.resource('dynamodb').Table(os.environ['TABLE'])
s3 = boto3.client('s3')
BUCKET = os.getenv('BUCKET')

def handler(event, context):
    table.put_item(Item={'id': '1'})
    s3.upload_file('/tmp/x', BUCKET, 'key')
    for page in s3.get_paginator('list_objects_v2').paginate(Bucket=os.environ.get('OTHER_BUCKET')):
        pass
    s3.get_object(Bucket=event['bucket'], Key='k')
    dynamic = boto3.client(event['service'])
"#;
    let helpers = r#"
import os, boto3
sqs = None
sqs = boto3.client("sqs")
def notify():
    sqs.send_message(QueueUrl=os.environ["QUEUE_URL"], MessageBody="x")
"#;
    let found = needs(
        "python",
        &[
            ("template.yaml", &template("python3.12")),
            ("src/app.py", code),
            ("src/helpers.py", helpers),
        ],
    );
    let function = &found[0];
    let needs = &function.needs;
    let put = find(needs, "dynamodb.put_item");
    assert_eq!(put.actions, ["dynamodb:PutItem"]);
    assert_eq!(put.resource.as_deref(), Some(TABLE_ARN));
    assert_eq!(put.resource_id.as_deref(), Some("Orders"));
    assert_eq!((put.file.as_str(), put.line), ("src/app.py", 11));
    let upload = find(needs, "s3.put_object");
    assert_eq!(
        upload.resource.as_deref(),
        Some("arn:${AWS::Partition}:s3:::${Uploads}/*")
    );
    let list = find(needs, "s3.list_objects_v2");
    assert_eq!(list.actions, ["s3:ListBucket"]);
    assert_eq!(
        list.resource.as_deref(),
        Some("arn:${AWS::Partition}:s3:::archive-bucket")
    );
    let get = find(needs, "s3.get_object");
    assert!(!get.resolved);
    assert_eq!(get.resource, None);
    let send = find(needs, "sqs.send_message");
    assert_eq!(send.file, "src/helpers.py");
    assert_eq!(
        send.resource.as_deref(),
        Some("arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${Jobs.QueueName}")
    );
    assert!(
        function.gaps.iter().any(|g| g.reason.contains("computes")),
        "{:?}",
        function.gaps
    );
    assert!(!function.complete());
}

#[test]
fn javascript_sdk_v3_commands_and_document_client() {
    let code = r#"
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { SNSClient, PublishCommand } from "@aws-sdk/client-sns";
const ddb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const sns = new SNSClient({});
const { TOPIC } = process.env;
export const handler = async (event) => {
  const params = { TableName: process.env.TABLE, Item: event };
  await ddb.send(new PutCommand(params));
  await sns.send(new PublishCommand({ TopicArn: TOPIC, Message: "x" }));
};
"#;
    let found = needs(
        "js3",
        &[
            ("template.yaml", &template("nodejs20.x")),
            ("src/app.mjs", code),
        ],
    );
    let needs = &found[0].needs;
    assert_eq!(needs.len(), 2, "{needs:#?}");
    let put = find(needs, "dynamodb.put_item");
    assert_eq!(put.resource.as_deref(), Some(TABLE_ARN));
    assert_eq!((put.line, put.column), (10, 18));
    let publish = find(needs, "sns.publish");
    assert_eq!(publish.actions, ["sns:Publish"]);
    assert_eq!(publish.resource_id.as_deref(), Some("Alerts"));
    assert!(found[0].complete());
}

#[test]
fn javascript_sdk_v2_clients() {
    let code = r#"
const AWS = require('aws-sdk');
const docClient = new AWS.DynamoDB.DocumentClient();
const sqs = new AWS.SQS();
exports.handler = async () => {
  await docClient.query({ TableName: process.env['TABLE'] }).promise();
  await sqs.sendMessageBatch({ QueueUrl: process.env.QUEUE_URL, Entries: [] }).promise();
};
"#;
    let found = needs(
        "js2",
        &[
            ("template.yaml", &template("nodejs16.x")),
            ("src/app.js", code),
        ],
    );
    let needs = &found[0].needs;
    assert_eq!(
        find(needs, "dynamodb.query").resource.as_deref(),
        Some(TABLE_ARN)
    );
    let batch = find(needs, "sqs.send_message_batch");
    assert_eq!(batch.actions, ["sqs:SendMessage"]);
    assert_eq!(batch.resource_id.as_deref(), Some("Jobs"));
}

#[test]
fn typescript_and_actions_without_resources() {
    let code = r#"
import { TranslateClient, TranslateTextCommand } from '@aws-sdk/client-translate';
const client = new TranslateClient({}) as TranslateClient;
export const handler = async (): Promise<void> => {
  await client.send(new TranslateTextCommand({ Text: 'hi', SourceLanguageCode: 'en', TargetLanguageCode: 'fr' }));
};
"#;
    let found = needs(
        "ts",
        &[
            ("template.yaml", &template("nodejs20.x")),
            ("src/app.ts", code),
        ],
    );
    let translate = find(&found[0].needs, "translate.translate_text");
    assert!(translate.resolved);
    assert_eq!(translate.resource, None);
    assert_eq!(found[0].files, ["src/app.ts"]);
}

#[test]
fn unsupported_runtimes_and_missing_code_are_gaps_not_calls() {
    let found = needs("java", &[("template.yaml", &template("java21"))]);
    assert!(found[0].needs.is_empty());
    assert!(found[0].gaps[0].reason.contains("java21"));
    let found = needs("missing", &[("template.yaml", &template("python3.12"))]);
    assert!(
        found[0].gaps[0].reason.contains("not found"),
        "{:?}",
        found[0].gaps
    );
    assert!(!found[0].complete());
}
