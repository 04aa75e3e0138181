//! Designs narrowed by what the handler code calls (issue 14, point 5), on
//! the applications of `../shared/corpus/sam-apps`:
//!
//! - every labeled call of `crates/leash-code/tests/labeled/sam-apps.tsv`
//!   (read by hand) is replayed through the engine against its function's
//!   designed role: no code-narrowed role denies a call the template's own
//!   IAM allows (a call the template denies too is a missing permission,
//!   `leash check` L511, which the design does not add);
//! - every code-narrowed role takes nothing away: `compare_with_original`
//!   (leash-prove) finds no original statement removed and nothing added.
//!
//! Fails under `CI=true` when the corpus is absent.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use leash_design::changes::{Detail, StatementChange, compare_with_original};
use leash_design::code::{narrow_with_code, request_arn};
use leash_design::original::{embedded_managed_policy, original_iam_all};
use leash_design::{Target, design, read_application, read_template};
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::Request;

const LABELS: &str = include_str!("../../leash-code/tests/labeled/sam-apps.tsv");

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/sam-apps");
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "CI=true and ../shared/corpus is absent: the code-needs test cannot run"
    );
    None
}

/// A labeled call site: (file, line, call).
type Site = (String, String, String);

/// (app, function) -> its labeled call sites with actions.
type Labeled = BTreeMap<(String, String), Vec<Site>>;

/// Each labeled call with actions, by (app, function).
fn labeled_calls() -> Labeled {
    let mut calls: Labeled = BTreeMap::new();
    for line in LABELS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        if f[4] == "-" || f[5] == "-" {
            continue;
        }
        calls
            .entry((f[0].to_string(), f[1].to_string()))
            .or_default()
            .push((f[2].to_string(), f[3].to_string(), f[4].to_string()));
    }
    calls
}

fn allows(policy: &leash_policy::Policy, account: &str, action: &str, resource: &str) -> bool {
    let set = PolicySet::new().with_identity_policy("role", policy.clone());
    PreparedPolicySet::new(&set)
        .evaluate(
            &Request::new(
                format!("arn:aws:iam::{account}:role/leash-replay"),
                action,
                resource,
            )
            .with_resource_account(account.to_string()),
        )
        .is_allowed()
}

#[test]
fn no_code_narrowed_role_denies_a_labeled_call_or_takes_anything_away() {
    let Some(corpus) = corpus() else { return };
    let labeled = labeled_calls();
    let apps: BTreeSet<&str> = labeled.keys().map(|(app, _)| app.as_str()).collect();
    let (mut replayed, mut narrowed_functions, mut missing) = (0, 0, Vec::new());
    let mut failures = Vec::new();
    for app_name in apps {
        let dir = corpus.join(app_name);
        let path = ["template.yaml", "template.yml", "template.json"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| p.is_file())
            .unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut template = read_template(&text).unwrap();
        template.source = Some(text.as_str().into());
        let Ok(mut app) = read_application(&template, &Target::default()) else {
            continue;
        };
        let code = leash_code::template_needs(&template, &path);
        let narrowings = narrow_with_code(&template, &mut app, &code);
        let narrowed: BTreeSet<&str> = narrowings
            .iter()
            .filter(|n| n.narrowed)
            .map(|n| n.function.as_str())
            .collect();
        if narrowed.is_empty() {
            continue;
        }
        narrowed_functions += narrowed.len();
        let roles = design(&app).unwrap();
        let originals = original_iam_all(&template, &app);
        for role in roles
            .iter()
            .filter(|r| narrowed.contains(r.function.as_str()))
        {
            let designed = role.permissions_policy.policy();
            let original = originals
                .iter()
                .find(|o| o.function == role.function)
                .unwrap()
                .combined(&embedded_managed_policy)
                .policy;
            let function_needs = code.iter().find(|f| f.function == role.function).unwrap();
            let key = (app_name.to_string(), role.function.clone());
            for (file, line, call) in labeled.get(&key).into_iter().flatten() {
                let need = function_needs
                    .needs
                    .iter()
                    .find(|n| n.file == *file && n.line.to_string() == *line && n.call == *call)
                    .unwrap_or_else(|| panic!("{app_name} {file}:{line} {call} not found"));
                let Some(resource) = request_arn(&template, &app, need) else {
                    panic!("{app_name} {file}:{line}: a narrowed function has an unknown resource");
                };
                for action in &need.actions {
                    replayed += 1;
                    if allows(designed, &app.account, action, &resource) {
                        continue;
                    }
                    if allows(&original, &app.account, action, &resource) {
                        failures.push(format!(
                            "{app_name} {}: {file}:{line} `{action}` on `{resource}` is denied by the design and allowed by the template",
                            role.function
                        ));
                    } else {
                        missing.push(format!("{app_name} {file}:{line} `{action}`"));
                    }
                }
            }
        }
        // The first law on the narrowed roles.
        let changes =
            compare_with_original(&app, &roles, &originals, &|_: &str| None, Detail::Counts);
        for function in changes
            .iter()
            .filter(|c| narrowed.contains(c.function.as_str()))
        {
            for statement in &function.statements {
                if matches!(
                    statement.change,
                    StatementChange::Removed | StatementChange::Undecided(_)
                ) {
                    failures.push(format!(
                        "{app_name} {}: {} {} ({})",
                        function.function,
                        statement.change.as_str(),
                        statement.text,
                        statement.origin
                    ));
                }
            }
            for added in &function.added {
                failures.push(format!(
                    "{app_name} {}: added `{}` on `{}`",
                    function.function, added.action, added.resource
                ));
            }
        }
    }
    println!(
        "{narrowed_functions} code-narrowed functions; {replayed} labeled (call, action) requests replayed; missing in the template too: {missing:?}"
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(narrowed_functions >= 10, "{narrowed_functions}");
}
