//! ## What it finds
//! One IAM role used as the execution role of two or more Lambda
//! functions.
//!
//! In a Terraform plan: two or more `aws_lambda_function`s whose `role` is
//! the same `aws_iam_role` of the plan, by ARN, by name, or by the
//! configuration's reference (`role = aws_iam_role.shared.arn`).
//!
//! ## Why it matters
//! Every function then holds the union of what all of them need: a bug or
//! an injected dependency in the function that only reads an order can
//! delete orders and overwrite receipts. The roadmap this project started
//! from attaches its `LambdaExecutionRole` to every function, against its
//! own advice on role distinction.
//!
//! ## Example
//! ```yaml
//! GetOrder:    {Type: AWS::Serverless::Function, Properties: {Role: !GetAtt LambdaExecutionRole.Arn}}
//! DeleteOrder: {Type: AWS::Serverless::Function, Properties: {Role: !GetAtt LambdaExecutionRole.Arn}}
//! ```
//!
//! ## Fix
//! One role per function, each with only that function's permissions
//! (`leash design` writes them).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html> and
//! <https://docs.aws.amazon.com/wellarchitected/latest/serverless-applications-lens/identity-and-access-management.html>

use super::{TemplateInput, TerraformInput, functions_using_role};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::TerraformRoleLink;

pub static RULE: Rule = Rule {
    code: "L501",
    name: "execution-role-shared-by-functions",
    severity: Severity::Warning,
    summary: "one IAM role is the execution role of several Lambda functions",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.template.resources {
        if role.resource_type.node != "AWS::IAM::Role" {
            continue;
        }
        let functions = functions_using_role(input.template, &role.logical_id.node);
        if functions.len() < 2 {
            continue;
        }
        let names: Vec<&str> = functions
            .iter()
            .map(|f| f.logical_id.node.as_str())
            .collect();
        out.push(finding(&role.logical_id.node, &names, role.logical_id.span));
    }
}

/// The same on a Terraform plan: `aws_lambda_function`s whose `role` is one
/// `aws_iam_role` of the plan (by ARN, by name, or by the configuration's
/// reference), reported at the role's address.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.model.roles {
        let names: Vec<&str> = input
            .model
            .functions
            .iter()
            .filter(|f| matches!(&f.role, TerraformRoleLink::Role(r) if *r == role.address))
            .map(|f| f.address.as_str())
            .collect();
        if names.len() < 2 {
            continue;
        }
        let mut diagnostic = finding(&role.address, &names, role.span);
        diagnostic.resource = Some(role.address.clone());
        out.push(diagnostic);
    }
}

fn finding(role: &str, functions: &[&str], span: leash_policy::Span) -> Diagnostic {
    let names: Vec<String> = functions.iter().map(|f| format!("`{f}`")).collect();
    Diagnostic::new(
        &RULE,
        format!(
            "role `{role}` is the execution role of {} functions: {}",
            functions.len(),
            names.join(", ")
        ),
        span,
    )
    .with_label("shared execution role")
    .with_help(
        "give each function its own role with only what it needs (`leash design` writes them)",
    )
}
