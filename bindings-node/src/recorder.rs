//! The recorder behind `configure`/`log`/`Client`. JS buffers events as JSON lines and hands
//! them over in batches (one N-API crossing per batch, not per event or per property); the core
//! recorder then validates, prices and queues them for its background writer.

use crate::error::{self, Code, Job};
use chrono::{TimeZone, Utc};
use hailog::recorder::{
    ExportFormat, Recorder, SessionFilter, SessionSort, StatsBy, Window, event_type_for,
};
use hailog::{Event, Outcome};
use napi::bindgen_prelude::AsyncTask;
use napi_derive::napi;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use std::panic::AssertUnwindSafe;
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex, mpsc};
use std::thread::JoinHandle;

#[napi(js_name = "NativeRecorder")]
pub struct NativeRecorder {
    inner: Recorder,
    ingest: Ingest,
}

/// Batches of buffered lines are parsed and logged on one thread of their own, in the order they
/// were handed over, so `logBatch` returns at once and the JS thread only builds the lines.
/// Every other call first waits for the batches before it ([`Ingest::settle`]), so operations,
/// reads and flushes keep their order with earlier `log()` calls.
struct Ingest {
    state: Arc<(Mutex<IngestState>, Condvar)>,
    tx: Mutex<Option<mpsc::Sender<String>>>,
    handle: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Default)]
