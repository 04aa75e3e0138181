//! The `leash` binary: argument parsing, output formats and exit codes.
//! Semantics live in the library crates; this is glue.

mod action;
mod args;
mod audit;
mod check;
mod config;
mod design;
mod needs;
mod panic_guard;
mod parallel;
mod prove;
mod render;
mod sim;
mod source;
mod usage;

use std::process::ExitCode;

/// The binary allocates many small, short-lived values on every core (a
/// parsed tree, findings and their text per file). With glibc's allocator,
/// malloc and free took 13% of `leash check`'s CPU time on the managed
/// policies, and growing its per-thread heaps (`mprotect`, page faults)
/// another 14%; mimalloc takes less of both (docs/benchmarks.md,
/// "Allocator"). It is built without transparent huge pages (`no_thp`):
/// with them, a run after another process had fragmented memory spent half
/// its time in the kernel zeroing 2 MiB pages. The library crates do not
/// choose an allocator; only the binary does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit codes shared by every command (ARCHITECTURE.md, CLI contract).
pub(crate) mod exit {
    /// Success: nothing at or above the threshold, or the property holds.
    pub const OK: u8 = 0;
    /// Findings at or above the threshold, or the property does not hold.
    pub const FINDINGS: u8 = 1;
    /// Usage error or unreadable input.
    pub const ERROR: u8 = 2;
}

fn main() -> ExitCode {
    let cli = args::Cli::parse_with_version();
    panic_guard::install_hook();
    // `check` and `sim --batch` isolate each file and line themselves; a
    // panic anywhere else ends the command with exit 2 and its message
    // (printed by the hook), and nothing written.
    let code = panic_guard::isolate(|| match cli.command {
        args::Command::Action(a) => action::run(&a),
        args::Command::Check(c) => check::run(&c),
        args::Command::Sim(s) => sim::run(&s),
        args::Command::Prove(p) => prove::run(&p),
        args::Command::Design(d) => design::run(&d),
        args::Command::Audit(a) => audit::run(&a),
        args::Command::Usage(u) => usage::run(&u),
        args::Command::Needs(n) => needs::run(&n),
    })
    .unwrap_or(exit::ERROR);
    ExitCode::from(code)
}
