//! Generated trails (`leash_usage::generate`) driven by the roles leash
//! designs for the applications of `../shared/corpus/sam-apps`: the
//! aggregate `read_trails` computes equals the generator's truth, and
//! every role narrowed from it, against its account's dump, is proved
//! `no-new-access` and replays every row its original allows.
//!
//! The AWS documentation's example records (S3's log file entries page:
//! `ListBuckets`, `PutBucketAcl`, `GetBucketVersioning` by an IAM user; an
//! S3 `GetObject` data event naming the object and its bucket; an
//! `AccessDenied` call) are read beside the generated files with their
//! expected rows.
//!
//! The query `--emit-sql athena` writes is run on the same files by
//! DuckDB (translated by sqlglot, `scripts/athena-duckdb.py`) and must give
//! the same rows.
//!
//! `big_trail` (ignored: `cargo test --release -p leash-usage --test
//! generated -- --ignored`) is the same comparison on 5,000,000 events
//! over 30 accounts, and prints the aggregation rate.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use leash_design::{Target, design, read_application, read_template};
use leash_usage::aggregate::Key;
use leash_usage::generate::{self, ACCOUNT, Options, REGION, RoleSpec};
use leash_usage::refine::{ProofOutcome, RoleInput, data_logged_services, refine};
use leash_usage::{Row, read_trails};

fn corpus_apps() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sam-apps");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and ../shared/corpus is absent: the corpus test cannot run"
    );
    eprintln!("skipped: ../shared/corpus is absent");
    None
}

/// The roles leash designs for the first `limit` apps that design, each
/// symbol (a value known only at deployment) given one value `vN`.
fn designed_roles(apps: &Path, limit: usize) -> Vec<RoleSpec> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(apps)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    let mut roles = Vec::new();
    let mut apps_used = 0;
    for dir in dirs {
        if apps_used == limit {
            break;
        }
        let Ok(text) = std::fs::read_to_string(dir.join("template.yaml")) else {
            continue;
        };
        let Ok(template) = read_template(&text) else {
            continue;
        };
        let target = Target {
            account: Some(ACCOUNT.into()),
            region: Some(REGION.into()),
            stack_name: Some("stack".into()),
            ..Default::default()
        };
        let Ok(app) = read_application(&template, &target) else {
            continue;
        };
        let Ok(designs) = design(&app) else {
            continue;
        };
        if designs.is_empty() {
            continue;
        }
        apps_used += 1;
        let app_name = dir.file_name().unwrap().to_string_lossy().to_string();
        for role in designs {
            let printed = leash_policy::print::print_policy(role.permissions_policy.policy());
            let mut policy = String::new();
            for c in printed.chars() {
                match leash_policy::symbol::symbol_index(c) {
                    Some(index) => policy.push_str(&format!("v{index}")),
                    None => policy.push(c),
                }
            }
            let name: String = format!("{app_name}-{}", role.role_name)
                .chars()
                .take(64)
                .collect();
            roles.push(RoleSpec { name, policy });
        }
    }
    roles
}

/// The rows the AWS examples must give.
fn example_truth() -> Vec<(Key, Row)> {
    let user = "arn:aws:iam::111122223333:user/myUserName";
    let role = "arn:aws:iam::111122223333:role/RoleToBeAssumed";
    let row = |time: &str, error: Option<&str>, data: bool| {
        let mut row = Row::default();
        row.add(time, error, data);
        row
    };
    vec![
        (
            (user.into(), "s3:ListAllMyBuckets".into(), None),
            row("2019-02-01T03:18:19Z", None, false),
        ),
        (
            (user.into(), "s3:PutBucketAcl".into(), None),
            row("2019-02-01T03:22:33Z", None, false),
        ),
        (
            (user.into(), "s3:GetBucketVersioning".into(), None),
            row("2019-02-01T03:26:37Z", None, false),
        ),
        (
            (
                role.into(),
                "s3:GetObject".into(),
                Some("arn:aws:s3:::amzn-s3-demo-bucket1/object1.txt".into()),
            ),
            row("2020-01-09T22:44:41Z", None, true),
        ),
        (
            (
                role.into(),
                "dynamodb:DescribeTable".into(),
                Some("arn:aws:dynamodb:us-west-2:111122223333:table/Music".into()),
            ),
            row("2020-01-09T22:45:02Z", Some("AccessDenied"), false),
        ),
    ]
}

