//! The first law of `leash design` on the 268 real SAM templates of
//! `../shared/corpus/sam-templates` (issue 12, point 1): a design never
//! takes away access the application may use, and grants nothing beyond
//! the template's IAM and the needs the author declared.
//!
//! For every function of every template leash designs (with a stack name
//! and parameter values where names are only known at deployment), each
//! `Allow` statement of its original IAM (`original::original_iam_all`,
//! AWS managed policies from `../shared/corpus/aws-managed-policies`) is
//! classified by `changes::compare_with_original` (leash-prove), and:
//!
//! - none is *removed* (the design allows none of it and no declared need
//!   replaces it) and none is undecided;
//! - a statement *kept as is* loses nothing: every request sampled from it
//!   (each action it lists, wildcards expanded from the AWS catalog, on
//!   each resource it names with wildcards filled in) that the template's
//!   IAM allows, the design allows (the engine); a statement with a
//!   condition or `NotAction`/`NotResource` must be in the design
//!   verbatim;
//! - a *narrowed* statement loses no service: every service of its actions
//!   has a designed permission that overlaps the statement (leash-prove's
//!   `not-granted` fails for it), or a statement kept as is;
//! - `no-new-access(original IAM + declared needs, design)` holds
//!   (leash-prove), with the counterexample printed when it does not.
//!
//! The per-template table of kept / narrowed / superseded / kept as is /
//! added is printed; `LEASH_FIRST_LAW_TABLE=FILE` also writes it as
//! Markdown (docs/design.md, "The first law on the corpus", is that file).
//! Fails under `CI=true` when the corpus is absent.

#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use leash_design::changes::{ChangeCounts, Detail, StatementChange, compare_with_original};
use leash_design::original::{managed_policy_name, original_iam_all};
use leash_design::{RoleDesign, Target, design, read_application, read_template};
use leash_policy::Policy;
use leash_policy::authz::{PolicySet, PreparedPolicySet};
use leash_policy::context::{Request, RequestContext};
use leash_policy::parse::{parse_policy_bytes, parse_policy_text};
use leash_prove::domain::KeyValue;
use leash_prove::{Property, Verdict};

const ACCOUNT: &str = "111122223333";
const REGION: &str = "us-east-1";
/// Requests sampled per wildcard action pattern.
const PER_PATTERN: usize = 4;

/// `../shared/corpus/sam-apps/<stem>` for a template `<stem>.yaml`, when
/// the corpus has that application with its files.
fn app_dir(template: &str) -> Option<PathBuf> {
    let stem = template.trim_end_matches(".yaml").trim_end_matches(".yml");
    let dir = corpus_dir("sam-apps")?.join(stem);
    dir.is_dir().then_some(dir)
}

fn corpus_dir(name: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus")
        .join(name);
    dir.is_dir().then_some(dir)
}

fn managed_policies(dir: &Path) -> HashMap<String, Policy> {
    let mut policies = HashMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(name) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if let Some(policy) = parse_policy_bytes(&std::fs::read(&path).unwrap()).policy {
            policies.insert(name.to_string(), policy);
        }
    }
    policies
}

/// A value for every parameter without a default not read from SSM (as
/// `tests/corpus.rs` gives them): its first `AllowedValues` entry, else `1`
/// for a number, else `corpus-` and its name in lowercase.
fn derived_parameter_values(template: &leash_design::Template) -> BTreeMap<String, String> {
    template
        .parameters
        .iter()
        .filter(|p| p.default.is_none())
        .filter(|p| {
            !p.parameter_type
                .as_deref()
                .unwrap_or("")
                .starts_with("AWS::SSM::Parameter::Value")
        })
        .map(|p| {
            let allowed = p
                .allowed_values
                .as_ref()
                .and_then(|a| a.as_array())
                .and_then(|a| a.first())
                .and_then(|v| match &v.kind {
                    leash_policy::ValueKind::String(t) | leash_policy::ValueKind::Number(t) => {
                        Some(t.clone())
                    }
                    _ => None,
                });
            let value = allowed.unwrap_or_else(|| {
                if p.parameter_type.as_deref() == Some("Number") {
                    "1".to_string()
                } else {
                    format!("corpus-{}", p.name.node.to_lowercase())
                }
            });
            (p.name.node.clone(), value)
        })
        .collect()
}

#[derive(Default)]
struct Row {
    functions: usize,
    counts: ChangeCounts,
}

