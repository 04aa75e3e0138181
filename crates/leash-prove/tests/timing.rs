//! Timing figures (run with `cargo test -p leash-prove --release --test
//! timing -- --ignored --nocapture`): no-new-access on the seed-size
//! acceptance policies, and on AWS managed policies against a copy with one
//! statement widened (p50/p95/max).
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::time::{Duration, Instant};

use leash_policy::parse::parse_policy_text;
use leash_prove::{Property, Verdict, prove};
use serde_json::{Value as Json, json};

fn fixture(name: &str) -> leash_policy::Policy {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    parse_policy_text(&std::fs::read_to_string(path).unwrap())
        .policy
        .unwrap()
}

fn percentile(sorted: &[Duration], fraction: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}

#[test]
#[ignore = "prints timing figures; run in release"]
fn seed_size_timing() {
    let seed = fixture("seed-lambda-execution-policy.json");
    let designed = fixture("designed-get-order.json");
    // Warm the catalog once, as a long-running process would.
    let _ = prove(&Property::NoNewAccess {
        old: seed.clone(),
        new: designed.clone(),
    });
    for (label, old, new) in [
        ("holds", &seed, &designed),
        ("does not hold", &designed, &seed),
    ] {
        let mut times = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let proof = prove(&Property::NoNewAccess {
                old: old.clone(),
                new: new.clone(),
            })
            .unwrap();
            times.push(start.elapsed());
            assert!(!matches!(proof.verdict, Verdict::Unknown(_)));
        }
        times.sort();
        println!(
            "seed no-new-access ({label}): p50 {:?} p95 {:?} max {:?}",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
    }
}

/// The first Allow statement's first action widened to its service's `*`.
fn widen(policy: &Json) -> Option<Json> {
    let mut widened = policy.clone();
    let statements = match widened.get_mut("Statement")? {
        Json::Array(items) => items,
        _ => return None,
    };
    let statement = statements.iter_mut().find(|s| s["Effect"] == "Allow")?;
    let action = statement.get_mut("Action")?;
    let first = match action {
        Json::Array(items) => items.first_mut()?,
        single => single,
    };
    let service = first.as_str()?.split(':').next()?.to_string();
    *first = json!(format!("{service}:*"));
    Some(widened)
}

#[test]
#[ignore = "prints timing figures; run in release"]
fn managed_policy_timing() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: {} is absent; skipping", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let mut times = Vec::new();
    let (mut holds, mut fails, mut unknown) = (0, 0, 0);
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        let Some(widened) = widen(&json) else {
            continue;
        };
        let (Some(original), Some(wide)) = (
            parse_policy_text(&text).policy,
            parse_policy_text(&widened.to_string()).policy,
        ) else {
            continue;
        };
        let start = Instant::now();
        let proof = prove(&Property::NoNewAccess {
            old: original,
            new: wide,
        })
        .unwrap();
        let elapsed = start.elapsed();
        times.push(elapsed);
        slowest.push((
            elapsed,
            path.file_name().unwrap().to_string_lossy().into_owned(),
        ));
        match proof.verdict {
            Verdict::Holds => holds += 1,
            Verdict::DoesNotHold(_) => fails += 1,
            Verdict::Unknown(reason) => {
                unknown += 1;
                let short: String = reason.chars().take(70).collect();
                *reasons.entry(short).or_default() += 1;
            }
        }
    }
    times.sort();
    slowest.sort();
    println!(
        "managed policies vs one statement widened: {} proofs, holds {holds}, does not hold {fails}, unknown {unknown}; p50 {:?} p95 {:?} max {:?}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1]
    );
    for (reason, count) in reasons {
        println!("  unknown x{count}: {reason}");
    }
    for (time, name) in slowest.iter().rev().take(5) {
        println!("  slow: {name} {time:?}");
    }
}

#[test]
#[ignore = "prints timing figures; run in release"]
fn summary_timing() {
    let limits = leash_prove::Limits::default();
    let seed = fixture("seed-lambda-execution-policy.json");
    let designed = fixture("designed-get-order.json");
    let _ = leash_prove::summarize(&[("seed".to_string(), seed.clone())], &limits);
    for (label, policy) in [("seed", &seed), ("designed get-order", &designed)] {
        let mut times = Vec::new();
        for _ in 0..200 {
            let start = Instant::now();
            let summary =
                leash_prove::summarize(&[("p".to_string(), policy.clone())], &limits).unwrap();
            times.push(start.elapsed());
            assert!(!summary.rows.is_empty());
        }
        times.sort();
        println!(
            "summary ({label}): p50 {:?} p95 {:?} max {:?}",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            times[times.len() - 1]
        );
    }
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: {} is absent; skipping", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let mut times = Vec::new();
    let (mut done, mut rows, mut unknown) = (0, 0, 0);
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    let mut slowest: Vec<(Duration, String)> = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let Some(policy) = parse_policy_text(&text).policy else {
            continue;
        };
        let start = Instant::now();
        let result = leash_prove::summarize(&[("p".to_string(), policy)], &limits);
        let elapsed = start.elapsed();
        times.push(elapsed);
        slowest.push((
            elapsed,
            path.file_name().unwrap().to_string_lossy().into_owned(),
        ));
        match result {
            Ok(summary) => {
                done += 1;
                rows += summary.rows.len();
            }
            Err(error) => {
                unknown += 1;
                let short: String = error.to_string().chars().take(70).collect();
                *reasons.entry(short).or_default() += 1;
            }
        }
    }
    times.sort();
    slowest.sort();
    println!(
        "summary of each managed policy: {} policies, summarized {done} ({rows} rows), unknown {unknown}; p50 {:?} p95 {:?} max {:?}",
        times.len(),
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1]
    );
    for (reason, count) in reasons {
        println!("  unknown x{count}: {reason}");
    }
    for (time, name) in slowest.iter().rev().take(5) {
        println!("  slow: {name} {time:?}");
    }
}
