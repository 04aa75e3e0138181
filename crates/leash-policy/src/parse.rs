//! Reads the spanned document tree into the policy AST, checking the IAM
//! policy grammar and reporting every problem with its span.
//!
//! For: turning a [`Value`] (from JSON, YAML or a Terraform plan) into a
//! [`Policy`], with diagnostics for anything AWS would reject or that is
//! probably a mistake at the level of syntax. Not for: judging what a policy
//! means or whether an element fits the policy kind (a `Principal` in an
//! identity policy, a missing `Resource`): that is the linter's job.
//!
//! Grammar: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>,
//! elements: <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>.
//!
//! Recovery rules (so the linter can run on what is good):
//! - The reader never stops at the first problem: every problem in the
//!   document is reported.
//! - [`PolicyParse::policy`] is `Some` whenever the top-level value is a JSON
//!   object. Callers that evaluate policies must check
//!   [`PolicyParse::has_errors`] first: AWS would not accept such a document.
//! - A statement with an error is left out of [`Policy::statements`] (the
//!   others remain), except for an unknown condition operator: the AST
//!   represents it faithfully as [`OperatorKind::Unknown`], so that
//!   statement is kept and the engine treats its block as not satisfied.
//! - An invalid `Version` or `Id` is left out (`None`); the statements stay.
//! - `"Statement": []` is an error (AWS rejects it) but the policy is
//!   returned with no statements: a simulator may read it as "grants nothing".
//! - Of duplicate keys the last one is used, as AWS does; the earlier ones
//!   get a `duplicate-key` warning.

use crate::ast::{
    ActionClause, Condition, ConditionBlock, ConditionEntry, ConditionValue, Effect, Operator,
    OperatorKind, Policy, PolicyVersion, Principal, PrincipalClause, PrincipalEntry, PrincipalKind,
    ResourceClause, SetQualifier, Statement,
};
use crate::diagnostic::{ParseDiagnostic, codes};
use crate::json::parse_json;
use crate::span::{Span, Spanned};
use crate::value::{Member, Value, ValueKind};

/// The result of reading a policy: the AST (when there is one) and every
/// problem found.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyParse {
    pub policy: Option<Policy>,
    pub diagnostics: Vec<ParseDiagnostic>,
}

impl PolicyParse {
    /// Whether any diagnostic is an error, i.e. AWS would reject the document.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(ParseDiagnostic::is_error)
    }
}

/// Reads a policy from JSON text; JSON errors become diagnostics.
pub fn parse_policy_text(text: &str) -> PolicyParse {
    match parse_json(text) {
        Ok(value) => parse_policy(&value),
        Err(error) => PolicyParse {
            policy: None,
            diagnostics: vec![error.into()],
        },
    }
}

/// Reads a policy from the bytes of a file; bytes that are not UTF-8 are an
/// `invalid-utf8` diagnostic.
pub fn parse_policy_bytes(bytes: &[u8]) -> PolicyParse {
    match crate::json::parse_json_bytes(bytes) {
        Ok(value) => parse_policy(&value),
        Err(error) => PolicyParse {
            policy: None,
            diagnostics: vec![error.into()],
        },
    }
}

/// Reads a policy from a document tree.
pub fn parse_policy(value: &Value) -> PolicyParse {
    let mut reader = Reader {
        diagnostics: Vec::new(),
    };
    let policy = reader.policy(value);
    // Report in reading order; the sort is stable, so problems at one
    // position keep the order in which they were found.
    reader.diagnostics.sort_by_key(|d| d.span.start);
    PolicyParse {
        policy,
        diagnostics: reader.diagnostics,
    }
}

const POLICY_ELEMENTS: &[&str] = &["Version", "Id", "Statement"];
const STATEMENT_ELEMENTS: &[&str] = &[
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];
const PRINCIPAL_TYPES: &[&str] = &["AWS", "Service", "Federated", "CanonicalUser"];

struct Reader {
    diagnostics: Vec<ParseDiagnostic>,
}

