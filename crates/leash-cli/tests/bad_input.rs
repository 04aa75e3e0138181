//! The bad-input suite: files in every encoding leash meets and shapes it
//! does not read, through the real binary in every output format. None may
//! crash (exit 101), and none may pass silently: a bad file gets a finding
//! and a non-zero exit; a file in an encoding leash reads is read as the
//! kind it is.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{leash, tempdir};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

const POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "Café", "Effect": "Allow", "Action": "s3:GetObjekt", "Resource": "arn:aws:s3:::orders/*"}]}"#;
const TEMPLATE: &str = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n      Policies:\n        - PolicyName: café\n          PolicyDocument:\n            Version: '2012-10-17'\n            Statement:\n              - Effect: Allow\n                Action: s3:GetObjekt\n                Resource: '*'\n";

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

/// Files that are not text, or not a kind, leash reads: (name, bytes,
/// code of the finding expected first).
fn bad_inputs() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    // `é` saved as Latin-1: one byte, 0xE9.
    let latin1 = |text: &str| -> Vec<u8> {
        text.replace('é', "\u{1}")
            .bytes()
            .map(|b| if b == 1 { 0xE9 } else { b })
            .collect()
    };
    let mut surrogate = utf16("{\"Version\": \"2012-10-17\"", false);
    surrogate.extend_from_slice(&0xDC00u16.to_le_bytes());
    let mut odd = utf16(POLICY, true);
    odd.push(b'}');
    let mut utf32 = vec![0xFF, 0xFE, 0, 0];
    for c in POLICY.chars() {
        utf32.extend_from_slice(&(c as u32).to_le_bytes());
    }
    let no_bom_utf16: Vec<u8> = POLICY.encode_utf16().flat_map(u16::to_le_bytes).collect();
    vec![
        ("latin1.json", latin1(POLICY), "L006"),
        ("latin1.yaml", latin1(TEMPLATE), "L006"),
        ("surrogate-utf16.json", surrogate, "L006"),
        ("odd-utf16.json", odd, "L006"),
        ("utf32.json", utf32, "L006"),
        ("truncated-multibyte.json", b"{\"Sid\": \"\xE2\x82".to_vec(), "L006"),
        ("overlong.json", b"{\"a\": \"\xC0\xAF\"}".to_vec(), "L006"),
        ("png.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff".to_vec(), "L006"),
        ("crlf-bad-line-3.yaml", b"Resources:\r\n  R:\r\n    Type: \xff\r\n".to_vec(), "L006"),
        // Without a mark the byte order is not guessed: `é` (E9 00) is
        // not UTF-8.
        ("utf16-without-mark.json", no_bom_utf16, "L006"),
        ("nul-in-middle.json", b"{\"Version\": \"2012-10-17\",\x00 \"Statement\": []}".to_vec(), "L001"),
        ("empty.json", Vec::new(), "L001"),
        ("whitespace.json", b"  \n\t\n".to_vec(), "L001"),
        ("empty.yaml", Vec::new(), "L007"),
        ("array.json", b"[1, 2, 3]".to_vec(), "L007"),
        ("string.json", b"\"Statement\"".to_vec(), "L007"),
        ("package.json", br#"{"name": "orders", "dependencies": {"aws-sdk": "2"}}"#.to_vec(), "L007"),
        // Read since `leash check` audits dumps: a role allowing `*` on
        // `*` is an error on that role (L601).
        (
            "authorization-details.json",
            br#"{"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [{"RoleName": "admin", "Arn": "arn:aws:iam::111122223333:role/admin", "RolePolicyList": [{"PolicyName": "all", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}], "Policies": []}"#.to_vec(),
            "L601",
        ),
        ("workflow.yaml", b"on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n".to_vec(), "L007"),
        ("scalar.yaml", b"just a sentence\n".to_vec(), "L007"),
        ("deep.yaml", ("[".repeat(10_000) + &"]".repeat(10_000)).into_bytes(), "L004"),
        ("resources-not-a-mapping.json", br#"{"Resources": "none"}"#.to_vec(), "L004"),
        ("resources-not-a-mapping.yaml", b"Resources: 5\n".to_vec(), "L007"),
    ]
}

/// Files in an encoding leash reads: (name, bytes, kind read as).
fn good_encodings() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(POLICY.as_bytes());
    let mut yaml_bom = b"\xEF\xBB\xBF".to_vec();
    yaml_bom.extend_from_slice(TEMPLATE.as_bytes());
    vec![
        ("utf8.json", POLICY.as_bytes().to_vec(), "identity-policy"),
        ("utf8-bom.json", bom, "identity-policy"),
        ("utf8.yaml", TEMPLATE.as_bytes().to_vec(), "template"),
        ("utf8-bom.yaml", yaml_bom, "template"),
        ("utf16le.json", utf16(POLICY, false), "identity-policy"),
        ("utf16be.json", utf16(POLICY, true), "identity-policy"),
        ("utf16le.yaml", utf16(TEMPLATE, false), "template"),
        ("utf16be.yaml", utf16(TEMPLATE, true), "template"),
    ]
}

