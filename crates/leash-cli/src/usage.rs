//! `leash usage TRAIL...`: the aggregate of CloudTrail log files as JSON
//! lines (one per principal, IAM action and resource), with a summary and
//! what the trail cannot show on standard error; `--from-aggregate` reads
//! an aggregate back (or Athena / CloudTrail Lake results), `--policies`
//! compares roles of account dumps with it and `--narrow` writes their
//! narrowed policies; `--emit-sql athena` prints the aggregation as SQL.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use leash_usage::Aggregate;
use leash_usage::refine::{ProofOutcome, Refinement, RoleInput};
use rayon::prelude::*;
use serde_json::json;

use crate::args::{SqlEngine, UsageArgs};
use crate::exit;

pub fn run(args: &UsageArgs) -> u8 {
    match run_inner(args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            exit::ERROR
        }
    }
}

/// Progress on a terminal: files and records read so far.
struct Progress {
    total: usize,
    files: AtomicUsize,
    records: AtomicU64,
    shown: bool,
}

impl Progress {
    fn new(total: usize) -> Self {
        Progress {
            total,
            files: AtomicUsize::new(0),
            records: AtomicU64::new(0),
            shown: total >= 20 && std::io::stderr().is_terminal(),
        }
    }

    fn advance(&self, records: u64) {
        let files = self.files.fetch_add(1, Ordering::Relaxed) + 1;
        let records = self.records.fetch_add(records, Ordering::Relaxed) + records;
        if self.shown && (files.is_multiple_of(10) || files == self.total) {
            let width = 30;
            let filled = files * width / self.total.max(1);
            eprint!(
                "\r[{}{}] {files}/{} files, {records} records",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.total
            );
        }
    }

    fn finish(&self) {
        if self.shown {
            eprint!("\r{}\r", " ".repeat(80));
        }
    }
}

fn write_atomically(path: &Path, text: &str) -> Result<(), String> {
    let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
    std::fs::write(&temporary, text)
        .and_then(|()| std::fs::rename(&temporary, path))
        .map_err(|error| {
            let _ = std::fs::remove_file(&temporary);
            format!("error: cannot write `{}`: {error}", path.display())
        })
}

fn run_inner(args: &UsageArgs) -> Result<u8, String> {
    if let Some(SqlEngine::Athena) = args.emit_sql {
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(leash_usage::sql::athena(&args.table).as_bytes());
        return Ok(exit::OK);
    }
    let files = if args.paths.is_empty() {
        Vec::new()
    } else {
        leash_usage::trail_files(&args.paths).map_err(|error| format!("error: {error}"))?
    };
    let progress = Progress::new(files.len());
    let read = leash_usage::read_files(&files, &|records| progress.advance(records));
    progress.finish();
    let mut aggregate = read.map_err(|error| format!("error: {error}"))?;
    for path in &args.from_aggregate {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("error: cannot read `{}`: {error}", path.display()))?;
        let read = leash_usage::read_aggregate(&path.display().to_string(), &text)
            .map_err(|error| format!("error: {error}"))?;
        for (key, row) in read.rows {
            aggregate.add_row(key, row);
        }
        aggregate.summary.files += 1;
    }
    let lines = aggregate.json_lines();
    match &args.out {
        Some(path) => write_atomically(path, &lines)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            // A reader that left early is not an error.
            let _ = stdout.write_all(lines.as_bytes());
        }
    }
    let summary = &aggregate.summary;
    let denied: u64 = aggregate.rows.values().map(|r| r.denied).sum();
    eprintln!(
        "{} file(s), {} record(s) ({} without a principal of the account), {} row(s), {denied} denied call(s)",
        summary.files,
        summary.records,
        summary.without_principal,
        aggregate.rows.len()
    );
    if let Some((first, last)) = aggregate.window() {
        eprintln!("window: {first} to {last}");
    }
    let data_logged = leash_usage::refine::data_logged_services(aggregate.rows.iter());
    if args.paths.is_empty() {
        // Read from an aggregate: what the trail lacked is told by rows.
        if data_logged.is_empty() {
            eprintln!(
                "note: the aggregate holds no data events: S3 object-level, DynamoDB item-level, Lambda Invoke and other data-plane calls are logged only when data events are enabled, so their absence here proves nothing"
            );
        }
    } else {
        for note in aggregate.notes() {
            eprintln!("note: {note}");
        }
    }
    if args.policies.is_empty() {
        return Ok(exit::OK);
    }
    refine(args, &aggregate, &data_logged)
}

