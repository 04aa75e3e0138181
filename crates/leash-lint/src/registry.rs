//! The table of rules, and running them on one policy.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules;
use leash_policy::Policy;

/// What a policy is for; rules that depend on it (a `Principal` in an
/// identity policy, a missing `Resource` outside a trust policy) read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role (including boundaries and session
    /// policies, which share the identity grammar).
    Identity,
    /// Attached to a resource: bucket, queue, topic, function, key, table.
    Resource,
    /// A role's trust policy (`AssumeRolePolicyDocument`).
    Trust,
    /// A service control policy.
    ServiceControl,
    /// A resource control policy.
    ResourceControl,
}

impl PolicyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity",
            PolicyKind::Resource => "resource",
            PolicyKind::Trust => "trust",
            PolicyKind::ServiceControl => "scp",
            PolicyKind::ResourceControl => "rcp",
        }
    }

    /// The kind a standalone policy file most likely is: a policy whose
    /// statements name principals is resource-based, or a trust policy when
    /// every action is `sts:AssumeRole*` / `sts:TagSession` /
    /// `sts:SetSourceIdentity`; otherwise identity-based.
    pub fn guess(policy: &Policy) -> PolicyKind {
        let names_principal = policy.statements.iter().any(|s| s.principal.is_some());
        if !names_principal {
            return PolicyKind::Identity;
        }
        let trust_only = policy.statements.iter().all(|s| {
            !s.action.negated
                && s.action.patterns.iter().all(|p| {
                    let lower = p.node.to_ascii_lowercase();
                    lower.starts_with("sts:assumerole")
                        || lower == "sts:tagsession"
                        || lower == "sts:setsourceidentity"
                        || lower == "sts:setcontext"
                })
        });
        if trust_only {
            PolicyKind::Trust
        } else {
            PolicyKind::Resource
        }
    }
}

/// What a rule sees: one parsed policy and what it is for.
pub struct PolicyInput<'a> {
    pub policy: &'a Policy,
    pub kind: PolicyKind,
    /// Each statement's action patterns looked up in the catalog, once for
    /// all rules (several rules need them, and the lookups were a large
    /// part of a corpus check).
    resolved: std::sync::OnceLock<Vec<Vec<Option<&'static leash_catalog::Action>>>>,
    /// The values known only at deployment that the policy's strings hold
    /// as symbols (`leash_policy::symbol`), for a policy of a template.
    pub symbols: Option<&'a leash_policy::symbol::SymbolTable>,
}

impl<'a> PolicyInput<'a> {
    pub fn new(policy: &'a Policy, kind: PolicyKind) -> Self {
        PolicyInput {
            policy,
            kind,
            resolved: std::sync::OnceLock::new(),
            symbols: None,
        }
    }

    /// The same input, for a policy whose strings hold symbols of `table`.
    pub fn with_symbols(mut self, table: &'a leash_policy::symbol::SymbolTable) -> Self {
        self.symbols = Some(table);
        self
    }

    /// What the symbol `c` stands for, when the policy comes from a
    /// template and `c` is one of its symbols.
    pub fn symbol(&self, c: char) -> Option<&'a leash_policy::symbol::Symbol> {
        self.symbols?.of_char(c)
    }

    /// The catalog action each action pattern of statement `index` names
    /// exactly (`None` for patterns with wildcards and for unknown actions),
    /// in the order of the statement's patterns.
    pub fn resolved_actions(&self, index: usize) -> &[Option<&'static leash_catalog::Action>] {
        let resolved = self.resolved.get_or_init(|| {
            let catalog = leash_catalog::catalog();
            self.policy
                .statements
                .iter()
                .map(|statement| {
                    statement
                        .action
                        .node
                        .patterns
                        .iter()
                        .map(|p| {
                            if p.node.contains(['*', '?']) {
                                None
                            } else {
                                catalog.action(&p.node)
                            }
                        })
                        .collect()
                })
                .collect()
        });
        resolved.get(index).map_or(&[], Vec::as_slice)
    }
}

