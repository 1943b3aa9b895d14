//! Python bindings: argument conversion, error mapping and Python idioms over the `hailog` core.
//! Every piece of domain logic stays in the core; this crate only translates.

mod errors;
mod fastlog;
mod hail;
mod pricing;
mod recorder;
mod usage;

use pyo3::prelude::*;

/// Panics on purpose, so a test can prove a Rust panic surfaces as a Python exception instead of
/// aborting the interpreter.
#[pyfunction]
fn _panic_for_tests() {
    panic!("deliberate panic raised by _panic_for_tests");
}

/// Raises the Python exception a core error with this code maps to, so the mapping of every
/// core error kind is tested even for kinds no public call can trigger on demand.
#[pyfunction]
fn _raise_for_tests(code: &str) -> PyResult<()> {
    use hailog::Error;
    let err = match code {
        "invalid_input" => Error::invalid("field", "bad value"),
        "hail_format" => match hailog::hail::parse_event_line(b"{not json", 3, "s") {
            Err(e) => e.into(),
            Ok(_) => return Ok(()),
        },
        "usage_parse" => match hailog::usage::parse(b"{\"no\":\"usage\"}", None) {
            Err(e) => e.into(),
            Ok(_) => return Ok(()),
        },
        "pricing" => match hailog::pricing::PriceTable::from_json_str("{not json") {
            Err(e) => e.into(),
            Ok(_) => return Ok(()),
        },
        "storage" => hailog::store::StorageError::MissingDirectory {
            path: "/no/such/dir".into(),
        }
        .into(),
        "budget_exceeded" => Error::BudgetExceeded {
            scope: "session s".into(),
            spent: "2.5".into(),
            limit: "2".into(),
        },
        "closed" => Error::Closed("client is closed".into()),
        "flush_timeout" => Error::FlushTimeout(std::time::Duration::from_millis(10), 4),
        other => {
            return Err(errors::invalid(
                "code",
                format!("unknown error code {other:?}"),
            ));
        }
    };
    Err(errors::to_py(err))
}

#[pymodule]
fn _hailog(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    errors::register(m)?;
    m.add_class::<usage::Usage>()?;
    m.add_class::<usage::StreamParser>()?;
    m.add_function(wrap_pyfunction!(usage::parse_usage, m)?)?;
    m.add_class::<hail::HailFile>()?;
    m.add_class::<hail::HailEvents>()?;
    m.add_function(wrap_pyfunction!(hail::read_hail, m)?)?;
    m.add_function(wrap_pyfunction!(hail::summarize, m)?)?;
    m.add_class::<pricing::Cost>()?;
    m.add_class::<pricing::PriceTable>()?;
    m.add_function(wrap_pyfunction!(pricing::cost, m)?)?;
    m.add_class::<recorder::Client>()?;
    m.add_class::<recorder::Session>()?;
    fastlog::install(
        &m.py().get_type::<recorder::Client>(),
        &m.py().get_type::<recorder::Session>(),
    )?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add_function(wrap_pyfunction!(_raise_for_tests, m)?)?;
    register_fork_hook(m.py())
}

/// Tells the recorder about `os.fork()`: a child must not use its parent's Client, and must
/// not repeat the event ids its parent generates.
fn register_fork_hook(py: Python<'_>) -> PyResult<()> {
    let os = py.import("os")?;
    if !os.hasattr("register_at_fork")? {
        return Ok(());
    }
    let hook = pyo3::types::PyCFunction::new_closure(py, None, None, |_, _| {
        recorder::after_fork_in_child();
    })?;
    let kwargs = pyo3::types::PyDict::new(py);
    kwargs.set_item("after_in_child", hook)?;
    os.getattr("register_at_fork")?.call((), Some(&kwargs))?;
    Ok(())
}
