//! Problems found while reading a policy document: JSON syntax errors and
//! violations of the IAM policy grammar.
//!
//! For: the parser's output, which the linter and the CLI turn into
//! findings. Not for: lint findings (see `leash-lint`) or printing with
//! snippets (the CLI does that from the span).

use std::fmt;

use crate::json::{JsonError, JsonErrorKind};
use crate::span::{LineIndex, Span};

/// How bad a parse diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// AWS would reject the document (or leash cannot read it).
    Error,
    /// AWS accepts the document, but it probably does not say what was meant.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in a policy document, with the byte span it is about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseDiagnostic {
    /// Stable kebab-case code, e.g. `invalid-effect`; see [`codes`].
    pub code: &'static str,
    pub severity: Severity,
    /// Lowercase, no trailing period, user text in backticks.
    pub message: String,
    pub span: Span,
    /// A suggestion, e.g. "did you mean `Resource`?".
    pub help: Option<String>,
}

impl ParseDiagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        ParseDiagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Self {
        ParseDiagnostic {
            code,
            severity: Severity::Warning,
            message: message.into(),
            span,
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// One line for terminals and snapshots:
    /// `3:15 error invalid-effect message (help: ...)`.
    pub fn render_line(&self, text: &str, index: &LineIndex) -> String {
        let (line, column) = index.line_col(text, self.span.start);
        let mut out = format!(
            "{line}:{column} {} {} {}",
            self.severity, self.code, self.message
        );
        if let Some(help) = &self.help {
            out.push_str(" (help: ");
            out.push_str(help);
            out.push(')');
        }
        out
    }
}

impl From<JsonError> for ParseDiagnostic {
    fn from(error: JsonError) -> Self {
        let code = match error.kind {
            JsonErrorKind::Syntax => codes::JSON_SYNTAX,
            JsonErrorKind::TooDeep => codes::JSON_TOO_DEEP,
            JsonErrorKind::TooLarge => codes::JSON_TOO_LARGE,
            JsonErrorKind::InvalidUtf8 => codes::INVALID_UTF8,
        };
        ParseDiagnostic::error(code, error.span, error.message)
    }
}

/// Every code the policy reader emits. Codes are stable: tools and users
/// filter on them.
pub mod codes {
    /// The text is not JSON.
    pub const JSON_SYNTAX: &str = "json-syntax";
    /// Arrays and objects nested deeper than the limit.
    pub const JSON_TOO_DEEP: &str = "json-too-deep";
    /// The input is larger than the limit.
    pub const JSON_TOO_LARGE: &str = "json-too-large";
    /// The bytes are not UTF-8.
    pub const INVALID_UTF8: &str = "invalid-utf8";
    /// A value of the wrong JSON type for its element.
    pub const WRONG_TYPE: &str = "wrong-type";
    /// A key that is not part of the policy grammar.
    pub const UNKNOWN_ELEMENT: &str = "unknown-element";
    /// The same key twice in one object (warning; AWS keeps the last).
    pub const DUPLICATE_KEY: &str = "duplicate-key";
    /// `Version` other than `2012-10-17` or `2008-10-17`.
    pub const INVALID_VERSION: &str = "invalid-version";
    /// No `Statement` element.
    pub const MISSING_STATEMENT: &str = "missing-statement";
    /// `"Statement": []`: AWS rejects it; the policy is still returned.
    pub const EMPTY_STATEMENT: &str = "empty-statement";
    /// A statement without `Effect`.
    pub const MISSING_EFFECT: &str = "missing-effect";
    /// `Effect` other than `Allow` or `Deny`.
    pub const INVALID_EFFECT: &str = "invalid-effect";
    /// A statement with neither `Action` nor `NotAction`.
    pub const MISSING_ACTION: &str = "missing-action";
    /// An element together with its `Not` form in one statement.
    pub const CONFLICTING_ELEMENTS: &str = "conflicting-elements";
    /// A `Principal`/`NotPrincipal` of a shape AWS does not accept.
    pub const INVALID_PRINCIPAL: &str = "invalid-principal";
    /// A condition operator name AWS does not define.
    pub const UNKNOWN_OPERATOR: &str = "unknown-operator";
    /// A known operator used in a way AWS does not allow (`NullIfExists`).
    pub const INVALID_OPERATOR: &str = "invalid-operator";

    /// All codes, for documentation and tests.
    pub const ALL: &[&str] = &[
        JSON_SYNTAX,
        JSON_TOO_DEEP,
        JSON_TOO_LARGE,
        INVALID_UTF8,
        WRONG_TYPE,
        UNKNOWN_ELEMENT,
        DUPLICATE_KEY,
        INVALID_VERSION,
        MISSING_STATEMENT,
        EMPTY_STATEMENT,
        MISSING_EFFECT,
        INVALID_EFFECT,
        MISSING_ACTION,
        CONFLICTING_ELEMENTS,
        INVALID_PRINCIPAL,
        UNKNOWN_OPERATOR,
        INVALID_OPERATOR,
    ];
}
