//! Reads LiteLLM's `model_prices_and_context_window.json`. Its per-token prices are JSON numbers;
//! they are read from their literal digits (never through f64) and scaled to per-million exactly.

use super::PricingError;
use super::model::{LongContextTier, ModelPrice, Modifier, PriceSheet, Rates, TierBasis, TierMode};
use super::parse::json_error;
use super::resolve::canonical_provider;
use rust_decimal::Decimal;
use serde_json::value::RawValue;
use std::collections::{BTreeMap, HashMap};

/// LiteLLM field (without tier or service-tier suffix) → hailog rate.
const FIELDS: [(&str, &str); 9] = [
    ("input_cost_per_token", "input"),
    ("output_cost_per_token", "output"),
    ("cache_read_input_token_cost", "cache_read"),
    ("cache_creation_input_token_cost", "cache_write_5m"),
    (
        "cache_creation_input_token_cost_above_1hr",
        "cache_write_1h",
    ),
    ("output_cost_per_reasoning_token", "reasoning"),
    ("input_cost_per_audio_token", "input_audio"),
    ("output_cost_per_audio_token", "output_audio"),
    ("input_cost_per_image_token", "input_image"),
];

/// Per-token JSON number text → exact decimal per million tokens.
pub(crate) fn per_million(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let d = if t.contains(['e', 'E']) {
        Decimal::from_scientific(t)
    } else {
        Decimal::from_str_exact(t)
    }
    .map_err(|e| format!("not an exact decimal number: {e}"))?;
    d.checked_mul(Decimal::from(1_000_000))
        .map(|d| d.normalize())
        .ok_or_else(|| "too large".to_string())
}

/// Splits `input_cost_per_token_above_200k_tokens` into (`input_cost_per_token`, 200000).
fn split_tier(field: &str) -> Option<(&str, u64)> {
    let rest = field.strip_suffix("k_tokens")?;
    let pos = rest.rfind("_above_")?;
    let n: u64 = rest[pos + 7..].parse().ok()?;
    Some((&rest[..pos], n.checked_mul(1000)?))
}

fn hailog_field(litellm: &str) -> Option<&'static str> {
    FIELDS.iter().find(|(l, _)| *l == litellm).map(|(_, h)| *h)
}

pub(crate) fn parse(s: &str) -> Result<Vec<ModelPrice>, PricingError> {
    let root: HashMap<String, HashMap<String, Box<RawValue>>> =
        serde_json::from_str(s).map_err(|e| json_error(&e))?;
    let mut keys: Vec<&String> = root
        .keys()
        .filter(|k| k.as_str() != "sample_spec")
        .collect();
    keys.sort();
    let mut out = Vec::with_capacity(keys.len());
    for (index, key) in keys.into_iter().enumerate() {
        if let Some(entry) = parse_entry(index, key, &root[key])? {
            out.push(entry);
        }
    }
    Ok(out)
}

