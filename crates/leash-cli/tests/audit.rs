//! `leash audit` through the real binary: generated accounts with seeded
//! problems (issue 16's acceptance), positions in the dump in every
//! format, the Markdown reports, and bad options.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

#[path = "common/audit_generator.rs"]
mod audit_generator;

use audit_generator::{Expected, TRUSTED_ACCOUNT, generate};
use common::{leash, tempdir};
use serde_json::Value;
use std::collections::BTreeSet;

fn write_accounts(name: &str, count: usize) -> (std::path::PathBuf, Vec<Expected>) {
    let dir = tempdir(name);
    let mut expected = Vec::new();
    for index in 0..count {
        let dump = generate(16, index, 3);
        std::fs::write(dir.join(&dump.file), &dump.text).unwrap();
        expected.extend(dump.expected);
    }
    (dir, expected)
}

fn findings(output: &std::process::Output) -> Vec<Value> {
    let value: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    value.as_array().unwrap().clone()
}

fn file_name(finding: &Value) -> String {
    std::path::Path::new(finding["path"].as_str().unwrap())
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

#[test]
fn fifty_generated_accounts_every_seeded_problem_and_nothing_on_clean_principals() {
    let (dir, expected) = write_accounts("audit-fifty", 50);
    let output = leash(&[
        "audit",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--trusted-accounts",
        TRUSTED_ACCOUNT,
    ]);
    // Administrators are errors: the run fails.
    assert_eq!(output.status.code(), Some(1));
    let found = findings(&output);
    let got: BTreeSet<(String, String, String)> = found
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("L6"))
        .map(|f| {
            (
                file_name(f),
                f["resource"].as_str().unwrap_or("").to_string(),
                f["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want: BTreeSet<(String, String, String)> = expected
        .iter()
        .map(|e| (e.file.clone(), e.principal.clone(), e.code.to_string()))
        .collect();
    let missed: Vec<_> = want.difference(&got).collect();
    assert!(
        missed.is_empty(),
        "seeded problems not reported: {missed:?}"
    );
    // Every kind of problem was seeded somewhere.
    for code in ["L601", "L602", "L603", "L604", "L605", "L606"] {
        assert!(
            want.iter().any(|(_, _, c)| c == code),
            "{code} never seeded"
        );
    }
    // Nothing on a clean principal, of any rule; nothing the truth does
    // not know of the account rules.
    let on_clean: Vec<&Value> = found
        .iter()
        .filter(|f| f["resource"].as_str().is_none_or(|r| r.contains("/clean-")))
        .collect();
    assert!(
        on_clean.is_empty(),
        "findings on clean principals: {on_clean:#?}"
    );
    let extra: Vec<_> = got.difference(&want).collect();
    assert!(extra.is_empty(), "account findings not seeded: {extra:?}");
}

#[test]
fn a_role_allowing_everything_is_an_error_pointing_into_the_dump_in_every_format() {
    // Odd accounts are written as the API writes them: URL-encoded
    // documents.
    let dir = tempdir("audit-formats");
    let dump = (0..50)
        .filter(|i| i % 2 == 1)
        .map(|i| generate(16, i, 1))
        .find(|d| {
            d.expected
                .iter()
                .any(|e| e.principal == "role/seeded-admin")
        })
        .unwrap();
    let path = dir.join(&dump.file);
    std::fs::write(&path, &dump.text).unwrap();
    let path = path.to_str().unwrap();

    let json = leash(&["audit", path, "--format", "json"]);
    assert_eq!(json.status.code(), Some(1));
    let admin = findings(&json)
        .into_iter()
        .find(|f| f["code"] == "L601" && f["resource"] == "role/seeded-admin")
        .unwrap();
    assert_eq!(admin["severity"], "error");
    let line = admin["line"].as_u64().unwrap() as usize;
    let column = admin["column"].as_u64().unwrap() as usize;
    let at: String = dump
        .text
        .lines()
        .nth(line - 1)
        .unwrap()
        .chars()
        .skip(column - 1)
        .collect();
    // The statement (encoded) or the `AdministratorAccess` attachment.
    assert!(
        at.starts_with("%7B%22Action%22%3A%22%2A%22")
            || at.starts_with("\"arn:aws:iam::aws:policy/AdministratorAccess\""),
        "{at}"
    );

    let sarif = leash(&["audit", path, "--format", "sarif"]);
    assert_eq!(sarif.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let result = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["ruleId"] == "L601"
                && r["message"]["text"]
                    .as_str()
                    .unwrap()
                    .starts_with("role `seeded-admin`")
        })
        .unwrap()
        .clone();
    let region = &result["locations"][0]["physicalLocation"]["region"];
    assert_eq!(region["startLine"].as_u64().unwrap() as usize, line);
    assert_eq!(region["startColumn"].as_u64().unwrap() as usize, column);
    let rule_index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"][rule_index]["id"],
        "L601"
    );

    let text = leash(&["audit", path]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("error[L601]"), "{text}");
    assert!(text.contains("1 file checked"), "{text}");

    let github = leash(&["audit", path, "--format", "github"]);
    let github = String::from_utf8(github.stdout).unwrap();
    assert!(
        github.contains(&format!("line={line},")) && github.contains("L601"),
        "{github}"
    );
}

#[test]
fn markdown_reports_put_the_worst_principals_first() {
    let (dir, _) = write_accounts("audit-report", 3);
    let reports = tempdir("audit-report-out");
    let output = leash(&[
        "audit",
        dir.to_str().unwrap(),
        "--report",
        reports.to_str().unwrap(),
        "--fail-on",
        "never",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let mut names: Vec<String> = std::fs::read_dir(&reports)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["200000000000.md", "200000000001.md", "200000000002.md"]
    );
    let report = std::fs::read_to_string(reports.join("200000000000.md")).unwrap();
    assert!(
        report.starts_with("# leash audit: account 200000000000"),
        "{report}"
    );
    // Account 0 is seeded with an administrator: its row comes first.
    let first_row = report.lines().find(|l| l.starts_with("| `")).unwrap();
    assert!(
        first_row.contains("seeded-admin") && first_row.contains("| 1 |"),
        "{report}"
    );
    assert!(
        report.contains("## Without findings") && report.contains("- `role/clean-fn-0`"),
        "{report}"
    );
}

#[test]
fn the_generator_is_deterministic() {
    assert_eq!(generate(16, 7, 3).text, generate(16, 7, 3).text);
    assert_ne!(generate(16, 7, 3).text, generate(17, 7, 3).text);
}

#[test]
fn bad_options_and_inputs_are_clear_errors() {
    let dir = tempdir("audit-bad");
    let dump = dir.join("d.json");
    std::fs::write(&dump, generate(16, 0, 1).text).unwrap();
    let output = leash(&[
        "audit",
        dump.to_str().unwrap(),
        "--trusted-accounts",
        "12345",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not an AWS account id"));
    let output = leash(&["audit", dump.to_str().unwrap(), "--now", "last tuesday"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("ISO 8601"));
    // A policy is not a dump: a finding on it, not a crash.
    let policy = dir.join("policy.json");
    std::fs::write(&policy, r#"{"Version": "2012-10-17", "Statement": []}"#).unwrap();
    let output = leash(&["audit", policy.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(findings(&output)[0]["code"], "L007");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, r#"{"RoleDetailList": [{"RoleName": "x""#).unwrap();
    let output = leash(&["audit", broken.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(findings(&output)[0]["code"], "L001");
}

#[test]
fn an_organization_file_applies_its_scps_to_its_accounts() {
    let dir = tempdir("audit-organization");
    let dump = generate(16, 0, 1);
    assert!(dump.expected.iter().any(|e| e.code == "L601"));
    std::fs::write(dir.join("dump.json"), &dump.text).unwrap();
    std::fs::write(
        dir.join("all.json"),
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#,
    )
    .unwrap();
    // As `aws organizations describe-policy` prints it.
    std::fs::write(
        dir.join("deny-iam.json"),
        r#"{"Policy": {"PolicySummary": {"Id": "p-denyiam", "Name": "deny-iam", "Type": "SERVICE_CONTROL_POLICY", "AwsManaged": false},
            "Content": "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"Action\":[\"iam:*\",\"sts:*\"],\"Resource\":\"*\"}]}"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("org.json"),
        format!(
            r#"{{"policies": {{"p-FullAWSAccess": "all.json", "p-denyiam": "deny-iam.json"}},
                "accounts": {{"{}": [["p-FullAWSAccess"], ["p-FullAWSAccess", "p-denyiam"]]}}}}"#,
            dump.account
        ),
    )
    .unwrap();
    let run = |extra: &[&str]| {
        let mut args: Vec<String> = vec![
            "audit".to_string(),
            dir.join("dump.json").to_str().unwrap().to_string(),
        ];
        args.extend(["--format", "json", "--fail-on", "never"].map(String::from));
        args.extend(extra.iter().map(|s| s.to_string()));
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = leash(&refs);
        findings(&output)
            .into_iter()
            .filter(|f| f["code"] == "L601")
            .count()
    };
    assert!(run(&[]) > 0);
    let org = dir.join("org.json");
    assert_eq!(run(&["--organization", org.to_str().unwrap()]), 0);
    // A file it names that is missing: a clear error, exit 2.
    std::fs::remove_file(dir.join("all.json")).unwrap();
    let output = leash(&[
        "audit",
        dir.join("dump.json").to_str().unwrap(),
        "--organization",
        org.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("all.json"));
}
