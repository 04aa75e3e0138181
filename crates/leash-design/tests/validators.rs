//! `leash design --format cfn` checked by the validators AWS users trust:
//! aws-sam-translator (the SAM transform) and cfn-lint on its result, run
//! by `scripts/validate-template.py` (issue 12, point 7).
//!
//! Every template of `../shared/corpus/sam-templates` that leash designs
//! today is designed, and the original and the design are both validated:
//! the design must transform wherever the original does, and add no
//! cfn-lint error (an `E` code) that the transformed original does not
//! have, in particular no circular dependency (E3004). The README's main
//! command's design (`examples/orders-api`) gets the same check.
//!
//! The validators are found through `LEASH_VALIDATOR_PYTHON`, a Python
//! interpreter with the pinned `cfn-lint` and `aws-sam-translator`
//! installed (`.ci/run` creates it). Without it, or without the corpus,
//! the tests print a notice and pass on a developer's machine; with
//! `CI=true` they fail instead.
//!
//! Run with `--nocapture` for the counts (docs/design.md, "Validated by
//! cfn-lint").

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use leash_design::cloudformation::designed_template;
use leash_design::{
    Target, design, design_consumers, design_resource_policies, read_application, read_template,
};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Skips (a notice) on a developer's machine; fails in CI.
fn missing(what: &str) {
    assert!(
        !in_ci(),
        "CI=true and {what}: the validator tests cannot run"
    );
    eprintln!("notice: {what}; validator test skipped");
}

fn validator_python() -> Option<PathBuf> {
    let python = std::env::var_os("LEASH_VALIDATOR_PYTHON").map(PathBuf::from);
    match python {
        Some(path) if path.is_file() => Some(path),
        Some(path) => {
            missing(&format!(
                "LEASH_VALIDATOR_PYTHON names `{}`, which is not a file",
                path.display()
            ));
            None
        }
        None => {
            missing(
                "LEASH_VALIDATOR_PYTHON is not set (cfn-lint and aws-sam-translator: see .ci/run)",
            );
            None
        }
    }
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = repo_root().join("../shared/corpus").join(name);
    dir.is_dir().then_some(dir)
}

/// One template's validation, as the script prints it.
#[derive(Debug)]
struct Validation {
    transform_error: Option<String>,
    /// `(code, message)` of every finding.
    findings: Vec<(String, String)>,
}

impl Validation {
    fn errors(&self) -> BTreeSet<(String, String)> {
        self.findings
            .iter()
            .filter(|(code, _)| code.starts_with('E'))
            .cloned()
            .collect()
    }
}

/// Runs the validator script once over `paths` (it checks them in
/// parallel), in order.
fn validate(python: &Path, paths: &[PathBuf]) -> Vec<Validation> {
    if paths.is_empty() {
        return Vec::new();
    }
    let started = std::time::Instant::now();
    let output = Command::new(python)
        .arg(repo_root().join("scripts/validate-template.py"))
        .arg("--region")
        .arg(REGION)
        .arg("--account")
        .arg(ACCOUNT)
        .args(paths)
        .output()
        .expect("the validator runs");
    assert!(
        output.status.success(),
        "the validator failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let results: Vec<Validation> = text
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            Validation {
                transform_error: value["transform_error"].as_str().map(str::to_string),
                findings: value["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| {
                        (
                            f["code"].as_str().unwrap().to_string(),
                            f["message"].as_str().unwrap().to_string(),
                        )
                    })
                    .collect(),
            }
        })
        .collect();
    assert_eq!(results.len(), paths.len(), "one result per template");
    println!(
        "validated {} templates in {:.1} s",
        paths.len(),
        started.elapsed().as_secs_f64()
    );
    results
}

/// The whole template designed as `leash design --format cfn` writes it,
/// or why not.
fn designed_cfn(text: &str, target: &Target) -> Result<String, String> {
    let template = read_template(text).map_err(|e| format!("unreadable: {e}"))?;
    let app = read_application(&template, target).map_err(|e| e.to_string())?;
    if app.functions.is_empty() {
        return Err(
            "no principal (function, state machine, API Gateway role, pipe, schedule or rule target with a role, delivery or data principal)"
                .into(),
        );
    }
    let roles = design(&app).map_err(|e| e.to_string())?;
    let consumers = design_consumers(&app).map_err(|e| e.to_string())?;
    let policies = design_resource_policies(&app, &roles).map_err(|e| e.to_string())?;
    let all: Vec<_> = roles.iter().chain(&consumers).cloned().collect();
    designed_template(&template, &app, &all, &policies)
        .map(|d| d.text)
        .map_err(|e| e.to_string())
}

