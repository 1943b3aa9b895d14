//! Price tables and the exact cost engine: decimal rates per million tokens, effective dates,
//! aliases, long-context tiers, service-tier modifiers, user overrides and LiteLLM's price file.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a cost came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// The provider reported the amount (OpenRouter `usage.cost`).
    Reported,
    /// Computed from a price table.
    Computed,
    /// The model is unknown: the amount is null, never zero.
    Unpriced,
}

/// The exact cost of one request. No floating point is involved anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cost {
    /// Total in `currency`; `None` when unpriced.
    pub total: Option<Decimal>,
    pub currency: String,
    /// Amount per usage bucket (same names as [`crate::Usage::buckets`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub breakdown: Vec<(String, Decimal)>,
    pub provenance: Provenance,
    /// Version of the table that priced it (computed costs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_version: Option<String>,
    /// The canonical model id the request resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The tier or rule applied, e.g. `long_context>200000:whole_request`, `batch`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<String>,
}

impl Cost {
    pub fn unpriced() -> Self {
        Cost {
            total: None,
            currency: "USD".into(),
            breakdown: Vec::new(),
            provenance: Provenance::Unpriced,
            table_version: None,
            model: None,
            rules: Vec::new(),
        }
    }

    pub fn reported(total: Decimal) -> Self {
        Cost {
            total: Some(total),
            provenance: Provenance::Reported,
            ..Cost::unpriced()
        }
    }
}

/// Why a price table could not be loaded or a cost not computed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PricingError {
    #[error("{0}")]
    Other(String),
}
