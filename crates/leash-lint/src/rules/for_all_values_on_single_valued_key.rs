//! ## What it finds
//! `ForAllValues:` in front of an operator whose key is single-valued in
//! the AWS catalog (`aws:SourceIp`, `aws:PrincipalOrgID`,
//! `aws:RequestedRegion`...).
//!
//! ## Why it matters
//! `ForAllValues` is also true when the key is absent from the request.
//! Under Allow, a condition meant to require a value then lets requests
//! without the key through.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
//!  "Condition": {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}}
//! ```
//!
//! ## Fix
//! Remove `ForAllValues:` (use the plain operator) for single-valued keys.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>

use super::util::condition_entries;
use crate::{Diagnostic, PolicyInput, Rule, Severity};
use leash_policy::SetQualifier;

pub static RULE: Rule = Rule {
    code: "L304",
    name: "for-all-values-on-single-valued-key",
    severity: Severity::Warning,
    summary: "`ForAllValues:` on a single-valued key, which is also true when the key is absent",
    access_analyzer: Some("Security Warning – ForAllValues with single valued key"),
    check: Some(check),
};

fn check(input: &PolicyInput<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = leash_catalog::catalog();
    for statement in &input.policy.statements {
        for (block, entry) in condition_entries(statement) {
            if block.operator.node.qualifier != Some(SetQualifier::ForAllValues) {
                continue;
            }
            let Some(info) = catalog.condition_key(&entry.key.node) else {
                continue;
            };
            if info.key_type().is_multivalued() {
                continue;
            }
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "`{}` is single-valued; `ForAllValues:` also matches requests without it",
                        entry.key.node
                    ),
                    entry.key.span,
                )
                .with_label("single-valued key")
                .with_help(format!(
                    "use `{}` without `ForAllValues:`",
                    block.operator.node.kind.as_str()
                )),
            );
        }
    }
}
