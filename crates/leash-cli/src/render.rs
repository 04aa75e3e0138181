//! Findings as text (with source snippets), JSON, or GitHub annotations.

use crate::args::Format;
use crate::source::SourceFile;
use annotate_snippets::{Level, Renderer, Snippet};
use leash_lint::{Diagnostic, Severity};
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};

/// One file's findings, with its text for positions and snippets.
pub struct FileReport {
    pub source: SourceFile,
    pub diagnostics: Vec<Diagnostic>,
}

pub fn write_reports(
    out: &mut impl Write,
    format: Format,
    reports: &[FileReport],
) -> std::io::Result<()> {
    match format {
        Format::Text => write_text(out, reports),
        Format::Json => {
            let findings: Vec<Value> = reports
                .iter()
                .flat_map(|r| {
                    r.diagnostics
                        .iter()
                        .map(move |d| finding_json(&r.source, d))
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &findings)?;
            writeln!(out)
        }
        Format::Github => write_github(out, reports),
    }
}

/// The JSON form of a finding (the contract in ARCHITECTURE.md: at least
/// `code`, `severity`, `message`, `path`, `line`, `column`, 1-based).
pub fn finding_json(source: &SourceFile, d: &Diagnostic) -> Value {
    let (line, column) = source.line_col(d.span.start);
    let (end_line, end_column) = source.line_col(d.span.end);
    let mut finding = json!({
        "code": d.code,
        "rule": d.rule,
        "severity": d.severity.as_str(),
        "message": d.message,
        "path": source.path,
        "line": line,
        "column": column,
        "end_line": end_line,
        "end_column": end_column,
    });
    if let Some(help) = &d.help {
        finding["help"] = json!(help);
    }
    if let Some(fix) = &d.fix {
        let edits: Vec<Value> = fix
            .edits
            .iter()
            .map(|e| {
                let (line, column) = source.line_col(e.span.start);
                let (end_line, end_column) = source.line_col(e.span.end);
                json!({"line": line, "column": column, "end_line": end_line,
                       "end_column": end_column, "replacement": e.replacement})
            })
            .collect();
        finding["fix"] = json!({
            "message": fix.message,
            "applicability": fix.applicability.as_str(),
            "edits": edits,
        });
    }
    finding
}

fn write_text(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    let styled = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let mut counts = [0usize; 3];
    for report in reports {
        for d in &report.diagnostics {
            counts[d.severity as usize] += 1;
            writeln!(out, "{}\n", render_one(&renderer, &report.source, d))?;
        }
    }
    let [info, warning, error] = counts;
    writeln!(
        out,
        "{} file{} checked: {error} error{}, {warning} warning{}, {info} info",
        reports.len(),
        plural(reports.len()),
        plural(error),
        plural(warning),
    )
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn level(severity: Severity) -> Level {
    match severity {
        Severity::Error => Level::Error,
        Severity::Warning => Level::Warning,
        Severity::Info => Level::Info,
    }
}

/// Renders one finding with the lines it covers (at most a few), so that a
/// finding in a 50 MB file costs no more than one in a small file.
fn render_one(renderer: &Renderer, source: &SourceFile, d: &Diagnostic) -> String {
    const MAX_LINES: usize = 6;
    let span =
        leash_policy::Span::new(source.displayed(d.span.start), source.displayed(d.span.end));
    let (start_line, _) = source.line_col(span.start);
    let (end_line, _) = source.line_col(span.end);
    let last_line = end_line.min(start_line + MAX_LINES - 1);
    let window_start = source.line_range(start_line).map(|r| r.start).unwrap_or(0);
    let window_end = source
        .line_range(last_line)
        .map(|r| r.end)
        .unwrap_or(source.text.len())
        .max(window_start);
    let window = source.text.get(window_start..window_end).unwrap_or("");
    let start = d.span.start.saturating_sub(window_start).min(window.len());
    let end = d
        .span
        .end
        .saturating_sub(window_start)
        .clamp(start, window.len());
    let title = if d.rule.is_empty() {
        d.message.clone()
    } else {
        format!("{} ({})", d.message, d.rule)
    };
    let label = d.label.as_deref().unwrap_or("");
    let mut message = level(d.severity).title(&title);
    if !d.code.is_empty() {
        message = message.id(d.code);
    }
    message = message.snippet(
        Snippet::source(window)
            .line_start(start_line)
            .origin(&source.path)
            .annotation(level(d.severity).span(start..end).label(label)),
    );
    let fix_title = d
        .fix
        .as_ref()
        .map(|f| format!("fix ({}): {}", f.applicability.as_str(), f.message));
    if let Some(help) = &d.help {
        message = message.footer(Level::Help.title(help));
    }
    if let Some(fix_title) = &fix_title {
        message = message.footer(Level::Note.title(fix_title));
    }
    renderer.render(message).to_string()
}

/// An error in an input file (a request, a template) with its snippet,
/// for standard error.
pub fn render_error(source: &SourceFile, span: leash_policy::Span, message: &str) -> String {
    let styled = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let renderer = if styled {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let diagnostic = Diagnostic {
        code: "",
        rule: "",
        severity: Severity::Error,
        message: message.to_string(),
        span,
        label: None,
        help: None,
        fix: None,
    };
    render_one(&renderer, source, &diagnostic)
}

/// GitHub Actions workflow commands: one `::error file=...::message` line
/// per finding. Properties and messages are escaped as GitHub documents.
fn write_github(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    for report in reports {
        for d in &report.diagnostics {
            let (line, column) = report.source.line_col(d.span.start);
            let (end_line, end_column) = report.source.line_col(d.span.end);
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            writeln!(
                out,
                "::{command} file={},line={line},col={column},endLine={end_line},endColumn={end_column},title={}::{}",
                escape_property(&report.source.path),
                escape_property(&format!("{} {}", d.code, d.rule)),
                escape_data(&d.message),
            )?;
        }
    }
    Ok(())
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}