/// Designs with no option, as a new user runs `leash design TEMPLATE --out
/// DIR`: values known only at deployment stay as the template writes them.
/// A state machine's `DefinitionUri` is read from the application's
/// files in `../shared/corpus/sam-apps/<name>/`, when the corpus has them.
fn design_corpus_template(text: &str, name: &str) -> Result<String, String> {
    let stem = name.trim_end_matches(".yaml").trim_end_matches(".yml");
    let target = Target {
        template_dir: corpus_dir("sam-apps")
            .map(|d| d.join(stem))
            .filter(|d| d.is_dir()),
        ..Target::default()
    };
    designed_cfn(text, &target)
}

/// `(functions, functions that can write their logs)` of a designed
/// template: the function's log group is a resource of the template (its
/// `LoggingConfig.LogGroup`, or a group named `/aws/lambda/<function>`) or
/// its role may create it (`logs:CreateLogGroup`), and its role (inline
/// policies and `AWS::IAM::RolePolicy` resources) allows
/// `logs:PutLogEvents`.
fn functions_writing_logs(designed: &serde_json::Value) -> (usize, usize) {
    let empty = serde_json::Map::new();
    let resources = designed["Resources"].as_object().unwrap_or(&empty);
    let text = |v: &serde_json::Value| serde_json::to_string(v).unwrap_or_default();
    let (mut functions, mut writing) = (0, 0);
    for (id, function) in resources {
        let kind = function["Type"].as_str().unwrap_or("");
        if kind != "AWS::Serverless::Function" && kind != "AWS::Lambda::Function" {
            continue;
        }
        functions += 1;
        let properties = &function["Properties"];
        let Some(role) = properties["Role"]["Fn::GetAtt"][0].as_str() else {
            continue;
        };
        let mut policies = text(&resources.get(role).cloned().unwrap_or_default());
        for other in resources.values() {
            if other["Type"] == "AWS::IAM::RolePolicy"
                && other["Properties"]["RoleName"]["Ref"] == role
            {
                policies.push_str(&text(other));
            }
        }
        let group_in_template = match properties["LoggingConfig"]["LogGroup"]["Ref"].as_str() {
            Some(group) => resources
                .get(group)
                .is_some_and(|g| g["Type"] == "AWS::Logs::LogGroup"),
            None => {
                let own = format!("/aws/lambda/${{{id}}}");
                let named = properties["FunctionName"]
                    .as_str()
                    .map(|n| format!("/aws/lambda/{n}"));
                resources.values().any(|g| {
                    g["Type"] == "AWS::Logs::LogGroup" && {
                        let name = text(&g["Properties"]["LogGroupName"]);
                        name.contains(&own)
                            || named.as_ref().is_some_and(|n| name == format!("\"{n}\""))
                    }
                })
            }
        };
        if (group_in_template || policies.contains("logs:CreateLogGroup"))
            && policies.contains("logs:PutLogEvents")
        {
            writing += 1;
        }
    }
    (functions, writing)
}

/// New cfn-lint errors of a design against its original.
fn new_errors(original: &Validation, designed: &Validation) -> Vec<(String, String)> {
    let before = original.errors();
    designed
        .errors()
        .into_iter()
        .filter(|e| !before.contains(e))
        .collect()
}

