//! ## What it finds
//! A suppression (in a template's `Metadata: {leash: {ignore: [...]}}`, or
//! in `leash.toml`) that does not say why the finding does not apply.
//!
//! ## Why it matters
//! A suppression without a reason cannot be reviewed: the next reader
//! cannot tell an accepted risk from a silenced mistake. leash does not
//! apply it.
//!
//! ## Example
//! ```yaml
//! Metadata:
//!   leash:
//!     ignore: [L106]
//! ```
//!
//! ## Fix
//! ```yaml
//! Metadata:
//!   leash:
//!     ignore: [L106]
//!     reason: the function lists every table by design (admin tool)
//! ```
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html#bp-use-least-privilege>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L005",
    name: "suppression-without-reason",
    severity: Severity::Warning,
    summary: "a suppression does not say why; it is not applied",
    access_analyzer: None,
    check: None,
};
