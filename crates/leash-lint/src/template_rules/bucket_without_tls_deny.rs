//! ## What it finds
//! An S3 bucket whose bucket policy (in the template) does not deny
//! requests made without TLS (`aws:SecureTransport` = `false`), or that has
//! no bucket policy at all.
//!
//! In a Terraform plan: an `aws_s3_bucket` that no `aws_s3_bucket_policy`
//! of the plan gives such a deny.
//!
//! ## Why it matters
//! Without the deny, a client or a misconfigured SDK can read and write
//! objects over plain HTTP. AWS's S3 security best practices ask for the
//! deny on every bucket.
//!
//! ## Example
//! ```yaml
//! ReceiptsBucket: {Type: AWS::S3::Bucket}
//! ```
//!
//! ## Fix
//! A bucket policy statement `{"Effect": "Deny", "Principal": "*", "Action":
//! "s3:*", "Resource": [BUCKET_ARN, BUCKET_ARN/*], "Condition": {"Bool":
//! {"aws:SecureTransport": "false"}}}`.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/security-best-practices.html#transit>

use super::{TemplateInput, TerraformInput, parsed};
use crate::{Diagnostic, Rule, Severity};
use leash_iac::PolicyKind;
use leash_policy::{ConditionValue, Effect, OperatorKind};

pub static RULE: Rule = Rule {
    code: "L507",
    name: "bucket-without-tls-deny",
    severity: Severity::Warning,
    summary: "an S3 bucket's policy does not deny requests without TLS",
    access_analyzer: None,
    check: None,
};

pub fn check(input: &TemplateInput<'_>, out: &mut Vec<Diagnostic>) {
    for bucket in &input.template.resources {
        if bucket.resource_type.node != "AWS::S3::Bucket" {
            continue;
        }
        let id = &bucket.logical_id.node;
        let denies_plain_http = input
            .policies
            .iter()
            .filter(|p| {
                p.kind == PolicyKind::Resource && p.resource_type == "AWS::S3::BucketPolicy"
            })
            .filter(|p| p.target_resources.contains(id))
            .filter_map(|p| parsed(&p.document))
            .any(|policy| policy.statements.iter().any(denies_without_tls));
        if !denies_plain_http {
            out.push(finding(id, bucket.logical_id.span, "a bucket policy"));
        }
    }
}

/// The same on a Terraform plan: an `aws_s3_bucket` with no
/// `aws_s3_bucket_policy` of the plan that denies requests without TLS,
/// reported at the bucket's address. A bucket is not judged when one of
/// its policies is unknown until apply or is not JSON, or when its own
/// (deprecated) `policy` argument is set.
pub fn check_terraform(input: &TerraformInput<'_>, out: &mut Vec<Diagnostic>) {
    let extraction = input.extraction;
    for bucket in &input.model.buckets {
        let unreadable = bucket.has_inline_policy
            || bucket.policies.iter().any(|address| {
                extraction.unread.iter().any(|u| u.address == *address)
                    || extraction.invalid.iter().any(|i| i.address == *address)
            });
        if unreadable {
            continue;
        }
        let denies_plain_http = extraction
            .policies
            .iter()
            .filter(|p| p.kind == PolicyKind::Resource && bucket.policies.contains(&p.address))
            .filter_map(|p| parsed(&p.document))
            .any(|policy| policy.statements.iter().any(denies_without_tls));
        if !denies_plain_http {
            let mut diagnostic = finding(&bucket.address, bucket.span, "`aws_s3_bucket_policy`");
            diagnostic.resource = Some(bucket.address.clone());
            out.push(diagnostic);
        }
    }
}

/// `policy`: a bucket policy as the input's format spells it.
fn finding(bucket: &str, span: leash_policy::Span, policy: &str) -> Diagnostic {
    Diagnostic::new(
        &RULE,
        format!("bucket `{bucket}` does not deny requests made without TLS"),
        span,
    )
    .with_label("plain HTTP allowed")
    .with_help(format!(
        "add {policy} that denies `s3:*` when `aws:SecureTransport` is `false`"
    ))
}

/// A Deny statement with `Bool: {aws:SecureTransport: false}` (or the
/// `BoolIfExists` form).
fn denies_without_tls(statement: &leash_policy::Statement) -> bool {
    statement.effect.node == Effect::Deny
        && statement.condition.as_ref().is_some_and(|condition| {
            condition.node.blocks.iter().any(|block| {
                block.operator.node.kind == OperatorKind::Bool
                    && block.entries.iter().any(|entry| {
                        entry.key.node.eq_ignore_ascii_case("aws:SecureTransport")
                            && entry.values.iter().any(|v| match &v.node {
                                ConditionValue::Bool(b) => !b,
                                other => other.as_text().eq_ignore_ascii_case("false"),
                            })
                    })
            })
        })
}
