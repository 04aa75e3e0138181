//! ## What it finds
//! A policy longer than the quota AWS sets for its kind, counted as AWS
//! counts it, in characters without white space. leash counts the policy
//! written compactly with one-element lists as bare strings, so it may
//! count a few characters fewer than AWS, never more: a policy it reports
//! is over the quota.
//!
//! | kind | quota | severity |
//! |---|---|---|
//! | identity (customer managed policy) | 6,144 | warning: inline policies of a role may total 10,240 |
//! | role trust policy | 2,048 (default; can be raised to 8,192) | warning |
//! | service control policy | 5,120 | error |
//! | resource control policy | 5,120 | error |
//! | resource-based policy | 20,480 (S3 bucket policies, 20 KB) | warning: other services set their own limits |
//!
//! ## Why it matters
//! IAM and AWS Organizations reject a policy over its quota
//! (`LimitExceeded`), so the deployment fails.
//!
//! ## Example
//! A managed policy listing hundreds of actions one by one.
//!
//! ## Fix
//! Split the policy into several smaller ones, or group actions with
//! wildcards that match only what is needed (`leash action 's3:Get*'`).
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-entity-length>,
//! <https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html>
//! and <https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucket-policies.html>

use crate::{Diagnostic, PolicyInput, PolicyKind, Rule, Severity};
use leash_policy::{
    Condition, ConditionValue, Policy, Principal, PrincipalClause, Span, Spanned, Statement,
};

pub static RULE: Rule = Rule {
    code: "L217",
    name: "policy-size-over-quota",
    severity: Severity::Warning,
    summary: "the policy is longer than AWS's size quota for its kind",
    access_analyzer: Some(
        "General Warning – Policy size exceeds identity policy quota, Policy size exceeds resource policy quota; Error – Policy size exceeds SCP quota",
    ),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let (quota, severity, what) = match input.kind {
        PolicyKind::Identity => (6_144, Severity::Warning, "a customer managed policy"),
        PolicyKind::Trust => (
            2_048,
            Severity::Warning,
            "a role trust policy (default quota)",
        ),
        PolicyKind::ServiceControl => (5_120, Severity::Error, "a service control policy"),
        PolicyKind::ResourceControl => (5_120, Severity::Error, "a resource control policy"),
        PolicyKind::Resource => (20_480, Severity::Warning, "an S3 bucket policy"),
    };
    let size = compact_length(input.policy);
    if size <= quota {
        return;
    }
    let start = input.policy.span.start;
    out.push(
        Diagnostic::new(
            &RULE,
            format!("the policy has {size} characters without white space; the quota for {what} is {quota}"),
            Span::new(start, start + 1),
        )
        .with_severity(severity)
        .with_label("policy too long")
        .with_help("split it into several policies, or group actions with wildcards that match only what is needed"),
    );
}

/// Characters of the policy written as compact JSON.
pub(crate) fn compact_length(policy: &Policy) -> usize {
    let mut size = "{}".len();
    let mut members: usize = 0;
    if let Some(version) = &policy.version {
        size += member("Version") + quoted(version.node.as_str());
        members += 1;
    }
    if let Some(id) = &policy.id {
        size += member("Id") + quoted(&id.node);
        members += 1;
    }
    size += member("Statement");
    members += 1;
    let statements: usize = policy.statements.iter().map(statement_length).sum();
    size += statements + "[]".len() + policy.statements.len().saturating_sub(1);
    size + members.saturating_sub(1)
}

fn statement_length(statement: &Statement) -> usize {
    let mut parts = Vec::with_capacity(6);
    if let Some(sid) = &statement.sid {
        parts.push(member("Sid") + quoted(&sid.node));
    }
    parts.push(member("Effect") + quoted(statement.effect.node.as_str()));
    if let Some(principal) = &statement.principal {
        let name = if principal.node.negated {
            "NotPrincipal"
        } else {
            "Principal"
        };
        parts.push(member(name) + principal_length(&principal.node));
    }
    let action = &statement.action.node;
    let name = if action.negated {
        "NotAction"
    } else {
        "Action"
    };
    parts.push(member(name) + list(&action.patterns));
    if let Some(resource) = &statement.resource {
        let name = if resource.node.negated {
            "NotResource"
        } else {
            "Resource"
        };
        parts.push(member(name) + list(&resource.node.patterns));
    }
    if let Some(condition) = &statement.condition {
        parts.push(member("Condition") + condition_length(&condition.node));
    }
    "{}".len() + parts.iter().sum::<usize>() + parts.len().saturating_sub(1)
}

