//! Findings inside what SAM writes for the author: the statements of a SAM
//! policy template (`SQSPollerPolicy: {QueueName: ...}`) and of a
//! connector's profile. The author wrote only the template's name and its
//! parameters, so a finding there is reported once per rule at the
//! template's use, naming the template; an action SAM's own data names
//! that the AWS catalog lacks (`sqs:DeleteMessageBatch` in
//! `SQSPollerPolicy`) is info: nothing in the template can fix it, and it
//! must not fail a CI run at the default `--fail-on error`.
//!
//! Not for: which findings a policy has (the rules decide that).

use crate::{Diagnostic, Severity, rules};
use leash_iac::{EmbeddedPolicy, PolicyOrigin};
use leash_policy::{Value, ValueKind};

/// `found`: the findings of one policy SAM expanded (its origin is a SAM
/// policy template or a connector), as the rules reported them. Returns
/// them as the user should see them; other policies' findings pass
/// through unchanged.
pub(crate) fn report_at_the_use(
    embedded: &EmbeddedPolicy,
    found: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let source = match &embedded.origin {
        PolicyOrigin::SamPolicyTemplate { name } => format!("SAM policy template `{name}`"),
        PolicyOrigin::SamConnector => format!("SAM connector `{}`", embedded.resource_id),
        _ => return found,
    };
    // The expansion's statements carry the span of the entry that names
    // the template; parameter values keep their own, inside the use.
    let use_span = embedded.document.span;
    let mut out: Vec<Diagnostic> = Vec::new();
    let names = unknown_actions(&embedded.document);
    let mut unknown_actions_found = false;
    for mut d in found {
        if d.code == rules::unknown_action::RULE.code && d.span == use_span && !names.is_empty() {
            unknown_actions_found = true;
            continue;
        }
        if d.span == use_span
            && let Some(first) = out
                .iter_mut()
                .find(|o| o.code == d.code && o.span == d.span)
        {
            first.message.push_str("; and ");
            first.message.push_str(&d.message);
            continue;
        }
        d.message = format!("in {source}: {}", d.message);
        if d.span == use_span {
            let advice = format!(
                "{source} writes this statement: to change it, write a statement of your own instead of the template"
            );
            // An edit of SAM's statement would land on the template's name.
            d.fix = None;
            d.help = Some(match d.help.take() {
                Some(help) => format!("{help}; {advice}"),
                None => advice,
            });
        }
        out.push(d);
    }
    if unknown_actions_found {
        out.push(unknown_actions_finding(embedded, &names, &source, use_span));
    }
    out
}

/// One info finding for every action of the expansion the catalog lacks.
fn unknown_actions_finding(
    embedded: &EmbeddedPolicy,
    names: &[String],
    source: &str,
    span: leash_policy::Span,
) -> Diagnostic {
    let listed = names
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let authorized: Vec<String> = names
        .iter()
        .filter_map(|name| {
            let (service, action) = name.split_once(':')?;
            rules::unknown_action::authorized_as(service, action)
                .map(|single| format!("`{name}` as `{single}`"))
        })
        .collect();
    let mut help = format!(
        "nothing to change in this template: {source} is SAM's, and the actions grant nothing"
    );
    if !authorized.is_empty() {
        help.push_str(&format!(
            "; AWS authorizes {}, which is what the calls need",
            authorized.join(", ")
        ));
    }
    let mut d = Diagnostic::new(
        &rules::unknown_action::RULE,
        format!(
            "{source} names {listed}, not actions in the AWS catalog ({} {})",
            leash_catalog::DATA_PACKAGE,
            leash_catalog::DATA_VERSION
        ),
        span,
    )
    .with_severity(Severity::Info)
    .with_label("SAM's statement")
    .with_help(help);
    d.resource = Some(embedded.resource_id.clone());
    d
}

/// The exact action names of a policy document (no wildcards) whose
/// service the catalog knows but whose action it does not, in order.
fn unknown_actions(document: &Value) -> Vec<String> {
    let catalog = leash_catalog::catalog();
    let mut names: Vec<String> = Vec::new();
    let statements = document.get("Statement");
    let statements: Vec<&Value> = match statements.map(|s| &s.kind) {
        Some(ValueKind::Array(items)) => items.iter().collect(),
        Some(ValueKind::Object(_)) => statements.into_iter().collect(),
        _ => Vec::new(),
    };
    for statement in statements {
        let actions = statement.get("Action");
        let texts: Vec<&str> = match actions.map(|a| &a.kind) {
            Some(ValueKind::String(text)) => vec![text.as_str()],
            Some(ValueKind::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        for text in texts {
            let Some((service, _)) = text.split_once(':') else {
                continue;
            };
            if text.contains(['*', '?'])
                || catalog.service(service).is_none()
                || catalog.action(text).is_some()
                || names.iter().any(|n| n == text)
            {
                continue;
            }
            names.push(text.to_string());
        }
    }
    names
}
