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
fn java_sdk_v2_builders_consumers_and_the_enhanced_client() {
    let app = r#"
package com.example;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.*;
import software.amazon.awssdk.enhanced.dynamodb.DynamoDbEnhancedClient;
import com.example.util.Notifier;

public class App {
    private static final String BUCKET = System.getenv("BUCKET");
    private final S3Client s3 = S3Client.builder().region(Region.of(System.getenv("AWS_REGION"))).build();
    private final DynamoDbClient ddb;

    public App(DynamoDbClient client) { this.ddb = client; }

    public String handleRequest(Map<String, String> event, Context context) {
        GetObjectRequest request = GetObjectRequest.builder().bucket(BUCKET).key("k").build();
        s3.getObjectAsBytes(request);
        s3.putObject(r -> r.bucket(System.getenv("OTHER_BUCKET")).key(event.get("k")), RequestBody.empty());
        s3.listObjectsV2Paginator(ListObjectsV2Request.builder().bucket(event.get("b")).build());
        ddb.query(QueryRequest.builder().tableName(System.getenv("TABLE")).build());
        DynamoDbEnhancedClient enhanced = DynamoDbEnhancedClient.builder().dynamoDbClient(ddb).build();
        DynamoDbTable<Order> table = enhanced.table(System.getenv("TABLE"), TableSchema.fromBean(Order.class));
        table.putItem(new Order());
        Notifier.send("hi");
        return "ok";
    }
}
"#;
    let notifier = r#"
package com.example.util;

import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sns.model.PublishRequest;

public class Notifier {
    private static final SnsClient SNS = SnsClient.create();
    public static void send(String message) {
        SNS.publish(PublishRequest.builder().topicArn(System.getenv("TOPIC")).message(message).build());
    }
}
"#;
    let template = template("java21").replace("app.handler", "com.example.App::handleRequest");
    let found = needs(
        "java",
        &[
            ("template.yaml", &template),
            ("src/pom.xml", "<project/>"),
            ("src/src/main/java/com/example/App.java", app),
            ("src/src/main/java/com/example/util/Notifier.java", notifier),
        ],
    );
    let needs = &found[0].needs;
    let get = find(needs, "s3.get_object");
    assert_eq!(get.actions, ["s3:GetObject"]);
    assert_eq!(get.resource_id.as_deref(), Some("Uploads"));
    assert_eq!((get.line, get.column), (19, 9));
    // A consumer builder's bucket: a name the template writes.
    let put = find(needs, "s3.put_object");
    assert_eq!(
        put.resource.as_deref(),
        Some("arn:${AWS::Partition}:s3:::archive-bucket/*")
    );
    // The paginator calls ListObjectsV2 on a bucket from the event.
    let list = find(needs, "s3.list_objects_v2");
    assert_eq!(list.actions, ["s3:ListBucket"]);
    assert!(!list.resolved);
    // A field of a client type holds a client whatever it is assigned.
    assert_eq!(
        find(needs, "dynamodb.query").resource.as_deref(),
        Some(TABLE_ARN)
    );
    assert_eq!(
        find(needs, "dynamodb.put_item").resource_id.as_deref(),
        Some("Orders")
    );
    // The project class the handler imports is read too.
    assert_eq!(
        find(needs, "sns.publish").resource_id.as_deref(),
        Some("Alerts")
    );
    assert_eq!(
        found[0].files,
        [
            "src/src/main/java/com/example/App.java",
            "src/src/main/java/com/example/util/Notifier.java"
        ]
    );
    assert!(!found[0].complete());
}

#[test]
fn java_built_archive_reads_the_maven_project_around_it() {
    let app = r#"
package com.example;
import software.amazon.awssdk.services.sqs.SqsClient;
public class App {
    public void handleRequest(Object o, Object c) {
        SqsClient.create().sendMessage(m -> m.queueUrl(System.getenv("QUEUE_URL")).messageBody("x"));
    }
}
"#;
    let template = template("java21")
        .replace("app.handler", "com.example.App::handleRequest")
        .replace("CodeUri: src/", "CodeUri: target/app.zip");
    let found = needs(
        "java-zip",
        &[
            ("template.yaml", &template),
            ("pom.xml", "<project/>"),
            ("src/main/java/com/example/App.java", app),
        ],
    );
    let send = find(&found[0].needs, "sqs.send_message");
    assert_eq!(send.resource_id.as_deref(), Some("Jobs"));
    assert!(found[0].complete(), "{found:#?}");
}

#[test]
fn go_sdk_v2_and_v1_inputs() {
    let v2 = r#"
package main

import (
	"context"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const tableVariable = "TABLE"

var table = os.Getenv(tableVariable)

func handler(ctx context.Context, key string) error {
	cfg, _ := config.LoadDefaultConfig(ctx)
	client := dynamodb.NewFromConfig(cfg)
	_, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table)})
	input := &s3.GetObjectInput{Bucket: aws.String(os.Getenv("BUCKET")), Key: aws.String(key)}
	s3.NewFromConfig(cfg).GetObject(ctx, input)
	p := dynamodb.NewScanPaginator(client, &dynamodb.ScanInput{TableName: aws.String(table)})
	_ = p
	client.DeleteItem(ctx, buildInput(key))
	return err
}
"#;
    let v1 = r#"
package main

import (
	"github.com/aws/aws-sdk-go/aws"
	"github.com/aws/aws-sdk-go/service/sqs"
)

var queue *sqs.SQS

func send(body string) {
	queue.SendMessageWithContext(ctx, &sqs.SendMessageInput{QueueUrl: aws.String("https://sqs.us-east-1.amazonaws.com/123456789012/jobs"), MessageBody: aws.String(body)})
}
"#;
    let template = template("provided.al2023")
        .replace("      Handler: app.handler", "      Handler: bootstrap")
        + "    Metadata:\n      BuildMethod: go1.x\n";
    let found = needs(
        "go",
        &[
            ("template.yaml", &template),
            ("src/main.go", v2),
            ("src/send.go", v1),
            ("src/main_test.go", "package main"),
        ],
    );
    let needs = &found[0].needs;
    assert_eq!(found[0].files, ["src/main.go", "src/send.go"]);
    let put = find(needs, "dynamodb.put_item");
    assert_eq!(put.resource.as_deref(), Some(TABLE_ARN));
    assert_eq!((put.line, put.column), (21, 12));
    assert_eq!(
        find(needs, "s3.get_object").resource_id.as_deref(),
        Some("Uploads")
    );
    assert_eq!(
        find(needs, "dynamodb.scan").resource_id.as_deref(),
        Some("Orders")
    );
    // An input the reader cannot see: the operation, unresolved.
    assert!(!find(needs, "dynamodb.delete_item").resolved);
    assert_eq!(
        find(needs, "sqs.send_message").resource.as_deref(),
        Some("arn:${AWS::Partition}:sqs:us-east-1:123456789012:jobs")
    );
}

#[test]
fn unsupported_runtimes_and_missing_code_are_gaps_not_calls() {
    let found = needs("dotnet", &[("template.yaml", &template("dotnet8"))]);
    assert!(found[0].needs.is_empty());
    assert!(found[0].gaps[0].reason.contains("dotnet8"));
    let found = needs("java-missing", &[("template.yaml", &template("java21"))]);
    assert!(found[0].needs.is_empty());
    assert!(found[0].gaps[0].reason.contains("not found"));
    let found = needs("missing", &[("template.yaml", &template("python3.12"))]);
    assert!(
        found[0].gaps[0].reason.contains("not found"),
        "{:?}",
        found[0].gaps
    );
    assert!(!found[0].complete());
}
