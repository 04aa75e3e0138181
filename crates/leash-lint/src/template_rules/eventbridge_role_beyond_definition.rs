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
//! <https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-events-iam-roles.html>

use super::TemplateInput;
use super::state_machine_role_beyond_definition::{Subject, report_role};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::eventbridge::{EventBridgeKind, read_eventbridge_principal};

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
}
