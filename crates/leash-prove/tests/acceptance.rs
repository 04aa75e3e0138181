//! The roadmap's acceptance example: the seed Lambda execution policy
//! against a least-privilege role designed for the "get order" function.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use leash_policy::Policy;
use leash_policy::parse::parse_policy_text;
use leash_prove::counterexample::replay;
use leash_prove::{Property, Verdict, prove};

fn fixture(name: &str) -> Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    let text = std::fs::read_to_string(path).unwrap();
    parse_policy_text(&text).policy.unwrap()
}

#[test]
fn designed_role_grants_nothing_new() {
    let proof = prove(&Property::NoNewAccess {
        old: fixture("seed-lambda-execution-policy.json"),
        new: fixture("designed-get-order.json"),
    })
    .unwrap();
    assert!(
        matches!(proof.verdict, Verdict::Holds),
        "{:?}",
        proof.verdict
    );
}

#[test]
fn seed_grants_more_than_the_designed_role() {
    let proof = prove(&Property::NoNewAccess {
        old: fixture("designed-get-order.json"),
        new: fixture("seed-lambda-execution-policy.json"),
    })
    .unwrap();
    let Verdict::DoesNotHold(counterexample) = proof.verdict else {
        panic!("expected a counterexample, got {:?}", proof.verdict);
    };
    replay(&counterexample.request, true).unwrap();
    replay(counterexample.baseline.as_ref().unwrap(), false).unwrap();
    println!("{}", counterexample.describe());
}
