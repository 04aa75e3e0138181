//! Properties of the authorization engine that must hold for every policy
//! set and request:
//!
//! - adding a `Deny` statement never turns a deny into an allow ("an explicit
//!   deny in any of these policies overrides the allow",
//!   <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html>);
//! - removing an `Allow` statement never turns a deny into an allow;
//! - the order of statements, and of policies within one kind or one
//!   organization level, never changes the decision (statements are
//!   evaluated as a set, not in order);
//! - an `Action` wildcard matches exactly the catalog actions that the
//!   catalog's own expansion of the pattern lists.
#![allow(clippy::unwrap_used)]

use leash_policy::authz::{Decision, LabeledPolicy, PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::matching::ActionPattern;
use leash_policy::parse::parse_policy_text;
use proptest::prelude::*;

const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "sts:AssumeRole",
    "kms:Decrypt",
];
const ACTION_PATTERNS: &[&str] = &[
    "s3:GetObject",
    "s3:*",
    "*",
    "dynamodb:Get*",
    "dynamodb:*Item",
    "s3:?utObject",
    "sts:AssumeRole",
    "kms:*",
];
const RESOURCES: &[&str] = &[
    "arn:aws:s3:::orders/a.txt",
    "arn:aws:dynamodb:us-east-1:111122223333:table/Orders",
    "arn:aws:iam::111122223333:role/target",
    "arn:aws:kms:us-east-1:111122223333:key/k1",
    "arn:aws:dynamodb:us-east-1:444455556666:table/Remote",
];
const RESOURCE_PATTERNS: &[&str] = &[
    "*",
    "arn:aws:s3:::orders/*",
    "arn:aws:dynamodb:*:111122223333:table/Orders",
    "arn:aws:dynamodb:us-east-1:*",
    "arn:aws:iam::111122223333:role/target",
    "arn:aws:kms:us-east-1:111122223333:key/*",
];
const PRINCIPALS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/orders/s1",
    "arn:aws:sts::444455556666:assumed-role/remote/s1",
    "arn:aws:iam::111122223333:root",
    "apigateway.amazonaws.com",
    "anonymous",
];
const PRINCIPAL_ELEMENTS: &[&str] = &[
    r#""*""#,
    r#"{"AWS": "111122223333"}"#,
    r#"{"AWS": "arn:aws:iam::444455556666:root"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:role/orders"}"#,
    r#"{"AWS": "arn:aws:sts::111122223333:assumed-role/orders/s1"}"#,
    r#"{"AWS": "arn:aws:iam::111122223333:user/alice"}"#,
    r#"{"Service": "apigateway.amazonaws.com"}"#,
];
const CONDITIONS: &[&str] = &[
    "",
    r#", "Condition": {"Bool": {"aws:SecureTransport": "true"}}"#,
    r#", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "orders"}}"#,
    r#", "Condition": {"StringNotEqualsIfExists": {"aws:RequestedRegion": "eu-west-1"}}"#,
    r#", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}}"#,
];

#[derive(Clone, Debug)]
struct StatementSpec {
    allow: bool,
    not_action: bool,
    actions: Vec<usize>,
    resource: usize,
    principal: Option<usize>,
    condition: usize,
}

impl StatementSpec {
    fn render(&self, with_principal: bool) -> String {
        let actions: Vec<String> = self
            .actions
            .iter()
            .map(|&index| format!("\"{}\"", ACTION_PATTERNS[index]))
            .collect();
        let principal = match (with_principal, self.principal) {
            (true, Some(index)) => format!(r#", "Principal": {}"#, PRINCIPAL_ELEMENTS[index]),
            (true, None) => r#", "Principal": "*""#.to_string(),
            (false, _) => String::new(),
        };
        format!(
            r#"{{"Effect": "{}"{principal}, "{}": [{}], "Resource": "{}"{}}}"#,
            if self.allow { "Allow" } else { "Deny" },
            if self.not_action {
                "NotAction"
            } else {
                "Action"
            },
            actions.join(", "),
            RESOURCE_PATTERNS[self.resource],
            CONDITIONS[self.condition],
        )
    }
}

#[derive(Clone, Debug)]
struct PolicySpec {
    statements: Vec<StatementSpec>,
}

impl PolicySpec {
    fn labeled(&self, label: &str, with_principal: bool) -> LabeledPolicy {
        let statements: Vec<String> = self
            .statements
            .iter()
            .map(|s| s.render(with_principal))
            .collect();
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(", ")
        );
        let parsed = parse_policy_text(&text);
        LabeledPolicy::new(label, parsed.policy.unwrap())
    }
}

