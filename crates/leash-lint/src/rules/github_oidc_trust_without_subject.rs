//! ## What it finds
//! An Allow of `sts:AssumeRoleWithWebIdentity` to the GitHub Actions OIDC
//! provider (`token.actions.githubusercontent.com`) without a condition on
//! `token.actions.githubusercontent.com:sub`.
//!
//! ## Why it matters
//! Every GitHub Actions workflow of every repository, anyone's, can get a
//! token from that provider. Without a `sub` condition naming your
//! repository (and branch or environment), any of them can assume the role.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
//!  "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
//!  "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}
//! ```
//!
//! ## Fix
//! Add `"StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/my-repo:ref:refs/heads/main"}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub>

use super::util::{has_condition_key, pattern_granting};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L306",
    name: "github-oidc-trust-without-subject",
    severity: Severity::Warning,
    summary: "a role trusts GitHub Actions OIDC tokens without a `sub` condition naming the repository",
    access_analyzer: Some("Security Warning – Missing github repo condition key"),
    check: Some(check),
};

const GITHUB: &str = "token.actions.githubusercontent.com";

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Principal::Map(entries) = &principal.node.principal else {
            continue;
        };
        if principal.node.negated
            || pattern_granting(statement, "sts:AssumeRoleWithWebIdentity").is_none()
        {
            continue;
        }
        let github = entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Federated)
            .flat_map(|e| e.values.iter())
            .find(|v| v.node.ends_with(GITHUB));
        let Some(github) = github else {
            continue;
        };
        if has_condition_key(statement, "token.actions.githubusercontent.com:sub") {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "any GitHub Actions workflow, in any repository, can assume this role: there is no condition on `token.actions.githubusercontent.com:sub`",
                github.span,
            )
            .with_label("GitHub OIDC provider")
            .with_help("add `\"StringLike\": {\"token.actions.githubusercontent.com:sub\": \"repo:<org>/<repo>:ref:refs/heads/<branch>\"}`"),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    const TRUST: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {CONDITION}}]}"#;

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html#idp_oidc_Create_GitHub
    #[test]
    fn the_subject_must_be_tested() {
        let audience_only = TRUST.replace(
            "{CONDITION}",
            r#"{"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}"#,
        );
        assert_eq!(findings(&audience_only, None, "L306").len(), 1);
        let with_subject = TRUST.replace(
            "{CONDITION}",
            r#"{"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/app:*"}}"#,
        );
        assert!(findings(&with_subject, None, "L306").is_empty());
    }
}
