//! ## What it finds
//! An IAM role that API Gateway integrations name in their credentials
//! (`AWS::ApiGateway::Method` `Integration.Credentials`,
//! `AWS::ApiGatewayV2::Integration` `CredentialsArn`, an OpenAPI
//! `x-amazon-apigateway-integration` `credentials`) whose policies allow an
//! action of a service on every resource (`*`, or every resource of the
//! service, such as `table/*`) when its integrations name every resource
//! of that service they call, or allow a service no integration calls.
//! The integrations are read as `leash design` reads them (the URI's
//! `action/` or `path/`, the HTTP API subtype, the table, queue, topic,
//! stream, bus or state machine the request template or parameters
//! write); a service an integration leaves to the request is not
//! reported. A role a function or state machine also runs as is not
//! reported (its uses are not only the integrations').
//!
//! ## Why it matters
//! API Gateway assumes the role for the integrations and for nothing
//! else: what the role allows beyond them only serves a changed
//! integration, or whoever else can pass the role. `dynamodb:*` on `*`
//! for an API that puts items into one table lets a mapping template edit
//! read, scan or delete every table of the account.
//!
//! ## Example
//! ```yaml
//! PutComment:
//!   Type: AWS::ApiGateway::Method
//!   Properties:
//!     Integration:
//!       Type: AWS
//!       Credentials: !GetAtt ApiRole.Arn
//!       Uri: !Sub arn:aws:apigateway:${AWS::Region}:dynamodb:action/PutItem
//!       RequestTemplates: {application/json: '{"TableName": "Comments", "Item": {}}'}
//! ApiRole:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     Policies:
//!       - PolicyName: api
//!         PolicyDocument:
//!           Statement: [{Effect: Allow, Action: dynamodb:*, Resource: "*"}]
//! ```
//!
//! ## Fix
//! Grant what the integrations call, on the resources they name (the
//! finding lists them; `leash design` writes that role in place of the
//! template's), and nothing for services no integration calls.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html>
//! (`credentials`, `uri`) and
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-aws-services-reference.html>
//! (HTTP API subtypes).

use super::state_machine_role_beyond_definition::{Subject, beyond};
use super::{TemplateInput, parsed};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;
use leash_iac::api_integration::{Place, read_integration_roles};

pub static RULE: Rule = Rule {
    code: "L513",
    name: "api-integration-role-beyond-integrations",
    severity: Severity::Warning,
    summary: "an API Gateway integration's role reaches beyond what its integrations call",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let context = leash_iac::ResolveContext::default();
    let resolve = |value: &leash_policy::Value| {
        leash_iac::resolve_with(value, input.template, &context).value
    };
    let roles = read_integration_roles(
        input.template,
        &resolve,
        &Place {
            account: "${AWS::AccountId}",
            region: "${AWS::Region}",
        },
        None,
    );
    for role in roles {
        if role.reading.summary.unknown.contains_key("*") {
            continue;
        }
        // A role a function or state machine also runs as: its uses are
        // not only the integrations'.
        let runs_something = input.policies.iter().any(|p| {
            p.kind == PolicyKind::Identity
                && p.attached_roles.contains(&role.role)
                && !p.attached_functions.is_empty()
        });
        if runs_something {
            continue;
        }
        let subject = Subject {
            rule: &RULE,
            role: format!("API integration role `{}`", role.role),
            uses: "its integrations",
            uses_in: "the integrations",
            calls: "call",
            names: "name",
            they_call: "they call",
        };
        for embedded in input
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Identity && p.attached_roles.contains(&role.role))
        {
            let Some(policy) = parsed(&embedded.document) else {
                continue;
            };
            for statement in &policy.statements {
                if let Some(diagnostic) = beyond(&subject, statement, &role.reading) {
                    out.push(diagnostic);
                }
            }
        }
    }
}
