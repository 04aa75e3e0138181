//! `leash sim`: decide requests as AWS would, and say why.

use crate::args::SimArgs;
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;
use leash_policy::authz::{Decision, PreparedPolicySet, StatementRef};
use leash_policy::request::{
    DirectoryLoader, ErrorSource, RequestError, SimRequest, decision_to_json, read_request,
};
use serde_json::{Map, Value as Json, json};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &SimArgs) -> u8 {
    if let Some(batch) = &args.batch {
        return run_batch(batch);
    }
    let (text, path, base) = match &args.request {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => (text, path.display().to_string(), parent_dir(path)),
            Err(err) => {
                eprintln!("error: cannot read `{}`: {err}", path.display());
                return exit::ERROR;
            }
        },
        None => match quick_request(args) {
            Ok(text) => (text, "<command line>".to_string(), PathBuf::from(".")),
            Err(message) => {
                eprintln!("error: {message}");
                return exit::ERROR;
            }
        },
    };
    let sim = match read_one(&text, &base) {
        Ok(sim) => sim,
        Err(err) => {
            report_request_error(&err, &path, &text, &base);
            return exit::ERROR;
        }
    };
    let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
    let mut out = std::io::stdout().lock();
    let written = if args.json {
        writeln!(out, "{}", decision_to_json(&decision))
    } else {
        write_explanation(&mut out, &sim, &decision, &text, &base)
    };
    match written {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(err) => {
            eprintln!("error: cannot write output: {err}");
            exit::ERROR
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn read_one(text: &str, base: &Path) -> Result<SimRequest, RequestError> {
    let value = leash_policy::json::parse_json(text).map_err(|error| RequestError {
        message: error.message,
        span: error.span,
        source_file: ErrorSource::Request,
    })?;
    read_request(
        &value,
        &mut DirectoryLoader {
            base: base.to_path_buf(),
        },
    )
}

fn report_request_error(err: &RequestError, path: &str, text: &str, base: &Path) {
    let source = match &err.source_file {
        ErrorSource::Request => SourceFile::new(path.to_string(), text.to_string()),
        ErrorSource::PolicyFile(policy_path) => {
            let full = base.join(policy_path);
            let policy_text = std::fs::read_to_string(&full).unwrap_or_default();
            SourceFile::new(full.display().to_string(), policy_text)
        }
    };
    eprintln!("{}", render_error(&source, err.span, &err.message));
}

/// One request per line, each decided on its own (its policies are parsed
/// for that line). A line that cannot be read gets an error object and the
/// others still run. Blank lines are skipped.
fn run_batch(path: &Path) -> u8 {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("error: cannot read `{}`: {err}", path.display());
            return exit::ERROR;
        }
    };
    let base = parent_dir(path);
    let reader = std::io::BufReader::new(file);
    let mut out = BufWriter::new(std::io::stdout().lock());
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let result = match line {
            Err(err) => error_object(line_number, 1, &format!("cannot read line: {err}")),
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => match read_one(&line, &base) {
                Ok(sim) => {
                    decision_to_json(&PreparedPolicySet::new(&sim.policies).evaluate(&sim.request))
                }
                Err(err) => {
                    let column = match err.source_file {
                        ErrorSource::Request => {
                            SourceFile::new(String::new(), line.clone())
                                .line_col(err.span.start)
                                .1
                        }
                        ErrorSource::PolicyFile(_) => 1,
                    };
                    let mut object = error_object(line_number, column, &err.message);
                    if let ErrorSource::PolicyFile(file) = &err.source_file {
                        object["error"]["policy_file"] = json!(file);
                    }
                    object
                }
            },
        };
        if let Err(err) = writeln!(out, "{result}") {
            if err.kind() == std::io::ErrorKind::BrokenPipe {
                return exit::OK;
            }
            eprintln!("error: cannot write output: {err}");
            return exit::ERROR;
        }
    }
    match out.flush() {
        Ok(()) => exit::OK,
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(err) => {
            eprintln!("error: cannot write output: {err}");
            exit::ERROR
        }
    }
}

fn error_object(line: usize, column: usize, message: &str) -> Json {
    json!({"error": {"line": line, "column": column, "message": message}})
}

