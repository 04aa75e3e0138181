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
    /// What the file was read as (`None`: leash's own configuration).
    pub kind: Option<leash_lint::DocumentKind>,
}

impl FileReport {
    /// The kind the JSON format names on each finding.
    pub fn kind_name(&self) -> &'static str {
        self.kind
            .map_or("leash-configuration", leash_lint::DocumentKind::as_str)
    }
}

/// A SARIF 2.1.0 log written as its results come, file by file: the
/// driver and its rules first, then each result, so that a run over many
/// files holds one file's results at a time, not the whole log. The
/// document is [`sarif_document`]'s, with the results array last.
pub struct SarifStream {
    results: usize,
}

impl SarifStream {
    pub fn start(out: &mut impl Write) -> std::io::Result<SarifStream> {
        let mut head = sarif_document(Vec::new());
        let run = head["runs"][0].take();
        out.write_all(b"{\n  \"$schema\": ")?;
        serde_json::to_writer(&mut *out, &head["$schema"])?;
        out.write_all(b",\n  \"version\": \"2.1.0\",\n  \"runs\": [\n    {\n      \"tool\": ")?;
        serde_json::to_writer(&mut *out, &run["tool"])?;
        out.write_all(b",\n      \"columnKind\": ")?;
        serde_json::to_writer(&mut *out, &run["columnKind"])?;
        out.write_all(b",\n      \"results\": [")?;
        Ok(SarifStream { results: 0 })
    }

    pub fn result(&mut self, out: &mut impl Write, result: &Value) -> std::io::Result<()> {
        out.write_all(if self.results == 0 {
            b"\n        "
        } else {
            b",\n        "
        })?;
        serde_json::to_writer(&mut *out, result)?;
        self.results += 1;
        Ok(())
    }

    pub fn finish(self, out: &mut impl Write) -> std::io::Result<()> {
        out.write_all(b"\n      ]\n    }\n  ]\n}\n")
    }
}

/// Every report's findings as one SARIF 2.1.0 document (the other formats
/// are written file by file: [`render_file`], [`write_rendered`]).
pub fn write_sarif(out: &mut impl Write, reports: &[FileReport]) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(reports))?;
    writeln!(out)
}

/// What the text format's last line counts, summed file by file.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tally {
    pub files: usize,
    /// Unsuppressed findings by severity (`Severity as usize`).
    pub counts: [usize; 3],
    pub suppressed: usize,
}

