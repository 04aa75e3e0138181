//! `leash check` on a Terraform plan (`terraform show -json`): the file is
//! recognised as a plan and findings carry line and column in the plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::leash;

#[test]
fn check_reports_a_finding_inside_a_plan_policy_string() {
    let output = leash(&[
        "check",
        "crates/leash-iac/tests/fixtures/plan.json",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "stderr: {stderr}");
    let findings: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = findings.as_array().unwrap();
    let wildcard = findings
        .iter()
        .find(|f| f["code"] == "L408")
        .unwrap_or_else(|| panic!("no L408 in {findings:#?}"));
    assert_eq!(wildcard["line"], 37);
    assert_eq!(wildcard["column"], 56);
    assert_eq!(
        wildcard["path"],
        "crates/leash-iac/tests/fixtures/plan.json"
    );
    // Nothing is read as a plain policy: a plan has no `Statement`.
    assert!(
        findings
            .iter()
            .all(|f| f["code"] != "L001" && f["code"] != "L002"),
        "{findings:#?}"
    );
}
