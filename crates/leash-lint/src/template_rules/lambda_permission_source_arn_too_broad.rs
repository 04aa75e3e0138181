//! ## What it finds
//! An `AWS::Lambda::Permission` for API Gateway whose `SourceArn` ends in
//! `/*/*` or `/*`: any stage, any method, any route of the API may invoke
//! the function.
//!
//! ## Why it matters
//! The permission should name the stage, method and route that integrate
//! with the function (`.../prod/GET/orders/{id}`), so that a route added
//! later, or a test stage, cannot call it. (A permission for a service
//! principal with no `SourceArn` or `SourceAccount` at all is the broader
//! problem `service-principal-without-source-condition` reports.)
//!
//! ## Example
//! ```yaml
//! GetOrderPermission:
//!   Type: AWS::Lambda::Permission
//!   Properties:
//!     Action: lambda:InvokeFunction
//!     FunctionName: !Ref GetOrder
//!     Principal: apigateway.amazonaws.com
//!     SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/*/*
//! ```
//!
//! ## Fix
//! `SourceArn: !Sub arn:aws:execute-api:${AWS::Region}:${AWS::AccountId}:${Api}/prod/GET/orders/*`
//!
//! ## Reference
//! <https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html#apigateway-permissions> and
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html>

use super::TemplateInput;
use crate::{Diagnostic, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L505",
    name: "lambda-permission-source-arn-too-broad",
    severity: Severity::Warning,
    summary: "an API Gateway permission on a function covers every stage, method and route",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for permission in &input.template.resources {
        if permission.resource_type.node != "AWS::Lambda::Permission" {
            continue;
        }
        let principal = permission
            .properties
            .get("Principal")
            .and_then(|p| p.as_str());
        if principal != Some("apigateway.amazonaws.com") {
            continue;
        }
        let Some(source_arn) = permission.properties.get("SourceArn") else {
            continue;
        };
        let resolved = leash_iac::resolve(source_arn, input.template);
        let Some(text) = resolved.as_str() else {
            continue;
        };
        // execute-api ARNs: arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH
        let Some(resource) = text.splitn(6, ':').nth(5) else {
            continue;
        };
        let after_api: Vec<&str> = resource
            .split_once('/')
            .map(|(_, rest)| rest.split('/').collect())
            .unwrap_or_default();
        let any_stage_and_method = match after_api.as_slice() {
            [] => false,
            ["*"] => true,
            [stage, method, ..] => *stage == "*" && *method == "*",
            [_] => false,
        };
        if any_stage_and_method {
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "permission `{}` lets every stage, method and route of the API invoke the function (`{text}`)",
                        permission.logical_id.node
                    ),
                    source_arn.span,
                )
                .with_label("any stage, any method")
                .with_help("name the stage, method and route: `.../API_ID/prod/GET/orders/*`"),
            );
        }
    }
}
