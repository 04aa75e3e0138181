//! Decisions per second for a typical serverless role: identity policy,
//! permissions boundary, a table resource policy and two SCP levels.
//!
//! Run: `cargo bench -p leash-policy --bench authz`
#![allow(clippy::unwrap_used)]

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use leash_policy::authz::{LabeledPolicy, PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::parse::parse_policy_text;

fn policy(text: &str) -> leash_policy::Policy {
    parse_policy_text(text).policy.unwrap()
}

const IDENTITY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
   "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/orders-create:*"},
  {"Sid": "Table", "Effect": "Allow", "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Query"],
   "Resource": ["arn:aws:dynamodb:us-east-1:111122223333:table/Orders", "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/*"]},
  {"Sid": "Uploads", "Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::orders-uploads/incoming/*"},
  {"Sid": "Key", "Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
   "Resource": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
   "Condition": {"StringEquals": {"kms:ViaService": "dynamodb.us-east-1.amazonaws.com"}}}
]}"#;

const BOUNDARY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Services", "Effect": "Allow", "Action": ["dynamodb:*", "s3:*", "logs:*", "kms:Decrypt", "kms:GenerateDataKey", "sqs:*"], "Resource": "*"},
  {"Sid": "NoIam", "Effect": "Deny", "Action": ["iam:*", "organizations:*"], "Resource": "*"}
]}"#;

const TABLE_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "dynamodb:*", "Resource": "*",
   "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
  {"Sid": "Writer", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:role/orders-create"},
   "Action": ["dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}
]}"#;

const FULL_ACCESS: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;

const REGIONS: &str = r#"{"Version": "2012-10-17", "Statement": [
  {"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "cloudfront:*", "route53:*", "support:*"], "Resource": "*",
   "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},
  {"Sid": "Leave", "Effect": "Deny", "Action": "organizations:LeaveOrganization", "Resource": "*"}
]}"#;

fn policy_set() -> PolicySet {
    PolicySet::new()
        .with_identity_policy("orders-create", policy(IDENTITY))
        .with_permissions_boundary("boundary", policy(BOUNDARY))
        .with_resource_policy("orders-table", policy(TABLE_POLICY))
        .with_scp_level(vec![LabeledPolicy::new(
            "FullAWSAccess",
            policy(FULL_ACCESS),
        )])
        .with_scp_level(vec![
            LabeledPolicy::new("FullAWSAccess", policy(FULL_ACCESS)),
            LabeledPolicy::new("regions", policy(REGIONS)),
        ])
}

fn request() -> Request {
    Request::new(
        "arn:aws:sts::111122223333:assumed-role/orders-create/orders-create-fn",
        "dynamodb:PutItem",
        "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
    )
    .with_time(1_700_000_000)
    .with_context(
        RequestContext::new()
            .with("aws:SecureTransport", "true")
            .with("aws:SourceIp", "203.0.113.7"),
    )
}

fn bench(criterion: &mut Criterion) {
    let prepared = PreparedPolicySet::new(&policy_set());
    let allowed = request();
    assert!(prepared.evaluate(&allowed).is_allowed());
    let denied = Request::new(
        "arn:aws:sts::111122223333:assumed-role/orders-create/orders-create-fn",
        "dynamodb:DeleteTable",
        "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
    )
    .with_context(RequestContext::new().with("aws:SecureTransport", "true"));
    assert!(!prepared.evaluate(&denied).is_allowed());

    let mut group = criterion.benchmark_group("authz");
    group.throughput(Throughput::Elements(1));
    group.bench_function("serverless_role_allow", |bencher| {
        bencher.iter(|| black_box(prepared.evaluate(black_box(&allowed))))
    });
    group.bench_function("serverless_role_implicit_deny", |bencher| {
        bencher.iter(|| black_box(prepared.evaluate(black_box(&denied))))
    });
    group.bench_function("prepare_policy_set", |bencher| {
        let set = policy_set();
        bencher.iter(|| black_box(PreparedPolicySet::new(black_box(&set))))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