#[derive(Clone, Debug)]
struct SetSpec {
    identity: Vec<PolicySpec>,
    boundary: Option<PolicySpec>,
    session: Option<PolicySpec>,
    resource: Option<PolicySpec>,
    scps: Vec<Vec<PolicySpec>>,
    rcps: Vec<Vec<PolicySpec>>,
}

impl SetSpec {
    fn build(&self) -> PolicySet {
        let mut set = PolicySet::new();
        for (index, policy) in self.identity.iter().enumerate() {
            set.identity_policies
                .push(policy.labeled(&format!("identity{index}"), false));
        }
        set.permissions_boundary = self.boundary.as_ref().map(|p| p.labeled("boundary", false));
        set.session_policy = self.session.as_ref().map(|p| p.labeled("session", false));
        set.resource_policy = self.resource.as_ref().map(|p| p.labeled("resource", true));
        set.scps = self
            .scps
            .iter()
            .map(|level| level.iter().map(|p| p.labeled("scp", false)).collect())
            .collect();
        set.rcps = self
            .rcps
            .iter()
            .map(|level| level.iter().map(|p| p.labeled("rcp", true)).collect())
            .collect();
        set
    }

    /// Every policy, mutable, for edits.
    fn policies_mut(&mut self) -> Vec<&mut PolicySpec> {
        let mut all: Vec<&mut PolicySpec> = self.identity.iter_mut().collect();
        all.extend(self.boundary.iter_mut());
        all.extend(self.session.iter_mut());
        all.extend(self.resource.iter_mut());
        for level in self.scps.iter_mut().chain(self.rcps.iter_mut()) {
            all.extend(level.iter_mut());
        }
        all
    }
}

#[derive(Clone, Debug)]
struct RequestSpec {
    principal: usize,
    action: usize,
    resource: usize,
    secure: Option<bool>,
    team: Option<bool>,
    tag_keys: Option<Vec<bool>>,
}

impl RequestSpec {
    fn build(&self) -> Request {
        let mut context = RequestContext::new();
        if let Some(secure) = self.secure {
            context = context.with("aws:SecureTransport", secure.to_string());
        }
        if let Some(team) = self.team {
            context = context.with(
                "aws:PrincipalTag/team",
                if team { "orders" } else { "billing" },
            );
        }
        if let Some(keys) = &self.tag_keys {
            let values: Vec<&str> = keys
                .iter()
                .map(|k| if *k { "team" } else { "cost" })
                .collect();
            context = context.with_values("aws:TagKeys", values);
        }
        Request::new(
            PRINCIPALS[self.principal],
            ACTIONS[self.action],
            RESOURCES[self.resource],
        )
        .with_context(context)
    }
}

fn statement() -> impl Strategy<Value = StatementSpec> {
    (
        any::<bool>(),
        prop::bool::weighted(0.1),
        prop::collection::vec(0..ACTION_PATTERNS.len(), 1..3),
        0..RESOURCE_PATTERNS.len(),
        prop::option::of(0..PRINCIPAL_ELEMENTS.len()),
        0..CONDITIONS.len(),
    )
        .prop_map(
            |(allow, not_action, actions, resource, principal, condition)| StatementSpec {
                allow,
                not_action,
                actions,
                resource,
                principal,
                condition,
            },
        )
}

fn policy() -> impl Strategy<Value = PolicySpec> {
    prop::collection::vec(statement(), 0..4).prop_map(|statements| PolicySpec { statements })
}

fn set() -> impl Strategy<Value = SetSpec> {
    (
        prop::collection::vec(policy(), 0..3),
        prop::option::of(policy()),
        prop::option::of(policy()),
        prop::option::of(policy()),
        prop::collection::vec(prop::collection::vec(policy(), 0..3), 0..3),
        prop::collection::vec(prop::collection::vec(policy(), 0..2), 0..2),
    )
        .prop_map(
            |(identity, boundary, session, resource, scps, rcps)| SetSpec {
                identity,
                boundary,
                session,
                resource,
                scps,
                rcps,
            },
        )
}

