//! ## What it finds
//! A statement with `"Effect": "Allow"` and `NotAction`.
//!
//! ## Why it matters
//! It allows every action of every service except the listed ones,
//! including actions AWS adds later. It is almost always broader than
//! intended: `"NotAction": "iam:*"` with `"Resource": "*"` is close to
//! administrator access.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
//! ```
//!
//! ## Fix
//! List the actions to allow in `Action`. `NotAction` belongs in `Deny`
//! statements ("deny everything except").
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::Effect;

pub static RULE: Rule = Rule {
    code: "L310",
    name: "allow-with-not-action",
    severity: Severity::Warning,
    summary: "an Allow statement uses `NotAction`, allowing every other action, including future ones",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        if statement.effect.node != Effect::Allow || !statement.action.node.negated {
            continue;
        }
        out.push(
            Diagnostic::new(
                &RULE,
                "`NotAction` with `Allow` allows every action not listed, in every service, including actions AWS adds later",
                statement.action.span,
            )
            .with_label("allows everything else")
            .with_help("list the actions to allow in `Action`"),
        );
    }
}
