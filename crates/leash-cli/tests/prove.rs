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
    // Policy variables: a counterexample sets the variable's key to what
    // the resource needs, and replays.
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
    let out = dir.join("home-counterexample.json");
    let output = leash(&[
        "prove",
        "not-granted",
        home.to_str().unwrap(),
        "--action",
        "s3:*",
        "--resource",
        "*",
        "--json",
        "--counterexample-out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(value["counterexample"]["context"]["aws:username"].is_string());
    let sim = leash(&["sim", "--request", out.to_str().unwrap(), "--json"]);
    let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(decision["decision"], "allow", "{decision}");
    // The same policy with a Deny, against itself: the over-approximation
    // finds requests the real policies do not confirm: unknown, exit 2,
    // holds null, never a guessed "holds".
    let guarded = dir.join("guarded.json");
    std::fs::write(
        &guarded,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/${aws:username}/*"},
            {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}]}"#,
    )
    .unwrap();
    let output = leash(&[
        "prove",
        "no-new-access",
        guarded.to_str().unwrap(),
        guarded.to_str().unwrap(),
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

/// The summary's text with the timing (which varies) taken out.
fn summary_text(policy: &str, name: &str) -> String {
    let dir = temp_dir(&format!("summary-{name}"));
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, policy).unwrap();
    let output = leash(&["prove", "summary", path.to_str().unwrap()]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    let mut lines = text.lines();
    let first = lines.next().unwrap_or_default();
    let first = match (first.find('`'), first.find(" allows,")) {
        (Some(_), Some(at)) => format!("`{name}.json`{}", &first[at..]),
        _ => first.to_string(),
    };
    let first = match first.find(" (") {
        Some(at) => format!("{} (timing removed):", &first[..at]),
        None => first,
    };
    std::iter::once(first)
        .chain(lines.map(str::to_string))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn summary_folds_a_deny_into_the_allow() {
    let text = summary_text(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}"#,
        "all-but-delete",
    );
    insta::assert_snapshot!("summary_all_but_delete", text);
}

#[test]
fn summary_with_conditions_and_exceptions() {
    let text = summary_text(
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*",
             "Condition": {"Bool": {"aws:SecureTransport": "true"}}},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "arn:aws:s3:::b/secret/*"},
            {"Effect": "Deny", "Action": "s3:PutObject", "Resource": "*",
             "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1"}}}]}"#,
        "conditions",
    );
    insta::assert_snapshot!("summary_conditions", text);
}

#[test]
fn summary_of_the_seed_lambda_policy() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples/seed-roadmap/lambda-execution-policy.json");
    let text = summary_text(&std::fs::read_to_string(seed).unwrap(), "seed");
    insta::assert_snapshot!("summary_seed", text);
}

#[test]
fn summary_json_and_errors() {
    let dir = temp_dir("summary-json");
    let path = dir.join("p.json");
    std::fs::write(
        &path,
        r#"{"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}"#,
    )
    .unwrap();
    let output = leash(&["prove", "summary", path.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows = value["rows"].as_array().unwrap();
    assert!(!rows.is_empty());
    // Every row's witness is a request file that sim allows.
    for (index, row) in rows.iter().enumerate() {
        let witness = dir.join(format!("witness-{index}.json"));
        std::fs::write(&witness, row["witness"].to_string()).unwrap();
        let sim = leash(&["sim", "--request", witness.to_str().unwrap(), "--json"]);
        let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
        assert_eq!(decision["decision"], "allow", "{row}");
    }
    // The s3 row carries the Deny's condition.
    let s3 = rows.iter().find(|row| row["service"] == "s3").unwrap();
    assert_eq!(
        s3["condition"]["unless"][0]["Bool"]["aws:SecureTransport"],
        "false"
    );
    assert!(s3["condition"]["allow_when"].is_null());
    // A resource policy is an error (exit 2).
    let bucket = dir.join("bucket.json");
    std::fs::write(
        &bucket,
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*",
            "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    let output = leash(&["prove", "summary", bucket.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("resource policy"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn summary_reads_designed_role_files() {
    let dir = temp_dir("summary-role");
    let role = dir.join("role.json");
    std::fs::write(
        &role,
        r#"{"RoleName": "r", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [
              {"PolicyName": "a", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-west-2:111122223333:table/Orders"}]}},
              {"PolicyName": "b", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                {"Effect": "Deny", "Action": "dynamodb:*", "Resource": "*"}]}}]}"#,
    )
    .unwrap();
    // The two permissions policies together: the Deny of one removes the
    // Allow of the other, so nothing is allowed; the trust policy is not
    // a permission.
    let output = leash(&["prove", "summary", role.to_str().unwrap(), "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["rows"], serde_json::json!([]));
    // A malformed role file: exit 2 with file:line:col.
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"Policies\": [{\"PolicyName\": \"a\"}]}").unwrap();
    let output = leash(&["prove", "summary", broken.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("PolicyDocument"), "{stderr}");
    assert!(stderr.contains("broken.json:1:"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The roadmap's acceptance, on the real output of `leash design`: the
/// seed's Lambda execution policy against the role designed for get-order
/// of examples/orders-api (same account, region, table and bucket).
#[test]
fn seed_against_the_designed_get_order_role() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let template = root.join("examples/orders-api/template.yaml");
    let seed = root.join("examples/seed-roadmap/lambda-execution-policy.json");
    let dir = temp_dir("acceptance");
    let design = dir.join("design");
    let output = leash(&[
        "design",
        template.to_str().unwrap(),
        "--account",
        "111122223333",
        "--region",
        "us-west-2",
        "--format",
        "json",
        "--out",
        design.to_str().unwrap(),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The role file of the get-order function, as design wrote it.
    let role = std::fs::read_dir(&design)
        .unwrap()
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.path())
        .find(|path| {
            std::fs::read_to_string(path)
                .ok()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(&text).ok())
                .is_some_and(|value| value["Function"] == "GetOrderFunction")
        })
        .expect("leash design writes a role file for GetOrderFunction");
    let (seed, role) = (seed.to_str().unwrap(), role.to_str().unwrap());

    // SEED ⊒ DESIGNED: the designed role allows nothing the seed denies.
    let output = leash(&["prove", "no-new-access", seed, role, "--json"]);
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{value}");
    assert_eq!(value["holds"], true);

    // DESIGNED ⊒ SEED does not hold: the seed allows more.
    let counterexample = dir.join("counterexample.json");
    let output = leash(&[
        "prove",
        "no-new-access",
        role,
        seed,
        "--json",
        "--counterexample-out",
        counterexample.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(value["holds"], false);
    // It replays: sim allows it under the seed (the file written) ...
    let sim = leash(&[
        "sim",
        "--request",
        counterexample.to_str().unwrap(),
        "--json",
    ]);
    let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(decision["decision"], "allow", "{decision}");
    // ... and denies the same request under the designed role.
    let baseline = dir.join("baseline.json");
    std::fs::write(&baseline, value["baseline"].to_string()).unwrap();
    let sim = leash(&["sim", "--request", baseline.to_str().unwrap(), "--json"]);
    let decision: serde_json::Value = serde_json::from_slice(&sim.stdout).unwrap();
    assert_eq!(decision["decision"], "deny", "{decision}");
    let _ = std::fs::remove_dir_all(&dir);
}
