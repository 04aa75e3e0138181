//! `leash design`: reads a template or a leash manifest, designs one role per function with
//! `leash-design`, writes the output set (role files, the designed
//! template or Terraform JSON, and report.md) without ever leaving a
//! partial file, and prints a summary. The designing and verifying live in
//! `leash-design`.
//!
//! Exit codes: 0 when every design verifies and lints clean, 1 when a
//! verification check fails or the linter reports a finding, 2 on usage
//! errors and unreadable input.

use std::path::Path;

use leash_design::changes::{Detail, compare_with_original};
use leash_design::cloudformation::designed_template;
use leash_design::original::{managed_policy_name, original_iam_all};
use leash_design::report::{
    ReportContext, render_report_with, render_resource_policies, role_document,
};
use leash_design::terraform::terraform_design;
use leash_design::{
    DesignError, ModelError, Target, WriteError, design, design_consumers,
    design_resource_policies, is_manifest_text, read_application, read_manifest, read_template,
};

use crate::args::{DesignArgs, DesignFormat};
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;

/// Why `leash design` wrote nothing (exit 2). Each names the input or
/// output it is about; errors about one written value of the input are
/// rendered with their source line and column.
#[derive(Debug, thiserror::Error)]
enum CommandError {
    /// The input could not be read, or an error already rendered with
    /// its source snippet (file, line, column).
    #[error("{0}")]
    Rendered(String),
    #[error("error: {path}: {source}")]
    Model { path: String, source: ModelError },
    #[error("error: {path}: {source}")]
    Design { path: String, source: DesignError },
    #[error("error: {path}: {source}")]
    Write { path: String, source: WriteError },
    #[error(
        "error: `{0}` is a manifest: `--format cfn` writes the template with the designed roles wired in, and a manifest has no template; use `--format json`"
    )]
    CfnForManifest(String),
    #[error(
        "error: `{0}` has no Lambda function, state machine, API Gateway role, EventBridge pipe, schedule or rule target with a role, delivery stream, AppSync data source or logging role, IoT topic rule, or SNS subscription with a role to design a role for"
    )]
    NoFunction(String),
    #[error(
        "error: {path}: `--format json` writes IAM JSON with concrete values, and the design holds values known only at deployment: {}; or use `--format cfn` (the default), which writes them as the template does",
        missing.join(", ")
    )]
    MissingValues { path: String, missing: Vec<String> },
    #[error("error: `{0}` exists and is not a directory")]
    OutNotADirectory(String),
    #[error("error: cannot write `{path}`: {source}")]
    Output {
        path: String,
        source: std::io::Error,
    },
}

pub fn run(args: &DesignArgs) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("{error}");
            exit::ERROR
        }
    }
}

