//! `leash needs TEMPLATE`: what each function's code calls (leash-code).

use std::io::Write;
use std::path::Path;

use leash_code::{FunctionNeeds, template_needs};
use leash_iac::read_template;

use crate::args::NeedsArgs;
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;

pub fn run(args: &NeedsArgs) -> u8 {
    // One template: its calls, as before. Several (one process over a
    // corpus): each template's, the JSON calls naming their template; a
    // template that cannot be read is an error on standard error and the
    // others are still read.
    let several = args.templates.len() > 1;
    let mut failed = false;
    let mut read: Vec<(String, Vec<FunctionNeeds>)> = Vec::new();
    for path in &args.templates {
        match needs(path) {
            Ok(functions) => read.push((path.display().to_string(), functions)),
            Err(message) => {
                eprintln!("{message}");
                failed = true;
            }
        }
    }
    let written = if args.json {
        write_json(&read, several)
    } else {
        read.iter().try_for_each(|(path, functions)| {
            if several {
                let mut out = std::io::stdout().lock();
                writeln!(out, "== {path}")?;
            }
            write(functions)
        })
    };
    match written {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(err) => {
            eprintln!("error: cannot write output: {err}");
            return exit::ERROR;
        }
    }
    if failed { exit::ERROR } else { exit::OK }
}

/// One JSON array of every call; with several templates each call names
/// its template.
fn write_json(read: &[(String, Vec<FunctionNeeds>)], several: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if !several {
        // One template: the calls as leash-code writes them, in its order.
        let needs: Vec<&leash_code::Need> = read
            .iter()
            .flat_map(|(_, functions)| functions)
            .flat_map(|f| &f.needs)
            .collect();
        serde_json::to_writer_pretty(&mut out, &needs).map_err(std::io::Error::from)?;
        return writeln!(out);
    }
    let mut calls = Vec::new();
    for (path, functions) in read {
        for need in functions.iter().flat_map(|f| &f.needs) {
            let mut value = serde_json::to_value(need).map_err(std::io::Error::from)?;
            if let Some(object) = value.as_object_mut() {
                object.insert("template".to_string(), serde_json::json!(path));
            }
            calls.push(value);
        }
    }
    serde_json::to_writer_pretty(&mut out, &calls).map_err(std::io::Error::from)?;
    writeln!(out)
}

/// Reads the template and the code of its functions.
pub fn needs(path: &Path) -> Result<Vec<FunctionNeeds>, String> {
    let source = SourceFile::read(path)?;
    let mut template = read_template(&source.text).map_err(|error| {
        render_error(
            &source,
            error.span,
            &format!("not a template: {}", error.message),
        )
    })?;
    if template.source.is_none() {
        template.source = Some(source.text.as_str().into());
    }
    let functions = template_needs(&template, path);
    if functions.is_empty() {
        return Err(format!(
            "error: `{}` has no Lambda function (`AWS::Serverless::Function` or `AWS::Lambda::Function`)",
            path.display()
        ));
    }
    Ok(functions)
}

/// A table per function.
fn write(functions: &[FunctionNeeds]) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    for function in functions {
        let state = if function.complete() {
            "every call resolved"
        } else if function.needs.iter().any(|n| n.resolved) {
            "partly resolved"
        } else {
            "not resolved"
        };
        writeln!(out, "{} ({state})", function.function)?;
        if !function.files.is_empty() {
            writeln!(out, "  code: {}", function.files.join(", "))?;
        }
        for gap in &function.gaps {
            match &gap.site {
                Some(site) => writeln!(
                    out,
                    "  ! {}:{}:{}: {}",
                    site.file, site.line, site.column, gap.reason
                )?,
                None => writeln!(out, "  ! {}", gap.reason)?,
            }
        }
        if function.needs.is_empty() && function.gaps.is_empty() {
            writeln!(out, "  no AWS SDK call found")?;
        }
        for need in &function.needs {
            let resource = match (&need.resource, &need.reason) {
                (Some(arn), _) => arn.clone(),
                (None, Some(reason)) if need.resolved => format!("* ({reason})"),
                (None, Some(reason)) => format!("unresolved: {reason}"),
                (None, None) => "unresolved".to_string(),
            };
            let credentials = if need.own_credentials {
                "  (own credentials: not the function's role)"
            } else {
                ""
            };
            writeln!(
                out,
                "  {}:{}:{}  {}  {}  {}{credentials}",
                need.file,
                need.line,
                need.column,
                need.call,
                if need.actions.is_empty() {
                    "-".to_string()
                } else {
                    need.actions.join(",")
                },
                resource
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}