struct IngestState {
    sent: u64,
    done: u64,
    /// Failures of logged lines not yet handed to JS.
    failures: Vec<Value>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Nothing panics while these locks are held; keep the data rather than cascade.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Logs every line of a batch; the failures name the event id of their line.
fn log_lines(rec: &Recorder, lines: &str) -> Vec<Value> {
    let mut failures = Vec::new();
    for line in lines.split('\n').filter(|l| !l.is_empty()) {
        if let Err(e) = event_from(line).and_then(|ev| rec.log(ev)) {
            let id = serde_json::from_str::<Value>(line)
                .ok()
                .and_then(|v| text(&v, "event_id"));
            failures.push(json!({"code": e.code(), "message": error::chain(&e), "eventId": id}));
        }
    }
    failures
}

impl Ingest {
    fn start(rec: Recorder) -> error::Result<Ingest> {
        let state = Arc::new((Mutex::new(IngestState::default()), Condvar::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let shared = state.clone();
        let handle = std::thread::Builder::new()
            .name("hailog-ingest".into())
            .spawn(move || {
                for lines in rx {
                    let failures = std::panic::catch_unwind(AssertUnwindSafe(|| {
                        log_lines(&rec, &lines)
                    }))
                    .unwrap_or_else(|_| {
                        vec![json!({"code": "internal", "message": "hailog panicked while logging a batch", "eventId": null})]
                    });
                    let (m, cv) = &*shared;
                    let mut st = lock(m);
                    st.failures.extend(failures);
                    st.done += 1;
                    cv.notify_all();
                }
            })
            .map_err(|e| {
                napi::Error::new(Code("storage"), format!("cannot start the ingest thread: {e}"))
            })?;
        Ok(Ingest {
            state,
            tx: Mutex::new(Some(tx)),
            handle: Mutex::new(Some(handle)),
        })
    }

    /// Queues a batch; returns the failures of batches logged since the last call.
    fn submit(&self, rec: &Recorder, lines: String) -> Vec<Value> {
        let (m, _) = &*self.state;
        let tx = lock(&self.tx);
        let lines = match tx.as_ref() {
            Some(tx) => {
                lock(m).sent += 1;
                match tx.send(lines) {
                    Ok(()) => return std::mem::take(&mut lock(m).failures),
                    Err(mpsc::SendError(lines)) => {
                        lock(m).sent -= 1;
                        lines
                    }
                }
            }
            None => lines,
        };
        drop(tx);
        // No ingest thread (stopped): log here, as the JS thread did before it existed.
        let mut failures = std::mem::take(&mut lock(m).failures);
        failures.extend(log_lines(rec, &lines));
        failures
    }

    /// Waits until every batch handed over so far is logged.
    fn settle(&self) {
        let (m, cv) = &*self.state;
        let mut st = lock(m);
        while st.done < st.sent {
            st = cv.wait(st).unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Logs what is queued and stops the thread.
    fn stop(&self) {
        drop(lock(&self.tx).take());
        if let Some(h) = lock(&self.handle).take() {
            let _ = h.join();
        }
    }
}

impl Drop for Ingest {
    fn drop(&mut self) {
        self.stop();
    }
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// The fields of one buffered JSON line (as `index.js` writes them).
#[derive(serde::Deserialize)]
struct Line {
    session_id: Option<String>,
    event_id: Option<String>,
    ts: Option<i64>,
    kind: Option<String>,
    provider: Option<String>,
    model: Option<String>,
    usage: Option<hailog::Usage>,
    latency_ms: Option<u64>,
    outcome: Option<String>,
    trace_id: Option<String>,
    agent: Option<String>,
    tool: Option<String>,
    error: Option<String>,
}

impl Line {
    /// The lenient reading used when the typed one fails: a field of the wrong type is absent
    /// (a bad usage object is an error naming it), as the JS side documents.
    fn from_value(line: &str) -> hailog::Result<Line> {
        let v: Value = serde_json::from_str(line)
            .map_err(|e| hailog::Error::invalid("event", format!("not JSON: {e}")))?;
        let usage = match v.get("usage").filter(|u| !u.is_null()) {
            Some(u) => Some(
                serde_json::from_value(u.clone())
                    .map_err(|e| hailog::Error::invalid("usage", e.to_string()))?,
            ),
            None => None,
        };
        Ok(Line {
            session_id: text(&v, "session_id"),
            event_id: text(&v, "event_id"),
            ts: v.get("ts").and_then(Value::as_i64),
            kind: text(&v, "kind"),
            provider: text(&v, "provider"),
            model: text(&v, "model"),
            usage,
            latency_ms: v.get("latency_ms").and_then(Value::as_u64),
            outcome: text(&v, "outcome"),
            trace_id: text(&v, "trace_id"),
            agent: text(&v, "agent"),
            tool: text(&v, "tool"),
            error: text(&v, "error"),
        })
    }
}

/// One buffered JSON line to a core event. Errors name the field.
fn event_from(line: &str) -> hailog::Result<Event> {
    // Straight into typed fields (no intermediate JSON tree) in the usual case.
    let l = match serde_json::from_str::<Line>(line) {
        Ok(l) => l,
        Err(_) => Line::from_value(line)?,
    };
    let session_id = l
        .session_id
        .ok_or_else(|| hailog::Error::invalid("sessionId", "expected a non-empty string"))?;
    hailog::recorder::check_id("sessionId", &session_id)?;
    let event_type = event_type_for(l.kind.as_deref().unwrap_or("llm_call"), l.tool.as_deref())?;
    let timestamp =
        l.ts.and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .unwrap_or_else(Utc::now);
    let mut ev = match l.event_id {
        Some(id) => Event::with_id(session_id, id, timestamp, event_type),
        None => {
            let mut ev = Event::new(session_id, event_type);
            ev.timestamp = timestamp;
            ev
        }
    };
    ev.usage = l.usage;
    if let Some(outcome) = l.outcome {
        ev.outcome = outcome.parse::<Outcome>()?;
    }
    ev.latency_ms = l.latency_ms;
    ev.model = l.model;
    ev.provider = l.provider;
    ev.trace_id = l.trace_id;
    ev.agent = l.agent;
    ev.tool = l.tool;
    ev.error = l.error;
    Ok(ev)
}

fn args_of(json: &str) -> hailog::Result<Map<String, Value>> {
    match serde_json::from_str(json) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(hailog::Error::invalid("options", "expected an object")),
        Err(e) => Err(hailog::Error::invalid("options", format!("not JSON: {e}"))),
    }
}

/// A required string argument; the error names the JS field.
fn need(args: &Map<String, Value>, key: &str) -> hailog::Result<String> {
    args.get(key)
        .and_then(Value::as_str)
        .map(str::to_string)
        .ok_or_else(|| hailog::Error::invalid(key, "expected a string"))
}

fn opt(args: &Map<String, Value>, key: &str) -> Option<String> {
    args.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A USD amount given as a decimal string (exact) or a JS number (its shortest decimal form).
fn usd(args: &Map<String, Value>, key: &str) -> hailog::Result<Option<Decimal>> {
    let text = match args.get(key) {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        Some(other) => {
            return Err(hailog::Error::invalid(
                key,
                format!("expected a decimal string or a number, got {other}"),
            ));
        }
    };
    Decimal::from_str(&text)
        .map(Some)
        .map_err(|e| hailog::Error::invalid(key, format!("{text:?} is not a decimal: {e}")))
}

/// An ISO-8601 time or epoch milliseconds.
fn time(args: &Map<String, Value>, key: &str) -> hailog::Result<Option<chrono::DateTime<Utc>>> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.with_timezone(&Utc)))
            .map_err(|e| {
                hailog::Error::invalid(key, format!("{s:?} is not an ISO-8601 time: {e}"))
            }),
        Some(v) => v
            .as_i64()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .map(Some)
            .ok_or_else(|| hailog::Error::invalid(key, format!("{v} is not a time"))),
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> error::Result<String> {
    serde_json::to_value(value)
        .and_then(|v| serde_json::to_string(&crate::usage::camel_keys(v)))
        .map_err(|e| napi::Error::new(Code("internal"), e.to_string()))
}

fn sort_of(text: &str) -> hailog::Result<SessionSort> {
    Ok(match text {
        "lastEvent" => SessionSort::LastEvent,
        "started" => SessionSort::Started,
        "cost" => SessionSort::Cost,
        "events" => SessionSort::Events,
        other => {
            return Err(hailog::Error::invalid(
                "sort",
                format!("expected lastEvent, started, cost or events, got {other:?}"),
            ));
        }
    })
}

fn filter_of(
    args: &Map<String, Value>,
    now: chrono::DateTime<Utc>,
) -> hailog::Result<SessionFilter> {
    let mut f = SessionFilter::default();
    if let Some(w) = opt(args, "window") {
        f = f.window(w.parse::<Window>()?, now);
    }
    if let Some(t) = time(args, "since")? {
        f.since = Some(t);
    }
    if let Some(t) = time(args, "until")? {
        f.until = Some(t);
    }
    f.agent = opt(args, "agent");
    f.tag = opt(args, "tag");
    f.repo = opt(args, "repo");
    f.model = opt(args, "model");
    if let Some(s) = opt(args, "status") {
        f.status = Some(s.parse()?);
    }
    if let Some(s) = opt(args, "sort") {
        f.sort = sort_of(&s)?;
    }
    f.limit = match args.get("limit") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_u64()
                .map(|n| n as usize)
                .ok_or_else(|| hailog::Error::invalid("limit", format!("{v} is not a count")))?,
        ),
    };
    Ok(f)
}

impl NativeRecorder {
    /// The recorder, once every batch handed over before this call is logged.
    fn rec(&self) -> &Recorder {
        self.ingest.settle();
        &self.inner
    }

