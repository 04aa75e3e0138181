//! ## What it finds
//! A role that has not been used for more than N days
//! (`leash audit --unused-days N`, default 90): its
//! `RoleLastUsed.LastUsedDate` is older than N days before now, or it has
//! none and was created more than N days before now. "Now" is `--now`,
//! else the newest date in the dump, so that an audit of one dump always
//! says the same. Service-linked roles (path `/aws-service-role/`) are
//! not reported: the service that owns them decides when they go.
//!
//! IAM tracks use for the trailing 400 days, and for a region only since
//! it started tracking there: a role without `LastUsedDate` may have been
//! used before that.
//!
//! ## Why it matters
//! An unused role is access nobody needs: credentials that can still be
//! obtained, by whoever the trust policy lets in.
//!
//! ## Example
//! ```json
//! {"RoleName": "old-import", "CreateDate": "2022-01-10T09:00:00Z",
//!  "RoleLastUsed": {"LastUsedDate": "2023-02-01T10:00:00Z", "Region": "us-east-1"}}
//! ```
//!
//! ## Fix
//! Delete the role, or detach its policies until someone asks.
//!
//! ## Reference
//! <https://docs.aws.amazon.com/IAM/latest/APIReference/API_RoleLastUsed.html>,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_last-accessed.html>

use crate::audit::dates::epoch_seconds;
use crate::audit::dump::Role;
use crate::{Diagnostic, Rule, Severity};

pub static RULE: Rule = Rule {
    code: "L606",
    name: "unused-role",
    severity: Severity::Warning,
    summary: "a role has not been used for longer than the allowed number of days",
    access_analyzer: None,
    check: None,
};

const DAY: i64 = 86_400;

pub(crate) fn check(role: &Role, days: u32, now: i64, out: &mut Vec<Diagnostic>) {
    if role.detail.path.starts_with("/aws-service-role/") {
        return;
    }
    let limit = i64::from(days) * DAY;
    let name = &role.detail.name.node;
    if let Some(last) = &role.last_used {
        let Some(when) = epoch_seconds(&last.node) else {
            return;
        };
        let idle = now - when;
        if idle > limit {
            out.push(
                Diagnostic::new(
                    &RULE,
                    format!(
                        "role `{name}` was last used {} days ago ({}), more than {days}",
                        idle / DAY,
                        last.node
                    ),
                    last.span,
                )
                .with_label("last use")
                .with_help("delete the role, or detach its policies until someone needs it"),
            );
        }
        return;
    }
    let Some(created) = &role.detail.create_date else {
        return;
    };
    let Some(when) = epoch_seconds(&created.node) else {
        return;
    };
    let age = now - when;
    if age > limit {
        out.push(
            Diagnostic::new(
                &RULE,
                format!(
                    "role `{name}` has no recorded use and was created {} days ago, more than {days}",
                    age / DAY
                ),
                role.detail.name.span,
            )
            .with_label("never used")
            .with_help("delete the role, or detach its policies until someone needs it"),
        );
    }
}
