//! `leash audit`: account authorization dumps, one file per account or
//! folders of them, judged one file at a time (a batch per core count in
//! parallel), so that memory holds a batch, never the whole run.

use crate::args::{AuditArgs, FailOn, Format};
use crate::exit;
use crate::render::{self, FileReport, Tally};
use crate::source::SourceFile;
use leash_lint::Severity;
use leash_lint::audit::{AuditOptions, AuditReport, organization::Organization};
use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Files audited together before their output is written and dropped.
const BATCH: usize = 64;

/// What one dump gave: its rendered findings (or SARIF results), the
/// tally, whether it fails the run, and its Markdown report.
struct Audited {
    chunk: Vec<u8>,
    sarif: Vec<serde_json::Value>,
    tally: Tally,
    fails: bool,
    report: Option<(String, String)>,
}

pub fn run(args: &AuditArgs) -> u8 {
    let options = match options(args) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::ERROR;
        }
    };
    let config = match crate::check::load_config(args.config.as_deref()) {
        Ok(found) => found.map(|(config, _)| config),
        Err(message) => {
            eprintln!("{message}");
            return exit::ERROR;
        }
    };
    if let Some(dir) = &args.report
        && let Err(err) = std::fs::create_dir_all(dir)
    {
        eprintln!("error: cannot create `{}`: {err}", dir.display());
        return exit::ERROR;
    }
    let mut unreadable = false;
    let mut files = Vec::new();
    for path in &args.paths {
        if let Err(message) = collect(path, &mut files) {
            eprintln!("error: {message}");
            unreadable = true;
        }
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let renderer = render::text_renderer();
    let audit_one = |path: &PathBuf| -> std::io::Result<Audited> {
        let bytes = std::fs::read(path)?;
        let (report, audit) = audit_bytes(path.display().to_string(), bytes, &options);
        let mut report = report;
        if let Some(config) = &config {
            config.apply(&report.source.path, &mut report.diagnostics);
        }
        let mut tally = Tally::default();
        tally.add(&report.diagnostics);
        let fails = threshold.is_some_and(|threshold| {
            report
                .diagnostics
                .iter()
                .any(|d| d.suppressed.is_none() && d.severity >= threshold)
        });
        let (chunk, sarif) = if args.format == Format::Sarif {
            (Vec::new(), render::sarif_results(&report))
        } else {
            (
                render::render_file(args.format, &renderer, &report)?,
                Vec::new(),
            )
        };
        let markdown = args.report.as_ref().and_then(|_| {
            let audit = audit.as_ref()?;
            let mut audit = audit.clone();
            audit.diagnostics = report.diagnostics.clone();
            let name = audit.account.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map_or("dump".to_string(), |s| s.to_string_lossy().into_owned())
            });
            Some((
                name,
                leash_lint::audit::report::markdown(
                    &report.source.path,
                    &report.source.text,
                    &audit,
                ),
            ))
        });
        Ok(Audited {
            chunk,
            sarif,
            tally,
            fails,
            report: markdown,
        })
    };

    let mut stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let progress = crate::check::Progress::new(files.len());
    let mut tally = Tally::default();
    let mut failed = false;
    let mut sarif = None;
    if args.format == Format::Sarif {
        match render::SarifStream::start(&mut stdout) {
            Ok(stream) => sarif = Some(stream),
            Err(err) => {
                eprintln!("error: cannot write output: {err}");
                return exit::ERROR;
            }
        }
    }
    let mut json_started = false;
    let mut report_names: HashSet<String> = HashSet::new();
    let mut written: std::io::Result<()> = Ok(());
    for batch in files.chunks(BATCH) {
        let results = crate::parallel::map_in_order(batch, |path| {
            progress.advance();
            crate::panic_guard::isolate(|| audit_one(path))
        });
        for (path, result) in batch.iter().zip(results) {
            let audited = match result {
                Ok(Ok(audited)) => audited,
                Ok(Err(err)) => {
                    eprintln!("error: cannot read `{}`: {err}", path.display());
                    unreadable = true;
                    continue;
                }
                Err(panic) => {
                    eprintln!(
                        "error: `{}`: {}",
                        path.display(),
                        crate::panic_guard::describe("auditing this file", &panic)
                    );
                    unreadable = true;
                    continue;
                }
            };
            tally.merge(&audited.tally);
            failed |= audited.fails;
            if let Some(stream) = &mut sarif {
                for result in &audited.sarif {
                    if written.is_ok() {
                        written = stream.result(&mut stdout, result);
                    }
                }
            }
            if let (Some(dir), Some((name, text))) = (&args.report, audited.report) {
                let mut unique = name.clone();
                let mut n = 1;
                while !report_names.insert(unique.clone()) {
                    n += 1;
                    unique = format!("{name}-{n}");
                }
                if let Err(err) =
                    write_atomically(&dir.join(format!("{unique}.md")), text.as_bytes())
                {
                    eprintln!(
                        "error: cannot write the report of `{}`: {err}",
                        path.display()
                    );
                    unreadable = true;
                }
            }
            if written.is_ok() && !audited.chunk.is_empty() {
                written = write_chunk(&mut stdout, args.format, &audited.chunk, &mut json_started);
            }
        }
    }
    progress.finish();
    let written = written.and_then(|()| match (args.format, sarif) {
        (_, Some(stream)) => stream.finish(&mut stdout),
        (Format::Json, _) => stdout.write_all(if json_started { b"\n]\n" } else { b"[]\n" }),
        // The text format's last line counts what was checked.
        (Format::Text, _) => render::write_rendered(&mut stdout, Format::Text, Vec::new(), &tally),
        (Format::Github | Format::Sarif, _) => Ok(()),
    });
    let written = written.and_then(|()| stdout.flush());
    if let Err(err) = written
        && err.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write output: {err}");
        return exit::ERROR;
    }
    if unreadable || crate::panic_guard::caught_any() {
        return exit::ERROR;
    }
    if failed { exit::FINDINGS } else { exit::OK }
}

