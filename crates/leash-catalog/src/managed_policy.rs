//! AWS managed policies, embedded: each one's name, ARN and the document
//! of its default version, so rules can judge an attached managed policy
//! by what it grants rather than by its name.
//!
//! The data is the npm package [`MANAGED_POLICY_PACKAGE`] at
//! [`MANAGED_POLICY_VERSION`], turned into `data/managed-policies.bin`
//! (raw deflate of `NAME\tARN\tDOCUMENT` lines sorted by name) by
//! `scripts/gen-managed-policies/run.sh`. It is inflated on the first
//! lookup, once per process.
//!
//! ```
//! let policy = leash_catalog::aws_managed_policy("AWSLambdaSQSQueueExecutionRole")
//!     .expect("SAM's SQS poller policy is embedded");
//! assert_eq!(policy.arn, "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole");
//! assert!(policy.document.contains("sqs:ReceiveMessage"));
//! ```

use std::sync::OnceLock;

use crate::managed_policy_version::MANAGED_POLICY_TEXT_LENGTH;
pub use crate::managed_policy_version::{
    MANAGED_POLICY_PACKAGE, MANAGED_POLICY_UPDATED, MANAGED_POLICY_VERSION,
};

static DATA: &[u8] = include_bytes!("../data/managed-policies.bin");

/// One AWS managed policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AwsManagedPolicy {
    /// The policy name, e.g. `AWSLambdaBasicExecutionRole`.
    pub name: &'static str,
    /// Its ARN in the `aws` partition, path included, e.g.
    /// `arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole`.
    pub arn: &'static str,
    /// The JSON document of its default version, on one line.
    pub document: &'static str,
}

/// Every embedded policy, sorted by name; empty when the embedded data
/// does not inflate (a broken build, caught by this crate's tests).
fn policies() -> &'static [AwsManagedPolicy] {
    static POLICIES: OnceLock<Vec<AwsManagedPolicy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let mut output = vec![0_u8; MANAGED_POLICY_TEXT_LENGTH];
        let inflated = miniz_oxide::inflate::decompress_slice_iter_to_slice(
            &mut output,
            std::iter::once(DATA),
            false,
            true,
        );
        if inflated != Ok(MANAGED_POLICY_TEXT_LENGTH) {
            return Vec::new();
        }
        // Leaked on purpose: the policies live for the whole process.
        let Ok(text) = std::str::from_utf8(Box::leak(output.into_boxed_slice())) else {
            return Vec::new();
        };
        text.lines()
            .filter_map(|line| {
                let mut fields = line.splitn(3, '\t');
                Some(AwsManagedPolicy {
                    name: fields.next()?,
                    arn: fields.next()?,
                    document: fields.next()?,
                })
            })
            .collect()
    })
}

/// The AWS managed policy named `name_or_arn`: a name
/// (`AmazonS3ReadOnlyAccess`) or an AWS managed policy ARN of any
/// partition (`arn:aws-cn:iam::aws:policy/service-role/NAME`). Names are
/// case-sensitive, as IAM's are. `None` for a customer managed policy's
/// ARN or a name leash does not know.
pub fn aws_managed_policy(name_or_arn: &str) -> Option<AwsManagedPolicy> {
    let name = match name_or_arn.strip_prefix("arn:") {
        // `arn:PARTITION:iam::aws:policy/PATH/NAME`.
        Some(rest) => {
            let (partition, resource) = rest.split_once(":iam::aws:policy/")?;
            if partition.contains(':') {
                return None;
            }
            resource.rsplit('/').next()?
        }
        None => name_or_arn,
    };
    let policies = policies();
    let index = policies.binary_search_by(|p| p.name.cmp(name)).ok()?;
    policies.get(index).copied()
}

/// Every embedded AWS managed policy, sorted by name.
pub fn aws_managed_policies() -> &'static [AwsManagedPolicy] {
    policies()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_policies_inflate_and_are_sorted() {
        let all = aws_managed_policies();
        assert!(all.len() > 1_000, "{} policies", all.len());
        assert!(all.windows(2).all(|w| w[0].name < w[1].name));
        assert!(all.iter().all(|p| p.document.starts_with('{')));
    }

    #[test]
    fn the_recorded_version_is_the_pinned_one() {
        let pinned = include_str!("../../../scripts/gen-managed-policies/package.json");
        assert!(pinned.contains(&format!(
            "\"{MANAGED_POLICY_PACKAGE}\": \"{MANAGED_POLICY_VERSION}\""
        )));
        let locked = include_str!("../../../scripts/gen-managed-policies/package-lock.json");
        assert!(locked.contains(&format!(
            "\"node_modules/{MANAGED_POLICY_PACKAGE}\": {{\n      \"version\": \"{MANAGED_POLICY_VERSION}\""
        )));
    }

    // AWS managed policy ARNs: account `aws`, the path before the name.
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns
    #[test]
    fn looks_up_by_name_or_arn_of_any_partition() {
        let by_name = aws_managed_policy("AWSLambdaBasicExecutionRole").unwrap();
        assert_eq!(
            by_name.arn,
            "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
        );
        assert_eq!(
            aws_managed_policy(
                "arn:aws-cn:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
            ),
            Some(by_name)
        );
        assert!(
            aws_managed_policy("AdministratorAccess")
                .unwrap()
                .document
                .contains("\"Action\":\"*\"")
        );
        assert_eq!(
            aws_managed_policy("arn:aws:iam::123456789012:policy/AdministratorAccess"),
            None
        );
        assert_eq!(aws_managed_policy("awslambdabasicexecutionrole"), None);
        assert_eq!(aws_managed_policy("NoSuchPolicy"), None);
    }
}
