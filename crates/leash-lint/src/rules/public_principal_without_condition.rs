//! ## What it finds
//! An Allow to `"Principal": "*"` or `{"AWS": "*"}` without any
//! `Condition`, unless a Deny of the same policy refuses every request
//! to the same actions and resources that does not come from a named
//! origin: the pattern AWS documents for private APIs, a Deny to `*` with
//! `StringNotEquals` on `aws:SourceVpce` or `aws:SourceVpc` (also
//! `aws:PrincipalOrgID`, `aws:PrincipalAccount`, and `NotIpAddress` on
//! `aws:SourceIp`). Statements are judged together, as AWS evaluates them:
//! an explicit deny overrides the allow, so only the named origin is
//! granted.
//!
//! ## Why it matters
//! It grants the actions to everyone: every AWS account and anonymous
//! callers. Unless the resource is meant to be public (a website bucket),
//! this is a data leak.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
//!  "Resource": "arn:aws:s3:::my-bucket/*"}
//! ```
//!
//! ## Fix
//! Name the principals, or keep `*` with a condition that limits it:
//! `aws:PrincipalOrgID`, `aws:PrincipalAccount`, `aws:SourceVpce`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-anonymous>,
//! <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html#apigateway-resource-policies-source-vpc-example>
//! (a private API's policy: Allow `*`, Deny unless `aws:SourceVpce`) and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>

use super::util::{condition_entries, has_wildcard, string_value};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::matching::{ActionPattern, CaseMode, WildcardPattern};
use leash_policy::{
    Effect, OperatorKind, Principal, PrincipalClause, PrincipalKind, Span, Spanned, Statement,
};

pub static RULE: Rule = Rule {
    code: "L309",
    name: "public-principal-without-condition",
    severity: Severity::Warning,
    summary: "an Allow to every principal (`*`) has no condition, so anyone, anonymous included, is granted",
    access_analyzer: None,
    check: Some(check),
};

/// Where a principal clause names every principal (`"*"` or
/// `{"AWS": "*"}`), the span of that `*`.
fn everyone(principal: &Spanned<PrincipalClause>) -> Option<Span> {
    if principal.node.negated {
        return None;
    }
    match &principal.node.principal {
        Principal::Wildcard => Some(principal.span),
        Principal::Map(entries) => entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Aws)
            .flat_map(|e| e.values.iter())
            .find(|v| v.node == "*")
            .map(|v| v.span),
    }
}

/// The condition keys whose negated test in a Deny keeps every request
/// out but those of one origin (a VPC endpoint, a VPC, an organization,
/// an account), with the string operators that test them.
const ORIGIN_KEYS: &[&str] = &[
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:PrincipalOrgID",
    "aws:PrincipalAccount",
];

/// Whether every test of a Deny's condition refuses the requests that do
/// not come from a named origin: `StringNotEquals` (or its `IgnoreCase`,
/// `IfExists` forms, or `StringNotLike` with a value that is not `*`) on
/// one of [`ORIGIN_KEYS`], or `NotIpAddress` on `aws:SourceIp` with a
/// value other than the whole address space. A request without the key
/// matches a negated operator, so it is denied too
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html>).
/// Several such tests in one Deny are AND-ed: the Deny refuses what
/// comes from none of the origins, which still leaves only named origins.
fn refuses_all_but_named_origins(deny: &Statement) -> bool {
    if deny.condition.is_none() {
        return false;
    }
    let mut tests = condition_entries(deny).peekable();
    if tests.peek().is_none() {
        return false;
    }
    tests.all(|(block, entry)| {
        let operator = &block.operator.node;
        if operator.qualifier.is_some() || entry.values.is_empty() {
            return false;
        }
        let key = entry.key.node.as_str();
        let values = || entry.values.iter().map(|v| string_value(&v.node));
        match operator.kind {
            OperatorKind::StringNotEquals | OperatorKind::StringNotEqualsIgnoreCase => {
                ORIGIN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
            }
            OperatorKind::StringNotLike => {
                ORIGIN_KEYS.iter().any(|k| k.eq_ignore_ascii_case(key))
                    && values().all(|v| v.is_some_and(|v| !v.chars().all(|c| c == '*')))
            }
            OperatorKind::NotIpAddress => {
                key.eq_ignore_ascii_case("aws:SourceIp")
                    && values()
                        .all(|v| v.is_some_and(|v| !matches!(v.trim(), "0.0.0.0/0" | "::/0")))
            }
            _ => false,
        }
    })
}

