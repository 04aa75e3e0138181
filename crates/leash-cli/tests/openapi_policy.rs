//! What `leash check` prints for a finding inside the API resource policy
//! of an inline OpenAPI definition (`x-amazon-apigateway-policy`), in a YAML
//! template with short-form tags and in a JSON one: the snippet shows the
//! line of the extension the finding is about.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

#[test]
fn a_finding_inside_the_openapi_policy_extension_is_rendered_at_its_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args([
            "check",
            "crates/leash-iac/tests/fixtures/openapi-policy.yaml",
            "crates/leash-iac/tests/fixtures/openapi-policy.json",
            "--fail-on",
            "never",
        ])
        .current_dir(&root)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let text = String::from_utf8(output.stdout).unwrap();
    insta::assert_snapshot!(text);
}
