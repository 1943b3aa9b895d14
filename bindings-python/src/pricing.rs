//! `Cost`, `PriceTable` and `cost()`: exact prices as `decimal.Decimal`, never floats. The core
//! resolves models and computes; this file converts arguments and results.

use crate::errors::{invalid, to_py};
use crate::hail::time_arg;
use crate::usage::{Usage, decimal};
use hailog::pricing::{CostOptions, ModelPrice, PriceTable as CoreTable, Provenance};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat};
use rust_decimal::Decimal;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::{Arc, RwLock};

fn pricing_err(e: hailog::pricing::PricingError) -> PyErr {
    to_py(e.into())
}

/// A money or rate argument: Decimal, int, str, or a float taken by its shortest repr (so `0.1`
/// means exactly 0.1, not the binary approximation).
pub fn decimal_arg(value: &Bound<'_, PyAny>, field: &str) -> PyResult<Decimal> {
    let text = if value.is_instance_of::<PyFloat>() {
        value.repr()?.to_string()
    } else {
        value.str()?.to_string()
    };
    Decimal::from_str(&text)
        .or_else(|_| Decimal::from_scientific(&text))
        .map_err(|e| invalid(field, format!("{text:?} is not a decimal number: {e}")))
}

/// The exact cost of one request.
#[pyclass(frozen, module = "hailog")]
pub struct Cost {
    pub inner: hailog::Cost,
}

fn provenance(p: Provenance) -> &'static str {
    match p {
        Provenance::Reported => "reported",
        Provenance::Computed => "computed",
        Provenance::Unpriced => "unpriced",
    }
}

#[pymethods]
impl Cost {
    /// The total as a Decimal, or None when the model is unknown (unpriced is never zero).
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner
            .total
            .as_ref()
            .map(|d| decimal(py, d))
            .transpose()
    }
    #[getter]
    fn currency(&self) -> &str {
        &self.inner.currency
    }
    /// Amount per usage bucket, as Decimals.
    #[getter]
    fn breakdown<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        for (bucket, amount) in &self.inner.breakdown {
            d.set_item(bucket.as_str(), decimal(py, amount)?)?;
        }
        Ok(d)
    }
    /// `computed`, `reported` or `unpriced`.
    #[getter]
    fn provenance(&self) -> &'static str {
        provenance(self.inner.provenance)
    }
    #[getter]
    fn table_version(&self) -> Option<&str> {
        self.inner.table_version.as_deref()
    }
    /// The canonical model id the request resolved to.
    #[getter]
    fn model(&self) -> Option<&str> {
        self.inner.model.as_deref()
    }
    /// The tiers, modifiers, resolutions and fallbacks applied.
    #[getter]
    fn rules(&self) -> Vec<String> {
        self.inner.rules.iter().map(|r| r.to_string()).collect()
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("total", self.total(py)?)?;
        d.set_item("currency", self.currency())?;
        d.set_item("breakdown", self.breakdown(py)?)?;
        d.set_item("provenance", self.provenance())?;
        d.set_item("table_version", self.table_version())?;
        d.set_item("model", self.model())?;
        d.set_item("rules", self.rules())?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        match &self.inner.total {
            Some(t) => format!(
                "Cost(total=Decimal('{t}'), provenance={:?}, model={:?})",
                self.provenance(),
                self.inner.model.as_deref().unwrap_or("")
            ),
            None => "Cost(total=None, provenance=\"unpriced\")".to_string(),
        }
    }
}

/// Converts the arguments of `cost()` / `PriceTable.cost()` and prices without the GIL.
#[allow(clippy::too_many_arguments)]
fn price(
    py: Python<'_>,
    table: Arc<CoreTable>,
    model: &str,
    usage: &Bound<'_, PyAny>,
    provider: Option<String>,
    at: Option<&Bound<'_, PyAny>>,
    batch: bool,
    service_tier: Option<String>,
) -> PyResult<Cost> {
    let usage = Usage::from_py(usage)?;
    let opts = CostOptions {
        provider,
        at: at.map(|a| time_arg(a, "at")).transpose()?,
        batch,
        service_tier,
    };
    let inner = py
        .detach(|| table.cost(model, &usage, &opts))
        .map_err(pricing_err)?;
    Ok(Cost { inner })
}

/// A price table: the built-in one, a hailog price file, LiteLLM's community file, plus
/// run-time overrides. Shared tables are copied on first `set`, so `builtin()` stays pristine.
#[pyclass(module = "hailog", frozen)]
pub struct PriceTable {
    table: RwLock<Arc<CoreTable>>,
}

impl PriceTable {
    fn wrap(table: Arc<CoreTable>) -> Self {
        PriceTable {
            table: RwLock::new(table),
        }
    }

    pub fn get(&self) -> Arc<CoreTable> {
        match self.table.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}

#[pymethods]
impl PriceTable {
    /// The table shipped with this version of hailog.
    #[staticmethod]
    fn builtin() -> Self {
        PriceTable::wrap(CoreTable::builtin())
    }

    /// Loads a price file in hailog's format.
    #[staticmethod]
    fn load(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let table = py.detach(|| CoreTable::load(&path)).map_err(pricing_err)?;
        Ok(PriceTable::wrap(Arc::new(table)))
    }

