//! `leash prove`: exact proofs about policies, with counterexamples.
//!
//! Glue only: reads the policy files, calls `leash_prove`, prints the
//! verdict (text or JSON), writes the counterexample request file, and maps
//! the verdict to the exit code (0 holds, 1 does not hold, 2 error or
//! unknown).

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use leash_policy::Policy;
use leash_policy::json::parse_json;
use leash_policy::parse::parse_policy;
use leash_prove::{
    Limits, PatternSet, Property, RegionSolver, RowCondition, Solver, SummaryError, SummaryRow,
    Verdict,
};
use serde_json::{Value as Json, json};

use crate::args::{ProveArgs, ProveOutput, ProveProperty, SummaryOutput};
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;

pub fn run(args: &ProveArgs) -> u8 {
    match run_property(&args.property) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            exit::ERROR
        }
    }
}

fn run_property(property: &ProveProperty) -> Result<u8, String> {
    let (name, claim, property, output) = match property {
        ProveProperty::Summary { policies, output } => return run_summary(policies, output),
        ProveProperty::NoNewAccess { old, new, output } => (
            "no-new-access",
            format!(
                "`{}` allows no request that `{}` denies",
                new.display(),
                old.display()
            ),
            Property::NoNewAccess {
                old: read_policy(old)?,
                new: read_policy(new)?,
            },
            output,
        ),
        ProveProperty::NotGranted {
            policy,
            actions,
            resources,
            output,
        } => (
            "not-granted",
            format!(
                "`{}` allows none of {} on {}",
                policy.display(),
                actions.join(", "),
                resources.join(", ")
            ),
            Property::NotGranted {
                policy: read_policy(policy)?,
                actions: actions.clone(),
                resources: resources.clone(),
            },
            output,
        ),
        ProveProperty::NoPublicAccess {
            policy,
            account,
            org,
            output,
        } => (
            "no-public-access",
            format!(
                "`{}` lets no principal outside the resource's account in",
                policy.display()
            ),
            Property::NoPublicAccess {
                policy: read_policy(policy)?,
                account: account.clone(),
                organization: org.clone(),
            },
            output,
        ),
    };
    let solver = RegionSolver {
        limits: Limits {
            max_duration: Duration::from_secs(output.timeout),
            ..Limits::default()
        },
    };
    let proof = solver
        .prove(&property)
        .map_err(|error| format!("error: {error}"))?;
    if let (Verdict::DoesNotHold(counterexample), Some(path)) =
        (&proof.verdict, &output.counterexample_out)
    {
        write_atomically(path, &counterexample.request)?;
    }
    print_proof(name, &claim, &proof, output)?;
    Ok(match proof.verdict.holds() {
        Some(true) => exit::OK,
        Some(false) => exit::FINDINGS,
        None => exit::ERROR,
    })
}

/// Reads a policy file, or a role file as `leash design` writes it (an
/// object with `Policies[].PolicyDocument`): then the role's permissions
/// policies, taken together as one identity policy (IAM evaluates several
/// identity policies of one principal as the union of their statements);
/// the trust policy (`AssumeRolePolicyDocument`) and other members are not
/// permissions of the role and are left out.
fn read_policy(path: &Path) -> Result<Policy, String> {
    let source = SourceFile::read(path)?;
    let text = source.text.clone();
    let value = match parse_json(&text) {
        Ok(value) => value,
        Err(error) => return Err(render_error(&source, error.span, &error.message)),
    };
    let documents: Vec<&leash_policy::Value> = match value.get("Policies") {
        Some(policies) if leash_lint::is_role_document_value(&value) => {
            let Some(entries) = policies.as_array() else {
                return Err(render_error(
                    &source,
                    policies.span,
                    "expected `Policies` to be an array of objects with `PolicyDocument`",
                ));
            };
            let mut documents = Vec::new();
            for entry in entries {
                match entry.get("PolicyDocument") {
                    Some(document) => documents.push(document),
                    None => {
                        return Err(render_error(
                            &source,
                            entry.span,
                            "expected an object with `PolicyDocument`",
                        ));
                    }
                }
            }
            documents
        }
        _ => vec![&value],
    };
    let mut merged: Option<Policy> = None;
    for document in documents {
        let parsed = parse_policy(document);
        let errors: Vec<String> = parsed
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .map(|diagnostic| render_error(&source, diagnostic.span, &diagnostic.message))
            .collect();
        if !errors.is_empty() {
            return Err(errors.join("\n"));
        }
        let Some(policy) = parsed.policy else {
            return Err(format!("error: `{}` is not a policy", path.display()));
        };
        merged = Some(match merged {
            None => policy,
            Some(mut so_far) => {
                // Policy variables read differently under the two versions,
                // so statements of different versions cannot share one
                // policy.
                if so_far.effective_version() != policy.effective_version() {
                    return Err(render_error(
                        &source,
                        document.span,
                        "the role's policies have different `Version`s: leash prove compares them only when they agree",
                    ));
                }
                so_far.statements.extend(policy.statements);
                so_far.single_statement = false;
                so_far
            }
        });
    }
    merged.ok_or_else(|| {
        format!(
            "error: `{}` has an empty `Policies` list: the role has no permissions policy",
            path.display()
        )
    })
}

