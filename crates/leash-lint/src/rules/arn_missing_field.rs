//! ## What it finds
//! A resource ARN with fewer than the six colon-separated fields
//! `arn:partition:service:region:account:resource`, such as
//! `arn:aws:s3:my-bucket` or `arn:aws:dynamodb:us-east-1:table/Orders`.
//!
//! ## Why it matters
//! Without all six fields the ARN cannot match any resource: the region
//! or account field has swallowed the resource part. IAM rejects it.
//! A field that ends in `*` is exempt, since such a `*` may span colons.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "dynamodb:GetItem",
//!  "Resource": "arn:aws:dynamodb:us-east-1:table/Orders"}
//! ```
//!
//! ## Fix
//! Write every field, leaving region or account empty where the service
//! has none: `arn:aws:dynamodb:us-east-1:111122223333:table/Orders`,
//! `arn:aws:s3:::my-bucket`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>

use super::util::resource_patterns;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::{Arn, ArnError};

pub static RULE: Rule = Rule {
    code: "L202",
    name: "arn-missing-field",
    severity: Severity::Error,
    summary: "a resource ARN has fewer than its six colon-separated fields",
    access_analyzer: Some("Error – Missing ARN field"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let text = pattern.node.as_str();
            if text.ends_with('*') {
                continue;
            }
            let Err(ArnError::MissingFields { found: fields }) = Arn::parse(text) else {
                continue;
            };
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("`{text}` has {fields} of the 6 ARN fields `arn:partition:service:region:account:resource`"),
                    pattern.span,
                )
                .with_label("missing a field")
                .with_help("keep every colon; leave the region or account empty where the service has none, e.g. `arn:aws:s3:::my-bucket`"),
            );
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn reports_only_what_aws_rejects() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b"}]}"#;
        assert_eq!(findings(text, None, "L202").len(), 0, "{text}");
        // a trailing `*` may span colons
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:*"}]}"#;
        assert_eq!(findings(text, None, "L202").len(), 0, "{text}");
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:b"}]}"#;
        assert_eq!(findings(text, None, "L202").len(), 1, "{text}");
    }
}
