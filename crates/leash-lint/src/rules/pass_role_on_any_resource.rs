//! ## What it finds
//! An Allow that grants `iam:PassRole` (by name, through a wildcard such
//! as `iam:*` or `*`, or through `NotAction`) on every role: `"Resource":
//! "*"`, `NotResource`, or an ARN naming every role of an account
//! (`arn:aws:iam::111122223333:role/*`), without a condition on
//! `iam:PassedToService`.
//!
//! ## Why it matters
//! Passing a role lets a service act with that role's permissions. A
//! principal that may pass any role to any service can hand itself an
//! administrator role through Lambda, EC2 or CloudFormation: a privilege
//! escalation.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["lambda:CreateFunction", "iam:PassRole"], "Resource": "*"}
//! ```
//!
//! ## Fix
//! Name the roles (`arn:aws:iam::111122223333:role/orders-fn`), and limit
//! the service with `"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::{
    applies_to_every_resource, has_condition_key, pattern_granting, resource_patterns,
};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::Arn;

pub static RULE: Rule = Rule {
    code: "L301",
    name: "pass-role-on-any-resource",
    severity: Severity::Warning,
    summary: "`iam:PassRole` is allowed on every role, for every service",
    access_analyzer: Some(
        "Security Warning – Pass role with star in resource, Pass role with NotResource (and their star-in-action and NotAction forms)",
    ),
    check: Some(check),
};

/// An ARN that names every role of an account (or of every account).
fn names_every_role(arn: &str) -> bool {
    let Ok(arn) = Arn::parse(arn) else {
        return false;
    };
    matches!(arn.service().as_str(), "iam" | "*")
        && matches!(arn.resource().as_str(), "*" | "role/*" | "role*")
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(grant) = pattern_granting(statement, "iam:PassRole") else {
            continue;
        };
        let every_role = applies_to_every_resource(statement)
            || resource_patterns(statement)
                .iter()
                .any(|p| names_every_role(&p.node));
        if !every_role || has_condition_key(statement, "iam:PassedToService") {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "`iam:PassRole` is allowed on every role and for every service",
                grant,
            )
            .with_label("grants `iam:PassRole`")
            .with_help("name the roles in `Resource` and add `\"StringEquals\": {\"iam:PassedToService\": \"<service>.amazonaws.com\"}`"),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    // AWS's PassRole page limits the grant with iam:PassedToService:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
    #[test]
    fn passed_to_service_condition_limits_the_grant() {
        let open = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}]}"#;
        assert_eq!(findings(open, None, "L301").len(), 1);
        let limited = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*", "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}}}]}"#;
        assert!(findings(limited, None, "L301").is_empty());
        let named = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/app"}]}"#;
        assert!(findings(named, None, "L301").is_empty());
        let not_action = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "s3:*", "NotResource": "arn:aws:iam::111122223333:role/admin"}]}"#;
        assert_eq!(findings(not_action, None, "L301").len(), 1);
    }
}
