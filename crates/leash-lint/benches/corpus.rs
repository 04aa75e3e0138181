//! Parse and lint the 1,641 AWS managed policies, single-threaded, from
//! memory (file reading excluded). Figures go to `docs/benchmarks.md`.
//!
//! `cargo bench -p leash-lint --bench corpus`
#![allow(clippy::unwrap_used, clippy::expect_used)]

use criterion::{Criterion, criterion_group, criterion_main};
use std::path::Path;

fn load_corpus() -> Vec<Vec<u8>> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("notice: {} is absent; nothing to measure", dir.display());
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

fn corpus(c: &mut Criterion) {
    let files = load_corpus();
    if files.is_empty() {
        return;
    }
    // Decode the catalog outside the measurement: a CLI run pays it once.
    let _ = leash_catalog::catalog().action_count();
    let mut group = c.benchmark_group("managed-policies");
    group.sample_size(20);
    group.bench_function("parse", |b| {
        b.iter(|| {
            let mut statements = 0;
            for bytes in &files {
                let value = leash_policy::json::parse_json_bytes(bytes).unwrap();
                let parsed = leash_policy::parse::parse_policy(&value);
                statements += parsed.policy.map_or(0, |p| p.statements.len());
            }
            statements
        })
    });
    // Issue 2's scope: syntax and structure, unknown services, actions,
    // patterns and condition keys (L001-L104), without the later rules.
    let catalog_rules: Vec<_> = leash_lint::RULES
        .iter()
        .filter(|r| r.code <= "L104")
        .filter_map(|r| r.check)
        .collect();
    group.bench_function("parse+catalog-rules", |b| {
        b.iter(|| {
            let mut findings = Vec::new();
            for bytes in &files {
                let value = leash_policy::json::parse_json_bytes(bytes).unwrap();
                let parsed = leash_policy::parse::parse_policy(&value);
                if let Some(policy) = &parsed.policy {
                    let input =
                        leash_lint::PolicyInput::new(policy, leash_lint::PolicyKind::guess(policy));
                    for check in &catalog_rules {
                        check(&input, &mut findings);
                    }
                }
            }
            findings.len()
        })
    });
    group.bench_function("parse+lint", |b| {
        b.iter(|| {
            files
                .iter()
                .map(|bytes| leash_lint::lint_policy_bytes(bytes).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, corpus);
criterion_main!(benches);