/// One LiteLLM entry; `None` when it is not priced per token (images per pixel, audio per
/// second...), which hailog does not price.
fn parse_entry(
    index: usize,
    key: &str,
    fields: &HashMap<String, Box<RawValue>>,
) -> Result<Option<ModelPrice>, PricingError> {
    let bad = |field: &str, value: &str, message: String| PricingError::InvalidEntry {
        index,
        id: key.to_string(),
        field: field.to_string(),
        value: value.to_string(),
        message,
    };
    let number = |field: &str, raw: &RawValue| -> Result<Option<Decimal>, PricingError> {
        let text = raw.get();
        if text == "null" {
            return Ok(None);
        }
        if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return Err(bad(
                field,
                text,
                "must be a JSON number (cost per token)".into(),
            ));
        }
        per_million(text).map(Some).map_err(|m| bad(field, text, m))
    };
    if !fields.contains_key("input_cost_per_token") || !fields.contains_key("output_cost_per_token")
    {
        return Ok(None);
    }
    let provider = match fields.get("litellm_provider") {
        Some(raw) => serde_json::from_str::<String>(raw.get())
            .map(|p| canonical_provider(&p))
            .map_err(|_| bad("litellm_provider", raw.get(), "must be a string".into()))?,
        None => "unknown".to_string(),
    };
    let mut base = Rates::default();
    let mut tiers: BTreeMap<u64, Rates> = BTreeMap::new();
    let mut batch = Rates::default();
    let mut service: BTreeMap<&'static str, Rates> = BTreeMap::new();
    for (name, raw) in fields {
        let (stem, target) = if let Some((stem, above)) = split_tier(name) {
            (stem, Target::Tier(above))
        } else if let Some(stem) = name.strip_suffix("_batches") {
            (stem, Target::Batch)
        } else if let Some(stem) = name.strip_suffix("_priority") {
            (stem, Target::Service("priority"))
        } else if let Some(stem) = name.strip_suffix("_flex") {
            (stem, Target::Service("flex"))
        } else {
            (name.as_str(), Target::Base)
        };
        let Some(field) = hailog_field(stem) else {
            continue;
        };
        let Some(v) = number(name, raw)? else {
            continue;
        };
        let rates = match target {
            Target::Base => &mut base,
            Target::Tier(above) => tiers.entry(above).or_default(),
            Target::Batch => &mut batch,
            Target::Service(t) => service.entry(t).or_default(),
        };
        if let Some(slot) = rates.field_mut(field) {
            *slot = Some(v);
        }
    }
    let long_context = tiers
        .into_iter()
        .map(|(above, rates)| LongContextTier {
            above,
            basis: TierBasis::Prompt,
            mode: TierMode::WholeRequest,
            rates,
        })
        .collect::<Vec<_>>();
    let sheet_of = |rates: Rates| {
        Modifier::Sheet(Box::new(PriceSheet {
            rates,
            long_context: Vec::new(),
        }))
    };
    let entry = ModelPrice {
        provider,
        id: key.to_string(),
        aliases: Vec::new(),
        effective_from: None,
        source: Some(
            "https://github.com/BerriAI/litellm/blob/main/model_prices_and_context_window.json"
                .into(),
        ),
        checked: None,
        sheet: PriceSheet {
            rates: base,
            long_context,
        },
        batch: (batch != Rates::default()).then(|| sheet_of(batch)),
        service_tiers: service
            .into_iter()
            .map(|(k, r)| (k.to_string(), sheet_of(r)))
            .collect(),
    };
    entry.validate(index)?;
    Ok(Some(entry))
}

enum Target {
    Base,
    Tier(u64),
    Batch,
    Service(&'static str),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_token_text_becomes_exact_per_million() {
        assert_eq!(per_million("3e-06").unwrap().to_string(), "3");
        assert_eq!(per_million("1.875e-05").unwrap().to_string(), "18.75");
        assert_eq!(per_million("0.00000015").unwrap().to_string(), "0.15");
        assert_eq!(per_million("3.75E-6").unwrap().to_string(), "3.75");
        assert_eq!(per_million("0").unwrap().to_string(), "0");
        // 1.1e-06 is 1.1000000000000001e-06 as an f64; the text is what LiteLLM meant.
        assert_eq!(per_million("1.1e-06").unwrap().to_string(), "1.1");
        assert!(per_million("abc").is_err());
    }

    #[test]
    fn tier_suffixes() {
        assert_eq!(
            split_tier("input_cost_per_token_above_200k_tokens"),
            Some(("input_cost_per_token", 200_000))
        );
        assert_eq!(
            split_tier("cache_creation_input_token_cost_above_1hr_above_200k_tokens"),
            Some(("cache_creation_input_token_cost_above_1hr", 200_000))
        );
        assert_eq!(
            split_tier("cache_creation_input_token_cost_above_1hr"),
            None
        );
    }
}
