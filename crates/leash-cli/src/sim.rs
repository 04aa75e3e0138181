//! `leash sim`: decide requests as AWS would, and say why.

use crate::args::SimArgs;
use crate::exit;
use crate::render::render_error;
use crate::source::SourceFile;
use leash_policy::authz::{Decision, PolicyKind, PreparedPolicySet, StatementRef};
use leash_policy::condition::FailedCondition;
use leash_policy::request::{
    DirectoryLoader, ErrorSource, RequestError, SimRequest, decision_to_json, read_request,
};
use leash_policy::span::Span;
use serde_json::{Map, Value as Json, json};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};

pub fn run(args: &SimArgs) -> u8 {
    if let Some(batch) = &args.batch {
        return run_batch(batch);
    }
    let (text, path, base) = match &args.request {
        Some(path) => match SourceFile::read(path) {
            Ok(source) => (source.text, path.display().to_string(), parent_dir(path)),
            Err(message) => {
                eprintln!("{message}");
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
            let policy_text = leash_policy::source_text::read_file(&full).unwrap_or_default();
            SourceFile::new(full.display().to_string(), policy_text)
        }
    };
    eprintln!("{}", render_error(&source, err.span, &err.message));
}

/// Lines read and decided per round. Large enough that starting the
/// round's tasks (tens of microseconds) is noise next to deciding the lines
/// (milliseconds), small enough to keep memory flat on huge inputs.
const ROUND_LINES: usize = 4096;

/// Lines one task decides, so that a stretch of slow lines does not
/// leave the other threads idle at the end of a round.
const SLICE_LINES: usize = 64;

/// One input line of a batch: its 1-based number and its text, or why it
/// could not be read.
struct BatchLine {
    number: usize,
    text: Result<String, String>,
}

/// One request per line, each decided on its own (its policies are parsed
/// for that line). A line that cannot be read gets an error object and the
/// others still run. Blank lines are skipped.
///
/// Lines are decided on every available core (lines are independent), and
/// printed in input order.
fn run_batch(path: &Path) -> u8 {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(err) => {
            eprintln!("error: cannot read `{}`: {err}", path.display());
            return exit::ERROR;
        }
    };
    let base = parent_dir(path);
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut line_number = 0;
    loop {
        let (round, at_end) = read_round(&mut reader, &mut line_number);
        for rendered in decide_round(&round, &base, threads) {
            if let Err(err) = out.write_all(&rendered) {
                return write_failure(&err);
            }
        }
        if at_end {
            break;
        }
    }
    match out.flush() {
        Ok(()) if crate::panic_guard::caught_any() => exit::ERROR,
        Ok(()) => exit::OK,
        Err(err) => write_failure(&err),
    }
}

fn write_failure(err: &std::io::Error) -> u8 {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        return exit::OK;
    }
    eprintln!("error: cannot write output: {err}");
    exit::ERROR
}

/// Reads up to [`ROUND_LINES`] non-blank lines; says whether the input ended.
fn read_round(reader: &mut impl BufRead, line_number: &mut usize) -> (Vec<BatchLine>, bool) {
    let mut round = Vec::with_capacity(ROUND_LINES);
    while round.len() < ROUND_LINES {
        let mut bytes = Vec::new();
        match reader.read_until(b'\n', &mut bytes) {
            Ok(0) => return (round, true),
            Ok(_) => {
                *line_number += 1;
                if bytes.last() == Some(&b'\n') {
                    bytes.pop();
                    if bytes.last() == Some(&b'\r') {
                        bytes.pop();
                    }
                }
                let text = String::from_utf8(bytes).map_err(|error| {
                    let offset = error.utf8_error().valid_up_to();
                    let bad = error.as_bytes().get(offset).copied().unwrap_or(0);
                    format!(
                        "cannot read line: not valid UTF-8: invalid byte `0x{bad:02x}` at byte offset {offset} of the line"
                    )
                });
                if matches!(&text, Ok(line) if line.trim().is_empty()) {
                    continue;
                }
                round.push(BatchLine {
                    number: *line_number,
                    text,
                });
            }
            // An I/O error (not bad content) will not go away: report it on
            // the line it hit and stop reading.
            Err(err) => {
                *line_number += 1;
                round.push(BatchLine {
                    number: *line_number,
                    text: Err(format!("cannot read line: {err}")),
                });
                return (round, true);
            }
        }
    }
    (round, false)
}

/// The rendered output of a round, in input order: one buffer per slice of
/// [`SLICE_LINES`] lines, the slices decided on rayon's pool (`threads`
/// at most 1 decides them here, in order).
fn decide_round(round: &[BatchLine], base: &Path, threads: usize) -> Vec<Vec<u8>> {
    let slices: Vec<&[BatchLine]> = round.chunks(SLICE_LINES).collect();
    if threads <= 1 || slices.len() <= 1 {
        return vec![render_lines(round, base)];
    }
    crate::parallel::map_in_order(&slices, |slice| render_lines(slice, base))
}

