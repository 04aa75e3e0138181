//! Rules over a whole CloudFormation/SAM template: how roles, functions,
//! APIs, buckets and permissions fit together. Policy rules see one policy
//! at a time; these see the template's model (`leash-iac`), so they can
//! tell that one role serves several functions or that a role is attached
//! to nothing.
//!
//! A template rule is one file under `template_rules/`, documented like a
//! policy rule, with a [`Rule`] for its metadata (its `check` is `None`:
//! it runs from [`TEMPLATE_RULES`], not on single policies).

use crate::{Diagnostic, Rule};
use leash_iac::{EmbeddedPolicy, ManagedPolicyReference, Template};
use leash_policy::{Value, ValueKind};

pub mod api_gateway_role_invoking_every_function;
pub mod api_integration_role_beyond_integrations;
pub mod broad_managed_policy_on_function_role;
pub mod bucket_without_tls_deny;
pub mod code_call_denied_by_role;
pub mod delivery_role_beyond_configuration;
pub mod eventbridge_role_beyond_definition;
pub mod execution_role_shared_by_functions;
pub mod lambda_permission_source_arn_too_broad;
pub mod privilege_escalation_path_across_policies;
pub mod role_attached_to_nothing;
pub mod role_for_service_that_never_assumes_roles;
pub mod sam_event_source_policy_on_every_queue;
pub mod state_machine_role_beyond_definition;
pub mod table_scan_for_api_function;

/// What a template rule sees.
pub struct TemplateInput<'a> {
    pub template: &'a Template,
    /// Every policy in the template, intrinsics resolved.
    pub policies: &'a [EmbeddedPolicy],
    /// Managed policies and boundaries attached by ARN or name.
    pub managed_policies: &'a [ManagedPolicyReference],
}

pub type TemplateCheckFn = fn(&TemplateInput<'_>, &mut Vec<Diagnostic>);

/// Template rules decided outside leash-lint, after it: L511 needs the
/// handler code (`leash-code`) and the role as `leash design` reads it,
/// so `leash check` runs it on each template.
pub static CODE_RULES: &[&Rule] = &[&code_call_denied_by_role::RULE];

/// Every template rule with its check, in code order.
pub static TEMPLATE_RULES: &[(&Rule, TemplateCheckFn)] = &[
    (
        &execution_role_shared_by_functions::RULE,
        execution_role_shared_by_functions::check,
    ),
    (
        &role_for_service_that_never_assumes_roles::RULE,
        role_for_service_that_never_assumes_roles::check,
    ),
    (
        &role_attached_to_nothing::RULE,
        role_attached_to_nothing::check,
    ),
    (
        &api_gateway_role_invoking_every_function::RULE,
        api_gateway_role_invoking_every_function::check,
    ),
    (
        &lambda_permission_source_arn_too_broad::RULE,
        lambda_permission_source_arn_too_broad::check,
    ),
    (
        &broad_managed_policy_on_function_role::RULE,
        broad_managed_policy_on_function_role::check,
    ),
    (
        &bucket_without_tls_deny::RULE,
        bucket_without_tls_deny::check,
    ),
    (
        &table_scan_for_api_function::RULE,
        table_scan_for_api_function::check,
    ),
    (
        &privilege_escalation_path_across_policies::RULE,
        privilege_escalation_path_across_policies::check,
    ),
    (
        &sam_event_source_policy_on_every_queue::RULE,
        sam_event_source_policy_on_every_queue::check,
    ),
    (
        &state_machine_role_beyond_definition::RULE,
        state_machine_role_beyond_definition::check,
    ),
    (
        &api_integration_role_beyond_integrations::RULE,
        api_integration_role_beyond_integrations::check,
    ),
    (
        &delivery_role_beyond_configuration::RULE,
        delivery_role_beyond_configuration::check,
    ),
    (
        &eventbridge_role_beyond_definition::RULE,
        eventbridge_role_beyond_definition::check,
    ),
];

/// What a template rule sees of a Terraform plan.
pub struct TerraformInput<'a> {
    /// Every policy of the plan, spans into the plan file.
    pub extraction: &'a leash_iac::TerraformExtraction,
    /// How the plan's roles, functions, attachments and buckets fit together.
    pub model: &'a leash_iac::TerraformModel,
}

