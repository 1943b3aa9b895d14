//! Price tables and the exact cost engine: decimal rates per million tokens, effective dates,
//! aliases, long-context tiers, service-tier modifiers, user overrides and LiteLLM's price file.

mod engine;
mod inline;
mod litellm;
mod model;
mod parse;
mod resolve;
mod table;

pub use engine::MAX_TOKENS_PER_BUCKET;
pub use inline::{InlineList, SharedStr};
pub use model::{LongContextTier, ModelPrice, Modifier, PriceSheet, Rates, TierBasis, TierMode};
pub use resolve::{MatchKind, ResolvedModel};
pub use table::{CostOptions, PriceTable};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Where a cost came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Provenance {
    /// The provider reported the amount (OpenRouter `usage.cost`).
    Reported,
    /// Computed from a price table.
    Computed,
    /// The model is unknown: the amount is null, never zero.
    Unpriced,
}

/// Amount per usage bucket. Room for six buckets inline: a typical request (input, cache
/// read and write, output, reasoning) is priced without allocating.
pub type Breakdown = InlineList<(SharedStr, Decimal), 6>;

/// The tiers, modifiers, resolutions and fallbacks applied to a cost.
pub type Rules = InlineList<SharedStr, 4>;

// Text fields are `SharedStr` and lists `InlineList`s, so computing a cost for a resolved model
// does not allocate; they read as `&str` and slices and serialize like `String`s and `Vec`s.
// (A plain comment: the doc comment below is also the JSON Schema's description.)
/// The exact cost of one request. No floating point is involved anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cost {
    /// Total in `currency`; `None` when unpriced.
    pub total: Option<Decimal>,
    pub currency: SharedStr,
    /// Amount per usage bucket (same names as [`crate::Usage::buckets`]).
    #[serde(default, skip_serializing_if = "Breakdown::is_empty")]
    pub breakdown: Breakdown,
    pub provenance: Provenance,
    /// Version of the table that priced it (computed costs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table_version: Option<SharedStr>,
    /// The canonical model id the request resolved to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<SharedStr>,
    /// The tier or rule applied, e.g. `long_context>200000:whole_request`, `batch`.
    #[serde(default, skip_serializing_if = "Rules::is_empty")]
    pub rules: Rules,
}

/// The currency of every built-in price.
pub(crate) const USD: SharedStr = SharedStr::from_static("USD");

impl Cost {
    pub fn unpriced() -> Self {
        Cost {
            total: None,
            currency: USD,
            breakdown: Breakdown::new(),
            provenance: Provenance::Unpriced,
            table_version: None,
            model: None,
            rules: Rules::new(),
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

/// Why a price table could not be loaded or a cost not computed. Every variant names what was
/// wrong and where: the entry (index and id), the field and the offending value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PricingError {
    /// The price file could not be read from disk.
    #[error("cannot read price file {path}: {message}")]
    Io { path: String, message: String },
    /// The price file is not JSON, or not the expected top-level shape.
    #[error("price file is malformed at line {line}, column {column}: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    /// One entry of a price file has a missing, mistyped or impossible field.
    #[error("price entry {index} ({id}): field `{field}` = {value}: {message}")]
    InvalidEntry {
        index: usize,
        id: String,
        field: String,
        value: String,
        message: String,
    },
    /// A rate that is positive but implausibly small or large for a per-million-token price: most
    /// likely a per-token (or per-thousand) number where a per-million one was expected.
    #[error(
        "price entry {index} ({id}): field `{field}` = {value} per million tokens looks like a unit slip: {message}"
    )]
    UnitSlip {
        index: usize,
        id: String,
        field: String,
        value: String,
        message: String,
    },
    /// Two entries share the same provider, model id and `effective_from`.
    #[error(
        "price entry {index} ({id}) duplicates entry {first_index}: same provider and effective_from {effective_from}"
    )]
    DuplicateEntry {
        index: usize,
        first_index: usize,
        id: String,
        effective_from: String,
    },
    /// The model name matches several priced models; the caller must say which provider.
    #[error("model `{model}` is ambiguous: it matches {candidates:?}; pass a provider to choose")]
    Ambiguous {
        model: String,
        candidates: Vec<String>,
    },
    /// The requested service tier is not priced for this model.
    #[error("model `{model}`: unknown service tier `{tier}` (priced tiers: {known:?})")]
    UnknownServiceTier {
        model: String,
        tier: String,
        known: Vec<String>,
    },
    /// A modifier (batch) was requested for a model whose table publishes no price for it, or two
    /// modifiers that do not combine.
    #[error("model `{model}`: modifier `{modifier}` is not priced: {message}")]
    UnknownModifier {
        model: String,
        modifier: String,
        message: String,
    },
    /// A token count or a reported cost is impossible.
    #[error("invalid usage: bucket `{bucket}` = {value}: {message}")]
    InvalidUsage {
        bucket: String,
        value: String,
        message: String,
    },
    /// The amount of one bucket does not fit in a decimal.
    #[error("cost of bucket `{bucket}` ({tokens} tokens) overflows the decimal range")]
    Overflow { bucket: String, tokens: u64 },
}

impl PricingError {
    /// A stable machine-readable kind, the same in Rust, Python, Node and the test vectors.
    pub fn kind(&self) -> &'static str {
        match self {
            PricingError::Io { .. } => "io",
            PricingError::Json { .. } => "json",
            PricingError::InvalidEntry { .. } => "invalid_entry",
            PricingError::UnitSlip { .. } => "unit_slip",
            PricingError::DuplicateEntry { .. } => "duplicate_entry",
            PricingError::Ambiguous { .. } => "ambiguous",
            PricingError::UnknownServiceTier { .. } => "unknown_service_tier",
            PricingError::UnknownModifier { .. } => "unknown_modifier",
            PricingError::InvalidUsage { .. } => "invalid_usage",
            PricingError::Overflow { .. } => "overflow",
        }
    }
}
