//! `leash check`: lint policy files and folders.

use crate::args::{CheckArgs, FailOn, Format};
use crate::exit;
use crate::render::{self, FileReport, Tally};
use crate::source::SourceFile;
use leash_lint::Severity;
use std::path::{Path, PathBuf};

pub fn run(args: &CheckArgs) -> u8 {
    let mut unreadable = false;
    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(message) = collect(path, &mut files) {
            eprintln!("error: {message}");
            unreadable = true;
        }
    }
    // Read before any file is linted: a bad configuration is an error
    // whatever the files hold, and suppressions are applied file by file.
    let (config, config_report) = match load_config(args.config.as_deref()) {
        // The configuration is reported on only when it has findings.
        Ok(Some((config, report))) => (
            Some(config),
            (!report.diagnostics.is_empty()).then_some(report),
        ),
        Ok(None) => (None, None),
        Err(message) => {
            eprintln!("{message}");
            return exit::ERROR;
        }
    };
    let kind = args.kind.map(|k| k.lint_kind());
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let fails = |report: &FileReport| {
        threshold.is_some_and(|threshold| {
            report
                .diagnostics
                .iter()
                .any(|d| d.suppressed.is_none() && d.severity >= threshold)
        })
    };
    let lint_one = |path: &PathBuf| {
        let bytes = std::fs::read(path)?;
        let mut report = lint_bytes(path.display().to_string(), bytes, kind);
        if let Some(config) = &config {
            config.apply(&report.source.path, &mut report.diagnostics);
        }
        Ok::<_, std::io::Error>(report)
    };

    // One lock and large writes: the standard output is line-buffered, and
    // pretty JSON has a line per field.
    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut failed = false;
    let written = if args.format == Format::Sarif {
        // One document over every file's findings.
        let mut reports = Vec::with_capacity(files.len());
        for (path, result) in files.iter().zip(each_file(&files, lint_one)) {
            match result {
                Ok(report) => reports.push(report),
                Err(err) => {
                    eprintln!("error: cannot read `{}`: {err}", path.display());
                    unreadable = true;
                }
            }
        }
        reports.extend(config_report);
        failed = reports.iter().any(fails);
        render::write_sarif(&mut stdout, &reports)
    } else {
        // Each file rendered on the thread that linted it and its text
        // dropped there: only the output is kept until it is written.
        let renderer = render::text_renderer();
        let render_one = |report: &FileReport| {
            let mut tally = Tally::default();
            tally.add(&report.diagnostics);
            render::render_file(args.format, &renderer, report)
                .map(|chunk| (chunk, tally, fails(report)))
        };
        // The outer error is the file's (unreadable), the inner one the output's.
        let results = each_file(&files, |path| lint_one(path).map(|r| render_one(&r)));
        let mut parts = Vec::with_capacity(results.len() + 1);
        for (path, result) in files.iter().zip(results) {
            match result {
                Ok(part) => parts.push(part),
                Err(err) => {
                    eprintln!("error: cannot read `{}`: {err}", path.display());
                    unreadable = true;
                }
            }
        }
        parts.extend(config_report.as_ref().map(render_one));
        parts
            .into_iter()
            .collect::<std::io::Result<Vec<_>>>()
            .and_then(|parts| {
                let mut tally = Tally::default();
                let mut chunks = Vec::with_capacity(parts.len());
                for (chunk, file_tally, file_fails) in parts {
                    chunks.push(chunk);
                    tally.merge(&file_tally);
                    failed |= file_fails;
                }
                render::write_rendered(&mut stdout, args.format, chunks, &tally)
            })
    };
    let written = written.and_then(|()| std::io::Write::flush(&mut stdout));
    if let Err(err) = written {
        // A closed pipe (`leash check . | head`) is not an error worth a message.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {err}");
            return exit::ERROR;
        }
    }
    if unreadable || crate::panic_guard::caught_any() {
        return exit::ERROR;
    }
    if failed { exit::FINDINGS } else { exit::OK }
}