/// Decides each line and renders its JSON result, one per line.
fn render_lines(lines: &[BatchLine], base: &Path) -> Vec<u8> {
    let mut rendered = Vec::with_capacity(lines.len() * 256);
    for line in lines {
        // A panic on one line (a bug) is that line's error; the others run.
        let decided =
            crate::panic_guard::isolate(|| decide_line(line, base)).unwrap_or_else(|panic| {
                Err(error_object(
                    line.number,
                    1,
                    &crate::panic_guard::describe("deciding this line", &panic),
                ))
            });
        let written = match decided {
            Ok(decision) => write_decision_json(&mut rendered, &decision),
            Err(error) => {
                serde_json::to_writer(&mut rendered, &error).map_err(std::io::Error::from)
            }
        };
        // Writing into memory cannot fail; keep one line per input line even so.
        if written.is_err() {
            let fallback = error_object(line.number, 1, "cannot render the decision");
            rendered.extend_from_slice(fallback.to_string().as_bytes());
        }
        rendered.push(b'\n');
    }
    rendered
}

/// The line's decision, or the error object to print in its place.
fn decide_line(line: &BatchLine, base: &Path) -> Result<Decision, Json> {
    let text = match &line.text {
        Ok(text) => text,
        Err(message) => return Err(error_object(line.number, 1, message)),
    };
    match read_one(text, base) {
        Ok(sim) => Ok(PreparedPolicySet::new(&sim.policies).evaluate(&sim.request)),
        Err(err) => {
            let column = match err.source_file {
                ErrorSource::Request => {
                    SourceFile::new(String::new(), text.clone())
                        .line_col(err.span.start)
                        .1
                }
                ErrorSource::PolicyFile(_) => 1,
            };
            let mut object = error_object(line.number, column, &err.message);
            if let ErrorSource::PolicyFile(file) = &err.source_file {
                object["error"]["policy_file"] = json!(file);
            }
            Err(object)
        }
    }
}

/// Writes exactly the bytes `decision_to_json(decision)` serializes to
/// (keys in sorted order, as serde_json's map keeps them), without building
/// the JSON tree first: on the batch path building and dropping that tree
/// cost about a tenth of each line's time. A test holds the two to the same
/// bytes over the conformance suite.
fn write_decision_json(out: &mut Vec<u8>, decision: &Decision) -> std::io::Result<()> {
    out.push(b'{');
    if let Some(cause) = decision.cause {
        out.extend_from_slice(b"\"cause\":{\"code\":");
        write_json_string(out, cause.as_str())?;
        out.extend_from_slice(b",\"message\":");
        write_json_string(out, &cause.describe())?;
        out.extend_from_slice(b"},");
    }
    out.extend_from_slice(b"\"deciding\":[");
    for (index, statement) in decision.deciding.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_statement_json(out, statement, None)?;
    }
    out.extend_from_slice(b"],\"decision\":");
    write_json_string(out, decision.decision.as_str())?;
    out.extend_from_slice(b",\"near_misses\":[");
    for (index, miss) in decision.near_misses.iter().enumerate() {
        if index > 0 {
            out.push(b',');
        }
        write_statement_json(out, &miss.statement, Some(&miss.failed))?;
    }
    out.extend_from_slice(b"],\"reason\":");
    write_json_string(out, decision.reason.as_str())?;
    out.push(b'}');
    Ok(())
}

fn write_statement_json(
    out: &mut Vec<u8>,
    statement: &StatementRef,
    failed: Option<&FailedCondition>,
) -> std::io::Result<()> {
    out.extend_from_slice(b"{\"effect\":");
    write_json_string(out, statement.effect.as_str())?;
    if let Some(failed) = failed {
        out.extend_from_slice(b",\"failed_condition\":{\"key\":");
        write_json_string(out, &failed.key)?;
        out.extend_from_slice(b",\"operator\":");
        write_json_string(out, &failed.operator)?;
        out.extend_from_slice(b",\"span\":");
        write_span_json(out, failed.span)?;
        out.push(b'}');
    }
    if let PolicyKind::Scp { level } | PolicyKind::Rcp { level } = statement.policy_kind {
        write!(out, ",\"level\":{level}")?;
    }
    out.extend_from_slice(b",\"policy\":");
    write_json_string(out, &statement.policy_label)?;
    out.extend_from_slice(b",\"policy_kind\":");
    write_json_string(out, statement.policy_kind.as_str())?;
    out.extend_from_slice(b",\"sid\":");
    match &statement.sid {
        Some(sid) => write_json_string(out, sid)?,
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"span\":");
    write_span_json(out, statement.span)?;
    write!(out, ",\"statement\":{}}}", statement.statement_index)
}

