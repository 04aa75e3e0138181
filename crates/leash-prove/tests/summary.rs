//! `summary` checked against the engine: for generated policies and AWS
//! managed policies (as they are and mutated), every row's witness request
//! is allowed and lies in its row, and sampled requests are decided as the
//! rows say (outside every row: denied; in a row: allowed exactly when the
//! row's condition holds). Bounded in time. Also the rows of small
//! policies, written out.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use leash_policy::Policy;
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::Request;
use leash_policy::matching::{ActionPattern, ArnPattern};
use leash_policy::parse::parse_policy_text;
use leash_prove::counterexample::replay;
use leash_prove::{Limits, PatternSet, SummaryError, SummaryRow, summarize};
use serde_json::{Value as Json, json};

mod common;
use common::*;

const ACCOUNT: &str = "111122223333";

fn limits() -> Limits {
    Limits {
        max_duration: Duration::from_millis(1500),
        ..Limits::default()
    }
}

fn in_actions(sets: &[PatternSet], action: &str) -> bool {
    sets.iter().any(|set| {
        set.all_of
            .iter()
            .all(|p| ActionPattern::new(p).is_match(action))
            && !set
                .none_of
                .iter()
                .any(|p| ActionPattern::new(p).is_match(action))
    })
}

fn in_resources(sets: &[PatternSet], resource: &str) -> bool {
    sets.iter().any(|set| {
        set.all_of
            .iter()
            .all(|p| ArnPattern::new(p).is_match(resource))
            && !set
                .none_of
                .iter()
                .any(|p| ArnPattern::new(p).is_match(resource))
    })
}

/// The identity policies, with a resource policy that delegates to the
/// caller's account (what the summary describes).
fn prepared(policies: &[Policy], extra: Option<Policy>) -> PreparedPolicySet {
    let delegating = parse_policy_text(
        &json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
            "Action": "*", "Resource": "*"}]})
        .to_string(),
    )
    .policy
    .unwrap();
    let mut set = PolicySet::new().with_resource_policy("resource", delegating);
    for (index, policy) in policies.iter().enumerate() {
        set = set.with_identity_policy(format!("p{index}"), policy.clone());
    }
    if let Some(extra) = extra {
        set = set.with_identity_policy("row", extra);
    }
    PreparedPolicySet::new(&set)
}

