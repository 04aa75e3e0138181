//! The authorization conformance suite: every case in `tests/conformance/*.json`
//! is a request with the decision AWS documents for it, and the AWS page that
//! says so. This runner evaluates them all through the engine's request
//! reader and reports every mismatch at once (case, file, doc URL).
//!
//! How the suite is organised and how to add a case: `docs/conformance.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use leash_policy::authz::PreparedPolicySet;
use leash_policy::request::read_request_text;
use serde_json::Value as Json;

/// Cases the engine currently gets wrong, with the reason the case is right.
/// Printed loudly on every run; a listed case that starts passing fails the
/// run so that the list is trimmed as the engine is fixed.
/// Entries: (file, case name, why the case follows AWS docs).
const KNOWN_FAILURES: &[(&str, &str, &str)] = &[];

/// The suite must stay at least this large.
const MINIMUM_CASES: usize = 300;

struct Case {
    file: String,
    name: String,
    doc: String,
    request: Json,
    expect: Json,
}

fn suite_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("conformance")
}

fn load_cases() -> Vec<Case> {
    let mut files: Vec<PathBuf> = fs::read_dir(suite_dir())
        .expect("tests/conformance exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .collect();
    files.sort();
    let mut cases = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap_or_else(|error| panic!("{file}: {error}"));
        let document: Json =
            serde_json::from_str(&text).unwrap_or_else(|error| panic!("{file}: not JSON: {error}"));
        assert!(
            document
                .get("topic")
                .and_then(Json::as_str)
                .is_some_and(|topic| !topic.is_empty()),
            "{file}: missing `topic`"
        );
        let list = document
            .get("cases")
            .and_then(Json::as_array)
            .unwrap_or_else(|| panic!("{file}: missing `cases` array"));
        for (index, case) in list.iter().enumerate() {
            let text_field = |field: &str| {
                case.get(field)
                    .and_then(Json::as_str)
                    .unwrap_or_else(|| panic!("{file} case #{index}: missing string `{field}`"))
                    .to_string()
            };
            cases.push(Case {
                file: file.clone(),
                name: text_field("name"),
                doc: text_field("doc"),
                request: case
                    .get("request")
                    .cloned()
                    .unwrap_or_else(|| panic!("{file} case #{index}: missing `request`")),
                expect: case
                    .get("expect")
                    .cloned()
                    .unwrap_or_else(|| panic!("{file} case #{index}: missing `expect`")),
            });
        }
    }
    cases
}

