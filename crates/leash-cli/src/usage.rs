//! `leash usage TRAIL...`: the aggregate of CloudTrail log files as JSON
//! lines (one per principal, IAM action and resource), with a summary and
//! what the trail cannot show on standard error.

use std::io::Write;

use crate::args::UsageArgs;
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

fn run_inner(args: &UsageArgs) -> Result<u8, String> {
    let aggregate =
        leash_usage::read_trails(&args.paths).map_err(|error| format!("error: {error}"))?;
    let lines = aggregate.json_lines();
    match &args.out {
        Some(path) => {
            let temporary = path.with_extension(format!("tmp-{}", std::process::id()));
            std::fs::write(&temporary, &lines)
                .and_then(|()| std::fs::rename(&temporary, path))
                .map_err(|error| {
                    let _ = std::fs::remove_file(&temporary);
                    format!("error: cannot write `{}`: {error}", path.display())
                })?;
        }
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
    for note in aggregate.notes() {
        eprintln!("note: {note}");
    }
    Ok(exit::OK)
}
