//! Where a corpus check spends its time, rule by rule: reads every `*.json`
//! policy of a folder into memory, then times parsing and each policy rule
//! on its own over all of them (one thread, best of several rounds).
//! Figures go to `docs/benchmarks.md`; nothing here is asserted.
//!
//! `cargo run --release -p leash-lint --example rule_timing [-- FOLDER [ROUNDS [CODE]]]`
//! (default folder: `../shared/corpus/aws-managed-policies`, from the
//! repository root).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let folder = args
        .next()
        .unwrap_or_else(|| "../shared/corpus/aws-managed-policies".to_string());
    let rounds: usize = args.next().and_then(|r| r.parse().ok()).unwrap_or(5);
    // A rule code limits the run to that rule (for a profiler's view of it).
    let only = args.next();
    let mut paths: Vec<_> = std::fs::read_dir(&folder)
        .unwrap_or_else(|err| panic!("cannot read `{folder}`: {err}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let files: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let started = Instant::now();
    let _ = leash_catalog::catalog().action_count();
    println!(
        "{} files, catalog decoded in {:.1} ms",
        files.len(),
        started.elapsed().as_secs_f64() * 1e3
    );

    let best = |f: &mut dyn FnMut() -> usize| -> (Duration, usize) {
        let mut best = Duration::MAX;
        let mut count = 0;
        for _ in 0..rounds {
            let started = Instant::now();
            count = f();
            best = best.min(started.elapsed());
        }
        (best, count)
    };
    println!("{:<52} {:>9} {:>9}", "phase / rule", "ms", "findings");
    let row = |name: &str, time: Duration, count: Option<usize>| {
        println!(
            "{name:<52} {:>9.2} {:>9}",
            time.as_secs_f64() * 1e3,
            count.map(|c| c.to_string()).unwrap_or_default()
        );
    };
    let (json, _) = best(&mut || {
        files
            .iter()
            .map(|b| usize::from(leash_policy::json::parse_json_bytes(b).is_ok()))
            .sum()
    });
    let values: Vec<_> = files
        .iter()
        .map(|b| leash_policy::json::parse_json_bytes(b).unwrap())
        .collect();
    let (grammar, _) = best(&mut || {
        values
            .iter()
            .map(|v| leash_policy::parse::parse_policy(v).diagnostics.len())
            .sum()
    });
    let policies: Vec<_> = values
        .iter()
        .filter_map(|v| leash_policy::parse::parse_policy(v).policy)
        .collect();
    let (whole, findings) = if only.is_some() {
        (Duration::ZERO, 0)
    } else {
        best(&mut || {
            values
                .iter()
                .map(|v| leash_lint::lint_policy_file(v).len())
                .sum()
        })
    };
    row("JSON reading (parse_json_bytes)", json, None);
    row("policy grammar (parse_policy)", grammar, None);
    // The catalog lookups of every action pattern, shared by the rules
    // (done once per policy by the first rule that asks).
    let (resolve, _) = best(&mut || {
        policies
            .iter()
            .map(|policy| {
                let input =
                    leash_lint::PolicyInput::new(policy, leash_lint::PolicyKind::guess(policy));
                (0..policy.statements.len())
                    .map(|i| input.resolved_actions(i).len())
                    .sum::<usize>()
            })
            .sum()
    });
    row("action lookups shared by the rules", resolve, None);
    let inputs: Vec<_> = policies
        .iter()
        .map(|policy| {
            let input = leash_lint::PolicyInput::new(policy, leash_lint::PolicyKind::guess(policy));
            let _ = input.resolved_actions(0);
            input
        })
        .collect();
    let mut rows = Vec::new();
    for rule in leash_lint::RULES {
        let Some(check) = rule.check else { continue };
        if only.as_deref().is_some_and(|code| code != rule.code) {
            continue;
        }
        let (time, count) = best(&mut || {
            let mut out = Vec::new();
            for input in &inputs {
                check(input, &mut out);
            }
            out.len()
        });
        rows.push((time, format!("{} {}", rule.code, rule.name), count));
    }
    let rules_total: Duration = rows.iter().map(|r| r.0).sum();
    rows.sort_by_key(|row| std::cmp::Reverse(row.0));
    for (time, name, count) in &rows {
        row(name, *time, Some(*count));
    }
    row("sum of the rules", rules_total, None);
    row(
        "lint_policy_file, whole (parse + rules + sort)",
        whole,
        Some(findings),
    );
}