#[test]
fn suite_is_large_enough_and_every_case_cites_aws_docs() {
    let cases = load_cases();
    assert!(
        cases.len() >= MINIMUM_CASES,
        "the conformance suite has {} cases; it must keep at least {MINIMUM_CASES}",
        cases.len()
    );
    let mut problems = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for case in &cases {
        if !case.doc.starts_with("https://docs.aws.amazon.com/")
            || case.doc.len() <= "https://docs.aws.amazon.com/".len()
        {
            problems.push(format!(
                "{} / {}: doc `{}` is not an AWS documentation page",
                case.file, case.name, case.doc
            ));
        }
        if !seen.insert((case.file.clone(), case.name.clone())) {
            problems.push(format!(
                "{} / {}: duplicate case name",
                case.file, case.name
            ));
        }
        let decision = case.expect.get("decision").and_then(Json::as_str);
        let reason = case.expect.get("reason").and_then(Json::as_str);
        let consistent = matches!(
            (decision, reason),
            (Some("allow"), Some("allowed"))
                | (Some("deny"), Some("explicit_deny"))
                | (Some("deny"), Some("implicit_deny"))
        );
        if !consistent {
            problems.push(format!(
                "{} / {}: expect must be allow/allowed or deny/explicit_deny|implicit_deny",
                case.file, case.name
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "malformed cases:\n{}",
        problems.join("\n")
    );
}

/// What the engine said about one case, or why it could not say.
enum Outcome {
    Matches,
    Differs(String),
}

fn run_case(case: &Case) -> Outcome {
    let text = serde_json::to_string(&case.request).expect("a JSON value serializes");
    let sim = match read_request_text(&text, None) {
        Ok(sim) => sim,
        Err(error) => {
            return Outcome::Differs(format!(
                "the request reader refused the request: {}",
                error.message
            ));
        }
    };
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    let want_decision = case
        .expect
        .get("decision")
        .and_then(Json::as_str)
        .unwrap_or("?");
    let want_reason = case
        .expect
        .get("reason")
        .and_then(Json::as_str)
        .unwrap_or("?");
    let got_decision = decision.decision.as_str();
    let got_reason = decision.reason.as_str();
    let mut differences = Vec::new();
    if got_decision != want_decision || got_reason != want_reason {
        let cause = decision
            .cause
            .map(|cause| format!(" ({})", cause.describe()))
            .unwrap_or_default();
        differences.push(format!(
            "expected {want_decision}/{want_reason}, engine said {got_decision}/{got_reason}{cause}"
        ));
    }
    // The cause of an implicit deny, when the case names it.
    if let Some(wanted) = case.expect.get("cause").and_then(Json::as_str) {
        let got = decision.cause.map_or("none", |cause| cause.as_str());
        if got != wanted {
            differences.push(format!("expected cause {wanted}, engine said {got}"));
        }
    }
    if let Some(wanted) = case.expect.get("deciding").and_then(Json::as_array) {
        let got: Vec<&str> = decision
            .deciding
            .iter()
            .filter_map(|statement| statement.sid.as_deref())
            .collect();
        for sid in wanted.iter().filter_map(Json::as_str) {
            if !got.contains(&sid) {
                differences.push(format!("expected statement `{sid}` among the deciding statements, engine reported {got:?}"));
            }
        }
    }
    if differences.is_empty() {
        Outcome::Matches
    } else {
        Outcome::Differs(differences.join("; "))
    }
}

fn known_failure(case: &Case) -> Option<&'static str> {
    KNOWN_FAILURES
        .iter()
        .find(|(file, name, _)| *file == case.file && *name == case.name)
        .map(|(_, _, why)| *why)
}

#[test]
fn engine_agrees_with_every_case() {
    let cases = load_cases();
    let mut mismatches = Vec::new();
    let mut still_failing = Vec::new();
    let mut fixed = Vec::new();
    for case in &cases {
        let outcome = run_case(case);
        match (outcome, known_failure(case)) {
            (Outcome::Matches, None) => {}
            (Outcome::Matches, Some(_)) => fixed.push(format!("{} / {}", case.file, case.name)),
            (Outcome::Differs(what), Some(why)) => {
                still_failing.push(format!(
                    "{} / {}\n    {what}\n    why the case is right: {why}\n    doc: {}",
                    case.file, case.name, case.doc
                ));
            }
            (Outcome::Differs(what), None) => {
                mismatches.push(format!(
                    "{} / {}\n    {what}\n    doc: {}",
                    case.file, case.name, case.doc
                ));
            }
        }
    }
    for (file, name, _) in KNOWN_FAILURES {
        assert!(
            cases
                .iter()
                .any(|case| case.file == *file && case.name == *name),
            "KNOWN_FAILURES names a case that does not exist: {file} / {name}"
        );
    }
    if !still_failing.is_empty() {
        eprintln!(
            "\n!!!!!!!! {} KNOWN ENGINE BUG(S): these conformance cases follow the AWS docs and the engine disagrees !!!!!!!!\n{}\n!!!!!!!!\n",
            still_failing.len(),
            still_failing.join("\n")
        );
    }
    let passed = cases.len() - mismatches.len() - still_failing.len();
    eprintln!("conformance: {passed}/{} cases agree with AWS", cases.len());
    assert!(
        fixed.is_empty(),
        "these KNOWN_FAILURES now pass; remove them from the list:\n{}",
        fixed.join("\n")
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} conformance cases disagree with the engine:\n{}",
        mismatches.len(),
        cases.len(),
        mismatches.join("\n")
    );
}
