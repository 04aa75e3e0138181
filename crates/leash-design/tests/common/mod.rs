//! What the corpus tests share.

use std::path::{Path, PathBuf};

/// `../shared/corpus/RELATIVE`, when it is there; a failure under
/// `CI=true` when it is not (a corpus test never skips in CI).
pub fn corpus(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and ../shared/corpus/{relative} is absent: the corpus test cannot run"
    );
    eprintln!("skipped: ../shared/corpus/{relative} is absent");
    None
}
