//! Policies written as JSON strings in a template are linted with findings
//! inside the strings, and a string that is not JSON is an L001 at its
//! position.
#![allow(clippy::unwrap_used)]

const TEXT: &str = include_str!("../../leash-iac/tests/fixtures/string-policies.yaml");

#[test]
fn string_policies_are_linted_at_their_positions() {
    let found = leash_lint::lint_template_text(TEXT);
    let at = |code: &str, resource: &str| {
        found
            .iter()
            .filter(|d| d.code == code && d.resource.as_deref() == Some(resource))
            .map(|d| &TEXT[d.span.start..d.span.end])
            .collect::<Vec<_>>()
    };
    // The ECR policy allows everyone without a condition.
    assert_eq!(at("L309", "Repository").len(), 1, "{found:#?}");
    // The broken key policy: the JSON error, at the `}`.
    assert_eq!(at("L001", "BrokenKey"), ["}"]);
    // `kms:*` in the key policy string, found inside the literal block.
    assert_eq!(at("L408", "Key"), ["\"kms:*\""]);
}
