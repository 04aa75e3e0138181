//! `leash check` on what `leash design` writes, in every output format:
//! issue 5 asks that the design pass `leash check` with no warnings.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/orders-api")
        .join(name)
}

fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .output()
        .unwrap()
}

/// `(code, message)` of every unsuppressed warning or error `leash check`
/// reports on `path`, after checking it exits 0.
fn warnings_and_errors(path: &Path) -> Vec<(String, String)> {
    let output = leash(&["check", path.to_str().unwrap(), "--format", "json"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}\n{stdout}\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "warning" || f["severity"] == "error")
        .filter(|f| f.get("suppressed").is_none_or(serde_json::Value::is_null))
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn design_and_check(input: &str, format: &str) {
    let out = std::env::temp_dir().join(format!(
        "leash-design-check-{}-{format}-{}",
        input.replace('.', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&out);
    let input_path = example(input);
    let designed = leash(&[
        "design",
        input_path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        format,
    ]);
    assert_eq!(
        designed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&designed.stderr)
    );
    let mut found = warnings_and_errors(&out);
    if format == "cfn" {
        // The designed template keeps the template's other resources as
        // they are: a finding the input template already has (a bucket
        // without a TLS-only policy) is not the design's.
        let original = leash(&["check", input_path.to_str().unwrap(), "--format", "json"]);
        let original: serde_json::Value = serde_json::from_slice(&original.stdout).unwrap();
        found.retain(|(code, message)| {
            !original
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == code.as_str() && f["message"] == message.as_str())
        });
    }
    assert!(found.is_empty(), "{input} --format {format}: {found:#?}");
    let _ = std::fs::remove_dir_all(&out);
}

#[test]
fn the_json_design_checks_clean() {
    design_and_check("template.yaml", "json");
}

#[test]
fn the_cloudformation_design_checks_clean() {
    design_and_check("template.yaml", "cfn");
}

#[test]
fn the_terraform_design_checks_clean() {
    design_and_check("template.yaml", "terraform");
}

/// A manifest has no template to wire roles into: `--format cfn` is a
/// usage error there, so the manifests are checked in the other two.
#[test]
fn the_manifest_designs_check_clean() {
    for manifest in ["manifest.yaml", "manifest-options.yaml"] {
        for format in ["json", "terraform"] {
            design_and_check(manifest, format);
        }
    }
}