    /// Loads LiteLLM's `model_prices_and_context_window.json`.
    #[staticmethod]
    fn load_litellm(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let table = py
            .detach(|| CoreTable::load_litellm(&path))
            .map_err(pricing_err)?;
        Ok(PriceTable::wrap(Arc::new(table)))
    }

    /// Parses a price file in hailog's format from a string.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: &str) -> PyResult<Self> {
        let table = py
            .detach(|| CoreTable::from_json_str(text))
            .map_err(pricing_err)?;
        Ok(PriceTable::wrap(Arc::new(table)))
    }

    /// Adds every model of `other` over this table (other's prices win).
    fn merge(&self, other: &PriceTable) {
        let other = (*other.get()).clone();
        let mut guard = self.table.write().unwrap_or_else(|p| p.into_inner());
        Arc::make_mut(&mut guard).merge(other);
    }

    /// Sets one model's rates (USD per million tokens; `web_search_per_1k` per thousand
    /// searches). Replaces every earlier price of that model.
    #[pyo3(signature = (provider, model, *, input, output, cache_read = None, cache_write_5m = None,
        cache_write_1h = None, reasoning = None, input_audio = None, output_audio = None,
        input_image = None, web_search_per_1k = None, aliases = None))]
    #[allow(clippy::too_many_arguments)]
    fn set(
        &self,
        provider: String,
        model: String,
        input: &Bound<'_, PyAny>,
        output: &Bound<'_, PyAny>,
        cache_read: Option<&Bound<'_, PyAny>>,
        cache_write_5m: Option<&Bound<'_, PyAny>>,
        cache_write_1h: Option<&Bound<'_, PyAny>>,
        reasoning: Option<&Bound<'_, PyAny>>,
        input_audio: Option<&Bound<'_, PyAny>>,
        output_audio: Option<&Bound<'_, PyAny>>,
        input_image: Option<&Bound<'_, PyAny>>,
        web_search_per_1k: Option<&Bound<'_, PyAny>>,
        aliases: Option<Vec<String>>,
    ) -> PyResult<()> {
        let mut entry = ModelPrice::new(
            provider,
            model,
            decimal_arg(input, "input")?,
            decimal_arg(output, "output")?,
        );
        let optional = |v: Option<&Bound<'_, PyAny>>, field: &str| {
            v.map(|v| decimal_arg(v, field)).transpose()
        };
        let rates = &mut entry.sheet.rates;
        rates.cache_read = optional(cache_read, "cache_read")?;
        rates.cache_write_5m = optional(cache_write_5m, "cache_write_5m")?;
        rates.cache_write_1h = optional(cache_write_1h, "cache_write_1h")?;
        rates.reasoning = optional(reasoning, "reasoning")?;
        rates.input_audio = optional(input_audio, "input_audio")?;
        rates.output_audio = optional(output_audio, "output_audio")?;
        rates.input_image = optional(input_image, "input_image")?;
        rates.web_search_per_1k = optional(web_search_per_1k, "web_search_per_1k")?;
        entry.aliases = aliases.unwrap_or_default();
        entry.validate(0).map_err(pricing_err)?;
        let mut guard = self.table.write().unwrap_or_else(|p| p.into_inner());
        Arc::make_mut(&mut guard).set(entry);
        Ok(())
    }

    /// The exact cost of one request priced with this table.
    #[pyo3(signature = (model, usage, *, provider = None, at = None, batch = false, service_tier = None))]
    #[allow(clippy::too_many_arguments)]
    fn cost(
        &self,
        py: Python<'_>,
        model: &str,
        usage: &Bound<'_, PyAny>,
        provider: Option<String>,
        at: Option<&Bound<'_, PyAny>>,
        batch: bool,
        service_tier: Option<String>,
    ) -> PyResult<Cost> {
        price(
            py,
            self.get(),
            model,
            usage,
            provider,
            at,
            batch,
            service_tier,
        )
    }

    /// `builtin-<date>`, `custom`, `litellm-<crc32>`, joined with `+` after merges.
    #[getter]
    fn version(&self) -> String {
        self.get().version().to_string()
    }

    fn __len__(&self) -> usize {
        self.get().len()
    }

    fn __repr__(&self) -> String {
        let t = self.get();
        format!("PriceTable(version={:?}, models={})", t.version(), t.len())
    }
}

/// The exact cost of one request: `usage` is a `Usage` or a dict of token buckets. Priced with
/// `table`, or the built-in table.
#[pyfunction]
#[pyo3(signature = (model, usage, *, provider = None, at = None, batch = false, service_tier = None, table = None))]
#[allow(clippy::too_many_arguments)]
pub fn cost(
    py: Python<'_>,
    model: &str,
    usage: &Bound<'_, PyAny>,
    provider: Option<String>,
    at: Option<&Bound<'_, PyAny>>,
    batch: bool,
    service_tier: Option<String>,
    table: Option<&PriceTable>,
) -> PyResult<Cost> {
    let table = table.map_or_else(CoreTable::builtin, PriceTable::get);
    price(py, table, model, usage, provider, at, batch, service_tier)
}
