//! ## What it finds
//! An Allow, on every resource (`"Resource": "*"` or `NotResource`) and
//! without a condition, of an action that reads data out of a service:
//!
//! `s3:GetObject`, `s3:GetObjectVersion`, `secretsmanager:GetSecretValue`,
//! `ssm:GetParameter`, `ssm:GetParameters`, `ssm:GetParametersByPath`,
//! `ssm:GetParameterHistory`, `kms:Decrypt`, `dynamodb:GetItem`,
//! `dynamodb:BatchGetItem`, `dynamodb:Query`, `dynamodb:Scan`,
//! `dynamodb:ExportTableToPointInTime`, `lambda:GetFunction` (downloads
//! the code), `sqs:ReceiveMessage`, `kinesis:GetRecords`,
//! `logs:GetLogEvents`, `logs:FilterLogEvents`, `ecr:BatchGetImage`,
//! `ecr:GetDownloadUrlForLayer`, `codecommit:GitPull`,
//! `rds:DownloadDBLogFilePortion`, granted by name or by a wildcard such
//! as `s3:Get*` (`*` alone is left to `every-action-allowed`).
//!
//! ## Why it matters
//! These actions return the contents of objects, secrets, parameters,
//! items, messages and logs. On every resource, a leaked credential or a
//! compromised function can read all of the account's data of that kind.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"}
//! ```
//!
//! ## Fix
//! Name the resources: one secret, one table, one bucket prefix; or keep
//! `*` with a condition such as `aws:ResourceTag/team`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>

use super::util::{applies_to_every_resource, list_for_message, patterns_granting_any};
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L411",
    name: "data-exfiltration-action-on-any-resource",
    severity: Severity::Warning,
    summary: "an action that reads data out of a service is allowed on every resource without a condition",
    access_analyzer: None,
    check: Some(check),
};

pub(crate) const DATA_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:GetObjectVersion",
    "secretsmanager:GetSecretValue",
    "ssm:GetParameter",
    "ssm:GetParameters",
    "ssm:GetParametersByPath",
    "ssm:GetParameterHistory",
    "kms:Decrypt",
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ExportTableToPointInTime",
    "lambda:GetFunction",
    "sqs:ReceiveMessage",
    "kinesis:GetRecords",
    "logs:GetLogEvents",
    "logs:FilterLogEvents",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
    "codecommit:GitPull",
    "rds:DownloadDBLogFilePortion",
];

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.condition.is_some() || !applies_to_every_resource(statement) {
            continue;
        }
        for (pattern, granted) in patterns_granting_any(statement, DATA_ACTIONS) {
            let what = if granted.len() == 1 && granted[0].eq_ignore_ascii_case(&pattern.node) {
                format!("`{}` reads data and is allowed", pattern.node)
            } else {
                format!(
                    "`{}` grants {}, which {} data,",
                    pattern.node,
                    list_for_message(&granted, 3),
                    if granted.len() == 1 { "reads" } else { "read" }
                )
            };
            out.push(
                Diagnostic::new(&RULE, format!("{what} on every resource, with no condition"), pattern.span)
                    .with_label("reads any resource's data")
                    .with_help("name the resources (one secret, table or bucket prefix), or add a condition such as `aws:ResourceTag/<key>`"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_action_is_in_the_catalog() {
        for action in DATA_ACTIONS {
            assert!(
                leash_catalog::catalog().action(action).is_some(),
                "{action}"
            );
        }
    }
}
