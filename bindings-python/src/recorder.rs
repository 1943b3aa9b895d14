//! `Client`: the session ledger. `log()` turns typed keyword arguments straight into a core
//! `Event` (no JSON in between) and hands it to the core's background writer; no I/O happens on
//! the caller's thread.

use crate::errors::{invalid, to_py};
use crate::hail::{summary_dict, time_arg};
use crate::pricing::Cost;
use crate::usage::{Usage, body_bytes};
use hailog::event::{ContentBlock, Event, Outcome};
use hailog::recorder::{LlmCall, Recorder, event_type_for};
use pyo3::prelude::*;
use pyo3::types::PyDict;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::RwLock;
use std::time::Duration;

/// A ledger client over one SQLite file (or an in-memory database with `db=":memory:"`).
#[pyclass(module = "hailog", frozen)]
pub struct Client {
    recorder: RwLock<Option<Recorder>>,
}

impl Client {
    fn rec(&self) -> PyResult<Recorder> {
        let guard = self.recorder.read().unwrap_or_else(|p| p.into_inner());
        guard
            .clone()
            .ok_or_else(|| to_py(hailog::Error::Closed("the client is closed".into())))
    }
}

fn usage_arg(
    py: Python<'_>,
    usage: Option<&Bound<'_, PyAny>>,
    response: Option<&Bound<'_, PyAny>>,
) -> PyResult<Option<hailog::Usage>> {
    if let Some(u) = usage {
        return Usage::from_py(u).map(Some);
    }
    match response {
        None => Ok(None),
        Some(r) => {
            let bytes = body_bytes(py, r)?;
            py.detach(|| hailog::usage::parse(&bytes, None))
                .map(Some)
                .map_err(|e| to_py(e.into()))
        }
    }
}

#[pymethods]
impl Client {
    #[new]
    #[pyo3(signature = (db = None, *, capture_content = false, queue_capacity = None))]
    fn new(
        py: Python<'_>,
        db: Option<PathBuf>,
        capture_content: bool,
        queue_capacity: Option<usize>,
    ) -> PyResult<Self> {
        let mut builder = Recorder::builder().capture_content(capture_content);
        builder = match db {
            Some(p) if p.as_os_str() == ":memory:" => builder.memory(),
            Some(p) => builder.path(p),
            None => builder,
        };
        if let Some(c) = queue_capacity {
            builder = builder.queue_capacity(c);
        }
        let recorder = py.detach(|| builder.open()).map_err(to_py)?;
        Ok(Client {
            recorder: RwLock::new(Some(recorder)),
        })
    }

