//! leash's rules: what is wrong with a policy, where, and how to fix it.
//!
//! A rule is one file under `rules/`: a module doc comment (what it finds,
//! why it matters, an example, the fix, the AWS reference), a [`Rule`]
//! constant with its stable code, and its check function. [`RULES`] lists
//! them all; `docs/rules.md` is generated from the doc comments and the
//! table (`cargo test -p leash-lint` fails when it is stale; run it with
//! `UPDATE_RULES_DOC=1` to rewrite it).
//!
//! Not for: printing findings (the CLI renders [`Diagnostic`]s as text,
//! JSON, SARIF or GitHub annotations) or reading files.

pub mod audit;
pub mod audit_rules;
pub mod diagnostic;
pub mod document;
pub mod lint;
pub mod registry;
pub mod rules;
mod sam_expansion;
pub mod template_rules;

pub use diagnostic::{
    Applicability, Diagnostic, Edit, Fix, RelatedLocation, Severity, Suppression, SuppressionKind,
};
pub use document::{DocumentKind, LintedFile, lint_file};
pub use lint::{
    is_role_document_value, is_template_value, is_terraform_configuration_value,
    is_terraform_plan_value, lint_policy_bytes, lint_policy_bytes_as, lint_policy_file,
    lint_policy_file_as, lint_policy_value, lint_policy_value_with_symbols, lint_role_document,
    lint_template_json, lint_template_text, lint_template_value, lint_terraform_configuration,
    lint_terraform_plan, lint_terraform_plan_text,
};
pub use registry::{PolicyInput, PolicyKind, RULES, Rule, all_rules, check_policy, rule_by_code};
