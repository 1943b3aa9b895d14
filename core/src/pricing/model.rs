//! The typed shape of one price entry: per-million-token rates, long-context tiers and the batch
//! and service-tier modifiers, plus the checks that catch unit slips and impossible values.

use super::PricingError;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Rates in the table's currency per million tokens (web search: per thousand requests). `None`
/// means the source publishes no separate rate; the engine then falls back as documented in
/// `docs/PRICING.md` (cache buckets and modalities to the input rate, reasoning and audio output
/// to the output rate) and records the fallback in [`crate::Cost::rules`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rates {
    pub input: Option<Decimal>,
    pub output: Option<Decimal>,
    pub cache_read: Option<Decimal>,
    pub cache_write_5m: Option<Decimal>,
    pub cache_write_1h: Option<Decimal>,
    pub reasoning: Option<Decimal>,
    pub input_audio: Option<Decimal>,
    pub output_audio: Option<Decimal>,
    pub input_image: Option<Decimal>,
    /// Per thousand server-side web search requests.
    pub web_search_per_1k: Option<Decimal>,
}

/// The field names of [`Rates`] as they appear in price files, in a fixed order.
pub(crate) const RATE_FIELDS: [&str; 10] = [
    "input",
    "output",
    "cache_read",
    "cache_write_5m",
    "cache_write_1h",
    "reasoning",
    "input_audio",
    "output_audio",
    "input_image",
    "web_search_per_1k",
];

impl Rates {
    pub(crate) fn field_mut(&mut self, name: &str) -> Option<&mut Option<Decimal>> {
        Some(match name {
            "input" => &mut self.input,
            "output" => &mut self.output,
            "cache_read" => &mut self.cache_read,
            "cache_write_5m" => &mut self.cache_write_5m,
            "cache_write_1h" => &mut self.cache_write_1h,
            "reasoning" => &mut self.reasoning,
            "input_audio" => &mut self.input_audio,
            "output_audio" => &mut self.output_audio,
            "input_image" => &mut self.input_image,
            "web_search_per_1k" => &mut self.web_search_per_1k,
            _ => return None,
        })
    }

    pub(crate) fn fields(&self) -> [(&'static str, Option<Decimal>); 10] {
        [
            ("input", self.input),
            ("output", self.output),
            ("cache_read", self.cache_read),
            ("cache_write_5m", self.cache_write_5m),
            ("cache_write_1h", self.cache_write_1h),
            ("reasoning", self.reasoning),
            ("input_audio", self.input_audio),
            ("output_audio", self.output_audio),
            ("input_image", self.input_image),
            ("web_search_per_1k", self.web_search_per_1k),
        ]
    }

    /// `self` where set, else `base`: a tier or modifier lists only the rates it changes.
    pub(crate) fn over(&self, base: &Rates) -> Rates {
        Rates {
            input: self.input.or(base.input),
            output: self.output.or(base.output),
            cache_read: self.cache_read.or(base.cache_read),
            cache_write_5m: self.cache_write_5m.or(base.cache_write_5m),
            cache_write_1h: self.cache_write_1h.or(base.cache_write_1h),
            reasoning: self.reasoning.or(base.reasoning),
            input_audio: self.input_audio.or(base.input_audio),
            output_audio: self.output_audio.or(base.output_audio),
            input_image: self.input_image.or(base.input_image),
            web_search_per_1k: self.web_search_per_1k.or(base.web_search_per_1k),
        }
    }
}

/// Which prompt tokens count toward a long-context threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TierBasis {
    /// Every prompt-side token: uncached input of every modality, cache reads and cache writes
    /// ([`crate::Usage::input_total`]). What Anthropic, Google, OpenAI and xAI count.
    #[default]
    Prompt,
    /// Only uncached prompt tokens (input and its modality buckets).
    PromptUncached,
}

