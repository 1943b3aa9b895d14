//! The cost arithmetic: exclusive usage buckets times decimal rates, long-context tiers
//! (whole-request or marginal), batch and service-tier modifiers. Decimal only, checked
//! everywhere.

use super::model::{LongContextTier, ModelPrice, Modifier, PriceSheet, Rates, TierBasis, TierMode};
use super::resolve::MatchKind;
use super::{Cost, PricingError, Provenance};
use crate::Usage;
use rust_decimal::Decimal;

/// A single request with more tokens than this in one bucket is not a real count (the largest
/// context windows are a few million tokens); it is rejected rather than priced.
pub const MAX_TOKENS_PER_BUCKET: u64 = 1_000_000_000_000;

/// Service-tier names that mean the base rates.
const STANDARD_TIERS: [&str; 4] = ["standard", "default", "auto", "on_demand"];

pub(crate) fn reported(total: Decimal) -> Result<Cost, PricingError> {
    if total.is_sign_negative() && !total.is_zero() {
        return Err(PricingError::InvalidUsage {
            bucket: "reported_cost".into(),
            value: total.to_string(),
            message: "a reported cost cannot be negative".into(),
        });
    }
    let mut c = Cost::reported(total.normalize());
    c.rules.push("reported_by_provider".into());
    Ok(c)
}

/// Which sheet prices the request and the factor applied to every bucket amount.
struct Selected<'a> {
    sheet: &'a PriceSheet,
    multiplier: Option<Decimal>,
    rule: Option<String>,
}

fn select<'a>(
    entry: &'a ModelPrice,
    opts: &super::CostOptions,
) -> Result<Selected<'a>, PricingError> {
    let mut batch = opts.batch;
    let mut tier = None;
    if let Some(t) = opts.service_tier.as_deref().map(str::trim) {
        if t.eq_ignore_ascii_case("batch") {
            batch = true;
        } else if !t.is_empty() && !STANDARD_TIERS.iter().any(|s| t.eq_ignore_ascii_case(s)) {
            tier = Some(t.to_ascii_lowercase());
        }
    }
    let (modifier, rule) = match (batch, tier) {
        (false, None) => {
            return Ok(Selected {
                sheet: &entry.sheet,
                multiplier: None,
                rule: None,
            });
        }
        (true, Some(t)) => {
            return Err(PricingError::UnknownModifier {
                model: entry.id.clone(),
                modifier: format!("batch+{t}"),
                message: "batch and a service tier are alternatives; pass one".into(),
            });
        }
        (true, None) => {
            let m = entry
                .batch
                .as_ref()
                .ok_or_else(|| PricingError::UnknownModifier {
                    model: entry.id.clone(),
                    modifier: "batch".into(),
                    message: "the table publishes no batch price for this model".into(),
                })?;
            (m, "batch".to_string())
        }
        (false, Some(t)) => {
            let Some(m) = entry.service_tiers.get(&t) else {
                return Err(PricingError::UnknownServiceTier {
                    model: entry.id.clone(),
                    tier: t,
                    known: entry.service_tiers.keys().cloned().collect(),
                });
            };
            (m, format!("service_tier:{t}"))
        }
    };
    Ok(match modifier {
        Modifier::Multiplier(f) => Selected {
            sheet: &entry.sheet,
            multiplier: Some(*f),
            rule: Some(rule),
        },
        Modifier::Sheet(s) => Selected {
            sheet: s,
            multiplier: None,
            rule: Some(rule),
        },
    })
}

fn check_usage(usage: &Usage) -> Result<(), PricingError> {
    let extra = [("web_search_requests", usage.web_search_requests)];
    for (bucket, v) in usage.buckets().into_iter().chain(extra) {
        if let Some(n) = v
            && n > MAX_TOKENS_PER_BUCKET
        {
            return Err(PricingError::InvalidUsage {
                bucket: bucket.into(),
                value: n.to_string(),
                message: format!(
                    "more than {MAX_TOKENS_PER_BUCKET} in one request is not a real count"
                ),
            });
        }
    }
    Ok(())
}

/// `tokens * rate / 10^per_exp`, exact: dividing by a power of ten only moves the decimal
/// point.
fn amount(
    bucket: &'static str,
    tokens: u64,
    rate: Decimal,
    per_exp: u32,
) -> Result<Decimal, PricingError> {
    let overflow = || PricingError::Overflow {
        bucket: bucket.into(),
        tokens,
    };
    let mut v = Decimal::from(tokens)
        .checked_mul(rate)
        .ok_or_else(overflow)?;
    let scale = v.scale() + per_exp;
    if scale <= 28 {
        v.set_scale(scale).map_err(|_| overflow())?;
        Ok(v)
    } else {
        v.checked_div(Decimal::from(10u64.pow(per_exp)))
            .ok_or_else(overflow)
    }
}

