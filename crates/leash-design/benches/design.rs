//! `cargo bench -p leash-design --bench design`: `leash design` on a
//! generated SAM template of 100 functions (issue 5's goal: under 100 ms),
//! split into reading the template, modelling it, and designing with
//! verification (engine checks and lint).
//!
//! The template is generated here, not committed. To time the whole CLI on
//! it, write it out first:
//! `LEASH_WRITE_TEMPLATE=/tmp/design-100.yaml cargo bench -p leash-design --bench design`
//! (writes the file and exits), then run `leash design /tmp/design-100.yaml`.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;

use criterion::{Criterion, criterion_group, criterion_main};
use leash_design::{Target, design, read_application, read_template};

const FUNCTIONS: usize = 100;
const TABLES: usize = 20;
const BUCKETS: usize = 20;
const QUEUES: usize = 20;
const TOPICS: usize = 10;

/// A SAM template of `FUNCTIONS` functions behind one REST API (naming
/// no account or region: designed symbolically, as a new user runs it), with
/// tables (each with a GSI and a stream), buckets, queues and topics, and
/// needs from every source the model reads: declared needs (every fifth
/// function), SAM policy templates, inline statements, SQS and DynamoDB
/// stream events, and environment references.
fn generate_template() -> String {
    let mut text = String::from(
        "AWSTemplateFormatVersion: '2010-09-09'\n\
         Transform: AWS::Serverless-2016-10-31\n\
         Globals:\n  Function: {Runtime: python3.12, Handler: app.handler, CodeUri: src/}\n\
         Resources:\n",
    );
    for t in 0..TABLES {
        write!(
            text,
            "  Table{t}:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: table-{t}\n      \
             BillingMode: PAY_PER_REQUEST\n      \
             AttributeDefinitions: [{{AttributeName: pk, AttributeType: S}}, {{AttributeName: gsi, AttributeType: S}}]\n      \
             KeySchema: [{{AttributeName: pk, KeyType: HASH}}]\n      \
             GlobalSecondaryIndexes:\n        - IndexName: by-gsi-{t}\n          KeySchema: [{{AttributeName: gsi, KeyType: HASH}}]\n          Projection: {{ProjectionType: ALL}}\n      \
             StreamSpecification: {{StreamViewType: NEW_IMAGE}}\n"
        )
        .unwrap();
    }
    for b in 0..BUCKETS {
        write!(
            text,
            "  Bucket{b}:\n    Type: AWS::S3::Bucket\n    Properties: {{BucketName: acme-bench-bucket-{b}}}\n"
        )
        .unwrap();
    }
    for q in 0..QUEUES {
        write!(
            text,
            "  Queue{q}:\n    Type: AWS::SQS::Queue\n    Properties: {{QueueName: queue-{q}}}\n"
        )
        .unwrap();
    }
    for t in 0..TOPICS {
        write!(
            text,
            "  Topic{t}:\n    Type: AWS::SNS::Topic\n    Properties: {{TopicName: topic-{t}}}\n"
        )
        .unwrap();
    }
    let methods = ["get", "post", "put", "delete"];
    for f in 0..FUNCTIONS {
        let table = f % TABLES;
        let bucket = f % BUCKETS;
        let queue = f % QUEUES;
        let topic = f % TOPICS;
        write!(
            text,
            "  Function{f}:\n    Type: AWS::Serverless::Function\n"
        )
        .unwrap();
        if f % 5 == 0 {
            write!(
                text,
                "    Metadata:\n      leash:\n        needs:\n          \
                 - {{resource: Table{table}, access: read, index: true}}\n          \
                 - {{resource: Bucket{bucket}, access: put, prefix: uploads/{f}/}}\n          \
                 - {{resource: Topic{topic}, access: publish}}\n"
            )
            .unwrap();
        }
        write!(
            text,
            "    Properties:\n      FunctionName: function-{f}\n      \
             Environment:\n        Variables: {{TABLE: !Ref Table{table}, BUCKET: !Ref Bucket{bucket}}}\n      \
             Policies:\n        \
             - DynamoDBCrudPolicy: {{TableName: !Ref Table{table}}}\n        \
             - S3ReadPolicy: {{BucketName: !Ref Bucket{bucket}}}\n        \
             - SQSSendMessagePolicy: {{QueueName: !GetAtt Queue{}.QueueName}}\n        \
             - Statement:\n            \
               - Effect: Allow\n              Action: [sns:Publish]\n              Resource: !Ref Topic{topic}\n      \
             Events:\n        \
             Route:\n          Type: Api\n          Properties: {{Path: '/items{f}/{{id}}', Method: {}}}\n",
            (queue + 1) % QUEUES,
            methods[f % methods.len()],
        )
        .unwrap();
        if f % 4 == 0 {
            write!(
                text,
                "        Work:\n          Type: SQS\n          Properties: {{Queue: !GetAtt Queue{queue}.Arn}}\n"
            )
            .unwrap();
        }
        if f % 10 == 3 {
            write!(
                text,
                "        Changes:\n          Type: DynamoDB\n          Properties: {{Stream: !GetAtt Table{table}.StreamArn, StartingPosition: LATEST}}\n"
            )
            .unwrap();
        }
    }
    text
}

