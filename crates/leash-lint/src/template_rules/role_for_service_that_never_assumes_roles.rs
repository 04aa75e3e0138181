//! ## What it finds
//! A role whose trust policy names `dynamodb.amazonaws.com`, as if
//! DynamoDB were the one using the role.
//!
//! In a Terraform plan: an `aws_iam_role` whose `assume_role_policy`
//! names it. (`s3.amazonaws.com` is not reported: S3 replication assumes
//! the role a replication configuration names.)
//!
//! ## Why it matters
//! DynamoDB tables are resources, never principals: a table does not run
//! code and does not assume customer roles (the DynamoDB features that act
//! on your behalf use service-linked roles with their own principals, such
//! as `replication.dynamodb.amazonaws.com`). A "DynamoDB role" grants
//! nothing to the functions that need the table; the roadmap this project
//! started from has one.
//!
//! ## Example
//! ```yaml
//! DynamoDBAccessRole:
//!   Type: AWS::IAM::Role
//!   Properties:
//!     AssumeRolePolicyDocument:
//!       Statement: [{Effect: Allow, Principal: {Service: dynamodb.amazonaws.com}, Action: sts:AssumeRole}]
//! ```
//!
//! ## Fix
//! Grant the table's actions in the execution role of each function that
//! uses it, scoped to the table's ARN; constrain the table itself with a
//! resource policy if needed.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-identity-based-policies.html> and
//! <https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/using-service-linked-roles.html>

use super::{
    TemplateInput, TerraformInput, terraform_trust_policy, trusted_services, trusted_services_in,
};
use crate::{Diagnostic, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L502",
    name: "role-for-service-that-never-assumes-roles",
    severity: Severity::Warning,
    summary: "a role trusts a data service (DynamoDB) that never assumes customer roles",
    access_analyzer: None,
    check: None,
};

/// Service principals that never assume a customer-managed role.
/// `s3.amazonaws.com` is not one: S3 replication assumes the role a
/// replication configuration names, trusted by that principal
/// (<https://docs.aws.amazon.com/AmazonS3/latest/userguide/setting-repl-config-perm-overview.html>).
const NEVER_ASSUMES_ROLES: &[&str] = &["dynamodb.amazonaws.com"];

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.template.resources {
        if role.resource_type.node != "AWS::IAM::Role" {
            continue;
        }
        for service in trusted_services(role) {
            if NEVER_ASSUMES_ROLES.contains(&service.as_str()) {
                out.push(finding(
                    &role.logical_id.node,
                    &service,
                    role.logical_id.span,
                ));
            }
        }
    }
}

/// The same on a Terraform plan: an `aws_iam_role` whose
/// `assume_role_policy` (read from the plan) trusts such a service,
/// reported at the role's address.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.model.roles {
        let Some(trust) = terraform_trust_policy(input, &role.address) else {
            continue;
        };
        for service in trusted_services_in(trust) {
            if NEVER_ASSUMES_ROLES.contains(&service.as_str()) {
                let mut diagnostic = finding(&role.address, &service, role.span);
                diagnostic.resource = Some(role.address.clone());
                out.push(diagnostic);
            }
        }
    }
}

fn finding(role: &str, service: &str, span: leash_policy::Span) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!(
            "role `{role}` trusts `{service}`, which never assumes customer roles: tables are resources, not principals"
        ),
        span,
    )
    .with_label("no service will use this role")
    .with_help("grant the table's actions in the execution role of each function that uses it")
}
