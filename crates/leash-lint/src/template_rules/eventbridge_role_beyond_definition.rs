//! ## What it finds
//! An EventBridge pipe (`AWS::Pipes::Pipe`), schedule
//! (`AWS::Scheduler::Schedule`) or rule with role-bearing targets
//! (`AWS::Events::Rule` `Targets[].RoleArn`) whose role allows an action
//! of a service on every resource (`*`, or every resource of the service,
//! such as `stream/*`) when the resource names every resource of that
//! service it reaches, or allows a service it never reaches. What the
//! pipe, schedule or rule reaches is read as `leash design` reads it
//! (`leash_iac::eventbridge`: the pipe's source, enrichment, target and
//! dead-letter queue; the schedule's target, dead-letter queue and key;
//! the rule's targets that name the role). A source, target or log
//! destination leash does not model, a universal target's service and
//! KMS are not reported.
//!
//! The same for the schedule SAM writes for a `ScheduleV2` event of an
//! `AWS::Serverless::Function` or `AWS::Serverless::StateMachine` whose
//! `RoleArn` names (`!GetAtt R.Arn`, `!Ref R`) a role `R` of the
//! template: what it reaches is its target (the function or state
//! machine), dead-letter queue and key, read as `leash design` reads the
//! event. A state machine's `Schedule` event is read too, but SAM's
//! transform takes its `RoleArn` as a string only (rejecting
//! `Fn::GetAtt`), and `EventBridgeRule` and `CloudWatchEvent` events have
//! no `RoleArn`. The role SAM generates for an event without `RoleArn`
//! grants exactly what it reaches and is not judged. Nor is a role
//! something else may run as: one a function, state machine or other
//! principal also runs as, or that anything but the event's `RoleArn`
//! refers to (another event, a resource, an output), since a statement
//! this event does not use may serve that user. No template of the corpus
//! has such an event (`sam-templates` and `sam-apps`: no new finding).
//!
//! A role another function or principal also runs as is not judged
//! (a statement beyond this one's use may be the other's).
//!
//! ## Why it matters
//! A pipe moves records from its source to its target, a schedule invokes
//! its target, a rule sends to its targets: the role is used for nothing
//! else. A role that reaches further only serves whoever else can get
//! EventBridge (or an edited pipe, schedule or rule) to use it: a
//! scheduler role with `lambda:InvokeFunction` on `*` can call every
//! function of the account.
//!
//! ## Example
//! ```yaml
//! Nightly:
//!   Type: AWS::Scheduler::Schedule
//!   Properties:
//!     ScheduleExpression: rate(1 day)
//!     FlexibleTimeWindow: {Mode: "OFF"}
//!     Target: {Arn: !GetAtt Report.Arn, RoleArn: !GetAtt SchedulerRole.Arn}
//! SchedulerRole:   # its policy: lambda:InvokeFunction on "*", sqs:SendMessage on a queue
//! ```
//!
//! ## Fix
//! Grant what the pipe, schedule or rule reaches, on the resources it
//! names (the finding lists them; `leash design` writes that role, with
//! the template's grant superseded), and nothing for services it never
//! reaches.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-permissions.html>,
//! <https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html#setting-up-execution-role>,
//! <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>,
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-function-schedulev2.html>
//! (`RoleArn`: the schedule's role; without it SAM creates one),
//! <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-statemachine-statemachineschedule.html>

use super::state_machine_role_beyond_definition::{Subject, report_role, report_template_role};
use super::{TemplateInput, references_in};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;
use leash_iac::eventbridge::{
    EventBridgeKind, SamEvent, read_eventbridge_principal, read_sam_event, sam_events,
};