/// CPU time this thread has run, from `/proc/thread-self/schedstat`
/// (Linux; nanoseconds): unlike wall time, it does not grow when other
/// processes share the cores.
fn thread_cpu_time() -> Option<std::time::Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanoseconds = text.split_whitespace().next()?.parse().ok()?;
    Some(std::time::Duration::from_nanos(nanoseconds))
}

/// Mean CPU time of `routine` over `runs` runs, printed beside criterion's
/// wall-clock figures.
fn report_cpu_time<T>(label: &str, runs: u32, mut routine: impl FnMut() -> T) {
    let Some(start) = thread_cpu_time() else {
        return;
    };
    for _ in 0..runs {
        std::hint::black_box(routine());
    }
    if let Some(end) = thread_cpu_time() {
        eprintln!("cpu time per run, {label}: {:.1?}", (end - start) / runs);
    }
}

fn bench(c: &mut Criterion) {
    let text = generate_template();
    if let Some(path) = std::env::var_os("LEASH_WRITE_TEMPLATE") {
        std::fs::write(&path, &text).unwrap();
        eprintln!("wrote {}", path.to_string_lossy());
        std::process::exit(0);
    }
    let target = Target::default();
    // Check once that the template is what the benchmark claims.
    let template = read_template(&text).unwrap();
    let app = read_application(&template, &target).unwrap();
    assert_eq!(app.functions.len(), FUNCTIONS);
    let roles = design(&app).unwrap();
    assert!(roles.iter().all(|r| r.verified()));
    let checks: usize = roles.iter().map(|r| r.verification.len()).sum();
    eprintln!(
        "{} functions, {} resources, {} needs, {} permissions, {checks} verification checks",
        app.functions.len(),
        app.resources.len(),
        app.functions.iter().map(|f| f.needs.len()).sum::<usize>(),
        roles.iter().map(|r| r.permissions.len()).sum::<usize>(),
    );

    report_cpu_time("read_template", 20, || read_template(&text).unwrap());
    report_cpu_time("read_application", 20, || {
        read_application(&template, &target).unwrap()
    });
    report_cpu_time("design", 20, || design(&app).unwrap());
    report_cpu_time("all", 20, || {
        let template = read_template(&text).unwrap();
        let app = read_application(&template, &target).unwrap();
        design(&app).unwrap()
    });

    let mut group = c.benchmark_group("design-100-functions");
    group.sample_size(20);
    group.bench_function("read_template", |b| {
        b.iter(|| read_template(&text).unwrap())
    });
    group.bench_function("read_application", |b| {
        b.iter(|| read_application(&template, &target).unwrap())
    });
    group.bench_function("design (with verification and lint)", |b| {
        b.iter(|| design(&app).unwrap())
    });
    group.bench_function("all: read + model + design", |b| {
        b.iter(|| {
            let template = read_template(&text).unwrap();
            let app = read_application(&template, &target).unwrap();
            design(&app).unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
