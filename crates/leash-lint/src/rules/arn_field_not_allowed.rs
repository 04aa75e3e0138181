//! ## What it finds
//! A resource ARN that fills in the region or account field where every
//! resource type it can denote has that field empty: a region in an IAM
//! role ARN (`arn:aws:iam:us-east-1:111122223333:role/app`), an account in
//! an S3 bucket ARN (`arn:aws:s3::111122223333:my-bucket`).
//!
//! ## Why it matters
//! The resource's real ARN has the field empty, so the pattern matches
//! nothing and the statement does nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:ListBucket",
//!  "Resource": "arn:aws:s3:us-east-1:111122223333:my-bucket"}
//! ```
//!
//! ## Fix
//! Leave the field empty: `arn:aws:s3:::my-bucket`,
//! `arn:aws:iam::111122223333:role/app`. The resource types and their ARN
//! formats are in the Service Authorization Reference.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::resource_patterns;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::{Arn, ArnSegment};

pub static RULE: Rule = Rule {
    code: "L207",
    name: "arn-field-not-allowed",
    severity: Severity::Error,
    summary: "a resource ARN has a region or account where the resource type has none",
    access_analyzer: Some("Error – ARN Region not allowed, ARN account not allowed"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let Ok(arn) = Arn::parse(&pattern.node) else {
                continue;
            };
            let service = arn.service().as_str();
            for segment in [ArnSegment::Region, ArnSegment::Account] {
                let (name, value) = (segment.name(), arn.segment(segment));
                // Judged on plain text only: a wildcard or policy variable
                // may be empty, and a symbol (`${AWS::Region}`) is left to
                // the rules that know the template.
                if value.is_empty() || !value.is_literal() {
                    continue;
                }
                // Ask which types the ARN could denote with this field left
                // open; if they all leave it empty, the value is wrong.
                let Some(probe) = arn.with(segment, "*") else {
                    continue;
                };
                let types = leash_catalog::catalog().resource_types_for_arn(&probe.to_string());
                let own: Vec<_> = types.iter().filter(|t| t.service() == service).collect();
                if own.is_empty() {
                    continue;
                }
                let all_empty = own.iter().all(|t| {
                    t.arn_templates()
                        .iter()
                        .all(|template| template.segment(segment).is_empty())
                });
                if !all_empty {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "`{}` has the {name} `{value}`, but `{service}` {} ARNs have no {name}",
                            pattern.node,
                            own.first().map(|t| t.name()).unwrap_or("resource"),
                        ),
                        pattern.span,
                    )
                    .with_label(format!("{name} not allowed"))
                    .with_help(format!("leave the {name} field empty, keeping its colons")),
                );
            }
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn reports_only_what_aws_rejects() {
        // access points have a region and account
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:us-east-1:111122223333:accesspoint/reports"}]}"#;
        assert_eq!(findings(text, None, "L207").len(), 0, "{text}");
        // bucket objects without region or account
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]}"#;
        assert_eq!(findings(text, None, "L207").len(), 0, "{text}");
        // roles have an account
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:iam::111122223333:role/app"}]}"#;
        assert_eq!(findings(text, None, "L207").len(), 0, "{text}");
        // hosted zones have no account
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:route53::111122223333:hostedzone/Z1"}]}"#;
        assert_eq!(findings(text, None, "L207").len(), 1, "{text}");
        // a wildcard region is not checked, the account is
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:*:111122223333:my-bucket"}]}"#;
        assert_eq!(findings(text, None, "L207").len(), 1, "{text}");
    }
}