/// How a long-context tier applies once the threshold is passed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TierMode {
    /// Every token of the request is billed at the tier's rates.
    #[default]
    WholeRequest,
    /// Only prompt tokens beyond the threshold are billed at the tier's rates; output-side tokens
    /// use the tier's rates once the prompt passes the threshold.
    Marginal,
}

/// Rates that apply when the prompt is larger than `above` tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongContextTier {
    /// Exclusive threshold: the tier applies when the counted prompt tokens are `> above`.
    pub above: u64,
    pub basis: TierBasis,
    pub mode: TierMode,
    /// Rates that differ from the base sheet; unset rates keep the base rate.
    pub rates: Rates,
}

/// Base rates plus the long-context tiers that replace them for large prompts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PriceSheet {
    pub rates: Rates,
    /// Sorted by `above`, ascending.
    pub long_context: Vec<LongContextTier>,
}

/// A batch or service-tier price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Modifier {
    /// Every bucket amount of the standard price is multiplied by this factor (0.5 = half price).
    Multiplier(Decimal),
    /// A published sheet of its own (for example OpenAI's priority rates, which are not one
    /// uniform factor of the standard rates). Its own `long_context` applies, not the base one.
    Sheet(Box<PriceSheet>),
}

/// One price entry: a model, as priced from `effective_from` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelPrice {
    pub provider: String,
    pub id: String,
    /// Other names of the same model: dated snapshots, Bedrock and Vertex ids, `-latest` names.
    pub aliases: Vec<String>,
    /// From when these prices apply; `None` means since the model was released.
    pub effective_from: Option<DateTime<Utc>>,
    pub source: Option<String>,
    /// When the rates were last checked against `source`.
    pub checked: Option<NaiveDate>,
    pub sheet: PriceSheet,
    pub batch: Option<Modifier>,
    /// Priced service tiers by lower-case name (`flex`, `priority`...). `standard`, `default`
    /// and `auto` always mean the base sheet.
    pub service_tiers: BTreeMap<String, Modifier>,
}

impl ModelPrice {
    /// A plain entry with input and output rates per million tokens, for run-time overrides.
    pub fn new(
        provider: impl Into<String>,
        id: impl Into<String>,
        input: Decimal,
        output: Decimal,
    ) -> Self {
        ModelPrice {
            provider: provider.into(),
            id: id.into(),
            aliases: Vec::new(),
            effective_from: None,
            source: None,
            checked: None,
            sheet: PriceSheet {
                rates: Rates {
                    input: Some(input),
                    output: Some(output),
                    ..Rates::default()
                },
                long_context: Vec::new(),
            },
            batch: None,
            service_tiers: BTreeMap::new(),
        }
    }

    /// Checks what a typed entry can still get wrong: empty names, negative rates, unit slips,
    /// unsorted or duplicate tiers. `index` is the entry's position, for the error message.
    pub fn validate(&self, index: usize) -> Result<(), PricingError> {
        let bad = |field: &str, value: String, message: &str| PricingError::InvalidEntry {
            index,
            id: self.id.clone(),
            field: field.to_string(),
            value,
            message: message.to_string(),
        };
        if self.id.trim().is_empty() {
            return Err(bad("id", format!("{:?}", self.id), "must not be empty"));
        }
        if self.provider.trim().is_empty() {
            return Err(bad(
                "provider",
                format!("{:?}", self.provider),
                "must not be empty",
            ));
        }
        if self.sheet.rates.input.is_none() {
            return Err(bad(
                "rates.input",
                "null".into(),
                "every entry needs an input rate",
            ));
        }
        if self.sheet.rates.output.is_none() {
            return Err(bad(
                "rates.output",
                "null".into(),
                "every entry needs an output rate",
            ));
        }
        self.validate_sheet(index, "", &self.sheet)?;
        if let Some(batch) = &self.batch {
            self.validate_modifier(index, "modifiers.batch", batch)?;
        }
        for (name, m) in &self.service_tiers {
            self.validate_modifier(index, &format!("modifiers.service_tiers.{name}"), m)?;
        }
        Ok(())
    }