    fn session_op(&self, op: &str, id: &str, a: &Map<String, Value>) -> hailog::Result<String> {
        let r = self.rec();
        let receipt = match op {
            "start" => {
                let tags: Vec<String> = match a.get("tags") {
                    None | Some(Value::Null) => Vec::new(),
                    Some(v) => serde_json::from_value(v.clone()).map_err(|_| {
                        hailog::Error::invalid("tags", "expected an array of strings")
                    })?,
                };
                let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
                let metadata = match a.get("metadata") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => {
                        return Err(hailog::Error::invalid("metadata", "expected an object"));
                    }
                };
                r.start_session(
                    id,
                    opt(a, "name").as_deref(),
                    opt(a, "agent").as_deref(),
                    &tags,
                    metadata,
                )?
            }
            "end" => r.end_session(id, opt(a, "notes").as_deref())?,
            "acknowledge" => r.acknowledge(id)?,
            "pause" => r.pause(id, &need(a, "reason")?)?,
            "resume" => r.resume(id)?,
            "note" => r.note(id, &need(a, "text")?)?,
            "setName" => r.set_name(id, &need(a, "name")?)?,
            "addTag" => r.add_tag(id, &need(a, "tag")?)?,
            "setRepo" => r.set_repo(id, &need(a, "repo")?)?,
            "addPullRequest" => r.add_pull_request(id, &need(a, "url")?)?,
            "addCommit" => r.add_commit(id, &need(a, "sha")?)?,
            "setBudget" => r.set_budget(id, usd(a, "softUsd")?, usd(a, "hardUsd")?)?,
            other => return Err(hailog::Error::invalid("op", format!("unknown {other:?}"))),
        };
        Ok(receipt.event_id)
    }
}

#[napi]
impl NativeRecorder {
    /// `db`: a SQLite file path, `":memory:"`, or null for the default path; `queue_capacity`:
    /// the events that may wait for the writer (the JS layer checks it is a positive integer).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        db: Option<String>,
        capture_content: Option<bool>,
        queue_capacity: Option<u32>,
    ) -> error::Result<Self> {
        let mut builder = Recorder::builder().capture_content(capture_content.unwrap_or(false));
        if let Some(capacity) = queue_capacity {
            builder = builder.queue_capacity(capacity as usize);
        }
        builder = match db.as_deref() {
            Some(":memory:") => builder.memory(),
            Some(path) => builder.path(path),
            None => builder,
        };
        let inner = builder.open().map_err(error::to_js)?;
        let ingest = Ingest::start(inner.clone())?;
        Ok(NativeRecorder { inner, ingest })
    }