impl Tally {
    /// Counts one file and its findings.
    pub fn add(&mut self, diagnostics: &[Diagnostic]) {
        self.files += 1;
        for d in diagnostics {
            if d.suppressed.is_some() {
                self.suppressed += 1;
            } else {
                self.counts[d.severity as usize] += 1;
            }
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        self.files += other.files;
        for (total, count) in self.counts.iter_mut().zip(other.counts) {
            *total += count;
        }
        self.suppressed += other.suppressed;
    }
}

/// The renderer of the text format's snippets: styled on a terminal
/// unless `NO_COLOR` is set.
pub fn text_renderer() -> Renderer {
    if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
}

/// One file's part of the output, for every format but SARIF (one
/// document, see [`sarif_log`]): its unsuppressed findings, rendered. In
/// JSON these are the array's elements, each pretty-printed and indented
/// one level as `serde_json` prints an array's elements, joined by `,`
/// and without the brackets (JSON strings hold no raw line breaks, so
/// every line break is structure). A file can be rendered as soon as it is
/// linted and its text dropped, which keeps a large run's memory small.
pub fn render_file(
    format: Format,
    renderer: &Renderer,
    report: &FileReport,
) -> std::io::Result<Vec<u8>> {
    let mut chunk = Vec::new();
    let findings = report.diagnostics.iter().filter(|d| d.suppressed.is_none());
    match format {
        Format::Json => {
            for d in findings {
                if !chunk.is_empty() {
                    chunk.extend_from_slice(b",\n");
                }
                write_finding_json(&mut chunk, &report.source, report.kind_name(), d)?;
            }
        }
        Format::Text => {
            for d in findings {
                chunk.extend_from_slice(render_one(renderer, &report.source, d).as_bytes());
                chunk.extend_from_slice(b"\n\n");
            }
        }
        Format::Github => write_github_report(&mut chunk, report)?,
        Format::Sarif => {
            return Err(std::io::Error::other(
                "SARIF is one document; it is not rendered file by file",
            ));
        }
    }
    Ok(chunk)
}

/// Joins the files' parts ([`render_file`], in file order) into the whole
/// output of `format`: the JSON array's brackets and separators, the text
/// format's last line from `tally`.
pub fn write_rendered(
    out: &mut impl Write,
    format: Format,
    chunks: impl IntoIterator<Item = Vec<u8>>,
    tally: &Tally,
) -> std::io::Result<()> {
    match format {
        Format::Json => {
            let mut empty = true;
            for chunk in chunks {
                if chunk.is_empty() {
                    continue;
                }
                out.write_all(if empty { b"[\n" } else { b",\n" })?;
                out.write_all(&chunk)?;
                empty = false;
            }
            out.write_all(if empty { b"[]\n" } else { b"\n]\n" })
        }
        Format::Text => {
            for chunk in chunks {
                out.write_all(&chunk)?;
            }
            write_text_summary(out, tally)
        }
        Format::Github | Format::Sarif => {
            for chunk in chunks {
                out.write_all(&chunk)?;
            }
            Ok(())
        }
    }
}

/// Writes [`finding_json`]'s value as `serde_json` pretty-prints it one
/// level deep (keys in its sorted order, two-space indents), without
/// building the value first: on a large corpus the findings' JSON values
/// cost more than the writing. A test keeps the two byte-identical.
fn write_finding_json(
    out: &mut Vec<u8>,
    source: &SourceFile,
    kind: &str,
    d: &Diagnostic,
) -> Result<(), serde_json::Error> {
    let (line, column) = source.line_col(d.span.start);
    let (end_line, end_column) = source.line_col(d.span.end);
    out.extend_from_slice(b"  {\n    \"code\": ");
    write_json_string(out, d.code)?;
    write_json_number(out, "column", column, 4);
    write_json_number(out, "end_column", end_column, 4);
    write_json_number(out, "end_line", end_line, 4);
    if let Some(fix) = &d.fix {
        out.extend_from_slice(b",\n    \"fix\": {\n      \"applicability\": ");
        write_json_string(out, fix.applicability.as_str())?;
        out.extend_from_slice(b",\n      \"edits\": [");
        for (index, edit) in fix.edits.iter().enumerate() {
            let (line, column) = source.line_col(edit.span.start);
            let (end_line, end_column) = source.line_col(edit.span.end);
            out.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
            out.extend_from_slice(b"        {\n          \"column\": ");
            write_number(out, column);
            write_json_number(out, "end_column", end_column, 10);
            write_json_number(out, "end_line", end_line, 10);
            write_json_number(out, "line", line, 10);
            out.extend_from_slice(b",\n          \"replacement\": ");
            write_json_string(out, &edit.replacement)?;
            out.extend_from_slice(b"\n        }");
        }
        if !fix.edits.is_empty() {
            out.extend_from_slice(b"\n      ");
        }
        out.extend_from_slice(b"],\n      \"message\": ");
        write_json_string(out, &fix.message)?;
        out.extend_from_slice(b"\n    }");
    }
    if let Some(help) = &d.help {
        out.extend_from_slice(b",\n    \"help\": ");
        write_json_string(out, help)?;
    }
    out.extend_from_slice(b",\n    \"kind\": ");
    write_json_string(out, kind)?;
    write_json_number(out, "line", line, 4);
    out.extend_from_slice(b",\n    \"message\": ");
    write_json_string(out, &d.message)?;
    out.extend_from_slice(b",\n    \"path\": ");
    write_json_string(out, &source.path)?;
    if !d.related.is_empty() {
        out.extend_from_slice(b",\n    \"related\": [");
        for (index, related) in d.related.iter().enumerate() {
            out.extend_from_slice(if index == 0 { b"\n" } else { b",\n" });
            out.extend_from_slice(b"      {\n        \"column\": ");
            write_number(out, related.column);
            write_json_number(out, "line", related.line, 8);
            out.extend_from_slice(b",\n        \"message\": ");
            write_json_string(out, &related.message)?;
            out.extend_from_slice(b",\n        \"path\": ");
            write_json_string(out, &related.path)?;
            out.extend_from_slice(b"\n      }");
        }
        out.extend_from_slice(b"\n    ]");
    }
    if let Some(resource) = &d.resource {
        out.extend_from_slice(b",\n    \"resource\": ");
        write_json_string(out, resource)?;
    }
    out.extend_from_slice(b",\n    \"rule\": ");
    write_json_string(out, d.rule)?;
    out.extend_from_slice(b",\n    \"severity\": ");
    write_json_string(out, d.severity.as_str())?;
    out.extend_from_slice(b"\n  }");
    Ok(())
}

/// A JSON string with `serde_json`'s escaping.
fn write_json_string(out: &mut Vec<u8>, text: &str) -> Result<(), serde_json::Error> {
    serde_json::to_writer(&mut *out, text)
}

/// `,` then a line `"key": number` indented by `indent` spaces.
fn write_json_number(out: &mut Vec<u8>, key: &str, number: usize, indent: usize) {
    out.extend_from_slice(b",\n");
    out.resize(out.len() + indent, b' ');
    out.push(b'"');
    out.extend_from_slice(key.as_bytes());
    out.extend_from_slice(b"\": ");
    write_number(out, number);
}

fn write_number(out: &mut Vec<u8>, number: usize) {
    // Writing into a Vec cannot fail.
    let _ = write!(out, "{number}");
}

/// The JSON form of a finding (the contract in ARCHITECTURE.md: at least
/// `code`, `severity`, `message`, `path`, `line`, `column`, 1-based), and
/// the kind of document the file was read as.
#[cfg(test)]
pub fn finding_json(source: &SourceFile, kind: &str, d: &Diagnostic) -> Value {
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
        "kind": kind,
    });
    if let Some(help) = &d.help {
        finding["help"] = json!(help);
    }
    if let Some(resource) = &d.resource {
        finding["resource"] = json!(resource);
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .map(|r| json!({"path": r.path, "line": r.line, "column": r.column, "message": r.message}))
            .collect();
        finding["related"] = json!(related);
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

/// The text format's last line: files checked and findings by severity.
fn write_text_summary(out: &mut impl Write, tally: &Tally) -> std::io::Result<()> {
    let [info, warning, error] = tally.counts;
    let suppressed = tally.suppressed;
    writeln!(
        out,
        "{} file{} checked: {error} error{}, {warning} warning{}, {info} info{}",
        tally.files,
        plural(tally.files),
        plural(error),
        plural(warning),
        if suppressed > 0 {
            format!(" ({suppressed} suppressed, each with a reason)")
        } else {
            String::new()
        },
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
    // Spans fall on character boundaries (the text is decoded once, and
    // readers make spans from it); should one not, it is narrowed to
    // whole characters here rather than fail to render.
    let floor = |offset: usize| {
        let mut offset = offset.min(window.len());
        while !window.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = floor(d.span.start.saturating_sub(window_start));
    let end = floor(d.span.end.saturating_sub(window_start)).max(start);
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
    let related: Vec<String> = d
        .related
        .iter()
        .map(|r| format!("{}: {}:{}:{}", r.message, r.path, r.line, r.column))
        .collect();
    for related in &related {
        message = message.footer(Level::Note.title(related));
    }
    if let Some(help) = &d.help {
        message = message.footer(Level::Help.title(help));
    }
    if let Some(fix_title) = &fix_title {
        message = message.footer(Level::Note.title(fix_title));
    }
    // The snippet renderer is another crate's code: should it fail, the
    // finding is still printed, without its snippet (and the run exits 2).
    crate::panic_guard::isolate(|| renderer.render(message).to_string()).unwrap_or_else(|_| {
        let (line, column) = source.line_col(d.span.start);
        format!(
            "{}[{}]: {title}\n --> {}:{line}:{column}",
            d.severity.as_str(),
            d.code,
            source.path
        )
    })
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
        sid: None,
        resource: None,
        suppressed: None,
        related: Vec::new(),
    };
    render_one(&renderer, source, &diagnostic)
}

/// A SARIF 2.1.0 log: one run, every rule of leash in the driver (stable
/// ids: the codes), one result per finding with its region, and a
/// `partialFingerprints` entry that survives edits elsewhere in the file
/// (it hashes the rule, the path and the text the finding points at, not
/// its line number).
/// <https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html>
pub fn sarif_log(reports: &[FileReport]) -> Value {
    let per_report = crate::parallel::map_in_order(reports, sarif_results);
    sarif_document(per_report.into_iter().flatten().collect())
}

/// One report's SARIF results (see [`sarif_log`]): a run over many files
/// renders each file's results as soon as it is read and keeps only these.
pub fn sarif_results(report: &FileReport) -> Vec<Value> {
    let mut results = Vec::new();
    for d in &report.diagnostics {
        let (line, column) = report.source.line_col(d.span.start);
        let (end_line, end_column) = report.source.line_col(d.span.end);
        let snippet = report
            .source
            .text
            .get(d.span.start..d.span.end)
            .unwrap_or("");
        let mut result = json!({
            "ruleId": d.code,
            "level": sarif_level(d.severity),
            "message": {"text": d.message},
            "locations": [{
                "physicalLocation": {
                    "artifactLocation": {"uri": sarif_uri(&report.source.path)},
                    "region": {
                        "startLine": line,
                        "startColumn": column,
                        "endLine": end_line,
                        "endColumn": end_column.max(if end_line == line { column + 1 } else { 1 }),
                    },
                },
            }],
            "partialFingerprints": {
                "leashFinding/v1": fingerprint(&[d.code, &report.source.path, snippet.trim(), &d.message]),
            },
        });
        if let Some(index) = leash_lint::all_rules().position(|r| r.code == d.code) {
            result["ruleIndex"] = json!(index);
        }
        if !d.related.is_empty() {
            let related: Vec<Value> = d
                .related
                .iter()
                .enumerate()
                .map(|(id, r)| {
                    json!({
                        "id": id + 1,
                        "message": {"text": r.message},
                        "physicalLocation": {
                            "artifactLocation": {"uri": sarif_uri(&r.path)},
                            "region": {"startLine": r.line, "startColumn": r.column},
                        },
                    })
                })
                .collect();
            result["relatedLocations"] = json!(related);
        }
        if let Some(suppression) = &d.suppressed {
            result["suppressions"] = json!([{
                "kind": suppression.kind.as_sarif(),
                "justification": suppression.reason,
            }]);
        }
        results.push(result);
    }
    results
}

/// The SARIF 2.1.0 log around `results`, with every rule of leash in the
/// driver.
pub fn sarif_document(results: Vec<Value>) -> Value {
    let rule_entries: Vec<Value> = leash_lint::all_rules()
        .map(|rule| {
            json!({
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "defaultConfiguration": {"level": sarif_level(rule.severity)},
                "properties": {
                    "security-severity": security_severity(rule.severity),
                    "tags": ["security", "iam"],
                },
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "leash",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_entries,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn sarif_level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// GitHub code scanning reads `security-severity` (0.0 to 10.0) to rank
/// security findings: high for errors, medium for warnings, low for info.
fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// A relative URI for a path as the user gave it: forward slashes, and
/// characters outside URI syntax percent-encoded.
fn sarif_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    let mut uri = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~:@!$&'()*+,;=".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri
}

/// FNV-1a over the parts, as 16 hex digits: stable across runs and machines.
fn fingerprint(parts: &[&str]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

/// One file's GitHub Actions workflow commands: a `::error file=...::message`
/// line per finding, properties and messages escaped as GitHub documents.
fn write_github_report(out: &mut impl Write, report: &FileReport) -> std::io::Result<()> {
    for d in report.diagnostics.iter().filter(|d| d.suppressed.is_none()) {
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use leash_lint::{Applicability, Edit, Fix, rule_by_code};
    use leash_policy::Span;

    /// What the JSON format wrote before findings were written directly: the
    /// value pretty-printed, every line indented one level.
    fn through_value(source: &SourceFile, d: &Diagnostic) -> Vec<u8> {
        let mut expected = b"  ".to_vec();
        for byte in serde_json::to_vec_pretty(&finding_json(source, "identity-policy", d)).unwrap()
        {
            expected.push(byte);
            if byte == b'\n' {
                expected.extend_from_slice(b"  ");
            }
        }
        expected
    }

    #[test]
    fn findings_written_directly_match_their_json_value() {
        let source = SourceFile::new(
            "dir/\"quoted\"\\policy.json".to_string(),
            "{\n  \"Statement\": [\n    {\"Action\": \"s3:GetObjekt\"}\n  ]\n}\n".to_string(),
        );
        let rule = rule_by_code("L102").unwrap();
        let plain = Diagnostic::new(
            rule,
            "tab\there, \"quotes\", \u{1} and é",
            Span::new(30, 45),
        );
        let with_help = plain.clone().with_help("line\nbreak");
        let fix = |edits: Vec<Edit>| Fix {
            message: "replace `s3:GetObjekt`".to_string(),
            applicability: Applicability::Unsafe,
            edits,
        };
        let edit = |start, end, replacement: &str| Edit {
            span: Span::new(start, end),
            replacement: replacement.to_string(),
        };
        let cases = [
            plain.clone(),
            with_help.clone(),
            with_help
                .clone()
                .with_fix(fix(vec![edit(31, 43, "s3:GetObject")])),
            plain
                .clone()
                .with_fix(fix(vec![edit(0, 1, ""), edit(50, 52, "\\")])),
            plain.with_fix(fix(Vec::new())),
        ];
        for d in &cases {
            let mut direct = Vec::new();
            write_finding_json(&mut direct, &source, "identity-policy", d).unwrap();
            assert_eq!(
                String::from_utf8(direct).unwrap(),
                String::from_utf8(through_value(&source, d)).unwrap()
            );
        }
    }
}
