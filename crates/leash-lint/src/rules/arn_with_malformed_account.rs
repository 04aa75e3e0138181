//! ## What it finds
//! A resource ARN whose account field is not empty, not a wildcard, not
//! `aws` (AWS-owned resources such as managed policies) and not a 12-digit
//! account ID: `12345678901`, `my-account`, `1111-2222-3333`.
//!
//! ## Why it matters
//! Account IDs in ARNs are exactly 12 digits, leading zeros included; any
//! other value matches no resource, so the statement does nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "sns:Publish",
//!  "Resource": "arn:aws:sns:us-east-1:11112222333:alerts"}
//! ```
//!
//! ## Fix
//! Write the 12-digit account ID (keep leading zeros), or `*`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/accounts/latest/reference/manage-acct-identifiers.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

use super::util::resource_patterns;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::Arn;

pub static RULE: Rule = Rule {
    code: "L206",
    name: "arn-with-malformed-account",
    severity: Severity::Error,
    summary: "the account field of a resource ARN is not a 12-digit account ID",
    access_analyzer: Some("Error – Invalid ARN account"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let Ok(arn) = Arn::parse(&pattern.node) else {
                continue;
            };
            let account = arn.account().as_str();
            let is_account_id = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
            // A symbol (`${AWS::AccountId}`) is the deployment's account.
            if account.is_empty()
                || account == "aws"
                || is_account_id
                || !arn.account().is_literal()
            {
                continue;
            }
            let digits = account.bytes().filter(u8::is_ascii_digit).count();
            let help = if digits == account.len() {
                format!("account IDs have 12 digits, this one has {digits}; keep leading zeros")
            } else {
                "account IDs are 12 digits, without dashes".to_string()
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "`{account}` in `{}` is not a 12-digit account ID",
                        pattern.node
                    ),
                    pattern.span,
                )
                .with_label("malformed account")
                .with_help(help),
            );
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn reports_only_what_aws_rejects() {
        // AWS managed policies
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:iam::aws:policy/ReadOnlyAccess"}]}"#;
        assert_eq!(findings(text, None, "L206").len(), 0, "{text}");
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:sns:*:${aws:PrincipalAccount}:t"}]}"#;
        assert_eq!(findings(text, None, "L206").len(), 0, "{text}");
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:sns:us-east-1:1111-2222-3333:t"}]}"#;
        assert_eq!(findings(text, None, "L206").len(), 1, "{text}");
    }
}

/// A symbol (a value known only at deployment, such as
/// `${AWS::AccountId}`) stands for the deployment's one value: never
/// reported as malformed, while the same ARN with bad literal text is.
#[cfg(test)]
mod symbol_tests {
    #![allow(clippy::unwrap_used)]
    use super::super::util::findings;

    #[test]
    fn a_symbolic_field_is_not_reported() {
        let symbol = leash_policy::symbol::symbol_char(0).unwrap();
        let policy = |resource: &str| {
            format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "{resource}"}}]}}"#
            )
        };
        let symbolic =
            "arn:aws:dynamodb:us-east-1:FIELD:table/T".replace("FIELD", &symbol.to_string());
        assert!(
            findings(&policy(&symbolic), None, "L206").is_empty(),
            "{symbolic}"
        );
        let literal = "arn:aws:dynamodb:us-east-1:FIELD:table/T".replace("FIELD", "1111-2222-3333");
        assert_eq!(
            findings(&policy(&literal), None, "L206").len(),
            1,
            "{literal}"
        );
    }
}
