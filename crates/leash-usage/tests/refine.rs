//! Narrowing roles to what an aggregate shows they used: the narrowed
//! policy is proved to grant nothing new, replays every observed row,
//! generalises only within the original statement, and keeps what the
//! trail cannot show.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;
use std::sync::Arc;

use leash_policy::parse::parse_policy_text;
use leash_usage::aggregate::Key;
use leash_usage::refine::{ProofOutcome, RoleInput, data_logged_services, generalise, refine};
use leash_usage::{Row, read_aggregate};

const ROLE: &str = "arn:aws:iam::111122223333:role/app";

fn role(policy: &str) -> RoleInput {
    RoleInput {
        arn: ROLE.into(),
        policies: vec![(
            "inline policy `p`".into(),
            Arc::new(parse_policy_text(policy).policy.unwrap()),
        )],
        unreadable: Vec::new(),
    }
}

fn row(action: &str, resource: Option<&str>, denied: u64, data: bool) -> (Key, Row) {
    (
        (ROLE.into(), action.into(), resource.map(str::to_string)),
        Row {
            count: 1,
            first_seen: "2026-12-01T00:00:00Z".into(),
            last_seen: "2026-12-01T00:00:00Z".into(),
            errors: denied,
            denied,
            data_events: u64::from(data),
        },
    )
}

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*", "arn:aws:s3:::other/*"]},
    {"Effect": "Allow", "Action": ["sqs:*", "sns:Publish"], "Resource": "*"},
    {"Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app:*"},
    {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/T",
     "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}},
    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}]}"#;

fn rows() -> Vec<(Key, Row)> {
    vec![
        row("s3:GetObject", Some("arn:aws:s3:::b/in/x.txt"), 0, true),
        row("s3:PutObject", Some("arn:aws:s3:::b/out/y/z.txt"), 0, true),
        row("sqs:SendMessage", None, 0, true),
        row(
            "logs:CreateLogStream",
            Some(
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app:log-stream:2026/12/01/abc",
            ),
            0,
            false,
        ),
        row(
            "dynamodb:GetItem",
            Some("arn:aws:dynamodb:us-east-1:111122223333:table/T"),
            0,
            true,
        ),
        row(
            "kms:Decrypt",
            Some("arn:aws:kms:us-east-1:111122223333:key/k"),
            1,
            false,
        ),
    ]
}

#[test]
fn narrowed_is_proved_replays_every_row_and_keeps_what_the_trail_cannot_show() {
    let rows = rows();
    let logged = data_logged_services(rows.iter().map(|(k, r)| (k, r)));
    assert_eq!(
        logged,
        BTreeSet::from(["dynamodb".into(), "s3".into(), "sqs".into()])
    );
    let result = refine(
        &role(POLICY),
        rows.iter().map(|(k, r)| (k, r)),
        &logged,
        true,
    );
    assert_eq!(result.proof, Some(ProofOutcome::Holds), "{result:?}");
    assert_eq!(result.rows, 6);
    // The GetItem row is allowed only under its condition, which the
    // aggregate does not record: the narrowed statement keeps it.
    assert_eq!((result.allowed_rows, result.conditional_rows), (5, 1));
    assert_eq!(result.replayed_allowed, 5);
    assert_eq!(
        result.not_allowed,
        [(
            "kms:Decrypt".to_string(),
            Some("arn:aws:kms:us-east-1:111122223333:key/k".to_string())
        )]
    );
    let text = leash_policy::print::print_policy(result.narrowed.as_ref().unwrap());
    for expected in [
        r#""Resource": "arn:aws:s3:::b/in/*""#,
        r#""Resource": "arn:aws:s3:::b/out/y/*""#,
        r#""Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/app:*""#,
        r#""aws:SourceIp": "10.0.0.0/8""#,
        r#""Action": "s3:DeleteBucket""#,
    ] {
        assert!(text.contains(expected), "{expected} not in {text}");
    }
    // s3 data events are in the trail: s3:DeleteObject is unused, not kept.
    assert!(!text.contains("s3:DeleteObject"), "{text}");
    // No sns data event: sns:Publish is kept with the reason;
    let kept: Vec<&str> = result
        .kept
        .iter()
        .flat_map(|k| k.actions.iter().map(String::as_str))
        .collect();
    // logs:* holds PutLogEvents, which CloudTrail never logs.
    assert_eq!(kept, ["logs:PutLogEvents", "sns:Publish"]);
    assert!(
        result
            .kept
            .iter()
            .any(|k| k.actions == ["sns:Publish"] && k.reason.contains("no sns data events"))
    );
    assert_eq!(
        result.unused_resources,
        ["arn:aws:s3:::b", "arn:aws:s3:::other/*"]
    );
    assert!(result.unused_services.contains(&"sns".to_string()));
    assert!(
        result
            .unused_actions
            .contains(&"s3:DeleteObject".to_string())
    );
}

// A generalisation the original statement does not contain is not made:
// the observed object is written as is.
#[test]
fn generalises_only_inside_the_statement() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/in/x.txt"}]}"#;
    let rows = [row(
        "s3:GetObject",
        Some("arn:aws:s3:::b/in/x.txt"),
        0,
        true,
    )];
    let logged = data_logged_services(rows.iter().map(|(k, r)| (k, r)));
    let result = refine(
        &role(policy),
        rows.iter().map(|(k, r)| (k, r)),
        &logged,
        true,
    );
    assert_eq!(result.proof, Some(ProofOutcome::Holds));
    assert!(result.generalised.is_empty());
    let text = leash_policy::print::print_policy(result.narrowed.as_ref().unwrap());
    assert!(
        text.contains(r#""Resource": "arn:aws:s3:::b/in/x.txt""#),
        "{text}"
    );
}

#[test]
fn generalisation_rules() {
    assert_eq!(
        generalise("arn:aws:s3:::b/a/b/c.txt").unwrap(),
        "arn:aws:s3:::b/a/b/*"
    );
    assert_eq!(
        generalise("arn:aws:s3:::b/c.txt").unwrap(),
        "arn:aws:s3:::b/*"
    );
    assert_eq!(generalise("arn:aws:s3:::b").unwrap(), "arn:aws:s3:::b");
    assert_eq!(
        generalise("arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:log-stream:2026/x").unwrap(),
        "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f:*"
    );
    // A name holding a wildcard character would be read as a wildcard.
    assert_eq!(generalise("arn:aws:s3:::b/a*b"), None);
}

#[test]
fn a_role_with_an_unreadable_policy_is_kept_as_is() {
    let mut input = role(POLICY);
    input
        .unreadable
        .push("customer managed policy `x` has no default version leash can read".into());
    let rows = rows();
    let result = refine(
        &input,
        rows.iter().map(|(k, r)| (k, r)),
        &BTreeSet::new(),
        true,
    );
    assert!(result.narrowed.is_none());
    assert!(result.refused.unwrap().contains("kept as is"));
}

// Without data events, the data-plane actions the original grants stay.
#[test]
fn without_data_events_data_actions_are_kept() {
    let rows = [row("s3:ListAllMyBuckets", None, 0, false)];
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:ListAllMyBuckets", "s3:PutBucketPolicy"], "Resource": "*"}]}"#;
    let result = refine(
        &role(policy),
        rows.iter().map(|(k, r)| (k, r)),
        &BTreeSet::new(),
        true,
    );
    assert_eq!(result.proof, Some(ProofOutcome::Holds));
    let text = leash_policy::print::print_policy(result.narrowed.as_ref().unwrap());
    assert!(
        text.contains("s3:GetObject") && text.contains("s3:ListAllMyBuckets"),
        "{text}"
    );
    assert!(!text.contains("s3:PutBucketPolicy"), "{text}");
}

// The CSV shape Athena and CloudTrail Lake write reads into the same rows
// as the JSON lines.
#[test]
fn csv_and_json_lines_read_the_same() {
    let csv = "\"principal\",\"action\",\"resource\",\"count\",\"first_seen\",\"last_seen\",\"errors\",\"denied\",\"data_events\"\n\
        \"arn:aws:iam::1:role/r\",\"s3:GetObject\",\"arn:aws:s3:::b/k,1\",\"2\",\"2026-12-01T00:00:00Z\",\"2026-12-02T00:00:00Z\",\"1\",\"0\",\"2\"\n\
        \"arn:aws:iam::1:role/r\",\"sqs:SendMessage\",\"\",\"1\",\"2026-12-01T00:00:00Z\",\"2026-12-01T00:00:00Z\",\"0\",\"0\",\"0\"\n";
    let from_csv = read_aggregate("a.csv", csv).unwrap();
    let lines = from_csv.json_lines();
    let from_lines = read_aggregate("a.jsonl", &lines).unwrap();
    assert_eq!(from_lines.json_lines(), lines);
    assert!(
        lines.contains(r#""resource":"arn:aws:s3:::b/k,1""#),
        "{lines}"
    );
    assert!(lines.contains(r#""resource":null"#), "{lines}");
    let bad = read_aggregate("b.csv", "principal,action\nx,y\n").unwrap_err();
    assert_eq!((bad.line, bad.column), (1, 1));
    assert!(bad.to_string().contains("no `resource` column"), "{bad}");
    let bad = read_aggregate("c.jsonl", "{\"principal\": \"p\"}\n{").unwrap_err();
    assert_eq!(bad.line, 1);
    let bad = read_aggregate(
        "c.jsonl",
        "{\"principal\":\"p\",\"action\":\"a\",\"count\":\"x\"}",
    )
    .unwrap_err();
    assert!(bad.to_string().contains("count"), "{bad}");
}

// An action authorized on `*` only keeps the statement's `Resource`, even
// when the record names a resource: AWS would not match the request
// against that ARN (and an ARN of another type than the action's is not
// written either).
#[test]
fn an_action_on_star_only_keeps_the_statement_resource() {
    let policy = r#"{"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["ec2:DescribeVpcs", "sqs:SendMessage"], "Resource": "*"}]}"#;
    let rows = [
        row(
            "ec2:DescribeVpcs",
            Some("arn:aws:ec2:us-east-1:111122223333:vpc/vpc-1"),
            0,
            false,
        ),
        row(
            "sqs:SendMessage",
            Some("arn:aws:s3:::not-a-queue"),
            0,
            false,
        ),
    ];
    let result = refine(
        &role(policy),
        rows.iter().map(|(k, r)| (k, r)),
        &BTreeSet::new(),
        true,
    );
    assert_eq!(result.proof, Some(ProofOutcome::Holds));
    let text = leash_policy::print::print_policy(result.narrowed.as_ref().unwrap());
    assert!(
        !text.contains("vpc-1") && !text.contains("not-a-queue"),
        "{text}"
    );
    assert!(leash_usage::refine::authorized_on(
        "sqs:SendMessage",
        "arn:aws:sqs:us-east-1:1:q"
    ));
    assert!(!leash_usage::refine::authorized_on(
        "ec2:DescribeVpcs",
        "arn:aws:ec2:us-east-1:1:vpc/vpc-1"
    ));
}
