//! The one diagnostic model every output format is rendered from.

use leash_policy::Span;

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Whether a fix can be applied without a human looking at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applicability {
    /// Keeps the policy's meaning or only narrows it in the intended way.
    Safe,
    /// Changes what the policy allows; review before applying.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// Replace the text at `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// One finding: a rule's code and name, where, what, and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable code, e.g. `L102`.
    pub code: &'static str,
    /// The rule's name, naming the bad pattern, e.g. `unknown-action`.
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// A short label printed under the caret.
    pub label: Option<String>,
    pub help: Option<String>,
    pub fix: Option<Fix>,
    /// The `Sid` of the statement the finding is in, if it has one.
    pub sid: Option<String>,
    /// The template resource (logical id) the finding is in.
    pub resource: Option<String>,
    /// Set when a suppression applies: where it was written and why.
    pub suppressed: Option<Suppression>,
    /// Other places the finding is about, in other files (the call in the
    /// handler code a role denies).
    pub related: Vec<RelatedLocation>,
}

/// A place in another file than the finding's: a path as shown to the user
/// and a 1-based line and column (characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedLocation {
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// What is there.
    pub message: String,
}

/// Why a finding is not reported: a `leash.toml` entry or a template's
/// `Metadata`, with the reason its author gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Suppression {
    /// `external` (leash.toml) or `inSource` (template Metadata), as SARIF
    /// names them.
    pub kind: SuppressionKind,
    pub reason: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    External,
    InSource,
}

impl SuppressionKind {
    pub fn as_sarif(self) -> &'static str {
        match self {
            SuppressionKind::External => "external",
            SuppressionKind::InSource => "inSource",
        }
    }
}

impl Diagnostic {
    pub fn new(rule: &crate::Rule, message: impl Into<String>, span: Span) -> Self {
        Diagnostic {
            code: rule.code,
            rule: rule.name,
            severity: rule.severity,
            message: message.into(),
            span,
            label: None,
            help: None,
            fix: None,
            sid: None,
            resource: None,
            suppressed: None,
            related: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    pub fn with_related(mut self, related: RelatedLocation) -> Self {
        self.related.push(related);
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}
