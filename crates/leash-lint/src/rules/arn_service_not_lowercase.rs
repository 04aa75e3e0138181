//! ## What it finds
//! A resource ARN whose service field has uppercase letters, such as
//! `arn:aws:S3:::my-bucket` or `arn:aws:DynamoDB:...`.
//!
//! ## Why it matters
//! Resource ARNs are matched case-sensitively and service prefixes are
//! lowercase, so the ARN matches no resource and the statement does
//! nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:S3:::my-bucket/*"}
//! ```
//!
//! ## Fix
//! Write the service prefix in lowercase (a safe fix is offered).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>
//! and <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>

use super::util::resource_patterns;
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};
use leash_policy::arn::Arn;

pub static RULE: Rule = Rule {
    code: "L204",
    name: "arn-service-not-lowercase",
    severity: Severity::Error,
    summary: "the service field of a resource ARN has uppercase letters",
    access_analyzer: Some("Error – Invalid ARN service case"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let text = pattern.node.as_str();
            // Judged as soon as a field follows the service (`arn:aws:S3:`).
            let Some([Some(partition), Some(service), Some(_), ..]) = Arn::parse_partial(text)
            else {
                continue;
            };
            let (partition, service) = (partition.as_str(), service.as_str());
            if !service.bytes().any(|b| b.is_ascii_uppercase()) {
                continue;
            }
            let lowercase = service.to_ascii_lowercase();
            let mut diagnostic = Diagnostic::new(
                &RULE,
                format!("the service `{service}` in `{text}` must be lowercase"),
                pattern.span,
            )
            .with_label("uppercase service prefix")
            .with_help(format!("write `{lowercase}`"));
            // Only when the string is written as is (no escapes) can text
            // offsets be turned into source offsets.
            if super::util::has_exact_inner_spans(text, pattern.span) {
                let start = "arn:".len() + partition.len() + 1;
                diagnostic = diagnostic.with_fix(Fix {
                    message: format!("write `{lowercase}`"),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span: super::util::inner_span(
                            text,
                            pattern.span,
                            start..start + service.len(),
                        ),
                        replacement: lowercase.clone(),
                    }],
                });
            }
            out.push(diagnostic);
        }
    }
}
