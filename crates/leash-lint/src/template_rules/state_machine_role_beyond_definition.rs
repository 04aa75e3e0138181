//! ## What it finds
//! A Step Functions state machine (`AWS::Serverless::StateMachine`,
//! `AWS::StepFunctions::StateMachine`) whose role allows an action of a
//! service on every resource (`*`, or every resource of the service, such
//! as `function:*`) when its definition names every resource of that
//! service it calls, or allows a service its definition never calls. The
//! definition is read as `leash design` reads it (inline,
//! `DefinitionString`, `DefinitionSubstitutions`); a service the
//! definition leaves to run time (a JSONPath or JSONata value naming the
//! resource, an integration leash does not model) is not reported.
//!
//! A role another function or principal also runs as is not judged
//! (a statement beyond this one's use may be the other's).
//!
//! ## Why it matters
//! A state machine does what its definition says and nothing else: a role
//! that reaches further only serves whoever else can get Step Functions
//! (or an edited definition) to use it. `lambda:InvokeFunction` on `*`
//! for a workflow that calls two functions lets it call every function of
//! the account.
//!
//! ## Example
//! ```yaml
//! Flow:
//!   Type: AWS::Serverless::StateMachine
//!   Properties:
//!     Definition:
//!       StartAt: Check
//!       States:
//!         Check: {Type: Task, Resource: arn:aws:states:::lambda:invoke, Parameters: {FunctionName: check}, End: true}
//!     Policies:
//!       - Statement: [{Effect: Allow, Action: lambda:InvokeFunction, Resource: "*"}]
//! ```
//!
//! ## Fix
//! Grant what the definition calls, on the resources it names (the finding
//! lists them; `leash design` writes that role, with the template's grant
//! superseded by the definition), and nothing for services it never calls.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html>
//! (static resources are scoped to themselves, dynamic ones are not) and
//! the IAM page of each integration, e.g.
//! <https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html>

use super::{TemplateInput, parsed};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::state_machine::{Place, Reading, read_state_machine_definition};
use leash_iac::{EmbeddedPolicy, PolicyKind};

pub static RULE: Rule = Rule {
    code: "L512",
    name: "state-machine-role-beyond-definition",
    severity: Severity::Warning,
    summary: "a state machine's role reaches beyond what its definition calls",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    let context = leash_iac::ResolveContext::default();
    for machine in &input.template.resources {
        if !matches!(
            machine.resource_type.node.as_str(),
            "AWS::Serverless::StateMachine" | "AWS::StepFunctions::StateMachine"
        ) {
            continue;
        }
        let id = &machine.logical_id.node;
        let resolve = |value: &leash_policy::Value| {
            leash_iac::resolve_with(value, input.template, &context).value
        };
        // Names as the template writes them: the uses are shown, not matched.
        let name = machine
            .properties
            .get("Name")
            .or_else(|| machine.properties.get("StateMachineName"))
            .map(resolve)
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_else(|| id.clone());
        let reading = read_state_machine_definition(
            machine,
            &resolve,
            &Place {
                account: "${AWS::AccountId}",
                region: "${AWS::Region}",
                name: &name,
            },
            None,
        );
        if reading.summary.unknown.contains_key("*") {
            continue;
        }
        let subject = Subject {
            rule: &RULE,
            role: format!("state machine `{id}`'s role"),
            uses: "its definition",
            uses_in: "the definition",
            calls: "calls",
            names: "names",
            they_call: "it calls",
        };
        report_role(input, id, &subject, &reading, out);
    }
}

/// The findings on every `Allow` statement of the identity policies of
/// the role principal `id` runs as. A policy that another function or
/// principal gets too (a role they share) is not judged: a statement
/// beyond `id`'s reading may be one the other uses (`leash design` gives
/// each its own role; L501 reports functions sharing one).
pub(super) fn report_role(
    input: &TemplateInput<'_>,
    id: &str,
    subject: &Subject,
    reading: &Reading,
    out: &mut Vec<Diagnostic>,
) {
    let policies = input.policies.iter().filter(|p| {
        p.kind == PolicyKind::Identity
            && p.attached_functions.iter().any(|f| f == id)
            && p.attached_functions.iter().all(|f| f == id)
    });
    report_policies(policies, subject, reading, out);
}

/// The findings on every `Allow` statement of the identity policies
/// attached to the template role `role` (whose only user the caller has
/// made sure is the subject).
pub(super) fn report_template_role(
    input: &TemplateInput<'_>,
    role: &str,
    subject: &Subject,
    reading: &Reading,
    out: &mut Vec<Diagnostic>,
) {
    let policies = input
        .policies
        .iter()
        .filter(|p| p.kind == PolicyKind::Identity && p.attached_roles.iter().any(|r| r == role));
    report_policies(policies, subject, reading, out);
}

