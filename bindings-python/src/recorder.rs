//! `Client`: the session ledger. `log()` turns typed keyword arguments straight into a core
//! `Event` (no JSON in between) and hands it to the core's background writer; no I/O happens on
//! the caller's thread.

use crate::errors::{invalid, to_py};
use crate::hail::{serialize, summary_dict, time_arg};
use crate::pricing::{Cost, decimal_arg};
use crate::usage::{Usage, body_bytes, decimal};
use hailog::event::{ContentBlock, Event, Outcome};
use hailog::recorder::{
    BudgetState, ExportFormat, LlmCall, QuickCall, Recorder, SessionFilter, SessionSort, StatsBy,
    Window, event_type_for,
};
use hailog::session::SessionStatus;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How many times this process image has been forked into a child (counted in the child by an
/// `os.register_at_fork` hook): cheaper to compare on every call than asking for the process id.
static FORKS: AtomicU64 = AtomicU64::new(0);

/// Runs in a child right after `os.fork()`.
pub(crate) fn after_fork_in_child() {
    FORKS.fetch_add(1, Ordering::Relaxed);
    hailog::recorder::reseed_after_fork();
}

/// A ledger client over one SQLite file (or an in-memory database with `db=":memory:"`).
#[pyclass(module = "hailog", frozen)]
pub struct Client {
    recorder: RwLock<Option<Recorder>>,
    /// The process that opened the recorder. After `fork()` the child has a copy of this object
    /// but not the writer thread behind it, so the copy must neither be used nor shut down.
    pid: u32,
    /// [`FORKS`] when the recorder was opened.
    forks: u64,
}

impl Client {
    fn forked(&self) -> bool {
        FORKS.load(Ordering::Relaxed) != self.forks
    }

    fn forked_error(&self) -> PyErr {
        to_py(hailog::Error::Closed(format!(
            "this Client was opened in process {} and cannot be used after fork(); \
             open a new Client in the child",
            self.pid
        )))
    }

    fn rec(&self) -> PyResult<Recorder> {
        if self.forked() {
            return Err(self.forked_error());
        }
        let guard = self.recorder.read().unwrap_or_else(|p| p.into_inner());
        guard
            .clone()
            .ok_or_else(|| to_py(hailog::Error::Closed("the client is closed".into())))
    }

    /// Logs a call from its compact record (the fast path of `log`).
    pub(crate) fn log_quick(&self, call: QuickCall) -> PyResult<()> {
        if self.forked() {
            return Err(self.forked_error());
        }
        let guard = self.recorder.read().unwrap_or_else(|p| p.into_inner());
        let recorder = guard
            .as_ref()
            .ok_or_else(|| to_py(hailog::Error::Closed("the client is closed".into())))?;
        recorder.log_quick(call).map(drop).map_err(to_py)
    }

    /// In a forked child, shutting the copied recorder down would wait for a writer thread that
    /// only exists in the parent; its memory is left alone instead (the parent owns the file).
    fn abandon_if_forked(&self) -> bool {
        if !self.forked() {
            return false;
        }
        let taken = self
            .recorder
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        std::mem::forget(taken);
        true
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.abandon_if_forked();
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

/// How many recently seen strings [`recent_str`] remembers per thread.
const RECENT_STRS: usize = 8;

thread_local! {
    /// Strings a bot passes on every call (its session id, model, provider, agent) are usually
    /// the same objects each time; their UTF-8 is kept here, keyed by object identity.
    static RECENT: std::cell::RefCell<Vec<(Py<PyString>, Arc<str>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn recent_str(s: &Bound<'_, PyString>) -> PyResult<String> {
    recent_text(s).map(|t| t.to_string())
}

/// The text of a Python string. Converting it under the stable ABI of Python 3.9 builds a
/// bytes object each time, so the text of the last few string objects seen is reused instead
/// (strings are immutable and the entry keeps its object alive, so identity implies equality).
pub(crate) fn recent_text(s: &Bound<'_, PyString>) -> PyResult<Arc<str>> {
    let hit = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(obj, _)| s.is(obj))
            .map(|(_, text)| text.clone())
    });
    if let Some(text) = hit {
        return Ok(text);
    }
    let text: Arc<str> = Arc::from(&*s.to_cow()?);
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() == RECENT_STRS {
            r.remove(0);
        }
        r.push((s.clone().unbind(), text.clone()));
    });
    Ok(text)
}

