//! ## What it finds
//! A file on which leash itself failed: a bug in leash, not in the file.
//! The run goes on with the other files and exits with 2.
//!
//! ## Why it matters
//! The file was not (fully) checked, so its silence means nothing.
//!
//! ## Example
//! Any input that makes leash fail; the message says where leash stopped.
//!
//! ## Fix
//! Report it to leash's maintainers with the file (or a smaller one that
//! fails the same way) and the message leash printed on standard error.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L008",
    name: "internal-error",
    severity: Severity::Error,
    summary: "leash failed on the file (a bug in leash): it was not checked",
    access_analyzer: None,
    check: None,
};
