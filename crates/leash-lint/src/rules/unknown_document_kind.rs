//! ## What it finds
//! A JSON or YAML document that is none of the kinds leash reads: an IAM
//! policy (`Statement`), a CloudFormation or SAM template (`Resources`), a
//! Terraform plan (`terraform show -json`), a Terraform JSON configuration
//! (`resource`), a role (`AssumeRolePolicyDocument`, `Policies`), or an
//! account authorization dump (`aws iam get-account-authorization-details`,
//! audited as `leash audit` does).
//!
//! ## Why it matters
//! A file leash could not read was not checked. Without this finding it
//! would pass with no finding at all.
//!
//! ## Example
//! ```json
//! {"name": "orders-api", "dependencies": {"@aws-sdk/client-dynamodb": "^3.600.0"}}
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
