//! Test trails: CloudTrail log files in the delivered layout and record
//! format, generated from roles' policies, with the aggregate they must
//! give (the generator knows what each record stands for without reading
//! it back) and the account authorization dumps of those roles.
//!
//! For: tests and benchmarks of `leash usage` (no real trail can be
//! shipped). Not for: anything a user runs against AWS.
//!
//! Each role is deployed in every generated account (`ACCOUNT` in its
//! policies, and `REGION`, are replaced by the account's id and home
//! region). Calls are drawn from its Allow statements: an action its
//! `Action` patterns name (expanded with the catalog), on a resource its
//! `Resource` patterns name with each `*` made concrete (an S3 object key,
//! a log stream of a log group, a short name), as a session of the role
//! (`AssumedRole`). Records follow the CloudTrail record contents page
//! (<https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html>):
//! data events (`eventCategory: Data`, S3 objects with their bucket in
//! `resources`), management events, throttling errors, `AccessDenied`
//! calls for actions the role is not granted, calls by AWS services and by
//! an IAM user, across accounts and regions.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{Value, json};

use crate::aggregate::{Key, Row};

/// The account id and region role policies are written with, replaced
/// per generated account.
pub const ACCOUNT: &str = "000000000000";
pub const REGION: &str = "us-east-1";

/// One role: its name and its identity policy (JSON text).
#[derive(Clone, Debug)]
pub struct RoleSpec {
    pub name: String,
    pub policy: String,
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Options {
    pub accounts: usize,
    /// Log files (each one account, region and day).
    pub files: usize,
    pub records_per_file: usize,
    /// Whether the trail logs data events.
    pub data_events: bool,
    pub seed: u64,
}

/// The true aggregate and what was written.
#[derive(Clone, Debug, Default)]
pub struct Generated {
    pub truth: HashMap<Key, Row>,
    pub records: u64,
    pub files: Vec<PathBuf>,
}

/// SplitMix64: a small deterministic generator (the same seed gives the
/// same trail).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
}

const REGIONS: [&str; 4] = ["us-east-1", "eu-west-1", "ap-southeast-2", "us-west-2"];

/// The generated accounts' ids (`100000000000` + n) and home regions.
pub fn accounts(count: usize) -> Vec<(String, &'static str)> {
    (0..count)
        .map(|n| {
            (
                format!("{}", 100_000_000_000_u64 + n as u64),
                REGIONS[n % REGIONS.len()],
            )
        })
        .collect()
}

/// A call a role can make: an action and a resource pattern (`None`: no
/// resource in the record), and whether the policy grants it.
#[derive(Clone, Debug)]
struct Call {
    action: String,
    pattern: Option<String>,
    granted: bool,
}

/// The calls a policy's Allow statements name (actions expanded with the
/// catalog, at most 6 per pattern), plus one call it is denied.
fn calls_of(policy: &Value) -> Vec<Call> {
    let catalog = leash_catalog::catalog();
    let mut calls = Vec::new();
    let statements = match policy.get("Statement") {
        Some(Value::Array(list)) => list.clone(),
        Some(one) => vec![one.clone()],
        None => Vec::new(),
    };
    let strings = |v: Option<&Value>| -> Vec<String> {
        match v {
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        }
    };
    for statement in statements {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow")
            || statement.get("Condition").is_some()
        {
            continue;
        }
        let resources = strings(statement.get("Resource"));
        for pattern in strings(statement.get("Action")) {
            for action in catalog.expand(&pattern).into_iter().take(6) {
                let name = format!("{}:{}", action.service(), action.name());
                if crate::refine::never_logged(&name).is_some() {
                    continue;
                }
                for resource in &resources {
                    calls.push(Call {
                        action: name.clone(),
                        pattern: (resource != "*").then(|| resource.clone()),
                        granted: true,
                    });
                }
            }
        }
    }
    // A need the policy does not meet: denied.
    calls.push(Call {
        action: "dynamodb:DeleteTable".into(),
        pattern: Some(format!(
            "arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/not-granted"
        )),
        granted: false,
    });
    calls
}

/// `pattern` with every `*` made concrete and `?` made `x`.
fn instantiate(pattern: &str, rng: &mut Rng) -> String {
    if pattern.starts_with("arn:aws:s3:::") && pattern.ends_with("/*") {
        let base = &pattern[..pattern.len() - 1];
        return format!("{base}d{}/k{}.json", rng.below(4), rng.below(50));
    }
    if pattern.contains(":log-group:") && pattern.ends_with(":*") {
        let base = &pattern[..pattern.len() - 1];
        return format!(
            "{base}log-stream:2026/11/0{}/[$LATEST]s{}",
            1 + rng.below(9),
            rng.below(8)
        );
    }
    let mut out = String::new();
    for c in pattern.chars() {
        match c {
            '*' => out.push_str(&format!("g{}", rng.below(3))),
            '?' => out.push('x'),
            other => out.push(other),
        }
    }
    out
}