pub static RULE: Rule = Rule {
    code: "L514",
    name: "eventbridge-role-beyond-definition",
    severity: Severity::Warning,
    summary: "an EventBridge pipe's, schedule's or rule target's role reaches beyond what the resource uses",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let context = leash_iac::ResolveContext::default();
    for resource in &input.template.resources {
        let Some(kind) = EventBridgeKind::of_type(&resource.resource_type.node) else {
            continue;
        };
        if leash_iac::eventbridge::role_values(resource).is_empty() {
            continue;
        }
        let id = &resource.logical_id.node;
        let resolve = |value: &leash_policy::Value| {
            leash_iac::resolve_with(value, input.template, &context).value
        };
        let reading = read_eventbridge_principal(resource, kind, &resolve);
        if reading.summary.unknown.contains_key("*") {
            continue;
        }
        // The words of the findings, agreeing with what tells the uses.
        let (noun, uses, uses_in, plural) = match kind {
            EventBridgeKind::Pipe => (
                "pipe",
                "its source, enrichment and target",
                "the source, enrichment and target",
                true,
            ),
            EventBridgeKind::Schedule => ("schedule", "its target", "the target", false),
            EventBridgeKind::RuleTarget => ("rule", "its targets", "the targets", true),
        };
        let subject = Subject {
            rule: &RULE,
            role: format!("{noun} `{id}`'s role"),
            uses,
            uses_in,
            calls: if plural { "call" } else { "calls" },
            names: if plural { "name" } else { "names" },
            they_call: if plural { "they call" } else { "it calls" },
        };
        report_role(input, id, &subject, &reading, out);
    }
    sam_event_roles(input, &context, out);
}

/// The schedules and rules SAM writes for events whose `RoleArn` names a
/// template role that nothing else uses.
fn sam_event_roles(
    input: &TemplateInput<'_>,
    context: &leash_iac::ResolveContext,
    out: &mut Vec<Diagnostic>,
) {
    let resolve =
        |value: &leash_policy::Value| leash_iac::resolve_with(value, input.template, context).value;
    for resource in &input.template.resources {
        for event in sam_events(resource) {
            let Some(role) = event
                .role
                .and_then(leash_iac::delivery::reference_target)
                .filter(|role| {
                    input
                        .template
                        .resource(role)
                        .is_some_and(|r| r.resource_type.node == "AWS::IAM::Role")
                })
            else {
                continue;
            };
            if used_by_others(input, &role, &event) {
                continue;
            }
            let reading = read_sam_event(&event, &resolve);
            if reading.summary.unknown.contains_key("*") {
                continue;
            }
            let subject = Subject {
                rule: &RULE,
                role: format!(
                    "the role of SAM `{}` event `{}` of `{}`",
                    event.event_type, event.event, event.resource
                ),
                uses: "its target",
                uses_in: "the target",
                calls: "calls",
                names: "names",
                they_call: "it calls",
            };
            report_template_role(input, &role, &subject, &reading, out);
        }
    }
}

/// Whether anything besides `event`'s schedule or rule may run as the
/// template role `role`: a function, state machine or other principal
/// whose identity policies it shares (`attached_functions`), or any
/// reference to it other than the event's `RoleArn` (another event, a
/// resource, an output another stack may import). Its own policies and
/// the IAM policies attached to it do not count.
fn used_by_others(input: &TemplateInput<'_>, role: &str, event: &SamEvent<'_>) -> bool {
    let shared = input.policies.iter().any(|p| {
        p.kind == PolicyKind::Identity
            && p.attached_roles.iter().any(|r| r == role)
            && p.attached_functions.iter().any(|f| f != &event.principal)
    });
    if shared {
        return true;
    }
    let template = input.template;
    let mut referenced = Vec::new();
    for resource in &template.resources {
        if resource.logical_id.node == role
            || matches!(
                resource.resource_type.node.as_str(),
                "AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy"
            )
        {
            continue;
        }
        references_in(&resource.properties, &mut referenced);
    }
    if let Some(outputs) = template.root.get("Outputs") {
        references_in(outputs, &mut referenced);
    }
    // The event's own `RoleArn` is the one reference.
    referenced.iter().filter(|id| id.as_str() == role).count() > 1
}
