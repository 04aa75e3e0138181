//! ## What it finds
//! JSON that is not a policy of the IAM grammar: an unknown element
//! (`Resources`, `effect`), a missing `Effect` or `Action`, both `Action`
//! and `NotAction`, an `Effect` other than `Allow`/`Deny`, a `Version` other
//! than `2012-10-17`/`2008-10-17`, a value of the wrong type (a number where
//! a string must be), a `Principal` of the wrong shape, an unknown condition
//! operator.
//!
//! ## Why it matters
//! AWS rejects the policy when it is saved, or, for an element it ignores,
//! the policy does not mean what its author thinks.
//!
//! ## Example
//! ```json
//! {"Version": "2012-10-17", "Statement": [{"Effect": "allow", "Action": "s3:GetObject", "Resources": "*"}]}
//! ```
//!
//! ## Fix
//! Follow the grammar: `"Effect": "Allow"`, `"Resource"`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L002",
    name: "invalid-policy-structure",
    severity: Severity::Error,
    summary: "the JSON is not a policy of the IAM grammar",
    access_analyzer: Some(
        "Error – Invalid policy element, Missing action, Missing effect, Invalid effect, Invalid version, Data type mismatch, Invalid condition operator",
    ),
    check: None,
};
