//! From a file's bytes to its findings: a policy through the JSON reader,
//! the policy parser and every rule; a CloudFormation/SAM template through
//! the template reader, then every policy it holds, with positions in the
//! template.

use crate::{Diagnostic, PolicyInput, PolicyKind, Severity, check_policy, rules};
use leash_policy::Value;
use leash_policy::diagnostic::{ParseDiagnostic, Severity as ParseSeverity, codes};
use leash_policy::json::parse_json_bytes;
use leash_policy::parse::parse_policy;

/// Lints one standalone policy file. Findings are in source order.
pub fn lint_policy_bytes(bytes: &[u8]) -> Vec<Diagnostic> {
    lint_policy_bytes_as(bytes, None)
}

/// Lints one standalone policy file as a policy of `kind` (`None`: guessed
/// from the policy, see [`PolicyKind::guess`]). Findings in source order.
pub fn lint_policy_bytes_as(bytes: &[u8], kind: Option<PolicyKind>) -> Vec<Diagnostic> {
    match parse_json_bytes(bytes) {
        Err(err) => vec![Diagnostic::new(
            &rules::invalid_json::RULE,
            err.message,
            err.span,
        )],
        Ok(value) => lint_policy_file_as(&value, kind),
    }
}

/// Lints a standalone policy file already read into a tree (the caller
/// looked at it to tell a policy from a template). Findings in source order.
pub fn lint_policy_file(value: &Value) -> Vec<Diagnostic> {
    lint_policy_file_as(value, None)
}

/// [`lint_policy_file`] for a policy of a known kind (`leash check --kind`):
/// the kind-specific checks (SCP and RCP quotas and elements, principals
/// in identity policies, ...) follow it instead of a guess.
pub fn lint_policy_file_as(value: &Value, kind: Option<PolicyKind>) -> Vec<Diagnostic> {
    let mut diagnostics = lint_policy_value(value, kind);
    diagnostics.sort_by_key(|d| (d.span.start, d.code));
    diagnostics
}

/// Lints a policy read into a document tree (from a JSON file, or from a
/// template that embeds it). `kind` is guessed from the policy when `None`.
pub fn lint_policy_value(value: &Value, kind: Option<PolicyKind>) -> Vec<Diagnostic> {
    lint_policy_value_with_symbols(value, kind, None)
}

/// [`lint_policy_value`] for a policy whose strings hold the symbols of
/// `symbols` (a template's policy, resolved).
pub fn lint_policy_value_with_symbols(
    value: &Value,
    kind: Option<PolicyKind>,
    symbols: Option<&leash_policy::symbol::SymbolTable>,
) -> Vec<Diagnostic> {
    lint_policy_value_and_kind(value, kind, symbols).0
}

/// [`lint_policy_value_with_symbols`], with the kind the policy was
/// checked as (`None` when it did not parse far enough to have one).
pub(crate) fn lint_policy_value_and_kind(
    value: &Value,
    kind: Option<PolicyKind>,
    symbols: Option<&leash_policy::symbol::SymbolTable>,
) -> (Vec<Diagnostic>, Option<PolicyKind>) {
    let parsed = parse_policy(value);
    let mut diagnostics: Vec<Diagnostic> = parsed.diagnostics.into_iter().map(from_parse).collect();
    let mut checked_as = None;
    if let Some(policy) = &parsed.policy {
        let kind = kind.unwrap_or_else(|| PolicyKind::guess(policy));
        checked_as = Some(kind);
        let mut input = PolicyInput::new(policy, kind);
        if let Some(table) = symbols {
            input = input.with_symbols(table);
        }
        diagnostics.extend(check_policy(&input));
        // Name the statement each finding is in, for suppressions by Sid.
        for d in &mut diagnostics {
            d.sid = policy
                .statements
                .iter()
                .find(|s| s.span.start <= d.span.start && d.span.end <= s.span.end)
                .and_then(|s| s.sid.as_ref())
                .map(|sid| sid.node.clone());
        }
    }
    (diagnostics, checked_as)
}

