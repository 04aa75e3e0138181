//! ## What it finds
//! A Lambda function's role with an AWS managed policy that grants far
//! more than one function needs, judged by the policy's own document
//! (embedded from AWS's managed policies, `leash_catalog::aws_managed_policy`),
//! not its name (warning):
//! - every action (`AdministratorAccess`), or every action but a few
//!   (`PowerUserAccess`, written with `NotAction`), on every resource;
//! - write or permissions-management actions, of any service, on every
//!   resource of that service (`"Resource": "*"`, or an ARN such as
//!   `arn:aws:apigateway:*::/*`), for actions that could name a resource:
//!   `AmazonDynamoDBFullAccess`, `AmazonAPIGatewayAdministrator`,
//!   `AWSLambdaExecute`.
//!
//! `AWSLambdaBasicExecutionRole` (and its durable variant) is reported as
//! info, including the one SAM attaches to the role it generates. The
//! other policies SAM attaches on its own (X-Ray for `Tracing`,
//! `AWSLambdaVPCAccessExecutionRole` for `VpcConfig`) are what Lambda
//! needs and are not reported; the poller policies SAM attaches for event
//! sources are `sam-event-source-policy-on-every-queue`'s. A policy leash
//! does not have (newer than its data) is judged by its name:
//! `*FullAccess`, `*Administrator*`, `PowerUserAccess`.
//!
//! In a Terraform plan: an AWS managed policy attached by ARN
//! (`aws_iam_role_policy_attachment`, `aws_iam_policy_attachment`,
//! `aws_iam_role_policy_attachments_exclusive`, the role's
//! `managed_policy_arns`) to the role of an `aws_lambda_function`,
//! reported at the ARN.
//!
//! ## Why it matters
//! `AmazonDynamoDBFullAccess` lets the function delete every table of the
//! account; `AmazonAPIGatewayAdministrator` lets it change or delete every
//! API. `AWSLambdaBasicExecutionRole` grants `logs:CreateLogGroup`,
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
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html>,
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayAdministrator.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-use-aws-defined-policies>
//! and <https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html>

use super::{TemplateInput, TerraformInput};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;
use leash_iac::TerraformRoleLink;
use leash_policy::arn::{Arn, split_fields};

pub static RULE: Rule = Rule {
    code: "L506",
    name: "broad-managed-policy-on-function-role",
    severity: Severity::Warning,
    summary: "a function's role has an AWS managed policy that writes to every resource of a service (by its document), or `AWSLambdaBasicExecutionRole`",
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
        // SAM's poller policies are judged at their event source; one SAM
        // adds that `Policies` names too is reported once, where written.
        if reference.implicit
            && (reference.path.starts_with("Properties.Events.")
                || input.managed_policies.iter().any(|other| {
                    !other.implicit
                        && other.kind == reference.kind
                        && other.arn.as_str() == Some(arn)
                        && other.attached_functions == reference.attached_functions
                }))
        {
            continue;
        }
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
    Arn::parse(arn).is_ok_and(|arn| {
        arn.service() == "iam"
            && arn.region().is_empty()
            && arn.account() == "aws"
            && arn.resource().starts_with("policy/")
    })
}

/// Policies of Lambda's execution setup that SAM attaches on its own and
/// Lambda needs as they are (X-Ray only takes `*`; the VPC policy's
/// network interface actions are the ones Lambda documents):
/// <https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions>.
const LAMBDA_SETUP_POLICIES: &[&str] = &[
    "AWSLambdaVPCAccessExecutionRole",
    "AWSXrayWriteOnlyAccess",
    "AWSXRayDaemonWriteAccess",
];

/// The log writes every function needs on its own log group: on every log
/// group they are the info finding of `AWSLambdaBasicExecutionRole`, not
/// counted among a policy's broad writes.
const LOG_WRITES: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
];

const LOG_WRITES_EVERYWHERE: &str =
    "grants log writes on every log group of the account, not only the function's own";

/// Log writes on every log group, reported as info.
const LOG_POLICIES: &[&str] = &[
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaBasicDurableExecutionRolePolicy",
];

/// What a managed policy's document allows that is broad, as a phrase
/// ("allows every action on every resource"), or `None`.
pub(crate) fn breadth(name: &str) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<String, Option<String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Ok(cache) = cache.lock()
        && let Some(known) = cache.get(name)
    {
        return known.clone();
    }
    let judged = match leash_catalog::aws_managed_policy(name) {
        Some(policy) => breadth_of_document(policy.document),
        None => breadth_by_name(name),
    };
    if let Ok(mut cache) = cache.lock() {
        cache.insert(name.to_string(), judged.clone());
    }
    judged
}

/// For a policy leash has no document of: what its name promises.
fn breadth_by_name(name: &str) -> Option<String> {
    if name == "AdministratorAccess" || name == "PowerUserAccess" {
        Some("allows (nearly) every action on every resource".into())
    } else if name.ends_with("FullAccess") || name.contains("Administrator") {
        Some("grants, by its name, every action of its service on every resource".into())
    } else {
        None
    }
}