/// What a statement's elements were read into, before checking that the
/// required ones are there.
#[derive(Default)]
struct StatementParts {
    sid: Option<Spanned<String>>,
    effect: Option<Spanned<Effect>>,
    principal: Option<Spanned<PrincipalClause>>,
    action: Option<Spanned<ActionClause>>,
    resource: Option<Spanned<ResourceClause>>,
    condition: Option<Spanned<Condition>>,
    /// Set by any problem that leaves the statement out of the AST.
    broken: bool,
    /// Which of `Principal`/`NotPrincipal`, `Action`/`NotAction`,
    /// `Resource`/`NotResource` were present (by the key's span), to report
    /// both forms together.
    principal_key: Option<Spanned<&'static str>>,
    action_key: Option<Spanned<&'static str>>,
    resource_key: Option<Spanned<&'static str>>,
    /// A misspelled `Effect`/`Action` was reported: "missing" would repeat it.
    misspelled_effect: bool,
    misspelled_action: bool,
}

impl Reader {
    fn push(&mut self, diagnostic: ParseDiagnostic) {
        self.diagnostics.push(diagnostic);
    }

    fn wrong_type(&mut self, value: &Value, expected: &str, element: &str) {
        self.push(ParseDiagnostic::error(
            codes::WRONG_TYPE,
            value.span,
            format!(
                "expected {expected} for `{element}`, found {}",
                describe_value(value)
            ),
        ));
    }

    fn policy(&mut self, value: &Value) -> Option<Policy> {
        let Some(members) = value.as_object() else {
            self.push(ParseDiagnostic::error(
                codes::WRONG_TYPE,
                value.span,
                format!("expected a policy object, found {}", describe_value(value)),
            ));
            return None;
        };
        let mut policy = Policy {
            version: None,
            id: None,
            statements: Vec::new(),
            single_statement: false,
            span: value.span,
        };
        let mut saw_statement = false;
        let superseded = self.superseded_members(members);
        for (index, member) in members.iter().enumerate() {
            if is_superseded(superseded.as_deref(), index) {
                continue;
            }
            match member.key.node.as_str() {
                "Version" => policy.version = self.version(&member.value),
                "Id" => policy.id = self.string(&member.value, "Id"),
                "Statement" => {
                    saw_statement = true;
                    self.statements(&member.value, &mut policy);
                }
                _ => {
                    if self.unknown_element(&member.key, POLICY_ELEMENTS, "a policy")
                        == Some("Statement")
                    {
                        // `Statment` already says what is wrong.
                        saw_statement = true;
                    }
                }
            }
        }
        if !saw_statement {
            self.push(ParseDiagnostic::error(
                codes::MISSING_STATEMENT,
                opening(value.span),
                "the policy has no `Statement` element",
            )
            .with_help("`Statement` is required: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html"));
        }
        Some(policy)
    }

    /// Finds keys that a later member of the same object overrides (AWS
    /// keeps the last of duplicate keys) and warns at each; returns a mask of
    /// the overridden members, or `None` (no allocation) when there are none.
    fn superseded_members(&mut self, members: &[Member]) -> Option<Vec<bool>> {
        let mut mask: Option<Vec<bool>> = None;
        if members.len() <= 16 {
            // Small objects, nearly all of them: a quadratic scan is cheaper
            // than hashing.
            for (index, member) in members.iter().enumerate() {
                let later = members.get(index + 1..).unwrap_or_default();
                if later.iter().any(|m| m.key.node == member.key.node) {
                    mask.get_or_insert_with(|| vec![false; members.len()])[index] = true;
                }
            }
        } else {
            // Large (possibly hostile) objects: linear time.
            let mut seen = std::collections::HashSet::with_capacity(members.len());
            for (index, member) in members.iter().enumerate().rev() {
                if !seen.insert(member.key.node.as_str()) {
                    mask.get_or_insert_with(|| vec![false; members.len()])[index] = true;
                }
            }
        }
        if let Some(mask) = &mask {
            for (member, _) in members
                .iter()
                .zip(mask)
                .filter(|(_, superseded)| **superseded)
            {
                let key = &member.key.node;
                self.push(
                    ParseDiagnostic::warning(
                        codes::DUPLICATE_KEY,
                        member.key.span,
                        format!(
                            "duplicate key `{key}`: only the last occurrence counts, this one is ignored"
                        ),
                    )
                    .with_help("AWS keeps the last of duplicate keys; remove this one or merge the two"),
                );
            }
        }
        mask
    }

