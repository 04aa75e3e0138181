//! ARNs are split in one place, `leash_catalog::arn` (re-exported as
//! `leash_policy::arn`): this test scans every crate's Rust sources and
//! fails if an ARN is split at its colons anywhere else, the way the
//! crates did before the typed `Arn` (`splitn(6, ':')`,
//! `split(':').nth(4)`, `rsplit(':')` on a function name...).
//!
//! `split(':').next()` stays allowed: it takes an action's service
//! (`s3` of `s3:GetObject`), not an ARN field.

use std::path::{Path, PathBuf};

/// The one file allowed to split ARNs (its tests compare with `splitn`).
const ARN_MODULE: &str = "crates/leash-catalog/src/arn.rs";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|name| name == "target") {
                continue;
            }
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The colon-splitting calls on `line` (spaces removed) that parse ARN
/// fields.
fn arn_splits(line: &str) -> Vec<&'static str> {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found = Vec::new();
    for call in ["splitn(", "rsplitn("] {
        let mut rest = compact.as_str();
        while let Some(at) = rest.find(call) {
            rest = &rest[at + call.len()..];
            // `splitn(N, ':')` for any N.
            let arguments = rest.split(')').next().unwrap_or("");
            if arguments.ends_with(",':'") || arguments.ends_with(",\":\"") {
                found.push(if call == "splitn(" {
                    "splitn(_, ':')"
                } else {
                    "rsplitn(_, ':')"
                });
            }
        }
    }
    for split in [
        ".split(':')",
        ".split(\":\")",
        ".rsplit(':')",
        ".rsplit(\":\")",
    ] {
        let mut rest = compact.as_str();
        while let Some(at) = rest.find(split) {
            rest = &rest[at + split.len()..];
            if !(split.starts_with(".split") && rest.starts_with(".next()")) {
                found.push(split);
            }
        }
    }
    found
}

#[test]
fn the_scanner_recognises_the_old_forms() {
    assert_eq!(
        arn_splits("let p = arn.splitn(6, ':');"),
        ["splitn(_, ':')"]
    );
    assert_eq!(arn_splits("text.splitn(4,':')"), ["splitn(_, ':')"]);
    assert_eq!(arn_splits("arn.split(':').nth(4)"), [".split(':')"]);
    assert_eq!(arn_splits("let mut f = s.split(':');"), [".split(':')"]);
    assert_eq!(arn_splits("name.rsplit(':').next()"), [".rsplit(':')"]);
    assert!(arn_splits("action.split(':').next()").is_empty());
    assert!(arn_splits("text.splitn(2, '/')").is_empty());
    assert!(arn_splits("key.split_once(':')").is_empty());
}

#[test]
fn no_arn_is_split_outside_the_arn_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files = Vec::new();
    rust_files(&root.join("crates"), &mut files);
    assert!(files.len() > 50, "found only {} Rust files", files.len());
    let mut offenders = Vec::new();
    for file in &files {
        let relative = file
            .strip_prefix(&root)
            .unwrap_or(file)
            .to_string_lossy()
            .replace('\\', "/");
        if relative == ARN_MODULE || relative.ends_with("tests/arn_parsing_is_typed.rs") {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap_or_default();
        for (number, line) in text.lines().enumerate() {
            for split in arn_splits(line) {
                offenders.push(format!("{relative}:{}: {split}", number + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "split ARNs with leash_policy::arn::Arn (or leash_catalog::arn in leash-catalog) instead:\n{}",
        offenders.join("\n")
    );
}