/// Whether a `Resource` pattern is every resource of its service: `*`, or
/// an ARN whose region, account and resource are all wildcards or empty
/// (`arn:aws:apigateway:*::/*`, `arn:aws:s3:::*`, `arn:aws:logs:*:*:*`).
fn every_resource_of_its_service(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Some([_, _, _, region, account, resource]) = split_fields(pattern) else {
        return false;
    };
    let open = |s: &str| s.is_empty() || s == "*";
    open(region)
        && open(account)
        && !resource.is_empty()
        && resource.chars().all(|c| c == '*' || c == '/')
}

/// The broad part of a managed policy document (see the module docs).
fn breadth_of_document(document: &str) -> Option<String> {
    use leash_catalog::AccessLevel;
    use leash_policy::Effect;
    let policy = leash_policy::parse::parse_policy_text(document).policy?;
    let catalog = leash_catalog::catalog();
    let mut writes: Vec<String> = Vec::new();
    let mut permissions: Vec<String> = Vec::new();
    let mut log_writes = false;
    for statement in &policy.statements {
        if statement.effect.node != Effect::Allow || statement.condition.is_some() {
            continue;
        }
        let Some(resource) = &statement.resource else {
            continue;
        };
        let every = resource.node.negated
            || resource
                .node
                .patterns
                .iter()
                .any(|p| every_resource_of_its_service(&p.node));
        if !every {
            continue;
        }
        if statement.action.node.negated {
            let excluded: Vec<&str> = statement
                .action
                .node
                .patterns
                .iter()
                .map(|p| p.node.as_str())
                .collect();
            return Some(format!(
                "allows every action but {} on every resource",
                crate::rules::util::list_for_message(&excluded, 3)
            ));
        }
        for pattern in &statement.action.node.patterns {
            if pattern.node == "*" || pattern.node == "*:*" {
                return Some("allows every action on every resource".into());
            }
            for action in catalog.expand(&pattern.node) {
                // Only `*` can be given to an action without resource
                // types: a grant on `*` is not broader than it must be.
                if action.resource_types().is_empty() {
                    continue;
                }
                let name = action.full_name();
                if LOG_WRITES.contains(&name.as_str()) {
                    log_writes = true;
                    continue;
                }
                let list = match action.access_level() {
                    AccessLevel::PermissionsManagement => &mut permissions,
                    AccessLevel::Write => &mut writes,
                    _ => continue,
                };
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        }
    }
    if writes.is_empty() && permissions.is_empty() {
        return log_writes.then(|| LOG_WRITES_EVERYWHERE.to_string());
    }
    // Services by how many of the actions are theirs, most first.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for service in writes
        .iter()
        .chain(&permissions)
        .filter_map(|a| a.split(':').next())
    {
        match counts.iter_mut().find(|(s, _)| *s == service) {
            Some((_, count)) => *count += 1,
            None => counts.push((service, 1)),
        }
    }
    counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let services: Vec<&str> = counts.iter().map(|(s, _)| *s).collect();
    let services = crate::rules::util::list_for_message(&services, 2);
    let mut phrase = if writes.is_empty() {
        "allows".to_string()
    } else if writes.len() <= 3 {
        let named: Vec<&str> = writes.iter().map(String::as_str).collect();
        format!(
            "allows {} (write) on every resource",
            crate::rules::util::list_for_message(&named, 3)
        )
    } else {
        format!(
            "allows {} write actions of {services} on every resource",
            writes.len(),
        )
    };
    if !permissions.is_empty() {
        let named: Vec<&str> = permissions.iter().map(String::as_str).collect();
        let listed = crate::rules::util::list_for_message(&named, 2);
        if writes.is_empty() {
            phrase.push_str(&format!(
                " {listed}, which change{} permissions, on every resource",
                if permissions.len() == 1 { "s" } else { "" }
            ));
        } else {
            phrase.push_str(&format!(
                ", and {} that change{} permissions ({listed})",
                permissions.len(),
                if permissions.len() == 1 { "s" } else { "" },
            ));
        }
    }
    Some(phrase)
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
    if !is_aws_managed_policy(arn) || LAMBDA_SETUP_POLICIES.contains(&name) {
        return None;
    }
    let functions: Vec<String> = functions.iter().map(|f| format!("`{f}`")).collect();
    let why = if LOG_POLICIES.contains(&name) {
        LOG_WRITES_EVERYWHERE.to_string()
    } else {
        breadth(name)?
    };
    let severity = if why == LOG_WRITES_EVERYWHERE {
        Severity::Info
    } else {
        Severity::Warning
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
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{breadth, is_aws_managed_policy};

    /// Judged by the documents embedded from AWS's managed policies.
    #[test]
    fn breadth_comes_from_the_document() {
        // `PowerUserAccess` allows everything but IAM and Organizations
        // through `NotAction`.
        assert!(
            breadth("PowerUserAccess")
                .unwrap()
                .starts_with("allows every action but `iam:*`"),
            "{:?}",
            breadth("PowerUserAccess")
        );
        assert_eq!(
            breadth("AdministratorAccess").as_deref(),
            Some("allows every action on every resource")
        );
        // Read-only and log-only policies are not broad writes.
        assert_eq!(breadth("AmazonS3ReadOnlyAccess"), None);
        assert!(
            breadth("CloudWatchLambdaInsightsExecutionRolePolicy")
                .unwrap()
                .contains("log writes")
        );
        // Unknown to the embedded data: by name.
        assert!(breadth("ExampleNewServiceFullAccess").is_some());
        assert_eq!(breadth("ExampleNewServiceReadOnlyAccess"), None);
    }

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