/// Builds a request file from `--policy`, `--action`, ... so that one-offs
/// go through exactly the same reader as request files.
fn quick_request(args: &SimArgs) -> Result<String, String> {
    let action = args
        .action
        .as_ref()
        .ok_or("give `--request FILE`, `--batch FILE`, or `--action` with `--resource`")?;
    let resource = args.resource.as_deref().unwrap_or("*");
    let principal = args
        .principal
        .as_deref()
        .unwrap_or("arn:aws:iam::111122223333:role/leash-sim");
    let mut request = Map::new();
    request.insert("principal".into(), json!(principal));
    request.insert("action".into(), json!(action));
    request.insert("resource".into(), json!(resource));
    if let Some(account) = &args.resource_account {
        request.insert("resource_account".into(), json!(account));
    }
    let paths = |paths: &[PathBuf]| -> Json {
        paths
            .iter()
            .map(|p| json!(p.display().to_string()))
            .collect()
    };
    request.insert("identity_policies".into(), paths(&args.policy));
    if let Some(path) = &args.boundary {
        request.insert(
            "permissions_boundary".into(),
            json!(path.display().to_string()),
        );
    }
    if let Some(path) = &args.session_policy {
        request.insert("session_policy".into(), json!(path.display().to_string()));
    }
    if let Some(path) = &args.resource_policy {
        request.insert("resource_policy".into(), json!(path.display().to_string()));
    }
    if !args.scp.is_empty() {
        request.insert("scps".into(), json!([paths(&args.scp)]));
    }
    let mut context = Map::new();
    for pair in &args.context {
        let (key, value) = pair
            .split_once('=')
            .ok_or_else(|| format!("`--context {pair}`: expected KEY=VALUE"))?;
        // A key given twice is multivalued: `--context aws:TagKeys=a --context aws:TagKeys=b`.
        match context.get_mut(key) {
            Some(Json::Array(values)) => values.push(json!(value)),
            Some(existing) => *existing = json!([existing.clone(), value]),
            None => {
                context.insert(key.to_string(), json!(value));
            }
        }
    }
    if !context.is_empty() {
        request.insert("context".into(), Json::Object(context));
    }
    serde_json::to_string_pretty(&Json::Object(request)).map_err(|e| e.to_string())
}

fn write_explanation(
    out: &mut impl Write,
    sim: &SimRequest,
    decision: &Decision,
    request_text: &str,
    base: &Path,
) -> std::io::Result<()> {
    let request = &sim.request;
    writeln!(
        out,
        "{} ({})",
        decision.decision.as_str(),
        decision.reason.as_str()
    )?;
    writeln!(
        out,
        "  principal: {} ({})",
        request.principal(),
        request.principal_type().as_str()
    )?;
    writeln!(out, "  action:    {}", request.action())?;
    writeln!(out, "  resource:  {}", request.resource())?;
    if let Some(cause) = decision.cause {
        writeln!(out, "  why:       {}", cause.describe())?;
    }
    if !decision.deciding.is_empty() {
        let verb = if decision.is_allowed() {
            "allowed by"
        } else {
            "denied by"
        };
        writeln!(out, "  {verb}:")?;
        for statement in &decision.deciding {
            writeln!(out, "    {}", describe(statement, request_text, base))?;
        }
    }
    if !decision.near_misses.is_empty() {
        writeln!(
            out,
            "  near misses (action and resource matched, a condition did not):"
        )?;
        for miss in &decision.near_misses {
            writeln!(
                out,
                "    {}: `{}` on `{}` failed",
                describe(&miss.statement, request_text, base),
                miss.failed.operator,
                miss.failed.key
            )?;
        }
    }
    Ok(())
}

/// `identity_policies[0] statement 1 (Sid "Read", Allow) at request.json:12:9`.
fn describe(statement: &StatementRef, request_text: &str, base: &Path) -> String {
    let mut text = format!(
        "{} statement {}{} ({})",
        statement.policy_label,
        statement.statement_index,
        statement
            .sid
            .as_ref()
            .map(|s| format!(" \"{s}\""))
            .unwrap_or_default(),
        statement.effect.as_str(),
    );
    // Inline policies are labelled by their place in the request; others by
    // their path, relative to the request file.
    let inline = [
        "identity_policies[",
        "permissions_boundary",
        "session_policy",
        "resource_policy",
        "vpc_endpoint_policy",
        "scps[",
        "rcps[",
    ]
    .iter()
    .any(|prefix| statement.policy_label.starts_with(prefix));
    let located = if inline {
        Some(SourceFile::new("request".into(), request_text.to_string()))
    } else {
        let path = base.join(&*statement.policy_label);
        std::fs::read_to_string(&path)
            .ok()
            .map(|t| SourceFile::new(path.display().to_string(), t))
    };
    if let Some(source) = located {
        let (line, column) = source.line_col(statement.span.start);
        if inline {
            text.push_str(&format!(" at line {line}, column {column} of the request"));
        } else {
            text.push_str(&format!(" at {}:{line}:{column}", source.path));
        }
    }
    text
}