/// A parser diagnostic as a finding of the rule that owns its code.
pub fn from_parse(d: ParseDiagnostic) -> Diagnostic {
    let rule = match d.code {
        codes::DUPLICATE_KEY => &rules::duplicate_key::RULE,
        codes::JSON_SYNTAX | codes::JSON_TOO_DEEP | codes::JSON_TOO_LARGE | codes::INVALID_UTF8 => {
            &rules::invalid_json::RULE
        }
        _ => &rules::invalid_policy_structure::RULE,
    };
    let severity = match d.severity {
        ParseSeverity::Error => Severity::Error,
        ParseSeverity::Warning => Severity::Warning,
    };
    let mut diagnostic = Diagnostic::new(rule, d.message, d.span).with_severity(severity);
    if let Some(help) = d.help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// Lints a CloudFormation or SAM template (JSON or YAML): every policy it
/// holds or causes (role policies, trust policies, bucket/queue/topic/table
/// policies, Lambda permissions, SAM policy templates), with spans into the
/// template text. Findings are in source order.
pub fn lint_template_text(text: &str) -> Vec<Diagnostic> {
    lint_template_result(leash_iac::read_template(text))
}

/// Lints a JSON template already read into a tree (the caller looked at it
/// to tell a template from a policy), without reading the text again.
pub fn lint_template_value(root: Value) -> Vec<Diagnostic> {
    lint_template_result(leash_iac::template::template_from_value(
        root,
        leash_iac::TemplateFormat::Json,
    ))
}

/// Lints a JSON template already read into a tree, with its text: policies
/// written as JSON strings inside it (a `KeyPolicy` string, an
/// `AWS::Logs::ResourcePolicy`) get positions inside those strings.
pub fn lint_template_json(text: &str, root: Value) -> Vec<Diagnostic> {
    lint_template_result(
        leash_iac::template::template_from_value(root, leash_iac::TemplateFormat::Json).map(
            |mut template| {
                template.source = Some(text.into());
                template
            },
        ),
    )
}

pub(crate) fn lint_template_result(
    template: Result<leash_iac::Template, leash_iac::TemplateError>,
) -> Vec<Diagnostic> {
    let template = match template {
        Ok(template) => template,
        Err(err) => {
            return vec![Diagnostic::new(
                &rules::invalid_template::RULE,
                err.message,
                err.span,
            )];
        }
    };
    // Values known only at deployment (the account, a parameter without a
    // default, the name CloudFormation gives an unnamed table) resolve to
    // symbols: each one value, matched by nothing but itself, so a policy
    // scoped to one table never reads as "every table".
    let context = leash_iac::ResolveContext::default();
    let policies = leash_iac::extract_policies_with(&template, &context);
    let managed_policies = leash_iac::extract_managed_policy_references_with(&template, &context);
    // Every symbol of the template's policies is in the table by now.
    let symbols = template.symbols.table();
    let mut diagnostics =
        crate::template_rules::check_template(&crate::template_rules::TemplateInput {
            template: &template,
            policies: &policies,
            managed_policies: &managed_policies,
        });
    for embedded in &policies {
        if let Some(error) = &embedded.syntax_error {
            let mut d = Diagnostic::new(
                &rules::invalid_json::RULE,
                format!(
                    "`{}` of `{}` is not a JSON policy: {}",
                    embedded.path, embedded.resource_id, error.message
                ),
                error.span,
            );
            d.resource = Some(embedded.resource_id.clone());
            diagnostics.push(d);
            continue;
        }
        let mut found = lint_extracted(
            &embedded.document,
            embedded.kind,
            &embedded.resource_id,
            Some(&symbols),
        );
        if matches!(
            embedded.origin,
            leash_iac::PolicyOrigin::SamPolicyTemplate { .. }
                | leash_iac::PolicyOrigin::SamConnector
        ) {
            // SAM's policy templates and connector profiles pair every
            // action with a table and its indexes (or a bucket and its
            // objects) by design: the pairs that never apply are SAM's
            // choice, not something the author wrote or can fix in place.
            found.retain(|d| d.code != crate::rules::action_on_inapplicable_resource::RULE.code);
        }
        diagnostics.extend(crate::sam_expansion::report_at_the_use(embedded, found));
    }
    for d in &mut diagnostics {
        if d.resource.is_none() {
            d.resource = template
                .resources
                .iter()
                .find(|r| r.span.start <= d.span.start && d.span.end <= r.span.end)
                .map(|r| r.logical_id.node.clone());
        }
    }
    for d in &mut diagnostics {
        if d.code == rules::resource_not_an_arn::RULE.code {
            explain_a_reference_that_is_not_an_arn(&template, d);
        }
    }
    show_symbols_as_written(&template, &mut diagnostics);
    apply_metadata_suppressions(&template, &mut diagnostics);
    // A synthesized policy (an expanded SAM policy template used twice) can
    // repeat a finding at the same place: report it once.
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message))
    });
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    diagnostics
}

