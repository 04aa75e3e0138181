//! ## What it finds
//! An `AWS::Lambda::Permission` for API Gateway whose `SourceArn` ends in
//! `/*/*` or `/*`: any stage, any method, any route of the API may invoke
//! the function. A `SourceArn` that names the route after an open stage
//! and method (`.../*/*/orders`, `.../*/*/callback/{id}`) is not reported:
//! only that route may invoke the function.
//!
//! In a Terraform plan: an `aws_lambda_permission` for
//! `apigateway.amazonaws.com` whose `source_arn` (known at plan time) does
//! the same.
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

use super::{TemplateInput, TerraformInput};
use crate::{Diagnostic, Rule, Severity};
use leash_policy::Value;
use leash_policy::arn::split_fields;

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
        if covers_every_stage_and_method(text) {
            out.push(finding(&permission.logical_id.node, text, source_arn.span));
        }
    }
}

/// The same on a Terraform plan: an `aws_lambda_permission` with
/// `principal = "apigateway.amazonaws.com"` and a known `source_arn`,
/// reported at the `source_arn` value (read from the statement the
/// permission adds, whose nodes carry the plan's spans).
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for permission in input.extraction.policies.iter().filter(|p| {
        p.origin == leash_iac::PolicyOrigin::LambdaPermission
            && p.resource_type == "aws_lambda_permission"
    }) {
        let Some(statement) = permission
            .document
            .get("Statement")
            .and_then(Value::as_array)
            .and_then(<[Value]>::first)
        else {
            continue;
        };
        let principal = statement
            .get("Principal")
            .and_then(|p| p.get("Service"))
            .and_then(Value::as_str);
        if principal != Some("apigateway.amazonaws.com") {
            continue;
        }
        let Some(source_arn) = statement
            .get("Condition")
            .and_then(|c| c.get("ArnLike"))
            .and_then(|c| c.get("aws:SourceArn"))
        else {
            continue;
        };
        let Some(text) = source_arn.as_str() else {
            continue;
        };
        if covers_every_stage_and_method(text) {
            let mut diagnostic = finding(&permission.address, text, source_arn.span);
            diagnostic.resource = Some(permission.address.clone());
            out.push(diagnostic);
        }
    }
}

/// Whether an execute-api ARN
/// (`arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`, for a
/// WebSocket API `API_ID/STAGE/ROUTE_KEY`) leaves the stage, the method
/// and the route all open: after the API id, nothing but `*` segments.
/// A literal route (`/*/*/orders`) limits the permission to that route.
fn covers_every_stage_and_method(text: &str) -> bool {
    // Any six-field text, as before the typed ARN: `SourceArn` is compared
    // with `ArnLike`, whose first field may be a pattern too.
    let Some([_, _, _, _, _, resource]) = split_fields(text) else {
        return false;
    };
    let after_api: Vec<&str> = resource
        .split_once('/')
        .map(|(_, rest)| rest.split('/').collect())
        .unwrap_or_default();
    match after_api.as_slice() {
        [] => false,
        ["*"] => true,
        [stage, method, route @ ..] => {
            *stage == "*" && *method == "*" && route.iter().all(|part| *part == "*")
        }
        [_] => false,
    }
}

fn finding(permission: &str, source_arn: &str, span: leash_policy::Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!(
            "permission `{permission}` lets every stage, method and route of the API invoke the function (`{source_arn}`)"
        ),
        span,
    )
    .with_label("any stage, any method")
    .with_help("name the stage, method and route: `.../API_ID/prod/GET/orders/*`")
}

#[cfg(test)]
mod tests {
    use super::covers_every_stage_and_method;

    // The execute-api ARN: API_ID/STAGE/METHOD/RESOURCE_PATH, each part a
    // literal or `*`:
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
    #[test]
    fn a_literal_route_limits_the_permission() {
        let api = "arn:aws:execute-api:us-east-1:111122223333:a1b2c3d4e5";
        for open in ["/*", "/*/*", "/*/*/*", "/*/*/*/*"] {
            assert!(
                covers_every_stage_and_method(&format!("{api}{open}")),
                "{open}"
            );
        }
        for limited in [
            "/*/*/orders",
            "/*/*/callback/{uuid}",
            "/*/*/orders/*",
            "/prod/*",
            "/*/GET/*",
            "",
        ] {
            assert!(
                !covers_every_stage_and_method(&format!("{api}{limited}")),
                "{limited}"
            );
        }
    }
}