    fn validate_modifier(&self, index: usize, at: &str, m: &Modifier) -> Result<(), PricingError> {
        match m {
            Modifier::Multiplier(f) => {
                if f.is_sign_negative() || f.is_zero() || *f > Decimal::from(10) {
                    return Err(PricingError::InvalidEntry {
                        index,
                        id: self.id.clone(),
                        field: format!("{at}.multiplier"),
                        value: f.to_string(),
                        message: "a multiplier must be above 0 and at most 10".into(),
                    });
                }
                Ok(())
            }
            Modifier::Sheet(sheet) => self.validate_sheet(index, &format!("{at}."), sheet),
        }
    }

    /// `prefix` is empty for the base sheet and `modifiers.<name>.` for a modifier's own sheet.
    fn validate_sheet(
        &self,
        index: usize,
        prefix: &str,
        sheet: &PriceSheet,
    ) -> Result<(), PricingError> {
        check_rates(index, &self.id, &format!("{prefix}rates"), &sheet.rates)?;
        let mut last: Option<u64> = None;
        for (i, tier) in sheet.long_context.iter().enumerate() {
            let field = format!("{prefix}long_context[{i}]");
            if tier.above == 0 || last.is_some_and(|l| tier.above <= l) {
                return Err(PricingError::InvalidEntry {
                    index,
                    id: self.id.clone(),
                    field: format!("{field}.above"),
                    value: tier.above.to_string(),
                    message: "tiers need positive thresholds in strictly ascending order".into(),
                });
            }
            if let Some(first) = sheet.long_context.first()
                && (tier.mode != first.mode || tier.basis != first.basis)
            {
                return Err(PricingError::InvalidEntry {
                    index,
                    id: self.id.clone(),
                    field: format!("{field}.mode"),
                    value: format!("{:?}/{:?}", tier.mode, tier.basis),
                    message: "all tiers of one sheet share the same mode and basis".into(),
                });
            }
            last = Some(tier.above);
            check_rates(index, &self.id, &format!("{field}.rates"), &tier.rates)?;
        }
        Ok(())
    }
}

/// Smallest positive rate accepted per million tokens: a per-token number (3e-6 for $3 per
/// million) lands far below it.
pub(crate) const MIN_RATE_PER_MILLION: Decimal = Decimal::from_parts(1, 0, 0, false, 4);
/// Largest rate accepted per million tokens: the dearest published model (o1-pro output, 600) is
/// well below it, a per-thousand number multiplied by a million again is far above it.
pub(crate) const MAX_RATE_PER_MILLION: Decimal = Decimal::from_parts(10_000, 0, 0, false, 0);

fn check_rates(index: usize, id: &str, at: &str, rates: &Rates) -> Result<(), PricingError> {
    for (name, value) in rates.fields() {
        let Some(v) = value else { continue };
        let field = format!("{at}.{name}");
        if v.is_sign_negative() && !v.is_zero() {
            return Err(PricingError::InvalidEntry {
                index,
                id: id.to_string(),
                field,
                value: v.to_string(),
                message: "a rate cannot be negative".into(),
            });
        }
        if !v.is_zero() && v < MIN_RATE_PER_MILLION {
            return Err(PricingError::UnitSlip {
                index,
                id: id.to_string(),
                field,
                value: v.to_string(),
                message: format!(
                    "below {MIN_RATE_PER_MILLION}; is it a per-token rate? multiply by 1,000,000"
                ),
            });
        }
        if v > MAX_RATE_PER_MILLION {
            return Err(PricingError::UnitSlip {
                index,
                id: id.to_string(),
                field,
                value: v.to_string(),
                message: format!("above {MAX_RATE_PER_MILLION}; rates are per million tokens"),
            });
        }
    }
    Ok(())
}
