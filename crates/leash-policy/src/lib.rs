//! The IAM policy language: a spanned document tree, the policy AST and its
//! parser and printer, and (in later modules) matching and the
//! authorization engine.
//!
//! Not for: reading templates (see `leash-iac`), rules (`leash-lint`), or
//! printing diagnostics (the CLI).

pub mod arn;
pub mod ast;
pub mod authz;
pub mod condition;
pub mod context;
pub mod diagnostic;
pub mod json;
pub mod matching;
pub mod parse;
pub mod principal;
pub mod print;
pub mod request;
pub mod source_text;
pub mod span;
pub mod symbol;
pub mod value;
pub mod variables;

pub use ast::*;
pub use span::{LineIndex, Span, Spanned};
pub use value::{Member, Value, ValueKind};
