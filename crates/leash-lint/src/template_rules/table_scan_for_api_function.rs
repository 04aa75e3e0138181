//! ## What it finds
//! A function behind an API (a SAM `Api` or `HttpApi` event) that may call
//! `dynamodb:Scan`, directly or through a SAM policy template such as
//! `DynamoDBCrudPolicy` or `DynamoDBReadPolicy`.
//!
//! In a Terraform plan: an `aws_lambda_function` that API Gateway invokes
//! (an `aws_lambda_permission` for `apigateway.amazonaws.com`, or an
//! `aws_api_gateway_integration` / `aws_apigatewayv2_integration` whose
//! URI is the function) with a policy of the plan on its role allowing
//! `dynamodb:Scan`.
//!
//! ## Why it matters
//! An API function reads items by key (`GetItem`) or by index (`Query`). A
//! `Scan` reads the whole table: granted to an API function it lets one
//! request, or one bug, read every customer's orders, and it is the most
//! expensive call DynamoDB has. The roadmap this project started from
//! grants it to every function.
//!
//! ## Example
//! ```yaml
//! GetOrder:
//!   Type: AWS::Serverless::Function
//!   Properties:
//!     Policies: [{DynamoDBCrudPolicy: {TableName: !Ref Orders}}]
//!     Events: {Get: {Type: Api, Properties: {Path: /orders/{id}, Method: get}}}
//! ```
//!
//! ## Fix
//! Grant `dynamodb:GetItem` (and `dynamodb:Query` on the index the function
//! queries) on the table's ARN instead.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-query-scan.html>

use super::{TemplateInput, TerraformInput, allow_pattern_for, parsed};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;

pub static RULE: Rule = Rule {
    code: "L508",
    name: "table-scan-for-api-function",
    severity: Severity::Warning,
    summary: "a function behind an API may scan DynamoDB tables",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for function in &input.template.resources {
        if function.resource_type.node != "AWS::Serverless::Function"
            || !has_api_event(&function.properties)
        {
            continue;
        }
        let id = &function.logical_id.node;
        for embedded in input
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Identity && p.attached_functions.contains(id))
        {
            if let Some(span) = scan_in(&embedded.document) {
                out.push(finding(id, span));
                break;
            }
        }
    }
}

/// The same on a Terraform plan: an `aws_lambda_function` that API Gateway
/// invokes (an `aws_lambda_permission` for `apigateway.amazonaws.com`, or
/// an API Gateway integration whose URI is the function) and whose role,
/// linked as for `execution-role-shared-by-functions`, has an identity
/// policy of the plan allowing `dynamodb:Scan`.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for function in input.model.functions.iter().filter(|f| f.serves_api) {
        let leash_iac::TerraformRoleLink::Role(role) = &function.role else {
            continue;
        };
        for policy in input
            .extraction
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Identity && p.attached_roles.contains(role))
        {
            if let Some(span) = scan_in(&policy.document) {
                let mut diagnostic = finding(&function.address, span);
                diagnostic.resource = Some(policy.address.clone());
                out.push(diagnostic);
                break;
            }
        }
    }
}

/// Where a policy allows `dynamodb:Scan`.
fn scan_in(document: &leash_policy::Value) -> Option<leash_policy::Span> {
    let policy = parsed(document)?;
    allow_pattern_for(&policy, "dynamodb:Scan").map(|(_, span)| span)
}

fn finding(function: &str, span: leash_policy::Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("function `{function}` serves an API and may scan DynamoDB tables"),
        span,
    )
    .with_label("`dynamodb:Scan` for an API function")
    .with_help("grant `dynamodb:GetItem`, or `dynamodb:Query` on the index it queries, instead")
}

fn has_api_event(properties: &leash_policy::Value) -> bool {
    properties
        .get("Events")
        .and_then(|events| events.as_object())
        .is_some_and(|events| {
            events.iter().any(|event| {
                matches!(
                    event.value.get("Type").and_then(|t| t.as_str()),
                    Some("Api" | "HttpApi")
                )
            })
        })
}
