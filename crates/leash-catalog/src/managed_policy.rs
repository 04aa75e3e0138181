//! AWS managed policies, embedded: each one's name, ARN and the document
//! of its default version, so rules can judge an attached managed policy
//! by what it grants rather than by its name.
//!
//! The data is the npm package [`MANAGED_POLICY_PACKAGE`] at
//! [`MANAGED_POLICY_VERSION`], turned into `data/managed-policies.bin`
//! (raw deflate of `NAME\tARN\tDOCUMENT` lines sorted by name) by
//! `scripts/gen-managed-policies/run.sh`. It is inflated once per process,
//! as far as the lookups need (the lines are sorted by name).
//!
//! ```
//! let policy = leash_catalog::aws_managed_policy("AWSLambdaSQSQueueExecutionRole")
//!     .expect("SAM's SQS poller policy is embedded");
//! assert_eq!(policy.arn, "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole");
//! assert!(policy.document.contains("sqs:ReceiveMessage"));
//! ```

use std::sync::{Mutex, OnceLock, PoisonError};

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

/// The embedded policies inflated so far, in name order: a lookup
/// inflates only up to the name it asks for (the data is sorted by name;
/// `AWSLambdaBasicExecutionRole`, which nearly every SAM function has, is
/// a fifth of the way in), so that a process that looks up a few policies
/// does not inflate and page in all 3 MB.
struct Inflating {
    state: Box<miniz_oxide::inflate::stream::InflateState>,
    /// Compressed bytes consumed so far.
    consumed: usize,
    /// Inflated bytes so far.
    inflated: usize,
    /// Inflated text after the last complete line.
    partial: Vec<u8>,
    policies: Vec<AwsManagedPolicy>,
    /// The whole stream is read (or it did not inflate: a broken build,
    /// caught by this crate's tests).
    done: bool,
}

impl Inflating {
    /// Inflates one more chunk and reads its complete lines.
    fn advance(&mut self) {
        use miniz_oxide::inflate::stream::inflate;
        use miniz_oxide::{MZFlush, MZStatus};
        const CHUNK: usize = 64 * 1024;
        let mut chunk = vec![0_u8; CHUNK];
        let input = DATA.get(self.consumed..).unwrap_or(&[]);
        let result = inflate(&mut self.state, input, &mut chunk, MZFlush::None);
        self.consumed += result.bytes_consumed;
        self.inflated += result.bytes_written;
        let written = chunk.get(..result.bytes_written).unwrap_or(&[]);
        self.partial.extend_from_slice(written);
        let finished = match result.status {
            Ok(MZStatus::StreamEnd) => true,
            Ok(_) => result.bytes_consumed == 0 && result.bytes_written == 0,
            Err(_) => true,
        };
        let complete = if finished {
            self.partial.len()
        } else {
            self.partial
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |newline| newline + 1)
        };
        if complete > 0 {
            let rest = self.partial.split_off(complete);
            let lines = std::mem::replace(&mut self.partial, rest);
            // Leaked on purpose: the policies live for the whole process.
            match String::from_utf8(lines) {
                Ok(text) => {
                    let text: &'static str = Box::leak(text.into_boxed_str());
                    self.policies.extend(text.lines().filter_map(|line| {
                        let mut fields = line.splitn(3, '\t');
                        Some(AwsManagedPolicy {
                            name: fields.next()?,
                            arn: fields.next()?,
                            document: fields.next()?,
                        })
                    }));
                }
                Err(_) => self.fail(),
            }
        }
        if finished {
            self.done = true;
            if result.status.is_err() || self.inflated != MANAGED_POLICY_TEXT_LENGTH {
                self.fail();
            }
        }
    }

    fn fail(&mut self) {
        self.policies.clear();
        self.done = true;
    }

    /// The policy named `name`, inflating as far as needed.
    fn find(&mut self, name: &str) -> Option<AwsManagedPolicy> {
        loop {
            let past = self.policies.last().is_some_and(|last| last.name >= name);
            if past || self.done {
                let index = self.policies.binary_search_by(|p| p.name.cmp(name)).ok()?;
                return self.policies.get(index).copied();
            }
            self.advance();
        }
    }
}

fn inflating() -> &'static Mutex<Inflating> {
    static INFLATING: OnceLock<Mutex<Inflating>> = OnceLock::new();
    INFLATING.get_or_init(|| {
        Mutex::new(Inflating {
            state: miniz_oxide::inflate::stream::InflateState::new_boxed(
                miniz_oxide::DataFormat::Raw,
            ),
            consumed: 0,
            inflated: 0,
            partial: Vec::new(),
            policies: Vec::new(),
            done: false,
        })
    })
}

/// Every embedded policy, sorted by name; empty when the embedded data
/// does not inflate (a broken build, caught by this crate's tests).
fn policies() -> &'static [AwsManagedPolicy] {
    static POLICIES: OnceLock<Vec<AwsManagedPolicy>> = OnceLock::new();
    POLICIES.get_or_init(|| {
        let mut inflating = inflating().lock().unwrap_or_else(PoisonError::into_inner);
        while !inflating.done {
            inflating.advance();
        }
        inflating.policies.clone()
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
    inflating()
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .find(name)
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