/// Principals and their original statements' changes, by kind.
#[derive(Default)]
struct KindRow {
    principals: usize,
    templates: BTreeSet<String>,
    counts: ChangeCounts,
    /// Services of superseded statements the design grants nothing of,
    /// because the definition never calls them.
    unused_services: usize,
}

fn add(total: &mut ChangeCounts, counts: &ChangeCounts) {
    total.kept += counts.kept;
    total.narrowed += counts.narrowed;
    total.superseded += counts.superseded;
    total.kept_as_is += counts.kept_as_is;
    total.added += counts.added;
    total.removed += counts.removed;
    total.undecided += counts.undecided;
    total.deny_dropped += counts.deny_dropped;
    total.grants_nothing += counts.grants_nothing;
}

#[test]
fn no_function_loses_access_on_the_sam_corpus() {
    let (Some(templates_dir), Some(managed_dir)) = (
        corpus_dir("sam-templates"),
        corpus_dir("aws-managed-policies"),
    ) else {
        // A skip in CI would hide the test: there it fails.
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true and ../shared/corpus is absent: the corpus test cannot run"
        );
        eprintln!("skipped: ../shared/corpus is absent");
        return;
    };
    let managed = managed_policies(&managed_dir);
    // The corpus's documents first, then the ones leash-catalog embeds
    // (`AdministratorAccess` is not among the corpus's).
    let lookup = |arn: &str| {
        managed
            .get(managed_policy_name(arn))
            .cloned()
            .or_else(|| leash_design::changes::aws_managed_policy_document(arn))
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&templates_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 268, "the corpus changed");

    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, KindRow> = BTreeMap::new();
    let mut not_designed: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut violations = Vec::new();
    let mut sampled = 0usize;
    let mut proofs = 0usize;
    let mut kept_reasons: BTreeMap<String, usize> = BTreeMap::new();
    // What leash-prove could not decide (the engine then decides on
    // sampled requests), and counterexamples the engine does not confirm.
    let mut undecided = Vec::new();
    let mut disagreements = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let Ok(template) = read_template(&text) else {
            not_designed
                .entry("unreadable".into())
                .or_default()
                .push(name);
            continue;
        };
        let mut target = Target {
            account: Some(ACCOUNT.into()),
            region: Some(REGION.into()),
            // The application's files (a state machine's `DefinitionUri`)
            // are in `sam-apps/<name>/` when the corpus has the app.
            template_dir: app_dir(&name),
            ..Default::default()
        };
        let app = match read_application(&template, &target) {
            Ok(app) => app,
            Err(error) if error.to_string().contains("only known at deployment") => {
                target.stack_name = Some("corpus-stack".into());
                target.parameters = derived_parameter_values(&template);
                match read_application(&template, &target) {
                    Ok(app) => app,
                    Err(error) => {
                        not_designed
                            .entry(format!("model error: {error}"))
                            .or_default()
                            .push(name);
                        continue;
                    }
                }
            }
            Err(error) => {
                not_designed
                    .entry(format!("model error: {error}"))
                    .or_default()
                    .push(name);
                continue;
            }
        };
        if app.functions.is_empty() {
            not_designed
                .entry("no principal (function, state machine, API Gateway role, pipe, schedule or rule target with a role, delivery or data principal)".into())
                .or_default()
                .push(name);
            continue;
        }
        let roles = match design(&app) {
            Ok(roles) => roles,
            Err(error) => {
                violations.push(format!("{name}: not designed: {}", error));
                continue;
            }
        };
        let originals = original_iam_all(&template, &app);
        let changes = compare_with_original(&app, &roles, &originals, &lookup, Detail::Full);
        let row = rows.entry(name.clone()).or_default();
        for ((role, original), change) in roles.iter().zip(&originals).zip(&changes) {
            assert_eq!(role.function, change.function);
            row.functions += 1;
            let counts = change.counts();
            add(&mut row.counts, &counts);
            let principal_model = app
                .functions
                .iter()
                .find(|f| f.logical_id == role.function)
                .unwrap();
            let kind_row = kinds.entry(role.kind.as_str()).or_default();
            kind_row.principals += 1;
            kind_row.templates.insert(name.clone());
            add(&mut kind_row.counts, &counts);
            for kept in &role.kept_as_is {
                *kept_reasons
                    .entry(reason_category(&kept.reason))
                    .or_default() += 1;
            }
            let at = format!("{name} `{}`", role.function);
            let declares = !role.permissions.is_empty()
                && role
                    .permissions
                    .iter()
                    .any(|p| p.needs.iter().any(|n| n.contains("Metadata.leash.needs")));
            let combined = original.combined(&lookup);
            let principal = format!("arn:aws:iam::{ACCOUNT}:role/{}", role.role_name);
            let designed_policy = role.permissions_policy.policy().clone();
            let designed_set = designed_set(role, &designed_policy, &lookup);
            let original_set = PreparedPolicySet::new(
                &PolicySet::new().with_identity_policy("original", combined.policy.clone()),
            );
            let designed_texts: BTreeSet<String> = designed_policy
                .statements
                .iter()
                .map(statement_text)
                .collect();
            let kept_services: BTreeSet<String> = designed_policy
                .statements
                .iter()
                .skip(role.scoped_statements)
                .flat_map(|s| s.action.node.patterns.iter().map(|p| service_of(&p.node)))
                .collect();
            let designed_services: BTreeSet<String> = designed_policy
                .statements
                .iter()
                .flat_map(|s| s.action.node.patterns.iter().map(|p| service_of(&p.node)))
                .collect();
            for statement in &change.statements {
                match &statement.change {
                    StatementChange::Removed => violations.push(format!(
                        "{at}: removed without a declared need: {} {}",
                        statement.origin, statement.text
                    )),
                    StatementChange::Undecided(why) => {
                        // The prover could not decide: the engine on
                        // requests sampled from the statement instead.
                        undecided.push(format!("{at}: {why}"));
                        let Some(parsed) = parse_statement(&statement.text) else {
                            violations.push(format!("{at}: undecided ({why}): {}", statement.text));
                            continue;
                        };
                        // No service of the statement may be lost: the
                        // design grants some action of each.
                        let action = &parsed.statements[0].action.node;
                        for service in action.patterns.iter().map(|p| service_of(&p.node)) {
                            if !action.negated && !declares && !designed_services.contains(&service)
                            {
                                violations.push(format!(
                                    "{at}: undecided ({why}), and the design grants nothing of `{service}`: {} {}",
                                    statement.origin, statement.text
                                ));
                            }
                        }
                    }
                    StatementChange::KeptAsIs(_) => {
                        let Some(parsed) = parse_statement(&statement.text) else {
                            // A managed policy whose document leash lacks.
                            continue;
                        };
                        let parsed_statement = &parsed.statements[0];
                        if parsed_statement.condition.is_some()
                            || parsed_statement.action.node.negated
                            || parsed_statement.resource.is_none()
                        {
                            if !designed_texts.contains(&statement_text(parsed_statement))
                                && !statement.origin.starts_with("managed policy")
                            {
                                violations.push(format!(
                                    "{at}: kept as is but not in the design: {}",
                                    statement.text
                                ));
                            }
                            continue;
                        }
                        for (action, resource) in sample_requests(parsed_statement) {
                            let request = Request::new(principal.clone(), &action, &resource);
                            if !original_set.evaluate(&request).is_allowed() {
                                continue;
                            }
                            sampled += 1;
                            if !designed_set.evaluate(&request).is_allowed() {
                                violations.push(format!(
                                    "{at}: kept as is, yet the design denies `{action}` on `{resource}` ({})",
                                    statement.origin
                                ));
                            }
                        }
                    }
                    StatementChange::Narrowed { by } => {
                        let Some(parsed) = parse_statement(&statement.text) else {
                            continue;
                        };
                        let action = &parsed.statements[0].action.node;
                        if action.negated {
                            continue;
                        }
                        let by_services: BTreeSet<String> = by
                            .iter()
                            .filter_map(|b| b.split('`').nth(1))
                            .map(service_of)
                            .collect();
                        for service in action.patterns.iter().map(|p| service_of(&p.node)) {
                            // A state machine's service its definition
                            // tells every use of and never calls.
                            let unused = principal_model.definition.as_ref().is_some_and(|d| {
                                d.complete_for(&service) && !d.services.contains(&service)
                            });
                            if unused && !by_services.contains(&service) {
                                kinds.entry(role.kind.as_str()).or_default().unused_services += 1;
                                continue;
                            }
                            if !by_services.contains(&service) && !kept_services.contains(&service)
                            {
                                violations.push(format!(
                                    "{at}: narrowed, and service `{service}` lost: {} {} (overlapped by {by:?})",
                                    statement.origin, statement.text
                                ));
                            }
                        }
                    }
                    // A state machine's statement superseded by its
                    // definition: each service the design grants nothing
                    // of must be one the definition never calls (and one
                    // it tells every use of).
                    StatementChange::Superseded if principal_model.definition.is_some() => {
                        let definition = principal_model.definition.as_ref().unwrap();
                        let Some(parsed) = parse_statement(&statement.text) else {
                            continue;
                        };
                        let action = &parsed.statements[0].action.node;
                        for service in action.patterns.iter().map(|p| service_of(&p.node)) {
                            if designed_services.contains(&service) {
                                continue;
                            }
                            // Every use of the service was refused: the
                            // template's IAM grants none of them anywhere
                            // (the design grants each use it does grant),
                            // so the statement granted no use either
                            // (`sns-firehose-opensearch.yml`: the stream's
                            // role has 29 `aoss` management actions, not
                            // the `aoss:APIAccessAll` its destination uses).
                            let every_use_refused = definition.complete_for(&service)
                                && principal_model.ignored.iter().any(|n| {
                                    n.contains(&format!("`{service}:"))
                                        && n.ends_with(
                                            "which the template's IAM does not grant: not granted",
                                        )
                                });
                            if every_use_refused {
                                kinds.entry(role.kind.as_str()).or_default().unused_services += 1;
                                continue;
                            }
                            if definition.services.contains(&service)
                                || !definition.complete_for(&service)
                            {
                                violations.push(format!(
                                    "{at}: superseded by the definition, yet `{service}` is lost, which the definition uses or leaves unknown: {} {}",
                                    statement.origin, statement.text
                                ));
                            } else {
                                kinds.entry(role.kind.as_str()).or_default().unused_services += 1;
                            }
                        }
                    }
                    StatementChange::Kept
                    | StatementChange::Superseded
                    | StatementChange::DenyDropped
                    | StatementChange::GrantsNothing => {}
                }
            }
            // The second law: nothing beyond the original and the
            // declared needs.
            let mut old = combined.policy.clone();
            old.statements.extend(
                declared_statements(role)
                    .into_iter()
                    .flat_map(|p| p.statements),
            );
            proofs += 1;
            let property = Property::NoNewAccess {
                old: old.clone(),
                new: designed_policy.clone(),
            };
            let old_set =
                PreparedPolicySet::new(&PolicySet::new().with_identity_policy("old", old));
            let new_set = PreparedPolicySet::new(
                &PolicySet::new().with_identity_policy("designed", designed_policy.clone()),
            );
            match leash_prove::prove(&property).map(|p| p.verdict) {
                Ok(Verdict::Holds) => {}
                Ok(Verdict::DoesNotHold(counterexample)) => {
                    // The engine decides: the counterexample replayed on
                    // both sides.
                    let request = replay(&principal, &counterexample);
                    if new_set.evaluate(&request).is_allowed()
                        && !old_set.evaluate(&request).is_allowed()
                    {
                        violations.push(format!(
                            "{at}: the design allows what the template's IAM and the declared needs do not:\n{}",
                            counterexample.describe()
                        ));
                    } else {
                        disagreements.push(format!(
                            "{at}: leash-prove's counterexample is not one for the engine:\n{}",
                            counterexample.describe()
                        ));
                    }
                }
                Ok(Verdict::Unknown(reason)) => {
                    undecided.push(format!("{at}: no-new-access: {reason}"));
                    sample_new_access(
                        &at,
                        &designed_policy,
                        &principal,
                        &old_set,
                        &new_set,
                        &mut violations,
                    );
                }
                Err(error) => {
                    undecided.push(format!("{at}: no-new-access: {error}"));
                    sample_new_access(
                        &at,
                        &designed_policy,
                        &principal,
                        &old_set,
                        &new_set,
                        &mut violations,
                    );
                }
            }
        }
    }

    let mut table = render_table(&rows, &not_designed, &kept_reasons);
    table.push_str(
        "\nBy kind of principal (original `Allow` statements):\n\n| kind | templates | principals | kept | narrowed | superseded | kept as is | added | services dropped as unused by the definition |\n|---|---|---|---|---|---|---|---|---|\n",
    );
    for (kind, row) in &kinds {
        let c = &row.counts;
        table.push_str(&format!(
            "| {kind} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
            row.templates.len(),
            row.principals,
            c.kept,
            c.narrowed,
            c.superseded,
            c.kept_as_is,
            c.added,
            row.unused_services
        ));
    }
    println!("{table}");
    println!(
        "requests sampled from statements kept as is: {sampled}; no-new-access proofs: {proofs}"
    );
    println!(
        "undecided by leash-prove (decided by the engine on sampled requests instead): {}",
        undecided.len()
    );
    for line in &undecided {
        println!("  {line}");
    }
    println!(
        "leash-prove counterexamples the engine does not confirm: {}",
        disagreements.len()
    );
    for line in &disagreements {
        println!("  {line}");
    }
    if let Some(file) = std::env::var_os("LEASH_FIRST_LAW_TABLE") {
        std::fs::write(file, &table).unwrap();
    }
    assert!(
        violations.is_empty(),
        "{} violations of the first law:\n{}",
        violations.len(),
        violations.join("\n")
    );
}