/// Files named on the command line are read whatever their extension;
/// folders are searched recursively for `*.json`, `*.yaml`, `*.yml` and
/// `*.template`, in a stable order.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata = std::fs::metadata(path)
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    if !metadata.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    // The entry's type comes with the listing on most file systems, so a
    // folder of 1,641 files costs no `stat` per file; a symbolic link is
    // followed, as `Path::is_dir` does.
    let mut entries: Vec<(PathBuf, bool)> = std::fs::read_dir(path)
        .map_err(|err| format!("cannot read folder `{}`: {err}", path.display()))?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let is_dir = match entry.file_type() {
                Ok(kind) if !kind.is_symlink() => kind.is_dir(),
                _ => entry.path().is_dir(),
            };
            Some((entry.path(), is_dir))
        })
        .collect();
    entries.sort();
    for (entry, is_dir) in entries {
        let is_hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if is_hidden {
            continue;
        }
        if is_dir {
            collect(&entry, out)?;
        } else if ["json", "yaml", "yml", "template"]
            .iter()
            .any(|extension| extension_is(&entry.to_string_lossy(), extension))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// `work` on every file, on as many threads as the machine offers (the
/// files are independent), with the results in the order of `files`
/// whichever thread finished first: the output never depends on the
/// scheduling. A progress line counts the files on a terminal.
fn each_file<R: Send>(files: &[PathBuf], work: impl Fn(&PathBuf) -> R + Sync) -> Vec<R> {
    let progress = Progress::new(files.len());
    let results = crate::parallel::map_in_order(files, |path| {
        progress.advance();
        work(path)
    });
    progress.finish();
    results
}

/// Lints one file: decoded once, then read as the kind its extension and
/// top level say ([`leash_lint::lint_file`]), `kind` the policy kind when
/// given. A panic while linting (a bug) becomes an internal-error finding
/// on the file, and the other files are still checked.
pub fn lint_bytes(
    path: String,
    bytes: Vec<u8>,
    kind: Option<leash_lint::PolicyKind>,
) -> FileReport {
    lint_bytes_with(path, bytes, kind, leash_lint::lint_file)
}

/// [`lint_bytes`] with the linter given (a test gives one that panics).
fn lint_bytes_with(
    path: String,
    bytes: Vec<u8>,
    kind: Option<leash_lint::PolicyKind>,
    lint: impl FnOnce(
        &str,
        &leash_policy::source_text::SourceText,
        Option<leash_lint::PolicyKind>,
    ) -> leash_lint::LintedFile,
) -> FileReport {
    let decoded = leash_policy::source_text::decode(bytes);
    let linted = crate::panic_guard::isolate(|| {
        let mut linted = lint(&path, &decoded, kind);
        if linted.kind == leash_lint::DocumentKind::Template {
            linted
                .diagnostics
                .extend(denied_code_calls(&path, &decoded.text));
        }
        linted
    })
    .unwrap_or_else(|panic| leash_lint::LintedFile {
        kind: leash_lint::DocumentKind::Unknown,
        diagnostics: vec![leash_lint::Diagnostic::new(
            &leash_lint::rules::internal_error::RULE,
            crate::panic_guard::describe("checking this file", &panic),
            leash_policy::Span::new(0, 0),
        )],
    });
    FileReport {
        diagnostics: linted.diagnostics,
        kind: Some(linted.kind),
        source: SourceFile::new(path, decoded.text),
    }
}

/// L511: the calls of the template's handler code that its functions'
/// roles deny (`leash_design::code`), each at the role in the template with
/// the call as a related location. A template leash cannot model has no
/// such finding (the other rules report on it).
fn denied_code_calls(path: &str, text: &str) -> Vec<leash_lint::Diagnostic> {
    let Ok(mut template) = leash_iac::read_template(text) else {
        return Vec::new();
    };
    if template.source.is_none() {
        template.source = Some(text.into());
    }
    let Ok(app) = leash_design::read_application(&template, &leash_design::Target::default())
    else {
        return Vec::new();
    };
    let folder = Path::new(path).parent().unwrap_or(Path::new(""));
    leash_design::code::denied_calls_of(&template, Path::new(path), &app)
        .into_iter()
        .map(|denied| code_call_diagnostic(folder, &denied))
        .collect()
}

fn code_call_diagnostic(
    folder: &Path,
    denied: &leash_design::code::DeniedCall,
) -> leash_lint::Diagnostic {
    let need = &denied.need;
    let code_path = folder.join(&need.file).display().to_string();
    let method = need.call.rsplit('.').next().unwrap_or(&need.call);
    let target = match (&need.resource_id, &need.resource) {
        (Some(id), _) => format!(" on `{id}`"),
        (None, Some(arn)) => format!(" on `{arn}`"),
        (None, None) if need.resolved => String::new(),
        (None, None) => " on a resource the code computes".to_string(),
    };
    let actions = denied
        .denied
        .iter()
        .map(|a| format!("`{a}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let object_level = need.resource.as_deref().is_some_and(|r| r.ends_with("/*"));
    let scope = if denied.resource_known {
        if need.resource.is_some() {
            " on it"
        } else {
            ""
        }
    } else if object_level {
        " on any object of it"
    } else {
        " on any resource"
    };
    let why = if denied.allowed_only_on_named_resources {
        format!(
            "{actions} has no resource-level permissions (IAM evaluates it on `*`), and the role {} allows it only on the resources it names",
            denied.role.name
        )
    } else if denied.explicit {
        format!(
            "an explicit `Deny` of the role {} refuses {actions}{scope}",
            denied.role.name
        )
    } else {
        format!("the role {} allows no {actions}{scope}", denied.role.name)
    };
    let message = format!(
        "`{method}`{target} at `{code_path}:{}` is denied: {why}",
        need.line
    );
    let mut diagnostic = leash_lint::Diagnostic::new(
        &leash_lint::template_rules::code_call_denied_by_role::RULE,
        message,
        denied.role.span,
    )
    .with_label(format!("the role of `{}`", denied.function))
    .with_help(format!(
        "grant {actions}{} to the role, or run `leash design` to design it from what the code calls",
        match (&need.resource_id, &need.resource) {
            (Some(id), _) => format!(" on `{id}`"),
            (None, Some(arn)) => format!(" on `{arn}`"),
            _ => String::new(),
        }
    ))
    .with_related(leash_lint::RelatedLocation {
        path: code_path,
        line: need.line,
        column: need.column,
        message: format!("`{}` is called here", need.call),
    });
    diagnostic.resource = Some(denied.function.clone());
    if denied.allowed_only_on_named_resources {
        // The weaker claim: the documentation's, not an observed denial.
        diagnostic = diagnostic.with_severity(leash_lint::Severity::Warning);
    }
    diagnostic
}

/// A one-line progress counter on standard error, shown only when many
/// files are read and standard error is a terminal (never in CI logs or
/// when output is redirected).
pub(crate) struct Progress {
    total: usize,
    done: std::sync::atomic::AtomicUsize,
    shown: bool,
}

impl Progress {
    const MIN_FILES: usize = 200;

    pub(crate) fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        let shown = total >= Self::MIN_FILES && std::io::stderr().is_terminal();
        Progress {
            total,
            done: std::sync::atomic::AtomicUsize::new(0),
            shown,
        }
    }

    /// Counts one more file; called from any thread.
    pub(crate) fn advance(&self) {
        let done = self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        if self.shown && (done.is_multiple_of(50) || done == self.total) {
            eprint!("\rchecking {}/{} files", done, self.total);
        }
    }

    pub(crate) fn finish(&self) {
        if self.shown {
            // Clear the line so findings start on a clean one.
            eprint!("\r{}\r", " ".repeat(40));
        }
    }
}

fn extension_is(path: &str, extension: &str) -> bool {
    Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(extension))
}

/// Reads `--config FILE`, or `leash.toml` in the current folder when it
/// exists. Entries without a reason become L005 findings on the file.
pub(crate) fn load_config(
    path: Option<&Path>,
) -> Result<Option<(crate::config::Config, FileReport)>, String> {
    let default = Path::new("leash.toml");
    let path = match path {
        Some(path) => path,
        None if default.is_file() => default,
        None => return Ok(None),
    };
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("error: cannot read `{}`: {err}", path.display()))?;
    let source = SourceFile::new(path.display().to_string(), text);
    let config = crate::config::parse(&source.text).map_err(|err| {
        crate::render::render_error(
            &source,
            err.span,
            &format!("invalid `{}`: {}", source.path, err.message.trim()),
        )
    })?;
    let mut diagnostics = Vec::new();
    for entry in config.ignore.iter().filter(|e| !e.has_reason()) {
        // Point at the entry's code in the file when it can be found.
        let needle = format!("\"{}\"", entry.code);
        let start = source.text.find(&needle).unwrap_or(0);
        diagnostics.push(
            leash_lint::Diagnostic::new(
                &leash_lint::rules::suppression_without_reason::RULE,
                format!(
                    "the suppression of `{}` has no `reason`: it is not applied",
                    entry.code
                ),
                leash_policy::Span::new(start, start + needle.len().min(source.text.len() - start)),
            )
            .with_help("add `reason = \"...\"` saying why the finding does not apply"),
        );
    }
    Ok(Some((
        config,
        FileReport {
            source,
            diagnostics,
            kind: None,
        },
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_while_linting_is_an_internal_error_on_that_file() {
        let report = lint_bytes_with("bug.json".to_string(), b"{}".to_vec(), None, |_, _, _| {
            panic!("a bug on purpose")
        });
        assert_eq!(report.diagnostics.len(), 1);
        let finding = &report.diagnostics[0];
        assert_eq!(finding.code, "L008");
        assert!(
            finding.message.contains("a bug on purpose"),
            "{}",
            finding.message
        );
        assert!(
            finding.message.contains("please report it"),
            "{}",
            finding.message
        );
        assert!(crate::panic_guard::caught_any());
        // The next file is linted as usual.
        let next = lint_bytes(
            "ok.json".to_string(),
            br#"{"Version": "2012-10-17", "Statement": []}"#.to_vec(),
            None,
        );
        assert!(next.diagnostics.iter().all(|d| d.code != "L008"));
    }
}
