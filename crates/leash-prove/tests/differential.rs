//! Differential tests: whenever leash prove says "holds", thousands of
//! random requests never find a violation with the engine; whenever it
//! says "does not hold", the counterexample replays. Policies come from
//! a small generator and from AWS managed policies widened by one
//! statement. Bounded in time.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use leash_policy::Policy;
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{ContextValue, Request, RequestContext};
use leash_policy::parse::parse_policy_text;
use leash_prove::counterexample::replay;
use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};
use serde_json::{Value as Json, json};

/// xorshift64*: deterministic, dependency-free.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:Get*",
    "s3:*",
    "s3:*Object",
    "s3:ListBucket",
    "dynamodb:GetItem",
    "dynamodb:*Item",
    "dynamodb:*",
    "*",
    "logs:Put?ogEvents",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/x",
    "arn:aws:s3:::b",
    "arn:aws:s3:::*",
    "*",
    "arn:aws:dynamodb:us-east-1:111122223333:table/T",
    "arn:aws:dynamodb:*:*:table/*",
    "arn:aws:s3:::b/home/*/x",
    "arn:aws:s3:::b?",
];

fn condition(random: &mut Random) -> Json {
    let choices = [
        json!({"StringEquals": {"aws:SourceVpc": "vpc-1"}}),
        json!({"StringNotEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}}),
        json!({"StringLike": {"s3:prefix": ["home/*", "pub?"]}}),
        json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        json!({"NotIpAddress": {"aws:SourceIp": ["10.1.0.0/16", "192.168.1.1"]}}),
        json!({"NumericLessThan": {"s3:max-keys": "10"}}),
        json!({"NumericGreaterThanEquals": {"s3:max-keys": "2.5"}}),
        json!({"Bool": {"aws:SecureTransport": "true"}}),
        json!({"Bool": {"aws:SecureTransport": "false"}}),
        json!({"Null": {"aws:SourceVpc": "true"}}),
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a", "b"]}}),
        json!({"ForAllValues:StringLike": {"aws:TagKeys": ["a*"]}}),
        json!({"DateLessThan": {"aws:CurrentTime": "2026-06-01T00:00:00Z"}}),
        json!({"StringEqualsIgnoreCase": {"aws:PrincipalTag/team": "Ops"}}),
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:111122223333:t*"}}),
        json!({"StringLikeIfExists": {"aws:SourceVpce": "vpce-*"}}),
        json!({"StringEquals": {"aws:SourceVpce": "${aws:SourceVpc}"}}),
        json!({"StringNotEquals": {"aws:SourceVpc": "${aws:PrincipalTag/team}"}}),
    ];
    random.pick(&choices).clone()
}

fn small_policy(random: &mut Random) -> Json {
    let count = 1 + random.below(3);
    let statements: Vec<Json> = (0..count)
        .map(|_| {
            let mut statement = serde_json::Map::new();
            let effect = if random.chance(25) { "Deny" } else { "Allow" };
            statement.insert("Effect".into(), json!(effect));
            let actions: Vec<&str> = (0..1 + random.below(2))
                .map(|_| *random.pick(ACTIONS))
                .collect();
            let action_key = if random.chance(10) {
                "NotAction"
            } else {
                "Action"
            };
            statement.insert(action_key.into(), json!(actions));
            let resources: Vec<&str> = (0..1 + random.below(2))
                .map(|_| *random.pick(RESOURCES))
                .collect();
            let resource_key = if random.chance(10) {
                "NotResource"
            } else {
                "Resource"
            };
            statement.insert(resource_key.into(), json!(resources));
            if random.chance(50) {
                let mut merged = serde_json::Map::new();
                for _ in 0..1 + random.below(2) {
                    if let Json::Object(block) = condition(random) {
                        for (operator, entries) in block {
                            merged.insert(operator, entries);
                        }
                    }
                }
                statement.insert("Condition".into(), Json::Object(merged));
            }
            Json::Object(statement)
        })
        .collect();
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn policy(value: &Json) -> Policy {
    parse_policy_text(&value.to_string()).policy.unwrap()
}

/// Strings that look like the pattern: wildcards filled at random.
fn fill(pattern: &str, random: &mut Random) -> String {
    let letters = [
        "",
        "a",
        "x",
        "home/",
        "b",
        "T",
        "Object",
        "/",
        ":",
        "us-east-1",
        "pub",
    ];
    let mut text = String::new();
    for character in pattern.chars() {
        match character {
            '*' => {
                for _ in 0..random.below(3) {
                    let letter: &str = letters[random.below(letters.len())];
                    text.push_str(letter);
                }
            }
            '?' => text.push(*random.pick(&['a', 'L', 'x', '/'])),
            other => text.push(other),
        }
    }
    if random.chance(10) {
        text.push('x');
    }
    text
}

fn random_value(key: &str, random: &mut Random) -> ContextValue {
    let pool: &[&str] = match key {
        "aws:SourceIp" => &[
            "10.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "192.168.1.2",
            "9.255.255.255",
            "::1",
            "x",
        ],
        "s3:max-keys" => &["1", "2.5", "2.4", "9.99", "10", "10.0", "11", "-1", "ten"],
        "aws:SecureTransport" => &["true", "false", "TRUE", "yes"],
        "aws:CurrentTime" => &[
            "2026-05-31T23:59:59Z",
            "2026-06-01T00:00:00Z",
            "2027-01-01T00:00:00Z",
            "soon",
        ],
        "aws:SourceArn" => &[
            "arn:aws:sns:us-east-1:111122223333:topic",
            "arn:aws:sns:us-east-1:1:t",
            "arn:aws:sns::111122223333:t",
        ],
        "aws:PrincipalTag/team" => &["ops", "OPS", "Ops", "dev", "\u{212A}"],
        _ => &[
            "vpc-1", "vpc-2", "vpc-3", "home/x", "pub1", "pub", "a", "b", "ab", "c", "", "vpce-1",
        ],
    };
    if key == "aws:TagKeys" {
        let count = random.below(3);
        return ContextValue::Multiple((0..count).map(|_| random.pick(pool).to_string()).collect());
    }
    ContextValue::Single(random.pick(pool).to_string())
}

const KEYS: &[&str] = &[
    "aws:SourceVpc",
    "s3:prefix",
    "aws:SourceIp",
    "s3:max-keys",
    "aws:SecureTransport",
    "aws:TagKeys",
    "aws:CurrentTime",
    "aws:PrincipalTag/team",
    "aws:SourceArn",
    "aws:SourceVpce",
];

fn random_request(
    random: &mut Random,
    actions: &[String],
    resources: &[String],
    keys: &[&str],
) -> Request {
    let action_pattern: String = random.pick(actions).clone();
    let action = fill(&action_pattern, random);
    let resource_pattern: String = random.pick(resources).clone();
    let resource = fill(&resource_pattern, random);
    let mut context = RequestContext::new();
    for key in keys {
        if random.chance(60) {
            context.insert(key.to_string(), random_value(key, random));
        }
    }
    Request::new(
        "arn:aws:sts::111122223333:assumed-role/r/s",
        action,
        resource,
    )
    .with_resource_account("111122223333")
    .with_time(1_767_225_600)
    .with_context(context)
}

fn prepared(policy: &Policy) -> PreparedPolicySet {
    PreparedPolicySet::new(&PolicySet::new().with_identity_policy("p", policy.clone()))
}

/// Short time limits keep the test bounded; an answer cut short is
/// unknown, which the test accepts.
fn solver() -> RegionSolver {
    RegionSolver {
        limits: Limits {
            max_duration: Duration::from_millis(500),
            ..Limits::default()
        },
    }
}

#[derive(Default, Debug)]
struct Tally {
    holds: usize,
    does_not_hold: usize,
    unknown: usize,
    requests: usize,
}

/// Proves no-new-access and checks the answer; returns the verdict kind.
fn check_pair(old: &Policy, new: &Policy, random: &mut Random, samples: usize, tally: &mut Tally) {
    let proof = solver()
        .prove(&Property::NoNewAccess {
            old: old.clone(),
            new: new.clone(),
        })
        .unwrap();
    match &proof.verdict {
        Verdict::Holds => {
            tally.holds += 1;
            let (old_set, new_set) = (prepared(old), prepared(new));
            let mut actions: Vec<String> = Vec::new();
            let mut resources: Vec<String> = Vec::new();
            for policy in [old, new] {
                for statement in &policy.statements {
                    actions.extend(
                        statement
                            .action
                            .node
                            .patterns
                            .iter()
                            .map(|p| p.node.clone()),
                    );
                    if let Some(resource) = &statement.resource {
                        resources.extend(resource.node.patterns.iter().map(|p| p.node.clone()));
                    }
                }
            }
            actions.push("s3:GetObject".into());
            resources.push("arn:aws:s3:::b/x".into());
            for _ in 0..samples {
                let request = random_request(random, &actions, &resources, KEYS);
                tally.requests += 1;
                let violated = new_set.evaluate(&request).is_allowed()
                    && !old_set.evaluate(&request).is_allowed();
                assert!(
                    !violated,
                    "prove said holds but {request:?} is allowed by\n{}\nand denied by\n{}",
                    leash_policy::print::print_policy(new),
                    leash_policy::print::print_policy(old)
                );
            }
        }
        Verdict::DoesNotHold(counterexample) => {
            tally.does_not_hold += 1;
            replay(&counterexample.request, true).unwrap();
            replay(counterexample.baseline.as_ref().unwrap(), false).unwrap();
        }
        Verdict::Unknown(reason) => {
            tally.unknown += 1;
            assert!(!reason.contains("internal error"), "{reason}");
        }
    }
}

#[test]
fn generated_policy_pairs() {
    let mut random = Random(0x5eed_1234_abcd_0001);
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut pairs = 0;
    while Instant::now() < deadline && pairs < 400 {
        let old_json = small_policy(&mut random);
        let new_json = if random.chance(30) {
            // Often a sub-policy: a statement removed, so "holds" answers
            // get checked too.
            let mut narrowed = old_json.clone();
            if let Some(statements) = narrowed["Statement"].as_array_mut()
                && statements.len() > 1
            {
                statements.retain(|statement| statement["Effect"] == "Allow");
                statements.truncate(1);
            }
            narrowed
        } else {
            small_policy(&mut random)
        };
        check_pair(
            &policy(&old_json),
            &policy(&new_json),
            &mut random,
            2_000,
            &mut tally,
        );
        check_pair(
            &policy(&new_json),
            &policy(&old_json),
            &mut random,
            2_000,
            &mut tally,
        );
        pairs += 1;
    }
    println!("generated pairs: {pairs}, {tally:?}");
    assert!(tally.holds > 0 && tally.does_not_hold > 0, "{tally:?}");
}

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies")
}

/// One Allow statement widened: an action becomes its service's `*`, or
/// the resource becomes `*`, or the condition goes.
fn widen(policy: &Json, random: &mut Random) -> Option<Json> {
    let mut widened = policy.clone();
    let statements = widened.get_mut("Statement")?;
    let statements: Vec<&mut Json> = match statements {
        Json::Array(items) => items.iter_mut().collect(),
        object @ Json::Object(_) => vec![object],
        _ => return None,
    };
    let mut allows: Vec<&mut Json> = statements
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    if allows.is_empty() {
        return None;
    }
    let index = random.below(allows.len());
    let statement = allows.get_mut(index)?;
    match random.below(3) {
        0 if statement.get("Condition").is_some() => {
            statement.as_object_mut()?.remove("Condition");
        }
        1 if statement.get("Resource").is_some() => statement["Resource"] = json!("*"),
        _ => {
            let action = statement.get_mut("Action")?;
            let first = match action {
                Json::Array(items) => items.first_mut()?,
                single => single,
            };
            let service = first.as_str()?.split(':').next()?.to_string();
            *first = json!(format!("{service}:*"));
        }
    }
    Some(widened)
}

#[test]
fn managed_policies_widened() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!(
            "notice: {} is absent; skipping the managed-policy differential test",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let mut random = Random(0x5eed_0000_0000_0042);
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut tried = 0;
    while Instant::now() < deadline && tried < 300 {
        let path = random.pick(&paths).clone();
        let text = std::fs::read_to_string(&path).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        let Some(widened) = widen(&json, &mut random) else {
            continue;
        };
        let (Some(original), Some(wide)) = (
            parse_policy_text(&text).policy,
            parse_policy_text(&widened.to_string()).policy,
        ) else {
            continue;
        };
        tried += 1;
        check_pair(&original, &wide, &mut random, 300, &mut tally);
        check_pair(&wide, &original, &mut random, 300, &mut tally);
        // A policy never grants more than itself.
        let proof = solver()
            .prove(&Property::NoNewAccess {
                old: original.clone(),
                new: original.clone(),
            })
            .unwrap();
        assert!(
            !matches!(proof.verdict, Verdict::DoesNotHold(_)),
            "{}",
            path.display()
        );
    }
    println!("managed policies: {tried}, {tally:?}");
}
