//! The recorder behind `configure`/`log`/`Client`. JS buffers events as JSON lines and hands
//! them over in batches (one N-API crossing per batch, not per event or per property); the core
//! recorder then validates, prices and queues them for its background writer.

use crate::error::{self, Code};
use chrono::{TimeZone, Utc};
use hailog::recorder::{Recorder, event_type_for};
use hailog::{Event, Outcome};
use napi_derive::napi;
use serde_json::{Value, json};

#[napi(js_name = "NativeRecorder")]
pub struct NativeRecorder {
    inner: Recorder,
}

fn text(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// One buffered JSON line to a core event. Errors name the field.
fn event_from(line: &str) -> hailog::Result<Event> {
    let v: Value = serde_json::from_str(line)
        .map_err(|e| hailog::Error::invalid("event", format!("not JSON: {e}")))?;
    let session_id = text(&v, "session_id")
        .ok_or_else(|| hailog::Error::invalid("sessionId", "expected a non-empty string"))?;
    hailog::recorder::check_id("sessionId", &session_id)?;
    let kind = text(&v, "kind").unwrap_or_else(|| "llm_call".to_string());
    let tool = text(&v, "tool");
    let mut ev = Event::new(session_id, event_type_for(&kind, tool.as_deref())?);
    if let Some(id) = text(&v, "event_id") {
        ev.event_id = id;
    }
    if let Some(t) = v
        .get("ts")
        .and_then(Value::as_i64)
        .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
    {
        ev.timestamp = t;
    }
    if let Some(usage) = v.get("usage").filter(|u| !u.is_null()) {
        let usage = serde_json::from_value(usage.clone())
            .map_err(|e| hailog::Error::invalid("usage", e.to_string()))?;
        ev.usage = Some(usage);
    }
    if let Some(outcome) = text(&v, "outcome") {
        ev.outcome = outcome.parse::<Outcome>()?;
    }
    ev.latency_ms = v.get("latency_ms").and_then(Value::as_u64);
    ev.model = text(&v, "model");
    ev.provider = text(&v, "provider");
    ev.trace_id = text(&v, "trace_id");
    ev.agent = text(&v, "agent");
    ev.tool = tool;
    ev.error = text(&v, "error");
    Ok(ev)
}

#[napi]
impl NativeRecorder {
    /// `db`: a SQLite file path, `":memory:"`, or null for the default path.
    #[napi(constructor, catch_unwind)]
    pub fn new(db: Option<String>, capture_content: Option<bool>) -> error::Result<Self> {
        let mut builder = Recorder::builder().capture_content(capture_content.unwrap_or(false));
        builder = match db.as_deref() {
            Some(":memory:") => builder.memory(),
            Some(path) => builder.path(path),
            None => builder,
        };
        let inner = builder.open().map_err(error::to_js)?;
        Ok(NativeRecorder { inner })
    }

    /// Logs newline-separated JSON events; returns the failures as a JSON array (or null).
    #[napi(catch_unwind)]
    pub fn log_batch(&self, lines: String) -> Option<String> {
        let mut failures = Vec::new();
        for line in lines.split('\n').filter(|l| !l.is_empty()) {
            if let Err(e) = event_from(line).and_then(|ev| self.inner.log(ev)) {
                let id = serde_json::from_str::<Value>(line)
                    .ok()
                    .and_then(|v| text(&v, "event_id"));
                failures
                    .push(json!({"code": e.code(), "message": error::chain(&e), "eventId": id}));
            }
        }
        (!failures.is_empty()).then(|| Value::from(failures).to_string())
    }

    #[napi(catch_unwind)]
    pub fn flush(&self) -> error::Result<()> {
        self.inner.flush(None).map_err(error::to_js)
    }

    #[napi(catch_unwind)]
    pub fn close(&self) -> error::Result<()> {
        self.inner.close().map_err(error::to_js)
    }

    /// The session's summary as JSON, or null for a session never logged.
    #[napi(catch_unwind)]
    pub fn summary_json(&self, session_id: String) -> error::Result<Option<String>> {
        let summary = self.inner.summary(&session_id).map_err(error::to_js)?;
        summary
            .map(|s| {
                serde_json::to_value(&s)
                    .and_then(|v| serde_json::to_string(&crate::usage::camel_keys(v)))
            })
            .transpose()
            .map_err(|e| napi::Error::new(Code("internal"), e.to_string()))
    }
}