    /// Hands newline-separated JSON events to the ingest thread and returns at once; returns the
    /// failures of earlier batches as a JSON array (or null). See `takeFailures`.
    #[napi(catch_unwind)]
    pub fn log_batch(&self, lines: String) -> Option<String> {
        let failures = self.ingest.submit(&self.inner, lines);
        (!failures.is_empty()).then(|| Value::from(failures).to_string())
    }

    /// Waits for every batch handed over and returns the failures not yet reported (or null).
    #[napi(catch_unwind)]
    pub fn take_failures(&self) -> Option<String> {
        self.ingest.settle();
        let failures = std::mem::take(&mut lock(&self.ingest.state.0).failures);
        (!failures.is_empty()).then(|| Value::from(failures).to_string())
    }

    /// One session operation (`start`, `end`, `pause`, ...) with its arguments as JSON; returns
    /// the event id of the metadata event it logged.
    #[napi(catch_unwind)]
    pub fn op(&self, op: String, session_id: String, args: String) -> error::Result<String> {
        args_of(&args)
            .and_then(|a| self.session_op(&op, &session_id, &a))
            .map_err(error::to_js)
    }

    /// The session's budget now (spent and limits as exact decimal strings).
    #[napi(catch_unwind)]
    pub fn check_budget_json(&self, session_id: String) -> error::Result<String> {
        let check = self.rec().check_budget(&session_id).map_err(error::to_js)?;
        to_json(&check)
    }

    /// The session's status at `now` (epoch ms; now when absent), or null for an unknown one.
    #[napi(catch_unwind)]
    pub fn status(&self, session_id: String, now: Option<i64>) -> error::Result<Option<String>> {
        let now = match now {
            Some(ms) => Utc.timestamp_millis_opt(ms).single().ok_or_else(|| {
                error::to_js(hailog::Error::invalid("now", format!("{ms} is not a time")))
            })?,
            None => Utc::now(),
        };
        let status = self.rec().status(&session_id, now).map_err(error::to_js)?;
        Ok(status.map(|s| s.as_str().to_string()))
    }