/// The row's condition as a policy of its own: allowed exactly when the
/// row says the request is.
fn row_policy(row: &SummaryRow, version: &str) -> Option<Policy> {
    let condition = row.condition.as_ref()?;
    let mut statements: Vec<Json> = match &condition.allow_when {
        None => vec![json!({"Effect": "Allow", "Action": "*", "Resource": "*"})],
        Some(list) => list
            .iter()
            .map(|c| json!({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": c}))
            .collect(),
    };
    for c in &condition.unless {
        statements.push(json!({"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": c}));
    }
    parse_policy_text(&json!({"Version": version, "Statement": statements}).to_string()).policy
}

#[derive(Default, Debug)]
struct Tally {
    summarized: usize,
    unknown: usize,
    rows: usize,
    requests: usize,
    inside: usize,
}

fn check(policy: &Policy, random: &mut Random, samples: usize, tally: &mut Tally) {
    let summary = match summarize(&[("p".to_string(), policy.clone())], &limits()) {
        Ok(summary) => summary,
        Err(SummaryError::Unknown(reason)) => {
            assert!(!reason.contains("internal error"), "{reason}");
            tally.unknown += 1;
            return;
        }
        Err(error) => panic!("{error}"),
    };
    tally.summarized += 1;
    tally.rows += summary.rows.len();
    let version = policy
        .version
        .as_ref()
        .map(|v| {
            if v.node == leash_policy::PolicyVersion::V2012_10_17 {
                "2012-10-17"
            } else {
                "2008-10-17"
            }
        })
        .unwrap_or("2008-10-17");
    let printed = leash_policy::print::print_policy(policy);
    for row in &summary.rows {
        replay(&row.witness, true).unwrap();
        let action = row.witness["action"].as_str().unwrap();
        let resource = row.witness["resource"].as_str().unwrap();
        assert!(in_actions(&row.actions, action), "{row:?}");
        assert!(in_resources(&row.resources, resource), "{row:?}");
    }
    let engine = prepared(std::slice::from_ref(policy), None);
    let row_engines: Vec<Option<PreparedPolicySet>> = summary
        .rows
        .iter()
        .map(|row| row_policy(row, version).map(|p| prepared(&[], Some(p))))
        .collect();
    let mut actions: Vec<String> = Vec::new();
    let mut resources: Vec<String> = Vec::new();
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
    actions.extend(["s3:GetObject", "iam:PassRole", "ec2:RunInstances"].map(String::from));
    resources.push("arn:aws:s3:::b/x".into());
    for row in &summary.rows {
        actions.push(row.witness["action"].as_str().unwrap().to_string());
        for service in &row.catalog {
            actions.extend(service.missing.iter().take(3).cloned());
        }
    }
    for _ in 0..samples {
        let request: Request = random_request(random, &actions, &resources, KEYS);
        if request
            .action()
            .eq_ignore_ascii_case("sts:GetCallerIdentity")
            || !(request.resource() == "*" || request.resource().starts_with("arn:"))
        {
            continue;
        }
        tally.requests += 1;
        let allowed = engine.evaluate(&request).is_allowed();
        let rows: Vec<usize> = summary
            .rows
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                in_actions(&row.actions, request.action())
                    && in_resources(&row.resources, request.resource())
            })
            .map(|(index, _)| index)
            .collect();
        if rows.is_empty() {
            assert!(
                !allowed,
                "{request:?} is allowed but in no row of the summary of\n{printed}\n{:#?}",
                summary.rows
            );
            continue;
        }
        tally.inside += 1;
        for index in rows {
            let expected = match &row_engines[index] {
                None => true,
                Some(row_engine) => row_engine.evaluate(&request).is_allowed(),
            };
            assert_eq!(
                allowed, expected,
                "{request:?}: row {:#?} of the summary of\n{printed}",
                summary.rows[index]
            );
        }
    }
}

#[test]
fn generated_policies() {
    let mut random = Random(0x5eed_5a11_0000_0007);
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(6);
    let mut policies = 0;
    while Instant::now() < deadline && policies < 300 {
        let json = small_policy(&mut random);
        check(&policy(&json), &mut random, 1_000, &mut tally);
        policies += 1;
    }
    println!("generated policies: {policies}, {tally:?}");
    assert!(tally.summarized > 0 && tally.inside > 0, "{tally:?}");
}

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies")
}

/// A statement turned into a Deny, or its action narrowed to one name of
/// its service: policies with exceptions in them.
fn mutate(policy: &Json, random: &mut Random) -> Option<Json> {
    let mut mutated = policy.clone();
    let statements = match mutated.get_mut("Statement")? {
        Json::Array(items) => items,
        _ => return None,
    };
    if statements.is_empty() {
        return None;
    }
    let index = random.below(statements.len());
    let mut copy = statements[index].clone();
    copy["Effect"] = json!("Deny");
    if let Some(first) = copy
        .get("Action")
        .and_then(|a| a.as_array().and_then(|items| items.first()).or(Some(a)))
        .and_then(|a| a.as_str())
        .and_then(|a| a.split(':').next())
        .map(|service| format!("{service}:Delete*"))
        && random.chance(50)
    {
        copy["Action"] = json!(first);
    }
    statements.push(copy);
    Some(mutated)
}

#[test]
fn managed_policies() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {} is absent: the corpus test cannot run",
            dir.display()
        );
        eprintln!(
            "notice: {} is absent; skipping the managed-policy summary test",
            dir.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let mut random = Random(0x5eed_5a11_0000_0042);
    let mut tally = Tally::default();
    let deadline = Instant::now() + Duration::from_secs(8);
    let mut tried = 0;
    while Instant::now() < deadline && tried < 200 {
        let path = random.pick(&paths).clone();
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(original) = parse_policy_text(&text).policy else {
            continue;
        };
        tried += 1;
        check(&original, &mut random, 200, &mut tally);
        let json: Json = serde_json::from_str(&text).unwrap();
        if let Some(mutated) = mutate(&json, &mut random)
            && let Some(mutated) = parse_policy_text(&mutated.to_string()).policy
        {
            check(&mutated, &mut random, 200, &mut tally);
        }
    }
    println!("managed policies: {tried}, {tally:?}");
    assert!(tally.summarized > 0, "{tally:?}");
}