/// A prover counterexample as an engine request.
fn replay(principal: &str, counterexample: &leash_prove::Counterexample) -> Request {
    let mut context = RequestContext::new();
    for (key, value) in &counterexample.context {
        match value {
            KeyValue::Absent => {}
            KeyValue::Single(single) => context = context.with(key.clone(), single.clone()),
            KeyValue::Multiple(values) => {
                context = context.with_values(key.clone(), values.iter().cloned())
            }
        }
    }
    Request::new(
        principal.to_string(),
        counterexample.action.clone(),
        counterexample.resource.clone(),
    )
    .with_context(context)
}

/// Where leash-prove cannot decide no-new-access: every request sampled
/// from the design's `Allow` statements (without conditions) that the
/// design allows must be allowed by the original and the declared needs.
fn sample_new_access(
    at: &str,
    designed: &Policy,
    principal: &str,
    old: &PreparedPolicySet,
    new: &PreparedPolicySet,
    violations: &mut Vec<String>,
) {
    for statement in &designed.statements {
        if statement.condition.is_some()
            || statement.action.node.negated
            || statement.effect.node != leash_policy::ast::Effect::Allow
        {
            continue;
        }
        for (action, resource) in sample_requests(statement) {
            let request = Request::new(principal.to_string(), &action, &resource);
            if new.evaluate(&request).is_allowed() && !old.evaluate(&request).is_allowed() {
                violations.push(format!(
                    "{at}: the design allows `{action}` on `{resource}`, which the template's IAM and the declared needs do not"
                ));
            }
        }
    }
}