    /// Reports an unknown key; returns the known element it is probably a
    /// misspelling of, so that "missing" diagnostics are not piled on top.
    fn unknown_element(
        &mut self,
        key: &Spanned<String>,
        known: &[&'static str],
        place: &str,
    ) -> Option<&'static str> {
        let suggestion = closest(&key.node, known);
        let mut diagnostic = ParseDiagnostic::error(
            codes::UNKNOWN_ELEMENT,
            key.span,
            format!("unknown element `{}` in {place}", key.node),
        );
        if let Some(suggestion) = suggestion {
            diagnostic = diagnostic.with_help(format!("did you mean `{suggestion}`?"));
        } else {
            diagnostic =
                diagnostic.with_help(format!("the elements of {place} are {}", list_names(known)));
        }
        self.push(diagnostic);
        suggestion
    }

    // Version: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html
    fn version(&mut self, value: &Value) -> Option<Spanned<PolicyVersion>> {
        let text = self.string(value, "Version")?;
        match PolicyVersion::parse(&text.node) {
            Some(version) => Some(Spanned::new(version, text.span)),
            None => {
                self.push(
                    ParseDiagnostic::error(
                        codes::INVALID_VERSION,
                        text.span,
                        format!(
                            "invalid policy version `{}`: expected `2012-10-17` or `2008-10-17`",
                            text.node
                        ),
                    )
                    .with_help("use `2012-10-17`, the current version of the policy language"),
                );
                None
            }
        }
    }

    fn string(&mut self, value: &Value, element: &str) -> Option<Spanned<String>> {
        match &value.kind {
            ValueKind::String(text) => Some(Spanned::new(text.clone(), value.span)),
            _ => {
                self.wrong_type(value, "a string", element);
                None
            }
        }
    }

    // Statement: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_statement.html
    fn statements(&mut self, value: &Value, policy: &mut Policy) {
        match &value.kind {
            ValueKind::Object(_) => {
                policy.single_statement = true;
                if let Some(statement) = self.statement(value) {
                    policy.statements.push(statement);
                }
            }
            ValueKind::Array(items) => {
                if items.is_empty() {
                    // AWS rejects a policy with no statements: IAM answers
                    // MalformedPolicyDocument (reported in
                    // https://github.com/otterize/intents-operator/pull/481)
                    // and S3 "Statement is empty!" (quoted in
                    // https://github.com/versity/versitygw/issues/646).
                    // The policy is still returned, with no statements, so
                    // a simulator can read it as "grants nothing".
                    self.push(
                        ParseDiagnostic::error(
                            codes::EMPTY_STATEMENT,
                            value.span,
                            "the `Statement` list is empty: AWS rejects a policy without statements",
                        )
                        .with_help("add a statement, or remove the policy"),
                    );
                }
                policy.statements.reserve(items.len());
                for item in items {
                    if item.as_object().is_none() {
                        self.wrong_type(item, "a statement object", "Statement");
                        continue;
                    }
                    if let Some(statement) = self.statement(item) {
                        policy.statements.push(statement);
                    }
                }
            }
            _ => self.wrong_type(
                value,
                "a statement object or an array of statement objects",
                "Statement",
            ),
        }
    }

