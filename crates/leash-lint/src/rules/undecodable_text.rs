//! ## What it finds
//! A file whose bytes are not text in an encoding leash reads: UTF-8 (with
//! or without a byte order mark) or UTF-16 with a byte order mark. A
//! single Latin-1 byte (`é` saved as `0xE9`), a UTF-16 file with an
//! unpaired surrogate or an odd number of bytes, and UTF-32 are refused,
//! at the first bad byte.
//!
//! ## Why it matters
//! IAM, CloudFormation and Terraform read policies as UTF-8; nothing else
//! in the file can be checked until it is.
//!
//! ## Example
//! A policy saved as Latin-1 by an old editor:
//! ```text
//! {"Sid": "Caf\xE9", ...}
//! ```
//!
//! ## Fix
//! Save the file as UTF-8.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L006",
    name: "undecodable-text",
    severity: Severity::Error,
    summary: "the file is not UTF-8 (or UTF-16 with a byte order mark)",
    access_analyzer: None,
    check: None,
};