fn request() -> impl Strategy<Value = RequestSpec> {
    (
        0..PRINCIPALS.len(),
        0..ACTIONS.len(),
        0..RESOURCES.len(),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(any::<bool>(), 0..3)),
    )
        .prop_map(
            |(principal, action, resource, secure, team, tag_keys)| RequestSpec {
                principal,
                action,
                resource,
                secure,
                team,
                tag_keys,
            },
        )
}

fn decide(spec: &SetSpec, request: &Request) -> Decision {
    PreparedPolicySet::new(&spec.build()).evaluate(request)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn adding_a_deny_never_allows_more(spec in set(), request in request(), added in statement(), target in any::<prop::sample::Index>()) {
        let request = request.build();
        let before = decide(&spec, &request);
        let mut changed = spec.clone();
        let mut deny = added;
        deny.allow = false;
        let mut policies = changed.policies_mut();
        if policies.is_empty() {
            changed.identity.push(PolicySpec { statements: vec![deny] });
        } else {
            let index = target.index(policies.len());
            policies[index].statements.push(deny);
        }
        let after = decide(&changed, &request);
        prop_assert!(!after.is_allowed() || before.is_allowed(), "before {before:?}\nafter {after:?}");
    }

    #[test]
    fn removing_an_allow_never_allows_more(spec in set(), request in request(), target in any::<prop::sample::Index>()) {
        let request = request.build();
        let before = decide(&spec, &request);
        let mut changed = spec.clone();
        let mut allows: Vec<(usize, usize)> = Vec::new();
        for (policy_index, policy) in changed.policies_mut().iter().enumerate() {
            for (statement_index, statement) in policy.statements.iter().enumerate() {
                if statement.allow {
                    allows.push((policy_index, statement_index));
                }
            }
        }
        prop_assume!(!allows.is_empty());
        let (policy_index, statement_index) = allows[target.index(allows.len())];
        changed.policies_mut()[policy_index].statements.remove(statement_index);
        let after = decide(&changed, &request);
        prop_assert!(!after.is_allowed() || before.is_allowed(), "before {before:?}\nafter {after:?}");
    }

    #[test]
    fn order_never_changes_the_decision(spec in set(), request in request(), seed in any::<u64>()) {
        let request = request.build();
        let before = decide(&spec, &request);
        let mut shuffled = spec.clone();
        let mut state = seed | 1;
        let mut next = move |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound.max(1) as u64) as usize
        };
        for policy in shuffled.policies_mut() {
            for index in (1..policy.statements.len()).rev() {
                policy.statements.swap(index, next(index + 1));
            }
        }
        for index in (1..shuffled.identity.len()).rev() {
            shuffled.identity.swap(index, next(index + 1));
        }
        for level in shuffled.scps.iter_mut().chain(shuffled.rcps.iter_mut()) {
            for index in (1..level.len()).rev() {
                level.swap(index, next(index + 1));
            }
        }
        let after = decide(&shuffled, &request);
        prop_assert_eq!(before.decision, after.decision);
        prop_assert_eq!(before.reason, after.reason);
        prop_assert_eq!(before.cause, after.cause);
    }
}

