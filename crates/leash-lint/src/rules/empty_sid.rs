//! ## What it finds
//! `"Sid": ""`.
//!
//! ## Why it matters
//! An empty statement ID identifies nothing; it is usually a template
//! placeholder left unfilled.
//!
//! ## Example
//! ```json
//! {"Sid": "", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Name the statement (`ReadReports`) or remove the `Sid`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_sid.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L415",
    name: "empty-sid",
    severity: Severity::Info,
    summary: "a statement has an empty `Sid`",
    access_analyzer: Some("Suggestion – Empty Sid value"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let Some(sid) = &statement.sid else {
            continue;
        };
        if !sid.node.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::new(&RULE, "the statement ID is empty", sid.span)
                .with_label("empty `Sid`")
                .with_help("name the statement, or remove the `Sid`"),
        );
    }
}
