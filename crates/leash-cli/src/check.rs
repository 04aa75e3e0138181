//! `leash check`: lint policy files and folders.

use crate::args::{CheckArgs, FailOn};
use crate::exit;
use crate::render::{self, FileReport};
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
    let mut reports = Vec::with_capacity(files.len());
    let mut progress = Progress::new(files.len());
    for path in files {
        progress.advance();
        match std::fs::read(&path) {
            Ok(bytes) => reports.push(lint_bytes(path.display().to_string(), &bytes)),
            Err(err) => {
                eprintln!("error: cannot read `{}`: {err}", path.display());
                unreadable = true;
            }
        }
    }
    progress.finish();
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = render::write_reports(&mut stdout, args.format, &reports) {
        // A closed pipe (`leash check . | head`) is not an error worth a message.
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write output: {err}");
            return exit::ERROR;
        }
    }
    if unreadable {
        return exit::ERROR;
    }
    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failed = threshold.is_some_and(|threshold| {
        reports
            .iter()
            .flat_map(|r| &r.diagnostics)
            .any(|d| d.severity >= threshold)
    });
    if failed { exit::FINDINGS } else { exit::OK }
}

/// Files named on the command line are read whatever their extension;
/// folders are searched recursively for `*.json`, in a stable order.
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
        let is_hidden = entry
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if is_hidden {
            continue;
        }
        if entry.is_dir() {
            collect(&entry, out)?;
        } else if entry
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(entry);
        }
    }
    Ok(())
}

/// Parses and lints one policy file.
pub fn lint_bytes(path: String, bytes: &[u8]) -> FileReport {
    FileReport {
        diagnostics: leash_lint::lint_policy_bytes(bytes),
        source: SourceFile::from_bytes(path, bytes),
    }
}

/// A one-line progress counter on standard error, shown only when many
/// files are read and standard error is a terminal (never in CI logs or
/// when output is redirected).
struct Progress {
    total: usize,
    done: usize,
    shown: bool,
}

impl Progress {
    const MIN_FILES: usize = 200;

    fn new(total: usize) -> Self {
        use std::io::IsTerminal;
        let shown = total >= Self::MIN_FILES && std::io::stderr().is_terminal();
        Progress {
            total,
            done: 0,
            shown,
        }
    }

    fn advance(&mut self) {
        self.done += 1;
        if self.shown && (self.done.is_multiple_of(50) || self.done == self.total) {
            eprint!("\rchecking {}/{} files", self.done, self.total);
        }
    }

    fn finish(&self) {
        if self.shown {
            // Clear the line so findings start on a clean one.
            eprint!("\r{}\r", " ".repeat(40));
        }
    }
}
