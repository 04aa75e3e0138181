//! ## What it finds
//! An empty list or object where a policy element expects values:
//! `"Action": []`, `"Resource": []`, `"Principal": {}`,
//! `"Principal": {"AWS": []}`, `"Condition": {}`,
//! `"StringEquals": {}`, `"aws:SourceAccount": []`.
//!
//! ## Why it matters
//! An empty `Action`, `Resource` or `Principal` list matches nothing, so
//! the statement does nothing; an empty condition or value list is dead
//! text, or (for an empty value list) a condition whose result depends
//! on the operator in ways that surprise. Usually a template filled in
//! nothing.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": [], "Resource": "*"}
//! ```
//!
//! ## Fix
//! Fill in the values, or remove the element or the statement.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::{Principal, Span};

pub static RULE: Rule = Rule {
    code: "L404",
    name: "empty-array",
    severity: Severity::Warning,
    summary: "an empty list or object where a policy element expects values",
    access_analyzer: Some(
        "Suggestion – Empty array action, Empty array resource, Empty array principal, Empty object principal, Empty array condition, Empty object condition",
    ),
    check: Some(check),
};

fn push(out: &mut Vec<Diagnostic>, span: Span, what: &str, effect: &str) {
    out.push(
        Diagnostic::new(&RULE, format!("{what} is empty: {effect}"), span)
            .with_label("empty")
            .with_help("fill in the values, or remove the element"),
    );
}

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        let action = &statement.action;
        if action.node.patterns.is_empty() {
            let name = if action.node.negated {
                "`NotAction`"
            } else {
                "`Action`"
            };
            push(out, action.span, name, "the statement matches no action");
        }
        if let Some(resource) = &statement.resource
            && resource.node.patterns.is_empty()
        {
            let name = if resource.node.negated {
                "`NotResource`"
            } else {
                "`Resource`"
            };
            push(
                out,
                resource.span,
                name,
                "the statement matches no resource",
            );
        }
        if let Some(principal) = &statement.principal
            && let Principal::Map(entries) = &principal.node.principal
        {
            let name = if principal.node.negated {
                "`NotPrincipal`"
            } else {
                "`Principal`"
            };
            if entries.is_empty() {
                push(
                    out,
                    principal.span,
                    name,
                    "the statement matches no principal",
                );
            }
            for entry in entries.iter().filter(|e| e.values.is_empty()) {
                push(
                    out,
                    entry.kind.span,
                    &format!("the `{}` list of {name}", entry.kind.node.as_str()),
                    "it names no principal",
                );
            }
        }
        if let Some(condition) = &statement.condition {
            if condition.node.blocks.is_empty() {
                push(out, condition.span, "`Condition`", "it tests nothing");
            }
            for block in &condition.node.blocks {
                if block.entries.is_empty() {
                    push(
                        out,
                        block.operator.span,
                        &format!(
                            "the `{}` block",
                            leash_policy::condition::operator_text(&block.operator.node)
                        ),
                        "it tests nothing",
                    );
                }
                for entry in block.entries.iter().filter(|e| e.values.is_empty()) {
                    push(
                        out,
                        entry.key.span,
                        &format!("the value list of `{}`", entry.key.node),
                        "the test compares against nothing",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn empty_principals_and_condition_blocks() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": []}, "Action": "s3:GetObject", "Resource": [], "Condition": {}}]}"#;
        let found = findings(text, None, "L404");
        assert_eq!(found.len(), 3, "{found:?}");
    }
}