/// An L201 on `Ref` of one of the template's resources whose `Ref` is not
/// its ARN (a role's or table's name, a queue's URL): says so and offers
/// `Fn::GetAtt NAME.Arn`, when that attribute is an ARN
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/intrinsic-function-reference-ref.html>
/// lists what `Ref` returns for each resource type).
fn explain_a_reference_that_is_not_an_arn(template: &leash_iac::Template, d: &mut Diagnostic) {
    let Some(node) = value_at(&template.root, d.span) else {
        return;
    };
    let Some(leash_policy::ValueKind::String(logical_id)) = node.get("Ref").map(|v| &v.kind) else {
        return;
    };
    let Some(resource) = template.resource(logical_id) else {
        return;
    };
    let get_att = Value::new(
        leash_policy::ValueKind::Object(vec![leash_policy::Member {
            key: leash_policy::Spanned::new("Fn::GetAtt".to_string(), node.span),
            value: Value::new(
                leash_policy::ValueKind::String(format!("{logical_id}.Arn")),
                node.span,
            ),
        }]),
        node.span,
    );
    let arn = leash_iac::resolve(&get_att, template);
    let is_arn =
        matches!(&arn.kind, leash_policy::ValueKind::String(text) if text.starts_with("arn:"));
    if !is_arn {
        return;
    }
    let replacement = match template.format {
        leash_iac::TemplateFormat::Yaml => format!("!GetAtt {logical_id}.Arn"),
        leash_iac::TemplateFormat::Json => format!(r#"{{"Fn::GetAtt": ["{logical_id}", "Arn"]}}"#),
    };
    d.help = Some(format!(
        "`Ref` of the `{}` `{logical_id}` is not its ARN; `{replacement}` is",
        resource.resource_type.node
    ));
    d.fix = Some(crate::Fix {
        message: format!("use `{replacement}`"),
        // The statement matches nothing today; the fix makes it grant.
        applicability: crate::Applicability::Unsafe,
        edits: vec![crate::Edit {
            span: d.span,
            replacement,
        }],
    });
}

/// The node of `root` that spans exactly `span`, if any.
fn value_at(root: &Value, span: leash_policy::Span) -> Option<&Value> {
    if root.span == span {
        return Some(root);
    }
    if root.span.end < span.start || span.end < root.span.start {
        return None;
    }
    match &root.kind {
        leash_policy::ValueKind::Array(items) => items.iter().find_map(|item| value_at(item, span)),
        leash_policy::ValueKind::Object(members) => members
            .iter()
            .find_map(|member| value_at(&member.value, span)),
        _ => None,
    }
}

/// Writes the values known only at deployment in `diagnostics`' texts as
/// the template writes them (`${AWS::AccountId}`, `${OrdersTable}`): a
/// message never shows a symbol's private character, nor a `*` the
/// template does not contain. A fix whose replacement would hold a symbol
/// is dropped: the template's own text for it may need an `Fn::Sub`.
fn show_symbols_as_written(template: &leash_iac::Template, diagnostics: &mut [Diagnostic]) {
    let table = template.symbols.table();
    let show = |text: &mut String| {
        if leash_policy::symbol::contains_symbol(text) {
            *text = table.display(text).into_owned();
        }
    };
    for d in diagnostics {
        show(&mut d.message);
        if let Some(label) = &mut d.label {
            show(label);
        }
        if let Some(source) = template.source.as_deref() {
            d.message = quote_template_text_for_stars(&d.message, d.span, source);
        }
        if let Some(help) = &mut d.help {
            show(help);
        }
        if d.fix.as_ref().is_some_and(|fix| {
            fix.edits
                .iter()
                .any(|e| leash_policy::symbol::contains_symbol(&e.replacement))
        }) {
            d.fix = None;
        }
        if let Some(fix) = &mut d.fix {
            show(&mut fix.message);
        }
    }
}

/// `message` with each quoted value that shows a `*` the template does not
/// contain (the resolved value of an intrinsic such as `!GetAtt Logs.Arn`,
/// whose `:*` AWS adds) replaced by the template's own text at `span`,
/// when the text there is one short line without a `*`.
fn quote_template_text_for_stars(message: &str, span: leash_policy::Span, source: &str) -> String {
    let Some(written) = source.get(span.start..span.end) else {
        return message.to_string();
    };
    let written = written.trim();
    if written.contains('*') || written.contains('\n') || written.len() > 120 || written.is_empty()
    {
        return message.to_string();
    }
    let mut out = String::with_capacity(message.len());
    for (i, part) in message.split('`').enumerate() {
        if i > 0 {
            out.push('`');
        }
        let quoted = i % 2 == 1;
        if quoted && part.contains('*') && !source.contains(part) {
            out.push_str(written);
        } else {
            out.push_str(part);
        }
    }
    out
}

/// Lints a Terraform plan read as JSON (`terraform show -json plan.out`):
/// every policy `leash_iac::terraform` finds in it, with spans into the
/// plan text (inside the policy strings). Findings are in source order.
pub fn lint_terraform_plan_text(text: &str) -> Vec<Diagnostic> {
    let plan = match leash_policy::json::parse_json(text) {
        Ok(plan) => plan,
        Err(err) => {
            return vec![Diagnostic::new(
                &rules::invalid_json::RULE,
                err.message,
                err.span,
            )];
        }
    };
    lint_terraform_plan(text, &plan)
}

/// Lints a Terraform plan already read into a tree; `text` is the plan's
/// text, which the policy strings' positions are mapped into. The template
/// rules that apply to plans ([`crate::template_rules::TERRAFORM_RULES`])
/// run on how its roles, functions, attachments and buckets fit together.
pub fn lint_terraform_plan(text: &str, plan: &Value) -> Vec<Diagnostic> {
    let extraction = leash_iac::extract_terraform_plan(text, plan);
    let model = leash_iac::terraform_plan_model(plan);
    let found =
        crate::template_rules::check_terraform_plan(&crate::template_rules::TerraformInput {
            extraction: &extraction,
            model: &model,
        });
    lint_terraform_extraction(&extraction, found)
}

/// Whether a JSON document is a Terraform configuration in JSON syntax
/// (`main.tf.json`), see [`leash_iac::is_terraform_configuration`].
pub fn is_terraform_configuration_value(value: &Value) -> bool {
    leash_iac::is_terraform_configuration(value)
}

/// Lints a Terraform JSON configuration (`*.tf.json`) already read into a
/// tree: the policy strings of its `resource` blocks (the same resource
/// types and attributes as a plan), with spans into `text`.
pub fn lint_terraform_configuration(text: &str, configuration: &Value) -> Vec<Diagnostic> {
    // A configuration is not evaluated (its references are text), so the
    // rules over a whole plan do not run on it.
    lint_terraform_extraction(
        &leash_iac::extract_terraform_configuration(text, configuration),
        Vec::new(),
    )
}

/// `diagnostics`: what the rules over the whole plan found.
fn lint_terraform_extraction(
    extraction: &leash_iac::TerraformExtraction,
    mut diagnostics: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    for invalid in &extraction.invalid {
        let mut d = Diagnostic::new(
            &rules::invalid_json::RULE,
            format!(
                "`{}` of `{}` is not a JSON policy: {}",
                invalid.path, invalid.address, invalid.error.message
            ),
            invalid.error.span,
        );
        d.resource = Some(invalid.address.clone());
        diagnostics.push(d);
    }
    for policy in &extraction.policies {
        diagnostics.extend(lint_extracted(
            &policy.document,
            policy.kind,
            &policy.address,
            None,
        ));
    }
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.code, &a.message).cmp(&(b.span.start, b.code, &b.message))
    });
    diagnostics.dedup_by(|a, b| a.span == b.span && a.code == b.code && a.message == b.message);
    diagnostics
}

