//! ## What it finds
//! A CIDR block in `IpAddress`/`NotIpAddress` with bits set after the
//! prefix: `203.0.113.7/24`, `10.1.2.3/8`.
//!
//! ## Why it matters
//! AWS ignores those bits: `203.0.113.7/24` means all of
//! `203.0.113.0/24`. If one address was meant, the policy admits 255 more.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*",
//!  "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.7/24"}}}
//! ```
//!
//! ## Fix
//! Write the network AWS reads (`203.0.113.0/24`; offered as a safe fix,
//! it keeps the meaning), or the single address (`203.0.113.7/32`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IPAddress>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::{condition_entries, parse_network, string_value};
use crate::{Applicability, Diagnostic, Edit, Fix, PolicyInput, Rule, Severity};
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L413",
    name: "ip-range-with-host-bits",
    severity: Severity::Warning,
    summary: "a CIDR block has bits set after its prefix, which AWS ignores",
    access_analyzer: Some("Suggestion – Improve IP range"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            if !matches!(
                block.operator.node.kind,
                OperatorKind::IpAddress | OperatorKind::NotIpAddress
            ) {
                continue;
            }
            for value in &entry.values {
                let Some(text) = string_value(&value.node) else {
                    continue;
                };
                let Some(network) = parse_network(text) else {
                    continue;
                };
                if network.addr() == network.network() {
                    continue;
                }
                let trimmed = network.trunc();
                out.push(
                    Diagnostic::new(
                        &RULE,
                        format!("`{text}` has host bits set: AWS reads it as `{trimmed}`"),
                        value.span,
                    )
                    .with_label(format!("means `{trimmed}`"))
                    .with_help(format!(
                        "write `{trimmed}`, or `{}/{}` for the one address",
                        network.addr(),
                        network.max_prefix_len()
                    ))
                    .with_fix(Fix {
                        message: format!("write `{trimmed}`"),
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            span: value.span,
                            replacement: format!("\"{trimmed}\""),
                        }],
                    }),
                );
            }
        }
    }
}
