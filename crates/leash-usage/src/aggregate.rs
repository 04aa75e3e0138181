//! The aggregate of many trail files: one row per principal, action and
//! resource, files read on all cores and merged, rows sorted so the
//! output never depends on which thread finished first.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde_json::json;
use thiserror::Error;

use crate::record::{LogFile, Record, action_of, is_denial, prefix_of, principal_of};

/// One row of the aggregate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Row {
    pub count: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// Calls that failed (`errorCode` set), denials included.
    pub errors: u64,
    /// Calls denied for want of permission (`AccessDenied...`): needs the
    /// policy does not meet.
    pub denied: u64,
    /// Calls logged as data events (`eventCategory: Data`): a trail with
    /// none of a service's says nothing of its data-plane calls.
    pub data_events: u64,
}

impl Row {
    /// Counts one call at `time`, failed with `error` if any, logged as a
    /// data event if `data`.
    pub fn add(&mut self, time: &str, error: Option<&str>, data: bool) {
        // The buffers are reused: no allocation once they hold a time.
        if self.count == 0 || time < self.first_seen.as_str() {
            self.first_seen.clear();
            self.first_seen.push_str(time);
        }
        if time > self.last_seen.as_str() {
            self.last_seen.clear();
            self.last_seen.push_str(time);
        }
        self.count += 1;
        if data {
            self.data_events += 1;
        }
        if let Some(code) = error {
            self.errors += 1;
            if is_denial(code) {
                self.denied += 1;
            }
        }
    }

    /// Adds the calls of `other` (same key).
    pub fn merge(&mut self, other: &Row) {
        if self.count == 0 || other.first_seen < self.first_seen {
            self.first_seen.clone_from(&other.first_seen);
        }
        if other.last_seen > self.last_seen {
            self.last_seen.clone_from(&other.last_seen);
        }
        self.count += other.count;
        self.errors += other.errors;
        self.denied += other.denied;
        self.data_events += other.data_events;
    }
}

/// `(principal, action, resource)`; `None`: the records named no resource.
pub type Key = (String, String, Option<String>);

/// What the trail said, and what it could not.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    pub records: u64,
    /// Records without an IAM principal of an account (AWS services'
    /// own calls, anonymous calls).
    pub without_principal: u64,
    /// `eventSource:eventName` pairs whose IAM action leash does not know,
    /// with how many records.
    pub unmapped: BTreeMap<String, u64>,
    /// `eventCategory` values seen.
    pub categories: BTreeSet<String>,
}

/// The whole aggregate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Aggregate {
    pub rows: HashMap<Key, Row>,
    pub summary: Summary,
    /// `eventSource` -> `eventName` -> (actions, whether the catalog knows
    /// them), asked of the catalog once.
    actions: FastMap<String, FastMap<String, Mapped>>,
    /// Rows of the files being read, by principal, then action, then
    /// resource: looked up with the record's borrowed text, so a call
    /// whose row exists allocates nothing; moved into `rows` when a
    /// thread's run of files ends.
    pending: FastMap<String, FastMap<String, PendingRows>>,
}

/// A hasher for the per-record lookups: the rotate-multiply hash of the
/// Rust compiler's `FxHasher`, much cheaper than SipHash on short keys.
/// The keys are the trail's own text, not an adversary's choice of
/// collisions against a file the user asked leash to read.
#[derive(Clone, Copy, Debug, Default)]
pub struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0_u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let mut word = [0_u8; 8];
        let rest = chunks.remainder();
        word[..rest.len()].copy_from_slice(rest);
        self.add(u64::from_le_bytes(word) ^ rest.len() as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The IAM actions of an event name, and whether the catalog knows them.
type Mapped = (Arc<[String]>, bool);

type FastMap<K, V> = HashMap<K, V, std::hash::BuildHasherDefault<FastHasher>>;

/// The rows of one principal and action.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct PendingRows {
    by_resource: FastMap<String, Row>,
    without_resource: Option<Row>,
}

/// Why a trail file could not be read.
#[derive(Debug, Error)]
pub enum TrailError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Gzip {
        path: String,
        source: crate::gzip::GzipError,
    },
    #[error("{path}:{line}:{column}: {message}")]
    Json {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
}

