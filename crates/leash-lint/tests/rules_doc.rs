//! `docs/rules.md` is generated from each rule's module doc comment and the
//! rule table. This test fails when the file is stale; run
//! `UPDATE_RULES_DOC=1 cargo test -p leash-lint --test rules_doc` to rewrite it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use leash_lint::all_rules;
use std::path::Path;

fn render() -> String {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::new();
    out.push_str("# leash rules\n\n");
    out.push_str(
        "Generated from the rules' doc comments by `crates/leash-lint/tests/rules_doc.rs`; \
         do not edit by hand.\n\n",
    );
    out.push_str("| code | name | severity | what it finds | IAM Access Analyzer check |\n");
    out.push_str("|---|---|---|---|---|\n");
    for rule in all_rules() {
        out.push_str(&format!(
            "| {} | [`{}`](#{}-{}) | {} | {} | {} |\n",
            rule.code,
            rule.name,
            rule.code.to_lowercase(),
            rule.name,
            rule.severity.as_str(),
            rule.summary,
            rule.access_analyzer
                .unwrap_or("none (beyond Access Analyzer)"),
        ));
    }
    for rule in all_rules() {
        let file_name = format!("{}.rs", rule.name.replace('-', "_"));
        let file = ["src/rules", "src/template_rules", "src/audit_rules"]
            .iter()
            .map(|dir| crate_dir.join(dir).join(&file_name))
            .find(|path| path.is_file())
            .unwrap_or_else(|| crate_dir.join("src/rules").join(&file_name));
        let source = std::fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!("rule `{}` must live in {}: {e}", rule.name, file.display())
        });
        let doc: Vec<&str> = source
            .lines()
            .take_while(|l| l.starts_with("//!"))
            .map(|l| {
                l.strip_prefix("//! ")
                    .unwrap_or(l.strip_prefix("//!").unwrap_or(l))
            })
            .collect();
        assert!(
            [
                "## What it finds",
                "## Why it matters",
                "## Example",
                "## Fix",
                "## Reference"
            ]
            .iter()
            .all(|h| doc.contains(h)),
            "rule `{}` must document: What it finds, Why it matters, Example, Fix, Reference",
            rule.name
        );
        out.push_str(&format!("\n## {} {}\n\n", rule.code, rule.name));
        out.push_str(&format!("Default severity: {}.", rule.severity.as_str()));
        let on_plans = leash_lint::template_rules::TERRAFORM_RULES
            .iter()
            .any(|(plan_rule, _)| plan_rule.code == rule.code);
        if on_plans {
            out.push_str(
                " Runs on CloudFormation/SAM templates, over the whole template, \
                 and on Terraform plans (`terraform show -json`), over the whole plan.",
            );
        } else if file.starts_with(crate_dir.join("src/audit_rules")) {
            out.push_str(
                " Runs on account authorization dumps (`leash audit`, and `leash check` on a dump), \
                 over each principal's effective policies.",
            );
        } else if file.starts_with(crate_dir.join("src/template_rules")) {
            out.push_str(" Runs on CloudFormation/SAM templates, over the whole template.");
        } else if rule.check.is_none() {
            out.push_str(" Reported by the reader or the parser, before any other rule.");
        }
        out.push_str("\n\n");
        for line in doc {
            let line = line
                .strip_prefix("## ")
                .map(|h| format!("### {h}"))
                .unwrap_or(line.to_string());
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn rules_doc_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules.md");
    let expected = render();
    if std::env::var_os("UPDATE_RULES_DOC").is_some() {
        std::fs::write(&path, &expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/rules.md is stale: run `UPDATE_RULES_DOC=1 cargo test -p leash-lint --test rules_doc`"
    );
}
