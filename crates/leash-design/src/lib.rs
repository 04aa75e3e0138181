//! The role designer behind `leash design`: reads a SAM/CloudFormation
//! template (or a leash manifest) into an application model (functions, their events, the
//! resources they use, and their needs), designs one least-privilege role
//! per function from a curated access-level table, and verifies each
//! design with leash's authorization engine and linter.
//!
//! Not for: writing files or command-line parsing (`leash-cli`), linting
//! arbitrary policies (`leash-lint`).
//!
//! # Public API
//!
//! ```text
//! model::read_application(template: &Template, target: &Target) -> Result<Application, ModelError>
//! manifest::read_manifest(text: &str, target: &Target) -> Result<Application, ModelError>
//! manifest::is_manifest_text(text: &str) -> bool
//! design::design(app: &Application) -> Result<Vec<RoleDesign>, DesignError>
//! design::design_consumers(app: &Application) -> Result<Vec<RoleDesign>, DesignError>
//! perimeter::design_resource_policies(app: &Application, roles: &[RoleDesign]) -> Result<Vec<ResourcePolicyDesign>, DesignError>
//! report::render_report(app: &Application, roles: &[RoleDesign]) -> String
//! report::render_report_with(app, roles, context: &ReportContext) -> String
//! report::role_document(role: &RoleDesign) -> String
//! report::render_resource_policies(policies: &[ResourcePolicyDesign]) -> String
//! cloudformation::designed_template(template: &Template, app, roles, resource_policies: &[ResourcePolicyDesign]) -> Result<DesignedTemplate, CloudFormationError>
//! changes::compare_with_original(app, roles, originals: &[OriginalIam], lookup, Detail) -> Vec<FunctionChanges> (FunctionChanges::counts: kept / narrowed / superseded / kept as is / added)
//! Function { .., kept_as_is: Vec<KeptAsIs { origin, reason: KeptReason, item: KeptItem }>, superseded_kept } (the first law: what leash cannot model stays as is)
//! terraform::terraform_design(template: &Template, app, roles, resource_policies: &[ResourcePolicyDesign]) -> Result<TerraformDesign, WriteError>
//! RoleDesign { trust_policy, permissions_policy: DesignedPolicy, .. }, ResourcePolicyDesign { policy: DesignedPolicy, .. }
//! DesignedPolicy::{policy() -> &Policy, text() -> &str, node() -> Node, json()} (a policy as a value: printed once, never read back)
//! errors (thiserror): ModelError (Invalid { message, span } and the target's), DesignError, WriteError (both writers)
//! access::ACCESS_TABLE, access::entries(kind, access)
//! model::SAM_TEMPLATE_ACCESS, model::connector_access(kind, read, write) -> Result<Vec<Access>, String>
//! Function { routes, invokers: Vec<EventInvoker>, needs, superseded: Vec<Need>, to_confirm, ignored, role: Option<ExecutionRole> }
//! ExecutionRole { role, in_template, shared_with: Vec<String>, managed_policies: Vec<String>, generated_by_sam }
//! NeedSource::trust(&self) -> Trust (Declared > Code > SamPolicyTemplate (and connectors) > ExistingStatement; EventSource)
//! AppResource { .., encryption_key: Option<EncryptionKey { resource, key }> }
//! code::narrow_with_code(template, app: &mut Application, needs: &[leash_code::FunctionNeeds]) -> Vec<CodeNarrowing> (needs from the handler code, Trust::Code)
//! code::denied_calls_of(template, template_path, app) -> Vec<DeniedCall> (`leash check` L511)
//! original::original_iam(template: &Template, app: &Application, function: &str) -> OriginalIam
//! original::original_iam_all(template: &Template, app: &Application) -> Vec<OriginalIam>
//! OriginalIam { function, policies: Vec<OriginalPolicy { origin, policy }>, managed, boundaries, unresolved }
//! OriginalIam::combined(&self, lookup: &dyn Fn(&str) -> Option<Policy>) -> CombinedIam { policy, boundaries, missing }
//! original::managed_policy_name(arn: &str) -> &str, original::is_aws_managed(arn: &str) -> bool
//! ```
//!
//! See docs/design.md for what is designed and what is not yet.

pub mod access;
pub mod changes;
pub mod cloudformation;
pub mod code;
pub mod concrete;
pub mod design;
pub mod json_tree;
pub mod manifest;
pub mod model;
pub mod options;
pub mod original;
mod pattern_proofs;
pub mod perimeter;
pub mod report;
mod roles_out;
mod sub_text;
pub mod terraform;
pub mod write_error;

pub use leash_iac::Template;

/// Reads a template as a design does: with the resources AWS SAM
/// generates for an `AWS::Serverless::GraphQLApi` that bear on roles (its
/// data sources and their roles, its logging role,
/// `leash_iac::sam_graphql::expand`), so that they are principals like
/// the template's own. The document as written (`root`) is unchanged.
pub fn read_template(text: &str) -> Result<Template, leash_iac::TemplateError> {
    leash_iac::read_template(text).map(leash_iac::sam_graphql::expand)
}

pub use design::{
    Check, CheckKind, DesignError, DesignedPolicy, LambdaPermission, Permission, RoleDesign,
    design, design_consumers,
};
pub use manifest::{is_manifest_text, read_manifest};
pub use model::{Access, Application, ModelError, Need, Target, read_application};
pub use original::{CombinedIam, OriginalIam, OriginalPolicy, original_iam, original_iam_all};
pub use perimeter::{ResourcePolicyDesign, design_resource_policies};
pub use write_error::WriteError;
