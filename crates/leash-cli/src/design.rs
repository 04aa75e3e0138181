//! `leash design`: reads a template, designs one role per function with
//! `leash-design`, writes the role files and report.md atomically, and
//! prints a summary. The designing and verifying live in `leash-design`.
//!
//! Exit codes: 0 when every design verifies and lints clean, 1 when a
//! verification check fails or the linter reports a finding, 2 on usage
//! errors and unreadable input.

use std::path::Path;

use leash_design::report::{cloudformation_fragment, render_report, role_document};
use leash_design::{Target, design, read_application, read_template};

use crate::args::{DesignArgs, DesignFormat};
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;

pub fn run(args: &DesignArgs) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            exit::ERROR
        }
    }
}

fn run_inner(args: &DesignArgs) -> Result<u8, String> {
    if args.format == DesignFormat::Terraform {
        return Err("error: `--format terraform` is not implemented yet; use `--format json` or `--format cfn` (see docs/design.md)".to_string());
    }
    let input = &args.input;
    let text = std::fs::read_to_string(input)
        .map_err(|error| format!("error: cannot read `{}`: {error}", input.display()))?;
    let template = read_template(&text).map_err(|error| {
        let source = SourceFile::new(input.display().to_string(), text.clone());
        render_error(
            &source,
            error.span,
            &format!("not a template: {}", error.message),
        )
    })?;
    let target = Target {
        account: args.account.clone(),
        region: args.region.clone(),
    };
    let application = read_application(&template, &target).map_err(|error| match error.span {
        Some(span) => {
            let source = SourceFile::new(input.display().to_string(), text.clone());
            render_error(&source, span, &error.message)
        }
        None => format!("error: {}: {error}", input.display()),
    })?;
    if application.functions.is_empty() {
        return Err(format!(
            "error: `{}` has no Lambda function to design a role for",
            input.display()
        ));
    }
    let roles =
        design(&application).map_err(|error| format!("error: {}: {error}", input.display()))?;

    if let Some(out) = &args.out {
        std::fs::create_dir_all(out)
            .map_err(|error| format!("error: cannot create `{}`: {error}", out.display()))?;
        if args.format == DesignFormat::Cfn {
            let fragment = cloudformation_fragment(&application, &roles)
                .map_err(|error| format!("error: {}: {error}", input.display()))?;
            write_atomically(&out.join("roles.cfn.json"), &fragment)?;
        } else {
            for role in &roles {
                write_atomically(
                    &out.join(format!("{}.json", role.role_name)),
                    &role_document(role),
                )?;
            }
        }
        write_atomically(&out.join("report.md"), &render_report(&application, &roles))?;
    }

    let mut failed = false;
    println!(
        "{}: {} function(s), one role each (account {}, region {})",
        input.display(),
        roles.len(),
        application.account,
        application.region
    );
    for role in &roles {
        let passed = role.verification.iter().filter(|c| c.passed).count();
        let total = role.verification.len();
        println!(
            "  {}: {} permission(s), {} API route(s); verification {passed}/{total} passed; lint {} finding(s)",
            role.role_name,
            role.permissions.len(),
            role.lambda_permissions.len(),
            role.lint_findings.len()
        );
        for check in role.verification.iter().filter(|c| !c.passed) {
            println!(
                "    FAIL {}: {} on {} was {}",
                check.kind.as_str(),
                check.action,
                check.resource,
                if check.allowed { "allowed" } else { "denied" }
            );
        }
        for finding in &role.lint_findings {
            println!("    lint: {finding}");
        }
        failed |= passed != total || !role.lint_findings.is_empty();
    }
    if let Some(out) = &args.out {
        let files = if args.format == DesignFormat::Cfn {
            "roles.cfn.json".to_string()
        } else {
            format!("{} role file(s)", roles.len())
        };
        println!("wrote {files} and report.md to {}", out.display());
    }
    Ok(if failed { exit::FINDINGS } else { exit::OK })
}

/// Writes next to the destination, then renames, so a reader never sees
/// half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_string());
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, text)
        .map_err(|error| format!("error: cannot write `{}`: {error}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("error: cannot write `{}`: {error}", path.display())
    })
}