    fn statement(&mut self, value: &Value) -> Option<Statement> {
        let members = value.as_object()?;
        let mut parts = StatementParts::default();
        let superseded = self.superseded_members(members);
        for (index, member) in members.iter().enumerate() {
            if is_superseded(superseded.as_deref(), index) {
                continue;
            }
            let key = &member.key;
            let value = &member.value;
            match key.node.as_str() {
                "Sid" => {
                    parts.sid = self.string(value, "Sid");
                    parts.broken |= parts.sid.is_none();
                }
                "Effect" => {
                    parts.effect = self.effect(value);
                    parts.broken |= parts.effect.is_none();
                }
                "Principal" | "NotPrincipal" => {
                    let negated = key.node == "NotPrincipal";
                    let name = if negated { "NotPrincipal" } else { "Principal" };
                    self.note_pair(&mut parts.principal_key, name, key.span, &mut parts.broken);
                    match self.principal(value, name) {
                        Some(principal) => {
                            parts.principal = Some(Spanned::new(
                                PrincipalClause { negated, principal },
                                value.span,
                            ))
                        }
                        None => parts.broken = true,
                    }
                }
                "Action" | "NotAction" => {
                    let negated = key.node == "NotAction";
                    let name = if negated { "NotAction" } else { "Action" };
                    self.note_pair(&mut parts.action_key, name, key.span, &mut parts.broken);
                    match self.string_list(value, name) {
                        Some(patterns) => {
                            parts.action =
                                Some(Spanned::new(ActionClause { negated, patterns }, value.span))
                        }
                        None => parts.broken = true,
                    }
                }
                "Resource" | "NotResource" => {
                    let negated = key.node == "NotResource";
                    let name = if negated { "NotResource" } else { "Resource" };
                    self.note_pair(&mut parts.resource_key, name, key.span, &mut parts.broken);
                    match self.string_list(value, name) {
                        Some(patterns) => {
                            parts.resource = Some(Spanned::new(
                                ResourceClause { negated, patterns },
                                value.span,
                            ))
                        }
                        None => parts.broken = true,
                    }
                }
                "Condition" => match self.condition(value, &mut parts.broken) {
                    Some(condition) => parts.condition = Some(Spanned::new(condition, value.span)),
                    None => parts.broken = true,
                },
                _ => {
                    match self.unknown_element(key, STATEMENT_ELEMENTS, "a statement") {
                        Some("Effect") => parts.misspelled_effect = true,
                        Some("Action" | "NotAction") => parts.misspelled_action = true,
                        _ => {}
                    }
                    parts.broken = true;
                }
            }
        }
        let start = opening(value.span);
        if parts.effect.is_none()
            && !parts.misspelled_effect
            && !members.iter().any(|m| m.key.node == "Effect")
        {
            self.push(
                ParseDiagnostic::error(
                    codes::MISSING_EFFECT,
                    start,
                    "the statement has no `Effect` element",
                )
                .with_help("add `\"Effect\": \"Allow\"` or `\"Effect\": \"Deny\"`"),
            );
            parts.broken = true;
        }
        if parts.action_key.is_none() && !parts.misspelled_action {
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html
            self.push(
                ParseDiagnostic::error(
                    codes::MISSING_ACTION,
                    start,
                    "the statement has neither `Action` nor `NotAction`",
                )
                .with_help("every statement must include `Action` or `NotAction`"),
            );
            parts.broken = true;
        }
        if parts.broken {
            return None;
        }
        Some(Statement {
            sid: parts.sid,
            effect: parts.effect?,
            principal: parts.principal,
            action: parts.action?,
            resource: parts.resource,
            condition: parts.condition,
            span: value.span,
        })
    }

    /// Records that `name` (one of an element and its `Not` form) was seen;
    /// both forms in one statement is an error at the second.
    fn note_pair(
        &mut self,
        seen: &mut Option<Spanned<&'static str>>,
        name: &'static str,
        span: Span,
        broken: &mut bool,
    ) {
        if let Some(first) = seen {
            if first.node != name {
                self.push(
                    ParseDiagnostic::error(
                        codes::CONFLICTING_ELEMENTS,
                        span,
                        format!("a statement cannot have both `{}` and `{name}`", first.node),
                    )
                    .with_help(format!("keep one of `{}` and `{name}`", first.node)),
                );
                *broken = true;
            }
            return;
        }
        *seen = Some(Spanned::new(name, span));
    }

