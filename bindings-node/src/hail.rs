//! HAIL files for JS: `readHail` streams events on the libuv thread pool in batches (each one
//! JSON array of canonical event lines), `summarizeHail` validates and summarizes a whole file
//! there, `canonicalHail` rewrites one, and `summarize` folds event objects into a summary. A
//! format error crosses as `{"error": {...}}` so JS keeps its `kind` and `line`.

use crate::error::{self, Code, Job};
use crate::summary::summary_value;
use chrono::{DateTime, Utc};
use hailog::hail::{self, HailError, ReadOptions, Reader};
use hailog::session::{SessionSummary, StatusThresholds, status};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use serde_json::{Value, json};
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A HAIL format error as the JSON the JS layer turns into a `HailogError` with `kind` and
/// `line`; an I/O failure stays a thrown storage-style error.
fn hail_error(err: HailError) -> error::Result<String> {
    if let HailError::Io { .. } = err {
        return Err(error::to_js(err.into()));
    }
    let message = error::chain(&err);
    Ok(json!({
        "error": { "code": "hail_format", "kind": err.kind(), "line": err.line(), "message": message }
    })
    .to_string())
}

fn internal(e: impl std::fmt::Display) -> napi::Error<Code> {
    napi::Error::new(error::PANIC, e.to_string())
}

enum State {
    Unopened(PathBuf, ReadOptions),
    Open(Box<Reader<BufReader<File>>>),
    Done,
}

#[napi(js_name = "NativeHailReader")]
pub struct NativeHailReader {
    state: Arc<Mutex<State>>,
}

fn next_batch(state: &Mutex<State>, max: usize) -> error::Result<Option<String>> {
    let mut state = state
        .lock()
        .map_err(|_| napi::Error::new(error::PANIC, "HAIL reader lock poisoned".to_string()))?;
    if let State::Unopened(path, opts) = &*state {
        let file = File::open(path).map_err(|source| {
            error::to_js(
                hailog::store::StorageError::Io {
                    path: path.clone(),
                    source,
                }
                .into(),
            )
        })?;
        *state = match Reader::with_options(BufReader::new(file), opts.clone()) {
            Ok(reader) => State::Open(Box::new(reader)),
            Err(e) => {
                *state = State::Done;
                return hail_error(e).map(Some);
            }
        };
    }
    let State::Open(reader) = &mut *state else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(max * 256);
    out.push(b'[');
    let mut count = 0;
    while count < max {
        match reader.next() {
            Some(Ok(event)) => {
                if count > 0 {
                    out.push(b',');
                }
                hail::write_event_line(&event, &mut out);
                count += 1;
            }
            Some(Err(e)) => {
                *state = State::Done;
                return hail_error(e).map(Some);
            }
            None => {
                *state = State::Done;
                break;
            }
        }
    }
    if count == 0 {
        return Ok(None);
    }
    out.push(b']');
    String::from_utf8(out)
        .map(Some)
        .map_err(|e| napi::Error::new(error::PANIC, format!("event JSON: {e}")))
}

#[napi]
impl NativeHailReader {
    #[napi(constructor)]
    pub fn new(path: String, options: Option<HailReadOptions>) -> Self {
        let opts = options.map_or_else(ReadOptions::default, |o| o.read_options());
        NativeHailReader {
            state: Arc::new(Mutex::new(State::Unopened(PathBuf::from(path), opts))),
        }
    }

    /// The next `max` events as a JSON array, or null at the end. The file is opened by the
    /// first call, off the JS thread.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn next_batch(&self, max: u32) -> AsyncTask<Job<Option<String>>> {
        let state = Arc::clone(&self.state);
        let max = (max as usize).max(1);
        AsyncTask::new(Job::new(move || next_batch(&state, max)))
    }
}

/// Options of `readHail` and `summarizeHail`, as the JS layer passes them.
#[napi(object)]
pub struct HailReadOptions {
    pub max_line_bytes: Option<u32>,
    pub check_duplicate_ids: Option<bool>,
    /// Event ids the duplicate check keeps in memory before it spills them to a temporary file.
    pub ids_in_memory: Option<u32>,
    /// Skip a torn last line (no newline, does not parse) with a warning instead of an error.
    pub skip_torn_last_line: Option<bool>,
    /// RFC 3339 time the status is computed at (default: now; `summarizeHail` only).
    pub now: Option<String>,
}