fn write_span_json(out: &mut Vec<u8>, span: Span) -> std::io::Result<()> {
    write!(out, "{{\"end\":{},\"start\":{}}}", span.end, span.start)
}

fn write_json_string(out: &mut Vec<u8>, text: &str) -> std::io::Result<()> {
    serde_json::to_writer(out, text).map_err(std::io::Error::from)
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const ALLOWED: &str = r#"{"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:GetObject", "resource": "arn:aws:s3:::orders/a.txt", "identity_policies": [{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}]}"#;
    const DENIED: &str = r#"{"principal": "arn:aws:iam::111122223333:user/alice", "action": "s3:PutObject", "resource": "arn:aws:s3:::orders/a.txt", "identity_policies": []}"#;

    fn rounds(input: &[u8]) -> Vec<Vec<BatchLine>> {
        let mut reader = std::io::Cursor::new(input.to_vec());
        let mut line_number = 0;
        let mut all = Vec::new();
        loop {
            let (round, at_end) = read_round(&mut reader, &mut line_number);
            all.push(round);
            if at_end {
                return all;
            }
        }
    }

    #[test]
    fn lines_keep_their_numbers_across_blank_crlf_and_invalid_lines() {
        let input = b"one\r\n\n  \ntwo\n\xff\xfe\nthree";
        let lines: Vec<BatchLine> = rounds(input).into_iter().flatten().collect();
        let seen: Vec<(usize, Result<&str, &str>)> = lines
            .iter()
            .map(|line| (line.number, line.text.as_deref().map_err(String::as_str)))
            .collect();
        assert_eq!(
            seen,
            vec![
                (1, Ok("one")),
                (4, Ok("two")),
                (
                    5,
                    Err(
                        "cannot read line: not valid UTF-8: invalid byte `0xff` at byte offset 0 of the line"
                    )
                ),
                (6, Ok("three")),
            ]
        );
    }

    #[test]
    fn rounds_split_long_inputs_without_losing_lines() {
        let input = "x\n".repeat(ROUND_LINES + 3);
        let rounds = rounds(input.as_bytes());
        let sizes: Vec<usize> = rounds.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![ROUND_LINES, 3]);
        assert_eq!(rounds[1][2].number, ROUND_LINES + 3);
    }

    /// Deciding on several threads prints exactly what one thread prints,
    /// in input order, errors included.
    #[test]
    fn threads_keep_output_order() {
        let mut input = String::new();
        for index in 0..(SLICE_LINES * 5 + 7) {
            input.push_str(match index % 3 {
                0 => ALLOWED,
                1 => DENIED,
                _ => "{\"principal\": ",
            });
            input.push('\n');
        }
        let round = rounds(input.as_bytes()).remove(0);
        let base = Path::new(".");
        let one_thread = decide_round(&round, base, 1).concat();
        let three_threads = decide_round(&round, base, 3).concat();
        assert_eq!(one_thread, three_threads);
        let results: Vec<Json> = String::from_utf8(three_threads)
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(results.len(), SLICE_LINES * 5 + 7);
        for (index, result) in results.iter().enumerate() {
            match index % 3 {
                0 => assert_eq!(result["decision"], "allow", "{index}: {result}"),
                1 => assert_eq!(result["decision"], "deny", "{index}: {result}"),
                _ => assert_eq!(result["error"]["line"], index + 1, "{index}: {result}"),
            }
        }
    }

    /// The batch writer prints byte for byte what `decision_to_json` gives
    /// the single-request mode, over every conformance request (causes,
    /// near misses, SCP/RCP levels, statements with and without sids).
    #[test]
    fn decision_bytes_equal_decision_to_json_over_the_conformance_suite() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../leash-policy/tests/conformance");
        let (mut checked, mut with_near_misses, mut with_levels, mut with_causes) = (0, 0, 0, 0);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|extension| extension != "json") {
                continue;
            }
            let suite: Json =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            for case in suite["cases"].as_array().unwrap() {
                let text = case["request"].to_string();
                let sim = leash_policy::request::read_request_text(&text, None).unwrap();
                let decision = PreparedPolicySet::new(&sim.policies).evaluate(&sim.request);
                let mut ours = Vec::new();
                write_decision_json(&mut ours, &decision).unwrap();
                assert_eq!(
                    String::from_utf8(ours).unwrap(),
                    decision_to_json(&decision).to_string(),
                    "{}: {}",
                    path.display(),
                    case["name"]
                );
                checked += 1;
                with_near_misses += usize::from(!decision.near_misses.is_empty());
                with_causes += usize::from(decision.cause.is_some());
                with_levels += usize::from(decision.deciding.iter().any(|statement| {
                    matches!(
                        statement.policy_kind,
                        PolicyKind::Scp { .. } | PolicyKind::Rcp { .. }
                    )
                }));
            }
        }
        assert!(checked >= 500, "{checked}");
        assert!(with_near_misses > 0 && with_levels > 0 && with_causes > 0);
    }
}
