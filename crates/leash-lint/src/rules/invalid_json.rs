//! ## What it finds
//! A file that is not valid JSON: a trailing comma, a comment, a missing
//! brace or quote, invalid UTF-8, nesting deeper than leash reads, or a file
//! larger than leash reads.
//!
//! ## Why it matters
//! AWS rejects the policy, and no other check can run on it.
//!
//! ## Example
//! ```json
//! {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",}]}
//! ```
//!
//! ## Fix
//! Correct the syntax at the reported position; JSON allows no trailing
//! commas and no comments.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-json-syntax-error>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L001",
    name: "invalid-json",
    severity: Severity::Error,
    summary: "the file is not valid JSON",
    access_analyzer: Some("Error – JSON syntax error"),
    check: None,
};
