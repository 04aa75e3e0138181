//! ## What it finds
//! A Lambda function's role with an AWS managed policy that grants far
//! more than one function needs: any `*FullAccess` policy (warning), or
//! `AWSLambdaBasicExecutionRole` (info), including the one SAM attaches to
//! the role it generates.
//!
//! ## Why it matters
//! `AmazonDynamoDBFullAccess` lets the function delete every table of the
//! account. `AWSLambdaBasicExecutionRole` grants `logs:CreateLogGroup`,
//! `logs:CreateLogStream` and `logs:PutLogEvents` on `*`: the function can
//! write into every log group of the account, not only its own
//! `/aws/lambda/NAME`. The roadmap this project started from recommends it
//! as the starting point.
//!
//! ## Example
//! ```yaml
//! GetOrder:
//!   Type: AWS::Serverless::Function
//!   Properties:
//!     Policies: [AmazonDynamoDBFullAccess]
//! ```
//!
//! ## Fix
//! Grant the actions the function uses on the resources it uses, and logs
//! on `arn:aws:logs:REGION:ACCOUNT:log-group:/aws/lambda/NAME:*` only.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html> and
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-use-aws-defined-policies>

use super::TemplateInput;
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;

pub static RULE: Rule = Rule {
    code: "L506",
    name: "broad-managed-policy-on-function-role",
    severity: Severity::Warning,
    summary: "a function's role has a `*FullAccess` policy or `AWSLambdaBasicExecutionRole`",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for reference in input.managed_policies {
        if reference.kind != PolicyKind::Identity || reference.attached_functions.is_empty() {
            continue;
        }
        let Some(arn) = reference.arn.as_str() else {
            continue;
        };
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let functions: Vec<String> = reference
            .attached_functions
            .iter()
            .map(|f| format!("`{f}`"))
            .collect();
        let (severity, why) = if name.ends_with("FullAccess") {
            (
                Severity::Warning,
                "grants every action of its service on every resource",
            )
        } else if name == "AWSLambdaBasicExecutionRole" {
            (
                Severity::Info,
                "grants log writes on every log group of the account, not only the function's own",
            )
        } else {
            continue;
        };
        let implicit = if reference.implicit {
            " (added by SAM)"
        } else {
            ""
        };
        out.push(
            Diagnostic::new(
                &RULE,
                format!("`{name}`{implicit} on the role of {}: it {why}", functions.join(", ")),
                reference.arn.span,
            )
            .with_severity(severity)
            .with_label("broader than the function needs")
            .with_help("grant only the function's own actions and resources; logs on `log-group:/aws/lambda/NAME:*`"),
        );
    }
}
