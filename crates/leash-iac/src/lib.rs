//! Reads CloudFormation and SAM templates (JSON, or YAML with short-form
//! tags) into leash's spanned document tree and extracts every IAM policy
//! in them, with spans pointing into the template text, so the linter, the
//! engine and the role designer can work on them.
//!
//! Not for: rules (`leash-lint`), printing, or deploying anything.
//!
//! # Public API (stable; `leash check` and `leash design` call it)
//!
//! ```text
//! read_template(text: &str) -> Result<Template, TemplateError>
//! extract_policies(template: &Template) -> Vec<EmbeddedPolicy>
//! extract_policies_with(template: &Template, context: &ResolveContext) -> Vec<EmbeddedPolicy>
//! extract_managed_policy_references(template: &Template) -> Vec<ManagedPolicyReference>
//! extract_managed_policy_references_with(template: &Template, context: &ResolveContext) -> Vec<ManagedPolicyReference>
//! extract_all_with(template: &Template, context: &ResolveContext) -> (Vec<EmbeddedPolicy>, Vec<ManagedPolicyReference>)
//! resolve(value: &Value, template: &Template) -> Value
//! resolve_with(value: &Value, template: &Template, context: &ResolveContext) -> Resolution
//! parse_yaml(text: &str) -> Result<Value, TemplateError>
//! extract_terraform_plan(text: &str, plan: &Value) -> TerraformExtraction
//! terraform_plan_model(plan: &Value) -> TerraformModel
//! sam_policy_templates::template_names() -> Vec<&'static str>
//! sam_policy_templates::policy_template(name: &str) -> Option<&'static PolicyTemplate>
//! sam_policy_templates::DATA_VERSION: &str
//! ```
//!
//! Every `Span` is a byte range into the text given to `read_template`
//! (compute line and column with `leash_policy::LineIndex`). A policy that
//! leash synthesizes (SAM's generated execution role trust policy, the
//! statement equivalent to an `AWS::Lambda::Permission`, an expanded SAM
//! policy template) carries spans of the template text that caused it.
//!
//! Typical use (what `leash check` does with a template):
//!
//! ```
//! let text = "Resources:\n  P:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - {Effect: Allow, Action: s3:GetObject, Resource: '*'}\n";
//! let template = leash_iac::read_template(text).expect("a template");
//! for policy in leash_iac::extract_policies(&template) {
//!     let parsed = leash_policy::parse::parse_policy(&policy.document);
//!     assert!(!parsed.has_errors());
//!     let action = &policy.document.get("Statement").and_then(|s| s.as_array()).expect("statements")[0];
//!     let span = action.get("Action").expect("an action").span;
//!     assert_eq!(&text[span.start..span.end], "s3:GetObject");
//! }
//! ```
//!
//! Modules: `yaml` (YAML reader), `template` (the model, Globals),
//! `resolve` (intrinsic functions), `extract` (policies),
//! `sam_policy_templates` (SAM's policy template data, embedded).

pub mod api_integration;
pub mod delivery;
pub mod eventbridge;
pub mod extract;
pub mod policy_string;
pub mod resolve;
pub mod sam_connector_profiles;
pub mod sam_graphql;
pub mod sam_implicit_policies;
pub mod sam_policy_templates;
pub mod state_machine;
pub mod template;
pub mod terraform;
pub mod terraform_model;
pub mod yaml;

pub use extract::{
    EmbeddedPolicy, ManagedPolicyReference, PolicyKind, PolicyOrigin, extract_all_with,
    extract_managed_policy_references, extract_managed_policy_references_with, extract_policies,
    extract_policies_with,
};
pub use resolve::{
    ParameterDefaults, ParameterValueError, Resolution, ResolveContext, Unknowns, UnnamedResources,
    UnresolvedIntrinsic, check_parameter_values, resolve, resolve_with,
};
pub use template::{
    NamedValue, Parameter, Resource, Symbols, Template, TemplateError, TemplateErrorKind,
    TemplateFormat, read_template,
};
pub use terraform::{
    InvalidTerraformPolicy, TerraformExtraction, TerraformPolicy, UnreadTerraformPolicy,
    extract_terraform_configuration, extract_terraform_plan, extract_terraform_policies,
    is_terraform_configuration, is_terraform_plan,
};
pub use terraform_model::{
    TerraformBucket, TerraformFunction, TerraformManagedPolicyAttachment, TerraformModel,
    TerraformRole, TerraformRoleLink, terraform_plan_model,
};
pub use yaml::parse_yaml;
