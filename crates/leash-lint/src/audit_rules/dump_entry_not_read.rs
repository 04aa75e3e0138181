//! ## What it finds
//! A part of an account authorization dump that the audit could not read:
//! a dump cut short (`IsTruncated` true: one page of a paginated call), a
//! user, group or role without its name or ARN, a policy document that
//! is neither a JSON object nor URL-encoded JSON text, a managed policy
//! attached by an ARN that is neither in the dump's `Policies` nor one of
//! the AWS managed policies leash embeds.
//!
//! ## Why it matters
//! What was not read was not judged: a principal whose policy could not
//! be read may hold more than the audit says.
//!
//! ## Example
//! ```json
//! {"RoleDetailList": [{"RoleName": "app", "Arn": "arn:aws:iam::111122223333:role/app",
//!   "AttachedManagedPolicies": [{"PolicyName": "Shared", "PolicyArn": "arn:aws:iam::111122223333:policy/Shared"}]}]}
//! ```
//! (the dump was filtered to roles, so `Policies` does not hold `Shared`)
//!
//! ## Fix
//! Dump the whole account: `aws iam get-account-authorization-details`
//! without `--filter`, or with `--filter LocalManagedPolicy` among the
//! filters.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>

use crate::audit::dump::DumpProblem;
use crate::{Diagnostic, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L600",
    name: "dump-entry-not-read",
    severity: Severity::Warning,
    summary: "a part of the authorization dump could not be read, so it was not judged",
    access_analyzer: None,
    check: None,
};

pub(crate) fn finding(problem: &DumpProblem) -> Diagnostic {
    Diagnostic::new(&RULE, problem.message.clone(), problem.span)
        .with_label("not read")
        .with_help("dump the whole account with `aws iam get-account-authorization-details`")
}