/// A file's part of the output as it comes: JSON elements joined into
/// one array, the other formats as they are.
fn write_chunk(
    out: &mut impl Write,
    format: Format,
    chunk: &[u8],
    json_started: &mut bool,
) -> std::io::Result<()> {
    if format == Format::Json {
        out.write_all(if *json_started { b",\n" } else { b"[\n" })?;
        *json_started = true;
    }
    out.write_all(chunk)
}

/// The options of the command line, checked.
fn options(args: &AuditArgs) -> Result<AuditOptions, String> {
    for account in &args.trusted_accounts {
        if account.len() != 12 || !account.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!(
                "`--trusted-accounts`: `{account}` is not an AWS account id (12 digits)"
            ));
        }
    }
    let now = match &args.now {
        Some(text) => Some(leash_lint::audit::dates::epoch_seconds(text).ok_or_else(|| {
            format!("`--now`: `{text}` is not an ISO 8601 date such as `2025-06-30` or `2025-06-30T12:00:00Z`")
        })?),
        None => None,
    };
    let organization = match &args.organization {
        Some(path) => Some(Arc::new(read_organization(path)?)),
        None => None,
    };
    Ok(AuditOptions {
        trusted_accounts: args.trusted_accounts.clone(),
        unused_days: (args.unused_days > 0).then_some(args.unused_days),
        now,
        organization,
    })
}

fn read_organization(path: &Path) -> Result<Organization, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    Organization::read(&text, |file| {
        std::fs::read_to_string(base.join(file))
            .map_err(|err| format!("cannot read `{}`: {err}", base.join(file).display()))
    })
    .map_err(|err| format!("`{}`: {err}", path.display()))
}

/// Audits one dump's bytes. A file that is not text, not JSON or not a
/// dump is a finding on it, as in `leash check`.
fn audit_bytes(
    path: String,
    bytes: Vec<u8>,
    options: &AuditOptions,
) -> (FileReport, Option<AuditReport>) {
    let decoded = leash_policy::source_text::decode(bytes);
    let source = SourceFile::new(path, decoded.text);
    if let Some(error) = decoded.error {
        let d = leash_lint::Diagnostic::new(
            &leash_lint::rules::undecodable_text::RULE,
            error.message,
            error.span,
        );
        return (
            file_report(source, vec![d], leash_lint::DocumentKind::Undecodable),
            None,
        );
    }
    let root = match leash_policy::json::parse_json(&source.text) {
        Ok(root) => root,
        Err(err) => {
            let d = leash_lint::Diagnostic::new(
                &leash_lint::rules::invalid_json::RULE,
                err.message,
                err.span,
            );
            return (
                file_report(source, vec![d], leash_lint::DocumentKind::Unreadable),
                None,
            );
        }
    };
    if !leash_lint::document::is_account_authorization_details(&root) {
        let d = leash_lint::Diagnostic::new(
            &leash_lint::rules::unknown_document_kind::RULE,
            "this is not an account authorization dump (`aws iam get-account-authorization-details` output: `UserDetailList`, `GroupDetailList`, `RoleDetailList`, `Policies`)",
            leash_policy::Span::new(root.span.start, root.span.start),
        )
        .with_help("`leash check` reads policies, templates and plans");
        return (
            file_report(source, vec![d], leash_lint::DocumentKind::Unknown),
            None,
        );
    }
    let audit = leash_lint::audit::audit_dump(&source.text, &root, options);
    let diagnostics = audit.diagnostics.clone();
    (
        file_report(
            source,
            diagnostics,
            leash_lint::DocumentKind::AccountAuthorizationDetails,
        ),
        Some(audit),
    )
}

fn file_report(
    source: SourceFile,
    diagnostics: Vec<leash_lint::Diagnostic>,
    kind: leash_lint::DocumentKind,
) -> FileReport {
    FileReport {
        diagnostics,
        kind: Some(kind),
        source,
    }
}

/// Files named are read whatever their extension; folders are searched
/// recursively for `*.json`, in a stable order, hidden entries skipped.
fn collect(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let metadata = std::fs::metadata(path)
        .map_err(|err| format!("cannot read `{}`: {err}", path.display()))?;
    if !metadata.is_dir() {
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|err| format!("cannot read folder `{}`: {err}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it: a
/// reader never sees half a report.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = path.with_extension(format!("md.tmp-{}", std::process::id()));
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&temporary);
    })
}
