//! `read_hail`: a HAIL file as a Python object: its header, its events (iterated lazily from
//! disk) and the session summary the core derives from them.

use crate::errors::to_py;
use crate::usage::decimal;
use hailog::hail::{self, ReadOptions, Reader, SessionFile};
use hailog::session::{SessionSummary, StatusThresholds, status};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde_json::Value;
use std::fs::File;
use std::io::BufReader;
use std::path::PathBuf;
use std::sync::Mutex;

/// A JSON value as plain Python objects (dict, list, str, int, float, bool, None).
pub fn json_to_py<'py>(py: Python<'py>, v: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match v {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u.into_pyobject(py)?.into_any(),
            (None, Some(i)) => i.into_pyobject(py)?.into_any(),
            _ => n.as_f64().unwrap_or(f64::NAN).into_pyobject(py)?.into_any(),
        },
        Value::String(s) => s.into_pyobject(py)?.into_any(),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(json_to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, item) in map {
                dict.set_item(k, json_to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

pub fn serialize<'py, T: serde::Serialize>(
    py: Python<'py>,
    value: &T,
) -> PyResult<Bound<'py, PyAny>> {
    let v = serde_json::to_value(value).map_err(|e| {
        to_py(hailog::Error::invalid(
            "value",
            format!("cannot be represented: {e}"),
        ))
    })?;
    json_to_py(py, &v)
}

/// The session summary as a dict: every field of the core summary, plus the derived `status`,
/// `latency_ms` (`p50`, `p95`) and `cost_usd` as an exact `Decimal` (None when nothing priced).
pub fn summary_dict<'py>(
    py: Python<'py>,
    summary: &SessionSummary,
    status_now: chrono::DateTime<chrono::Utc>,
    thresholds: &StatusThresholds,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = serialize(py, summary)?.cast_into::<PyDict>()?;
    dict.del_item("latency").ok();
    dict.set_item("status", status(summary, status_now, thresholds).as_str())?;
    let latency = PyDict::new(py);
    latency.set_item("p50", summary.latency_p50_ms)?;
    latency.set_item("p95", summary.latency_p95_ms)?;
    dict.set_item("latency_ms", latency)?;
    dict.set_item(
        "cost_usd",
        summary
            .cost_usd
            .as_ref()
            .map(|d| decimal(py, d))
            .transpose()?,
    )?;
    let tokens = dict
        .get_item("tokens")?
        .and_then(|t| t.cast_into::<PyDict>().ok());
    if let Some(tokens) = tokens {
        for (name, _) in hailog::Usage::default().buckets() {
            if !tokens.contains(name)? {
                tokens.set_item(name, py.None())?;
            }
        }
    }
    for key in ["first_event_at", "last_event_at", "name", "agent", "repo"] {
        if !dict.contains(key)? {
            dict.set_item(key, py.None())?;
        }
    }
    Ok(dict)
}

/// One HAIL file, validated and summarized when opened. Iterating it streams the events from
/// disk again, so a file of any size is read in constant memory.
#[pyclass(module = "hailog", frozen)]
pub struct HailFile {
    path: PathBuf,
    /// The options it was opened with, which iterating and rewriting it read with too.
    opts: ReadOptions,
    file: SessionFile,
}

#[pymethods]
impl HailFile {
    /// The header line as a dict (`version`, `session_id`, `agent`, `context`).
    #[getter]
    fn header<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.file.header)
    }

    /// `hail1`, `session_object` or `hail01`.
    #[getter]
    fn dialect<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.file.dialect)
    }

    /// The file's own stats line, or None.
    #[getter]
    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.file.stats)
    }

    /// The stats hailog computes from the events (what a correct stats line would say).
    fn computed_stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        serialize(py, &self.file.summary.stats())
    }

    /// Recoverable oddities (`line`, `kind`, `message`), such as timestamps going backwards.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for w in &self.file.warnings {
            let d = PyDict::new(py);
            d.set_item("line", w.line)?;
            d.set_item("kind", &w.kind)?;
            d.set_item("message", &w.message)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The session summary (see `Client.summary`); status is computed against the current time.
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        summary_dict(
            py,
            &self.file.summary,
            chrono::Utc::now(),
            &StatusThresholds::default(),
        )
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<HailEvents> {
        let path = self.path.clone();
        let opts = self.opts.clone();
        let reader = py
            .detach(|| {
                let file =
                    File::open(&path).map_err(|source| hail::HailError::Io { line: 0, source })?;
                Reader::with_options(BufReader::with_capacity(256 << 10, file), opts)
            })
            .map_err(|e| to_py(e.into()))?;
        Ok(HailEvents {
            reader: Mutex::new(reader),
        })
    }

    /// The file rewritten in hailog's canonical `hail-1.0.0` form (header, events, stats line).
    fn canonical_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
        let path = self.path.clone();
        let opts = self.opts.clone();
        let bytes = py
            .detach(|| -> hailog::Result<Vec<u8>> {
                let file =
                    File::open(&path).map_err(|source| hail::HailError::Io { line: 0, source })?;
                let reader = Reader::with_options(BufReader::with_capacity(256 << 10, file), opts)?;
                let io = |e: std::io::Error| {
                    hailog::Error::from(hailog::hail::HailError::Io { line: 0, source: e })
                };
                let mut writer = hail::Writer::new(Vec::new(), reader.header()).map_err(io)?;
                for event in reader {
                    writer.write_event(&event?).map_err(io)?;
                }
                writer.finish().map_err(io)
            })
            .map_err(to_py)?;
        Ok(pyo3::types::PyBytes::new(py, &bytes))
    }

    fn __repr__(&self) -> String {
        format!(
            "HailFile(session_id={:?}, events={})",
            self.file.header.session_id, self.file.summary.event_count
        )
    }
}

