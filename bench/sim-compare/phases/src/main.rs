//! Where `leash sim --batch` spends its time per line, phase by phase, on one
//! thread: the request's JSON parse, reading the request (policies parsed,
//! request context built), preparing the policy set, evaluating, building
//! the decision JSON, serializing it, and dropping everything.
//!
//! Not for: the headline throughput (that is the whole `leash` process,
//! timed by run.sh); the per-phase clock reads add a little to the total.

use leash_policy::authz::PreparedPolicySet;
use leash_policy::context::Request;
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use leash_policy::request::{NoFiles, decision_to_json, read_request};
use leash_policy::{Value, ValueKind};
use std::time::{Duration, Instant};

const PHASES: [&str; 8] = [
    "parse request JSON",
    "read request (policies + context)",
    "PreparedPolicySet::new",
    "evaluate",
    "decision_to_json",
    "serialize output",
    "drop (all of the above)",
    "read lines from disk",
];

/// The policies a request carries inline, as document trees.
fn policy_values(request: &Value) -> Vec<&Value> {
    let mut policies = Vec::new();
    let Some(members) = request.as_object() else {
        return policies;
    };
    for member in members {
        match (member.key.node.as_str(), &member.value.kind) {
            ("identity_policies", ValueKind::Array(items)) => policies.extend(items.iter()),
            ("scps" | "rcps", ValueKind::Array(levels)) => {
                for level in levels {
                    if let ValueKind::Array(items) = &level.kind {
                        policies.extend(items.iter());
                    }
                }
            }
            (
                "permissions_boundary"
                | "session_policy"
                | "resource_policy"
                | "vpc_endpoint_policy",
                ValueKind::Object(_),
            ) => policies.push(&member.value),
            _ => {}
        }
    }
    policies
}

fn main() {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: leash-sim-phases WORKLOAD.jsonl");
        std::process::exit(2);
    };
    let read_start = Instant::now();
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) => {
            eprintln!("error: cannot read `{path}`: {err}");
            std::process::exit(1);
        }
    };
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    let mut spent = [Duration::ZERO; PHASES.len()];
    spent[7] = read_start.elapsed();
    let mut output = Vec::with_capacity(1 << 20);
    let mut failures = 0usize;
    let total_start = Instant::now();
    for line in &lines {
        let start = Instant::now();
        let Ok(value) = parse_json(line) else {
            failures += 1;
            continue;
        };
        let parsed = Instant::now();
        let Ok(sim) = read_request(&value, &mut NoFiles) else {
            failures += 1;
            continue;
        };
        let read = Instant::now();
        let prepared = PreparedPolicySet::new(&sim.policies);
        let prepared_at = Instant::now();
        let decision = prepared.evaluate(&sim.request);
        let evaluated = Instant::now();
        let json = decision_to_json(&decision);
        let built = Instant::now();
        output.clear();
        if serde_json::to_writer(&mut output, &json).is_err() {
            failures += 1;
        }
        output.push(b'\n');
        let written = Instant::now();
        drop(json);
        drop(decision);
        drop(prepared);
        drop(sim);
        drop(value);
        let dropped = Instant::now();
        for (index, (from, to)) in [
            (start, parsed),
            (parsed, read),
            (read, prepared_at),
            (prepared_at, evaluated),
            (evaluated, built),
            (built, written),
            (written, dropped),
        ]
        .into_iter()
        .enumerate()
        {
            spent[index] += to - from;
        }
    }
    let total = total_start.elapsed();

    // Two parts of "read request", timed apart: parsing the policies alone,
    // and building one `Request` (each `with_*` builder call rebuilds the
    // derived context; read_request makes three such calls per line here).
    let values: Vec<Value> = lines
        .iter()
        .filter_map(|line| parse_json(line).ok())
        .collect();
    let policy_start = Instant::now();
    let mut statements = 0usize;
    for value in &values {
        for policy in policy_values(value) {
            statements += parse_policy(policy)
                .policy
                .map_or(0, |parsed| parsed.statements.len());
        }
    }
    let policy_parse = policy_start.elapsed();
    let request_start = Instant::now();
    for _ in &values {
        let request = Request::new(
            "arn:aws:iam::111122223333:user/alice".to_string(),
            "s3:GetObject".to_string(),
            "arn:aws:s3:::orders-bucket/reports/q1.csv".to_string(),
        );
        std::hint::black_box(&request);
    }
    let one_request = request_start.elapsed();

    let count = lines.len() as f64;
    let micros = |duration: Duration| duration.as_secs_f64() * 1e6 / count;
    println!(
        "{} lines ({failures} failed), {:.2} µs/line in the timed loop ({:.0} lines/s, one thread)",
        lines.len(),
        micros(total),
        count / total.as_secs_f64()
    );
    let decided: Duration = spent[..7].iter().sum();
    for (name, duration) in PHASES.iter().zip(spent) {
        println!(
            "  {name:<36} {:>7.2} µs/line {:>5.1}%",
            micros(duration),
            100.0 * duration.as_secs_f64() / decided.as_secs_f64()
        );
    }
    println!(
        "  of \"read request\": policy parse alone {:.2} µs/line ({statements} statements, {:.2} per line); one Request::new {:.2} µs",
        micros(policy_parse),
        statements as f64 / count,
        micros(one_request)
    );
}
