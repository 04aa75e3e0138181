//! From one file's text to what kind of document it is and its findings.
//!
//! For: `leash check` (and the fuzzing harness), which hand every file here
//! once it is decoded (`leash_policy::source_text`): a YAML file is a
//! template; a JSON file is a template, a Terraform plan, a Terraform JSON
//! configuration, a role or a policy when its top level says so. A file
//! that is none of these gets a finding that says so and names the kinds
//! leash reads: nothing passes unread.
//!
//! Not for: decoding bytes, reading a configuration file, or printing.

use crate::lint::{
    is_role_document_value, is_template_value, is_terraform_configuration_value,
    is_terraform_plan_value, lint_policy_value_and_kind, lint_role_document, lint_template_json,
    lint_template_result, lint_terraform_configuration, lint_terraform_plan,
};
use crate::{Diagnostic, PolicyKind, rules};
use leash_policy::source_text::SourceText;
use leash_policy::{Span, Value};

/// What a file was read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A standalone policy, of the kind given or guessed (`None`: it did
    /// not parse far enough to tell).
    Policy(Option<PolicyKind>),
    /// A CloudFormation or SAM template (JSON or YAML).
    Template,
    TerraformPlan,
    TerraformConfiguration,
    /// A role: `AssumeRolePolicyDocument` and `Policies`.
    Role,
    /// Not JSON or YAML leash could read (the finding says where).
    Unreadable,
    /// Not text in an encoding leash reads.
    Undecodable,
    /// `aws iam get-account-authorization-details` output, audited as
    /// `leash audit` does.
    AccountAuthorizationDetails,
    /// A document of no kind leash reads.
    Unknown,
}

impl DocumentKind {
    /// The name JSON output gives the kind.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Policy(None) => "policy",
            DocumentKind::Policy(Some(PolicyKind::Identity)) => "identity-policy",
            DocumentKind::Policy(Some(PolicyKind::Resource)) => "resource-policy",
            DocumentKind::Policy(Some(PolicyKind::Trust)) => "trust-policy",
            DocumentKind::Policy(Some(PolicyKind::ServiceControl)) => "service-control-policy",
            DocumentKind::Policy(Some(PolicyKind::ResourceControl)) => "resource-control-policy",
            DocumentKind::Template => "template",
            DocumentKind::TerraformPlan => "terraform-plan",
            DocumentKind::TerraformConfiguration => "terraform-configuration",
            DocumentKind::Role => "role",
            DocumentKind::Unreadable => "unreadable",
            DocumentKind::Undecodable => "undecodable",
            DocumentKind::AccountAuthorizationDetails => "account-authorization-details",
            DocumentKind::Unknown => "unknown",
        }
    }
}

/// One file's kind and findings (in source order).
#[derive(Clone, Debug)]
pub struct LintedFile {
    pub kind: DocumentKind,
    pub diagnostics: Vec<Diagnostic>,
}

/// The kinds leash reads, as the unknown-kind finding names them.
pub const KNOWN_KINDS: &str = "an IAM policy (`Statement`), a CloudFormation or SAM template (`Resources`), a Terraform plan (`terraform show -json`), a Terraform JSON configuration (`resource`), a role (`AssumeRolePolicyDocument`, `Policies`) or an account authorization dump (`RoleDetailList`, `UserDetailList`, `GroupDetailList`, `Policies`)";

/// Lints one decoded file. `name` (its path) decides YAML from JSON by
/// extension: `.yaml`/`.yml` are YAML, `.template` either; `kind` is the
/// policy kind `leash check --kind` gives (templates and plans say what
/// each of their policies is).
pub fn lint_file(name: &str, source: &SourceText, kind: Option<PolicyKind>) -> LintedFile {
    let mut linted = lint_decoded(name, source, kind);
    on_char_boundaries(&mut linted.diagnostics, &source.text);
    linted
}

/// Every span on character boundaries of `text`: a span that starts or
/// ends inside a character (a rule that marks "one byte" where the text
/// has a multi-byte character) is widened to the whole character, and a
/// fix with an edit inside a character is dropped (it would split it).
fn on_char_boundaries(diagnostics: &mut [Diagnostic], text: &str) {
    let floor = |mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let ceil = |mut at: usize| {
        at = at.min(text.len());
        while !text.is_char_boundary(at) {
            at += 1;
        }
        at
    };
    for diagnostic in diagnostics {
        diagnostic.span = Span::new(floor(diagnostic.span.start), ceil(diagnostic.span.end));
        let splits = |span: &Span| {
            span.end > text.len()
                || !text.is_char_boundary(span.start)
                || !text.is_char_boundary(span.end)
        };
        if diagnostic
            .fix
            .as_ref()
            .is_some_and(|fix| fix.edits.iter().any(|edit| splits(&edit.span)))
        {
            diagnostic.fix = None;
        }
    }
}

fn lint_decoded(name: &str, source: &SourceText, kind: Option<PolicyKind>) -> LintedFile {
    if let Some(error) = &source.error {
        return LintedFile {
            kind: DocumentKind::Undecodable,
            diagnostics: vec![Diagnostic::new(
                &rules::undecodable_text::RULE,
                error.message.clone(),
                error.span,
            )],
        };
    }
    let text = source.text.as_str();
    if has_extension(name, "yaml") || has_extension(name, "yml") {
        return lint_yaml(text);
    }
    match leash_policy::json::parse_json(text) {
        Ok(value) => lint_json(text, value, kind),
        // `*.template` is CloudFormation's own extension, YAML or JSON.
        Err(_) if has_extension(name, "template") => lint_yaml(text),
        Err(error) => LintedFile {
            kind: DocumentKind::Unreadable,
            diagnostics: vec![Diagnostic::new(
                &rules::invalid_json::RULE,
                error.message,
                error.span,
            )],
        },
    }
}

