//! ## What it finds
//! A role trusted by API Gateway that may invoke every Lambda function of
//! the account (`lambda:InvokeFunction` on `function:*` or `*`).
//!
//! In a Terraform plan: an `aws_iam_role` trusted by API Gateway and an
//! identity policy of the plan attached to it with that grant.
//!
//! ## Why it matters
//! A Lambda proxy integration needs no role at all: API Gateway invokes the
//! function through the function's resource-based policy
//! (`AWS::Lambda::Permission` with `aws:SourceArn` naming the API, stage,
//! method and route). A role with `lambda:InvokeFunction` on `function:*`
//! lets any API that can use the role call any function, including ones
//! never meant to be public. The roadmap this project started from
//! recommends exactly this role.
//!
//! ## Example
//! ```yaml
//! ApiGatewayExecutionRole:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: apigateway.amazonaws.com}, Action: sts:AssumeRole}]}
//!     Policies: [{PolicyName: invoke, PolicyDocument: {Statement: [{Effect: Allow, Action: lambda:InvokeFunction, Resource: "arn:aws:lambda:us-west-2:111122223333:function:*"}]}}]
//! ```
//!
//! ## Fix
//! Remove the role and the integration's `Credentials`; add one
//! `AWS::Lambda::Permission` per function with `SourceArn` set to
//! `arn:aws:execute-api:REGION:ACCOUNT:API_ID/STAGE/METHOD/PATH`. If an
//! integration must use a role, name the one function it calls.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html> and
//! <https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html>

use super::{
    TemplateInput, TerraformInput, allow_pattern_for, parsed, terraform_trust_policy,
    trusted_services, trusted_services_in,
};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;

pub static RULE: Rule = Rule {
    code: "L504",
    name: "api-gateway-role-invoking-every-function",
    severity: Severity::Warning,
    summary: "a role trusted by API Gateway may invoke every Lambda function",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.template.resources {
        if role.resource_type.node != "AWS::IAM::Role"
            || !trusted_services(role)
                .iter()
                .any(|s| s == "apigateway.amazonaws.com")
        {
            continue;
        }
        let role_id = &role.logical_id.node;
        for embedded in input
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Identity && p.attached_roles.contains(role_id))
        {
            if let Some(span) = invocation_of_every_function(&embedded.document) {
                out.push(finding(
                    role_id,
                    span,
                    "an `AWS::Lambda::Permission` per function with `SourceArn`",
                ));
            }
        }
    }
}

/// The same on a Terraform plan: an `aws_iam_role` whose
/// `assume_role_policy` trusts API Gateway, and the identity policies of
/// the plan attached to it (inline, `aws_iam_role_policy`, an
/// `aws_iam_policy` through an attachment).
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.model.roles {
        let trusts_api_gateway =
            terraform_trust_policy(input, &role.address).is_some_and(|trust| {
                trusted_services_in(trust)
                    .iter()
                    .any(|s| s == "apigateway.amazonaws.com")
            });
        if !trusts_api_gateway {
            continue;
        }
        for policy in
            input.extraction.policies.iter().filter(|p| {
                p.kind == PolicyKind::Identity && p.attached_roles.contains(&role.address)
            })
        {
            if let Some(span) = invocation_of_every_function(&policy.document) {
                let mut diagnostic = finding(
                    &role.address,
                    span,
                    "an `aws_lambda_permission` per function with `source_arn`",
                );
                diagnostic.resource = Some(policy.address.clone());
                out.push(diagnostic);
            }
        }
    }
}

/// Where a policy allows `lambda:InvokeFunction` on every function.
fn invocation_of_every_function(document: &leash_policy::Value) -> Option<leash_policy::Span> {
    let policy = parsed(document)?;
    let (statement, span) = allow_pattern_for(&policy, "lambda:InvokeFunction")?;
    let every_function = statement.resource.as_ref().is_some_and(|r| {
        !r.node.negated
            && r.node.patterns.iter().any(|p| {
                let text = p.node.as_str();
                text == "*" || text.ends_with(":function:*") || text.ends_with(":*:function:*")
            })
    });
    every_function.then_some(span)
}

/// `permission`: a Lambda permission and its source ARN, as the input's
/// format spells them.
fn finding(role: &str, span: leash_policy::Span, permission: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("role `{role}` lets API Gateway invoke every Lambda function of the account"),
        span,
    )
    .with_label("`lambda:InvokeFunction` on every function")
    .with_help(format!(
        "a Lambda proxy integration needs no role: add {permission} naming the API, stage, method and route"
    ))
}