/// The `eventSource` and `eventName` CloudTrail logs for an action
/// (the inverse of `record::action_of`).
fn event_of(action: &str, rng: &mut Rng) -> (String, String) {
    let (prefix, name) = action.split_once(':').unwrap_or((action, ""));
    let host = match prefix {
        "cloudwatch" => "monitoring",
        "ses" => "email",
        other => other,
    };
    let name = match action {
        "lambda:InvokeFunction" => "Invoke".to_string(),
        "s3:ListBucket" => ["ListObjects", "ListObjectsV2", "HeadBucket"][rng.below(3)].to_string(),
        "s3:GetObject" if rng.below(4) == 0 => "HeadObject".to_string(),
        _ => name.to_string(),
    };
    (format!("{host}.amazonaws.com"), name)
}

fn is_data(action: &str) -> bool {
    crate::refine::DATA_EVENT_ACTIONS.contains(&action)
}

/// The dump (`get-account-authorization-details` shape) of one account:
/// each role with its policy inline and `AWSLambdaBasicExecutionRole`
/// attached.
pub fn dump(roles: &[RoleSpec], account: &str, region: &str) -> Value {
    let details: Vec<Value> = roles
        .iter()
        .map(|role| {
            let policy: Value = serde_json::from_str(&localise(&role.policy, account, region))
                .unwrap_or(Value::Null);
            json!({
                "Path": "/",
                "RoleName": role.name,
                "RoleId": "AROAEXAMPLE",
                "Arn": format!("arn:aws:iam::{account}:role/{}", role.name),
                "CreateDate": "2026-01-01T00:00:00Z",
                "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
                "RolePolicyList": [{"PolicyName": "policy", "PolicyDocument": policy}],
                "AttachedManagedPolicies": [{"PolicyName": "AWSLambdaBasicExecutionRole",
                    "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"}],
                "Tags": [],
                "RoleLastUsed": {"LastUsedDate": "2026-11-30T00:00:00Z", "Region": region}
            })
        })
        .collect();
    json!({"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": details, "Policies": []})
}

fn localise(text: &str, account: &str, region: &str) -> String {
    text.replace(ACCOUNT, account).replace(REGION, region)
}

