//! Differential tests: whenever leash prove says "holds", thousands of
//! random requests never find a violation with the engine; whenever it
//! says "does not hold", the counterexample replays. Policies come from
//! a small generator and from AWS managed policies widened by one
//! statement. Bounded in time.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use leash_policy::Policy;
use leash_policy::authz::{PolicySet, PreparedPolicySet, ResourcePolicyKind};
use leash_policy::parse::parse_policy_text;
use leash_prove::counterexample::replay;
use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};
use serde_json::{Value as Json, json};

mod common;
use common::*;

/// The engine as leash prove reads identity policies: the resource side
/// (a key policy, a trust policy) delegates to them.
fn prepared(policy: &Policy) -> PreparedPolicySet {
    PreparedPolicySet::new(
        &PolicySet::new()
            .with_identity_policy("p", policy.clone())
            .with_resource_policy_kind(ResourcePolicyKind::Standard),
    )
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
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {} is absent: the corpus test cannot run",
            dir.display()
        );
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
