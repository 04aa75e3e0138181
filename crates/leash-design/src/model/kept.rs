//! What the template's IAM grants a function that leash cannot narrow:
//! it goes into the designed role unchanged, with why. The first law of
//! `leash design`: a design never takes away access the application may
//! use, so what leash cannot model is kept as it was, never dropped.
//!
//! Not for: deciding what a statement means (`template_iam` decides what
//! it can model), writing it out (`design` adds the resolved form to the
//! permissions policy, the CloudFormation writer the written form).

use crate::json_tree::Node;

/// Why leash keeps a statement or a managed policy as it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptReason {
    /// A managed policy attached by name or ARN: leash does not narrow
    /// managed policies (an AWS one it could read, a customer one it
    /// cannot).
    ManagedPolicy,
    /// A SAM policy template leash has no access level for.
    SamTemplateUnmapped(String),
    /// A SAM policy template whose parameter names no resource leash
    /// models.
    SamTemplateOutside(String),
    /// `*` or `?` in an action.
    WildcardAction,
    /// A `Condition` block.
    Condition,
    /// `NotAction` or `NotResource`.
    NotActionOrResource,
    /// `Resource: "*"` (every resource).
    EveryResource,
    /// A resource of a service leash has an access table for, but not a
    /// resource of the template (or a wildcard ARN).
    OutsideTemplate(String),
    /// A resource of a service leash has no access table for.
    NoAccessTable(String),
    /// No listed action acts on the resource it names, by the Service
    /// Authorization Reference (leash does not judge what it grants).
    NotActing(String),
    /// A `Deny` statement of the same role, kept beside statements kept as
    /// is so they allow no more than before.
    Deny,
    /// A managed policy SAM attaches to the role it generates, for a setting
    /// leash does not model (an MSK event, durable execution, X-Ray for
    /// `Tracing: PassThrough`, ...).
    SamImplicit(String),
    /// A statement that only writes logs, where the design grants the
    /// function no log action (its role writes no stream of its group).
    LogsNotGranted,
    /// A statement of a SAM policy template's expansion that no action of
    /// the access level leash maps the template to comes from.
    SamTemplateBeyondLevel(String),
}

impl KeptReason {
    /// The reason in a few words, for the report and the summary.
    pub fn describe(&self) -> String {
        match self {
            KeptReason::ManagedPolicy => "managed policy leash does not narrow".to_string(),
            KeptReason::SamTemplateUnmapped(name) => {
                format!("SAM policy template `{name}` has no access level in leash")
            }
            KeptReason::SamTemplateOutside(name) => {
                format!("SAM policy template `{name}` names no resource leash models")
            }
            KeptReason::WildcardAction => "wildcard action".to_string(),
            KeptReason::Condition => "condition".to_string(),
            KeptReason::NotActionOrResource => "`NotAction` or `NotResource`".to_string(),
            KeptReason::EveryResource => "`Resource: \"*\"`".to_string(),
            KeptReason::OutsideTemplate(arn) => format!("resource outside the template (`{arn}`)"),
            KeptReason::NoAccessTable(service) => {
                format!("no access table for service `{service}`")
            }
            KeptReason::NotActing(arn) => {
                format!("no listed action acts on `{arn}` (leash does not judge what it grants)")
            }
            KeptReason::Deny => {
                "a `Deny` of the same role, kept so what is kept as is allows no more than before"
                    .to_string()
            }
            KeptReason::SamImplicit(name) => format!(
                "SAM attaches `{name}` to the role it generates, for what leash does not model"
            ),
            KeptReason::LogsNotGranted => {
                "log permissions that do not let the function write its own log group".to_string()
            }
            KeptReason::SamTemplateBeyondLevel(name) => format!(
                "a statement of SAM policy template `{name}` beyond the access level leash maps it to"
            ),
        }
    }
}

/// What is kept: statements copied into the designed role, or a managed
/// policy attached to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeptItem {
    /// `written` as the template wrote them (intrinsics and all), for the
    /// CloudFormation writer; `resolved` with intrinsics resolved, for the
    /// other formats and the verification. Same length, same order.
    Statements {
        written: Vec<Node>,
        resolved: Vec<Node>,
    },
    /// A managed policy: `written` as the template wrote it (a name, an
    /// ARN or an intrinsic), `arn` resolved.
    ManagedPolicy { written: Node, arn: String },
}

/// One statement (or set of statements) or managed policy kept as is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptAsIs {
    /// Where the template writes it, e.g. "`Fn` Policies[1].Statement[0]".
    pub origin: String,
    pub reason: KeptReason,
    pub item: KeptItem,
    /// Whether the function's declared needs supersede it: declared needs
    /// are the author's complete statement of intent, so everything the
    /// author wrote into the template's IAM is (listed as superseded, with
    /// why); what SAM attaches for Lambda itself is not, and a `Deny` goes
    /// with what stays.
    pub supersedable: bool,
}

impl KeptAsIs {
    /// Whether this is an `Allow` (anything but a kept `Deny`).
    pub fn grants(&self) -> bool {
        self.reason != KeptReason::Deny
    }
}
