//! What principals did, from CloudTrail: `leash usage TRAIL...` reads the
//! log files as AWS delivers them (`AWSLogs/ACCOUNT/CloudTrail/REGION/
//! YYYY/MM/DD/*.json.gz`, each `{"Records": [...]}`; `.json` too) and
//! aggregates, per principal, the IAM actions it used on each resource:
//! how often, first and last seen, and how many calls failed or were
//! denied (a denial is a need the policy does not meet).
//!
//! Not for: narrowing policies from the aggregate (issue 16's "refine",
//! not built yet), or lint findings.

pub mod aggregate;
pub mod gzip;
pub mod record;

pub use aggregate::{Aggregate, Row, Summary, read_trails};
pub use record::{LogFile, Record, action_of, principal_of};
