//! The [`Usage`] type. Buckets are mutually exclusive: summing every bucket gives every token the
//! provider billed exactly once, whatever that provider's own convention was.

use crate::event::Outcome;
use serde::{Deserialize, Serialize};

/// Token usage of one request in exclusive buckets. `None` means the provider did not say; it is
/// not zero.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct Usage {
    /// Uncached prompt tokens (not read from, nor written to, a cache), text unless a modality
    /// bucket below says otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<u64>,
    /// Prompt tokens read from the provider's cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<u64>,
    /// Prompt tokens written to a cache that lives about 5 minutes (the default TTL; providers
    /// that do not say which TTL land here).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<u64>,
    /// Prompt tokens written to a 1-hour cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<u64>,
    /// Generated tokens, without reasoning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<u64>,
    /// Reasoning ("thinking") tokens, billed as output by most providers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<u64>,
    /// Uncached audio prompt tokens, carved out of `input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_audio: Option<u64>,
    /// Uncached image prompt tokens, carved out of `input`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_image: Option<u64>,
    /// Audio output tokens, carved out of `output`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_audio: Option<u64>,
    /// Server-side web search requests billed per call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_search_requests: Option<u64>,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Cost the provider itself reported (OpenRouter `usage.cost`), as an exact decimal string.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reported_cost: Option<rust_decimal::Decimal>,
    #[serde(skip_serializing_if = "Outcome::is_ok")]
    pub outcome: Outcome,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ProviderError>,
    /// The usage is what was seen before a stream failed or was cut off.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    /// Provider numbers that break an invariant; kept raw, flagged here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub anomalies: Vec<Anomaly>,
    /// The provider's own usage object, verbatim.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub raw: Option<serde_json::Value>,
}

/// A provider number that breaks an invariant (for example reasoning larger than output).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Anomaly {
    pub code: String,
    pub message: String,
}

/// A typed provider error, from an HTTP error body or a mid-stream error event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct ProviderError {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub error_type: Option<String>,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

fn sum(parts: &[Option<u64>]) -> Option<u64> {
    if parts.iter().all(Option::is_none) {
        return None;
    }
    Some(
        parts
            .iter()
            .map(|p| p.unwrap_or(0))
            .fold(0u64, u64::saturating_add),
    )
}

impl Usage {
    /// Every prompt-side token: uncached (all modalities) + cache read + cache writes.
    pub fn input_total(&self) -> Option<u64> {
        sum(&[
            self.input,
            self.input_audio,
            self.input_image,
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
        ])
    }

    /// Every generated token, reasoning included.
    pub fn output_total(&self) -> Option<u64> {
        sum(&[self.output, self.output_audio, self.reasoning])
    }

    /// Both cache write buckets together.
    pub fn cache_write(&self) -> Option<u64> {
        sum(&[self.cache_write_5m, self.cache_write_1h])
    }

    /// Every count field by the name bindings, price files and exports use: the token buckets
    /// in their fixed order, then the per-request counts.
    pub const COUNT_FIELDS: [&'static str; 10] = [
        "input",
        "cache_read",
        "cache_write_5m",
        "cache_write_1h",
        "output",
        "reasoning",
        "input_audio",
        "input_image",
        "output_audio",
        "web_search_requests",
    ];

    /// The count field called `name` (one of [`Usage::COUNT_FIELDS`]), for callers that set
    /// usage by name; `None` for any other name.
    pub fn count_mut(&mut self, name: &str) -> Option<&mut Option<u64>> {
        Some(match name {
            "input" => &mut self.input,
            "cache_read" => &mut self.cache_read,
            "cache_write_5m" => &mut self.cache_write_5m,
            "cache_write_1h" => &mut self.cache_write_1h,
            "output" => &mut self.output,
            "reasoning" => &mut self.reasoning,
            "input_audio" => &mut self.input_audio,
            "input_image" => &mut self.input_image,
            "output_audio" => &mut self.output_audio,
            "web_search_requests" => &mut self.web_search_requests,
            _ => return None,
        })
    }

    /// Token buckets as (name, value) pairs in a fixed order; used by storage and exports.
    pub fn buckets(&self) -> [(&'static str, Option<u64>); 9] {
        [
            ("input", self.input),
            ("cache_read", self.cache_read),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("output", self.output),
            ("reasoning", self.reasoning),
            ("input_audio", self.input_audio),
            ("input_image", self.input_image),
            ("output_audio", self.output_audio),
        ]
    }
}