/// Whether a JSON document is a Terraform plan (`terraform show -json`).
pub fn is_terraform_plan_value(value: &Value) -> bool {
    leash_iac::is_terraform_plan(value)
}

/// Whether a JSON document is an IAM role rather than a policy: no
/// `Statement`, and an `AssumeRolePolicyDocument` or a `Policies` list.
/// That is the shape `leash design` writes per role and the `Properties`
/// of a CloudFormation `AWS::IAM::Role`
/// (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-iam-role.html>);
/// `leash prove` reads role files by the same test.
pub fn is_role_document_value(value: &Value) -> bool {
    value.as_object().is_some()
        && value.get("Statement").is_none()
        && (value.get("AssumeRolePolicyDocument").is_some() || value.get("Policies").is_some())
}

/// Lints a role document (see [`is_role_document_value`]): its
/// `AssumeRolePolicyDocument` as a trust policy and every
/// `Policies[].PolicyDocument` as an identity policy, with spans into the
/// file. Other members (`RoleName`, `PermissionsBoundary`, ...) are not
/// policies and are not judged. Findings are in source order.
pub fn lint_role_document(value: &Value) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    if let Some(trust) = value.get("AssumeRolePolicyDocument") {
        diagnostics.extend(lint_policy_value(trust, Some(PolicyKind::Trust)));
    }
    match value.get("Policies") {
        None => {}
        Some(policies) => match policies.as_array() {
            None => diagnostics.push(Diagnostic::new(
                &rules::invalid_policy_structure::RULE,
                "expected `Policies` to be an array of objects with `PolicyName` and `PolicyDocument`",
                policies.span,
            )),
            Some(entries) => {
                for entry in entries {
                    match entry.get("PolicyDocument") {
                        Some(document) => diagnostics
                            .extend(lint_policy_value(document, Some(PolicyKind::Identity))),
                        None => diagnostics.push(Diagnostic::new(
                            &rules::invalid_policy_structure::RULE,
                            "expected an object with `PolicyName` and `PolicyDocument`",
                            entry.span,
                        )),
                    }
                }
            }
        },
    }
    if let Some(name) = value.get("RoleName").and_then(Value::as_str) {
        for d in &mut diagnostics {
            d.resource = Some(name.to_string());
        }
    }
    diagnostics.sort_by_key(|d| (d.span.start, d.code));
    diagnostics
}

