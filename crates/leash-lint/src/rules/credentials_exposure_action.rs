//! ## What it finds
//! An Allow, on every resource (`*` or `NotResource`), of an action that
//! returns or creates credentials:
//!
//! `iam:CreateAccessKey`, `iam:UpdateAccessKey`, `iam:CreateLoginProfile`,
//! `iam:UpdateLoginProfile`, `iam:CreateServiceSpecificCredential`,
//! `iam:ResetServiceSpecificCredential`, `sts:GetSessionToken`,
//! `sts:GetFederationToken`, `ecr:GetAuthorizationToken`,
//! `ecr-public:GetAuthorizationToken`, `codeartifact:GetAuthorizationToken`,
//! `redshift:GetClusterCredentials`, `redshift:GetClusterCredentialsWithIAM`,
//! `redshift-serverless:GetCredentials`, `rds-db:connect`,
//! `ec2:GetPasswordData`, `ec2-instance-connect:SendSSHPublicKey`,
//! `lightsail:GetInstanceAccessDetails`,
//! `lightsail:GetRelationalDatabaseMasterUserPassword`,
//! `cognito-identity:GetCredentialsForIdentity`, `gamelift:GetInstanceAccess`;
//! by name or through a wildcard (`*` alone is left to
//! `every-action-allowed`).
//!
//! A warning when the action supports resource-level permissions (so `*`
//! could be narrowed: `iam:CreateAccessKey` on any user is a takeover of
//! every user), information when it does not (`ecr:GetAuthorizationToken`
//! is only ever granted on `*`; the finding marks where credentials come
//! from).
//!
//! ## Why it matters
//! Credentials outlive the request: whoever gets them acts as their owner
//! until they expire or are revoked, beyond this policy's conditions.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "iam:CreateAccessKey", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Name the resources (`arn:aws:iam::111122223333:user/${aws:username}`
//! for self-service keys), or confirm the grant is intended.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>

use super::util::{applies_to_every_resource, patterns_granting_any};
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L412",
    name: "credentials-exposure-action",
    severity: Severity::Warning,
    summary: "an action that returns or creates credentials is allowed on every resource",
    access_analyzer: None,
    check: Some(check),
};

pub(crate) const CREDENTIAL_ACTIONS: &[&str] = &[
    "iam:CreateAccessKey",
    "iam:UpdateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:CreateServiceSpecificCredential",
    "iam:ResetServiceSpecificCredential",
    "sts:GetSessionToken",
    "sts:GetFederationToken",
    "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken",
    "codeartifact:GetAuthorizationToken",
    "redshift:GetClusterCredentials",
    "redshift:GetClusterCredentialsWithIAM",
    "redshift-serverless:GetCredentials",
    "rds-db:connect",
    "ec2:GetPasswordData",
    "ec2-instance-connect:SendSSHPublicKey",
    "lightsail:GetInstanceAccessDetails",
    "lightsail:GetRelationalDatabaseMasterUserPassword",
    "cognito-identity:GetCredentialsForIdentity",
    "gamelift:GetInstanceAccess",
];

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        if !applies_to_every_resource(statement) {
            continue;
        }
        for (pattern, granted) in patterns_granting_any(statement, CREDENTIAL_ACTIONS) {
            let (scopable, unscopable): (Vec<&str>, Vec<&str>) = granted.iter().partition(|name| {
                catalog
                    .action(name)
                    .is_some_and(|a| !a.resource_types().is_empty())
            });
            for (names, scopable) in [(scopable, true), (unscopable, false)] {
                if names.is_empty() {
                    continue;
                }
                let listed: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                let literal = names.len() == 1 && names[0].eq_ignore_ascii_case(&pattern.node);
                let (verb, pronoun) = if names.len() == 1 {
                    ("returns or creates", "it")
                } else {
                    ("return or create", "they")
                };
                let subject = if literal {
                    format!(
                        "`{}` returns or creates credentials and is allowed",
                        pattern.node
                    )
                } else {
                    format!(
                        "`{}` grants {}, which {verb} credentials,",
                        pattern.node,
                        listed.join(", ")
                    )
                };
                let diagnostic = if scopable {
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "{subject} on every resource, though {pronoun} can be limited to named resources"
                        ),
                        pattern.span,
                    )
                    .with_help("name the resources, e.g. `arn:aws:iam::<account>:user/${aws:username}` for a user's own keys")
                } else {
                    let subject = if literal {
                        format!("`{}` returns or creates credentials", pattern.node)
                    } else {
                        format!(
                            "`{}` grants {}, which {verb} credentials",
                            pattern.node,
                            listed.join(", ")
                        )
                    };
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "{subject} ({pronoun} take{} no resource, so a wildcard resource is the only choice)",
                            if names.len() == 1 { "s" } else { "" }
                        ),
                        pattern.span,
                    )
                    .with_severity(Severity::Info)
                    .with_help("confirm that the principal needs these credentials")
                };
                out.push(diagnostic.with_label("credentials"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_action_is_in_the_catalog() {
        for action in CREDENTIAL_ACTIONS {
            assert!(
                leash_catalog::catalog().action(action).is_some(),
                "{action}"
            );
        }
    }
}
