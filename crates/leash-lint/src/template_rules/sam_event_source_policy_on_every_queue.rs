//! ## What it finds
//! An SQS, Kinesis, DynamoDB or MSK event source of a SAM function whose
//! role SAM generates: SAM then attaches its poller policy
//! (`AWSLambdaSQSQueueExecutionRole`, `AWSLambdaKinesisExecutionRole`,
//! `AWSLambdaDynamoDBExecutionRole`, `AWSLambdaMSKExecutionRole`; the list
//! comes from SAM's own transform), which allows reading and deleting
//! from every queue, or reading every stream or cluster, of the account.
//! Reported at the event, with the scoped replacement: the policy's own
//! actions on the event's queue, stream or cluster (the actions without
//! resource-level permissions stay as they are).
//!
//! ## Why it matters
//! The function needs one queue; the policy lets it receive and delete the
//! messages of every queue in the account (or read every stream), so a
//! bug or a compromised dependency reaches other applications' data. SAM
//! attaches the policy even when `Policies` already grants the queue
//! (aws/serverless-application-model#2118), so the only way to scope it is
//! a role of your own.
//!
//! ## Example
//! ```yaml
//! Consumer:
//!   Type: AWS::Serverless::Function
//!   Properties:
//!     Events:
//!       Jobs:
//!         Type: SQS
//!         Properties: {Queue: !GetAtt JobsQueue.Arn}
//! ```
//!
//! ## Fix
//! Give the function a `Role` whose policy allows the poller's actions on
//! the event's own queue or stream (`sqs:ReceiveMessage`,
//! `sqs:DeleteMessage`, `sqs:GetQueueAttributes` on `!GetAtt JobsQueue.Arn`),
//! plus what the function itself needs; or accept the finding.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-policies>,
//! <https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions>,
//! <https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaSQSQueueExecutionRole.html>

use super::TemplateInput;
use crate::{Diagnostic, Rule, Severity};
use leash_policy::{Effect, Value, ValueKind};

pub static RULE: Rule = Rule {
    code: "L510",
    name: "sam-event-source-policy-on-every-queue",
    severity: Severity::Warning,
    summary: "SAM attaches a poller policy on every queue or stream of the account for an event source",
    access_analyzer: None,
    check: None,
};

/// The event property that names the polled resource, and its service,
/// per SAM event type
/// (<https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-eventsource.html>).
fn source(event_type: &str) -> Option<(&'static str, &'static str, &'static str)> {
    Some(match event_type {
        "SQS" => ("Queue", "sqs", "queue"),
        "Kinesis" => ("Stream", "kinesis", "stream"),
        "DynamoDB" => ("Stream", "dynamodb", "table stream"),
        "MSK" => ("Stream", "kafka", "cluster"),
        _ => return None,
    })
}

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for reference in input.managed_policies {
        if !reference.implicit {
            continue;
        }
        let Some(event_name) = reference.path.strip_prefix("Properties.Events.") else {
            continue;
        };
        let Some(arn) = reference.arn.as_str() else {
            continue;
        };
        let name = arn.rsplit('/').next().unwrap_or(arn);
        let Some(resource) = input.template.resource(&reference.resource_id) else {
            continue;
        };
        let Some(event) = resource
            .properties
            .get("Events")
            .and_then(Value::as_object)
            .and_then(|events| events.iter().rev().find(|e| e.key.node == event_name))
        else {
            continue;
        };
        let Some((property, service, kind)) = event
            .value
            .get("Type")
            .and_then(Value::as_str)
            .and_then(source)
        else {
            continue;
        };
        let Some(policy) = leash_catalog::aws_managed_policy(name) else {
            continue;
        };
        let Some((scoped, unscoped)) = replacement(policy.document, service) else {
            continue;
        };
        if scoped.is_empty() {
            continue;
        }
        let polled = event
            .value
            .get("Properties")
            .and_then(|p| p.get(property))
            .map(|v| as_written(input, v))
            .unwrap_or_else(|| format!("the event's {kind}"));
        let scoped_names: Vec<&str> = scoped.iter().map(String::as_str).collect();
        let mut help = format!(
            "SAM attaches it to the role it generates whatever `Policies` says; to scope it, give `{}` a `Role` whose policy allows {} on `{polled}`",
            reference.resource_id,
            list(&scoped_names)
        );
        if !unscoped.is_empty() {
            let names: Vec<&str> = unscoped.iter().map(String::as_str).collect();
            help.push_str(&format!(
                " and {}, which ha{} no resource-level permissions",
                list(&names),
                if names.len() == 1 { "s" } else { "ve" }
            ));
        }
        help.push_str(", plus logs on the function's own log group");
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "SAM attaches `{name}` to the role of `{}` for event `{event_name}`: it allows {} on every {kind} of the account, not only `{polled}`",
                    reference.resource_id,
                    list(&scoped_names)
                ),
                event.key.span,
            )
            .with_label(format!("every {kind} of the account"))
            .with_help(help),
        );
    }
}

fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// The actions of the managed policy `document` but logs (the function's
/// basic policy has those): those of `service` that can name a resource,
/// and the others (which keep the document's resource), in its order.
fn replacement(document: &str, service: &str) -> Option<(Vec<String>, Vec<String>)> {
    let policy = leash_policy::parse::parse_policy_text(document).policy?;
    let catalog = leash_catalog::catalog();
    let (mut scoped, mut unscoped) = (Vec::new(), Vec::new());
    for statement in &policy.statements {
        if statement.effect.node != Effect::Allow || statement.action.node.negated {
            continue;
        }
        for pattern in &statement.action.node.patterns {
            for action in catalog.expand(&pattern.node) {
                if action.service() == "logs" {
                    continue;
                }
                let name = action.full_name();
                let list = if action.service() == service && !action.resource_types().is_empty() {
                    &mut scoped
                } else {
                    &mut unscoped
                };
                if !list.contains(&name) {
                    list.push(name);
                }
            }
        }
    }
    Some((scoped, unscoped))
}

/// The value as the template writes it (`!GetAtt Jobs.Arn`), from the
/// template's text when it is one short line; else rebuilt from the tree.
fn as_written(input: &TemplateInput<'_>, value: &Value) -> String {
    if let Some(source) = &input.template.source
        && let Some(text) = source.get(value.span.start..value.span.end)
    {
        let text = text.trim();
        if !text.is_empty() && !text.contains('\n') && text.len() <= 120 {
            return text.to_string();
        }
    }
    match &value.kind {
        ValueKind::String(text) => text.clone(),
        ValueKind::Object(members) if members.len() == 1 => {
            let member = &members[0];
            match (member.key.node.as_str(), &member.value.kind) {
                ("Ref", ValueKind::String(target)) => format!("!Ref {target}"),
                ("Fn::GetAtt", ValueKind::String(target)) => format!("!GetAtt {target}"),
                ("Fn::GetAtt", ValueKind::Array(parts)) => {
                    let parts: Vec<&str> = parts.iter().filter_map(Value::as_str).collect();
                    format!("!GetAtt {}", parts.join("."))
                }
                ("Fn::Sub", ValueKind::String(text)) => format!("!Sub '{text}'"),
                (key, _) => format!("{key}: ..."),
            }
        }
        _ => "the event's source".to_string(),
    }
}
