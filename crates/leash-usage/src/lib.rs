//! What principals did, from CloudTrail: `leash usage TRAIL...` reads the
//! log files as AWS delivers them (`AWSLogs/ACCOUNT/CloudTrail/REGION/
//! YYYY/MM/DD/*.json.gz`, each `{"Records": [...]}`; `.json` too) and
//! aggregates, per principal, the IAM actions it used on each resource:
//! how often, first and last seen, and how many calls failed or were
//! denied (a denial is a need the policy does not meet).
//!
//! `refine` narrows roles' identity policies to what the aggregate shows
//! they used, each narrowed policy proved to grant nothing new.
//!
//! Not for: reading authorization dumps (leash-lint's `audit`), or lint
//! findings.

pub mod aggregate;
pub mod generate;
pub mod gzip;
pub mod record;
pub mod refine;
pub mod sql;

pub use aggregate::{
    Aggregate, AggregateError, Row, Summary, read_aggregate, read_files, read_trails, trail_files,
};
pub use record::{LogFile, Record, action_of, principal_of};