/// A dict of JSON values as a JSON object; each value goes through `json.dumps` so anything the
/// standard library can serialise is accepted, and the error names the offending key.
fn json_map(
    py: Python<'_>,
    field: &str,
    dict: Option<&Bound<'_, PyDict>>,
) -> PyResult<serde_json::Map<String, serde_json::Value>> {
    let mut out = serde_json::Map::new();
    let Some(dict) = dict else {
        return Ok(out);
    };
    let dumps = py.import("json")?.getattr("dumps")?;
    for (k, v) in dict.iter() {
        let key: String = k.extract()?;
        let text: String = dumps.call1((v,))?.extract()?;
        let value = serde_json::from_str(&text)
            .map_err(|e| invalid(&format!("{field}.{key}"), e.to_string()))?;
        out.insert(key, value);
    }
    Ok(out)
}

fn now_arg(now: Option<&Bound<'_, PyAny>>) -> PyResult<chrono::DateTime<chrono::Utc>> {
    Ok(now
        .map(|n| time_arg(n, "now"))
        .transpose()?
        .unwrap_or_else(chrono::Utc::now))
}

fn opt_time(
    value: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<Option<chrono::DateTime<chrono::Utc>>> {
    value.map(|v| time_arg(v, field)).transpose()
}

/// Replaces a serialised decimal string at `key` with an exact `decimal.Decimal`.
fn decimal_item(
    py: Python<'_>,
    dict: &Bound<'_, PyDict>,
    key: &str,
    value: Option<&rust_decimal::Decimal>,
) -> PyResult<()> {
    dict.set_item(key, value.map(|d| decimal(py, d)).transpose()?)
}

fn budget_state_dict<'py>(py: Python<'py>, state: &BudgetState) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    dict.set_item("state", state.as_str())?;
    match state {
        BudgetState::Ok => {
            dict.set_item("scope", py.None())?;
            dict.set_item("limit_usd", py.None())?;
        }
        BudgetState::SoftLimit { scope, limit, .. }
        | BudgetState::HardLimit { scope, limit, .. } => {
            dict.set_item("scope", scope)?;
            decimal_item(py, &dict, "limit_usd", Some(limit))?;
        }
    }
    Ok(dict)
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
            pid: std::process::id(),
            forks: FORKS.load(Ordering::Relaxed),
        })
    }

    // On 3.10 and later calls arrive through `fastlog`, which converts the arguments the same
    // way and repeats this docstring.
    /// Logs one event and returns its id. Typed keyword arguments go straight into the core.
    #[pyo3(signature = (*, session_id, kind = "llm_call", provider = None, model = None,
        usage = None, response = None, latency_ms = None, outcome = "ok", trace_id = None,
        agent = None, tool = None, text = None, error = None, event_id = None, timestamp = None,
        metadata = None, cost = None))]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn log(
        &self,
        py: Python<'_>,
        session_id: &Bound<'_, PyString>,
        kind: &str,
        provider: Option<&Bound<'_, PyString>>,
        model: Option<&Bound<'_, PyString>>,
        usage: Option<&Bound<'_, PyAny>>,
        response: Option<&Bound<'_, PyAny>>,
        latency_ms: Option<u64>,
        outcome: &str,
        trace_id: Option<&Bound<'_, PyString>>,
        agent: Option<&Bound<'_, PyString>>,
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
        let session_id = recent_str(session_id)?;
        let opt = |s: Option<&Bound<'_, PyString>>| s.map(recent_str).transpose();
        let (provider, model) = (opt(provider)?, opt(model)?);
        let (trace_id, agent) = (opt(trace_id)?, opt(agent)?);
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
        for (key, value) in json_map(py, "metadata", metadata)? {
            event.attributes.insert(key, value);
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
        if self.abandon_if_forked() {
            return Ok(());
        }
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
        let now = now_arg(now)?;
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

    /// Starts a session explicitly (optional: a session exists from its first event).
    #[pyo3(signature = (session_id, *, name = None, agent = None, tags = None, metadata = None))]
    fn start_session(
        &self,
        py: Python<'_>,
        session_id: &str,
        name: Option<&str>,
        agent: Option<&str>,
        tags: Option<Vec<String>>,
        metadata: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<String> {
        let recorder = self.rec()?;
        let metadata = json_map(py, "metadata", metadata)?;
        let tags = tags.unwrap_or_default();
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        let r = recorder
            .start_session(session_id, name, agent, &tags, metadata)
            .map_err(to_py)?;
        Ok(r.event_id)
    }

    /// A free-text note kept with the session (stored even without content capture).
    fn note(&self, session_id: &str, text: &str) -> PyResult<String> {
        Ok(self.rec()?.note(session_id, text).map_err(to_py)?.event_id)
    }

    /// Sets the session's own USD budget; amounts as Decimal, int or str.
    #[pyo3(signature = (session_id, *, soft_usd = None, hard_usd = None))]
    fn set_budget(
        &self,
        session_id: &str,
        soft_usd: Option<&Bound<'_, PyAny>>,
        hard_usd: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let soft = soft_usd.map(|v| decimal_arg(v, "soft_usd")).transpose()?;
        let hard = hard_usd.map(|v| decimal_arg(v, "hard_usd")).transpose()?;
        Ok(self
            .rec()?
            .set_budget(session_id, soft, hard)
            .map_err(to_py)?
            .event_id)
    }

    /// The session's budget now: `state` (`ok`, `soft_limit`, `hard_limit`), `scope`,
    /// `limit_usd`, `spent_usd`, `soft_usd`, `hard_usd` (Decimals; None when no limit is set).
    fn check_budget<'py>(&self, py: Python<'py>, session_id: &str) -> PyResult<Bound<'py, PyDict>> {
        let recorder = self.rec()?;
        let check = py
            .detach(|| recorder.check_budget(session_id))
            .map_err(to_py)?;
        let dict = budget_state_dict(py, &check.state)?;
        decimal_item(py, &dict, "spent_usd", Some(&check.spent_usd))?;
        decimal_item(py, &dict, "soft_usd", check.soft_usd.as_ref())?;
        decimal_item(py, &dict, "hard_usd", check.hard_usd.as_ref())?;
        Ok(dict)
    }

    /// Sessions as dicts, filtered by `window` (`24h`, `7d`, `30d`, `all`) or `since`/`until`,
    /// `agent`, `status`, `tag`, `repo`, `model`; sorted by `last_event` (default), `started`,
    /// `cost` or `events`; at most `limit`.
    #[pyo3(signature = (*, window = None, since = None, until = None, agent = None, status = None,
        tag = None, repo = None, model = None, sort = "last_event", limit = None, now = None))]
    #[allow(clippy::too_many_arguments)]
    fn sessions<'py>(
        &self,
        py: Python<'py>,
        window: Option<&str>,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
        agent: Option<String>,
        status: Option<&str>,
        tag: Option<String>,
        repo: Option<String>,
        model: Option<String>,
        sort: &str,
        limit: Option<usize>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let recorder = self.rec()?;
        let now = now_arg(now)?;
        let sort = match sort {
            "last_event" => SessionSort::LastEvent,
            "started" => SessionSort::Started,
            "cost" => SessionSort::Cost,
            "events" => SessionSort::Events,
            other => {
                return Err(invalid(
                    "sort",
                    format!("expected last_event, started, cost or events, got {other:?}"),
                ));
            }
        };
        let mut filter = SessionFilter {
            since: opt_time(since, "since")?,
            until: opt_time(until, "until")?,
            agent,
            status: status
                .map(SessionStatus::from_str)
                .transpose()
                .map_err(to_py)?,
            tag,
            repo,
            model,
            sort,
            limit,
        };
        if let Some(w) = window {
            if filter.since.is_some() || filter.until.is_some() {
                return Err(invalid("window", "give either window or since/until"));
            }
            filter = filter.window(Window::from_str(w).map_err(to_py)?, now);
        }
        let listings = py
            .detach(|| recorder.sessions(&filter, now))
            .map_err(to_py)?;
        let out = PyList::empty(py);
        for l in &listings {
            let dict = serialize(py, l)?.cast_into::<PyDict>()?;
            decimal_item(py, &dict, "cost_usd", Some(&l.row.cost_usd))?;
            out.append(dict)?;
        }
        Ok(out)
    }

    /// LLM-call totals grouped `by` `model`, `provider` or `agent` over `[since, until]`: one
    /// dict per group with `key`, `requests`, `failures`, `input_tokens`, `output_tokens`,
    /// `cost_usd` (Decimal) and `unpriced` (requests whose cost is unknown).
    #[pyo3(signature = (by = "model", *, since = None, until = None))]
    fn stats<'py>(
        &self,
        py: Python<'py>,
        by: &str,
        since: Option<&Bound<'_, PyAny>>,
        until: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let recorder = self.rec()?;
        let by = match by {
            "model" => StatsBy::Model,
            "provider" => StatsBy::Provider,
            "agent" => StatsBy::Agent,
            other => {
                return Err(invalid(
                    "by",
                    format!("expected model, provider or agent, got {other:?}"),
                ));
            }
        };
        let (since, until) = (opt_time(since, "since")?, opt_time(until, "until")?);
        let rows = py
            .detach(|| recorder.usage_stats(by, since, until))
            .map_err(to_py)?;
        let out = PyList::empty(py);
        for row in &rows {
            let dict = serialize(py, row)?.cast_into::<PyDict>()?;
            decimal_item(py, &dict, "cost_usd", Some(&row.cost_usd))?;
            out.append(dict)?;
        }
        Ok(out)
    }

    /// One session exported as text: `json` (`{"summary", "events"}`), `csv` (one row per
    /// event) or `hail` (a hail-1.0.0 file).
    fn export(&self, py: Python<'_>, format: &str, session_id: &str) -> PyResult<String> {
        let recorder = self.rec()?;
        let format = match format {
            "json" => ExportFormat::Json,
            "csv" => ExportFormat::Csv,
            "hail" => ExportFormat::Hail,
            other => {
                return Err(invalid(
                    "format",
                    format!("expected json, csv or hail, got {other:?}"),
                ));
            }
        };
        let bytes = py
            .detach(|| recorder.export(session_id, format))
            .map_err(to_py)?
            .ok_or_else(|| invalid("session_id", format!("no session {session_id:?}")))?;
        String::from_utf8(bytes).map_err(|e| invalid("export", e.to_string()))
    }

    /// Ends every open session silent for longer than `max_age_hours`; returns their ids.
    #[pyo3(signature = (max_age_hours, now = None))]
    fn recover_stale(
        &self,
        py: Python<'_>,
        max_age_hours: f64,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<String>> {
        let recorder = self.rec()?;
        let now = now_arg(now)?;
        let max_age = Duration::try_from_secs_f64(max_age_hours * 3600.0).map_err(|_| {
            invalid(
                "max_age_hours",
                format!("expected hours >= 0, got {max_age_hours}"),
            )
        })?;
        py.detach(|| recorder.recover_stale(max_age, now))
            .map_err(to_py)
    }

    /// A context manager bound to one session: its `log`, `note` and `summary` need no id;
    /// leaving the block ends the session, and an exception inside it is logged as an error
    /// event before it propagates. `start_session` is recorded on entry.
    #[pyo3(signature = (session_id, *, agent = None, name = None, tags = None, metadata = None))]
    fn session(
        slf: Py<Self>,
        py: Python<'_>,
        session_id: String,
        agent: Option<String>,
        name: Option<String>,
        tags: Option<Vec<String>>,
        metadata: Option<Py<PyDict>>,
    ) -> Session {
        Session {
            client: slf,
            session_obj: PyString::new(py, &session_id).unbind(),
            agent_obj: agent.as_deref().map(|a| PyString::new(py, a).unbind()),
            session_id,
            agent,
            name,
            tags,
            metadata,
        }
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

/// One session of a `Client`, from `client.session(...)`.
#[pyclass(module = "hailog", frozen)]
pub struct Session {
    client: Py<Client>,
    session_id: String,
    agent: Option<String>,
    /// The id and agent as the same string objects on every `log`, so the client's per-object
    /// caches recognise them instead of converting and checking new strings each call.
    session_obj: Py<PyString>,
    agent_obj: Option<Py<PyString>>,
    name: Option<String>,
    tags: Option<Vec<String>>,
    metadata: Option<Py<PyDict>>,
}

impl Session {
    pub(crate) fn client(&self) -> &Py<Client> {
        &self.client
    }

    pub(crate) fn session_obj(&self) -> &Py<PyString> {
        &self.session_obj
    }

    pub(crate) fn agent_obj(&self) -> Option<&Py<PyString>> {
        self.agent_obj.as_ref()
    }
}

#[pymethods]
impl Session {
    #[getter]
    fn session_id(&self) -> &str {
        &self.session_id
    }

    // On 3.10 and later calls arrive through `fastlog`, which adds the id and agent to the
    // caller's keywords without building a dict and repeats this docstring.
    /// `Client.log` with this session's id (and its agent unless given).
    #[pyo3(signature = (**fields))]
    fn log(&self, py: Python<'_>, fields: Option<&Bound<'_, PyDict>>) -> PyResult<String> {
        let kwargs = match fields {
            Some(f) => f.copy()?,
            None => PyDict::new(py),
        };
        // Interned keys: `Client.log` matches keywords by identity first.
        let (session_key, agent_key) =
            (pyo3::intern!(py, "session_id"), pyo3::intern!(py, "agent"));
        if kwargs.contains(session_key)? {
            return Err(invalid(
                "session_id",
                "is fixed by the session; log through the client for another one",
            ));
        }
        kwargs.set_item(session_key, &self.session_obj)?;
        if !kwargs.contains(agent_key)? {
            kwargs.set_item(agent_key, &self.agent_obj)?;
        }
        self.client
            .bind(py)
            .call_method("log", (), Some(&kwargs))?
            .extract()
    }

    fn note(&self, text: &str) -> PyResult<String> {
        self.client.get().note(&self.session_id, text)
    }

    /// The summary so far; pending events are flushed first so it includes them.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let client = self.client.get();
        client.flush(py, None)?;
        client.summary(py, &self.session_id)
    }

    fn __enter__(slf: Py<Self>, py: Python<'_>) -> PyResult<Py<Self>> {
        let this = slf.get();
        this.client.get().start_session(
            py,
            &this.session_id,
            this.name.as_deref(),
            this.agent.as_deref(),
            this.tags.clone(),
            this.metadata.as_ref().map(|m| m.bind(py)),
        )?;
        Ok(slf)
    }

    #[pyo3(signature = (exc_type, exc, _tb))]
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        let client = self.client.get();
        let mut notes = None;
        if let (Some(t), Some(e)) = (exc_type, exc) {
            let message = format!("{}: {}", t.getattr("__name__")?, e.str()?);
            let kwargs = PyDict::new(py);
            kwargs.set_item("session_id", &self.session_id)?;
            kwargs.set_item("kind", "error")?;
            kwargs.set_item("outcome", "failed")?;
            kwargs.set_item("error", &message)?;
            kwargs.set_item("agent", &self.agent)?;
            self.client.bind(py).call_method("log", (), Some(&kwargs))?;
            notes = Some(format!("ended by an exception: {message}"));
        }
        client.end_session(&self.session_id, notes.as_deref())?;
        // Returning False lets the exception propagate.
        Ok(false)
    }
}