impl Aggregate {
    fn add_file(&mut self, path: &Path) -> Result<(), TrailError> {
        let shown = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|source| TrailError::Io {
            path: shown.clone(),
            source,
        })?;
        let bytes = if crate::gzip::is_gzip(&bytes) {
            crate::gzip::decompress(&bytes).map_err(|source| TrailError::Gzip {
                path: shown.clone(),
                source,
            })?
        } else {
            bytes
        };
        let file: LogFile = serde_json::from_slice(&bytes).map_err(|e| TrailError::Json {
            path: shown.clone(),
            line: e.line(),
            column: e.column(),
            message: if e.is_data() {
                format!(
                    "not a CloudTrail log file (an object with a `Records` list of records): {e}"
                )
            } else {
                e.to_string()
            },
        })?;
        self.summary.files += 1;
        for record in &file.records {
            self.add_pending(record);
        }
        Ok(())
    }

    /// Moves the pending rows into `rows`.
    fn flush(&mut self) {
        for (principal, actions) in self.pending.drain() {
            for (action, pending) in actions {
                for (resource, row) in pending.by_resource {
                    self.rows
                        .entry((principal.clone(), action.clone(), Some(resource)))
                        .or_default()
                        .merge(&row);
                }
                if let Some(row) = pending.without_resource {
                    self.rows
                        .entry((principal.clone(), action.clone(), None))
                        .or_default()
                        .merge(&row);
                }
            }
        }
    }

    /// Adds one record.
    pub fn add_record(&mut self, record: &Record<'_>) {
        self.add_pending(record);
        self.flush();
    }

    fn add_pending(&mut self, record: &Record<'_>) {
        self.summary.records += 1;
        let principal = record.user_identity.as_ref().and_then(principal_of);
        let (Some(principal), Some(source), Some(name)) = (
            principal,
            record.event_source.as_deref(),
            record.event_name.as_deref(),
        ) else {
            self.summary.without_principal += 1;
            return;
        };
        if let Some(category) = &record.event_category
            && !self.summary.categories.contains(category.as_ref())
        {
            self.summary.categories.insert(category.to_string());
        }
        // The catalog is asked once per event name and file batch; the
        // lookup borrows the record's text (no allocation per record).
        let cached = self
            .actions
            .get(source)
            .and_then(|names| names.get(name))
            .cloned();
        let (actions, mapped) = match cached {
            Some(found) => found,
            None => {
                let found: (Arc<[String]>, bool) = match action_of(source, name) {
                    Some(actions) => (actions.into(), true),
                    None => (vec![format!("{}:{name}", prefix_of(source))].into(), false),
                };
                self.actions
                    .entry(source.to_string())
                    .or_default()
                    .insert(name.to_string(), found.clone());
                found
            }
        };
        if !mapped {
            *self
                .summary
                .unmapped
                .entry(format!("{source}:{name}"))
                .or_default() += 1;
        }
        let time = record.event_time.as_deref().unwrap_or_default();
        let error = record.error_code.as_deref();
        let data = record.event_category.as_deref() == Some("Data");
        // An S3 data event names the object and the bucket it is in; the
        // request was authorized on the object, so the bucket entry is not
        // a resource of the call.
        let object = record.resources.as_ref().is_some_and(|list| {
            list.iter()
                .any(|r| r.kind.as_deref() == Some("AWS::S3::Object"))
        });
        let mut arns: Vec<Option<&str>> = record
            .resources
            .iter()
            .flatten()
            .filter(|r| !(object && r.kind.as_deref() == Some("AWS::S3::Bucket")))
            .filter_map(|r| r.arn.as_deref())
            .map(Some)
            .collect();
        if arns.is_empty() {
            arns.push(None);
        }
        if !self.pending.contains_key(principal) {
            self.pending
                .insert(principal.to_string(), FastMap::default());
        }
        let Some(by_action) = self.pending.get_mut(principal) else {
            return;
        };
        for action in actions.iter() {
            if !by_action.contains_key(action.as_str()) {
                by_action.insert(action.clone(), PendingRows::default());
            }
            let Some(rows) = by_action.get_mut(action.as_str()) else {
                continue;
            };
            for resource in &arns {
                let row = match resource {
                    Some(arn) => match rows.by_resource.get_mut(*arn) {
                        Some(row) => row,
                        None => rows.by_resource.entry((*arn).to_string()).or_default(),
                    },
                    None => rows.without_resource.get_or_insert_with(Row::default),
                };
                row.add(time, error, data);
            }
        }
    }

    /// The earliest first-seen and latest last-seen time of any row: the
    /// window the aggregate covers.
    pub fn window(&self) -> Option<(&str, &str)> {
        let first = self.rows.values().map(|r| r.first_seen.as_str()).min()?;
        let last = self.rows.values().map(|r| r.last_seen.as_str()).max()?;
        Some((first, last))
    }

    pub(crate) fn merge(mut self, other: Aggregate) -> Aggregate {
        for (key, row) in other.rows {
            self.rows.entry(key).or_default().merge(&row);
        }
        let summary = &mut self.summary;
        summary.files += other.summary.files;
        summary.records += other.summary.records;
        summary.without_principal += other.summary.without_principal;
        for (name, count) in other.summary.unmapped {
            *summary.unmapped.entry(name).or_default() += count;
        }
        summary.categories.extend(other.summary.categories);
        self
    }

    /// The rows as JSON lines, sorted by principal, action and resource.
    pub fn json_lines(&self) -> String {
        let mut keys: Vec<&Key> = self.rows.keys().collect();
        keys.sort();
        let mut out = String::new();
        for key in keys {
            let Some(row) = self.rows.get(key) else {
                continue;
            };
            let line = json!({
                "principal": key.0,
                "action": key.1,
                "resource": key.2,
                "count": row.count,
                "first_seen": row.first_seen,
                "last_seen": row.last_seen,
                "errors": row.errors,
                "denied": row.denied,
                "data_events": row.data_events,
            });
            out.push_str(&line.to_string());
            out.push('\n');
        }
        out
    }

    /// What the trail could not show, for the report: a trail without
    /// data events says nothing of S3 object-level or DynamoDB item-level
    /// calls (CloudTrail logs them only when data events are enabled).
    /// <https://docs.aws.amazon.com/awscloudtrail/latest/userguide/logging-data-events-with-cloudtrail.html>
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.summary.categories.contains("Data") {
            notes.push("the trail holds no data events: S3 object-level, DynamoDB item-level, Lambda Invoke and other data-plane calls are logged only when data events are enabled, so their absence here proves nothing".to_string());
        }
        if !self.summary.unmapped.is_empty() {
            notes.push(format!(
                "{} event names have no IAM action leash knows (written as `prefix:eventName`): {}",
                self.summary.unmapped.len(),
                self.summary
                    .unmapped
                    .iter()
                    .take(10)
                    .map(|(name, count)| format!("`{name}` ({count})"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        notes
    }
}

/// Every trail file under `paths` (files, or folders walked for `.json`
/// and `.json.gz`), sorted.
pub fn trail_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, TrailError> {
    let mut files = Vec::new();
    let mut pending: Vec<PathBuf> = paths.to_vec();
    while let Some(path) = pending.pop() {
        if path.is_dir() {
            let entries = std::fs::read_dir(&path).map_err(|source| TrailError::Io {
                path: path.display().to_string(),
                source,
            })?;
            for entry in entries.flatten() {
                pending.push(entry.path());
            }
        } else if paths.contains(&path) || {
            let name = path.to_string_lossy();
            name.ends_with(".json.gz") || name.ends_with(".json")
        } {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Reads and aggregates every trail file under `paths`, on all cores.
pub fn read_trails(paths: &[PathBuf]) -> Result<Aggregate, TrailError> {
    read_files(&trail_files(paths)?, &|_| {})
}

/// Reads and aggregates `files` on all cores, telling `progress` the
/// records of each file read (from any thread).
pub fn read_files(
    files: &[PathBuf],
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Aggregate, TrailError> {
    // A few long runs per thread (not rayon's adaptive splits, each of
    // which would be an aggregate to merge): rows are pending (keyed by
    // borrowed text) during a run and moved into `rows` once at its end.
    let runs = rayon::current_num_threads().max(1) * 4;
    let per_run = files.len().div_ceil(runs).max(1);
    files
        .par_chunks(per_run)
        .map(|run| {
            let mut aggregate = Aggregate::default();
            for path in run {
                let before = aggregate.summary.records;
                aggregate.add_file(path)?;
                progress(aggregate.summary.records - before);
            }
            aggregate.flush();
            Ok(aggregate)
        })
        .try_reduce(Aggregate::default, |a, b| Ok(a.merge(b)))
}

/// Why an aggregate file could not be read.
#[derive(Debug, Error)]
#[error("{path}:{line}:{column}: {message}")]
pub struct AggregateError {
    pub path: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// The columns of an aggregate row, in the order `leash usage` writes
/// them and the CSV shape names them.
pub const COLUMNS: [&str; 9] = [
    "principal",
    "action",
    "resource",
    "count",
    "first_seen",
    "last_seen",
    "errors",
    "denied",
    "data_events",
];

impl Aggregate {
    /// Adds one row read back from an aggregate (rows of the same key
    /// merge, as rows of two trail batches do).
    pub fn add_row(&mut self, key: Key, row: Row) {
        self.summary.records += row.count;
        self.rows.entry(key).or_default().merge(&row);
    }
}

/// Reads an aggregate: the JSON lines `leash usage` writes (and the Athena
/// query of `--emit-sql athena` returns as JSON lines), or CSV with a
/// header naming the nine columns of [`COLUMNS`] in any order (the shape
/// Athena and CloudTrail Lake write query results in); the shape is told
/// by the first non-blank character (`{` is JSON lines). `resource` empty
/// or `null` is no resource.
pub fn read_aggregate(path: &str, text: &str) -> Result<Aggregate, AggregateError> {
    let mut aggregate = Aggregate::default();
    aggregate.summary.files = 1;
    let error = |line: usize, column: usize, message: String| AggregateError {
        path: path.to_string(),
        line,
        column,
        message,
    };
    if text.trim_start().starts_with('{') {
        for (index, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| error(index + 1, e.column(), e.to_string()))?;
            let field = |name: &str| value.get(name).filter(|v| !v.is_null());
            let mut cells: Vec<Option<String>> = Vec::new();
            for name in COLUMNS {
                cells.push(match field(name) {
                    None => None,
                    Some(serde_json::Value::String(s)) => Some(s.clone()),
                    Some(other) => Some(other.to_string()),
                });
            }
            let (key, row) = row_of(&cells).map_err(|m| error(index + 1, 1, m))?;
            aggregate.add_row(key, row);
        }
        return Ok(aggregate);
    }
    let records = csv_records(text).map_err(|(line, column, m)| error(line, column, m))?;
    let mut records = records.into_iter();
    let Some((_, header)) = records.next() else {
        return Ok(aggregate);
    };
    let mut positions = Vec::new();
    for name in COLUMNS {
        let at = header
            .iter()
            .position(|h| h.trim().eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                error(
                    1,
                    1,
                    format!(
                        "the CSV header has no `{name}` column (an aggregate has {})",
                        COLUMNS.join(", ")
                    ),
                )
            })?;
        positions.push(at);
    }
    for (line, record) in records {
        if record.len() == 1 && record[0].is_empty() {
            continue;
        }
        let cells: Vec<Option<String>> = positions
            .iter()
            .map(|&at| record.get(at).filter(|c| !c.is_empty()).cloned())
            .collect();
        let (key, row) = row_of(&cells).map_err(|m| error(line, 1, m))?;
        aggregate.add_row(key, row);
    }
    Ok(aggregate)
}

/// A row from its nine cells (in [`COLUMNS`] order).
fn row_of(cells: &[Option<String>]) -> Result<(Key, Row), String> {
    let text = |i: usize| -> Result<String, String> {
        cells
            .get(i)
            .cloned()
            .flatten()
            .ok_or_else(|| format!("the row has no `{}`", COLUMNS[i]))
    };
    let number = |i: usize| -> Result<u64, String> {
        match cells.get(i).cloned().flatten() {
            // Older aggregates had no `data_events`.
            None if COLUMNS[i] == "data_events" => Ok(0),
            None => Err(format!("the row has no `{}`", COLUMNS[i])),
            Some(cell) => cell
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("`{}` is `{cell}`, not a whole number", COLUMNS[i])),
        }
    };
    let resource = cells.get(2).cloned().flatten().filter(|r| r != "null");
    let row = Row {
        count: number(3)?,
        first_seen: text(4)?,
        last_seen: text(5)?,
        errors: number(6)?,
        denied: number(7)?,
        data_events: number(8)?,
    };
    if row.count == 0 {
        return Err("`count` is 0: a row stands for at least one call".into());
    }
    Ok(((text(0)?, text(1)?, resource), row))
}

/// A CSV record with the line it starts on.
type CsvRecord = (usize, Vec<String>);

/// CSV records (RFC 4180: fields in double quotes may hold commas, line
/// breaks and `""`), each with the line it starts on.
fn csv_records(text: &str) -> Result<Vec<CsvRecord>, (usize, usize, String)> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut start_line = 1;
    let mut column = 0;
    let mut chars = text.chars().peekable();
    let mut field_started_quoted = false;
    while let Some(c) = chars.next() {
        column += 1;
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    column = 0;
                    field.push(c);
                }
                _ => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() && !field_started_quoted => {
                quoted = true;
                field_started_quoted = true;
            }
            '"' => return Err((line, column, "a `\"` inside an unquoted CSV field".into())),
            ',' => {
                record.push(std::mem::take(&mut field));
                field_started_quoted = false;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                field_started_quoted = false;
                records.push((start_line, std::mem::take(&mut record)));
                line += 1;
                start_line = line;
                column = 0;
            }
            _ => field.push(c),
        }
    }
    if quoted {
        return Err((line, column, "a quoted CSV field is not closed".into()));
    }
    if !field.is_empty() || !record.is_empty() || field_started_quoted {
        record.push(field);
        records.push((start_line, record));
    }
    Ok(records)
}