/// The role as the engine sees it: its permissions policy and the AWS
/// managed policies it keeps as is.
fn designed_set(
    role: &RoleDesign,
    policy: &Policy,
    lookup: &dyn Fn(&str) -> Option<Policy>,
) -> PreparedPolicySet {
    let mut set = PolicySet::new().with_identity_policy("designed", policy.clone());
    for kept in &role.kept_as_is {
        if let leash_design::model::KeptItem::ManagedPolicy { arn, .. } = &kept.item
            && let Some(document) = lookup(arn)
        {
            set = set.with_identity_policy(arn.clone(), document);
        }
    }
    PreparedPolicySet::new(&set)
}

/// The designed permissions a declared need produced, as policies.
fn declared_statements(role: &RoleDesign) -> Vec<Policy> {
    role.permissions
        .iter()
        .filter(|p| p.needs.iter().any(|n| n.contains("Metadata.leash.needs")))
        .filter_map(|p| {
            let mut statement = serde_json::json!({
                "Effect": "Allow", "Action": p.action, "Resource": p.resource,
            });
            for (operator, key, values) in &p.conditions {
                statement["Condition"][operator][key] = serde_json::json!(values);
            }
            let document = serde_json::json!({"Version": "2012-10-17", "Statement": [statement]});
            parse_policy_text(&document.to_string()).policy
        })
        .collect()
}