    /// Logs one event and returns its id. Typed keyword arguments go straight into the core.
    #[pyo3(signature = (*, session_id, kind = "llm_call", provider = None, model = None,
        usage = None, response = None, latency_ms = None, outcome = "ok", trace_id = None,
        agent = None, tool = None, text = None, error = None, event_id = None, timestamp = None,
        metadata = None, cost = None))]
    #[allow(clippy::too_many_arguments)]
    fn log(
        &self,
        py: Python<'_>,
        session_id: String,
        kind: &str,
        provider: Option<String>,
        model: Option<String>,
        usage: Option<&Bound<'_, PyAny>>,
        response: Option<&Bound<'_, PyAny>>,
        latency_ms: Option<u64>,
        outcome: &str,
        trace_id: Option<String>,
        agent: Option<String>,
        tool: Option<String>,
        text: Option<String>,
        error: Option<String>,
        event_id: Option<String>,
        timestamp: Option<&Bound<'_, PyAny>>,
        metadata: Option<&Bound<'_, PyDict>>,
        cost: Option<&Cost>,
    ) -> PyResult<String> {
        let recorder = self.rec()?;
        let outcome = Outcome::from_str(outcome).map_err(to_py)?;
        let timestamp = timestamp.map(|t| time_arg(t, "timestamp")).transpose()?;
        let usage = usage_arg(py, usage, response)?;
        let mut event = if kind == hailog::event::kinds::LLM_CALL {
            LlmCall {
                session_id,
                event_id,
                provider,
                model,
                usage,
                cost: cost.map(|c| c.inner.clone()),
                latency_ms,
                outcome,
                error,
                trace_id,
                agent,
                request_id: None,
                timestamp,
            }
            .into_event()
            .map_err(to_py)?
        } else {
            let mut ev = Event::new(
                session_id,
                event_type_for(kind, tool.as_deref()).map_err(to_py)?,
            );
            if let Some(id) = event_id {
                ev.event_id = id;
            }
            if let Some(ts) = timestamp {
                ev.timestamp = ts;
            }
            ev.provider = provider;
            ev.model = model;
            ev.usage = usage;
            ev.cost = cost.map(|c| c.inner.clone());
            ev.latency_ms = latency_ms;
            ev.outcome = outcome;
            ev.error = error;
            ev.trace_id = trace_id;
            ev.agent = agent;
            ev.tool = tool;
            ev
        };
        if let Some(t) = text {
            event.content.push(ContentBlock::Text { text: t });
        }
        if let Some(m) = metadata {
            for (k, v) in m.iter() {
                let key: String = k.extract()?;
                let json = py.import("json")?.getattr("dumps")?.call1((v,))?;
                let text: String = json.extract()?;
                let value = serde_json::from_str(&text)
                    .map_err(|e| invalid(&format!("metadata.{key}"), e.to_string()))?;
                event.attributes.insert(key, value);
            }
        }
        let receipt = recorder.log(event).map_err(to_py)?;
        Ok(receipt.event_id)
    }

    /// Returns once everything logged before is durable; `timeout` in seconds.
    #[pyo3(signature = (timeout = None))]
    fn flush(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<()> {
        let recorder = self.rec()?;
        let timeout = timeout
            .map(|t| {
                Duration::try_from_secs_f64(t)
                    .map_err(|_| invalid("timeout", format!("expected seconds >= 0, got {t}")))
            })
            .transpose()?;
        py.detach(|| recorder.flush(timeout)).map_err(to_py)
    }

    /// Flushes and closes; later calls raise `ClosedError`. Closing twice is harmless.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = self
            .recorder
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        match taken {
            Some(r) => py.detach(|| r.close()).map_err(to_py),
            None => Ok(()),
        }
    }

    /// The session summary (see the README), or raises `InvalidInputError` for an unknown id.
    fn summary<'py>(&self, py: Python<'py>, session_id: &str) -> PyResult<Bound<'py, PyDict>> {
        let recorder = self.rec()?;
        let summary = py
            .detach(|| recorder.summary(session_id))
            .map_err(to_py)?
            .ok_or_else(|| invalid("session_id", format!("no session {session_id:?}")))?;
        summary_dict(
            py,
            &summary,
            chrono::Utc::now(),
            &hailog::session::StatusThresholds::default(),
        )
    }

    /// `active`, `idle`, `done`, `errored` or `paused` at `now` (default: the current time).
    #[pyo3(signature = (session_id, now = None))]
    fn status(
        &self,
        py: Python<'_>,
        session_id: &str,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<&'static str> {
        let recorder = self.rec()?;
        let now = now
            .map(|n| time_arg(n, "now"))
            .transpose()?
            .unwrap_or_else(chrono::Utc::now);
        py.detach(|| recorder.status(session_id, now))
            .map_err(to_py)?
            .map(|s| s.as_str())
            .ok_or_else(|| invalid("session_id", format!("no session {session_id:?}")))
    }

    /// Ends the session explicitly (a later event reopens it).
    #[pyo3(signature = (session_id, notes = None))]
    fn end_session(&self, session_id: &str, notes: Option<&str>) -> PyResult<String> {
        let r = self.rec()?.end_session(session_id, notes).map_err(to_py)?;
        Ok(r.event_id)
    }

    /// Every failure logged so far no longer makes the session errored.
    fn acknowledge(&self, session_id: &str) -> PyResult<String> {
        Ok(self.rec()?.acknowledge(session_id).map_err(to_py)?.event_id)
    }

    fn pause(&self, session_id: &str, reason: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .pause(session_id, reason)
            .map_err(to_py)?
            .event_id)
    }

    fn resume(&self, session_id: &str) -> PyResult<String> {
        Ok(self.rec()?.resume(session_id).map_err(to_py)?.event_id)
    }

    fn set_name(&self, session_id: &str, name: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .set_name(session_id, name)
            .map_err(to_py)?
            .event_id)
    }

    fn add_tag(&self, session_id: &str, tag: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .add_tag(session_id, tag)
            .map_err(to_py)?
            .event_id)
    }

    fn set_repo(&self, session_id: &str, repo: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .set_repo(session_id, repo)
            .map_err(to_py)?
            .event_id)
    }

    fn add_pull_request(&self, session_id: &str, url: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .add_pull_request(session_id, url)
            .map_err(to_py)?
            .event_id)
    }

    fn add_commit(&self, session_id: &str, sha: &str) -> PyResult<String> {
        Ok(self
            .rec()?
            .add_commit(session_id, sha)
            .map_err(to_py)?
            .event_id)
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }
}