fn write_all(dir: &Path, files: &[(&'static str, Vec<u8>, &'static str)]) -> Vec<PathBuf> {
    files
        .iter()
        .map(|(name, bytes, _)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect()
}

fn assert_clean_exit(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{what}: panicked:\n{stderr}");
    assert!(
        matches!(output.status.code(), Some(0..=2)),
        "{what}: exit {:?}\n{stderr}",
        output.status.code()
    );
}

fn check(path: &Path, format: &str) -> Output {
    leash(&["check", path.to_str().unwrap(), "--format", format])
}

#[test]
fn bad_inputs_get_a_finding_in_every_format() {
    let dir = tempdir("bad-inputs");
    let files = bad_inputs();
    for ((name, _, code), path) in files.iter().zip(write_all(&dir, &files)) {
        let json = check(&path, "json");
        assert_clean_exit(&json, name);
        assert_eq!(json.status.code(), Some(1), "{name}");
        let findings: Value = serde_json::from_slice(&json.stdout).unwrap();
        assert_eq!(findings[0]["code"], *code, "{name}: {findings}");
        for finding in findings.as_array().unwrap() {
            assert!(finding["line"].as_u64().unwrap() >= 1, "{name}");
            assert!(finding["column"].as_u64().unwrap() >= 1, "{name}");
            assert!(finding["kind"].is_string(), "{name}");
        }

        let text = check(&path, "text");
        assert_clean_exit(&text, name);
        assert_eq!(text.status.code(), Some(1), "{name}");
        let text_out = String::from_utf8(text.stdout).unwrap();
        assert!(
            text_out.contains(&format!("error[{code}]")),
            "{name}: {text_out}"
        );
        assert!(text_out.contains("1 file checked: "), "{name}: {text_out}");

        let sarif = check(&path, "sarif");
        assert_clean_exit(&sarif, name);
        assert_eq!(sarif.status.code(), Some(1), "{name}");
        let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
        assert_eq!(log["runs"][0]["results"][0]["ruleId"], *code, "{name}");

        let github = check(&path, "github");
        assert_clean_exit(&github, name);
        assert_eq!(github.status.code(), Some(1), "{name}");
        let github_out = String::from_utf8(github.stdout).unwrap();
        assert!(
            github_out.starts_with("::error file=") && github_out.contains(code),
            "{name}: {github_out}"
        );
    }
}

#[test]
fn every_encoding_leash_reads_is_read_as_its_kind() {
    let dir = tempdir("good-encodings");
    let files = good_encodings();
    let mut positions: Vec<(std::ffi::OsString, (Value, Value))> = Vec::new();
    for ((name, _, kind), path) in files.iter().zip(write_all(&dir, &files)) {
        let json = check(&path, "json");
        assert_clean_exit(&json, name);
        let findings: Value = serde_json::from_slice(&json.stdout).unwrap();
        // Each holds the unknown action `s3:GetObjekt`, found at the
        // same line and column whatever the encoding.
        let unknown = findings
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["code"] == "L102")
            .unwrap_or_else(|| panic!("{name}: {findings}"));
        assert_eq!(unknown["kind"], *kind, "{name}");
        // Where the plain UTF-8 file of the same syntax has it.
        let position = (unknown["line"].clone(), unknown["column"].clone());
        let extension = Path::new(name).extension().unwrap().to_owned();
        match positions.iter().find(|(e, _)| *e == extension) {
            Some((_, first)) => assert_eq!(&position, first, "{name}"),
            None => positions.push((extension, position)),
        }
        for format in ["text", "sarif", "github"] {
            let output = check(&path, format);
            assert_clean_exit(&output, name);
            assert_eq!(output.status.code(), Some(1), "{name} {format}");
        }
    }
}

