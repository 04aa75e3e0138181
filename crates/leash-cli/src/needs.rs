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
    match needs(&args.template) {
        Ok(functions) => match write(&functions, args.json) {
            Ok(()) => exit::OK,
            Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
            Err(err) => {
                eprintln!("error: cannot write output: {err}");
                exit::ERROR
            }
        },
        Err(message) => {
            eprintln!("{message}");
            exit::ERROR
        }
    }
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

fn write(functions: &[FunctionNeeds], json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let needs: Vec<&leash_code::Need> = functions.iter().flat_map(|f| &f.needs).collect();
        serde_json::to_writer_pretty(&mut out, &needs).map_err(std::io::Error::from)?;
        return writeln!(out);
    }
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
