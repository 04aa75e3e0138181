//! `cargo bench -p leash-prove`: no-new-access on the seed-size acceptance
//! policies (both directions) and on a large AWS managed policy against a
//! copy with one statement widened (skipped when the corpus is absent).
#![allow(clippy::unwrap_used)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use leash_policy::parse::parse_policy_text;
use leash_prove::{Property, prove};

fn fixture(name: &str) -> leash_policy::Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    parse_policy_text(&std::fs::read_to_string(path).unwrap())
        .policy
        .unwrap()
}

fn seed(c: &mut Criterion) {
    let seed = fixture("seed-lambda-execution-policy.json");
    let designed = fixture("designed-get-order.json");
    let holds = Property::NoNewAccess {
        old: seed.clone(),
        new: designed.clone(),
    };
    let refuted = Property::NoNewAccess {
        old: designed,
        new: seed,
    };
    c.bench_function("no-new-access seed vs designed (holds)", |b| {
        b.iter(|| prove(&holds).unwrap())
    });
    c.bench_function("no-new-access designed vs seed (counterexample)", |b| {
        b.iter(|| prove(&refuted).unwrap())
    });
}

fn managed(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/aws-managed-policies/AmazonS3ReadOnlyAccess.json");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("notice: {} is absent; skipping", path.display());
        return;
    };
    let original = parse_policy_text(&text).policy.unwrap();
    let widened_text = text.replacen("\"s3:Get*\"", "\"s3:*\"", 1);
    let widened = parse_policy_text(&widened_text).policy.unwrap();
    let property = Property::NoNewAccess {
        old: original,
        new: widened,
    };
    c.bench_function("no-new-access AmazonS3ReadOnlyAccess vs widened", |b| {
        b.iter(|| prove(&property).unwrap())
    });
}

criterion_group!(benches, seed, managed);
criterion_main!(benches);