/// Whether a JSON document is a CloudFormation/SAM template rather than a
/// policy: a top-level `AWSTemplateFormatVersion`, or `Resources` without
/// `Statement`.
pub fn is_template_value(value: &Value) -> bool {
    value.get("AWSTemplateFormatVersion").is_some()
        || (value.get("Resources").is_some() && value.get("Statement").is_none())
}

/// Applies `Metadata: {leash: {ignore: [CODE, ...], reason: "..."}}` on a
/// resource (to its findings) or at the top of the template (to all). An
/// entry may also be `{code: CODE, reason: "..."}`. A suppression without a
/// reason is not applied: a finding says so.
fn apply_metadata_suppressions(template: &leash_iac::Template, diagnostics: &mut Vec<Diagnostic>) {
    let mut scopes: Vec<(Option<&str>, &Value)> = Vec::new();
    if let Some(leash) = template.root.get("Metadata").and_then(|m| m.get("leash")) {
        scopes.push((None, leash));
    }
    for resource in &template.resources {
        if let Some(leash) = resource.metadata.as_ref().and_then(|m| m.get("leash")) {
            scopes.push((Some(resource.logical_id.node.as_str()), leash));
        }
    }
    let mut missing_reasons = Vec::new();
    for (resource, leash) in scopes {
        let shared_reason = leash.get("reason").and_then(Value::as_str);
        let Some(entries) = leash.get("ignore").and_then(Value::as_array) else {
            continue;
        };
        for entry in entries {
            let (code, reason) = match (entry.as_str(), entry.get("code").and_then(Value::as_str)) {
                (Some(code), _) => (code, shared_reason),
                (None, Some(code)) => (
                    code,
                    entry
                        .get("reason")
                        .and_then(Value::as_str)
                        .or(shared_reason),
                ),
                _ => continue,
            };
            let Some(reason) = reason.filter(|r| !r.trim().is_empty()) else {
                missing_reasons.push(
                    Diagnostic::new(
                        &rules::suppression_without_reason::RULE,
                        format!("the suppression of `{code}` has no `reason`: it is not applied"),
                        entry.span,
                    )
                    .with_help("add `reason: ...` saying why the finding does not apply"),
                );
                continue;
            };
            for d in diagnostics.iter_mut() {
                let code_matches = d.code == code || d.rule == code;
                let in_scope = resource.is_none_or(|id| d.resource.as_deref() == Some(id));
                if code_matches && in_scope && d.suppressed.is_none() {
                    d.suppressed = Some(crate::Suppression {
                        kind: crate::SuppressionKind::InSource,
                        reason: reason.to_string(),
                    });
                }
            }
        }
    }
    diagnostics.extend(missing_reasons);
    diagnostics.sort_by(|a, b| (a.span.start, a.code).cmp(&(b.span.start, b.code)));
}

/// Lints a policy found in a template or plan, with the policy kind its
/// place gives it, and names the resource it belongs to on each finding.
fn lint_extracted(
    document: &Value,
    kind: leash_iac::PolicyKind,
    resource: &str,
    symbols: Option<&leash_policy::symbol::SymbolTable>,
) -> Vec<Diagnostic> {
    let kind = match kind {
        leash_iac::PolicyKind::Identity | leash_iac::PolicyKind::Boundary => PolicyKind::Identity,
        leash_iac::PolicyKind::Resource => PolicyKind::Resource,
        leash_iac::PolicyKind::Trust => PolicyKind::Trust,
    };
    let mut found = lint_policy_value_with_symbols(document, Some(kind), symbols);
    for d in &mut found {
        d.resource = Some(resource.to_string());
    }
    found
}
