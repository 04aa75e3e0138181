//! The IAM policy language as a tree whose nodes keep their source spans.
//!
//! One tree serves every policy kind (identity, resource-based, role trust,
//! SCP, RCP, permissions boundary, session): which elements a kind allows is
//! checked by the linter, not by the parser, so that a misplaced `Principal`
//! is a finding with a position rather than an unreadable file.
//!
//! Reference: IAM JSON policy element reference,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html>
//! and the grammar,
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_grammar.html>.

use crate::span::{Span, Spanned};

/// The policy language versions AWS accepts.
///
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `2012-10-17`: policy variables are substituted.
    V2012_10_17,
    /// `2008-10-17`, and what AWS assumes when `Version` is absent: `${...}`
    /// is literal text.
    V2008_10_17,
}

impl PolicyVersion {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "2012-10-17" => Some(PolicyVersion::V2012_10_17),
            "2008-10-17" => Some(PolicyVersion::V2008_10_17),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyVersion::V2012_10_17 => "2012-10-17",
            PolicyVersion::V2008_10_17 => "2008-10-17",
        }
    }
}

/// A policy document.
///
/// Equality ignores `span`, like [`Spanned`]: two policies are equal when
/// they say the same thing, wherever they were written.
#[derive(Clone, Debug)]
pub struct Policy {
    /// `Version`, if present and one of the two valid values.
    pub version: Option<Spanned<PolicyVersion>>,
    pub id: Option<Spanned<String>>,
    pub statements: Vec<Statement>,
    /// Whether `Statement` was written as a single object rather than an
    /// array; kept so the printer can write the policy back as it was shaped.
    pub single_statement: bool,
    pub span: Span,
}

impl PartialEq for Policy {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.id == other.id
            && self.statements == other.statements
            && self.single_statement == other.single_statement
    }
}

impl PartialEq for Statement {
    fn eq(&self, other: &Self) -> bool {
        self.sid == other.sid
            && self.effect == other.effect
            && self.principal == other.principal
            && self.action == other.action
            && self.resource == other.resource
            && self.condition == other.condition
    }
}

impl Policy {
    /// The effective version: `2008-10-17` when `Version` is absent.
    pub fn effective_version(&self) -> PolicyVersion {
        self.version
            .as_ref()
            .map(|v| v.node)
            .unwrap_or(PolicyVersion::V2008_10_17)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Effect {
    Allow,
    Deny,
}

impl Effect {
    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Allow => "Allow",
            Effect::Deny => "Deny",
        }
    }
}

/// One statement. `Action`/`NotAction` is required; `Resource`/`NotResource`
/// is optional here (role trust policies have none) and its absence is
/// judged per policy kind by the linter.
///
/// Equality ignores `span`, like [`Spanned`].
#[derive(Clone, Debug)]
pub struct Statement {
    pub sid: Option<Spanned<String>>,
    pub effect: Spanned<Effect>,
    pub principal: Option<Spanned<PrincipalClause>>,
    pub action: Spanned<ActionClause>,
    pub resource: Option<Spanned<ResourceClause>>,
    pub condition: Option<Spanned<Condition>>,
    pub span: Span,
}

/// `Action` (`negated == false`) or `NotAction` (`negated == true`).
///
/// Values are kept as written; a single string and a one-element array are
/// the same policy and are both stored as one element.
#[derive(Clone, Debug, PartialEq)]
pub struct ActionClause {
    pub negated: bool,
    pub patterns: Vec<Spanned<String>>,
}

/// `Resource` or `NotResource`.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceClause {
    pub negated: bool,
    pub patterns: Vec<Spanned<String>>,
}

/// `Principal` or `NotPrincipal`.
#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalClause {
    pub negated: bool,
    pub principal: Principal,
}

/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html>
#[derive(Clone, Debug, PartialEq)]
pub enum Principal {
    /// `"Principal": "*"`: everyone, including anonymous callers.
    Wildcard,
    /// `"Principal": {"AWS": ..., "Service": ..., ...}`, entries in source order.
    Map(Vec<PrincipalEntry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PrincipalEntry {
    pub kind: Spanned<PrincipalKind>,
    pub values: Vec<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PrincipalKind {
    Aws,
    Service,
    Federated,
    CanonicalUser,
}

impl PrincipalKind {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "AWS" => Some(PrincipalKind::Aws),
            "Service" => Some(PrincipalKind::Service),
            "Federated" => Some(PrincipalKind::Federated),
            "CanonicalUser" => Some(PrincipalKind::CanonicalUser),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalKind::Aws => "AWS",
            PrincipalKind::Service => "Service",
            PrincipalKind::Federated => "Federated",
            PrincipalKind::CanonicalUser => "CanonicalUser",
        }
    }
}

/// The `Condition` element: operator blocks, AND-ed together.
#[derive(Clone, Debug, PartialEq)]
pub struct Condition {
    pub blocks: Vec<ConditionBlock>,
}

/// One operator with its keys: `"StringEquals": {"aws:SourceAccount": "1"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionBlock {
    pub operator: Spanned<Operator>,
    pub entries: Vec<ConditionEntry>,
}

/// One key with its values; the values are OR-ed (NOR-ed under a negated
/// operator).
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionEntry {
    /// The key as written; key names compare case-insensitively.
    pub key: Spanned<String>,
    pub values: Vec<Spanned<ConditionValue>>,
}

/// A condition value as written. JSON numbers and booleans are kept apart
/// from strings so that the printer writes them back unchanged; operators
/// read each form by their own rules.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ConditionValue {
    String(String),
    /// A JSON number, as written.
    Number(String),
    Bool(bool),
}

impl ConditionValue {
    /// The value as the text AWS compares (`true`, `10`, or the string).
    pub fn as_text(&self) -> std::borrow::Cow<'_, str> {
        match self {
            ConditionValue::String(s) => std::borrow::Cow::Borrowed(s),
            ConditionValue::Number(n) => std::borrow::Cow::Borrowed(n),
            ConditionValue::Bool(true) => std::borrow::Cow::Borrowed("true"),
            ConditionValue::Bool(false) => std::borrow::Cow::Borrowed("false"),
        }
    }
}

/// A condition operator: optional set qualifier, base operator, optional
/// `IfExists`.
///
/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Operator {
    pub qualifier: Option<SetQualifier>,
    pub kind: OperatorKind,
    pub if_exists: bool,
}

/// <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html>
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OperatorKind {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
    /// An operator name AWS does not define, kept as written so the linter
    /// can report it; the engine treats its block as not satisfied.
    Unknown(String),
}