pub type CheckFn = fn(&PolicyInput<'_>, &mut Vec<Diagnostic>);

/// A rule's metadata and check.
pub struct Rule {
    /// Stable code; never reused for another rule.
    pub code: &'static str,
    /// Names the bad pattern (`pass-role-on-any-resource`).
    pub name: &'static str,
    pub severity: Severity,
    /// One line: what it finds.
    pub summary: &'static str,
    /// The IAM Access Analyzer policy check this rule matches, if any.
    pub access_analyzer: Option<&'static str>,
    /// `None` for the rules whose findings come from the parser (syntax and
    /// structure): they run on every file before any other rule.
    pub check: Option<CheckFn>,
}

/// Every rule, in code order.
pub static RULES: &[&Rule] = &[
    &rules::invalid_json::RULE,
    &rules::invalid_policy_structure::RULE,
    &rules::duplicate_key::RULE,
    &rules::invalid_template::RULE,
    &rules::suppression_without_reason::RULE,
    &rules::undecodable_text::RULE,
    &rules::unknown_document_kind::RULE,
    &rules::internal_error::RULE,
    &rules::unknown_service::RULE,
    &rules::unknown_action::RULE,
    &rules::action_pattern_matching_nothing::RULE,
    &rules::unknown_condition_key::RULE,
    &rules::action_on_inapplicable_resource::RULE,
    &rules::resource_wildcard_on_scopable_action::RULE,
    &rules::malformed_policy_variable::RULE,
    &rules::policy_variable_without_version::RULE,
    &rules::resource_not_an_arn::RULE,
    &rules::arn_missing_field::RULE,
    &rules::arn_with_unknown_partition::RULE,
    &rules::arn_service_not_lowercase::RULE,
    &rules::arn_with_malformed_region::RULE,
    &rules::arn_with_malformed_account::RULE,
    &rules::arn_field_not_allowed::RULE,
    &rules::duplicate_sid::RULE,
    &rules::sid_with_unsupported_characters::RULE,
    &rules::operator_mismatched_to_key_type::RULE,
    &rules::invalid_date_value::RULE,
    &rules::invalid_number_value::RULE,
    &rules::invalid_ip_value::RULE,
    &rules::invalid_boolean_value::RULE,
    &rules::invalid_base64_value::RULE,
    &rules::private_ip_in_source_ip::RULE,
    &rules::policy_size_over_quota::RULE,
    &rules::principal_element_not_allowed::RULE,
    &rules::missing_principal::RULE,
    &rules::missing_resource::RULE,
    &rules::pass_role_on_any_resource::RULE,
    &rules::allow_with_not_principal::RULE,
    &rules::deny_with_not_principal::RULE,
    &rules::for_all_values_on_single_valued_key::RULE,
    &rules::missing_set_qualifier_on_multivalued_key::RULE,
    &rules::github_oidc_trust_without_subject::RULE,
    &rules::oidc_trust_without_audience::RULE,
    &rules::service_principal_without_source_condition::RULE,
    &rules::public_principal_without_condition::RULE,
    &rules::allow_with_not_action::RULE,
    &rules::service_linked_role_creation_on_any_resource::RULE,
    &rules::null_with_set_qualifier::RULE,
    &rules::privilege_escalation_path::RULE,
    &rules::missing_version::RULE,
    &rules::outdated_version::RULE,
    &rules::wildcard_without_like_operator::RULE,
    &rules::empty_array::RULE,
    &rules::redundant_action::RULE,
    &rules::redundant_resource::RULE,
    &rules::duplicate_statement::RULE,
    &rules::service_wide_action_wildcard::RULE,
    &rules::every_action_allowed::RULE,
    &rules::permissions_management_action_on_any_resource::RULE,
    &rules::data_exfiltration_action_on_any_resource::RULE,
    &rules::credentials_exposure_action::RULE,
    &rules::ip_range_with_host_bits::RULE,
    &rules::overlapping_ip_ranges::RULE,
    &rules::empty_sid::RULE,
    &rules::redundant_numeric_condition_value::RULE,
];

/// Every rule: the policy rules of [`RULES`], then the template rules of
/// [`crate::template_rules::TEMPLATE_RULES`] and
/// [`crate::template_rules::CODE_RULES`], then the audit rules of
/// [`crate::audit_rules::AUDIT_RULES`].
pub fn all_rules() -> impl Iterator<Item = &'static Rule> {
    RULES
        .iter()
        .copied()
        .chain(
            crate::template_rules::TEMPLATE_RULES
                .iter()
                .map(|(rule, _)| *rule),
        )
        .chain(crate::template_rules::CODE_RULES.iter().copied())
        .chain(crate::audit_rules::AUDIT_RULES.iter().copied())
}

pub fn rule_by_code(code: &str) -> Option<&'static Rule> {
    all_rules().find(|r| r.code == code)
}

/// Runs every AST rule on one policy. Findings come in rule order, then
/// source order.
pub fn check_policy(input: &PolicyInput<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for rule in RULES {
        if let Some(check) = rule.check {
            check(input, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for rule in all_rules() {
            assert!(codes.insert(rule.code), "duplicate code {}", rule.code);
            assert!(names.insert(rule.name), "duplicate name {}", rule.name);
        }
    }

    #[test]
    fn rules_are_listed_in_code_order() {
        let codes: Vec<_> = RULES.iter().map(|r| r.code).collect();
        let mut sorted = codes.clone();
        sorted.sort();
        assert_eq!(codes, sorted);
    }
}
