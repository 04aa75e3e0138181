//! Every AWS managed policy in the shared corpus is valid JSON: the strict
//! reader must accept each one and agree with serde_json on its content.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use leash_policy::json::parse_json;
use leash_policy::{Value, ValueKind};

fn corpus_files() -> Option<Vec<PathBuf>> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {} is absent: the corpus test cannot run",
            dir.display()
        );
        println!(
            "notice: {} is absent, skipping the corpus test",
            dir.display()
        );
        return None;
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    Some(files)
}

fn same(ours: &Value, theirs: &serde_json::Value) -> bool {
    match (&ours.kind, theirs) {
        (ValueKind::Null, serde_json::Value::Null) => true,
        (ValueKind::Bool(a), serde_json::Value::Bool(b)) => a == b,
        (ValueKind::Number(a), serde_json::Value::Number(b)) => a.parse::<f64>().ok() == b.as_f64(),
        (ValueKind::String(a), serde_json::Value::String(b)) => a == b,
        (ValueKind::Array(a), serde_json::Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same(x, y))
        }
        // serde_json keeps the last of duplicate keys, as `Value::get` does.
        (ValueKind::Object(members), serde_json::Value::Object(map)) => members.iter().all(|m| {
            map.get(&m.key.node)
                .is_some_and(|v| same(ours.get(&m.key.node).unwrap(), v))
        }),
        _ => false,
    }
}

#[test]
fn every_managed_policy_is_read_and_matches_serde_json() {
    let Some(files) = corpus_files() else { return };
    assert!(
        files.len() > 1000,
        "corpus looks incomplete: {} files",
        files.len()
    );
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    let bytes: usize = texts.iter().map(String::len).sum();
    // Best of five rounds: the machine is shared, the minimum is the signal.
    let mut elapsed = std::time::Duration::MAX;
    let mut values: Vec<Value> = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        values = texts.iter().map(|t| parse_json(t).unwrap()).collect();
        elapsed = elapsed.min(started.elapsed());
    }
    println!(
        "parsed {} files, {} bytes, in {:?} ({} build)",
        files.len(),
        bytes,
        elapsed,
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    for ((file, text), value) in files.iter().zip(&texts).zip(&values) {
        let theirs: serde_json::Value = serde_json::from_str(text).unwrap();
        assert!(
            same(value, &theirs),
            "{} differs from serde_json",
            file.display()
        );
    }
}