/// The Python with `duckdb` and `sqlglot` (.ci/run installs them into
/// target/validators and names it in LEASH_VALIDATOR_PYTHON); `None`
/// locally when absent (a failure under CI=true).
fn duckdb_python() -> Option<PathBuf> {
    let python = std::env::var("LEASH_VALIDATOR_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/validators/bin/python")
        });
    let ready = std::process::Command::new(&python)
        .args(["-c", "import duckdb, sqlglot"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ready {
        return Some(python);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and {} cannot import duckdb and sqlglot: .ci/run installs them",
        python.display()
    );
    eprintln!(
        "skipped: no Python with duckdb and sqlglot at {}",
        python.display()
    );
    None
}

/// The aggregate the Athena SQL gives on DuckDB over the trail under `root`.
fn athena_on_duckdb(python: &Path, root: &Path) -> leash_usage::Aggregate {
    let query = root.with_extension("sql");
    std::fs::write(&query, leash_usage::sql::athena("cloudtrail_logs")).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/athena-duckdb.py");
    let output = std::process::Command::new(python)
        .arg(script)
        .arg(&query)
        .arg(root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    leash_usage::read_aggregate("duckdb", &text).unwrap()
}

fn compare(root: &Path, generated: &generate::Generated) {
    let examples = root.join("AWSLogs/111122223333/CloudTrail/us-west-2/2020/01/09");
    std::fs::create_dir_all(&examples).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/aws-examples.json"),
        examples.join("examples.json"),
    )
    .unwrap();
    let mut truth = generated.truth.clone();
    for (key, row) in example_truth() {
        truth.entry(key).or_default().merge(&row);
    }
    let started = std::time::Instant::now();
    let aggregate = read_trails(&[root.to_path_buf()]).unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "{} records in {} files aggregated in {:.2?}: {:.0} records/s",
        aggregate.summary.records,
        aggregate.summary.files,
        elapsed,
        aggregate.summary.records as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(aggregate.summary.records, generated.records + 5);
    assert!(
        aggregate.summary.unmapped.is_empty(),
        "{:?}",
        aggregate.summary.unmapped
    );
    let missing: Vec<&Key> = truth
        .keys()
        .filter(|k| !aggregate.rows.contains_key(*k))
        .collect();
    let extra: Vec<&Key> = aggregate
        .rows
        .keys()
        .filter(|k| !truth.contains_key(*k))
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {:?}\nextra {:?}",
        &missing[..missing.len().min(5)],
        &extra[..extra.len().min(5)]
    );
    for (key, row) in &truth {
        assert_eq!(aggregate.rows.get(key), Some(row), "{key:?}");
    }
    // The Athena query, translated to DuckDB, gives the same rows
    // (LEASH_SKIP_SQL=1 leaves it out of a big run measured before).
    if std::env::var("LEASH_SKIP_SQL").is_ok() {
        return;
    }
    if let Some(python) = duckdb_python() {
        let started = std::time::Instant::now();
        let sql = athena_on_duckdb(&python, root);
        eprintln!(
            "Athena SQL on DuckDB: {} rows in {:.2?}",
            sql.rows.len(),
            started.elapsed()
        );
        let missing: Vec<&Key> = truth
            .keys()
            .filter(|k| !sql.rows.contains_key(*k))
            .collect();
        let extra: Vec<&Key> = sql
            .rows
            .keys()
            .filter(|k| !truth.contains_key(*k))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "SQL: missing {:?}\nextra {:?}",
            &missing[..missing.len().min(5)],
            &extra[..extra.len().min(5)]
        );
        for (key, row) in &truth {
            assert_eq!(sql.rows.get(key), Some(row), "SQL: {key:?}");
        }
    }
}

