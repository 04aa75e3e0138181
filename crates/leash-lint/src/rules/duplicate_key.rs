//! ## What it finds
//! The same key twice in one JSON object, such as two `Condition` or two
//! `Resource` elements in one statement.
//!
//! ## Why it matters
//! AWS keeps only the last one and silently drops the others, so a
//! restriction written first disappears.
//!
//! ## Example
//! ```json
//! {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/private/*", "Resource": "*"}
//! ```
//!
//! ## Fix
//! Merge the two values into one element (an array), or remove the one
//! that is not meant.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-duplicate-keys-with-different-case>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L003",
    name: "duplicate-key",
    severity: Severity::Warning,
    summary: "a key appears twice in one object; AWS keeps only the last",
    access_analyzer: Some("Error – Duplicate keys with different case (and same-case duplicates)"),
    check: None,
};