/// Prompt-side buckets in prompt order for marginal tiers: the cached prefix (reads, then the
/// writes that extend it) comes first, then uncached text, audio and image tokens.
const PROMPT_ORDER: [&str; 6] = [
    "cache_read",
    "cache_write_1h",
    "cache_write_5m",
    "input",
    "input_audio",
    "input_image",
];

fn bucket_tokens(usage: &Usage, bucket: &str) -> Option<u64> {
    match bucket {
        "input" => usage.input,
        "cache_read" => usage.cache_read,
        "cache_write_5m" => usage.cache_write_5m,
        "cache_write_1h" => usage.cache_write_1h,
        "output" => usage.output,
        "reasoning" => usage.reasoning,
        "input_audio" => usage.input_audio,
        "input_image" => usage.input_image,
        "output_audio" => usage.output_audio,
        _ => None,
    }
}

fn counted(usage: &Usage, basis: TierBasis) -> u64 {
    // Each bucket is at most MAX_TOKENS_PER_BUCKET (checked first), so the sum cannot overflow.
    let parts: &[Option<u64>] = match basis {
        TierBasis::Prompt => &[
            usage.input,
            usage.input_audio,
            usage.input_image,
            usage.cache_read,
            usage.cache_write_5m,
            usage.cache_write_1h,
        ],
        TierBasis::PromptUncached => &[usage.input, usage.input_audio, usage.input_image],
    };
    parts.iter().map(|p| p.unwrap_or(0)).sum()
}

fn counts_toward(basis: TierBasis, bucket: &str) -> bool {
    match basis {
        TierBasis::Prompt => PROMPT_ORDER.contains(&bucket),
        TierBasis::PromptUncached => matches!(bucket, "input" | "input_audio" | "input_image"),
    }
}

/// The rate of `bucket` in `rates`, following the documented fallbacks; the second value names
/// a fallback worth recording.
fn rate_of(rates: &Rates, bucket: &str) -> (Option<Decimal>, Option<&'static str>) {
    match bucket {
        "input" => (rates.input, None),
        "output" => (rates.output, None),
        "cache_read" => match rates.cache_read {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("cache_read:input_rate")),
        },
        "cache_write_5m" => match rates.cache_write_5m {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("cache_write_5m:input_rate")),
        },
        "cache_write_1h" => match (rates.cache_write_1h, rates.cache_write_5m) {
            (Some(r), _) => (Some(r), None),
            (None, Some(r)) => (Some(r), Some("cache_write_1h:cache_write_5m_rate")),
            (None, None) => (rates.input, Some("cache_write_1h:input_rate")),
        },
        "reasoning" => (rates.reasoning.or(rates.output), None),
        "input_audio" => match rates.input_audio {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("input_audio:input_rate")),
        },
        "input_image" => (rates.input_image.or(rates.input), None),
        "output_audio" => match rates.output_audio {
            Some(r) => (Some(r), None),
            None => (rates.output, Some("output_audio:output_rate")),
        },
        _ => (None, None),
    }
}

/// The priced token buckets: every count field but the per-request web search count.
const TOKEN_BUCKETS: [&str; 9] = {
    let all = Usage::COUNT_FIELDS;
    [
        all[0], all[1], all[2], all[3], all[4], all[5], all[6], all[7], all[8],
    ]
};

