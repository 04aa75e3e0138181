//! Every rule has two fixtures in `crates/leash-lint/tests/fixtures/`: one
//! that triggers it (`NAME.json`, or `NAME.yaml` for a template), with a
//! snapshot of exactly what `leash check` prints for it, so a reviewer sees
//! what a user will see; and one that must not (`negative/NAME.json` or
//! `.yaml`), a near miss of the rule's pattern (the false-positive classes
//! found on real templates are taken from `../shared/corpus`, cited in the
//! file). Both run through the real binary, each rule in its own test, so
//! one failure does not hide the others.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The fixture of `name` under `directory` (relative to the repository),
/// a policy (`.json`) or a template (`.yaml`).
fn fixture(directory: &str, name: &str) -> Option<String> {
    ["json", "yaml"]
        .iter()
        .map(|extension| format!("{directory}/{name}.{extension}"))
        .find(|relative| root().join(relative).is_file())
}

fn leash_check(relative: &str, format: &str) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(["check", relative, "--format", format, "--fail-on", "never"])
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "`leash check {relative}` failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// The rule named `name` fires on its fixture (with the snapshot of what
/// `leash check` prints) and not on its negative fixture, which must also
/// read cleanly: a negative that is not read (L001, L002, L004) would pass
/// without testing anything.
fn check_rule_fixtures(name: &str) {
    let rule = leash_lint::all_rules()
        .find(|rule| rule.name == name)
        .unwrap_or_else(|| panic!("no rule is named `{name}`"));
    let positive = fixture("crates/leash-lint/tests/fixtures", name)
        .unwrap_or_else(|| panic!("rule `{name}` has no fixture NAME.json or NAME.yaml"));
    let text = leash_check(&positive, "text");
    assert!(
        text.contains(&format!("[{}]", rule.code)),
        "fixture for `{name}` does not trigger {}:\n{text}",
        rule.code
    );
    insta::assert_snapshot!(rule.name, text);

    let negative =
        fixture("crates/leash-lint/tests/fixtures/negative", name).unwrap_or_else(|| {
            panic!("rule `{name}` has no negative fixture negative/NAME.json or negative/NAME.yaml")
        });
    let json = leash_check(&negative, "json");
    let findings: serde_json::Value = serde_json::from_str(&json).unwrap();
    let codes: Vec<&str> = findings
        .as_array()
        .expect("a JSON array of findings")
        .iter()
        .filter_map(|finding| finding.get("code").and_then(serde_json::Value::as_str))
        .collect();
    assert!(
        !codes.contains(&rule.code),
        "negative fixture for `{name}` triggers {}:\n{json}",
        rule.code
    );
    for unread in ["L001", "L002", "L004"] {
        assert!(
            !codes.contains(&unread),
            "negative fixture for `{name}` is not read cleanly ({unread}):\n{json}"
        );
    }
}

