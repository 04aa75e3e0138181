//! Rules over an account's authorization dump (`leash audit`): what a
//! principal may do with all its policies together, whom a role trusts,
//! whether it is used. Policy rules see one policy at a time; these see a
//! principal's effective policies (its own, its groups', its boundary,
//! the SCPs) and the role's trust policy.
//!
//! An audit rule is one file under `audit_rules/`, documented like a
//! policy rule, with a [`Rule`] for its metadata (its `check` is `None`:
//! it runs from [`crate::audit`], not on single policies).

use crate::Rule;

pub mod admin_equivalent_principal;
pub mod dump_entry_not_read;
pub mod privilege_escalation_path_of_principal;
pub mod role_trusting_every_principal;
pub mod role_trusting_unlisted_account;
pub mod service_trust_without_source_condition;
pub mod unused_role;

/// Every audit rule, in code order.
pub static AUDIT_RULES: &[&Rule] = &[
    &dump_entry_not_read::RULE,
    &admin_equivalent_principal::RULE,
    &privilege_escalation_path_of_principal::RULE,
    &role_trusting_every_principal::RULE,
    &role_trusting_unlisted_account::RULE,
    &service_trust_without_source_condition::RULE,
    &unused_role::RULE,
];
