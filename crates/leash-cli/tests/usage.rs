//! `leash usage` end to end: a trail folder in CloudTrail's delivered
//! layout, JSON lines on standard output or in `--out`, errors with the
//! file's position.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use serde_json::json;

#[test]
fn usage_aggregates_a_delivered_trail() {
    let root = std::env::temp_dir().join(format!("leash-cli-usage-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let day = root.join("AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/02");
    std::fs::create_dir_all(&day).unwrap();
    let role = "arn:aws:iam::111122223333:role/app";
    let identity = json!({"type": "AssumedRole",
        "arn": "arn:aws:sts::111122223333:assumed-role/app/s",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}}});
    let records: Vec<_> = (0..3)
        .map(|i| {
            json!({"userIdentity": identity, "eventTime": format!("2026-12-02T0{i}:00:00Z"),
                "eventSource": "sqs.amazonaws.com", "eventName": "SendMessage",
                "eventCategory": "Management",
                "resources": [{"ARN": "arn:aws:sqs:eu-west-1:111122223333:jobs"}]})
        })
        .collect();
    std::fs::write(
        day.join("a.json.gz"),
        leash_usage::gzip::compress(json!({"Records": records}).to_string().as_bytes()),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["usage", root.to_str().unwrap()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let row: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(row["principal"], role);
    assert_eq!(row["action"], "sqs:SendMessage");
    assert_eq!(row["count"], 3);
    assert_eq!(row["last_seen"], "2026-12-02T02:00:00Z");
    // Only management events: the summary says data events are missing.
    assert!(stderr.contains("no data events"), "{stderr}");
    // --out writes the same lines.
    let out = root.join("usage.jsonl");
    let output = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args([
            "usage",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), stdout);
    // A damaged file: exit 2, its name, nothing written.
    std::fs::write(day.join("b.json.gz"), b"\x1f\x8b\x08\x00garbage").unwrap();
    std::fs::remove_file(&out).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args([
            "usage",
            root.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("b.json.gz"));
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&root);
}

// `--policies DUMP --narrow DIR`: the role of the dump narrowed to the
// trail's calls, written with its report; the narrowed policy, read back,
// is proved by `leash prove no-new-access` against the role's original.
#[test]
fn narrow_writes_a_proved_policy_per_role() {
    let root = std::env::temp_dir().join(format!("leash-cli-narrow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("trail")).unwrap();
    let role = "arn:aws:iam::111122223333:role/app";
    let original = json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:*", "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]},
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]});
    let dump = json!({"RoleDetailList": [{"RoleName": "app", "Path": "/", "Arn": role,
        "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": original}]}]});
    std::fs::write(root.join("dump.json"), dump.to_string()).unwrap();
    std::fs::write(root.join("original.json"), original.to_string()).unwrap();
    let identity = json!({"type": "AssumedRole", "arn": "arn:aws:sts::111122223333:assumed-role/app/s",
        "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}}});
    let records = json!([
        {"userIdentity": identity, "eventTime": "2026-12-01T00:00:00Z", "eventSource": "s3.amazonaws.com",
         "eventName": "GetObject", "eventCategory": "Data", "resources": [{"ARN": "arn:aws:s3:::b/in/k.txt"}]},
        {"userIdentity": identity, "eventTime": "2026-12-03T00:00:00Z", "eventSource": "sqs.amazonaws.com",
         "eventName": "SendMessage", "eventCategory": "Data", "resources": [{"ARN": "arn:aws:sqs:us-east-1:111122223333:q"}]}]);
    std::fs::write(
        root.join("trail/a.json"),
        json!({"Records": records}).to_string(),
    )
    .unwrap();
    let leash = env!("CARGO_BIN_EXE_leash");
    let output = Command::new(leash)
        .arg("usage")
        .arg(root.join("trail"))
        .arg("--policies")
        .arg(root.join("dump.json"))
        .arg("--narrow")
        .arg(root.join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("window: 2026-12-01T00:00:00Z to 2026-12-03T00:00:00Z"),
        "{stderr}"
    );
    assert!(stderr.contains("no-new-access proved"), "{stderr}");
    let narrowed = root.join("out/111122223333/app.json");
    let text = std::fs::read_to_string(&narrowed).unwrap();
    assert!(
        text.contains("arn:aws:s3:::b/in/*") && !text.contains("s3:*"),
        "{text}"
    );
    let report = std::fs::read_to_string(root.join("out/report.md")).unwrap();
    assert!(
        report.contains("Window: 2026-12-01T00:00:00Z to 2026-12-03T00:00:00Z"),
        "{report}"
    );
    let refine: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(root.join("out/refine.json")).unwrap())
            .unwrap();
    assert_eq!(refine["roles"][0]["replayed_allowed"], 2);
    assert_eq!(refine["roles"][0]["proof"]["holds"], true);
    // Checked again by the prover's own command, from the written files.
    let proved = Command::new(leash)
        .args(["prove", "no-new-access"])
        .arg(root.join("original.json"))
        .arg(&narrowed)
        .output()
        .unwrap();
    assert_eq!(
        proved.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&proved.stdout)
    );
    // The aggregate read back gives the same narrowed policy.
    let aggregate = Command::new(leash)
        .arg("usage")
        .arg(root.join("trail"))
        .arg("--out")
        .arg(root.join("agg.jsonl"))
        .output()
        .unwrap();
    assert_eq!(aggregate.status.code(), Some(0));
    let again = Command::new(leash)
        .arg("usage")
        .arg("--from-aggregate")
        .arg(root.join("agg.jsonl"))
        .arg("--policies")
        .arg(root.join("dump.json"))
        .arg("--narrow")
        .arg(root.join("again"))
        .output()
        .unwrap();
    assert_eq!(
        again.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(root.join("again/111122223333/app.json")).unwrap(),
        text
    );
    let _ = std::fs::remove_dir_all(&root);
}
