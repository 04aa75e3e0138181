//! `leash prove` end to end: the real binary on the acceptance fixtures,
//! exit codes, JSON, and the counterexample file replayed by `leash sim`.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../leash-prove/tests/fixtures")
        .join(name)
}

fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leash-prove-cli-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn holds_exits_zero() {
    let seed = fixture("seed-lambda-execution-policy.json");
    let designed = fixture("designed-get-order.json");
    let output = leash(&[
        "prove",
        "no-new-access",
        seed.to_str().unwrap(),
        designed.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("holds:"));
    let json = leash(&[
        "prove",
        "no-new-access",
        seed.to_str().unwrap(),
        designed.to_str().unwrap(),
        "--json",
    ]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(value["holds"], true);
    assert!(value.get("counterexample").is_none());
}

#[test]
fn counterexample_replays_with_sim() {
    let seed = fixture("seed-lambda-execution-policy.json");
    let designed = fixture("designed-get-order.json");
    let dir = temp_dir("replay");
    let out = dir.join("counterexample.json");
    let output = leash(&[
        "prove",
        "no-new-access",
        designed.to_str().unwrap(),
        seed.to_str().unwrap(),
        "--json",
        "--counterexample-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["holds"], false);
    assert!(value["counterexample"]["identity_policies"].is_array());
    // The file is the printed counterexample, and sim allows it.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written, value["counterexample"]);
    let sim = leash(&["sim", "--request", out.to_str().unwrap(), "--json"]);
    let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(decision["decision"], "allow", "{decision}");
    // The baseline (the old policy) denies the same request.
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, value["baseline"].to_string()).unwrap();
    let sim = leash(&["sim", "--request", baseline.to_str().unwrap(), "--json"]);
    let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(decision["decision"], "deny", "{decision}");
    // No temporary file is left behind by the atomic write.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn text_output_shows_the_request() {
    let seed = fixture("seed-lambda-execution-policy.json");
    let output = leash(&[
        "prove",
        "not-granted",
        seed.to_str().unwrap(),
        "--action",
        "s3:Delete*",
        "--resource",
        "*",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("does not hold"), "{text}");
    assert!(text.contains("action:    s3:DeleteObject"), "{text}");
}

#[test]
fn no_public_access_and_unknown_and_errors() {
    let dir = temp_dir("public");
    let bucket = dir.join("bucket.json");
    std::fs::write(
        &bucket,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    let output = leash(&[
        "prove",
        "no-public-access",
        bucket.to_str().unwrap(),
        "--account",
        "111122223333",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["holds"], false);
    // S3 ARNs carry no account: without --account it is an error (exit 2).
    let output = leash(&["prove", "no-public-access", bucket.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--account"));
    // Policy variables: unknown, exit 2, holds null.
    let home = dir.join("home.json");
    std::fs::write(
        &home,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"}]}"#,
    )
    .unwrap();
    let output = leash(&[
        "prove",
        "no-new-access",
        bucket.to_str().unwrap(),
        home.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let output = leash(&[
        "prove",
        "not-granted",
        home.to_str().unwrap(),
        "--action",
        "s3:*",
        "--resource",
        "*",
        "--json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["holds"], serde_json::Value::Null);
    assert!(
        value["reason"]
            .as_str()
            .unwrap()
            .contains("policy variable")
    );
    // A file that is not a policy: exit 2 with the position.
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"Statement\": [").unwrap();
    let output = leash(&[
        "prove",
        "no-public-access",
        broken.to_str().unwrap(),
        "--account",
        "111122223333",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}
