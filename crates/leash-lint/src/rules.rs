//! One module per rule. See `docs/rules.md` for the generated reference.

pub mod action_on_inapplicable_resource;
pub mod action_pattern_matching_nothing;
pub mod duplicate_key;
pub mod invalid_json;
pub mod invalid_policy_structure;
pub mod invalid_template;
pub mod malformed_policy_variable;
pub mod policy_variable_without_version;
pub mod resource_wildcard_on_scopable_action;
pub mod unknown_action;
pub mod unknown_condition_key;
pub mod unknown_service;

mod util;