#[test]
fn corpus_designs_pass_cfn_lint_after_the_sam_transform() {
    let Some(python) = validator_python() else {
        return;
    };
    let Some(templates_dir) = corpus_dir("sam-templates") else {
        missing("../shared/corpus/sam-templates is absent");
        return;
    };
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("validators-corpus");
    let _ = std::fs::remove_dir_all(&out_dir);
    std::fs::create_dir_all(&out_dir).unwrap();

    let mut paths: Vec<PathBuf> = std::fs::read_dir(&templates_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let mut designed: Vec<(String, PathBuf, PathBuf)> = Vec::new();
    let mut not_designed: BTreeMap<String, usize> = BTreeMap::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        match design_corpus_template(&text, &name) {
            Ok(output) => {
                let out = out_dir.join(format!("{name}.designed.json"));
                std::fs::write(&out, output).unwrap();
                designed.push((name, path.clone(), out));
            }
            Err(why) => {
                let category = if why.contains("only known at deployment") {
                    "a name only known at deployment".to_string()
                } else {
                    why.chars().take(60).collect()
                };
                *not_designed.entry(category).or_default() += 1;
            }
        }
    }
    let mut all: Vec<PathBuf> = designed.iter().map(|(_, o, _)| o.clone()).collect();
    all.extend(designed.iter().map(|(_, _, d)| d.clone()));
    let results = validate(&python, &all);
    let (originals, designs) = results.split_at(designed.len());

    let mut logs = (0, 0);
    for (_, _, design) in &designed {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(design).unwrap()).unwrap();
        let (functions, writing) = functions_writing_logs(&value);
        logs.0 += functions;
        logs.1 += writing;
    }
    let mut accepted = (0, 0);
    let mut original_invalid = Vec::new();
    let mut failures = Vec::new();
    let mut new_by_code: BTreeMap<String, usize> = BTreeMap::new();
    for ((name, _, _), (original, design)) in designed.iter().zip(originals.iter().zip(designs)) {
        if original.transform_error.is_none() && original.errors().is_empty() {
            accepted.0 += 1;
        }
        if design.transform_error.is_none() && design.errors().is_empty() {
            accepted.1 += 1;
        }
        if let Some(error) = &original.transform_error {
            original_invalid.push(format!("{name}: {error}"));
            continue;
        }
        if let Some(error) = &design.transform_error {
            failures.push(format!("{name}: the design does not transform: {error}"));
            continue;
        }
        let added = new_errors(original, design);
        for (code, message) in &added {
            *new_by_code.entry(code.clone()).or_default() += 1;
            failures.push(format!("{name}: {code} {message}"));
        }
    }
    println!(
        "corpus: {} templates, {} designed (--format cfn), not designed: {not_designed:?}",
        paths.len(),
        designed.len()
    );
    println!(
        "accepted by cfn-lint after the SAM transform (no E finding): originals {}, designs {} (of {})",
        accepted.0,
        accepted.1,
        designed.len()
    );
    println!(
        "originals the validators reject before any design ({}):",
        original_invalid.len()
    );
    for line in &original_invalid {
        println!("  {line}");
    }
    println!("new errors by code: {new_by_code:?}");
    println!(
        "functions that can write their logs in the designs: {} of {}",
        logs.1, logs.0
    );
    assert!(
        failures.is_empty(),
        "{} cfn-lint errors the originals do not have:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_readme_example_design_passes_cfn_lint_after_the_sam_transform() {
    let Some(python) = validator_python() else {
        return;
    };
    let original = repo_root().join("examples/orders-api/template.yaml");
    let text = std::fs::read_to_string(&original).unwrap();
    // The README's main command: no option but the output folder (the
    // example names no account: values known at deployment stay symbolic).
    let output = designed_cfn(&text, &Target::default()).unwrap();
    assert_accepted_with_no_finding(&python, original, &output, "validators-readme");
}

/// Both validators accept the original and the design, the design with
/// no cfn-lint finding at all.
fn assert_accepted_with_no_finding(python: &Path, original: PathBuf, output: &str, dir: &str) {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    std::fs::create_dir_all(&out_dir).unwrap();
    let designed = out_dir.join("template.designed.json");
    std::fs::write(&designed, output).unwrap();
    let results = validate(python, &[original, designed]);
    assert_eq!(results[0].transform_error, None);
    assert_eq!(results[1].transform_error, None, "the design transforms");
    assert!(
        results[1].findings.is_empty(),
        "cfn-lint findings on the design: {:?}",
        results[1].findings
    );
}

/// Names only known at deployment (an `Fn::If` on a condition of a
/// parameter, an `Fn::ImportValue`) are written as variables of
/// `Fn::Sub`'s list form bound to the intrinsics, and both validators
/// accept the design with no finding at all.
#[test]
fn symbolic_names_are_written_as_cloudformation_accepts() {
    let Some(python) = validator_python() else {
        return;
    };
    let original = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/symbolic.yaml");
    let text = std::fs::read_to_string(&original).unwrap();
    let output = designed_cfn(&text, &Target::default()).unwrap();
    let value: serde_json::Value = serde_json::from_str(&output).unwrap();
    let policy = serde_json::to_string(&value["Resources"]["WorkerRole"]).unwrap();
    for expected in [
        r#"{"Fn::Sub":["arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${LeashValue1}",{"LeashValue1":{"Fn::If":["IsProd","orders",{"Fn::Sub":"orders-${Stage}"}]}}]}"#,
        r#"{"Fn::Sub":["arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:${LeashValue1}",{"LeashValue1":{"Fn::ImportValue":"shared-queue-name"}}]}"#,
    ] {
        assert!(policy.contains(expected), "{expected} not in {policy}");
    }
    assert_accepted_with_no_finding(&python, original, &output, "validators-symbolic");
}
