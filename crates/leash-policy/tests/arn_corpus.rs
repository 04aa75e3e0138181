//! The typed `Arn` on real inputs: every `Resource`/`NotResource` string of
//! the AWS managed policies in the shared corpus and every ARN template of
//! the catalog. Each one that parses prints back as itself and has the
//! fields an independent split (at the first five colons, found with
//! `match_indices`) gives; each one that does not is not an ARN by that
//! split either.
#![allow(clippy::unwrap_used)]

use std::path::Path;

use leash_policy::arn::{Arn, ArnError};

/// The six fields of `text` cut at its first five colons, by a route
/// independent of the parser.
fn oracle(text: &str) -> Option<Vec<&str>> {
    let colons: Vec<usize> = text.match_indices(':').map(|(i, _)| i).take(5).collect();
    if colons.len() < 5 {
        return None;
    }
    let mut fields = Vec::new();
    let mut start = 0;
    for colon in colons {
        fields.push(&text[start..colon]);
        start = colon + 1;
    }
    fields.push(&text[start..]);
    Some(fields)
}

fn check(text: &str, counts: &mut [usize; 4]) {
    match Arn::parse(text) {
        Ok(arn) => {
            assert_eq!(arn.to_string(), text);
            let fields = oracle(text).unwrap();
            assert_eq!(fields[0], "arn", "{text}");
            let ours: Vec<&str> = arn.segments().iter().map(|s| s.as_str()).collect();
            assert_eq!(ours, fields[1..], "{text}");
            counts[0] += 1;
            if arn.segments().iter().any(|s| s.is_pattern()) {
                counts[1] += 1;
            }
        }
        Err(ArnError::NotAnArn) => {
            assert!(!text.starts_with("arn:"), "{text}");
            counts[2] += 1;
        }
        Err(ArnError::MissingFields { found }) => {
            assert!(oracle(text).is_none(), "{text}");
            assert_eq!(found, text.matches(':').count() + 1, "{text}");
            counts[3] += 1;
        }
        Err(other) => panic!("{text}: {other}"),
    }
}

fn resources(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                if key == "Resource" || key == "NotResource" {
                    match inner {
                        serde_json::Value::String(text) => out.push(text.clone()),
                        serde_json::Value::Array(items) => out.extend(
                            items
                                .iter()
                                .filter_map(|item| item.as_str().map(str::to_string)),
                        ),
                        _ => {}
                    }
                } else {
                    resources(inner, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| resources(item, out)),
        _ => {}
    }
}

#[test]
fn every_managed_policy_resource_parses_as_the_fields_it_has() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/aws-managed-policies");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!("notice: {} is absent, skipping", dir.display());
        return;
    };
    let mut texts = Vec::new();
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            resources(&json, &mut texts);
        }
    }
    let mut counts = [0; 4];
    for text in &texts {
        check(text, &mut counts);
    }
    println!(
        "{} resources: {} ARNs ({} with a wildcard), {} not ARNs (`*` and others), {} with missing fields",
        texts.len(),
        counts[0],
        counts[1],
        counts[2],
        counts[3]
    );
    assert!(counts[0] > 5000, "{counts:?}");
}

#[test]
fn every_catalog_arn_template_is_an_arn() {
    let mut counts = [0; 4];
    let mut templates = 0;
    for service in leash_catalog::catalog().services() {
        for resource_type in service.resource_types() {
            for text in resource_type.arn_template().split(", ") {
                templates += 1;
                check(text, &mut counts);
            }
        }
    }
    assert!(templates > 1000, "{templates}");
    assert_eq!(counts[0], templates, "{counts:?}");
}