fn lint_yaml(text: &str) -> LintedFile {
    let template = leash_iac::read_template(text);
    let kind = match &template {
        Ok(_) => DocumentKind::Template,
        Err(error) if error.kind == leash_iac::TemplateErrorKind::NotATemplate => {
            return unknown(error.span, &format!("{}: ", error.message));
        }
        Err(_) => DocumentKind::Unreadable,
    };
    LintedFile {
        kind,
        diagnostics: lint_template_result(template),
    }
}

/// Each kind is linted from the tree read once here.
fn lint_json(text: &str, value: Value, kind: Option<PolicyKind>) -> LintedFile {
    if is_template_value(&value) {
        return LintedFile {
            kind: DocumentKind::Template,
            diagnostics: lint_template_json(text, value),
        };
    }
    if is_terraform_plan_value(&value) {
        return LintedFile {
            kind: DocumentKind::TerraformPlan,
            diagnostics: lint_terraform_plan(text, &value),
        };
    }
    if is_terraform_configuration_value(&value) {
        return LintedFile {
            kind: DocumentKind::TerraformConfiguration,
            diagnostics: lint_terraform_configuration(text, &value),
        };
    }
    // Before roles: a dump's top-level `Policies` is not a role's.
    if is_account_authorization_details(&value) {
        // `leash check` on a dump audits it with the defaults of `leash audit`.
        let options = crate::audit::AuditOptions {
            unused_days: Some(crate::audit::DEFAULT_UNUSED_DAYS),
            ..crate::audit::AuditOptions::default()
        };
        return LintedFile {
            kind: DocumentKind::AccountAuthorizationDetails,
            diagnostics: crate::audit::audit_dump(text, &value, &options).diagnostics,
        };
    }
    if is_role_document_value(&value) {
        return LintedFile {
            kind: DocumentKind::Role,
            diagnostics: lint_role_document(&value),
        };
    }
    if !looks_like_policy(&value) {
        let found = match value.as_object() {
            Some(_) => "an object without `Statement`".to_string(),
            None => value.kind_name().to_string(),
        };
        return unknown(
            Span::new(value.span.start, value.span.start),
            &format!("this is {found}: "),
        );
    }
    let (mut diagnostics, kind) = lint_policy_value_and_kind(&value, kind, None);
    // As `lint_policy_file_as` orders them.
    diagnostics.sort_by_key(|d| (d.span.start, d.code));
    LintedFile {
        kind: DocumentKind::Policy(kind),
        diagnostics,
    }
}

fn unknown(span: Span, what: &str) -> LintedFile {
    LintedFile {
        kind: DocumentKind::Unknown,
        diagnostics: vec![
            Diagnostic::new(
                &rules::unknown_document_kind::RULE,
                format!(
                    "{what}leash reads {KNOWN_KINDS}, and this is none of them: it was not checked"
                ),
                span,
            )
            .with_help("give leash a file of one of these kinds, or leave this one out of the run"),
        ],
    }
}

/// A policy, broken or not: an object with `Statement` or `Version` (the
/// policy parser says what is wrong with it).
fn looks_like_policy(value: &Value) -> bool {
    value.as_object().is_some()
        && (value.get("Statement").is_some() || value.get("Version").is_some())
}

/// The output of `aws iam get-account-authorization-details`
/// (<https://docs.aws.amazon.com/IAM/latest/APIReference/API_GetAccountAuthorizationDetails.html>):
/// its lists of users, groups, roles and managed policies.
/// Filtered to managed policies, it holds only `Policies`, each with its
/// `PolicyVersionList`.
pub fn is_account_authorization_details(value: &Value) -> bool {
    let has_detail_list = ["UserDetailList", "GroupDetailList", "RoleDetailList"]
        .iter()
        .any(|key| value.get(key).is_some());
    let has_policy_versions =
        value
            .get("Policies")
            .and_then(Value::as_array)
            .is_some_and(|policies| {
                policies
                    .iter()
                    .any(|policy| policy.get("PolicyVersionList").is_some())
            });
    value.get("Statement").is_none() && (has_detail_list || has_policy_versions)
}

fn has_extension(path: &str, extension: &str) -> bool {
    std::path::Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod boundary_tests {
    use super::*;

    /// A YAML policy whose first key starts with a two-byte character:
    /// L401 marks "the first byte" of the policy and offers a JSON edit
    /// after it, which would split the character (found by the fuzz test,
    /// `LEASH_FUZZ_CASES=16000`). The span is widened to the character
    /// and the fix, which cannot apply, is dropped.
    #[test]
    fn spans_stay_on_character_boundaries() {
        let text = "Resources:\n  Api:\n    Type: AWS::Serverless::Api\n    Properties:\n      StageName: prod\n      DefinitionBody:\n        openapi: 3.0.1\n        info: {title: t}\n        x-amazon-apigateway-policy:\n          \u{e9}Statement:\n            - Effect: Allow\n              Principal: '*'\n              Action: execute-api:Invoke\n              Resource: '*'\n";
        let source = leash_policy::source_text::decode(text.as_bytes().to_vec());
        let linted = lint_file("template.yaml", &source, None);
        for d in &linted.diagnostics {
            assert!(
                text.is_char_boundary(d.span.start) && text.is_char_boundary(d.span.end),
                "{} {:?}",
                d.code,
                d.span
            );
            for edit in d.fix.iter().flat_map(|f| &f.edits) {
                assert!(text.is_char_boundary(edit.span.start), "{}", d.code);
            }
        }
    }
}