fn principal_length(clause: &PrincipalClause) -> usize {
    match &clause.principal {
        Principal::Wildcard => quoted("*"),
        Principal::Map(entries) => {
            let inner: usize = entries
                .iter()
                .map(|e| member(e.kind.node.as_str()) + list(&e.values))
                .sum();
            "{}".len() + inner + entries.len().saturating_sub(1)
        }
    }
}

fn condition_length(condition: &Condition) -> usize {
    let blocks: usize = condition
        .blocks
        .iter()
        .map(|block| {
            let entries: usize = block
                .entries
                .iter()
                .map(|entry| {
                    let values: usize = entry.values.iter().map(|v| value_length(&v.node)).sum();
                    let values = if entry.values.len() == 1 {
                        values
                    } else {
                        values + "[]".len() + entry.values.len().saturating_sub(1)
                    };
                    quoted(&entry.key.node) + 1 + values
                })
                .sum();
            // The operator as written is not kept; its canonical name is
            // the same length for every known operator.
            let operator = leash_policy::condition::operator_text(&block.operator.node);
            quoted(&operator) + 1 + "{}".len() + entries + block.entries.len().saturating_sub(1)
        })
        .sum();
    "{}".len() + blocks + condition.blocks.len().saturating_sub(1)
}

fn value_length(value: &ConditionValue) -> usize {
    match value {
        ConditionValue::String(text) => quoted(text),
        ConditionValue::Number(text) => text.chars().count(),
        ConditionValue::Bool(true) => 4,
        ConditionValue::Bool(false) => 5,
    }
}

fn list(items: &[Spanned<String>]) -> usize {
    let inner: usize = items.iter().map(|i| quoted(&i.node)).sum();
    if items.len() == 1 {
        inner
    } else {
        inner + "[]".len() + items.len().saturating_sub(1)
    }
}

/// `"name":`
fn member(name: &str) -> usize {
    quoted(name) + 1
}

/// A JSON string's length in characters, quotes and escapes included.
/// Counted over bytes, which is cheaper than decoding characters: every
/// character has exactly one byte that is not a UTF-8 continuation byte
/// (`0b10xx_xxxx`), and only ASCII characters are escaped.
fn quoted(text: &str) -> usize {
    2 + text
        .bytes()
        .map(|byte| match byte {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' => 2,
            0x00..0x20 => 6,
            0x80..0xC0 => 0,
            _ => 1,
        })
        .sum::<usize>()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counts_the_compact_form() {
        let text = r#"{ "Version": "2012-10-17", "Statement": [ { "Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "true"}} }, {"Effect": "Deny", "NotAction": "s3:*", "NotResource": "*", "Principal": {"AWS": "*"}} ] }"#;
        let policy = leash_policy::parse::parse_policy_text(text).policy.unwrap();
        // No string in the sample has white space, so dropping it all is
        // the compact form.
        let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        assert_eq!(compact_length(&policy), compact.chars().count());
    }

    #[test]
    fn quoted_length_counts_characters_and_escapes() {
        assert_eq!(quoted(""), 2);
        assert_eq!(quoted("s3:GetObject"), 14);
        // One character each, whatever their UTF-8 length.
        assert_eq!(quoted("é€😀"), 5);
        assert_eq!(quoted("a\"b\\c\n\r\t"), 2 + 3 + 5 * 2);
        assert_eq!(quoted("\u{1}\u{1f}"), 2 + 12);
        assert_eq!(quoted("\u{7f}"), 3);
    }
}

#[cfg(test)]
mod rule_tests {
    use super::super::util::findings;
    use crate::{PolicyKind, Severity};

    fn policy_of_length(resources: usize) -> String {
        let list: Vec<String> = (0..resources)
            .map(|i| format!("\"arn:aws:s3:::bucket-with-a-rather-long-name/{i:05}\""))
            .collect();
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Deny", "Action": "s3:*", "Resource": [{}]}}]}}"#,
            list.join(",")
        )
    }

    // SCP quota 5,120 characters:
    // https://docs.aws.amazon.com/organizations/latest/userguide/orgs_reference_limits.html
    #[test]
    fn service_control_policy_quota_is_an_error() {
        let text = policy_of_length(120);
        let found = findings(&text, Some(PolicyKind::ServiceControl), "L217");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, Severity::Error);
        assert!(findings(&text, Some(PolicyKind::Identity), "L217").len() == 1);
        assert!(findings(&text, Some(PolicyKind::Resource), "L217").is_empty());
        assert!(
            findings(
                &policy_of_length(50),
                Some(PolicyKind::ServiceControl),
                "L217"
            )
            .is_empty()
        );
    }
}