/// One test per rule; [`TESTED`] lists them, so that a rule without a test
/// fails [`every_rule_has_a_fixture_test`].
macro_rules! rule_fixture_tests {
    ($($(#[$note:meta])* $test:ident: $name:literal,)*) => {
        $(
            $(#[$note])*
            #[test]
            fn $test() {
                check_rule_fixtures($name);
            }
        )*
        const TESTED: &[&str] = &[$($name),*];
    };
}

rule_fixture_tests! {
    /// L001; negative: the same policy without the trailing comma.
    invalid_json: "invalid-json",
    /// L002; negative: `Statement` as one object, which the grammar allows.
    invalid_policy_structure: "invalid-policy-structure",
    /// L003; negative: two resources in one `Resource` list.
    duplicate_key: "duplicate-key",
    /// L004; negative: a flow sequence closed on a later line, short-form tags.
    invalid_template: "invalid-template",
    /// L005; negative: a suppression with its reason.
    suppression_without_reason: "suppression-without-reason",
    /// L006; negative: the same policy saved as UTF-16 with a byte order mark.
    undecodable_text: "undecodable-text",
    /// L007; negative: a role file (`AssumeRolePolicyDocument`, `Policies`).
    unknown_document_kind: "unknown-document-kind",
    /// L101; negative: a service prefix in another case (`DynamoDB:`).
    unknown_service: "unknown-service",
    /// L102; negative: an action in another case (`s3:getobject`).
    unknown_action: "unknown-action",
    /// L103; negative: `Delete*` and `Describe?able`.
    action_pattern_matching_nothing: "action-pattern-matching-nothing",
    /// L104; negative: a global key in another case, a tag key, a service key.
    unknown_condition_key: "unknown-condition-key",
    /// L105; negative: `lambda:InvokeFunction` on `function:NAME:*` (corpus).
    action_on_inapplicable_resource: "action-on-inapplicable-resource",
    /// L106; negative: `*` only for an action without resource types.
    resource_wildcard_on_scopable_action: "resource-wildcard-on-scopable-action",
    /// L107; negative: `${aws:username}` and the `${*}` escape.
    malformed_policy_variable: "malformed-policy-variable",
    /// L108; negative: a variable under `2012-10-17`.
    policy_variable_without_version: "policy-variable-without-version",
    /// L201; negative: an ARN, and `*`.
    resource_not_an_arn: "resource-not-an-arn",
    /// L202; negative: empty region and account fields, present.
    arn_missing_field: "arn-missing-field",
    /// L203; negative: `aws-cn`, `aws-us-gov`, `*`.
    arn_with_unknown_partition: "arn-with-unknown-partition",
    /// L204; negative: uppercase only in the resource part.
    arn_service_not_lowercase: "arn-service-not-lowercase",
    /// L205; negative: `us-gov-west-1`, `*`, `us-east-*`.
    arn_with_malformed_region: "arn-with-malformed-region",
    /// L206; negative: 12 digits, `*`, and `aws` for AWS managed policies.
    arn_with_malformed_account: "arn-with-malformed-account",
    /// L207; negative: a bucket without region and account, a role without region.
    arn_field_not_allowed: "arn-field-not-allowed",
    /// L208; negative: two different Sids.
    duplicate_sid: "duplicate-sid",
    /// L209; negative: letters and digits.
    sid_with_unsupported_characters: "sid-with-unsupported-characters",
    /// L210; negative: each operator on a key of its type.
    operator_mismatched_to_key_type: "operator-mismatched-to-key-type",
    /// L211; negative: ISO 8601 and epoch seconds.
    invalid_date_value: "invalid-date-value",
    /// L212; negative: a number as a string.
    invalid_number_value: "invalid-number-value",
    /// L213; negative: a CIDR block, an address, an IPv6 block.
    invalid_ip_value: "invalid-ip-value",
    /// L214; negative: `true` and `false`.
    invalid_boolean_value: "invalid-boolean-value",
    /// L215; negative: base64.
    invalid_base64_value: "invalid-base64-value",
    /// L216; negative: public ranges in `aws:SourceIp`, private ones in `aws:VpcSourceIp`.
    private_ip_in_source_ip: "private-ip-in-source-ip",
    /// L217; negative: a long list, under the quota.
    policy_size_over_quota: "policy-size-over-quota",
    /// L218; negative: `Principal` in a trust policy.
    principal_element_not_allowed: "principal-element-not-allowed",
    /// L219; negative: a principal in every statement.
    missing_principal: "missing-principal",
    /// L220; negative: `Resource` present.
    missing_resource: "missing-resource",
    /// L301; negative: `iam:PassRole` on named roles, for one service.
    pass_role_on_any_resource: "pass-role-on-any-resource",
    /// L302; negative: an Allow to a named role.
    allow_with_not_principal: "allow-with-not-principal",
    /// L303; negative: a Deny to `*` with `ArnNotEquals aws:PrincipalArn`.
    deny_with_not_principal: "deny-with-not-principal",
    /// L304; negative: `ForAllValues:` on a multivalued key.
    for_all_values_on_single_valued_key: "for-all-values-on-single-valued-key",
    /// L305; negative: `ForAllValues:` on `aws:TagKeys`.
    missing_set_qualifier_on_multivalued_key: "missing-set-qualifier-on-multivalued-key",
    /// L306; negative: a `sub` naming the repository and branch.
    github_oidc_trust_without_subject: "github-oidc-trust-without-subject",
    /// L307; negative: an `aud` condition.
    oidc_trust_without_audience: "oidc-trust-without-audience",
    /// L308; negative: `aws:SourceArn` on the service principal.
    service_principal_without_source_condition: "service-principal-without-source-condition",
    /// L309; negative: a private API's Allow `*` limited by a VPC endpoint Deny (corpus).
    public_principal_without_condition: "public-principal-without-condition",
    /// L310; negative: `NotAction` in a Deny.
    allow_with_not_action: "allow-with-not-action",
    /// L311; negative: limited by `iam:AWSServiceName`.
    service_linked_role_creation_on_any_resource: "service-linked-role-creation-on-any-resource",
    /// L312; negative: `Null` without a qualifier.
    null_with_set_qualifier: "null-with-set-qualifier",
    /// L313; negative: `sts:AssumeRole` on one named role (after a corpus template).
    privilege_escalation_path: "privilege-escalation-path",
    /// L401; negative: `Version` present.
    missing_version: "missing-version",
    /// L402; negative: `2012-10-17`.
    outdated_version: "outdated-version",
    /// L403; negative: `data-*` under `StringLike`.
    wildcard_without_like_operator: "wildcard-without-like-operator",
    /// L404; negative: one-element lists.
    empty_array: "empty-array",
    /// L405; negative: patterns that do not overlap.
    redundant_action: "redundant-action",
    /// L406; negative: `reports/*` beside `reports2025/...`.
    redundant_resource: "redundant-resource",
    /// L407; negative: two statements differing in their action.
    duplicate_statement: "duplicate-statement",
    /// L408; negative: `dynamodb:Get*`, not `dynamodb:*`.
    service_wide_action_wildcard: "service-wide-action-wildcard",
    /// L409; negative: `*` in a conditional Deny.
    every_action_allowed: "every-action-allowed",
    /// L410; negative: `iam:AttachRolePolicy` on named roles, one policy.
    permissions_management_action_on_any_resource: "permissions-management-action-on-any-resource",
    /// L411; negative: `secretsmanager:GetSecretValue` on one secret.
    data_exfiltration_action_on_any_resource: "data-exfiltration-action-on-any-resource",
    /// L412; negative: `iam:CreateAccessKey` on the caller's own user.
    credentials_exposure_action: "credentials-exposure-action",
    /// L413; negative: blocks without host bits.
    ip_range_with_host_bits: "ip-range-with-host-bits",
    /// L414; negative: disjoint blocks that do not merge.
    overlapping_ip_ranges: "overlapping-ip-ranges",
    /// L415; negative: a Sid.
    empty_sid: "empty-sid",
    /// L416; negative: one value.
    redundant_numeric_condition_value: "redundant-numeric-condition-value",
    /// L501; negative: a role per function.
    execution_role_shared_by_functions: "execution-role-shared-by-functions",
    /// L502; negative: a role Lambda assumes.
    role_for_service_that_never_assumes_roles: "role-for-service-that-never-assumes-roles",
    /// L503; negative: a function's execution role.
    role_attached_to_nothing: "role-attached-to-nothing",
    /// L504; negative: API Gateway's role invoking one function.
    api_gateway_role_invoking_every_function: "api-gateway-role-invoking-every-function",
    /// L505; negative: a `SourceArn` naming the route (corpus).
    lambda_permission_source_arn_too_broad: "lambda-permission-source-arn-too-broad",
    /// L506; negative: an explicit role with scoped inline statements.
    broad_managed_policy_on_function_role: "broad-managed-policy-on-function-role",
    /// L507; negative: a bucket policy denying requests without TLS.
    bucket_without_tls_deny: "bucket-without-tls-deny",
    /// L508; negative: an API function with `GetItem` and `Query` only.
    table_scan_for_api_function: "table-scan-for-api-function",
    /// L509; negative: `iam:PassRole` limited to CodeBuild beside function management.
    privilege_escalation_path_across_policies: "privilege-escalation-path-across-policies",
    /// L510; negative: the SQS consumer with a role of its own (corpus).
    sam_event_source_policy_on_every_queue: "sam-event-source-policy-on-every-queue",
    /// L512; negative: the function is named only at run time (`.$`).
    state_machine_role_beyond_definition: "state-machine-role-beyond-definition",
    /// L513; negative: the second integration's stream is named by the request.
    api_integration_role_beyond_integrations: "api-integration-role-beyond-integrations",
    /// L515; negative: the rule's role writes only the bucket's objects
    /// (as `leash design` narrows ../shared/corpus/sam-templates/iot-s3.yaml).
    delivery_role_beyond_configuration: "delivery-role-beyond-configuration",
    /// L514; negative: the schedule's role invokes its own function only.
    eventbridge_role_beyond_definition: "eventbridge-role-beyond-definition",
    /// L600 (an account dump); negative: the dump holds the customer managed policy.
    /// L511; the handler in `fixtures/code/orders/`; negative: a role that
    /// writes the table, and a table from the event while the role allows
    /// the actions on one table (an unknown resource is never claimed
    /// denied while the role allows the action somewhere).
    code_call_denied_by_role: "code-call-denied-by-role",
    dump_entry_not_read: "dump-entry-not-read",
    /// L601; negative: `AdministratorAccess` under an S3 read-only boundary.
    admin_equivalent_principal: "admin-equivalent-principal",
    /// L602; negative: the same role without `iam:PassRole`.
    privilege_escalation_path_of_principal: "privilege-escalation-path-of-principal",
    /// L603; negative: `*` limited by `aws:PrincipalOrgID`.
    role_trusting_every_principal: "role-trusting-every-principal",
    /// L604; negative: the dump's own account.
    role_trusting_unlisted_account: "role-trusting-unlisted-account",
    /// L605; negative: `aws:SourceAccount` on the Step Functions trust.
    service_trust_without_source_condition: "service-trust-without-source-condition",
    /// L606; negative: last used 59 days before the dump's newest date.
    unused_role: "unused-role",
}

#[test]
fn every_rule_has_a_fixture_test() {
    // L008 is raised only by a bug in leash, which no fixture can hold; the
    // unit test `a_panic_while_linting_is_an_internal_error_on_that_file`
    // (crates/leash-cli/src/check.rs) triggers it.
    let mut rules: Vec<&str> = leash_lint::all_rules()
        .filter(|rule| rule.code != leash_lint::rules::internal_error::RULE.code)
        .map(|rule| rule.name)
        .collect();
    rules.sort_unstable();
    let mut tested = TESTED.to_vec();
    tested.sort_unstable();
    assert_eq!(
        rules, tested,
        "add each new rule to `rule_fixture_tests!`, with a fixture and a negative fixture"
    );
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