impl HailReadOptions {
    fn read_options(&self) -> ReadOptions {
        let defaults = ReadOptions::default();
        ReadOptions {
            check_duplicate_ids: self
                .check_duplicate_ids
                .unwrap_or(defaults.check_duplicate_ids),
            max_line_bytes: self
                .max_line_bytes
                .map_or(defaults.max_line_bytes, |n| n as usize),
            ids_in_memory: self
                .ids_in_memory
                .map_or(defaults.ids_in_memory, |n| n as usize),
            skip_torn_last_line: self
                .skip_torn_last_line
                .unwrap_or(defaults.skip_torn_last_line),
            ..defaults
        }
    }
}

fn parse_now(now: Option<&str>) -> error::Result<DateTime<Utc>> {
    match now {
        None => Ok(Utc::now()),
        Some(text) => DateTime::parse_from_rfc3339(text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| {
                napi::Error::new(
                    Code("invalid_input"),
                    format!("now: {text:?} is not an RFC 3339 time: {e}"),
                )
            }),
    }
}

fn summarize_file(path: PathBuf, options: HailReadOptions) -> error::Result<String> {
    let now = parse_now(options.now.as_deref())?;
    let opts = options.read_options();
    let file = match hail::read_file(&path, opts) {
        Ok(file) => file,
        Err(e) => return hail_error(e),
    };
    let state = status(&file.summary, now, &StatusThresholds::default());
    let warnings: Vec<Value> = file
        .warnings
        .iter()
        .map(|w| json!({ "line": w.line, "kind": w.kind, "message": w.message }))
        .collect();
    let camel = |v: Value| crate::usage::camel_keys(v);
    let out = json!({
        "header": camel(json!(file.header)),
        "dialect": file.dialect,
        "stats": camel(json!(file.stats)),
        "computedStats": camel(json!(file.summary.stats())),
        "warnings": warnings,
        "summary": summary_value(&file.summary, state),
    });
    Ok(out.to_string())
}

/// Reads, validates and summarizes a whole HAIL file off the JS thread; JSON of `HailFile`.
#[napi(ts_return_type = "Promise<string>")]
pub fn summarize_hail_file(path: String, options: HailReadOptions) -> AsyncTask<Job<String>> {
    let path = PathBuf::from(path);
    AsyncTask::new(Job::new(move || summarize_file(path, options)))
}

fn canonical(path: PathBuf) -> error::Result<String> {
    let io = |source: std::io::Error| error::to_js(HailError::Io { line: 0, source }.into());
    let file = File::open(&path).map_err(io)?;
    let reader = match Reader::new(BufReader::with_capacity(256 << 10, file)) {
        Ok(reader) => reader,
        Err(e) => return hail_error(e),
    };
    let mut writer = hail::Writer::new(Vec::new(), reader.header()).map_err(io)?;
    for event in reader {
        match event {
            Ok(event) => writer.write_event(&event).map_err(io)?,
            Err(e) => return hail_error(e),
        }
    }
    let bytes = writer.finish().map_err(io)?;
    // The canonical form is JSON lines; the JS side tells it from an error by the first byte.
    String::from_utf8(bytes).map_err(internal)
}

/// The file rewritten in hailog's canonical `hail-1.0.0` form (header, events, stats line).
#[napi(ts_return_type = "Promise<string>")]
pub fn canonical_hail(path: String) -> AsyncTask<Job<String>> {
    let path = PathBuf::from(path);
    AsyncTask::new(Job::new(move || canonical(path)))
}

/// Folds HAIL event lines (each one event object's JSON) into a session summary and its status
/// at `now`. A bad event is a `hail_format` error naming its 1-based position as the line.
#[napi(catch_unwind)]
pub fn summarize_events(
    events: Vec<String>,
    session_id: String,
    now: Option<String>,
    idle_after_seconds: Option<i64>,
    done_after_seconds: Option<i64>,
) -> error::Result<String> {
    let now = parse_now(now.as_deref())?;
    let mut summary = SessionSummary::new(&session_id);
    for (i, line) in events.iter().enumerate() {
        match hail::parse_event_line(line.as_bytes(), i as u64 + 1, &session_id) {
            Ok(event) => summary.add(&event),
            Err(e) => return hail_error(e),
        }
    }
    let defaults = StatusThresholds::default();
    let thresholds = StatusThresholds {
        idle_after: idle_after_seconds.map_or(defaults.idle_after, chrono::Duration::seconds),
        done_after: done_after_seconds.map_or(defaults.done_after, chrono::Duration::seconds),
    };
    let state = status(&summary, now, &thresholds);
    Ok(summary_value(&summary, state).to_string())
}