    /// Sessions matching a filter (JSON), as a JSON array.
    #[napi(catch_unwind)]
    pub fn sessions_json(&self, filter: String) -> error::Result<String> {
        let now = Utc::now();
        let filter = args_of(&filter)
            .and_then(|a| filter_of(&a, now))
            .map_err(error::to_js)?;
        let mut list = self.rec().sessions(&filter, now).map_err(error::to_js)?;
        if let Some(limit) = filter.limit {
            list.truncate(limit);
        }
        to_json(&list)
    }

    /// LLM-call totals grouped by `model`, `provider` or `agent` over a window or range.
    #[napi(catch_unwind)]
    pub fn stats_json(&self, options: String) -> error::Result<String> {
        let now = Utc::now();
        let rows = args_of(&options)
            .and_then(|a| {
                let by = match opt(&a, "by").as_deref() {
                    None | Some("model") => StatsBy::Model,
                    Some("provider") => StatsBy::Provider,
                    Some("agent") => StatsBy::Agent,
                    Some(other) => {
                        return Err(hailog::Error::invalid(
                            "by",
                            format!("expected model, provider or agent, got {other:?}"),
                        ));
                    }
                };
                let f = filter_of(&a, now)?;
                self.rec().usage_stats(by, f.since, f.until)
            })
            .map_err(error::to_js)?;
        to_json(&rows)
    }

    /// Ends open sessions silent for longer than `max_age_seconds`; returns their ids.
    #[napi(catch_unwind)]
    pub fn recover_stale(&self, max_age_seconds: f64) -> error::Result<Vec<String>> {
        if !max_age_seconds.is_finite() || max_age_seconds < 0.0 {
            return Err(error::to_js(hailog::Error::invalid(
                "maxAgeSeconds",
                format!("expected a non-negative number of seconds, got {max_age_seconds}"),
            )));
        }
        let age = std::time::Duration::from_secs_f64(max_age_seconds);
        self.rec()
            .recover_stale(age, Utc::now())
            .map_err(error::to_js)
    }

    /// One session as `json`, `csv` or `hail` text, read on the thread pool; null when unknown.
    #[napi(ts_return_type = "Promise<string | null>")]
    pub fn export(&self, session_id: String, format: String) -> AsyncTask<Job<Option<String>>> {
        let rec = self.rec().clone();
        AsyncTask::new(Job::new(move || {
            let format = match format.as_str() {
                "json" => ExportFormat::Json,
                "csv" => ExportFormat::Csv,
                "hail" => ExportFormat::Hail,
                other => {
                    return Err(error::to_js(hailog::Error::invalid(
                        "format",
                        format!("expected json, csv or hail, got {other:?}"),
                    )));
                }
            };
            let bytes = rec.export(&session_id, format).map_err(error::to_js)?;
            bytes
                .map(|b| {
                    String::from_utf8(b)
                        .map_err(|e| napi::Error::new(Code("internal"), e.to_string()))
                })
                .transpose()
        }))
    }

    #[napi(catch_unwind)]
    pub fn flush(&self) -> error::Result<()> {
        self.rec().flush(None).map_err(error::to_js)
    }

    #[napi(catch_unwind)]
    pub fn close(&self) -> error::Result<()> {
        self.ingest.stop();
        self.inner.close().map_err(error::to_js)
    }

    /// The session's summary with its status now, as JSON, or null for a session never logged.
    #[napi(catch_unwind)]
    pub fn summary_json(&self, session_id: String) -> error::Result<Option<String>> {
        let rec = self.rec();
        let Some(summary) = rec.summary(&session_id).map_err(error::to_js)? else {
            return Ok(None);
        };
        let status = hailog::session::status(&summary, chrono::Utc::now(), rec.status_thresholds());
        Ok(Some(
            crate::summary::summary_value(&summary, status).to_string(),
        ))
    }
}
