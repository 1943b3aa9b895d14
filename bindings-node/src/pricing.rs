//! `cost` and `PriceTable`: exact cost of one request. Results and failures cross as one JSON
//! string each, so a pricing error keeps its `kind`, `bucket` and `candidates` for the JS side.

use crate::error::{self, Code};
use chrono::{DateTime, Utc};
use hailog::pricing::{CostOptions, PriceTable, PricingError};
use hailog::{Cost, Usage};
use napi_derive::napi;
use serde_json::{Map, Value, json};
use std::sync::{Arc, RwLock};

fn pricing_error(err: PricingError) -> Value {
    let mut out = json!({
        "code": "pricing",
        "kind": err.kind(),
        "message": error::chain(&err),
    });
    match &err {
        PricingError::InvalidUsage { bucket, .. } => out["bucket"] = json!(bucket),
        PricingError::Ambiguous { candidates, .. } => out["candidates"] = json!(candidates),
        _ => {}
    }
    json!({ "error": out })
}

fn invalid_usage(bucket: &str, value: &Value, message: &str) -> Value {
    pricing_error(PricingError::InvalidUsage {
        bucket: bucket.to_string(),
        value: value.to_string(),
        message: message.to_string(),
    })
}

/// A usage object from JS (snake_case keys): each bucket a non-negative integer, or absent.
fn usage_from(value: &Value) -> Result<Usage, Value> {
    let Some(map) = value.as_object() else {
        return Err(invalid_usage("usage", value, "expected an object"));
    };
    let mut usage = Usage::default();
    for (key, v) in map {
        if v.is_null() {
            continue;
        }
        if let Some(slot) = usage.count_mut(key) {
            let Some(n) = v.as_u64() else {
                return Err(invalid_usage(key, v, "expected a non-negative integer"));
            };
            *slot = Some(n);
        } else if key == "reported_cost" {
            let text = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            match text.parse() {
                Ok(d) => usage.reported_cost = Some(d),
                Err(_) => return Err(invalid_usage(key, v, "expected a decimal string")),
            }
        } else if key == "provider" {
            usage.provider = v.as_str().map(str::to_string);
        } else if key == "model" {
            usage.model = v.as_str().map(str::to_string);
        }
    }
    Ok(usage)
}

fn options_from(value: &Value) -> Result<CostOptions, Value> {
    let text = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_string);
    let at = match value.get("at") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_str().map(DateTime::parse_from_rfc3339) {
            Some(Ok(t)) => Some(t.with_timezone(&Utc)),
            _ => {
                return Err(json!({"error": {"code": "invalid_input", "message":
                    format!("invalid input: options.at: expected an RFC 3339 time, got {v}")}}));
            }
        },
    };
    Ok(CostOptions {
        provider: text("provider"),
        at,
        batch: value.get("batch").and_then(Value::as_bool).unwrap_or(false),
        service_tier: text("service_tier"),
    })
}

fn cost_value(cost: &Cost) -> Value {
    let breakdown: Map<String, Value> = cost
        .breakdown
        .iter()
        .map(|(k, d)| {
            (
                crate::usage::camel(k),
                Value::from(d.normalize().to_string()),
            )
        })
        .collect();
    json!({
        "total": cost.total.map(|d| d.normalize().to_string()),
        "currency": cost.currency,
        "provenance": cost.provenance,
        "model": cost.model,
        "tableVersion": cost.table_version,
        "breakdown": breakdown,
        "rules": cost.rules,
    })
}

fn cost_with(table: &PriceTable, model: &str, usage: &str, options: &str) -> String {
    let run = || -> Result<Value, Value> {
        let usage: Value = serde_json::from_str(usage)
            .map_err(|e| invalid_usage("usage", &Value::Null, &e.to_string()))?;
        let options: Value = serde_json::from_str(options).unwrap_or(Value::Null);
        let usage = usage_from(&usage)?;
        let opts = options_from(&options)?;
        let cost = table.cost(model, &usage, &opts).map_err(pricing_error)?;
        Ok(json!({ "cost": cost_value(&cost) }))
    };
    run().unwrap_or_else(|e| e).to_string()
}

/// Prices one request with the built-in table; returns `{"cost":...}` or `{"error":...}`.
#[napi(js_name = "costJson", catch_unwind)]
pub fn cost_json(model: String, usage: String, options: String) -> String {
    cost_with(&PriceTable::builtin(), &model, &usage, &options)
}

fn load_err(err: PricingError) -> napi::Error<Code> {
    let kind = err.kind();
    napi::Error::new(Code("pricing"), format!("{} ({kind})", error::chain(&err)))
}

/// A price table: the built-in one, a hailog price file, or LiteLLM's community file.
#[napi(js_name = "NativePriceTable")]
pub struct NativePriceTable {
    table: RwLock<Arc<PriceTable>>,
}

fn wrap(table: PriceTable) -> NativePriceTable {
    NativePriceTable {
        table: RwLock::new(Arc::new(table)),
    }
}

#[napi]
impl NativePriceTable {
    #[napi(factory)]
    pub fn builtin() -> Self {
        NativePriceTable {
            table: RwLock::new(PriceTable::builtin()),
        }
    }

    #[napi(factory, catch_unwind)]
    pub fn load(path: String) -> error::Result<Self> {
        PriceTable::load(std::path::Path::new(&path))
            .map(wrap)
            .map_err(load_err)
    }

    #[napi(factory, catch_unwind)]
    pub fn load_litellm(path: String) -> error::Result<Self> {
        PriceTable::load_litellm(std::path::Path::new(&path))
            .map(wrap)
            .map_err(load_err)
    }

    /// Merges a price file (hailog's format, as JSON text) over this table.
    #[napi(catch_unwind)]
    pub fn set(&self, price_file: String) -> error::Result<()> {
        let other = PriceTable::from_json_str(&price_file).map_err(load_err)?;
        let mut guard = self
            .table
            .write()
            .map_err(|_| napi::Error::new(error::PANIC, "price table lock poisoned".to_string()))?;
        let mut merged =
            PriceTable::from_entries(guard.version(), guard.entries().cloned().collect())
                .map_err(load_err)?;
        merged.merge(other);
        *guard = Arc::new(merged);
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn version(&self) -> String {
        self.current().version().to_string()
    }

    #[napi(catch_unwind)]
    pub fn cost_json(&self, model: String, usage: String, options: String) -> String {
        cost_with(&self.current(), &model, &usage, &options)
    }

    fn current(&self) -> Arc<PriceTable> {
        match self.table.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }
}
