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

use super::util::{closest, resource_patterns};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::arn::Arn;

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
            // Judged on incomplete ARNs too (`arn:aws-x:s3`): the partition
            // is wrong whatever else is missing.
            let Some([Some(partition), Some(_), ..]) = Arn::parse_partial(&pattern.node) else {
                continue;
            };
            // A symbol (`${AWS::Partition}`) is the one partition of the
            // deployment: not an unknown one.
            if PARTITIONS.contains(&partition.as_str())
                || partition.is_pattern()
                || partition.has_variable()
                || partition.has_symbol()
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
            diagnostic = match closest(&partition, PARTITIONS.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_help(
                    "partitions are `aws`, `aws-cn`, `aws-us-gov` and the isolated `aws-iso*` ones",
                ),
            };
            out.push(diagnostic);
        }
    }
}

/// A symbol (a value known only at deployment, such as
/// `${AWS::Partition}`) stands for the deployment's one value: never
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
        let symbolic = "arn:FIELD:dynamodb:us-east-1:111122223333:table/T"
            .replace("FIELD", &symbol.to_string());
        assert!(
            findings(&policy(&symbolic), None, "L203").is_empty(),
            "{symbolic}"
        );
        let literal =
            "arn:FIELD:dynamodb:us-east-1:111122223333:table/T".replace("FIELD", "aws-xx");
        assert_eq!(
            findings(&policy(&literal), None, "L203").len(),
            1,
            "{literal}"
        );
    }
}
