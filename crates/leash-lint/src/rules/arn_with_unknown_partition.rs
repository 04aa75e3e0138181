//! ## What it finds
//! A resource ARN whose partition (the second field) is not an AWS
//! partition: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`,
//! `aws-iso-e`, `aws-iso-f` or `aws-eusc`. Wildcards are accepted.
//!
//! ## Why it matters
//! No resource lives in an unknown partition, so the ARN matches nothing;
//! a typo such as `arn:amazon:` or `arn:aws-us-east-1:` silently disables
//! the statement.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "sqs:SendMessage",
//!  "Resource": "arn:amazon:sqs:us-east-1:111122223333:orders"}
//! ```
//!
//! ## Fix
//! Use the partition of the account: `aws` for commercial regions.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html>
//! and <https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html>

use super::util::{closest, has_wildcard, resource_patterns};
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L203",
    name: "arn-with-unknown-partition",
    severity: Severity::Error,
    summary: "a resource ARN names a partition AWS does not have",
    access_analyzer: Some("Error – Invalid partition"),
    check: Some(check),
};

const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for pattern in resource_patterns(statement) {
            let mut fields = pattern.node.split(':');
            let (Some("arn"), Some(partition)) = (fields.next(), fields.next()) else {
                continue;
            };
            if fields.next().is_none()
                || PARTITIONS.contains(&partition)
                || has_wildcard(partition)
                || super::util::has_symbol(partition)
                || partition.contains("${")
            {
                continue;
            }
            let mut diagnostic = Diagnostic::new(
                &RULE,
                format!(
                    "`{partition}` in `{}` is not an AWS partition",
                    pattern.node
                ),
                pattern.span,
            )
            .with_label("unknown partition");
            diagnostic = match closest(partition, PARTITIONS.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(
                    "partitions are `aws`, `aws-cn`, `aws-us-gov` and the isolated `aws-iso*` ones",
                ),
            };
            out.push(diagnostic);
        }
    }
}