fn report_policies<'a>(
    policies: impl Iterator<Item = &'a EmbeddedPolicy>,
    subject: &Subject,
    reading: &Reading,
    out: &mut Vec<Diagnostic>,
) {
    for embedded in policies {
        let Some(policy) = parsed(&embedded.document) else {
            continue;
        };
        for statement in &policy.statements {
            if let Some(diagnostic) = beyond(subject, statement, reading) {
                out.push(diagnostic);
            }
        }
    }
}

/// Whose role a finding is about and what tells its uses, in words.
pub(super) struct Subject {
    pub(super) rule: &'static Rule,
    /// "state machine `Flow`'s role".
    pub(super) role: String,
    /// "its definition".
    pub(super) uses: &'static str,
    /// "the definition".
    pub(super) uses_in: &'static str,
    /// The verbs agreeing with `uses`: "calls", "names", "it calls" (or
    /// "call", "name", "they call").
    pub(super) calls: &'static str,
    pub(super) names: &'static str,
    pub(super) they_call: &'static str,
}

/// The finding for one `Allow` statement, if it reaches beyond what the
/// reading (a definition, a role's integrations) uses for a service it
/// tells every use of.
pub(super) fn beyond(
    subject: &Subject,
    statement: &leash_policy::Statement,
    reading: &Reading,
) -> Option<Diagnostic> {
    if statement.effect.node != leash_policy::Effect::Allow
        || statement.action.node.negated
        || statement.condition.is_some()
    {
        return None;
    }
    let resource = statement.resource.as_ref()?;
    if resource.node.negated {
        return None;
    }
    let every_resource = resource
        .node
        .patterns
        .iter()
        .any(|p| every_resource_of_its_type(&p.node));
    for pattern in &statement.action.node.patterns {
        let Some((service, _)) = pattern.node.split_once(':') else {
            continue;
        };
        let service = service.to_ascii_lowercase();
        if service.contains(['*', '?']) || !reading.summary.complete_for(&service) {
            continue;
        }
        if !reading.summary.services.contains(&service) {
            return Some(
                Diagnostic::new(
                    subject.rule,
                    format!(
                        "{} allows `{}`, and {} never {} `{service}`",
                        subject.role, pattern.node, subject.uses, subject.calls
                    ),
                    pattern.span,
                )
                .with_label(format!("`{service}` is not in {}", subject.uses_in))
                .with_help(format!(
                    "remove it: {} {} {}",
                    subject.uses_in,
                    subject.calls,
                    calls(reading, None)
                )),
            );
        }
        if every_resource {
            return Some(
                Diagnostic::new(
                    subject.rule,
                    format!(
                        "{} allows `{}` on every resource, and {} {} each `{service}` resource {}",
                        subject.role, pattern.node, subject.uses, subject.names, subject.they_call
                    ),
                    pattern.span,
                )
                .with_label("on every resource")
                .with_help(format!(
                    "grant {} (what `leash design` writes)",
                    calls(reading, Some(&service))
                )),
            );
        }
    }
    None
}

/// `*`, or an ARN whose resource is every resource of its type
/// (`function:*`, `table/*`, `stateMachine:*`).
fn every_resource_of_its_type(pattern: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let Ok(arn) = leash_policy::arn::Arn::parse(pattern) else {
        return false;
    };
    let resource = arn.resource().as_str();
    // An S3 ARN's resource starts with the bucket's name, not a type:
    // `bucket/*` is one bucket's objects.
    if arn.service().as_str() == "s3" {
        return resource.starts_with('*');
    }
    resource == "*"
        || resource
            .split_once([':', '/'])
            .is_some_and(|(kind, rest)| rest == "*" && !kind.contains(['*', '?']))
}

/// What the definition calls (of `service`, or of every service), for
/// the fix.
fn calls(reading: &Reading, service: Option<&str>) -> String {
    let listed: Vec<String> = reading
        .uses
        .iter()
        .filter(|u| {
            service.is_none_or(|s| {
                u.actions.iter().any(|a| {
                    a.split_once(':')
                        .is_some_and(|(p, _)| p.eq_ignore_ascii_case(s))
                })
            })
        })
        // A function's versions and aliases (`function:F:*`) are said in
        // words with the function: a `*` in a finding would read as a
        // wildcard the template wrote.
        .filter(|u| {
            !u.resource.strip_suffix(":*").is_some_and(|base| {
                reading
                    .uses
                    .iter()
                    .any(|other| other.resource == base && other.actions == u.actions)
            })
        })
        .map(|u| {
            let versions = reading
                .uses
                .iter()
                .any(|other| other.resource == format!("{}:*", u.resource));
            // A resource that ends in `*` (an S3 bucket's objects, the
            // account's AppSync log groups) is said in words too.
            let (resource, under) = match u.resource.strip_suffix('*') {
                Some(stem) if !stem.is_empty() => (stem, " and every resource under it"),
                _ => (u.resource.as_str(), ""),
            };
            format!(
                "`{}` on `{resource}`{under}{}",
                u.actions.join("`, `"),
                if versions {
                    " and its versions and aliases"
                } else {
                    ""
                }
            )
        })
        .collect();
    if listed.is_empty() {
        "nothing".to_string()
    } else {
        listed.join("; ")
    }
}