fn parse_statement(text: &str) -> Option<Policy> {
    if !text.starts_with('{') {
        return None;
    }
    parse_policy_text(&format!(
        "{{\"Version\":\"2012-10-17\",\"Statement\":[{text}]}}"
    ))
    .policy
    .filter(|p| p.statements.len() == 1)
}

/// A statement as one line of JSON without its `Sid`.
fn statement_text(statement: &leash_policy::ast::Statement) -> String {
    let mut value: serde_json::Value =
        serde_json::from_str(&leash_policy::print::print_statement(statement)).unwrap();
    if let Some(object) = value.as_object_mut() {
        object.remove("Sid");
    }
    value.to_string()
}

fn service_of(action: &str) -> String {
    // An action's service prefix, before its first `:` (not an ARN).
    action
        .split_once(':')
        .map_or(action, |(service, _)| service)
        .to_ascii_lowercase()
}

/// Requests a statement allows: each action it lists (a wildcard pattern
/// expanded from the AWS catalog, a few per pattern) on each resource it
/// names, its wildcards filled in.
fn sample_requests(statement: &leash_policy::ast::Statement) -> Vec<(String, String)> {
    let catalog = leash_catalog::catalog();
    let mut actions = Vec::new();
    for pattern in &statement.action.node.patterns {
        let pattern = &pattern.node;
        if pattern.contains(['*', '?']) {
            let expanded = catalog.expand(pattern);
            let step = (expanded.len() / PER_PATTERN).max(1);
            actions.extend(
                expanded
                    .iter()
                    .step_by(step)
                    .take(PER_PATTERN)
                    .map(|a| a.full_name()),
            );
        } else {
            actions.push(pattern.clone());
        }
    }
    let resources: Vec<String> = statement
        .resource
        .as_ref()
        .map(|r| {
            r.node
                .patterns
                .iter()
                .map(|p| p.node.replace(['*', '?'], "x"))
                .collect()
        })
        .unwrap_or_default();
    actions
        .iter()
        .flat_map(|a| resources.iter().map(move |r| (a.clone(), r.clone())))
        .collect()
}