/// Whether `outer` matches every text `inner` (a pattern itself) can
/// match, with `case`. Sound, not complete: when `inner` has wildcards,
/// `outer` must have no `?`, so each of `inner`'s wildcards falls inside
/// one of `outer`'s `*` runs.
fn covers(outer: &str, inner: &str, case: CaseMode) -> bool {
    if has_wildcard(inner) && outer.contains('?') {
        return false;
    }
    match case {
        CaseMode::Insensitive => ActionPattern::new(outer).is_match(inner),
        CaseMode::Sensitive => WildcardPattern::new(outer, case).is_match(inner),
    }
}

/// Whether a Deny of the policy limits `allow` to named origins: it
/// applies to every principal, covers each of the Allow's actions and
/// resources, and refuses whatever does not come from a named origin.
fn denied_unless_from_named_origin(allow: &Statement, statements: &[Statement]) -> bool {
    let Some(allow_resource) = &allow.resource else {
        return false;
    };
    if allow.action.node.negated || allow_resource.node.negated {
        return false;
    }
    statements.iter().any(|deny| {
        deny.effect.node == Effect::Deny
            && deny
                .principal
                .as_ref()
                .is_some_and(|p| everyone(p).is_some())
            && !deny.action.node.negated
            && allow.action.node.patterns.iter().all(|a| {
                deny.action
                    .node
                    .patterns
                    .iter()
                    .any(|d| covers(&d.node, &a.node, CaseMode::Insensitive))
            })
            && deny.resource.as_ref().is_some_and(|deny_resource| {
                !deny_resource.node.negated
                    && allow_resource.node.patterns.iter().all(|a| {
                        deny_resource
                            .node
                            .patterns
                            .iter()
                            .any(|d| covers(&d.node, &a.node, CaseMode::Sensitive))
                    })
            })
            && refuses_all_but_named_origins(deny)
    })
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow || statement.condition.is_some() {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Some(span) = everyone(principal) else {
            continue;
        };
        if denied_unless_from_named_origin(statement, &input.policy.statements) {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "every principal, anonymous callers included, is allowed, with no condition",
                span,
            )
            .with_label("everyone")
            .with_help("name the principals, or add a condition such as `\"StringEquals\": {\"aws:PrincipalOrgID\": \"o-...\"}`"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::util::findings;
    use crate::PolicyKind;

    fn fires(text: &str) -> bool {
        !findings(text, Some(PolicyKind::Resource), "L309").is_empty()
    }

    const ALLOW: &str = r#"{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*"}"#;

    fn with_deny(deny: &str) -> String {
        format!(r#"{{"Version": "2012-10-17", "Statement": [{ALLOW}, {deny}]}}"#)
    }

    // A private API's resource policy as API Gateway documents it: allow
    // everyone, deny every request not from the VPC endpoint.
    // https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html#apigateway-resource-policies-source-vpc-example
    // An explicit deny overrides the allow:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    #[test]
    fn a_deny_unless_from_the_vpc_endpoint_limits_the_allow() {
        let vpce = with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"StringNotEquals": {"aws:sourceVpce": "vpce-1a2b3c4d"}}}"#,
        );
        assert!(!fires(&vpce));
        let vpc = with_deny(
            r#"{"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "execute-api:*", "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:SourceVpc": "vpc-1a2b3c4d"}}}"#,
        );
        assert!(!fires(&vpc));
        let ip = with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}}"#,
        );
        assert!(!fires(&ip));
    }

    #[test]
    fn a_deny_that_leaves_some_requests_open_does_not_limit_it() {
        // Alone, the Allow is reported.
        assert!(fires(&format!(
            r#"{{"Version": "2012-10-17", "Statement": [{ALLOW}]}}"#
        )));
        // A Deny on other resources leaves these open.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}"#
        )));
        // A Deny of other actions.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:ManageConnections", "Resource": "execute-api:/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}"#
        )));
        // A Deny for one account only.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}"#
        )));
        // A positive test denies the endpoint's requests, not the others.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}}}"#
        )));
        // A second test on another key narrows the Deny to fewer requests.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1a2b3c4d"}, "Bool": {"aws:SecureTransport": "false"}}}"#
        )));
        // `StringNotLike` with `*` never matches: it denies nothing.
        assert!(fires(&with_deny(
            r#"{"Effect": "Deny", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/*",
                "Condition": {"StringNotLike": {"aws:SourceVpce": "*"}}}"#
        )));
    }
}
