//! Every AWS managed policy is a policy AWS accepted, so the reader must
//! find no error in any of them, and keep every statement.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use leash_policy::LineIndex;
use leash_policy::diagnostic::Severity;
use leash_policy::parse::parse_policy_text;

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

#[test]
fn every_managed_policy_parses_without_errors() {
    let Some(files) = corpus_files() else { return };
    let mut warnings = Vec::new();
    let mut statements = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let parse = parse_policy_text(&text);
        let index = LineIndex::new(&text);
        let name = file.file_name().unwrap().to_string_lossy();
        for diagnostic in &parse.diagnostics {
            let line = format!("{name}:{}", diagnostic.render_line(&text, &index));
            assert_eq!(diagnostic.severity, Severity::Warning, "{line}");
            warnings.push(line);
        }
        let policy = parse.policy.unwrap();
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        let written = match &value["Statement"] {
            serde_json::Value::Array(items) => items.len(),
            _ => 1,
        };
        assert_eq!(policy.statements.len(), written, "{name} lost statements");
        statements += written;
    }
    println!("{} policies, {statements} statements", files.len());
    // Timing of the whole pipeline (JSON + grammar), texts already in memory.
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect();
    // Best of five rounds: the machine is shared, the minimum is the signal.
    let mut elapsed = std::time::Duration::MAX;
    let mut parsed = 0;
    for _ in 0..5 {
        let started = std::time::Instant::now();
        parsed = texts
            .iter()
            .filter(|t| parse_policy_text(t).policy.is_some())
            .count();
        elapsed = elapsed.min(started.elapsed());
    }
    println!(
        "parse_policy_text on {parsed} policies: {elapsed:?} ({} build)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
    println!("{} warnings:", warnings.len());
    for warning in &warnings {
        println!("  {warning}");
    }
}
