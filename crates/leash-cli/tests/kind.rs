//! `leash check --kind`: a standalone policy file is checked as the kind
//! given, so kind-specific checks fire from a file; without it the kind is
//! guessed, as before.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{leash, tempdir};

/// A service control policy must not name a principal (Access Analyzer's
/// "SCP syntax error principal"); read without `--kind`, a policy with a
/// principal is taken for a resource policy, where it is fine.
const SCP_WITH_PRINCIPAL: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyLeavingOrg",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "organizations:LeaveOrganization",
      "Resource": "*"
    }
  ]
}
"#;

fn codes(args: &[&str]) -> (Option<i32>, Vec<(String, u64)>) {
    let output = leash(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}); stderr: {stderr}"));
    let codes = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    (output.status.code(), codes)
}

#[test]
fn kind_scp_reports_a_principal_in_a_service_control_policy() {
    let dir = tempdir("kind-scp");
    let path = dir.join("deny-leave.json");
    std::fs::write(&path, SCP_WITH_PRINCIPAL).unwrap();
    let path = path.to_str().unwrap();
    let (status, guessed) = codes(&["check", path, "--format", "json"]);
    assert!(!guessed.iter().any(|(c, _)| c == "L218"), "{guessed:?}");
    assert_eq!(status, Some(0), "{guessed:?}");
    let (status, as_scp) = codes(&["check", "--kind", "scp", path, "--format", "json"]);
    assert!(
        as_scp.contains(&("L218".to_string(), 7)),
        "no L218 at the principal: {as_scp:?}"
    );
    // An error: the run fails.
    assert_eq!(status, Some(1));
    // A permissions boundary has the identity grammar: no principal either.
    let (_, as_boundary) = codes(&["check", "--kind", "boundary", path, "--format", "json"]);
    assert!(
        as_boundary.iter().any(|(c, _)| c == "L218"),
        "{as_boundary:?}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn kind_is_rejected_when_unknown() {
    let output = leash(&["check", "--kind", "bucket", "Cargo.toml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("scp"), "{stderr}");
}
