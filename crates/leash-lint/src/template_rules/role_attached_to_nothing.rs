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
//! ## Fix
//! Delete the role and grant what it holds to the execution roles of the
//! functions that need it; or attach it where it was meant to be used.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#remove-credentials>

use super::{TemplateInput, references_in};
use crate::{Diagnostic, Rule, Severity};

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