    // Effect: "Valid values for Effect are Allow and Deny. The Effect value
    // is case sensitive."
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    fn effect(&mut self, value: &Value) -> Option<Spanned<Effect>> {
        let text = self.string(value, "Effect")?;
        let effect = match text.node.as_str() {
            "Allow" => Effect::Allow,
            "Deny" => Effect::Deny,
            other => {
                let mut diagnostic = ParseDiagnostic::error(
                    codes::INVALID_EFFECT,
                    text.span,
                    format!("invalid effect `{other}`: expected `Allow` or `Deny`"),
                );
                if other.eq_ignore_ascii_case("allow") {
                    diagnostic = diagnostic.with_help("`Effect` is case-sensitive: write `Allow`");
                } else if other.eq_ignore_ascii_case("deny") {
                    diagnostic = diagnostic.with_help("`Effect` is case-sensitive: write `Deny`");
                }
                self.push(diagnostic);
                return None;
            }
        };
        Some(Spanned::new(effect, text.span))
    }

    /// A string or an array of strings (`Action`, `Resource`, principal values).
    fn string_list(&mut self, value: &Value, element: &str) -> Option<Vec<Spanned<String>>> {
        match &value.kind {
            ValueKind::String(text) => Some(vec![Spanned::new(text.clone(), value.span)]),
            ValueKind::Array(items) => {
                let mut strings = Vec::with_capacity(items.len());
                let mut ok = true;
                for item in items {
                    match &item.kind {
                        ValueKind::String(text) => {
                            strings.push(Spanned::new(text.clone(), item.span))
                        }
                        _ => {
                            self.push(ParseDiagnostic::error(
                                codes::WRONG_TYPE,
                                item.span,
                                format!(
                                    "expected a string in `{element}`, found {}",
                                    describe_value(item)
                                ),
                            ));
                            ok = false;
                        }
                    }
                }
                ok.then_some(strings)
            }
            _ => {
                self.wrong_type(value, "a string or an array of strings", element);
                None
            }
        }
    }