/// Iterator over the events of a HAIL file, each a dict shaped like its HAIL event line.
#[pyclass(module = "hailog")]
pub struct HailEvents {
    reader: Mutex<Reader<BufReader<File>>>,
}

#[pymethods]
impl HailEvents {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let next = py.detach(|| {
            let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
            reader.next().map(|r| {
                r.map(|event| {
                    let mut line = Vec::with_capacity(512);
                    hail::write_event_line(&event, &mut line);
                    line
                })
            })
        });
        match next {
            None => Ok(None),
            Some(Err(e)) => Err(to_py(e.into())),
            Some(Ok(line)) => {
                let v: Value = serde_json::from_slice(&line).map_err(|e| {
                    to_py(hailog::Error::invalid("event", format!("unreadable: {e}")))
                })?;
                json_to_py(py, &v).map(Some)
            }
        }
    }
}

/// Opens, validates and summarizes a HAIL file (OpenSession `hail-1.0.0` JSONL, its
/// single-object form, or `hail/0.1`). Raises `HailFormatError` naming the line on bad input.
/// The options also apply to iterating the file and to `canonical_bytes()`.
#[pyfunction]
#[pyo3(signature = (
    path,
    *,
    check_duplicate_ids = true,
    max_line_bytes = None,
    ids_in_memory = None,
    skip_torn_last_line = false,
))]
pub fn read_hail(
    py: Python<'_>,
    path: PathBuf,
    check_duplicate_ids: bool,
    max_line_bytes: Option<usize>,
    ids_in_memory: Option<usize>,
    skip_torn_last_line: bool,
) -> PyResult<HailFile> {
    let defaults = ReadOptions::default();
    let opts = ReadOptions {
        check_duplicate_ids,
        max_line_bytes: max_line_bytes.unwrap_or(defaults.max_line_bytes),
        ids_in_memory: ids_in_memory.unwrap_or(defaults.ids_in_memory),
        skip_torn_last_line,
        ..defaults
    };
    let file = py
        .detach(|| hail::read_file(&path, opts.clone()))
        .map_err(|e| to_py(e.into()))?;
    Ok(HailFile { path, opts, file })
}

/// A time argument: an aware `datetime` or an RFC 3339 string.
pub fn time_arg(value: &Bound<'_, PyAny>, field: &str) -> PyResult<chrono::DateTime<chrono::Utc>> {
    let text: String = if let Ok(s) = value.extract::<String>() {
        s
    } else if value.hasattr("isoformat")? {
        if value.getattr("tzinfo")?.is_none() {
            return Err(crate::errors::invalid(
                field,
                "a naive datetime is ambiguous; pass one with a timezone",
            ));
        }
        value.call_method0("isoformat")?.extract()?
    } else {
        return Err(crate::errors::invalid(
            field,
            "expected a timezone-aware datetime or an RFC 3339 string",
        ));
    };
    chrono::DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| crate::errors::invalid(field, format!("{text:?} is not RFC 3339: {e}")))
}

/// Folds HAIL event line objects (dicts, JSON strings or bytes) into a session summary and its
/// status at `now` (default: the current time). Errors name the event's position (1-based).
#[pyfunction]
#[pyo3(signature = (events, *, session_id = "", now = None, idle_after_seconds = 300, done_after_seconds = 1800))]
pub fn summarize<'py>(
    py: Python<'py>,
    events: &Bound<'py, PyAny>,
    session_id: &str,
    now: Option<&Bound<'py, PyAny>>,
    idle_after_seconds: i64,
    done_after_seconds: i64,
) -> PyResult<Bound<'py, PyDict>> {
    let now = now
        .map(|n| time_arg(n, "now"))
        .transpose()?
        .unwrap_or_else(chrono::Utc::now);
    let mut summary = SessionSummary::new(session_id);
    for (i, item) in events.try_iter()?.enumerate() {
        let bytes = crate::usage::body_bytes(py, &item?)?;
        let event = py
            .detach(|| hail::parse_event_line(&bytes, i as u64 + 1, session_id))
            .map_err(|e| to_py(e.into()))?;
        summary.add(&event);
    }
    let thresholds = StatusThresholds {
        idle_after: chrono::Duration::seconds(idle_after_seconds),
        done_after: chrono::Duration::seconds(done_after_seconds),
    };
    summary_dict(py, &summary, now, &thresholds)
}
