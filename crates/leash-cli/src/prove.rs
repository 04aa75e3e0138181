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
use leash_policy::parse::parse_policy_text;
use leash_prove::{Limits, Property, RegionSolver, Solver, Verdict};
use serde_json::{Value as Json, json};

use crate::args::{ProveArgs, ProveOutput, ProveProperty};
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

fn read_policy(path: &Path) -> Result<Policy, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|error| format!("error: cannot read `{}`: {error}", path.display()))?;
    let parsed = parse_policy_text(&text);
    let source = SourceFile::new(path.display().to_string(), text.clone());
    let errors: Vec<String> = parsed
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| render_error(&source, diagnostic.span, &diagnostic.message))
        .collect();
    match parsed.policy {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ if !errors.is_empty() => Err(errors.join("\n")),
        _ => Err(format!("error: `{}` is not a policy", path.display())),
    }
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
