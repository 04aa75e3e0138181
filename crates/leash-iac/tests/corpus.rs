//! Reads every SAM template of the shared corpus and checks that each one
//! reads without error and each extracted policy parses with no errors.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::path::Path;

use leash_iac::{PolicyOrigin, extract_managed_policy_references, extract_policies, read_template};
use leash_policy::LineIndex;
use leash_policy::parse::parse_policy;

/// Templates that are not valid YAML (PyYAML rejects them too), with the
/// position leash reports.
const INVALID_TEMPLATES: &[(&str, &str)] = &[
    // `MappingRestEdge:curc` is a plain scalar, then an indented mapping.
    ("apigw-custom-domain-edge.yaml", "35:9"),
];

#[test]
fn every_corpus_template_reads_and_its_policies_parse() {
    let directory =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sam-templates");
    let Ok(entries) = std::fs::read_dir(&directory) else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and {} is absent: the corpus test cannot run",
            directory.display()
        );
        println!(
            "notice: {} is absent; corpus test skipped",
            directory.display()
        );
        return;
    };
    let mut paths: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    paths.sort();
    let mut templates = 0;
    let mut resources = 0;
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut sam_templates_expanded = 0;
    let mut references = 0;
    let mut unresolved = 0;
    let mut failures = Vec::new();
    let mut invalid = 0;
    let mut warnings: BTreeMap<&str, usize> = BTreeMap::new();
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    let started = std::time::Instant::now();
    for path in &paths {
        let text = std::fs::read_to_string(path).unwrap();
        let template = match read_template(&text) {
            Ok(template) => template,
            Err(error) => {
                let (line, column) = LineIndex::new(&text).line_col(&text, error.span.start);
                let name = path.file_name().unwrap().to_string_lossy();
                if INVALID_TEMPLATES.contains(&(name.as_ref(), format!("{line}:{column}").as_str()))
                {
                    invalid += 1;
                    continue;
                }
                failures.push(format!(
                    "{}:{line}:{column}: {}",
                    path.display(),
                    error.message
                ));
                continue;
            }
        };
        templates += 1;
        resources += template.resources.len();
        references += extract_managed_policy_references(&template).len();
        for policy in extract_policies(&template) {
            *by_kind.entry(policy.kind.as_str()).or_default() += 1;
            if matches!(policy.origin, PolicyOrigin::SamPolicyTemplate { .. }) {
                sam_templates_expanded += 1;
            }
            unresolved += policy.unresolved.len();
            for item in &policy.unresolved {
                *reasons.entry(item.reason.clone()).or_default() += 1;
            }
            let parsed = parse_policy(&policy.document);
            for diagnostic in parsed.diagnostics.iter().filter(|d| !d.is_error()) {
                *warnings.entry(diagnostic.code).or_default() += 1;
            }
            for diagnostic in parsed.diagnostics.iter().filter(|d| d.is_error()) {
                let (line, column) = LineIndex::new(&text).line_col(&text, diagnostic.span.start);
                failures.push(format!(
                    "{}:{line}:{column}: {} {}: {}",
                    path.display(),
                    policy.resource_id,
                    policy.path,
                    diagnostic.message
                ));
            }
            // Every span points into the template text.
            assert!(policy.document.span.end <= text.len());
        }
    }
    println!(
        "corpus: {templates} of {} templates read ({invalid} invalid as expected), {resources} resources, policies by kind {by_kind:?}, \
         {sam_templates_expanded} SAM policy templates expanded, {references} managed policy references, \
         {unresolved} unresolved intrinsics, {:?}",
        paths.len(),
        started.elapsed()
    );
    println!("  parse warnings by code: {warnings:?}");
    let mut reasons: Vec<_> = reasons.into_iter().collect();
    reasons.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    for (reason, count) in reasons.iter().take(25) {
        println!("  unresolved {count:4} {reason}");
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(templates + INVALID_TEMPLATES.len(), paths.len());
}
