//! ## What it finds
//! An Allow that grants `iam:CreateServiceLinkedRole` (by name or through
//! a wildcard) on every resource (`*` or `NotResource`) without a
//! condition on `iam:AWSServiceName`.
//!
//! ## Why it matters
//! The principal can create the service-linked role of any AWS service,
//! each with the permissions that service defines: more access than the
//! workload needs, outside anyone's review.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "iam:CreateServiceLinkedRole", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Add `"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}`
//! or name the role ARN under `aws-service-role/`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/using-service-linked-roles.html#service-linked-role-permissions>

use super::util::{applies_to_every_resource, has_condition_key, pattern_granting};
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L311",
    name: "service-linked-role-creation-on-any-resource",
    severity: Severity::Warning,
    summary: "`iam:CreateServiceLinkedRole` is allowed for every service",
    access_analyzer: Some(
        "General Warning – Create SLR with star in resource, Create SLR with NotResource (and their star-in-action and NotAction forms)",
    ),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(grant) = pattern_granting(statement, "iam:CreateServiceLinkedRole") else {
            continue;
        };
        if !applies_to_every_resource(statement)
            || has_condition_key(statement, "iam:AWSServiceName")
        {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "`iam:CreateServiceLinkedRole` is allowed for every service",
                grant,
            )
            .with_label("grants `iam:CreateServiceLinkedRole`")
            .with_help(
                "add `\"StringEquals\": {\"iam:AWSServiceName\": \"<service>.amazonaws.com\"}`",
            ),
        );
    }
}
