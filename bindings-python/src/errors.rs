//! The Python exception hierarchy and the mapping from core errors to it, keyed by the stable
//! `Error::code()` so Python, Node and Rust agree on what each failure is.

use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

/// (class name, code, whether it is also a `ValueError`, whether it is also a `TimeoutError`).
/// Bad input of any kind is a `ValueError` so `except ValueError` keeps working for callers that
/// do not know hailog's classes.
const CLASSES: &[(&str, &str, Base)] = &[
    ("InvalidInputError", "invalid_input", Base::Value),
    ("HailFormatError", "hail_format", Base::Value),
    ("UsageParseError", "usage_parse", Base::Value),
    ("PricingError", "pricing", Base::Value),
    ("StorageError", "storage", Base::None),
    ("BudgetExceededError", "budget_exceeded", Base::None),
    ("ClosedError", "closed", Base::None),
    ("FlushTimeoutError", "flush_timeout", Base::Timeout),
];

#[derive(Clone, Copy)]
enum Base {
    None,
    Value,
    Timeout,
}

struct Classes {
    base: Py<PyType>,
    by_code: Vec<(&'static str, Py<PyType>)>,
}

static CLASSES_CELL: PyOnceLock<Classes> = PyOnceLock::new();

fn new_class<'py>(
    py: Python<'py>,
    name: &str,
    bases: Bound<'py, PyTuple>,
    code: &str,
    doc: &str,
) -> PyResult<Bound<'py, PyType>> {
    let namespace = PyDict::new(py);
    namespace.set_item("__module__", "hailog")?;
    namespace.set_item("__doc__", doc)?;
    namespace.set_item("code", code)?;
    let class = py
        .get_type::<PyType>()
        .call1((name, bases, namespace))?
        .cast_into::<PyType>()?;
    Ok(class)
}

fn build(py: Python<'_>) -> PyResult<Classes> {
    let exception = py.get_type::<PyException>();
    let base = new_class(
        py,
        "HailogError",
        PyTuple::new(py, [exception])?,
        "error",
        "Base class of every error hailog raises. `code` is a stable machine-readable string.",
    )?;
    let mut by_code = Vec::with_capacity(CLASSES.len());
    for &(name, code, extra) in CLASSES {
        let bases = match extra {
            Base::None => PyTuple::new(py, [base.clone()])?,
            Base::Value => PyTuple::new(py, [base.clone(), py.get_type::<PyValueError>()])?,
            Base::Timeout => PyTuple::new(py, [base.clone(), py.get_type::<PyTimeoutError>()])?,
        };
        let doc = format!("hailog error with code {code:?}.");
        let class = new_class(py, name, bases, code, &doc)?;
        by_code.push((code, class.unbind()));
    }
    Ok(Classes {
        base: base.unbind(),
        by_code,
    })
}

fn classes(py: Python<'_>) -> PyResult<&Classes> {
    CLASSES_CELL.get_or_try_init(py, || build(py))
}

/// Adds every exception class to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let classes = classes(py)?;
    m.add("HailogError", classes.base.bind(py))?;
    for (code, class) in &classes.by_code {
        let name = CLASSES
            .iter()
            .find(|(_, c, _)| c == code)
            .map_or("HailogError", |(n, _, _)| n);
        m.add(name, class.bind(py))?;
    }
    Ok(())
}

/// The Python exception for a core error: the class chosen by its code, the core's message.
/// A HAIL format error also carries `line` and `kind` attributes.
pub fn to_py(err: hailog::Error) -> PyErr {
    Python::attach(|py| {
        let message = err.to_string();
        let class = match classes(py) {
            Ok(classes) => classes
                .by_code
                .iter()
                .find(|(code, _)| *code == err.code())
                .map_or(&classes.base, |(_, class)| class)
                .bind(py)
                .clone(),
            Err(e) => return e,
        };
        let py_err = PyErr::from_type(class, message);
        if let Err(e) = set_details(py, &py_err, &err) {
            return e;
        }
        py_err
    })
}

/// Attributes a caller can branch on without parsing the message: `kind` and `line` of a HAIL
/// error, `kind` (plus `bucket` or `candidates`) of a pricing error.
fn set_details(py: Python<'_>, py_err: &PyErr, err: &hailog::Error) -> PyResult<()> {
    use hailog::pricing::PricingError;
    let value = py_err.value(py);
    match err {
        hailog::Error::Hail(h) => {
            value.setattr("line", h.line())?;
            value.setattr("kind", h.kind())?;
        }
        hailog::Error::Pricing(p) => {
            value.setattr("kind", p.kind())?;
            match p {
                PricingError::InvalidUsage { bucket, .. } => value.setattr("bucket", bucket)?,
                PricingError::Ambiguous { candidates, .. } => {
                    value.setattr("candidates", candidates.clone())?
                }
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}

/// An `InvalidInputError` about one usage bucket, with the `kind` and `bucket` attributes a
/// pricing error about the same bucket would carry.
pub fn invalid_bucket(bucket: &str, message: impl Into<String>) -> PyErr {
    let err = invalid(&format!("usage.{bucket}"), message);
    Python::attach(|py| {
        let value = err.value(py);
        match value
            .setattr("kind", "invalid_usage")
            .and_then(|()| value.setattr("bucket", bucket))
        {
            Ok(()) => err,
            Err(e) => e,
        }
    })
}

/// The `InvalidInputError` for an argument the binding itself rejects.
pub fn invalid(field: &str, message: impl Into<String>) -> PyErr {
    to_py(hailog::Error::invalid(field, message))
}
