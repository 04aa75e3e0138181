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