/// Every role of every account narrowed against the aggregate: proved,
/// and every allowed row replayed allowed.
fn narrow_all(roles: &[RoleSpec], accounts: usize, rows: &HashMap<Key, Row>) -> (usize, usize) {
    let logged: BTreeSet<String> = data_logged_services(rows.iter());
    let mut by_principal: HashMap<&str, Vec<(&Key, &Row)>> = HashMap::new();
    for (key, row) in rows {
        by_principal
            .entry(key.0.as_str())
            .or_default()
            .push((key, row));
    }
    let mut narrowed = 0;
    let mut replayed = 0;
    for (account, region) in generate::accounts(accounts) {
        let dump = generate::dump(roles, &account, region).to_string();
        for role in leash_lint::audit::role_permissions(&dump).unwrap() {
            assert!(role.unreadable.is_empty(), "{:?}", role.unreadable);
            let input = RoleInput {
                arn: role.arn.clone(),
                policies: role.policies,
                unreadable: Vec::new(),
            };
            let own = by_principal
                .get(role.arn.as_str())
                .cloned()
                .unwrap_or_default();
            let result = refine(&input, own.into_iter(), &logged, true);
            assert_eq!(result.replayed_allowed, result.allowed_rows, "{}", role.arn);
            match (&result.narrowed, &result.proof) {
                (Some(_), Some(ProofOutcome::Holds)) => {
                    narrowed += 1;
                    replayed += result.replayed_allowed;
                }
                // The prover cannot decide some original patterns
                // (`arn:aws:sns:*:*`, five segments): such a role is not
                // written (kept as is), never written unproved.
                (Some(_), Some(ProofOutcome::Unknown(reason))) => {
                    eprintln!("not narrowed, proof unknown: {}: {reason}", role.arn);
                }
                (Some(_), other) => panic!("{}: {other:?}", role.arn),
                (None, _) => {}
            }
        }
    }
    (narrowed, replayed)
}

#[test]
fn generated_trail_aggregates_to_the_truth_and_every_narrowed_role_is_proved() {
    let Some(apps) = corpus_apps() else {
        return;
    };
    let roles = designed_roles(&apps, 6);
    assert!(roles.len() >= 6, "{} roles", roles.len());
    let root = std::env::temp_dir().join(format!("leash-generated-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for data_events in [true, false] {
        let options = Options {
            accounts: 3,
            files: 12,
            records_per_file: 500,
            data_events,
            seed: 7,
        };
        let generated = generate::generate(&roles, &options, &root).unwrap();
        compare(&root, &generated);
        // Both kinds of event, errors, denials, several regions.
        let rows = &generated.truth;
        assert!(rows.values().any(|r| r.denied > 0) && rows.values().any(|r| r.errors > r.denied));
        assert_eq!(rows.values().any(|r| r.data_events > 0), data_events);
        let (narrowed, replayed) = narrow_all(&roles, options.accounts, rows);
        eprintln!("data events {data_events}: {narrowed} narrowed roles, {replayed} rows replayed");
        assert!(narrowed >= roles.len(), "{narrowed}");
        // LEASH_KEEP_TRAIL=DIR keeps the trail and the accounts' dumps
        // there, to run `leash usage DIR/trail --policies DIR/dumps` on.
        if let (Ok(keep), true) = (std::env::var("LEASH_KEEP_TRAIL"), data_events) {
            let keep = PathBuf::from(keep);
            let _ = std::fs::remove_dir_all(&keep);
            std::fs::create_dir_all(keep.join("dumps")).unwrap();
            for (account, region) in generate::accounts(options.accounts) {
                let dump = generate::dump(&roles, &account, region);
                std::fs::write(keep.join(format!("dumps/{account}.json")), dump.to_string())
                    .unwrap();
            }
            std::fs::rename(&root, keep.join("trail")).unwrap();
        }
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
#[ignore = "5,000,000 events: run with --release --ignored"]
fn big_trail() {
    let Some(apps) = corpus_apps() else {
        return;
    };
    let roles = designed_roles(&apps, 60);
    let root = std::env::var("LEASH_BIG_TRAIL")
        .map(PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("leash-big-trail"));
    let _ = std::fs::remove_dir_all(&root);
    let options = Options {
        accounts: 30,
        files: 1000,
        records_per_file: 5000,
        data_events: true,
        seed: 11,
    };
    let started = std::time::Instant::now();
    let generated = generate::generate(&roles, &options, &root).unwrap();
    eprintln!(
        "{} roles, {} records generated in {:.2?}",
        roles.len(),
        generated.records,
        started.elapsed()
    );
    assert!(generated.records >= 4_800_000);
    compare(&root, &generated);
    let started = std::time::Instant::now();
    let (narrowed, replayed) = narrow_all(&roles, options.accounts, &generated.truth);
    eprintln!(
        "{narrowed} roles narrowed and proved, {replayed} rows replayed, in {:.2?}",
        started.elapsed()
    );
}
