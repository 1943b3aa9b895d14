//! `Usage`, `parse_usage` and `StreamParser`: provider bodies and streams to exclusive token
//! buckets. Python objects (str, bytes, dict, SDK response models) become bytes here; the core
//! does all the reading.

use crate::errors::{invalid, invalid_bucket, to_py};
use hailog::usage::{self, Provider, StreamParser as CoreStreamParser};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyByteArray, PyBytes, PyDict, PyString};

fn usage_err(e: hailog::usage::UsageError) -> PyErr {
    to_py(e.into())
}

fn provider_arg(provider: Option<&str>) -> PyResult<Option<Provider>> {
    provider.map(str::parse).transpose().map_err(usage_err)
}

/// `decimal.Decimal(text)`: money crosses into Python exactly, never as a float.
pub fn decimal<'py>(py: Python<'py>, d: &rust_decimal::Decimal) -> PyResult<Bound<'py, PyAny>> {
    static DECIMAL: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    DECIMAL
        .import(py, "decimal", "Decimal")?
        .call1((d.to_string(),))
}

/// The JSON bytes of a body given as str, bytes, bytearray, dict/list, or a response object of
/// the openai / anthropic SDKs (pydantic models with `to_json` / `model_dump_json`).
pub fn body_bytes(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = body.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(s) = body.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    if let Ok(b) = body.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if body.is_instance_of::<PyDict>() || body.is_instance_of::<pyo3::types::PyList>() {
        let json = py.import("json")?.getattr("dumps")?.call1((body,))?;
        return body_bytes(py, &json);
    }
    // The SDKs' own serializers write the wire names and leave out fields the API never sent.
    if let Ok(to_json) = body.getattr("to_json")
        && to_json.is_callable()
    {
        let kwargs = PyDict::new(py);
        kwargs.set_item("indent", py.None())?;
        return body_bytes(py, &to_json.call((), Some(&kwargs))?);
    }
    if let Ok(dump) = body.getattr("model_dump_json") {
        let kwargs = PyDict::new(py);
        kwargs.set_item("by_alias", true)?;
        kwargs.set_item("exclude_unset", true)?;
        return body_bytes(py, &dump.call((), Some(&kwargs))?);
    }
    Err(invalid(
        "body",
        format!(
            "expected str, bytes, dict or an SDK response object, got {}",
            body.get_type().name()?
        ),
    ))
}

/// Token usage of one request in exclusive buckets; `None` means the provider did not say.
#[pyclass(frozen, module = "hailog", eq)]
#[derive(Clone, PartialEq)]
pub struct Usage {
    pub inner: hailog::Usage,
}

pub(crate) fn count(bucket: &str, value: &Bound<'_, PyAny>) -> PyResult<Option<u64>> {
    if value.is_none() {
        return Ok(None);
    }
    if value.is_instance_of::<pyo3::types::PyBool>() {
        return Err(invalid_bucket(bucket, "expected a token count, got a bool"));
    }
    // The common case, a small non-negative int, converts directly; the wider conversion only
    // runs to word the error for anything else.
    if let Ok(n) = value.extract::<u64>() {
        return Ok(Some(n));
    }
    let n: i128 = value
        .extract()
        .map_err(|_| invalid_bucket(bucket, format!("expected an int or None, got {value}")))?;
    u64::try_from(n)
        .map(Some)
        .map_err(|_| invalid_bucket(bucket, format!("expected a token count >= 0, got {n}")))
}

/// The interned Python strings of [`hailog::Usage::COUNT_FIELDS`], in the same order.
pub(crate) fn bucket_names(py: Python<'_>) -> &[Py<PyString>] {
    static NAMES: PyOnceLock<Vec<Py<PyString>>> = PyOnceLock::new();
    NAMES.get_or_init(py, || {
        hailog::Usage::COUNT_FIELDS
            .iter()
            .map(|name| PyString::intern(py, name).unbind())
            .collect()
    })
}