fn print_proof(
    name: &str,
    claim: &str,
    proof: &leash_prove::Proof,
    output: &ProveOutput,
) -> Result<(), String> {
    let elapsed_ms = proof.elapsed.as_secs_f64() * 1000.0;
    let text = if output.json {
        let mut object = json!({
            "property": name,
            "holds": proof.verdict.holds(),
            "requests_evaluated": proof.requests_evaluated,
            "elapsed_ms": (elapsed_ms * 1000.0).round() / 1000.0,
        });
        if let Some(map) = object.as_object_mut() {
            match &proof.verdict {
                Verdict::Holds => {}
                Verdict::DoesNotHold(counterexample) => {
                    map.insert("counterexample".into(), counterexample.request.clone());
                    if let Some(baseline) = &counterexample.baseline {
                        map.insert("baseline".into(), baseline.clone());
                    }
                }
                Verdict::Unknown(reason) => {
                    map.insert("reason".into(), Json::String(reason.clone()));
                }
            }
        }
        format!("{object}\n")
    } else {
        let cost = format!(
            "({} requests evaluated in {elapsed_ms:.1} ms)",
            proof.requests_evaluated
        );
        match &proof.verdict {
            Verdict::Holds => format!("holds: {claim} {cost}\n"),
            Verdict::DoesNotHold(counterexample) => {
                let mut text = format!("does not hold: {claim}\ncounterexample {cost}:\n");
                text.push_str(&counterexample.describe());
                text.push_str(if counterexample.baseline.is_some() {
                    "  allowed by the new policy, denied by the old one\n"
                } else {
                    "  allowed\n"
                });
                match &output.counterexample_out {
                    Some(path) => {
                        text.push_str(&format!("replay: leash sim --request {}\n", path.display()))
                    }
                    None => {
                        text.push_str("write it as a request file with --counterexample-out FILE\n")
                    }
                }
                text
            }
            Verdict::Unknown(reason) => format!("unknown: {reason} {cost}\n"),
        }
    };
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}")),
    }
}

/// Writes the request file next to its destination, then renames it, so a
/// reader never sees half a file.
fn write_atomically(path: &Path, request: &Json) -> Result<(), String> {
    let text = serde_json::to_string_pretty(request)
        .map_err(|error| format!("error: cannot serialize the counterexample: {error}"))?;
    let file_name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "counterexample.json".to_string());
    let temporary = path.with_file_name(format!(".{file_name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, format!("{text}\n"))
        .map_err(|error| format!("error: cannot write `{}`: {error}", temporary.display()))?;
    std::fs::rename(&temporary, path).map_err(|error| {
        let _ = std::fs::remove_file(&temporary);
        format!("error: cannot write `{}`: {error}", path.display())
    })
}

/// `leash prove summary`: exit 0 with the summary, 2 on error or when it
/// cannot be exact.
fn run_summary(paths: &[std::path::PathBuf], output: &SummaryOutput) -> Result<u8, String> {
    let mut policies = Vec::new();
    for path in paths {
        policies.push((path.display().to_string(), read_policy(path)?));
    }
    let limits = Limits {
        max_duration: Duration::from_secs(output.timeout),
        ..Limits::default()
    };
    let names: Vec<String> = paths
        .iter()
        .map(|path| format!("`{}`", path.display()))
        .collect();
    let summary = match leash_prove::summarize(&policies, &limits) {
        Ok(summary) => summary,
        Err(SummaryError::Unknown(reason)) => {
            let text = if output.json {
                format!("{}\n", json!({"rows": null, "reason": reason}))
            } else {
                format!("unknown: {reason}\n")
            };
            write_stdout(&text)?;
            return Ok(exit::ERROR);
        }
        Err(error) => return Err(format!("error: {error}")),
    };
    let elapsed_ms = summary.elapsed.as_secs_f64() * 1000.0;
    let text = if output.json {
        let rows: Vec<Json> = summary.rows.iter().map(row_json).collect();
        format!(
            "{}\n",
            json!({
                "property": "summary",
                "rows": rows,
                "requests_evaluated": summary.requests_evaluated,
                "elapsed_ms": (elapsed_ms * 1000.0).round() / 1000.0,
            })
        )
    } else {
        let mut text = format!(
            "{} allow{}, for a caller of the resource's account ({} requests evaluated in {elapsed_ms:.1} ms):\n",
            names.join(" + "),
            if names.len() == 1 { "s" } else { "" },
            summary.requests_evaluated
        );
        if summary.rows.is_empty() {
            text.push_str("  nothing\n");
        }
        for row in &summary.rows {
            text.push('\n');
            text.push_str(&row_text(row));
        }
        text.push_str("\n(sts:GetCallerIdentity needs no permission and is not listed)\n");
        text
    };
    write_stdout(&text)?;
    Ok(exit::OK)
}

fn write_stdout(text: &str) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(error) => Err(format!("error: cannot write output: {error}")),
    }
}