/// Action patterns built from real catalog names with parts replaced by
/// wildcards.
fn catalog_pattern() -> impl Strategy<Value = String> {
    let names: Vec<String> = leash_catalog::catalog()
        .actions()
        .map(|action| action.full_name())
        .collect();
    (
        prop::sample::select(names),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
        0..4u8,
    )
        .prop_map(|(name, start, length, shape)| {
            let characters: Vec<char> = name.chars().collect();
            let from = start.index(characters.len());
            let to = (from + length.index(4) + 1).min(characters.len());
            let replacement = match shape {
                0 => "*",
                1 => "?",
                2 => "*?",
                _ => "",
            };
            let mut pattern: String = characters[..from].iter().collect();
            pattern.push_str(replacement);
            pattern.extend(&characters[to..]);
            if shape == 3 {
                pattern = pattern.to_uppercase();
            }
            pattern
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn wildcard_actions_match_their_catalog_expansion(pattern in catalog_pattern()) {
        // Action names are case-insensitive and `*`/`?` match within them:
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
        let catalog = leash_catalog::catalog();
        let compiled = ActionPattern::new(&pattern);
        let expanded: std::collections::BTreeSet<String> =
            catalog.expand(&pattern).into_iter().map(|action| action.full_name()).collect();
        for name in &expanded {
            prop_assert!(compiled.is_match(name), "`{pattern}` should match `{name}`");
        }
        let matched: std::collections::BTreeSet<String> = catalog
            .actions()
            .map(|action| action.full_name())
            .filter(|name| compiled.is_match(name))
            .collect();
        prop_assert_eq!(matched, expanded, "pattern `{}`", pattern);
    }
}

/// A plain recursive glob matcher over characters: the reference the
/// compiled, iterative matcher must agree with.
fn reference_glob(pattern: &[char], text: &[char]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some(('*', rest)) => (0..=text.len()).any(|skip| reference_glob(rest, &text[skip..])),
        Some(('?', rest)) => !text.is_empty() && reference_glob(rest, &text[1..]),
        Some((literal, rest)) => text.first() == Some(literal) && reference_glob(rest, &text[1..]),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn string_like_agrees_with_a_reference_glob(pattern in "[ab*?:/é]{0,8}", text in "[ab:/é]{0,10}") {
        let compiled = leash_policy::matching::WildcardPattern::new(&pattern, leash_policy::matching::CaseMode::Sensitive);
        let pattern_chars: Vec<char> = pattern.chars().collect();
        let text_chars: Vec<char> = text.chars().collect();
        prop_assert_eq!(compiled.is_match(&text), reference_glob(&pattern_chars, &text_chars));
    }

    #[test]
    fn arbitrary_requests_never_panic(
        principal in "\\PC{0,40}",
        action in "\\PC{0,20}",
        resource in "(arn:[a-z*?]{0,3}:[a-z0-9*?:/é-]{0,30})|\\PC{0,20}",
        pattern in "(arn:[a-z*?]{0,3}:[a-z0-9*?:/${}é-]{0,30})|\\PC{0,20}",
        value in "\\PC{0,20}",
    ) {
        let quote = |text: &str| serde_json::to_string(text).unwrap();
        let (action_json, pattern_json, value_json, principal_json) = (quote(&action), quote(&pattern), quote(&value), quote(&principal));
        let text = format!(
            r#"{{"Version": "2012-10-17", "Statement": [
              {{"Effect": "Allow", "Action": {action_json}, "Resource": {pattern_json},
                "Condition": {{"StringLike": {{"k": {value_json}}}, "ArnLike": {{"k": {pattern_json}}},
                               "DateLessThan": {{"k": {value_json}}}, "NumericLessThan": {{"k": {value_json}}},
                               "IpAddress": {{"k": {value_json}}}}}}},
              {{"Effect": "Deny", "Principal": {{"AWS": {principal_json}}}, "NotAction": {action_json}, "NotResource": {pattern_json}}}]}}"#
        );
        if let Some(policy) = parse_policy_text(&text).policy {
            let set = PolicySet::new()
                .with_identity_policy("p", policy.clone())
                .with_resource_policy("r", policy);
            let request = Request::new(principal, action, resource)
                .with_context(RequestContext::new().with("k", value));
            let _ = PreparedPolicySet::new(&set).evaluate(&request);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn template_errors_point_inside_the_text(text in "([a-z:/ ',*?$]|\\$\\{|\\}|é){0,24}") {
        // The linter slices the policy text with these ranges.
        match leash_policy::variables::parse_template(&text) {
            Ok(template) => {
                for variable in template.variables() {
                    prop_assert!(variable.range.end <= text.len());
                    let well_formed = text
                        .get(variable.range.clone())
                        .is_some_and(|slice| slice.starts_with("${") && slice.ends_with('}'));
                    prop_assert!(well_formed, "variable range {:?} in {:?}", variable.range, text);
                }
            }
            Err(error) => {
                prop_assert!(error.range.start < error.range.end && error.range.end <= text.len());
                let opens = text.get(error.range.clone()).is_some_and(|slice| slice.starts_with("${"));
                prop_assert!(opens, "error range {:?} in {:?}", error.range, text);
                prop_assert!(!error.message.ends_with('.'));
            }
        }
    }
}
