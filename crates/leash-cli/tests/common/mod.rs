//! Helpers shared by the integration tests: run the real binary from the
//! repository root, find the corpus, make temporary folders.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn leash(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_leash"))
        .args(args)
        .current_dir(repo_root())
        .output()
        .expect("run leash")
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `../shared/corpus`, or `None` (with a notice) when it is absent.
pub fn corpus() -> Option<PathBuf> {
    let path = repo_root().join("../shared/corpus");
    if path.is_dir() {
        Some(path)
    } else {
        eprintln!("notice: ../shared/corpus is absent; skipping corpus test");
        None
    }
}

/// A fresh folder under the system's temporary folder, per process and name.
pub fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("leash-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
