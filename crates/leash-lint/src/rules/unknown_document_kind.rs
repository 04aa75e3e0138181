//! ## What it finds
//! A JSON or YAML document that is none of the kinds leash reads: an IAM
//! policy (`Statement`), a CloudFormation or SAM template (`Resources`), a
//! Terraform plan (`terraform show -json`), a Terraform JSON configuration
//! (`resource`), or a role (`AssumeRolePolicyDocument`, `Policies`). An
//! account authorization dump (`aws iam get-account-authorization-details`)
//! is named as such: leash does not read those yet.
//!
//! ## Why it matters
//! A file leash could not read was not checked. Without this finding it
//! would pass with no finding at all, and a dump whose roles allow `*` on
//! `*` would look clean.
//!
//! ## Example
//! ```json
//! {"RoleDetailList": [{"RoleName": "admin", "RolePolicyList": []}]}
//! ```
//!
//! ## Fix
//! Give leash the policies themselves (one file per policy), or leave the
//! file out of the run.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L007",
    name: "unknown-document-kind",
    severity: Severity::Error,
    summary: "the document is not a kind leash reads, so it was not checked",
    access_analyzer: None,
    check: None,
};
