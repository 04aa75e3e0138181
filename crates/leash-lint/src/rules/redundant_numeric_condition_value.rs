//! ## What it finds
//! Several values for one key under `NumericLessThan(Equals)` or
//! `NumericGreaterThan(Equals)`: `"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}`.
//!
//! ## Why it matters
//! The values are OR-ed, so only the largest (for `LessThan`) or the
//! smallest (for `GreaterThan`) counts; the others suggest a limit the
//! policy does not enforce.
//!
//! ## Example
//! ```json
//! {"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}}}
//! ```
//!
//! ## Fix
//! Keep the one value that decides (`3600` above), or the one meant.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Numeric>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::condition_entries;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L416",
    name: "redundant-numeric-condition-value",
    severity: Severity::Info,
    summary: "several values of a numeric less-than or greater-than test, of which only one counts",
    access_analyzer: Some("Suggestion – Redundant condition value num"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            let operator = &block.operator.node;
            let keep_largest = match operator.kind {
                OperatorKind::NumericLessThan | OperatorKind::NumericLessThanEquals => true,
                OperatorKind::NumericGreaterThan | OperatorKind::NumericGreaterThanEquals => false,
                _ => continue,
            };
            // Negated forms do not exist for these operators; a qualifier
            // changes the set logic, so leave those alone.
            if operator.qualifier.is_some() || entry.values.len() < 2 {
                continue;
            }
            let numbers: Vec<(f64, &leash_policy::Spanned<leash_policy::ConditionValue>)> = entry
                .values
                .iter()
                .filter_map(|v| Some((v.node.as_text().trim().parse::<f64>().ok()?, v)))
                .collect();
            if numbers.len() != entry.values.len() {
                continue; // invalid-number-value
            }
            let Some(&(_, decisive_value)) = numbers.iter().max_by(|a, b| {
                let order = a.0.total_cmp(&b.0);
                if keep_largest { order } else { order.reverse() }
            }) else {
                continue;
            };
            for (_, value) in &numbers {
                if std::ptr::eq(*value, decisive_value) {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!(
                            "`{}` has no effect: the values are OR-ed and `{}` decides",
                            value.node.as_text(),
                            decisive_value.node.as_text()
                        ),
                        value.span,
                    )
                    .with_label("redundant value")
                    .with_help(format!("keep only `{}`", decisive_value.node.as_text())),
                );
            }
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    #[test]
    fn greater_than_keeps_the_smallest() {
        let text = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*", "Condition": {"NumericGreaterThan": {"s3:max-keys": ["10", "5", "5"]}}}]}"#;
        let found = findings(text, None, "L416");
        let messages: Vec<&str> = found.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`10` has no effect: the values are OR-ed and `5` decides",
                "`5` has no effect: the values are OR-ed and `5` decides",
            ]
        );
    }
}
