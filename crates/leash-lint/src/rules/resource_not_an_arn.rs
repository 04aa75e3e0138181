//! ## What it finds
//! A `Resource` or `NotResource` value that is neither `*` nor an ARN
//! starting with `arn:`, such as a bare bucket name `my-bucket/*` or a
//! table name.
//!
//! In an API Gateway resource policy, `execute-api:/STAGE/METHOD/PATH` is
//! API Gateway's own shorthand for the API's ARN and is accepted.
//!
//! ## Why it matters
//! AWS compares the value with resource ARNs, so a bare name matches no
//! resource: an Allow grants nothing and a Deny protects nothing. IAM
//! rejects such a policy when it is created.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "my-bucket/*"}
//! ```
//!
//! ## Fix
//! Write the full ARN: `arn:aws:s3:::my-bucket/*`. In a template,
//! `Resource: !Ref TaskRole` is a role's name (`Ref` of a role, table,
//! bucket or function is its name, of a queue its URL): the finding offers
//! `!GetAtt TaskRole.Arn` as an unsafe fix, unsafe because the statement,
//! which matched nothing, starts granting.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::resource_patterns;
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L201",
    name: "resource-not-an-arn",
    severity: Severity::Error,
    summary: "a `Resource` value is neither `*` nor an ARN starting with `arn:`",
    access_analyzer: Some("Error – Invalid ARN prefix"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let text = pattern.node.as_str();
            if text == "*" || text.starts_with("arn:") {
                continue;
            }
            // A template value known only at deployment (a parameter, an
            // import, an attribute) may be an ARN; the name CloudFormation
            // generates for a resource (`!Ref Table`) is not one.
            if let Some(first) = text.chars().next()
                && leash_policy::symbol::is_symbol(first)
                && !matches!(
                    input.symbol(first).map(|s| &s.kind),
                    Some(leash_policy::symbol::SymbolKind::GeneratedName { .. })
                )
            {
                continue;
            }
            // API Gateway resource policies may name the API's own methods
            // as `execute-api:/STAGE/METHOD/PATH`, which API Gateway expands
            // to the full ARN:
            // <https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-examples.html>
            if input.kind == crate::PolicyKind::Resource && text.starts_with("execute-api:/") {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                &RULE,
                format!("`{text}` is not an ARN: resource values start with `arn:` or are `*`"),
                pattern.span,
            )
            .with_label("not an ARN");
            if text.to_ascii_lowercase().starts_with("arn:") {
                diagnostic = diagnostic.with_help("write the prefix in lowercase: `arn:`");
            } else {
                diagnostic = diagnostic.with_help(
                    "write the full ARN, e.g. `arn:aws:s3:::my-bucket/*` for the objects of a bucket",
                );
            }
            out.push(diagnostic);
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn reports_only_what_aws_rejects() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
        assert_eq!(findings(text, None, "L201").len(), 0, "{text}");
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}]}"#;
        assert_eq!(findings(text, None, "L201").len(), 0, "{text}");
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "ARN:aws:s3:::b"}]}"#;
        assert_eq!(findings(text, None, "L201").len(), 1, "{text}");
    }

    /// API Gateway's shorthand for its own methods, only in a resource policy.
    #[test]
    fn execute_api_shorthand_in_resource_policies() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "execute-api:Invoke", "Resource": "execute-api:/prod/GET/orders/*"}]}"#;
        assert_eq!(
            findings(text, Some(crate::PolicyKind::Resource), "L201").len(),
            0
        );
        assert_eq!(
            findings(text, Some(crate::PolicyKind::Identity), "L201").len(),
            1
        );
    }
}
