//! ## What it finds
//! A CloudFormation or SAM template that cannot be read: invalid YAML or
//! JSON, a tag CloudFormation does not define, a document that is not a
//! mapping or has no `Resources`, nesting deeper than leash reads.
//!
//! ## Why it matters
//! CloudFormation rejects the template, and none of the policies in it can
//! be checked.
//!
//! ## Example
//! ```yaml
//! Resources:
//!   Role:
//!     Type: AWS::IAM::Role
//!     Properties: {AssumeRolePolicyDocument: [unclosed
//! ```
//!
//! ## Fix
//! Correct the syntax at the reported position.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/template-anatomy.html>

use crate::{Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L004",
    name: "invalid-template",
    severity: Severity::Error,
    summary: "the file is not a readable CloudFormation or SAM template",
    access_analyzer: None,
    check: None,
};