    // Principal: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    fn principal(&mut self, value: &Value, element: &str) -> Option<Principal> {
        match &value.kind {
            ValueKind::String(text) if text == "*" => Some(Principal::Wildcard),
            ValueKind::String(text) => {
                self.push(
                    ParseDiagnostic::error(
                        codes::INVALID_PRINCIPAL,
                        value.span,
                        format!(
                            "`{element}` must be `\"*\"` or an object such as `{{\"AWS\": ...}}`, found the string `{text}`"
                        ),
                    )
                    .with_help(principal_string_help(text)),
                );
                None
            }
            ValueKind::Object(members) => {
                let mut entries = Vec::with_capacity(members.len());
                let mut ok = true;
                let superseded = self.superseded_members(members);
                for (index, member) in members.iter().enumerate() {
                    if is_superseded(superseded.as_deref(), index) {
                        continue;
                    }
                    let Some(kind) = PrincipalKind::parse(&member.key.node) else {
                        let mut diagnostic = ParseDiagnostic::error(
                            codes::INVALID_PRINCIPAL,
                            member.key.span,
                            format!(
                                "unknown principal type `{}` in `{element}`",
                                member.key.node
                            ),
                        );
                        diagnostic = match closest(&member.key.node, PRINCIPAL_TYPES) {
                            Some(suggestion) => {
                                diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                            }
                            None => diagnostic.with_help(format!(
                                "principal types are {}",
                                list_names(PRINCIPAL_TYPES)
                            )),
                        };
                        self.push(diagnostic);
                        ok = false;
                        continue;
                    };
                    let name = format!("{element}.{}", kind.as_str());
                    match self.string_list(&member.value, &name) {
                        Some(values) => entries.push(PrincipalEntry {
                            kind: Spanned::new(kind, member.key.span),
                            values,
                        }),
                        None => ok = false,
                    }
                }
                ok.then_some(Principal::Map(entries))
            }
            _ => {
                self.wrong_type(value, "`\"*\"` or an object of principals", element);
                None
            }
        }
    }

    // Condition: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html
    fn condition(&mut self, value: &Value, broken: &mut bool) -> Option<Condition> {
        let Some(members) = value.as_object() else {
            self.wrong_type(value, "an object of condition operators", "Condition");
            return None;
        };
        let mut blocks = Vec::with_capacity(members.len());
        let mut ok = true;
        let superseded = self.superseded_members(members);
        for (index, member) in members.iter().enumerate() {
            if is_superseded(superseded.as_deref(), index) {
                continue;
            }
            let operator = self.operator(&member.key, broken);
            let Some(entries) = self.condition_entries(&member.value, &member.key.node) else {
                ok = false;
                continue;
            };
            blocks.push(ConditionBlock {
                operator: Spanned::new(operator, member.key.span),
                entries,
            });
        }
        ok.then_some(Condition { blocks })
    }

    fn operator(&mut self, key: &Spanned<String>, broken: &mut bool) -> Operator {
        let operator = Operator::parse(&key.node);
        match &operator.kind {
            OperatorKind::Unknown(name) => {
                let mut diagnostic = ParseDiagnostic::error(
                    codes::UNKNOWN_OPERATOR,
                    key.span,
                    format!("unknown condition operator `{name}`"),
                );
                if let Some(help) = operator_suggestion(name) {
                    diagnostic = diagnostic.with_help(help);
                }
                self.push(diagnostic);
            }
            // "You can use any condition operator except the Null condition
            // with IfExists":
            // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
            OperatorKind::Null if operator.if_exists => {
                self.push(
                    ParseDiagnostic::error(
                        codes::INVALID_OPERATOR,
                        key.span,
                        format!("`{}`: the `Null` operator cannot take `IfExists`", key.node),
                    )
                    .with_help("`Null` already tests whether the key exists; remove `IfExists`"),
                );
                *broken = true;
            }
            _ => {}
        }
        operator
    }

    fn condition_entries(&mut self, value: &Value, operator: &str) -> Option<Vec<ConditionEntry>> {
        let Some(members) = value.as_object() else {
            self.push(ParseDiagnostic::error(
                codes::WRONG_TYPE,
                value.span,
                format!(
                    "expected an object of condition keys and values under `{operator}`, found {}",
                    describe_value(value)
                ),
            ));
            return None;
        };
        let mut entries = Vec::with_capacity(members.len());
        let mut ok = true;
        let superseded = self.superseded_members(members);
        for (index, member) in members.iter().enumerate() {
            if is_superseded(superseded.as_deref(), index) {
                continue;
            }
            let values = match &member.value.kind {
                ValueKind::Array(items) => {
                    let mut values = Vec::with_capacity(items.len());
                    for item in items {
                        match self.condition_value(item, &member.key.node) {
                            Some(value) => values.push(value),
                            None => ok = false,
                        }
                    }
                    values
                }
                _ => match self.condition_value(&member.value, &member.key.node) {
                    Some(value) => vec![value],
                    None => {
                        ok = false;
                        continue;
                    }
                },
            };
            entries.push(ConditionEntry {
                key: member.key.clone(),
                values,
            });
        }
        ok.then_some(entries)
    }

    fn condition_value(&mut self, value: &Value, key: &str) -> Option<Spanned<ConditionValue>> {
        let condition_value = match &value.kind {
            ValueKind::String(text) => ConditionValue::String(text.clone()),
            ValueKind::Number(text) => ConditionValue::Number(text.clone()),
            ValueKind::Bool(flag) => ConditionValue::Bool(*flag),
            _ => {
                self.push(ParseDiagnostic::error(
                    codes::WRONG_TYPE,
                    value.span,
                    format!(
                        "expected a string, number or boolean as a value of condition key `{key}`, found {}",
                        describe_value(value)
                    ),
                ));
                return None;
            }
        };
        Some(Spanned::new(condition_value, value.span))
    }
}

