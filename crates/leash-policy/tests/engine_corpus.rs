//! The engine on the 1,641 AWS managed policies of `../shared/corpus`:
//! every policy prepares and evaluates without panicking, and a few well
//! known ones decide as their documentation says. Skips with a notice when
//! the corpus is absent (a plain clone has no `../shared`).
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::parse::parse_policy_text;

fn corpus_dir() -> Option<PathBuf> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    if dir.is_dir() {
        Some(dir)
    } else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {} is absent: the corpus test cannot run",
            dir.display()
        );
        eprintln!(
            "notice: {} is absent, skipping the engine corpus test",
            dir.display()
        );
        None
    }
}

fn requests() -> Vec<Request> {
    let session = "arn:aws:sts::111122223333:assumed-role/app/s1";
    let context = RequestContext::new()
        .with("aws:SecureTransport", "true")
        .with("aws:SourceIp", "203.0.113.7")
        .with_values("aws:TagKeys", ["team"]);
    [
        ("s3:GetObject", "arn:aws:s3:::bucket/key"),
        ("s3:PutObject", "arn:aws:s3:::bucket/key"),
        (
            "dynamodb:GetItem",
            "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
        ),
        (
            "dynamodb:PutItem",
            "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
        ),
        (
            "logs:PutLogEvents",
            "arn:aws:logs:us-east-1:111122223333:log-group:/aws/lambda/f:log-stream:x",
        ),
        ("iam:PassRole", "arn:aws:iam::111122223333:role/admin"),
        (
            "lambda:InvokeFunction",
            "arn:aws:lambda:us-east-1:111122223333:function:f",
        ),
        ("ec2:DescribeInstances", "*"),
    ]
    .into_iter()
    .map(|(action, resource)| {
        Request::new(session, action, resource)
            .with_time(1_700_000_000)
            .with_context(context.clone())
    })
    .collect()
}

fn decide(dir: &Path, name: &str, request: &Request) -> bool {
    let text = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    let policy = parse_policy_text(&text).policy.unwrap();
    PreparedPolicySet::new(&PolicySet::new().with_identity_policy(name, policy))
        .evaluate(request)
        .is_allowed()
}

#[test]
fn every_managed_policy_evaluates() {
    let Some(dir) = corpus_dir() else { return };
    let requests = requests();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let started = std::time::Instant::now();
    let mut evaluated = 0usize;
    let mut allowed = 0usize;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let Some(policy) = parse_policy_text(&text).policy else {
            continue;
        };
        let prepared = PreparedPolicySet::new(&PolicySet::new().with_identity_policy("p", policy));
        for request in &requests {
            evaluated += 1;
            if prepared.evaluate(request).is_allowed() {
                allowed += 1;
            }
        }
    }
    eprintln!(
        "engine corpus: {} policies, {evaluated} decisions ({allowed} allowed) in {:?}",
        files.len(),
        started.elapsed()
    );
    assert!(files.len() > 1000);
    assert!(allowed > 0 && allowed < evaluated);
}

#[test]
fn well_known_managed_policies_decide_as_documented() {
    // https://docs.aws.amazon.com/aws-managed-policy/latest/reference/policy-list.html
    let Some(dir) = corpus_dir() else { return };
    let [
        get_object,
        put_object,
        get_item,
        put_item,
        put_log_events,
        pass_role,
        invoke,
        describe,
    ] = <[Request; 8]>::try_from(requests()).unwrap();
    assert!(decide(&dir, "ReadOnlyAccess", &get_object));
    assert!(!decide(&dir, "ReadOnlyAccess", &put_object));
    assert!(decide(&dir, "ReadOnlyAccess", &describe));
    assert!(decide(&dir, "AmazonDynamoDBReadOnlyAccess", &get_item));
    assert!(!decide(&dir, "AmazonDynamoDBReadOnlyAccess", &put_item));
    assert!(decide(&dir, "AWSLambdaBasicExecutionRole", &put_log_events));
    assert!(!decide(&dir, "AWSLambdaBasicExecutionRole", &invoke));
    assert!(decide(&dir, "AmazonS3FullAccess", &put_object));
    assert!(!decide(&dir, "AmazonS3FullAccess", &pass_role));
}
