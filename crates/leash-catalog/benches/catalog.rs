//! Steady-state lookup costs, once the catalog is decoded. The one-time
//! start-up cost (what a fresh `leash` process pays) is measured by
//! `cargo run --release -p leash-catalog --example catalog_timing`, since a
//! `OnceLock` can only be filled once per process.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

fn lookups(criterion: &mut Criterion) {
    let catalog = leash_catalog::catalog();
    // Decode everything up front so every sample measures only the lookup.
    let _ = catalog.expand("*");
    let _ = catalog.resource_types_for_arn("arn:aws:s3:::bucket");
    let _ = catalog.condition_key("aws:SourceIp");

    criterion.bench_function("action s3:GetObject", |bench| {
        bench.iter(|| catalog.action(black_box("s3:getobject")))
    });
    criterion.bench_function("expand s3:Get*", |bench| {
        bench.iter(|| catalog.expand(black_box("s3:Get*")).len())
    });
    criterion.bench_function("expand *:Describe*", |bench| {
        bench.iter(|| catalog.expand(black_box("*:Describe*")).len())
    });
    criterion.bench_function("expand *", |bench| {
        bench.iter(|| catalog.expand(black_box("*")).len())
    });
    criterion.bench_function("resource_types_for_arn dynamodb index", |bench| {
        bench.iter(|| {
            catalog
                .resource_types_for_arn(black_box(
                    "arn:aws:dynamodb:us-east-1:111122223333:table/Orders/index/ByCustomer",
                ))
                .len()
        })
    });
    criterion.bench_function("resource_types_for_arn s3 object pattern", |bench| {
        bench.iter(|| {
            catalog
                .resource_types_for_arn(black_box("arn:aws:s3:::bucket/*"))
                .len()
        })
    });
    criterion.bench_function("condition_key aws:ResourceTag/team", |bench| {
        bench.iter(|| catalog.condition_key(black_box("aws:ResourceTag/team")))
    });
}

criterion_group! {
    name = benches;
    // The build machine is small and shared: short, modest runs.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = lookups
}
criterion_main!(benches);