const OPERATOR_NAMES: &[(&str, OperatorKind)] = &[
    ("StringEquals", OperatorKind::StringEquals),
    ("StringNotEquals", OperatorKind::StringNotEquals),
    (
        "StringEqualsIgnoreCase",
        OperatorKind::StringEqualsIgnoreCase,
    ),
    (
        "StringNotEqualsIgnoreCase",
        OperatorKind::StringNotEqualsIgnoreCase,
    ),
    ("StringLike", OperatorKind::StringLike),
    ("StringNotLike", OperatorKind::StringNotLike),
    ("NumericEquals", OperatorKind::NumericEquals),
    ("NumericNotEquals", OperatorKind::NumericNotEquals),
    ("NumericLessThan", OperatorKind::NumericLessThan),
    ("NumericLessThanEquals", OperatorKind::NumericLessThanEquals),
    ("NumericGreaterThan", OperatorKind::NumericGreaterThan),
    (
        "NumericGreaterThanEquals",
        OperatorKind::NumericGreaterThanEquals,
    ),
    ("DateEquals", OperatorKind::DateEquals),
    ("DateNotEquals", OperatorKind::DateNotEquals),
    ("DateLessThan", OperatorKind::DateLessThan),
    ("DateLessThanEquals", OperatorKind::DateLessThanEquals),
    ("DateGreaterThan", OperatorKind::DateGreaterThan),
    ("DateGreaterThanEquals", OperatorKind::DateGreaterThanEquals),
    ("Bool", OperatorKind::Bool),
    ("BinaryEquals", OperatorKind::BinaryEquals),
    ("IpAddress", OperatorKind::IpAddress),
    ("NotIpAddress", OperatorKind::NotIpAddress),
    ("ArnEquals", OperatorKind::ArnEquals),
    ("ArnLike", OperatorKind::ArnLike),
    ("ArnNotEquals", OperatorKind::ArnNotEquals),
    ("ArnNotLike", OperatorKind::ArnNotLike),
    ("Null", OperatorKind::Null),
];

impl OperatorKind {
    /// The operator named exactly `name` (no qualifier, no `IfExists`).
    /// Names are matched case-sensitively, as written in AWS's operator
    /// reference: IAM rejects `stringEquals` with "MalformedPolicyDocument:
    /// Invalid Condition type : stringEquals" (reported in
    /// <https://github.com/ministryofjustice/modernisation-platform-environments/pull/8893>).
    /// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
    pub fn parse(name: &str) -> Option<OperatorKind> {
        OPERATOR_NAMES
            .iter()
            .find(|(known, _)| *known == name)
            .map(|(_, kind)| kind.clone())
    }

    /// The name as AWS writes it; an unknown operator's text as written.
    pub fn as_str(&self) -> &str {
        match self {
            OperatorKind::Unknown(name) => name,
            known => OPERATOR_NAMES
                .iter()
                .find(|(_, kind)| kind == known)
                .map(|(name, _)| *name)
                .unwrap_or_default(),
        }
    }
}

impl Operator {
    /// Reads an operator name such as `ForAnyValue:StringLikeIfExists`.
    /// A name whose base operator is unknown becomes
    /// [`OperatorKind::Unknown`] holding the whole text, with no qualifier.
    pub fn parse(text: &str) -> Operator {
        let (qualifier, rest) = if let Some(rest) = text.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = text.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, text)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        match OperatorKind::parse(base) {
            Some(kind) => Operator {
                qualifier,
                kind,
                if_exists,
            },
            None => Operator {
                qualifier: None,
                kind: OperatorKind::Unknown(text.to_owned()),
                if_exists: false,
            },
        }
    }

    /// The operator's name as written in a policy.
    pub fn name(&self) -> String {
        if let OperatorKind::Unknown(text) = &self.kind {
            return text.clone();
        }
        let mut name = String::new();
        match self.qualifier {
            Some(SetQualifier::ForAllValues) => name.push_str("ForAllValues:"),
            Some(SetQualifier::ForAnyValue) => name.push_str("ForAnyValue:"),
            None => {}
        }
        name.push_str(self.kind.as_str());
        if self.if_exists {
            name.push_str("IfExists");
        }
        name
    }
}

