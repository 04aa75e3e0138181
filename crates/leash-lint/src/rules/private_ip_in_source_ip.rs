//! ## What it finds
//! `aws:SourceIp` tested with `IpAddress` or `NotIpAddress` against
//! private ranges (RFC 1918 `10.0.0.0/8`, `172.16.0.0/12`,
//! `192.168.0.0/16`, IPv6 unique local `fc00::/7`). An error when every
//! value is private, a warning when private and public ranges are mixed.
//!
//! ## Why it matters
//! `aws:SourceIp` holds the public address a request comes from; requests
//! through a VPC endpoint carry no `aws:SourceIp` at all. A private range
//! never matches: `IpAddress` with only private ranges allows nothing, and
//! a Deny with `NotIpAddress` on private ranges denies every caller.
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
//!  "Condition": {"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}}
//! ```
//!
//! ## Fix
//! For traffic from a VPC, test `aws:VpcSourceIp` (together with
//! `aws:SourceVpc` or `aws:SourceVpce`) instead.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-sourceip>
//! and <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>

use super::util::{condition_entries, is_private_network, parse_network, string_value};
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::OperatorKind;

pub static RULE: Rule = Rule {
    code: "L216",
    name: "private-ip-in-source-ip",
    severity: Severity::Error,
    summary: "`aws:SourceIp` is compared with private IP ranges, which it never holds",
    access_analyzer: Some(
        "Error – Private IP address, Private NotIpAddress; Suggestion – Private IP address subset",
    ),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            let kind = &block.operator.node.kind;
            if !matches!(kind, OperatorKind::IpAddress | OperatorKind::NotIpAddress)
                || !entry.key.node.eq_ignore_ascii_case("aws:SourceIp")
            {
                continue;
            }
            let networks: Vec<_> = entry
                .values
                .iter()
                .filter_map(|v| Some((v, parse_network(string_value(&v.node)?)?)))
                .collect();
            let private: Vec<_> = networks
                .iter()
                .filter(|(_, network)| is_private_network(network))
                .collect();
            if private.is_empty() {
                continue;
            }
            let only_private = private.len() == networks.len();
            let consequence = match (kind, only_private) {
                (OperatorKind::IpAddress, true) => "the condition never matches",
                (_, true) => "the condition matches every request",
                _ => "the private ranges have no effect",
            };
            for (value, network) in private {
                let mut diagnostic = Diagnostic::new(
                    &RULE,
                    format!(
                        "`{network}` is a private range, but `aws:SourceIp` holds only public addresses: {consequence}"
                    ),
                    value.span,
                )
                .with_label("private range")
                .with_help("for requests from a VPC, test `aws:VpcSourceIp` with `aws:SourceVpc` or `aws:SourceVpce`");
                if !only_private {
                    diagnostic = diagnostic.with_severity(Severity::Warning);
                }
                out.push(diagnostic);
            }
        }
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;

    use crate::Severity;

    #[test]
    fn mixed_lists_are_warnings() {
        let only_private = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.1.0.0/16", "fd00::/8"]}}}]}"#;
        let found = findings(only_private, None, "L216");
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|d| d.severity == Severity::Error));
        let mixed = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:SourceIp": ["10.1.0.0/16", "203.0.113.0/24"]}}}]}"#;
        let found = findings(mixed, None, "L216");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Warning);
        let vpc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"IpAddress": {"aws:VpcSourceIp": "10.1.0.0/16"}}}]}"#;
        assert!(findings(vpc, None, "L216").is_empty());
    }
}
