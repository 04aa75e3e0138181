//! The broken-policy suite: what a user sees for each malformed policy.
//!
//! Each `tests/broken/NAME.json` is read as bytes (as `leash check` reads a
//! file) and its diagnostics are rendered one per line as
//! `line:col severity code message (help: ...)`, then compared with the
//! committed `tests/broken/NAME.expected`. Run with `LEASH_BLESS=1` to
//! rewrite the expected files after an intended change, and review the diff.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use leash_policy::LineIndex;
use leash_policy::diagnostic::codes;
use leash_policy::parse::{PolicyParse, parse_policy_bytes, parse_policy_text};

fn render(bytes: &[u8], parse: &PolicyParse) -> String {
    // Spans before the first bad byte are the same in the lossy text.
    let text = String::from_utf8_lossy(bytes);
    let index = LineIndex::new(&text);
    let mut out = String::new();
    for diagnostic in &parse.diagnostics {
        out.push_str(&diagnostic.render_line(&text, &index));
        out.push('\n');
    }
    let kept = parse
        .policy
        .as_ref()
        .map(|p| format!("policy: {} statement(s) kept\n", p.statements.len()))
        .unwrap_or_else(|| "policy: none\n".to_owned());
    out.push_str(&kept);
    out
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_broken_policy_renders_as_expected() {
    let bless = std::env::var_os("LEASH_BLESS").is_some();
    let files = fixtures();
    assert!(files.len() >= 45, "only {} fixtures", files.len());
    let mut mismatches = Vec::new();
    for file in &files {
        let bytes = std::fs::read(file).unwrap();
        let parse = parse_policy_bytes(&bytes);
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            parse.has_errors(),
            "{name} produced no error: {:?}",
            parse.diagnostics
        );
        for diagnostic in &parse.diagnostics {
            assert!(
                codes::ALL.contains(&diagnostic.code),
                "{name}: unlisted code {}",
                diagnostic.code
            );
            assert!(
                diagnostic.span.end <= bytes.len() && diagnostic.span.start <= diagnostic.span.end,
                "{name}: span {:?} outside the file",
                diagnostic.span
            );
        }
        let rendered = render(&bytes, &parse);
        let expected_path = file.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, &rendered).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if expected != rendered {
            mismatches.push(format!(
                "--- {name}\nexpected:\n{expected}actual:\n{rendered}"
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} fixture(s) differ (LEASH_BLESS=1 rewrites them):\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

fn rendered_text(text: &str) -> (String, Duration) {
    let started = Instant::now();
    let parse = parse_policy_text(text);
    let elapsed = started.elapsed();
    (render(text.as_bytes(), &parse), elapsed)
}

#[test]
fn hundred_thousand_deep_nesting_errors_quickly() {
    let text = "[".repeat(100_000);
    let (out, elapsed) = rendered_text(&text);
    assert_eq!(
        out,
        "1:129 error json-too-deep arrays and objects are nested too deeply: the limit is 128 levels\npolicy: none\n"
    );
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
    let text = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000));
    let (out, _) = rendered_text(&text);
    assert!(out.starts_with("1:641 error json-too-deep"), "{out}");
}

#[test]
fn deeply_nested_arrays_inside_a_condition() {
    let prefix = r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"aws:username": "#;
    // Within the depth limit: one wrong-type error at the outer nested array.
    let text = format!(
        "{prefix}{}\"x\"{}}}}}}}]}}",
        "[".repeat(100),
        "]".repeat(100)
    );
    let (out, _) = rendered_text(&text);
    assert_eq!(
        out,
        "1:99 error wrong-type expected a string, number or boolean as a value of condition key `aws:username`, found an array\npolicy: 0 statement(s) kept\n"
    );
    // Beyond it: a JSON error, no crash.
    let text = format!(
        "{prefix}{}\"x\"{}}}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let (out, elapsed) = rendered_text(&text);
    assert!(out.starts_with("1:221 error json-too-deep"), "{out}");
    assert!(elapsed < Duration::from_secs(1), "{elapsed:?}");
}

/// A policy with `count` resources, for the size tests.
fn huge_policy(count: usize) -> String {
    let mut text = String::from(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ["#,
    );
    for i in 0..count {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"arn:aws:s3:::bucket-{i:08}/objects/*\""));
    }
    text.push_str("]}]}");
    text
}

#[test]
fn a_fifty_megabyte_file_is_refused_at_once() {
    let text = huge_policy(1_500_000);
    assert!(text.len() > 50_000_000, "{}", text.len());
    let started = Instant::now();
    let parse = parse_policy_bytes(text.as_bytes());
    let elapsed = started.elapsed();
    let rendered = render(text.as_bytes(), &parse);
    assert_eq!(
        rendered,
        format!(
            "1:1 error json-too-large the input is too large: {} bytes, the limit is 33554432 bytes\npolicy: none\n",
            text.len()
        )
    );
    assert!(elapsed < Duration::from_millis(100), "{elapsed:?}");
}

#[test]
fn a_large_file_under_the_limit_parses() {
    let text = huge_policy(500_000);
    assert!(text.len() > 15_000_000);
    let started = Instant::now();
    let parse = parse_policy_bytes(text.as_bytes());
    let elapsed = started.elapsed();
    println!("{} bytes parsed in {elapsed:?}", text.len());
    assert!(parse.diagnostics.is_empty());
    let policy = parse.policy.unwrap();
    assert_eq!(
        policy.statements[0]
            .resource
            .as_ref()
            .unwrap()
            .patterns
            .len(),
        500_000
    );
    // Generous for a debug build on a shared 2-core machine.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}

#[test]
fn an_object_with_very_many_keys_is_checked_in_linear_time() {
    // Duplicate-key detection must not be quadratic on hostile input.
    let mut text = String::from(
        r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"#,
    );
    for i in 0..200_000 {
        text.push_str(&format!("\"k{i}\": \"v\", "));
    }
    text.push_str(r#""k7": "last"}}}}"#);
    let started = Instant::now();
    let parse = parse_policy_text(&text);
    let elapsed = started.elapsed();
    assert_eq!(parse.diagnostics.len(), 1);
    assert_eq!(parse.diagnostics[0].code, codes::DUPLICATE_KEY);
    let policy = parse.policy.unwrap();
    let entries = &policy.statements[0].condition.as_ref().unwrap().blocks[0].entries;
    assert_eq!(entries.len(), 200_000);
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
}
