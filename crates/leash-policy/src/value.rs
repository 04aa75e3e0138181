//! A document tree that remembers where every value was written.
//!
//! IAM policies reach leash as JSON files, as parts of CloudFormation
//! templates (JSON or YAML) and as strings inside Terraform plans. Each
//! reader produces this one tree, with spans into its own source text, and
//! the policy parser works on the tree, so that every diagnostic can point
//! at the exact place in whatever file the user wrote.
//!
//! Objects keep every member in source order, duplicates included: AWS
//! silently keeps the last of duplicate keys, and leash reports them.

use crate::span::{Span, Spanned};

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Null,
    Bool(bool),
    /// A number, kept as written (`1`, `1.50`, `-0`, `1e3`) so that nothing
    /// is lost before the operator that reads it decides how to interpret it.
    Number(String),
    String(String),
    Array(Vec<Value>),
    /// Members in source order; duplicate keys are kept.
    Object(Vec<Member>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    pub key: Spanned<String>,
    pub value: Value,
}

impl Value {
    pub fn new(kind: ValueKind, span: Span) -> Self {
        Value { kind, span }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            ValueKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&[Member]> {
        match &self.kind {
            ValueKind::Object(members) => Some(members),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::Array(items) => Some(items),
            _ => None,
        }
    }

    /// The last member named `key` (AWS's rule for duplicate keys), compared
    /// case-sensitively.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?
            .iter()
            .rev()
            .find(|m| m.key.node == key)
            .map(|m| &m.value)
    }

    /// A short name for the kind of value, for messages: "a string", "an array".
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ValueKind::Null => "null",
            ValueKind::Bool(_) => "a boolean",
            ValueKind::Number(_) => "a number",
            ValueKind::String(_) => "a string",
            ValueKind::Array(_) => "an array",
            ValueKind::Object(_) => "an object",
        }
    }
}