fn reason_category(reason: &leash_design::model::KeptReason) -> String {
    use leash_design::model::KeptReason as R;
    match reason {
        R::ManagedPolicy => "a managed policy by name or ARN",
        R::SamTemplateUnmapped(_) => "a SAM policy template without an access level",
        R::SamTemplateOutside(_) => "a SAM policy template on a resource leash does not model",
        R::WildcardAction => "a wildcard action",
        R::Condition => "a condition",
        R::NotActionOrResource => "`NotAction` or `NotResource`",
        R::EveryResource => "`Resource: \"*\"`",
        R::OutsideTemplate(_) => "a resource outside the template (or a wildcard ARN)",
        R::NoAccessTable(_) => "a service without an access table",
        R::NotActing(_) => "actions that do not act on the resource named",
        R::Deny => "a `Deny` beside what is kept as is",
        R::SamTemplateBeyondLevel(_) => "a SAM policy template statement beyond its access level",
        R::LogsNotGranted => "a log statement where the design grants no log action",
        R::SamImplicit(_) => "a managed policy SAM attaches for what leash does not model",
    }
    .to_string()
}

fn render_table(
    rows: &BTreeMap<String, Row>,
    not_designed: &BTreeMap<String, Vec<String>>,
    kept_reasons: &BTreeMap<String, usize>,
) -> String {
    let mut total = ChangeCounts::default();
    let mut functions = 0;
    let mut lines = String::new();
    for (name, row) in rows {
        add(&mut total, &row.counts);
        functions += row.functions;
        let c = &row.counts;
        lines.push_str(&format!(
            "| `{name}` | {} | {} | {} | {} | {} | {} |\n",
            row.functions, c.kept, c.narrowed, c.superseded, c.kept_as_is, c.added
        ));
    }
    let mut out = format!(
        "{} templates designed, {functions} functions; original `Allow` statements (a managed policy counts its statements; one whose document leash lacks counts once):\n\n",
        rows.len()
    );
    out.push_str(
        "| template | functions | kept | narrowed | superseded | kept as is | added |\n|---|---|---|---|---|---|---|\n",
    );
    out.push_str(&format!(
        "| **total** | {functions} | {} | {} | {} | {} | {} |\n",
        total.kept, total.narrowed, total.superseded, total.kept_as_is, total.added
    ));
    out.push_str(&lines);
    out.push_str(&format!(
        "\nRemoved: {}; undecided: {}; `Deny` statements not carried over: {}; statements that grant nothing (no action AWS knows) left out: {}.\n\nWhat is kept as is, by reason (items: a statement, a SAM policy template or a managed policy):\n\n",
        total.removed, total.undecided, total.deny_dropped, total.grants_nothing
    ));
    for (reason, count) in kept_reasons {
        out.push_str(&format!("- {reason}: {count}\n"));
    }
    out.push_str("\nNot designed:\n\n");
    for (reason, names) in not_designed {
        out.push_str(&format!(
            "- {reason}: {} ({})\n",
            names.len(),
            names.join(", ")
        ));
    }
    out
}