fn run_inner(args: &DesignArgs) -> Result<u8, CommandError> {
    let input = &args.input;
    let path = input.display().to_string();
    let text = SourceFile::read(input)
        .map_err(CommandError::Rendered)?
        .text;
    let target = Target {
        account: args.account.clone(),
        region: args.region.clone(),
        stack_name: args.stack_name.clone(),
        // A later `--parameter` of the same key wins.
        parameters: args.parameters.iter().cloned().collect(),
        // A state machine's `DefinitionUri` file is next to the template.
        template_dir: input.parent().map(std::path::Path::to_path_buf),
    };
    let located = |error: ModelError| match error.span() {
        Some(span) => {
            let source = SourceFile::new(path.clone(), text.clone());
            CommandError::Rendered(render_error(&source, span, &error.to_string()))
        }
        None => CommandError::Model {
            path: path.clone(),
            source: error,
        },
    };
    let designing = |error: DesignError| CommandError::Design {
        path: path.clone(),
        source: error,
    };
    let writing = |error: WriteError| CommandError::Write {
        path: path.clone(),
        source: error,
    };
    // A manifest is told from a template by its `leash-manifest` key.
    let (template, application) = if is_manifest_text(&text) {
        if args.format == Some(DesignFormat::Cfn) {
            return Err(CommandError::CfnForManifest(path));
        }
        (None, read_manifest(&text, &target).map_err(located)?)
    } else {
        let template = read_template(&text).map_err(|error| {
            let source = SourceFile::new(input.display().to_string(), text.clone());
            CommandError::Rendered(render_error(
                &source,
                error.span,
                &format!("not a template: {}", error.message),
            ))
        })?;
        let mut template = template;
        if template.source.is_none() {
            template.source = Some(text.as_str().into());
        }
        let mut application = read_application(&template, &target).map_err(located)?;
        application.options.log_retention_days = args.log_retention;
        // Needs from the handler code, after declared needs and before the
        // template's IAM (leash-design `code`).
        let code = leash_code::template_needs(&template, input);
        leash_design::code::narrow_with_code(&template, &mut application, &code);
        (Some(template), application)
    };
    if application.functions.is_empty() {
        return Err(CommandError::NoFunction(path));
    }
    let roles = design(&application).map_err(designing)?;
    // The design options: cross-account consumers' roles, bucket and API
    // policies.
    let consumers = design_consumers(&application).map_err(designing)?;
    let policies = design_resource_policies(&application, &roles).map_err(designing)?;

    // Function roles first, then the consumers' roles.
    let all_roles: Vec<_> = roles.iter().chain(&consumers).cloned().collect();

    // Every file is rendered before anything is written: an error here
    // leaves `--out` untouched.
    let mut files: Vec<(String, String)> = Vec::new();
    let mut designed = None;
    let mut terraform_notes = Vec::new();
    let mut terraform_role_notes = Vec::new();
    // A template is designed into itself; a manifest into IAM JSON files.
    let format = args.format.unwrap_or(if template.is_some() {
        DesignFormat::Cfn
    } else {
        DesignFormat::Json
    });
    // What each role changes against the template's own IAM (a manifest
    // has none to compare with).
    let compare = || {
        template.as_ref().map(|template| {
            let originals = original_iam_all(template, &application);
            let lookup = |arn: &str| managed_policy_from(args.managed_policies.as_deref(), arn);
            compare_with_original(
                &application,
                &roles,
                &originals,
                &lookup,
                // The summary needs the counts; report.md every overlap.
                if args.out.is_some() {
                    Detail::Full
                } else {
                    Detail::Counts
                },
            )
        })
    };
    // The output files and the comparison are independent: on two
    // threads.
    let render = || -> Result<(), CommandError> {
        match format {
            DesignFormat::Cfn => {
                let Some(template) = &template else {
                    return Err(CommandError::CfnForManifest(path.clone()));
                };
                let output = designed_template(template, &application, &all_roles, &policies)
                    .map_err(writing)?;
                files.push(("template.designed.json".to_string(), output.text.clone()));
                designed = Some(output);
            }
            DesignFormat::Json => {
                // IAM JSON files hold concrete values only: say which the
                // design does not have, and how to give each.
                let missing = leash_design::concrete::missing_values(
                    &application.symbols,
                    all_roles
                        .iter()
                        .flat_map(|r| [r.trust_policy.text(), r.permissions_policy.text()])
                        .chain(all_roles.iter().flat_map(|r| {
                            r.lambda_permissions.iter().flat_map(|p| {
                                [
                                    p.function_arn.as_str(),
                                    p.source_arn.as_str(),
                                    p.source_account.as_str(),
                                ]
                            })
                        }))
                        // Managed policies kept as is go into `ManagedPolicyArns`.
                        .chain(all_roles.iter().flat_map(|r| r.kept_managed_arns()))
                        .chain(policies.iter().map(|p| p.policy.text())),
                );
                if !missing.is_empty() {
                    return Err(CommandError::MissingValues {
                        path: path.clone(),
                        missing,
                    });
                }
                for role in roles.iter().chain(&consumers) {
                    files.push((format!("{}.json", role.role_name), role_document(role)));
                }
                for policy in &policies {
                    files.push((
                        format!("{}-{}-policy.json", policy.resource, policy.kind),
                        format!("{}\n", policy.policy),
                    ));
                }
            }
            DesignFormat::Terraform => {
                // A manifest has no template: an empty one has nothing (such as
                // a `PermissionsBoundary`) for the Terraform output to carry over.
                let empty;
                let template = match &template {
                    Some(template) => template,
                    None => {
                        empty = read_template("Resources: {}\n")
                            .map_err(|error| CommandError::Rendered(format!("error: {error}")))?;
                        &empty
                    }
                };
                let output = terraform_design(template, &application, &all_roles, &policies)
                    .map_err(writing)?;
                files.push(("main.tf.json".to_string(), output.text));
                terraform_notes = output.notes;
                terraform_role_notes = output.role_notes;
            }
        }
        Ok(())
    };
    let (rendered, changes) = rayon::join(render, compare);
    rendered?;
    // report.md is rendered only to be written.
    if args.out.is_some() {
        let context = ReportContext {
            designed_template: designed.as_ref(),
            changes: changes.as_deref(),
        };
        let mut report = render_report_with(&application, &all_roles, &context);
        if !terraform_role_notes.is_empty() {
            report.push_str("## Terraform roles\n\n");
            for note in &terraform_role_notes {
                report.push_str(&format!("- {note}\n"));
            }
            report.push('\n');
        }
        if !terraform_notes.is_empty() {
            report.push_str("## Terraform resource policies\n\n");
            for note in &terraform_notes {
                report.push_str(&format!("- {note}\n"));
            }
            report.push('\n');
        }
        report.push_str(&render_resource_policies(&policies));
        // Values known only at deployment, as the template writes them.
        let report = application.symbols.display(&report);
        files.push(("report.md".to_string(), report));
    }
    if let Some(out) = &args.out {
        write_output_set(out, &files)?;
    }

    let mut failed = false;
    // Values known only at deployment, as the template writes them.
    let show = |text: &str| application.symbols.display(text);
    // "2 function(s)", "1 function(s) and 1 state machine(s)", ...: each
    // kind that has a role, in the order of `PrincipalKind`.
    let mut by_kind: std::collections::BTreeMap<leash_design::model::PrincipalKind, usize> =
        std::collections::BTreeMap::new();
    for role in &roles {
        *by_kind.entry(role.kind).or_default() += 1;
    }
    let counts: Vec<String> = by_kind
        .iter()
        .map(|(kind, count)| format!("{count} {}(s)", kind.as_str()))
        .collect();
    let principals = match counts.as_slice() {
        [] => format!("{} function(s)", roles.len()),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    println!(
        "{}: {principals}, one role each (account {}, region {})",
        input.display(),
        show(&application.account),
        show(&application.region)
    );
    let mut kept_as_is = 0;
    for role in &all_roles {
        let passed = role.verification.iter().filter(|c| c.passed).count();
        let total = role.verification.len();
        let verification = if total == 0 {
            "no verification check".to_string()
        } else {
            format!("verification {passed}/{total} passed")
        };
        // The template's IAM, statement by statement (a manifest has none).
        let template_iam = changes
            .as_deref()
            .and_then(|all| all.iter().find(|c| c.function == role.function))
            .map(|change| {
                let counts = change.counts();
                let mut text = format!(
                    "; template IAM: {} kept, {} narrowed, {} superseded, {} kept as is, {} added",
                    counts.kept,
                    counts.narrowed,
                    counts.superseded,
                    counts.kept_as_is,
                    counts.added
                );
                if counts.removed > 0 {
                    text.push_str(&format!(", {} REMOVED", counts.removed));
                }
                if counts.undecided > 0 {
                    text.push_str(&format!(", {} undecided", counts.undecided));
                }
                text
            })
            .unwrap_or_default();
        println!(
            "  {}: {} permission(s), {} API route(s){template_iam}; {verification}; lint {} finding(s)",
            show(&role.role_name),
            role.permissions.len(),
            role.lambda_permissions.len(),
            role.lint_findings.len()
        );
        if !role.kept_as_is.is_empty() {
            kept_as_is += role.kept_as_is.len();
            println!(
                "    WARNING: {} kept as is (leash cannot narrow it; in the role unchanged):",
                role.kept_as_is.len()
            );
            for kept in &role.kept_as_is {
                println!("      {}: {}", kept.origin, show(&kept.reason.describe()));
            }
        }
        for check in role.verification.iter().filter(|c| !c.passed) {
            println!(
                "    FAIL {}: {} on {} was {}",
                check.kind.as_str(),
                check.action,
                show(&check.resource),
                if check.allowed { "allowed" } else { "denied" }
            );
        }
        for finding in &role.lint_findings {
            println!("    lint: {}", show(finding));
        }
        failed |= passed != total || !role.lint_findings.is_empty();
    }
    for policy in &policies {
        let passed = policy.verification.iter().filter(|c| c.passed).count();
        let total = policy.verification.len();
        println!(
            "  {} {} policy: verification {passed}/{total} passed; lint {} finding(s)",
            policy.resource,
            policy.kind,
            policy.lint_findings.len()
        );
        for check in policy.verification.iter().filter(|c| !c.passed) {
            println!(
                "    FAIL {}: {} on {} was {}",
                check.kind.as_str(),
                check.action,
                show(&check.resource),
                check.why
            );
        }
        for finding in &policy.lint_findings {
            println!("    lint: {}", show(finding));
        }
        failed |= passed != total || !policy.lint_findings.is_empty();
    }
    if let Some(out) = &args.out {
        let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
        let listed = if names.len() > 3 {
            format!("{} files", names.len())
        } else {
            names.join(", ")
        };
        println!("wrote {listed} to {}", out.display());
    }
    if args.strict && kept_as_is > 0 {
        println!(
            "--strict: {kept_as_is} grant(s) of the template's IAM kept as is; narrow them in the template or declare the functions' needs"
        );
        failed = true;
    }
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

/// An AWS managed policy's document from `DIR/<PolicyName>.json` (the
/// layout of a managed policy snapshot), when `--managed-policies` is given.
fn managed_policy_from(directory: Option<&Path>, arn: &str) -> Option<leash_policy::Policy> {
    let directory = directory?;
    if !leash_design::original::is_aws_managed(arn) {
        return None;
    }
    let name = managed_policy_name(arn);
    if name.contains(['/', '\\', '.']) {
        return None;
    }
    let text = std::fs::read_to_string(directory.join(format!("{name}.json"))).ok()?;
    let parsed = leash_policy::parse::parse_policy_text(&text);
    if parsed.has_errors() {
        return None;
    }
    parsed.policy
}

/// Writes the output set into a staging directory beside `out`, then moves
/// it in: the whole directory at once when `out` does not exist yet, else
/// file by file with `rename`, so each file is either the old one or the
/// complete new one, never a partial file. Files of an earlier run that
/// this run does not write are left as they are.
fn write_output_set(out: &Path, files: &[(String, String)]) -> Result<(), CommandError> {
    let cannot = |path: &Path, error: std::io::Error| CommandError::Output {
        path: path.display().to_string(),
        source: error,
    };
    if out.exists() && !out.is_dir() {
        return Err(CommandError::OutNotADirectory(out.display().to_string()));
    }
    let parent = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    std::fs::create_dir_all(&parent).map_err(|error| cannot(&parent, error))?;
    let out_name = out
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".to_string());
    let staging = parent.join(format!(".{out_name}.leash-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&staging);
    let result = stage_and_move(out, &staging, files, &cannot);
    let _ = std::fs::remove_dir_all(&staging);
    result
}

fn stage_and_move(
    out: &Path,
    staging: &Path,
    files: &[(String, String)],
    cannot: &dyn Fn(&Path, std::io::Error) -> CommandError,
) -> Result<(), CommandError> {
    std::fs::create_dir(staging).map_err(|error| cannot(staging, error))?;
    for (name, text) in files {
        let path = staging.join(name);
        std::fs::write(&path, text).map_err(|error| cannot(&path, error))?;
    }
    if !out.exists() {
        return std::fs::rename(staging, out).map_err(|error| cannot(out, error));
    }
    for (name, _) in files {
        let destination = out.join(name);
        std::fs::rename(staging.join(name), &destination)
            .map_err(|error| cannot(&destination, error))?;
    }
    Ok(())
}
