//! ## What it finds
//! A `Principal` or `NotPrincipal` element where the policy kind does not
//! accept it:
//!
//! - `Principal` or `NotPrincipal` in an identity-based policy (the
//!   principal is whoever the policy is attached to);
//! - `NotPrincipal` in a role trust policy;
//! - `Principal` or `NotPrincipal` in a service control policy;
//! - `NotPrincipal` in a resource control policy.
//!
//! ## Why it matters
//! AWS rejects the policy ("Has prohibited field Principal").
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "NotPrincipal": {"AWS": "arn:aws:iam::111122223333:role/admin"},
//!  "Action": "sts:AssumeRole"}
//! ```
//!
//! ## Fix
//! In identity policies and SCPs, remove the element. To exclude
//! principals elsewhere, use `Principal` with a condition on
//! `aws:PrincipalArn` (`ArnNotEquals`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html>
//! ("You cannot use the NotPrincipal element in an IAM identity-based
//! policy nor in an IAM role trust policy"; SCPs and RCPs do not support
//! it) and <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_syntax.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L218",
    name: "principal-element-not-allowed",
    severity: Severity::Error,
    summary: "a `Principal` or `NotPrincipal` element in a kind of policy that does not accept it",
    access_analyzer: Some("Error – Unsupported principal; Error – SCP syntax error principal"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(principal) = &statement.principal else {
            continue;
        };
        let negated = principal.node.negated;
        let element = if negated { "NotPrincipal" } else { "Principal" };
        let (not_allowed, what) = match input.kind {
            PolicyKind::Identity => (true, "identity-based policies"),
            PolicyKind::ServiceControl => (true, "service control policies"),
            PolicyKind::Trust => (negated, "role trust policies"),
            PolicyKind::ResourceControl => (negated, "resource control policies"),
            PolicyKind::Resource => (false, ""),
        };
        if !not_allowed {
            continue;
        }
        let help = match input.kind {
            PolicyKind::Identity | PolicyKind::ServiceControl => {
                "remove the element: the policy applies to the principals it is attached to"
                    .to_string()
            }
            _ => "use `Principal` and exclude principals with `ArnNotEquals` on `aws:PrincipalArn`"
                .to_string(),
        };
        out.push(
            Diagnostic::new(
                &RULE,
                format!("`{element}` is not allowed in {what}"),
                principal.span,
            )
            .with_label(format!("`{element}` not allowed here"))
            .with_help(help),
        );
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::PolicyKind;

    const ALLOW_PRINCIPAL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"}]}"#;
    const DENY_NOT_PRINCIPAL: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "NotPrincipal": {"AWS": "111122223333"}, "Action": "s3:GetObject", "Resource": "*"}]}"#;

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html:
    // "You cannot use the Principal element in an identity-based policy".
    #[test]
    fn principal_is_rejected_in_identity_policies_and_scps() {
        assert_eq!(
            findings(ALLOW_PRINCIPAL, Some(PolicyKind::Identity), "L218").len(),
            1
        );
        assert_eq!(
            findings(ALLOW_PRINCIPAL, Some(PolicyKind::ServiceControl), "L218").len(),
            1
        );
        assert!(findings(ALLOW_PRINCIPAL, Some(PolicyKind::Resource), "L218").is_empty());
        assert!(findings(ALLOW_PRINCIPAL, Some(PolicyKind::ResourceControl), "L218").is_empty());
    }

    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html:
    // not in identity-based policies nor role trust policies; SCPs and RCPs
    // do not support it.
    #[test]
    fn not_principal_is_rejected_outside_resource_policies() {
        for kind in [
            PolicyKind::Identity,
            PolicyKind::Trust,
            PolicyKind::ServiceControl,
            PolicyKind::ResourceControl,
        ] {
            assert_eq!(
                findings(DENY_NOT_PRINCIPAL, Some(kind), "L218").len(),
                1,
                "{kind:?}"
            );
        }
        assert!(findings(DENY_NOT_PRINCIPAL, Some(PolicyKind::Resource), "L218").is_empty());
    }
}
