//! Panics are bugs; this keeps one from taking down more than the piece of
//! work it happened in. `leash check` runs each file, and `sim --batch`
//! each line, under [`isolate`]: a panic becomes an internal-error result
//! for that file or line, and the run goes on (exit 2 at the end). Every
//! other command runs under [`isolate`] as a whole: a clear message, exit
//! 2, and no output file (they are written by temporary file and rename,
//! last).
//!
//! Not for: errors in the input, which are findings or messages with a
//! position, never panics.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    /// What the last panic on this thread said, and where.
    static LAST_PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Set once any panic was caught: the run's exit code becomes 2.
static CAUGHT: AtomicBool = AtomicBool::new(false);

/// Replaces the default panic message (a thread name and a backtrace note)
/// with one line that says it is a bug, and keeps the message for the
/// internal-error result.
pub fn install_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = payload_text(info.payload());
        // The reader of the output went away (`leash check ... | head`):
        // nothing is wrong, and there is nobody left to tell. Stop
        // quietly, as ripgrep and the coreutils do.
        if message.starts_with("failed printing to std") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        let place = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let described = format!("{message}{place}");
        eprintln!(
            "error: internal error in leash (a bug): {described}; please report it with the input that caused it"
        );
        LAST_PANIC.with(|last| *last.borrow_mut() = Some(described));
    }));
}

/// Runs `work`; a panic in it becomes `Err` with what it said.
pub fn isolate<R>(work: impl FnOnce() -> R) -> Result<R, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).map_err(|payload| {
        CAUGHT.store(true, Ordering::Relaxed);
        // The hook's message has the place; without the hook, the payload.
        LAST_PANIC
            .with(|last| last.borrow_mut().take())
            .unwrap_or_else(|| payload_text(payload.as_ref()))
    })
}

/// What a panic said (`panic!` gives a `&str` or a `String`).
fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".to_string())
}

/// Whether any panic was caught so far.
pub fn caught_any() -> bool {
    CAUGHT.load(Ordering::Relaxed)
}

/// The message of an internal-error result.
pub fn describe(what: &str, panic: &str) -> String {
    format!(
        "internal error in leash (a bug) while {what}: {panic}; please report it with the input that caused it"
    )
}