impl Usage {
    /// A Usage from a `Usage` or a plain dict of bucket names (and `model`, `provider`,
    /// `response_id`, `finish_reason`). Unknown keys are an error, not silently dropped.
    pub fn from_py(value: &Bound<'_, PyAny>) -> PyResult<hailog::Usage> {
        if let Ok(u) = value.cast::<Usage>() {
            return Ok(u.get().inner.clone());
        }
        let dict = value.cast::<PyDict>().map_err(|_| {
            invalid(
                "usage",
                format!("expected a hailog.Usage or a dict of token buckets, got {value}"),
            )
        })?;
        let mut u = hailog::Usage::default();
        let names = bucket_names(dict.py());
        for (key, v) in dict.iter() {
            // Keys written as literals are interned strings: an identity test finds the bucket
            // without converting the key to UTF-8.
            if let Some(i) = names.iter().position(|n| key.is(n)) {
                let name = hailog::Usage::COUNT_FIELDS[i];
                if let Some(slot) = u.count_mut(name) {
                    *slot = count(name, &v)?;
                }
                continue;
            }
            let key: String = key.extract()?;
            if let Some(slot) = u.count_mut(&key) {
                *slot = count(&key, &v)?;
                continue;
            }
            if key == "reported_cost" {
                u.reported_cost = if v.is_none() {
                    None
                } else {
                    Some(crate::pricing::decimal_arg(&v, "usage.reported_cost")?)
                };
                continue;
            }
            let slot = match key.as_str() {
                "model" => &mut u.model,
                "provider" => &mut u.provider,
                "response_id" => &mut u.response_id,
                "finish_reason" => &mut u.finish_reason,
                _ => {
                    return Err(invalid(
                        &format!("usage.{key}"),
                        format!(
                            "unknown key; expected one of {}, model, provider, response_id, finish_reason, reported_cost",
                            hailog::Usage::COUNT_FIELDS.join(", ")
                        ),
                    ));
                }
            };
            *slot = v
                .extract()
                .map_err(|_| invalid(&format!("usage.{key}"), "expected a str or None"))?;
        }
        Ok(u)
    }

    fn provider_error<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        let Some(e) = &self.inner.error else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        d.set_item("status", e.status)?;
        d.set_item("type", &e.error_type)?;
        d.set_item("message", &e.message)?;
        d.set_item("code", &e.code)?;
        d.set_item("request_id", &e.request_id)?;
        d.set_item("retry_after_ms", e.retry_after_ms)?;
        Ok(Some(d))
    }
}

#[pymethods]
impl Usage {
    /// Build a Usage from bucket counts (keyword arguments with the bucket names).
    #[new]
    #[pyo3(signature = (**buckets))]
    fn new(buckets: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let inner = match buckets {
            Some(d) => Usage::from_py(d.as_any())?,
            None => hailog::Usage::default(),
        };
        Ok(Usage { inner })
    }

    #[getter]
    fn input(&self) -> Option<u64> {
        self.inner.input
    }
    #[getter]
    fn cache_read(&self) -> Option<u64> {
        self.inner.cache_read
    }
    #[getter]
    fn cache_write_5m(&self) -> Option<u64> {
        self.inner.cache_write_5m
    }
    #[getter]
    fn cache_write_1h(&self) -> Option<u64> {
        self.inner.cache_write_1h
    }
    #[getter]
    fn output(&self) -> Option<u64> {
        self.inner.output
    }
    #[getter]
    fn reasoning(&self) -> Option<u64> {
        self.inner.reasoning
    }
    #[getter]
    fn input_audio(&self) -> Option<u64> {
        self.inner.input_audio
    }
    #[getter]
    fn input_image(&self) -> Option<u64> {
        self.inner.input_image
    }
    #[getter]
    fn output_audio(&self) -> Option<u64> {
        self.inner.output_audio
    }
    #[getter]
    fn web_search_requests(&self) -> Option<u64> {
        self.inner.web_search_requests
    }
    /// Every prompt-side token: uncached + cache read + cache writes.
    #[getter]
    fn input_total(&self) -> Option<u64> {
        self.inner.input_total()
    }
    /// Every generated token, reasoning included.
    #[getter]
    fn output_total(&self) -> Option<u64> {
        self.inner.output_total()
    }
    #[getter]
    fn cache_write(&self) -> Option<u64> {
        self.inner.cache_write()
    }
    #[getter]
    fn model(&self) -> Option<&str> {
        self.inner.model.as_deref()
    }
    #[getter]
    fn provider(&self) -> Option<&str> {
        self.inner.provider.as_deref()
    }
    #[getter]
    fn response_id(&self) -> Option<&str> {
        self.inner.response_id.as_deref()
    }
    #[getter]
    fn finish_reason(&self) -> Option<&str> {
        self.inner.finish_reason.as_deref()
    }
    /// `"ok"`, `"failed"` or `"cancelled"`.
    #[getter]
    fn outcome(&self) -> &'static str {
        self.inner.outcome.as_str()
    }
    /// The provider's typed error (`status`, `type`, `message`, `code`, `request_id`,
    /// `retry_after_ms`), or None.
    #[getter]
    fn error<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.provider_error(py)
    }
    /// True when the stream failed or was cut off before its usage was final.
    #[getter]
    fn partial(&self) -> bool {
        self.inner.partial
    }
    /// The cost the provider itself reported (OpenRouter), as a Decimal.
    #[getter]
    fn reported_cost<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .reported_cost
            .as_ref()
            .map(|d| decimal(py, d))
            .transpose()
    }
    /// Provider numbers that break an invariant, as `(code, message)` pairs.
    #[getter]
    fn anomalies(&self) -> Vec<(String, String)> {
        self.inner
            .anomalies
            .iter()
            .map(|a| (a.code.clone(), a.message.clone()))
            .collect()
    }

    /// The buckets and identifiers as a plain dict (buckets that were not reported are None).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        let mut u = self.inner.clone();
        for name in hailog::Usage::COUNT_FIELDS {
            d.set_item(name, u.count_mut(name).and_then(|s| *s))?;
        }
        d.set_item("input_total", self.inner.input_total())?;
        d.set_item("output_total", self.inner.output_total())?;
        d.set_item("cache_write", self.inner.cache_write())?;
        d.set_item("model", &self.inner.model)?;
        d.set_item("provider", &self.inner.provider)?;
        d.set_item("response_id", &self.inner.response_id)?;
        d.set_item("finish_reason", &self.inner.finish_reason)?;
        d.set_item("outcome", self.inner.outcome.as_str())?;
        d.set_item("error", self.provider_error(py)?)?;
        d.set_item("partial", self.inner.partial)?;
        d.set_item("reported_cost", self.reported_cost(py)?)?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let mut parts: Vec<String> = self
            .inner
            .buckets()
            .iter()
            .filter_map(|(name, v)| v.map(|v| format!("{name}={v}")))
            .collect();
        if let Some(m) = &self.inner.model {
            parts.push(format!("model={m:?}"));
        }
        if !self.inner.outcome.is_ok() {
            parts.push(format!("outcome={:?}", self.inner.outcome.as_str()));
        }
        format!("Usage({})", parts.join(", "))
    }
}