pub type TerraformCheckFn = fn(&TerraformInput<'_>, &mut Vec<Diagnostic>);

/// The template rules that also judge Terraform plans, with their plan
/// check, in code order. `docs/rules.md` says which these are.
pub static TERRAFORM_RULES: &[(&Rule, TerraformCheckFn)] = &[
    (
        &execution_role_shared_by_functions::RULE,
        execution_role_shared_by_functions::check_terraform,
    ),
    (
        &role_for_service_that_never_assumes_roles::RULE,
        role_for_service_that_never_assumes_roles::check_terraform,
    ),
    (
        &role_attached_to_nothing::RULE,
        role_attached_to_nothing::check_terraform,
    ),
    (
        &api_gateway_role_invoking_every_function::RULE,
        api_gateway_role_invoking_every_function::check_terraform,
    ),
    (
        &lambda_permission_source_arn_too_broad::RULE,
        lambda_permission_source_arn_too_broad::check_terraform,
    ),
    (
        &broad_managed_policy_on_function_role::RULE,
        broad_managed_policy_on_function_role::check_terraform,
    ),
    (
        &bucket_without_tls_deny::RULE,
        bucket_without_tls_deny::check_terraform,
    ),
    (
        &table_scan_for_api_function::RULE,
        table_scan_for_api_function::check_terraform,
    ),
    (
        &privilege_escalation_path_across_policies::RULE,
        privilege_escalation_path_across_policies::check_terraform,
    ),
];

/// Runs every template rule that judges Terraform plans.
pub fn check_terraform_plan(input: &TerraformInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, check) in TERRAFORM_RULES {
        check(input, &mut out);
    }
    out
}

/// The trust policy of a plan's role, parsed, when it was read.
pub(crate) fn terraform_trust_policy<'a>(
    input: &TerraformInput<'a>,
    role_address: &str,
) -> Option<&'a Value> {
    input
        .extraction
        .policies
        .iter()
        .find(|p| {
            p.kind == leash_iac::PolicyKind::Trust
                && p.resource_type == "aws_iam_role"
                && p.address == role_address
        })
        .map(|p| &p.document)
}

/// Runs every template rule.
pub fn check_template(input: &TemplateInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (_, check) in TEMPLATE_RULES {
        check(input, &mut out);
    }
    out
}

/// The resource types that run code with an execution role.
pub(crate) const FUNCTION_TYPES: &[&str] = &["AWS::Lambda::Function", "AWS::Serverless::Function"];

/// The logical id a value refers to: `{"Ref": X}`, `{"Fn::GetAtt": [X, ..]}`
/// or `"X.Arn"`, or `{"Fn::Sub": "${X.Arn}"}` that is only that reference.
pub(crate) fn referenced_logical_id(value: &Value) -> Option<&str> {
    let members = value.as_object()?;
    let [member] = members else {
        return None;
    };
    match (member.key.node.as_str(), &member.value.kind) {
        ("Ref", ValueKind::String(id)) => Some(id),
        ("Fn::GetAtt", ValueKind::Array(items)) => items.first()?.as_str(),
        ("Fn::GetAtt", ValueKind::String(text)) => text.split('.').next(),
        ("Fn::Sub", ValueKind::String(text)) => {
            let inner = text.strip_prefix("${")?.strip_suffix('}')?;
            let id = inner.split('.').next()?;
            (!id.contains(['$', '{', '}', ':'])).then_some(id)
        }
        _ => None,
    }
}