fn pattern_set_text(set: &PatternSet) -> String {
    let mut text = set.all_of.join(" and ");
    if !set.none_of.is_empty() {
        text.push_str(&format!(" (except {})", set.none_of.join(", ")));
    }
    text
}

fn pattern_sets_json(sets: &[PatternSet]) -> Json {
    Json::Array(
        sets.iter()
            .map(|set| json!({"all_of": set.all_of, "none_of": set.none_of}))
            .collect(),
    )
}

/// A `Condition` object in one line: `Bool aws:SecureTransport "true" and ...`.
fn condition_text(condition: &Json) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(blocks) = condition.as_object() {
        for (operator, entries) in blocks {
            if let Some(entries) = entries.as_object() {
                for (key, values) in entries {
                    let shown = match values {
                        Json::Array(items) => format!(
                            "[{}]",
                            items
                                .iter()
                                .map(|item| item.to_string())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        other => other.to_string(),
                    };
                    parts.push(format!("{operator} {key} {shown}"));
                }
            }
        }
    }
    parts.join(" and ")
}

fn when_text(condition: Option<&RowCondition>) -> String {
    let Some(condition) = condition else {
        return "always".to_string();
    };
    let mut text = match &condition.allow_when {
        None => "always".to_string(),
        Some(list) => format!(
            "if {}",
            list.iter()
                .map(|c| format!("({})", condition_text(c)))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    if !condition.unless.is_empty() {
        text.push_str(&format!(
            ", unless {}",
            condition
                .unless
                .iter()
                .map(|c| format!("({})", condition_text(c)))
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    text
}

fn row_text(row: &SummaryRow) -> String {
    let actions = row
        .actions
        .iter()
        .map(pattern_set_text)
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!("  {actions}\n");
    const SHOWN: usize = 8;
    let list = |names: &[String]| -> String {
        let mut shown: Vec<String> = names.iter().take(SHOWN).cloned().collect();
        if names.len() > SHOWN {
            shown.push(format!("and {} more", names.len() - SHOWN));
        }
        shown.join(", ")
    };
    // Listed actions need no naming; patterns do.
    let has_wildcards = row
        .actions
        .iter()
        .flat_map(|set| set.all_of.iter().chain(&set.none_of))
        .any(|pattern| pattern.contains(['*', '?']));
    if has_wildcards && row.catalog.len() > 4 {
        let actions: usize = row.catalog.iter().map(|s| s.included.len()).sum();
        let whole = row.catalog.iter().filter(|s| s.missing.is_empty()).count();
        text.push_str(&format!(
            "    catalog: {actions} actions of {} services (every action of {whole} of them)\n",
            row.catalog.len()
        ));
    } else if has_wildcards {
        for service in &row.catalog {
            let detail = if service.missing.is_empty() {
                format!("all {} actions", service.total)
            } else if service.included.len() > service.missing.len() {
                format!(
                    "{} of {} actions, all but {}",
                    service.included.len(),
                    service.total,
                    list(&service.missing)
                )
            } else {
                format!(
                    "{} of {} actions: {}",
                    service.included.len(),
                    service.total,
                    list(&service.included)
                )
            };
            text.push_str(&format!("    {}: {detail}\n", service.service));
        }
    }
    let resources = row
        .resources
        .iter()
        .map(pattern_set_text)
        .collect::<Vec<_>>()
        .join(", ");
    text.push_str(&format!("    on:   {resources}\n"));
    text.push_str(&format!(
        "    when: {}\n",
        when_text(row.condition.as_ref())
    ));
    text
}

fn row_json(row: &SummaryRow) -> Json {
    let catalog: Vec<Json> = row
        .catalog
        .iter()
        .map(|service| {
            // Whichever list is shorter: the actions in the row, or those
            // of the service that are not.
            if service.missing.len() < service.included.len() {
                json!({"service": service.service, "total": service.total,
                    "count": service.included.len(), "all_but": service.missing})
            } else {
                json!({"service": service.service, "total": service.total,
                    "count": service.included.len(), "actions": service.included})
            }
        })
        .collect();
    json!({
        "service": row.service,
        "actions": pattern_sets_json(&row.actions),
        "catalog": catalog,
        "resources": pattern_sets_json(&row.resources),
        "condition": row.condition.as_ref().map(|condition| json!({
            "allow_when": condition.allow_when,
            "unless": condition.unless,
        })),
        "witness": row.witness,
    })
}