pub(crate) fn compute(
    entry: &ModelPrice,
    dated: bool,
    matched: MatchKind,
    version: &str,
    usage: &Usage,
    opts: &super::CostOptions,
) -> Result<Cost, PricingError> {
    check_usage(usage)?;
    let sel = select(entry, opts)?;
    let sheet = sel.sheet;
    let mut rules: Vec<String> = Vec::new();
    if let Some(r) = matched.rule() {
        rules.push(r.into());
    }
    if dated {
        rules.push(match entry.effective_from {
            Some(d) => format!("effective_from:{}", d.format("%Y-%m-%dT%H:%M:%SZ")),
            None => "effective_from:release".into(),
        });
    }
    if let Some(r) = sel.rule {
        rules.push(r);
    }

    // The highest tier whose threshold the prompt passes; tiers in a sheet share basis and mode.
    let tiers = &sheet.long_context;
    let basis = tiers.first().map_or(TierBasis::Prompt, |t| t.basis);
    let mode = tiers.first().map_or(TierMode::WholeRequest, |t| t.mode);
    let prompt = if tiers.is_empty() {
        0
    } else {
        counted(usage, basis)
    };
    let reached = tiers.iter().rposition(|t| prompt > t.above);
    let top_rates;
    let rates: &Rates = match reached {
        Some(i) => {
            let t = &tiers[i];
            let m = match t.mode {
                TierMode::WholeRequest => "whole_request",
                TierMode::Marginal => "marginal",
            };
            rules.push(format!("long_context>{}:{m}", t.above));
            top_rates = t.rates.over(&sheet.rates);
            &top_rates
        }
        None => &sheet.rates,
    };

    let mut breakdown: Vec<(String, Decimal)> = Vec::with_capacity(6);
    let mut total = Decimal::ZERO;
    let add = |bucket: &'static str,
               v: Decimal,
               breakdown: &mut Vec<(String, Decimal)>,
               total: &mut Decimal|
     -> Result<(), PricingError> {
        let v = match sel.multiplier {
            Some(f) => v.checked_mul(f).ok_or_else(|| PricingError::Overflow {
                bucket: bucket.into(),
                tokens: 0,
            })?,
            None => v,
        };
        *total = total.checked_add(v).ok_or_else(|| PricingError::Overflow {
            bucket: "total".into(),
            tokens: 0,
        })?;
        breakdown.push((bucket.to_string(), v));
        Ok(())
    };

    let marginal = reached.is_some() && mode == TierMode::Marginal;
    let mut position = 0u64;
    for bucket in TOKEN_BUCKETS {
        let Some(n) = bucket_tokens(usage, bucket).filter(|n| *n > 0) else {
            continue;
        };
        let (rate, fallback) = rate_of(rates, bucket);
        if let Some(f) = fallback {
            rules.push(f.into());
        }
        let v = if marginal && counts_toward(basis, bucket) {
            // Marginal split in prompt order is computed separately below.
            continue;
        } else {
            match rate {
                Some(r) => amount(bucket, n, r, 6)?,
                None => {
                    rules.push(format!("{bucket}:unpriced"));
                    continue;
                }
            }
        };
        add(bucket, v, &mut breakdown, &mut total)?;
    }
    if marginal {
        for bucket in PROMPT_ORDER {
            let Some(n) = bucket_tokens(usage, bucket).filter(|n| *n > 0) else {
                continue;
            };
            if !counts_toward(basis, bucket) {
                continue;
            }
            let v = marginal_amount(bucket, n, position, &sheet.rates, tiers)?;
            position += n;
            add(bucket, v, &mut breakdown, &mut total)?;
        }
        let order = |name: &str| TOKEN_BUCKETS.iter().position(|b| *b == name);
        breakdown.sort_by_key(|(name, _)| order(name));
    }
    if let Some(n) = usage.web_search_requests.filter(|n| *n > 0) {
        match rates.web_search_per_1k {
            Some(r) => add(
                "web_search_requests",
                amount("web_search_requests", n, r, 3)?,
                &mut breakdown,
                &mut total,
            )?,
            None => rules.push("web_search_requests:unpriced".into()),
        }
    }
    rules.dedup();
    Ok(Cost {
        total: Some(total),
        currency: "USD".into(),
        breakdown,
        provenance: Provenance::Computed,
        table_version: Some(version.to_string()),
        model: Some(entry.id.clone()),
        rules,
    })
}

/// The amount of `n` prompt tokens starting at prompt position `start`, each band of the prompt
/// at its own rate: base rates up to the first threshold, then each tier's rates.
fn marginal_amount(
    bucket: &'static str,
    n: u64,
    start: u64,
    base: &Rates,
    tiers: &[LongContextTier],
) -> Result<Decimal, PricingError> {
    let end = start + n;
    let mut sum = Decimal::ZERO;
    let mut lower = 0u64;
    let mut rates = base.clone();
    for band in 0..=tiers.len() {
        let upper = tiers.get(band).map_or(u64::MAX, |t| t.above);
        let overlap = end.min(upper).saturating_sub(start.max(lower));
        if overlap > 0
            && let Some(r) = rate_of(&rates, bucket).0
        {
            sum = sum
                .checked_add(amount(bucket, overlap, r, 6)?)
                .ok_or_else(|| PricingError::Overflow {
                    bucket: bucket.into(),
                    tokens: n,
                })?;
        }
        if let Some(t) = tiers.get(band) {
            rates = t.rates.over(base);
        }
        lower = upper;
    }
    Ok(sum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amount_is_exact_and_moves_the_point() {
        let r: Decimal = "3.75".parse().unwrap();
        assert_eq!(
            amount("input", 1_234, r, 6).unwrap().to_string(),
            "0.00462750"
        );
        assert_eq!(amount("input", 0, r, 6).unwrap(), Decimal::ZERO);
        let r: Decimal = "10".parse().unwrap();
        assert_eq!(
            amount("web_search_requests", 3, r, 3).unwrap().to_string(),
            "0.030"
        );
    }

    #[test]
    fn amount_overflow_names_the_bucket() {
        let err = amount("output", u64::MAX, Decimal::MAX, 6).unwrap_err();
        assert!(matches!(err, PricingError::Overflow { ref bucket, .. } if bucket == "output"));
    }
}