/// Writes the trail under `out` (`AWSLogs/ACCOUNT/CloudTrail/REGION/2026/11/DD/*.json.gz`)
/// and returns the true aggregate.
pub fn generate(roles: &[RoleSpec], options: &Options, out: &Path) -> std::io::Result<Generated> {
    let accounts = accounts(options.accounts);
    let calls: Vec<Vec<Call>> = roles
        .iter()
        .map(|role| {
            serde_json::from_str::<Value>(&role.policy)
                .map(|policy| calls_of(&policy))
                .unwrap_or_default()
        })
        .collect();
    let results: Vec<std::io::Result<Generated>> = (0..options.files)
        .into_par_iter()
        .map(|file| {
            let mut rng = Rng::new(options.seed ^ (file as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
            let (account, home) = &accounts[file % accounts.len()];
            // Most files are of the account's home region.
            let region = if rng.below(4) == 0 { REGIONS[rng.below(REGIONS.len())] } else { home };
            let day = 1 + rng.below(30);
            let mut generated = Generated::default();
            let mut records = Vec::with_capacity(options.records_per_file);
            for _ in 0..options.records_per_file {
                let time = format!(
                    "2026-11-{day:02}T{:02}:{:02}:{:02}Z",
                    rng.below(24),
                    rng.below(60),
                    rng.below(60)
                );
                let roll = rng.below(100);
                if roll < 2 {
                    // A service's own call: no principal of the account.
                    records.push(json!({
                        "eventVersion": "1.09",
                        "userIdentity": {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
                        "eventTime": time, "eventSource": "sts.amazonaws.com", "eventName": "AssumeRole",
                        "awsRegion": region, "sourceIPAddress": "lambda.amazonaws.com", "userAgent": "lambda.amazonaws.com",
                        "requestParameters": null, "responseElements": null,
                        "requestID": format!("r{}", rng.next_u64()), "eventID": format!("e{}", rng.next_u64()),
                        "readOnly": true, "eventType": "AwsServiceEvent", "managementEvent": true,
                        "recipientAccountId": account, "eventCategory": "Management"
                    }));
                    continue;
                }
                if roll < 3 {
                    let user = format!("arn:aws:iam::{account}:user/ops");
                    records.push(json!({
                        "eventVersion": "1.09",
                        "userIdentity": {"type": "IAMUser", "principalId": "AIDAEXAMPLE", "arn": user,
                            "accountId": account, "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "userName": "ops"},
                        "eventTime": time, "eventSource": "s3.amazonaws.com", "eventName": "ListBuckets",
                        "awsRegion": region, "sourceIPAddress": "192.0.2.1", "userAgent": "aws-cli/2",
                        "requestParameters": {"host": ["s3.amazonaws.com"]}, "responseElements": null,
                        "requestID": format!("r{}", rng.next_u64()), "eventID": format!("e{}", rng.next_u64()),
                        "readOnly": true, "eventType": "AwsApiCall", "managementEvent": true,
                        "recipientAccountId": account, "eventCategory": "Management"
                    }));
                    generated
                        .truth
                        .entry((user, "s3:ListAllMyBuckets".into(), None))
                        .or_default()
                        .add(&time, None, false);
                    continue;
                }
                let index = rng.below(roles.len());
                let (role, role_calls) = (&roles[index], &calls[index]);
                if role_calls.len() < 2 {
                    continue;
                }
                // The last call is the one the role is denied: 1 call in
                // 100.
                let call = if rng.below(100) == 0 {
                    &role_calls[role_calls.len() - 1]
                } else {
                    &role_calls[rng.below(role_calls.len() - 1)]
                };
                let data = is_data(&call.action);
                if data && !options.data_events {
                    // Not logged: not in the trail, not in the truth.
                    continue;
                }
                let role_arn = format!("arn:aws:iam::{account}:role/{}", role.name);
                // The role's resources are in its account's home region,
                // wherever the call is logged.
                let resource = call
                    .pattern
                    .as_ref()
                    .map(|p| instantiate(&localise(p, account, home), &mut rng));
                let error = if !call.granted {
                    Some("AccessDenied")
                } else if rng.below(50) == 0 {
                    Some("ThrottlingException")
                } else {
                    None
                };
                let (source, name) = event_of(&call.action, &mut rng);
                let mut resources: Vec<Value> = Vec::new();
                if let Some(arn) = &resource {
                    let object = arn.starts_with("arn:aws:s3:::") && arn.contains('/');
                    resources.push(if object {
                        json!({"type": "AWS::S3::Object", "ARN": arn})
                    } else {
                        json!({"accountId": account, "ARN": arn})
                    });
                    if object {
                        // S3 data events name the object and its bucket.
                        let bucket = arn.split('/').next().unwrap_or_default();
                        resources.push(json!({"accountId": account, "type": "AWS::S3::Bucket", "ARN": bucket}));
                    }
                }
                let mut record = json!({
                    "eventVersion": "1.09",
                    "userIdentity": {
                        "type": "AssumedRole",
                        "principalId": format!("AROAEXAMPLE{index}:{}", role.name),
                        "arn": format!("arn:aws:sts::{account}:assumed-role/{}/{}", role.name, role.name),
                        "accountId": account,
                        "accessKeyId": "ASIAEXAMPLE",
                        "sessionContext": {
                            "sessionIssuer": {"type": "Role", "principalId": format!("AROAEXAMPLE{index}"),
                                "arn": role_arn, "accountId": account, "userName": role.name},
                            "attributes": {"creationDate": "2026-11-01T00:00:00Z", "mfaAuthenticated": "false"}
                        }
                    },
                    "eventTime": time, "eventSource": source, "eventName": name, "awsRegion": region,
                    "sourceIPAddress": "203.0.113.7", "userAgent": "aws-sdk-js/3",
                    "requestParameters": {}, "responseElements": null,
                    "requestID": format!("r{}", rng.next_u64()), "eventID": format!("e{}", rng.next_u64()),
                    "readOnly": false, "eventType": "AwsApiCall", "managementEvent": !data,
                    "recipientAccountId": account,
                    "eventCategory": if data { "Data" } else { "Management" }
                });
                if let (Some(error), Some(object)) = (error, record.as_object_mut()) {
                    object.insert("errorCode".into(), json!(error));
                    object.insert("errorMessage".into(), json!("generated"));
                }
                if !resources.is_empty()
                    && let Some(object) = record.as_object_mut()
                {
                    object.insert("resources".into(), Value::Array(resources));
                }
                records.push(record);
                let mut actions = vec![call.action.clone()];
                if name == "HeadObject" || name == "HeadBucket" || name.starts_with("ListObjects") {
                    actions = vec![if name == "HeadObject" { "s3:GetObject" } else { "s3:ListBucket" }.into()];
                }
                for action in actions {
                    generated
                        .truth
                        .entry((role_arn.clone(), action, resource.clone()))
                        .or_default()
                        .add(&time, error, data);
                }
            }
            let folder = out.join(format!(
                "AWSLogs/{account}/CloudTrail/{region}/2026/11/{day:02}"
            ));
            std::fs::create_dir_all(&folder)?;
            let path = folder.join(format!(
                "{account}_CloudTrail_{region}_20261101T0000Z_{file:06}.json.gz"
            ));
            let text = serde_json::to_vec(&json!({"Records": records}))?;
            let packed = crate::gzip::compress_fast(&text);
            let mut handle = std::fs::File::create(&path)?;
            handle.write_all(&packed)?;
            generated.records = records.len() as u64;
            generated.files.push(path);
            Ok(generated)
        })
        .collect();
    let mut total = Generated::default();
    for result in results {
        let generated = result?;
        total.records += generated.records;
        total.files.extend(generated.files);
        for (key, row) in generated.truth {
            total.truth.entry(key).or_default().merge(&row);
        }
    }
    Ok(total)
}