/// A help text for an unknown operator: the intended name when the text is
/// a known one in the wrong case or with a typo.
fn operator_suggestion(text: &str) -> Option<String> {
    // Try the same split as `Operator::parse`, but case-insensitively, so
    // `stringequals` and `forallvalues:stringlike` find their operator.
    let lower = text.to_ascii_lowercase();
    let (prefix, rest) = if lower.starts_with("forallvalues:") {
        ("ForAllValues:", text.get(13..).unwrap_or_default())
    } else if lower.starts_with("foranyvalue:") {
        ("ForAnyValue:", text.get(12..).unwrap_or_default())
    } else if lower.starts_with("forallvalue:") || lower.starts_with("foranyvalues:") {
        let colon = text.find(':').unwrap_or(0);
        let fixed = if lower.starts_with("forallvalue:") {
            "ForAllValues:"
        } else {
            "ForAnyValue:"
        };
        (fixed, text.get(colon + 1..).unwrap_or_default())
    } else {
        ("", text)
    };
    let rest_lower = rest.to_ascii_lowercase();
    let (base, suffix) = match rest_lower.strip_suffix("ifexists") {
        Some(_) => (rest.get(..rest.len() - 8).unwrap_or_default(), "IfExists"),
        None => (rest, ""),
    };
    let names: Vec<&str> = OPERATOR_NAMES.iter().map(|(name, _)| *name).collect();
    let fixed_base = closest(base, &names)?;
    let suggestion = format!("{prefix}{fixed_base}{suffix}");
    if suggestion == text {
        return None;
    }
    if suggestion.eq_ignore_ascii_case(text) {
        return Some(format!(
            "operator names are case-sensitive: did you mean `{suggestion}`?"
        ));
    }
    Some(format!("did you mean `{suggestion}`?"))
}

/// The known name closest to `text`: equal ignoring case, or within a small
/// edit distance (`Resources`, `Actoin`, `effect`).
fn closest<'a>(text: &str, known: &[&'a str]) -> Option<&'a str> {
    if let Some(same) = known.iter().find(|k| k.eq_ignore_ascii_case(text)) {
        return Some(same);
    }
    let lower = text.to_ascii_lowercase();
    let limit = if text.chars().count() <= 4 { 1 } else { 2 };
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, k)| k)
}

/// Levenshtein distance over characters; inputs are short key names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

fn list_names(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

fn principal_string_help(text: &str) -> String {
    if text.ends_with(".amazonaws.com") {
        format!("a service principal is written `{{\"Service\": \"{text}\"}}`")
    } else if text.starts_with("arn:") || text.bytes().all(|b| b.is_ascii_digit()) {
        format!("an AWS principal is written `{{\"AWS\": \"{text}\"}}`")
    } else {
        "write `\"*\"` for everyone, or an object with `AWS`, `Service`, `Federated` or `CanonicalUser`"
            .to_owned()
    }
}

/// "a number", "the string `x`" and so on, for "found ..." in messages.
fn describe_value(value: &Value) -> String {
    match &value.kind {
        ValueKind::String(text) if text.chars().count() <= 40 => format!("the string `{text}`"),
        _ => value.kind_name().to_owned(),
    }
}

fn is_superseded(mask: Option<&[bool]>, index: usize) -> bool {
    mask.and_then(|m| m.get(index)).copied().unwrap_or(false)
}

/// The first byte of a value's span: where "missing" diagnostics point, so
/// they land on the opening brace rather than cover the whole object.
fn opening(span: Span) -> Span {
    Span::new(span.start, span.start + 1)
}
