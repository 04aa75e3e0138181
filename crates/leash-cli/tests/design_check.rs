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

fn design_into(input: &str, format: &str) -> PathBuf {
    let out = std::env::temp_dir().join(format!(
        "leash-design-policies-{}-{format}-{}",
        input.replace('.', "-"),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&out);
    let designed = leash(&[
        "design",
        example(input).to_str().unwrap(),
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
    out
}

/// Every bucket and API policy of the json output is in `main.tf.json`
/// (`aws_s3_bucket_policy`, `aws_api_gateway_rest_api_policy`), as a
/// policy string that parses and, with the API id variable read back as
/// `${Api}`, is the same document.
#[test]
fn the_terraform_resource_policies_are_the_json_ones() {
    for input in ["template.yaml", "manifest-options.yaml"] {
        let json_out = design_into(input, "json");
        let terraform_out = design_into(input, "terraform");
        let main: serde_json::Value =
            serde_json::from_slice(&std::fs::read(terraform_out.join("main.tf.json")).unwrap())
                .unwrap();
        let mut compared = 0;
        for entry in std::fs::read_dir(&json_out).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let (logical_id, resource_type) =
                if let Some(id) = name.strip_suffix("-bucket-policy.json") {
                    (id.to_string(), "aws_s3_bucket_policy")
                } else if let Some(id) = name.strip_suffix("-api-policy.json") {
                    (id.to_string(), "aws_api_gateway_rest_api_policy")
                } else {
                    continue;
                };
            let key = leash_design::terraform::terraform_name(&logical_id);
            let written = &main["resource"][resource_type][&key];
            assert!(written.is_object(), "{input}: no {resource_type}.{key}");
            if resource_type == "aws_api_gateway_rest_api_policy" {
                assert_eq!(written["rest_api_id"], format!("${{var.{key}_id}}"));
            } else {
                assert!(written["bucket"].is_string());
            }
            let text = written["policy"]
                .as_str()
                .unwrap()
                .replace(&format!("${{var.{key}_id}}"), &format!("${{{logical_id}}}"));
            assert!(
                leash_policy::parse::parse_policy_text(&text)
                    .policy
                    .is_some(),
                "{input}: {text}"
            );
            let json_policy = std::fs::read_to_string(json_out.join(&name)).unwrap();
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(&text).unwrap(),
                serde_json::from_str::<serde_json::Value>(&json_policy).unwrap(),
                "{input}: {name}"
            );
            compared += 1;
        }
        // template.yaml designs a bucket policy; the options manifest a
        // bucket policy and an API policy.
        assert!(compared >= 1, "{input}: no resource policy designed");
        if input == "manifest-options.yaml" {
            assert_eq!(compared, 2, "{input}");
        }
        let _ = std::fs::remove_dir_all(&json_out);
        let _ = std::fs::remove_dir_all(&terraform_out);
    }
}
