//! ## What it finds
//! A function behind an API (a SAM `Api` or `HttpApi` event) that may call
//! `dynamodb:Scan`, directly or through a SAM policy template such as
//! `DynamoDBCrudPolicy` or `DynamoDBReadPolicy`.
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

use super::{TemplateInput, allow_pattern_for, parsed};
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
            let Some(policy) = parsed(&embedded.document) else {
                continue;
            };
            if let Some((_, span)) = allow_pattern_for(&policy, "dynamodb:Scan") {
                out.push(
                    Diagnostic::new(&RULE, format!("function `{id}` serves an API and may scan DynamoDB tables"), span)
                        .with_label("`dynamodb:Scan` for an API function")
                        .with_help("grant `dynamodb:GetItem`, or `dynamodb:Query` on the index it queries, instead"),
                );
                break;
            }
        }
    }
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