/// Acceptance: one undecodable file among ten valid ones, all eleven
/// reported.
#[test]
fn a_folder_with_one_undecodable_file_reports_all_eleven() {
    let dir = tempdir("eleven");
    for index in 0..10 {
        std::fs::write(dir.join(format!("p{index:02}.json")), POLICY).unwrap();
    }
    std::fs::write(dir.join("p05-latin1.json"), b"{\"Sid\": \"caf\xE9\"}").unwrap();
    let text = leash(&["check", dir.to_str().unwrap()]);
    assert_clean_exit(&text, "folder");
    let out = String::from_utf8(text.stdout).unwrap();
    assert!(out.contains("11 files checked: "), "{out}");
    assert!(out.contains("error[L006]"), "{out}");
    let json = leash(&["check", dir.to_str().unwrap(), "--format", "json"]);
    let findings: Value = serde_json::from_slice(&json.stdout).unwrap();
    let mut paths: Vec<&str> = findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.dedup();
    assert_eq!(paths.len(), 11, "{paths:?}");
}

/// `sim`, `design` and `prove` on every bad input: a clear message and
/// exit 2, never a crash.
#[test]
fn other_commands_refuse_bad_inputs_cleanly() {
    let dir = tempdir("bad-other");
    let files = bad_inputs();
    let good = dir.join("good.json");
    std::fs::write(&good, POLICY).unwrap();
    for ((name, _, _), path) in files.iter().zip(write_all(&dir, &files)) {
        let path = path.to_str().unwrap();
        for args in [
            vec!["sim", "--request", path],
            vec!["sim", "--batch", path],
            vec!["design", path, "--out", dir.join("out").to_str().unwrap()],
            vec!["prove", "no-new-access", good.to_str().unwrap(), path],
            vec!["prove", "no-public-access", path],
        ] {
            let output = leash(&args);
            let what = format!("{name}: {}", args.join(" "));
            assert_clean_exit(&output, &what);
            if args[1] != "--batch" {
                assert_eq!(output.status.code(), Some(2), "{what}");
                assert!(!output.stderr.is_empty(), "{what}: no message");
            }
        }
        assert!(!dir.join("out").exists(), "{name}: design wrote output");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// Arbitrary bytes through the real binary: every command and every
    /// output format exits 0, 1 or 2, never 101.
    #[test]
    fn arbitrary_bytes_never_crash_the_binary(
        bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
        extension in proptest::sample::select(vec!["json", "yaml", "template", "jsonl"]),
    ) {
        let dir = tempdir("arbitrary");
        let path = dir.join(format!("input.{extension}"));
        std::fs::write(&path, &bytes).unwrap();
        let good = dir.join("good.json");
        std::fs::write(&good, POLICY).unwrap();
        let path = path.to_str().unwrap();
        let out = dir.join("out");
        for args in [
            vec!["check", path, "--format", "text"],
            vec!["check", path, "--format", "json"],
            vec!["check", path, "--format", "sarif"],
            vec!["check", path, "--format", "github"],
            vec!["sim", "--request", path],
            vec!["sim", "--batch", path],
            vec!["design", path, "--out", out.to_str().unwrap()],
            vec!["prove", "no-new-access", good.to_str().unwrap(), path],
            vec!["prove", "no-public-access", path],
        ] {
            assert_clean_exit(&leash(&args), &format!("{bytes:?}: {}", args.join(" ")));
        }
        // A file leash was asked to check never passes silently.
        let json = leash(&["check", path, "--format", "json"]);
        let findings: Value = serde_json::from_slice(&json.stdout).unwrap();
        proptest::prop_assert!(
            json.status.code() != Some(0) || !findings.as_array().unwrap().is_empty(),
            "{:?} passed with no finding", bytes
        );
    }
}
