//! Python bindings: argument conversion, error mapping and Python idioms over the `hailog` core.

use pyo3::prelude::*;

#[pymodule]
fn _hailog(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
