//! ## What it finds
//! A Lambda function's role with an AWS managed policy that grants far
//! more than one function needs: any `*FullAccess` policy (warning), or
//! `AWSLambdaBasicExecutionRole` (info), including the one SAM attaches to
//! the role it generates.
//!
//! In a Terraform plan: an AWS managed policy attached by ARN
//! (`aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`,
//! `aws_iam_role_policy_attachments_exclusive`, the role's
//! `managed_policy_arns`) to the role of an `aws_lambda_function`,
//! reported at the ARN.
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

use super::{TemplateInput, TerraformInput};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;
use leash_iac::TerraformRoleLink;

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
        let functions: Vec<&str> = reference
            .attached_functions
            .iter()
            .map(String::as_str)
            .collect();
        let implicit = if reference.implicit {
            " (added by SAM)"
        } else {
            ""
        };
        out.extend(finding(arn, &functions, implicit, reference.arn.span));
    }
}

/// The same on a Terraform plan: an AWS managed policy
/// (`arn:PARTITION:iam::aws:policy/...`) attached by
/// `aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`,
/// `aws_iam_role_policy_attachments_exclusive` or the role's
/// `managed_policy_arns` to a role that an `aws_lambda_function`
/// runs with, reported at the ARN. A customer managed policy is judged by
/// its document, not its name.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    for attachment in &input.model.managed_policy_attachments {
        let arn = attachment.policy_arn.node.as_str();
        if !is_aws_managed_policy(arn) {
            continue;
        }
        let functions: Vec<&str> = input
            .model
            .functions
            .iter()
            .filter(|function| match &function.role {
                TerraformRoleLink::Role(address) => attachment.roles.contains(address),
                // A role outside the plan is named in the attachment as
                // written: the last part of the function's role ARN.
                TerraformRoleLink::Outside(role_arn) => {
                    let name = role_arn.rsplit('/').next().unwrap_or(role_arn);
                    attachment.roles.iter().any(|r| r == name)
                }
                TerraformRoleLink::Unknown => false,
            })
            .map(|function| function.address.as_str())
            .collect();
        if functions.is_empty() {
            continue;
        }
        if let Some(mut diagnostic) = finding(arn, &functions, "", attachment.policy_arn.span) {
            diagnostic.resource = Some(attachment.address.clone());
            out.push(diagnostic);
        }
    }
}

/// Whether an ARN is an AWS managed policy's:
/// `arn:PARTITION:iam::aws:policy/PATH/NAME`
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_managed-vs-inline.html#aws-managed-policies>).
fn is_aws_managed_policy(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", _, "iam", "", "aws", resource] if resource.starts_with("policy/"))
}

/// The finding for a managed policy `arn` on the role of `functions`, if
/// the policy is one this rule reports.
fn finding(
    arn: &str,
    functions: &[&str],
    implicit: &str,
    span: leash_policy::Span,
) -> Option<Diagnostic> {
    let name = arn.rsplit('/').next().unwrap_or(arn);
    let functions: Vec<String> = functions.iter().map(|f| format!("`{f}`")).collect();
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
        return None;
    };
    Some(
        Diagnostic::new(
            &RULE,
            format!("`{name}`{implicit} on the role of {}: it {why}", functions.join(", ")),
            span,
        )
        .with_severity(severity)
        .with_label("broader than the function needs")
        .with_help("grant only the function's own actions and resources; logs on `log-group:/aws/lambda/NAME:*`"),
    )
}

#[cfg(test)]
mod tests {
    use super::is_aws_managed_policy;

    // AWS managed policies live in the `aws` account of the partition:
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
    #[test]
    fn aws_managed_policies_are_told_by_their_account() {
        assert!(is_aws_managed_policy(
            "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"
        ));
        assert!(is_aws_managed_policy(
            "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        ));
        assert!(!is_aws_managed_policy(
            "arn:aws:iam::123456789012:policy/OrdersFullAccess"
        ));
        assert!(!is_aws_managed_policy("AmazonDynamoDBFullAccess"));
    }
}
