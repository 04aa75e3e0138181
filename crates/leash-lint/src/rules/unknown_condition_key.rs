//! ## What it finds
//! A condition key that is neither a global `aws:` key nor a key defined by
//! a service in leash's catalog, such as `aws:SourceIP` written as
//! `aws:SourceIpAddress`, or `s3:prefixes`.
//!
//! ## Why it matters
//! A key that AWS never sets is always absent: positive operators then
//! fail (an Allow never applies) and negated operators succeed (a Deny with
//! `StringNotEquals` applies to every request).
//!
//! ## Example
//! ```json
//! {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
//!  "Condition": {"Bool": {"aws:SecureTransports": "false"}}}
//! ```
//!
//! ## Fix
//! Use a key from the global condition key list or the service's page of
//! the Service Authorization Reference. Key names are case-insensitive.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html>

use super::util::closest;
use crate::{Diagnostic, PolicyInput, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L104",
    name: "unknown-condition-key",
    severity: Severity::Error,
    summary: "a condition key is not a global key nor defined by a service in the AWS catalog",
    access_analyzer: Some("Error – Invalid global condition key, Invalid service condition key"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        let Some(condition) = &statement.condition else {
            continue;
        };
        for block in &condition.node.blocks {
            for entry in &block.entries {
                let key = entry.key.node.as_str();
                if catalog.condition_key(key).is_some() || is_identity_provider_key(key) {
                    continue;
                }
                let mut diagnostic = Diagnostic::new(
                    &RULE,
                    format!(
                        "`{key}` is not a condition key in the AWS catalog ({} {})",
                        leash_catalog::DATA_PACKAGE,
                        leash_catalog::DATA_VERSION
                    ),
                    entry.key.span,
                )
                .with_label("unknown condition key");
                let prefix = key.split_once(':').map(|(p, _)| p).unwrap_or("");
                let candidates: Vec<&str> = if prefix.eq_ignore_ascii_case("aws") {
                    catalog
                        .global_condition_keys()
                        .iter()
                        .map(|k| k.name())
                        .collect()
                } else {
                    catalog
                        .service(prefix)
                        .map(|s| s.condition_keys().iter().map(|k| k.name()).collect())
                        .unwrap_or_default()
                };
                if let Some(suggestion) = closest(key, candidates) {
                    diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
                }
                out.push(diagnostic);
            }
        }
    }
}

/// Keys of web identity federation are prefixed with the identity
/// provider's URL (`token.actions.githubusercontent.com:sub`,
/// `oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud`), which can be any
/// OIDC provider's: a prefix with a dot is such a provider, not a service
/// prefix (service prefixes have none).
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#condition-keys-wif>
fn is_identity_provider_key(key: &str) -> bool {
    key.rsplit_once(':')
        .is_some_and(|(provider, claim)| provider.contains('.') && !claim.is_empty())
}

#[cfg(test)]
mod tests {
    use super::is_identity_provider_key;

    #[test]
    fn provider_url_keys_are_recognised() {
        assert!(is_identity_provider_key(
            "token.actions.githubusercontent.com:sub"
        ));
        assert!(is_identity_provider_key(
            "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLE:aud"
        ));
        assert!(!is_identity_provider_key("aws:SourceIpAddress"));
        assert!(!is_identity_provider_key("s3:prefixes"));
    }
}
