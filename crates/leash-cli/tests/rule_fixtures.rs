//! Every rule has a fixture in `crates/leash-lint/tests/fixtures/NAME.json`
//! (or `NAME.yaml` for a template)
//! that triggers it, and a snapshot of exactly what `leash check` prints for
//! it, so a reviewer sees what a user will see.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn every_rule_has_a_fixture_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for rule in leash_lint::all_rules() {
        // A policy fixture (`NAME.json`) or, for template rules, `NAME.yaml`.
        let relative = ["json", "yaml"]
            .iter()
            .map(|extension| format!("crates/leash-lint/tests/fixtures/{}.{extension}", rule.name))
            .find(|relative| root.join(relative).is_file())
            .unwrap_or_else(|| {
                panic!("rule `{}` has no fixture NAME.json or NAME.yaml", rule.name)
            });
        let output = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(["check", &relative, "--fail-on", "never"])
            .current_dir(&root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains(&format!("[{}]", rule.code)),
            "fixture for `{}` does not trigger {}:\n{text}",
            rule.name,
            rule.code
        );
        insta::assert_snapshot!(rule.name, text);
    }
}

/// The template rules that also judge Terraform plans each have a plan
/// fixture, `crates/leash-lint/tests/fixtures/terraform/NAME.plan.json`
/// (the shape `terraform show -json` writes), that triggers them, and a
/// snapshot of what `leash check` prints for it.
#[test]
fn every_terraform_rule_has_a_plan_fixture_that_triggers_it() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for (rule, _) in leash_lint::template_rules::TERRAFORM_RULES {
        let relative = format!(
            "crates/leash-lint/tests/fixtures/terraform/{}.plan.json",
            rule.name
        );
        assert!(
            root.join(&relative).is_file(),
            "rule `{}` has no plan fixture {relative}",
            rule.name
        );
        let output = Command::new(env!("CARGO_BIN_EXE_leash"))
            .args(["check", &relative, "--fail-on", "never"])
            .current_dir(&root)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = String::from_utf8(output.stdout).unwrap();
        assert!(
            text.contains(&format!("[{}]", rule.code)),
            "plan fixture for `{}` does not trigger {}:\n{text}",
            rule.name,
            rule.code
        );
        insta::assert_snapshot!(format!("terraform-{}", rule.name), text);
    }
}
