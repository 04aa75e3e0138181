//! ## What it finds
//! Among the values of one `IpAddress`/`NotIpAddress` key, a range that
//! another already contains (`203.0.113.0/24` and `203.0.113.8/29`), or
//! ranges that together form a larger block (`203.0.113.0/25` and
//! `203.0.113.128/25`).
//!
//! ## Why it matters
//! The values are OR-ed, so the result is the same with fewer, larger
//! blocks; overlapping lists are harder to review and grow toward the
//! policy size quota.
//!
//! ## Example
//! ```json
//! {"Condition": {"IpAddress": {"aws:SourceIp": ["203.0.113.0/25", "203.0.113.128/25"]}}}
//! ```
//!
//! ## Fix
//! Write the merged blocks the message lists (`203.0.113.0/24`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>

use super::util::{condition_entries, parse_network, string_value};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use ipnet::IpNet;
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L414",
    name: "overlapping-ip-ranges",
    severity: Severity::Info,
    summary: "IP ranges of one condition key overlap or can be merged into fewer blocks",
    access_analyzer: None,
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            if !matches!(
                block.operator.node.kind,
                OperatorKind::IpAddress | OperatorKind::NotIpAddress
            ) || entry.values.len() < 2
            {
                continue;
            }
            let networks: Vec<IpNet> = entry
                .values
                .iter()
                .filter_map(|v| parse_network(string_value(&v.node)?))
                .map(|n| n.trunc())
                .collect();
            let mut distinct = networks.clone();
            distinct.sort();
            distinct.dedup();
            let merged = IpNet::aggregate(&distinct);
            if merged.len() >= distinct.len() {
                continue;
            }
            let listed: Vec<String> = merged.iter().map(|n| format!("`{n}`")).collect();
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "the {} ranges of `{}` amount to {} block{}: {}",
                        networks.len(),
                        entry.key.node,
                        merged.len(),
                        if merged.len() == 1 { "" } else { "s" },
                        listed.join(", ")
                    ),
                    entry.key.span,
                )
                .with_label("overlapping or adjacent ranges")
                .with_help("write the merged blocks"),
            );
        }
    }
}