/// Reads the usage of one complete response body (or error body: outcome "failed" with the
/// provider's error). `provider` is detected from the body when None.
#[pyfunction]
#[pyo3(signature = (body, provider = None))]
pub fn parse_usage(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    provider: Option<&str>,
) -> PyResult<Usage> {
    let provider = provider_arg(provider)?;
    let bytes = body_bytes(py, body)?;
    let inner = py
        .detach(|| usage::parse(&bytes, provider))
        .map_err(usage_err)?;
    Ok(Usage { inner })
}

/// Incremental usage parser for a provider stream (SSE, NDJSON, JSON array or AWS
/// eventstream), fed in chunks split anywhere.
#[pyclass(module = "hailog")]
pub struct StreamParser {
    inner: Option<CoreStreamParser>,
}

impl StreamParser {
    fn parser(&mut self) -> PyResult<&mut CoreStreamParser> {
        self.inner.as_mut().ok_or_else(|| {
            to_py(hailog::Error::Closed(
                "StreamParser already finished".into(),
            ))
        })
    }
}

fn chunk_bytes(chunk: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(b) = chunk.cast::<PyBytes>() {
        return Ok(b.as_bytes().to_vec());
    }
    if let Ok(b) = chunk.cast::<PyByteArray>() {
        return Ok(b.to_vec());
    }
    if let Ok(s) = chunk.cast::<PyString>() {
        return Ok(s.to_cow()?.as_bytes().to_vec());
    }
    Err(invalid(
        "chunk",
        format!("expected bytes or str, got {}", chunk.get_type().name()?),
    ))
}

#[pymethods]
impl StreamParser {
    #[new]
    #[pyo3(signature = (provider = None))]
    fn new(provider: Option<&str>) -> PyResult<Self> {
        Ok(StreamParser {
            inner: Some(CoreStreamParser::new(provider_arg(provider)?)),
        })
    }

    /// Feeds the next chunk of raw stream bytes.
    fn feed(&mut self, py: Python<'_>, chunk: &Bound<'_, PyAny>) -> PyResult<()> {
        let bytes = chunk_bytes(chunk)?;
        let parser = self.parser()?;
        py.detach(|| parser.feed(&bytes)).map_err(usage_err)
    }

    /// Feeds one already-decoded event (its JSON payload, or an SDK chunk object), for
    /// transports that did the framing themselves.
    #[pyo3(signature = (payload, event = None))]
    fn feed_event(
        &mut self,
        py: Python<'_>,
        payload: &Bound<'_, PyAny>,
        event: Option<&str>,
    ) -> PyResult<()> {
        let bytes = body_bytes(py, payload)?;
        let parser = self.parser()?;
        py.detach(|| parser.feed_event(event, &bytes))
            .map_err(usage_err)
    }

    /// The final usage; `partial` is True when the stream ended early or failed.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Usage> {
        self.parser()?;
        let parser = self.inner.take();
        let inner = py.detach(|| parser.map(CoreStreamParser::finish).unwrap_or_default());
        Ok(Usage { inner })
    }
}
