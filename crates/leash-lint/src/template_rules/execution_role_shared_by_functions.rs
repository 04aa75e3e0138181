//! ## What it finds
//! One IAM role used as the execution role of two or more Lambda
//! functions.
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

use super::{TemplateInput, functions_using_role};
use crate::{Diagnostic, Rule, Severity};

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
        let names: Vec<String> = functions
            .iter()
            .map(|f| format!("`{}`", f.logical_id.node))
            .collect();
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "role `{}` is the execution role of {} functions: {}",
                    role.logical_id.node,
                    functions.len(),
                    names.join(", ")
                ),
                role.logical_id.span,
            )
            .with_label("shared execution role")
            .with_help("give each function its own role with only what it needs (`leash design` writes them)"),
        );
    }
}