/// Every dump file under `paths` (folders searched for `*.json`), sorted.
fn dump_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    let mut pending = paths.to_vec();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).map_err(|error| {
                format!("error: cannot read folder `{}`: {error}", path.display())
            })?;
            pending.extend(entries.flatten().map(|e| e.path()));
        } else if paths.contains(&path) || path.extension().is_some_and(|e| e == "json") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

fn refine(
    args: &UsageArgs,
    aggregate: &Aggregate,
    data_logged: &BTreeSet<String>,
) -> Result<u8, String> {
    let mut roles: Vec<RoleInput> = Vec::new();
    for path in dump_files(&args.policies)? {
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("error: cannot read `{}`: {error}", path.display()))?;
        let found = leash_lint::audit::role_permissions(&text).map_err(|(message, span)| {
            let index = leash_policy::LineIndex::new(&text);
            let (line, column) = index.line_col(&text, span.start);
            format!("error: {}:{line}:{column}: {message}", path.display())
        })?;
        roles.extend(found.into_iter().map(|role| RoleInput {
            arn: role.arn,
            policies: role.policies,
            unreadable: role.unreadable,
        }));
    }
    // Rows by principal, so each role sees only its own.
    let mut by_principal: std::collections::HashMap<
        &str,
        Vec<(&leash_usage::aggregate::Key, &leash_usage::Row)>,
    > = std::collections::HashMap::new();
    for (key, row) in &aggregate.rows {
        by_principal
            .entry(key.0.as_str())
            .or_default()
            .push((key, row));
    }
    let prove = args.narrow.is_some();
    let results: Vec<Refinement> = roles
        .par_iter()
        .map(|role| {
            let rows = by_principal
                .get(role.arn.as_str())
                .cloned()
                .unwrap_or_default();
            leash_usage::refine::refine(role, rows.into_iter(), data_logged, prove)
        })
        .collect();
    let window = aggregate
        .window()
        .map_or("no calls".to_string(), |(a, b)| format!("{a} to {b}"));
    let mut failed = false;
    for result in &results {
        if matches!(result.proof, Some(ProofOutcome::DoesNotHold(_)))
            || result.replayed_allowed != result.allowed_rows
        {
            failed = true;
        }
        eprintln!("{}", role_line(result));
    }
    if let Some(dir) = &args.narrow {
        write_narrowed(dir, &results, &window)?;
    }
    if failed {
        eprintln!(
            "error: a narrowed policy failed its proof or its replay: not written (see report.md)"
        );
        return Ok(exit::ERROR);
    }
    Ok(exit::OK)
}

fn role_line(result: &Refinement) -> String {
    if let Some(reason) = &result.refused {
        return format!("{}: {reason}", result.role);
    }
    let proof = match &result.proof {
        None => String::new(),
        Some(ProofOutcome::Holds) => ", no-new-access proved".into(),
        Some(ProofOutcome::DoesNotHold(_)) => ", no-new-access DOES NOT HOLD".into(),
        Some(ProofOutcome::Unknown(reason)) => format!(", no-new-access unknown ({reason})"),
    };
    format!(
        "{}: {} row(s), {}/{} allowed rows replayed allowed, {} unused service(s), {} unused action(s), {} unused resource(s){proof}",
        result.role,
        result.rows,
        result.replayed_allowed,
        result.allowed_rows,
        result.unused_services.len(),
        result.unused_actions.len(),
        result.unused_resources.len()
    )
}

/// Whether a narrowed policy may be written: proved and replayed.
fn verified(result: &Refinement) -> bool {
    matches!(result.proof, Some(ProofOutcome::Holds))
        && result.replayed_allowed == result.allowed_rows
}

