//! leash's fuzzing harness lives in `tests/fuzz.rs`: property tests
//! (proptest, stable toolchain) that feed every reader arbitrary bytes and
//! structure-aware mutations of real files (`../shared/corpus` and the
//! repository's fixtures), then check that nothing panics and that every
//! finding's span lies on character boundaries of the text it points into.
//!
//! Run it bounded, as CI does (`cargo test --workspace`), or longer:
//! `LEASH_FUZZ_CASES=20000 cargo test -p leash-fuzz --release`. A failing
//! input is shrunk and kept in `tests/fuzz.proptest-regressions`, replayed
//! first on every later run: commit it with the fix.
//!
//! This crate has no code of its own.
