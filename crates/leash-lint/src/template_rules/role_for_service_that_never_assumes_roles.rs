//! ## What it finds
//! A role whose trust policy names `dynamodb.amazonaws.com`, as if
//! DynamoDB were the one using the role.
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

use super::{TemplateInput, trusted_services};
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
const NEVER_ASSUMES_ROLES: &[&str] = &["dynamodb.amazonaws.com"];

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for role in &input.template.resources {
        if role.resource_type.node != "AWS::IAM::Role" {
            continue;
        }
        for service in trusted_services(role) {
            if NEVER_ASSUMES_ROLES.contains(&service.as_str()) {
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "role `{}` trusts `{service}`, which never assumes customer roles: tables are resources, not principals",
                            role.logical_id.node
                        ),
                        role.logical_id.span,
                    )
                    .with_label("no service will use this role")
                    .with_help("grant the table's actions in the execution role of each function that uses it"),
                );
            }
        }
    }
}
