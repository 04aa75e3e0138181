//! ## What it finds
//! An IAM role that nothing in the template uses: no function, state
//! machine, API integration, event source or output refers to it.
//!
//! ## Why it matters
//! A role nobody assumes is dead weight that still grants its permissions
//! to whoever can assume it later. It is often a sign of the "role for
//! DynamoDB" / "role for S3" misunderstanding: the roadmap this project
//! started from creates such roles, trusted by Lambda but attached to no
//! function, while the functions run with another role.
//!
//! ## Example
//! ```yaml
//! S3AccessRole:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
//! ```
//!
//! A template that includes other files (`Fn::Transform`, such as
//! `AWS::Include` of an OpenAPI definition) is not judged: the role may be
//! used from the included text.
//!
//! In a Terraform plan the rule is narrower, because a plan does not show
//! what other states, pipelines or accounts use: it reports a role that
//! only Lambda may assume, in a plan that creates functions whose roles are
//! all known, when no resource, output, module call or provider of the plan
//! refers to it (by reference, name or ARN) other than its own policies and
//! attachments.
//!
//! ## Fix
//! Delete the role and grant what it holds to the execution roles of the
//! functions that need it; or attach it where it was meant to be used.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#remove-credentials>

use super::{
    TemplateInput, TerraformInput, references_in, terraform_trust_policy, trusted_services_in,
};
use crate::{Diagnostic, Rule, Severity};
use leash_policy::{Value, ValueKind};

pub static RULE: Rule = Rule {
    code: "L503",
    name: "role-attached-to-nothing",
    severity: Severity::Warning,
    summary: "an IAM role is not used by any resource or output of the template",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let template = input.template;
    // A template that pulls in other files (`Fn::Transform` with
    // `AWS::Include`, typically an OpenAPI definition) may use a role from
    // text leash does not see: say nothing rather than guess.
    if has_transform(&template.root) {
        return;
    }
    let mut referenced = Vec::new();
    for resource in &template.resources {
        let mut found = Vec::new();
        references_in(&resource.properties, &mut found);
        // A role's own policies may name it (`!Ref` in a policy's Roles
        // list is what attaches a policy, not a use of the role).
        found.retain(|id| {
            id != &resource.logical_id.node || resource.resource_type.node != "AWS::IAM::Role"
        });
        if matches!(
            resource.resource_type.node.as_str(),
            "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
        ) {
            continue;
        }
        referenced.extend(found);
    }
    if let Some(outputs) = template.root.get("Outputs") {
        references_in(outputs, &mut referenced);
    }
    for role in &template.resources {
        if role.resource_type.node != "AWS::IAM::Role" || referenced.contains(&role.logical_id.node)
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                format!("role `{}` is not used by any resource or output of the template", role.logical_id.node),
                role.logical_id.span,
            )
            .with_label("attached to nothing")
            .with_help("delete it and grant what it holds to the execution role of each function that needs it"),
        );
    }
}

/// The same on a Terraform plan, narrowed to what a plan can tell: an
/// `aws_iam_role` that only Lambda may assume (its trust policy names
/// `lambda.amazonaws.com`, and `edgelambda.amazonaws.com` at most, as its
/// only principals) in a plan that creates functions, when every function's
/// role is known (so the role is not one of them through a variable or a
/// local) and nothing else in the plan refers to the role: no resource,
/// output, module call or provider by reference, no planned value by its
/// name or ARN. Its own policies and attachments do not count. A role
/// trusted by other principals (an account, a CI system through OIDC, a
/// service whose resource lives in another state) may be assumed from
/// outside the plan and is not judged.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    let functions = &input.model.functions;
    if functions.is_empty()
        || functions
            .iter()
            .any(|f| f.role == leash_iac::TerraformRoleLink::Unknown)
    {
        return;
    }
    for role in &input.model.roles {
        if !role.referenced_by.is_empty()
            || functions.iter().any(
                |f| matches!(&f.role, leash_iac::TerraformRoleLink::Role(r) if *r == role.address),
            )
        {
            continue;
        }
        let Some(trust) = terraform_trust_policy(input, &role.address) else {
            continue;
        };
        if !trusts_only_lambda(trust) {
            continue;
        }
        let mut diagnostic = Diagnostic::new(
            &RULE,
            format!(
                "role `{}` is trusted by Lambda but no function, resource or output of the plan uses it",
                role.address
            ),
            role.span,
        )
        .with_label("attached to nothing")
        .with_help("delete it and grant what it holds to the execution role of each function that needs it");
        diagnostic.resource = Some(role.address.clone());
        out.push(diagnostic);
    }
}

/// Whether every `Allow` statement of a trust policy names only service
/// principals, all of them Lambda's, and at least one does.
fn trusts_only_lambda(trust: &Value) -> bool {
    let statements: Vec<&Value> = match trust.get("Statement").map(|s| &s.kind) {
        Some(ValueKind::Array(items)) => items.iter().collect(),
        Some(_) => trust.get("Statement").into_iter().collect(),
        None => return false,
    };
    let mut any = false;
    for statement in statements {
        if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let only_services = statement
            .get("Principal")
            .and_then(Value::as_object)
            .is_some_and(|members| {
                !members.is_empty() && members.iter().all(|m| m.key.node == "Service")
            });
        if !only_services || statement.get("NotPrincipal").is_some() {
            return false;
        }
        any = true;
    }
    let services = trusted_services_in(trust);
    any && services.iter().any(|s| s == "lambda.amazonaws.com")
        && services
            .iter()
            .all(|s| s == "lambda.amazonaws.com" || s == "edgelambda.amazonaws.com")
}

/// Whether `Fn::Transform` appears anywhere in the document.
fn has_transform(value: &leash_policy::Value) -> bool {
    match &value.kind {
        leash_policy::ValueKind::Object(members) => members
            .iter()
            .any(|m| m.key.node == "Fn::Transform" || has_transform(&m.value)),
        leash_policy::ValueKind::Array(items) => items.iter().any(has_transform),
        _ => false,
    }
}
