//! ## What it finds
//! An Allow of every action of a service: `s3:*`, `dynamodb:*`, `iam:*`.
//!
//! ## Why it matters
//! It grants the service's administration along with its use: deleting
//! tables and buckets, changing their policies, and every action AWS
//! adds to the service later. A workload needs a handful of actions.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "arn:aws:dynamodb:us-east-1:111122223333:table/Orders"}
//! ```
//!
//! ## Fix
//! List the actions the workload calls (`dynamodb:GetItem`,
//! `dynamodb:PutItem`, `dynamodb:Query`). `leash action 'dynamodb:*'` lists
//! what the wildcard grants.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#grant-least-privilege>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L408",
    name: "service-wide-action-wildcard",
    severity: Severity::Info,
    summary: "every action of a service is allowed (`service:*`)",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow || statement.action.node.negated {
            continue;
        }
        for pattern in &statement.action.node.patterns {
            let Some((service, "*")) = pattern.node.split_once(':') else {
                continue;
            };
            if service.contains(['*', '?']) {
                continue;
            }
            let count = leash_catalog::catalog()
                .service(service)
                .map(|s| s.action_count())
                .unwrap_or(0);
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!("`{}` allows every action of `{service}` ({count} in the catalog), and those AWS adds later", pattern.node),
                    pattern.span,
                )
                .with_label("every action of the service")
                .with_help(format!("list the `{service}` actions the workload calls; `leash action '{service}:*'` shows them all")),
            );
        }
    }
}
