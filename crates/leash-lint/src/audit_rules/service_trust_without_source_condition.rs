//! ## What it finds
//! A role whose trust policy allows a service principal without a
//! condition on `aws:SourceAccount`, `aws:SourceArn`, `aws:SourceOrgID` or
//! `aws:SourceOrgPaths`, for the services whose documentation says they
//! send these keys when they assume a role and recommends the condition:
//! AWS Step Functions (`states.amazonaws.com`), EventBridge Scheduler
//! (`scheduler.amazonaws.com`), Amazon Personalize
//! (`personalize.amazonaws.com`) and WorkSpaces Applications, formerly
//! AppStream 2.0 (`appstream.amazonaws.com`). Other services are not
//! reported: not every service sends the keys on `sts:AssumeRole`, and a
//! condition on a key the service does not send would stop the role from
//! working.
//!
//! ## Why it matters
//! The service acts for every customer: without a source condition,
//! another account can have the service use your role for its own
//! resources (the cross-service confused deputy).
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
//! ```
//!
//! ## Fix
//! Add `"StringEquals": {"aws:SourceAccount": "111122223333"}` or
//! `"ArnLike": {"aws:SourceArn": "arn:aws:states:us-east-1:111122223333:stateMachine:*"}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/confused-deputy.html>,
//! <https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html>,
//! <https://docs.aws.amazon.com/scheduler/latest/UserGuide/setting-up.html>,
//! <https://docs.aws.amazon.com/personalize/latest/dg/cross-service-confused-deputy-prevention.html>,
//! <https://docs.aws.amazon.com/appstream2/latest/developerguide/example-fleet-machine.html>

use crate::audit::TrustView;
use crate::rules::util::has_condition_key;
use crate::{Diagnostic, Rule, Severity};
use leash_policy::{Effect, Principal, PrincipalKind};

pub static RULE: Rule = Rule {
    code: "L605",
    name: "service-trust-without-source-condition",
    severity: Severity::Warning,
    summary: "a role trusts a service that sends `aws:SourceAccount`/`aws:SourceArn`, without a condition on them",
    access_analyzer: None,
    check: None,
};

/// Services whose guides document the source keys in role trust policies.
const DOCUMENTED: &[&str] = &[
    "states.amazonaws.com",
    "scheduler.amazonaws.com",
    "personalize.amazonaws.com",
    "appstream.amazonaws.com",
];

const SOURCE_KEYS: &[&str] = &[
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
];

pub(crate) fn check(view: &TrustView<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &view.policy.statements {
        if statement.effect.node != Effect::Allow
            || SOURCE_KEYS.iter().any(|k| has_condition_key(statement, k))
        {
            continue;
        }
        let Some(principal) = &statement.principal else {
            continue;
        };
        let Principal::Map(entries) = &principal.node.principal else {
            continue;
        };
        if principal.node.negated {
            continue;
        }
        for service in entries
            .iter()
            .filter(|e| e.kind.node == PrincipalKind::Service)
            .flat_map(|e| e.values.iter())
            .filter(|s| DOCUMENTED.iter().any(|d| d.eq_ignore_ascii_case(&s.node)))
        {
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "role `{}` trusts `{}`, which acts for every AWS customer, without `aws:SourceAccount` or `aws:SourceArn`",
                        view.role.detail.name.node, service.node
                    ),
                    service.span,
                )
                .with_label("service principal without a source condition")
                .with_help(format!(
                    "add `\"StringEquals\": {{\"aws:SourceAccount\": \"{}\"}}` to the statement",
                    if view.account.is_empty() { "<account ID>" } else { view.account }
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use crate::audit::{AuditOptions, audit_dump_text};

    fn found(service: &str, condition: &str) -> usize {
        let dump = format!(
            r#"{{"RoleDetailList": [{{"RoleName": "r", "Arn": "arn:aws:iam::111122223333:role/r",
              "AssumeRolePolicyDocument": {{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
                "Principal": {{"Service": "{service}"}}, "Action": "sts:AssumeRole"{condition}}}]}}}}]}}"#
        );
        audit_dump_text(&dump, &AuditOptions::default())
            .diagnostics
            .iter()
            .filter(|d| d.code == "L605")
            .count()
    }

    // Step Functions' guide recommends aws:SourceArn/aws:SourceAccount in
    // the state machine role's trust policy
    // (https://docs.aws.amazon.com/step-functions/latest/dg/procedure-create-iam-role.html);
    // Lambda's does not, and the shared docs warn against adding it blindly.
    #[test]
    fn only_services_that_document_the_keys() {
        assert_eq!(found("states.amazonaws.com", ""), 1);
        assert_eq!(
            found(
                "states.amazonaws.com",
                r#", "Condition": {"ArnLike": {"aws:SourceArn": "arn:aws:states:us-east-1:111122223333:stateMachine:*"}}"#
            ),
            0
        );
        assert_eq!(found("lambda.amazonaws.com", ""), 0);
    }
}