fn file_name(role: &str) -> (String, String) {
    let account = leash_policy::arn::Arn::parse(role)
        .ok()
        .map(|arn| arn.account().as_str().to_string())
        .filter(|account| !account.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let name = role.rsplit('/').next().unwrap_or(role);
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "+=,.@_-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    (account, format!("{safe}.json"))
}

fn write_narrowed(dir: &Path, results: &[Refinement], window: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("error: cannot create `{}`: {error}", dir.display()))?;
    let mut report = String::new();
    let _ = writeln!(report, "# Narrowed from usage\n");
    let _ = writeln!(
        report,
        "Window: {window}. Only what the trail shows over this window is kept, plus what it cannot show (listed per role). Each narrowed policy replaces the role's identity policies (its permissions boundary, if any, stays); each was proved to grant nothing the original did not (`leash prove no-new-access`) and every observed row was replayed through it.\n"
    );
    let mut json_roles = Vec::new();
    for result in results {
        let (account, name) = file_name(&result.role);
        let written = match (&result.narrowed, verified(result)) {
            (Some(policy), true) => {
                let folder = dir.join(&account);
                std::fs::create_dir_all(&folder).map_err(|error| {
                    format!("error: cannot create `{}`: {error}", folder.display())
                })?;
                let path = folder.join(&name);
                write_atomically(&path, &leash_policy::print::print_policy(policy))?;
                Some(format!("{account}/{name}"))
            }
            _ => None,
        };
        let _ = writeln!(report, "## `{}`\n", result.role);
        let _ = writeln!(report, "- {}", role_line(result));
        match &written {
            Some(file) => {
                let _ = writeln!(report, "- narrowed policy: `{file}`");
            }
            None if result.refused.is_none() && result.narrowed.is_none() => {
                let _ = writeln!(
                    report,
                    "- nothing used over the window and nothing to keep: no policy written (the role may not be needed)"
                );
            }
            None => {
                let _ = writeln!(report, "- no narrowed policy written");
            }
        }
        if let Some(ProofOutcome::DoesNotHold(why)) = &result.proof {
            let _ = writeln!(report, "- the proof failed: {why}");
        }
        let list = |items: &[String]| {
            let shown: Vec<String> = items.iter().take(12).map(|i| format!("`{i}`")).collect();
            let more = items.len().saturating_sub(12);
            if more > 0 {
                format!("{} and {more} more", shown.join(", "))
            } else {
                shown.join(", ")
            }
        };
        if !result.unused_services.is_empty() {
            let _ = writeln!(
                report,
                "- unused services: {}",
                list(&result.unused_services)
            );
        }
        if !result.unused_resources.is_empty() {
            let _ = writeln!(
                report,
                "- unused resources: {}",
                list(&result.unused_resources)
            );
        }
        for kept in &result.kept {
            let _ = writeln!(report, "- kept {}: {}", list(&kept.actions), kept.reason);
        }
        for (from, to) in result.generalised.iter().take(5) {
            let _ = writeln!(report, "- `{from}` written as `{to}`");
        }
        if !result.not_allowed.is_empty() {
            let shown: Vec<String> = result
                .not_allowed
                .iter()
                .map(|(a, r)| format!("{a} on {}", r.as_deref().unwrap_or("(no resource)")))
                .collect();
            let _ = writeln!(
                report,
                "- observed but not allowed by the role's identity policies (denied, or allowed by another policy): {}",
                list(&shown)
            );
        }
        let _ = writeln!(report);
        json_roles.push(json!({
            "role": result.role,
            "file": written,
            "refused": result.refused,
            "rows": result.rows,
            "allowed_rows": result.allowed_rows,
            "replayed_allowed": result.replayed_allowed,
            "conditional_rows": result.conditional_rows,
            "proof": match &result.proof {
                None => json!(null),
                Some(ProofOutcome::Holds) => json!({"holds": true}),
                Some(ProofOutcome::DoesNotHold(why)) => json!({"holds": false, "counterexample": why}),
                Some(ProofOutcome::Unknown(why)) => json!({"holds": null, "reason": why}),
            },
            "unused_services": result.unused_services,
            "unused_actions": result.unused_actions,
            "unused_resources": result.unused_resources,
            "kept": result.kept.iter().map(|k| json!({"actions": k.actions, "reason": k.reason})).collect::<Vec<_>>(),
            "generalised": result.generalised,
            "not_allowed": result.not_allowed.iter().map(|(a, r)| json!({"action": a, "resource": r})).collect::<Vec<_>>(),
        }));
    }
    write_atomically(&dir.join("report.md"), &report)?;
    let refine = json!({"window": window, "roles": json_roles});
    write_atomically(
        &dir.join("refine.json"),
        &format!(
            "{}\n",
            serde_json::to_string_pretty(&refine).unwrap_or_default()
        ),
    )?;
    Ok(())
}