/// Every logical id referenced anywhere inside `value` (Ref, GetAtt, and
/// `${X}` / `${X.Attr}` in Sub strings).
pub(crate) fn references_in(value: &Value, out: &mut Vec<String>) {
    match &value.kind {
        ValueKind::Object(members) => {
            if let [member] = members.as_slice() {
                match (member.key.node.as_str(), &member.value.kind) {
                    ("Ref", ValueKind::String(id)) => out.push(id.clone()),
                    ("Fn::GetAtt", ValueKind::Array(items)) => {
                        if let Some(id) = items.first().and_then(Value::as_str) {
                            out.push(id.to_string());
                        }
                    }
                    ("Fn::GetAtt", ValueKind::String(text)) => {
                        out.extend(text.split('.').next().map(str::to_string));
                    }
                    ("Fn::Sub", ValueKind::String(text)) => sub_references(text, out),
                    ("Fn::Sub", ValueKind::Array(items)) => {
                        if let Some(text) = items.first().and_then(Value::as_str) {
                            sub_references(text, out);
                        }
                    }
                    _ => {}
                }
            }
            for member in members {
                references_in(&member.value, out);
            }
        }
        ValueKind::Array(items) => {
            for item in items {
                references_in(item, out);
            }
        }
        _ => {}
    }
}

fn sub_references(text: &str, out: &mut Vec<String>) {
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let inner = &after[..end];
        // `${!Literal}` is an escape; `${AWS::Region}` a pseudo parameter.
        if !inner.starts_with('!') && !inner.contains("::") {
            out.push(inner.split('.').next().unwrap_or(inner).to_string());
        }
        rest = &after[end..];
    }
}

/// The functions whose `Role` property names the role `role_id`.
pub(crate) fn functions_using_role<'a>(
    template: &'a Template,
    role_id: &str,
) -> Vec<&'a leash_iac::Resource> {
    template
        .resources
        .iter()
        .filter(|r| FUNCTION_TYPES.contains(&r.resource_type.node.as_str()))
        .filter(|r| {
            r.properties
                .get("Role")
                .and_then(referenced_logical_id)
                .is_some_and(|id| id == role_id)
        })
        .collect()
}

/// The service principals a role's trust policy names (`lambda.amazonaws.com`).
pub(crate) fn trusted_services(role: &leash_iac::Resource) -> Vec<String> {
    match role.properties.get("AssumeRolePolicyDocument") {
        Some(document) => trusted_services_in(document),
        None => Vec::new(),
    }
}

/// The service principals the `Allow` statements of a trust policy
/// document name.
pub(crate) fn trusted_services_in(document: &Value) -> Vec<String> {
    let mut services = Vec::new();
    let Some(statements) = document.get("Statement") else {
        return services;
    };
    let statements: Vec<&Value> = match &statements.kind {
        ValueKind::Array(items) => items.iter().collect(),
        _ => vec![statements],
    };
    for statement in statements {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let Some(service) = statement.get("Principal").and_then(|p| p.get("Service")) else {
            continue;
        };
        match &service.kind {
            ValueKind::String(s) => services.push(s.clone()),
            ValueKind::Array(items) => {
                services.extend(items.iter().filter_map(Value::as_str).map(str::to_string))
            }
            _ => {}
        }
    }
    services
}

/// The first `Allow` statement pattern of a policy document that matches
/// `action` (case-insensitive, with `*`/`?`), with the resource patterns
/// of its statement. `NotAction` statements count when they do not exclude
/// the action.
pub(crate) fn allow_pattern_for<'p>(
    policy: &'p leash_policy::Policy,
    action: &str,
) -> Option<(&'p leash_policy::Statement, leash_policy::Span)> {
    use leash_policy::matching::ActionPattern;
    policy.statements.iter().find_map(|statement| {
        if statement.effect.node != leash_policy::Effect::Allow {
            return None;
        }
        let clause = &statement.action.node;
        let matched = clause
            .patterns
            .iter()
            .find(|p| ActionPattern::new(&p.node).is_match(action));
        match (clause.negated, matched) {
            (false, Some(pattern)) => Some((statement, pattern.span)),
            (true, None) => Some((statement, statement.action.span)),
            _ => None,
        }
    })
}

/// Parses an extracted policy document (already resolved).
pub(crate) fn parsed(document: &Value) -> Option<leash_policy::Policy> {
    leash_policy::parse::parse_policy(document).policy
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sub_strings_name_their_references() {
        let mut out = Vec::new();
        sub_references(
            "arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}/${Table.Arn}",
            &mut out,
        );
        assert_eq!(out, ["Bucket", "Table"]);
    }
}
