//! The Markdown report of one audited account: principals with findings,
//! worst first (errors, then warnings, then the rest), each finding with
//! its place in the dump; then the principals with none.

use super::AuditReport;
use crate::{Diagnostic, Severity};
use leash_policy::LineIndex;
use std::fmt::Write;

/// The report of `audit` on the dump at `path` whose text is `text`.
pub fn markdown(path: &str, text: &str, audit: &AuditReport) -> String {
    let index = LineIndex::new(text);
    let mut out = String::new();
    let account = audit.account.as_deref().unwrap_or("unknown");
    let _ = writeln!(out, "# leash audit: account {account}\n");
    let findings: Vec<&Diagnostic> = audit
        .diagnostics
        .iter()
        .filter(|d| d.suppressed.is_none())
        .collect();
    let (errors, warnings, infos) = super::weight(&findings);
    // Rows: each principal with its findings; findings on no principal
    // (the dump itself) under `account`.
    let mut rows: Vec<(String, Vec<&Diagnostic>)> = audit
        .principals
        .iter()
        .map(|p| {
            let mine = findings
                .iter()
                .copied()
                .filter(|d| d.resource.as_deref() == Some(p.id.as_str()))
                .collect();
            (p.id.clone(), mine)
        })
        .collect();
    let unattributed: Vec<&Diagnostic> = findings
        .iter()
        .copied()
        .filter(|d| {
            d.resource
                .as_deref()
                .is_none_or(|r| !audit.principals.iter().any(|p| p.id == r))
        })
        .collect();
    if !unattributed.is_empty() {
        rows.push(("account".to_string(), unattributed));
    }
    let clean: Vec<&str> = rows
        .iter()
        .filter(|(_, f)| f.is_empty())
        .map(|(id, _)| id.as_str())
        .collect();
    let _ = writeln!(
        out,
        "Dump `{path}`: {} principals and customer managed policies, {}, {}, {}; {} without findings.\n",
        audit.principals.len(),
        count(errors, "error"),
        count(warnings, "warning"),
        count(infos, "note"),
        clean.len()
    );
    let mut flagged: Vec<&(String, Vec<&Diagnostic>)> =
        rows.iter().filter(|(_, f)| !f.is_empty()).collect();
    // Worst first; ties in dump order (the sort is stable).
    flagged.sort_by_key(|row| std::cmp::Reverse(super::weight(&row.1)));
    if !flagged.is_empty() {
        out.push_str("| principal | errors | warnings | notes | rules |\n|---|---|---|---|---|\n");
        for (id, found) in &flagged {
            let (e, w, i) = super::weight(found);
            let mut codes: Vec<&str> = found.iter().map(|d| d.code).collect();
            codes.sort_unstable();
            codes.dedup();
            let _ = writeln!(out, "| `{id}` | {e} | {w} | {i} | {} |", codes.join(", "));
        }
        for (id, found) in &flagged {
            let _ = writeln!(out, "\n## `{id}`\n");
            if let Some(summary) = audit.principals.iter().find(|p| &p.id == id) {
                let _ = writeln!(out, "ARN `{}`.", summary.arn);
                if !summary.policies.is_empty() {
                    let _ = writeln!(
                        out,
                        "Effective policies: {}.",
                        escape(&summary.policies.join("; "))
                    );
                }
                out.push('\n');
            }
            let mut found = found.clone();
            found.sort_by(|a, b| {
                b.severity
                    .cmp(&a.severity)
                    .then(a.span.start.cmp(&b.span.start))
            });
            for d in found {
                let (line, column) = index.line_col(text, d.span.start);
                let _ = writeln!(
                    out,
                    "- **{}** {} `{}` (line {line}, column {column}): {}",
                    severity_word(d.severity),
                    d.code,
                    d.rule,
                    escape(&d.message)
                );
                if let Some(help) = &d.help {
                    let _ = writeln!(out, "  - {}", escape(help));
                }
            }
        }
    }
    if !clean.is_empty() {
        let _ = writeln!(out, "\n## Without findings\n");
        for id in clean {
            let _ = writeln!(out, "- `{id}`");
        }
    }
    out
}

/// `1 error`, `2 errors`.
fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

fn severity_word(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Markdown table and list text: a `|` would end a cell.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
}
