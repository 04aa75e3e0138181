//! Times what a command-line process pays for the catalog: reading the
//! version constants (no decoding), the first lookup (inflate + index), and
//! a few lookups after that.
//!
//! Run: `cargo run --release -p leash-catalog --example catalog_timing`.
//! With the argument `version` it only prints the data version, like
//! `leash --version`, so the whole process can be timed from outside.

use std::time::Instant;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("version") {
        println!(
            "{}@{} ({})",
            leash_catalog::DATA_PACKAGE,
            leash_catalog::DATA_VERSION,
            leash_catalog::DATA_UPDATED
        );
        return;
    }
    let start = Instant::now();
    let version = format!(
        "{}@{} ({})",
        leash_catalog::DATA_PACKAGE,
        leash_catalog::DATA_VERSION,
        leash_catalog::DATA_UPDATED
    );
    let version_time = start.elapsed();

    let start = Instant::now();
    let found = leash_catalog::catalog().action("s3:GetObject").is_some();
    let first_lookup = start.elapsed();

    let start = Instant::now();
    let all = leash_catalog::catalog().expand("*").len();
    let expand_all = start.elapsed();

    let start = Instant::now();
    let describe = leash_catalog::catalog().expand("*:Describe*").len();
    let expand_describe = start.elapsed();

    let start = Instant::now();
    let types = leash_catalog::catalog()
        .resource_types_for_arn(
            "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/ByCustomer",
        )
        .len();
    let arn_lookup = start.elapsed();

    let start = Instant::now();
    let description_length = leash_catalog::catalog()
        .action("s3:GetObject")
        .map_or(0, |action| action.description().len());
    let first_description = start.elapsed();

    println!("data: {version}");
    println!("version constants:        {version_time:?}");
    println!("first lookup (decode):    {first_lookup:?} (found: {found})");
    println!("expand `*`:               {expand_all:?} ({all} actions)");
    println!("expand `*:Describe*`:     {expand_describe:?} ({describe} actions)");
    println!("resource_types_for_arn:   {arn_lookup:?} ({types} types)");
    println!("first description:        {first_description:?} ({description_length} bytes)");
}
