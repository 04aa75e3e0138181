//! Writes generated account authorization dumps with seeded problems:
//! `cargo run --release -p leash-cli --example gen-audit-dumps -- OUT COUNT [SEED] [CLEAN_ROLES]`.
//! OUT gets `account-NNNNN.json` per account and `expected.jsonl`, one
//! line per finding `leash audit --trusted-accounts 999999999999` must
//! give (file, principal, code). Deterministic: the same arguments give
//! the same bytes. The generator is `tests/common/audit_generator.rs`.

#[path = "../tests/common/audit_generator.rs"]
mod audit_generator;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(out), Some(count)) = (
        args.first(),
        args.get(1).and_then(|c| c.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: gen-audit-dumps OUT COUNT [SEED] [CLEAN_ROLES]");
        return ExitCode::from(2);
    };
    let seed = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let clean_roles = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
    let out = PathBuf::from(out);
    if let Err(err) = std::fs::create_dir_all(&out) {
        eprintln!("error: cannot create `{}`: {err}", out.display());
        return ExitCode::from(2);
    }
    let mut expected = Vec::new();
    for index in 0..count {
        let dump = audit_generator::generate(seed, index, clean_roles);
        if let Err(err) = std::fs::write(out.join(&dump.file), &dump.text) {
            eprintln!("error: cannot write `{}`: {err}", dump.file);
            return ExitCode::from(2);
        }
        for e in dump.expected {
            let line =
                serde_json::json!({"file": e.file, "principal": e.principal, "code": e.code});
            let _ = writeln!(expected, "{line}");
        }
    }
    if let Err(err) = std::fs::write(out.join("expected.jsonl"), expected) {
        eprintln!("error: cannot write `expected.jsonl`: {err}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
