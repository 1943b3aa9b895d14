//! The cost arithmetic: exclusive usage buckets times decimal rates, long-context tiers
//! (whole-request or marginal), batch and service-tier modifiers. Decimal only, checked
//! everywhere.

use super::model::{LongContextTier, ModelPrice, Modifier, PriceSheet, Rates, TierBasis, TierMode};
use super::resolve::MatchKind;
use super::{Breakdown, Cost, PricingError, Provenance, Rules, SharedStr};
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
    c.rules.push(SharedStr::from_static("reported_by_provider"));
    Ok(c)
}

/// The rule text a cost of one price entry can carry, rendered once when the table is indexed
/// so that pricing a request copies no text.
#[derive(Debug, Clone)]
pub(crate) struct Labels {
    model: SharedStr,
    /// `effective_from:<time>` or `effective_from:release`.
    period: SharedStr,
    /// `long_context>N:mode`, one per tier of the base sheet.
    tiers: Vec<SharedStr>,
    /// The same for the batch modifier's own sheet, when it has one.
    batch_tiers: Vec<SharedStr>,
    /// Per priced service tier (same order as the entry's map): `service_tier:<name>` and the
    /// tier rules of its own sheet.
    service: Vec<(SharedStr, Vec<SharedStr>)>,
}

impl Labels {
    pub(crate) fn new(entry: &ModelPrice) -> Labels {
        let sheet_tiers = |m: Option<&Modifier>| match m {
            Some(Modifier::Sheet(s)) => tier_labels(s),
            _ => Vec::new(),
        };
        Labels {
            model: SharedStr::interned(&entry.id),
            period: match entry.effective_from {
                Some(d) => SharedStr::interned(&format!(
                    "effective_from:{}",
                    d.format("%Y-%m-%dT%H:%M:%SZ")
                )),
                None => SharedStr::from_static("effective_from:release"),
            },
            tiers: tier_labels(&entry.sheet),
            batch_tiers: sheet_tiers(entry.batch.as_ref()),
            service: entry
                .service_tiers
                .iter()
                .map(|(name, m)| {
                    (
                        SharedStr::interned(&format!("service_tier:{name}")),
                        sheet_tiers(Some(m)),
                    )
                })
                .collect(),
        }
    }
}

fn tier_labels(sheet: &PriceSheet) -> Vec<SharedStr> {
    sheet
        .long_context
        .iter()
        .map(|t| {
            let m = match t.mode {
                TierMode::WholeRequest => "whole_request",
                TierMode::Marginal => "marginal",
            };
            SharedStr::interned(&format!("long_context>{}:{m}", t.above))
        })
        .collect()
}

/// Which sheet prices the request, the factor applied to every bucket amount, the modifier's
/// rule and the labels of the sheet's tiers.
struct Selected<'a> {
    sheet: &'a PriceSheet,
    multiplier: Option<Decimal>,
    rule: Option<SharedStr>,
    tier_labels: &'a [SharedStr],
}

fn select<'a>(
    entry: &'a ModelPrice,
    labels: &'a Labels,
    opts: &super::CostOptions,
) -> Result<Selected<'a>, PricingError> {
    let mut batch = opts.batch;
    let mut tier = None;
    if let Some(t) = opts.service_tier.as_deref().map(str::trim) {
        if t.eq_ignore_ascii_case("batch") {
            batch = true;
        } else if !t.is_empty() && !STANDARD_TIERS.iter().any(|s| t.eq_ignore_ascii_case(s)) {
            tier = Some(t);
        }
    }
    let (modifier, rule, tier_labels) = match (batch, tier) {
        (false, None) => {
            return Ok(Selected {
                sheet: &entry.sheet,
                multiplier: None,
                rule: None,
                tier_labels: &labels.tiers,
            });
        }
        (true, Some(t)) => {
            return Err(PricingError::UnknownModifier {
                model: entry.id.clone(),
                modifier: format!("batch+{}", t.to_ascii_lowercase()),
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
            (
                m,
                SharedStr::from_static("batch"),
                labels.batch_tiers.as_slice(),
            )
        }
        (false, Some(t)) => {
            // The map's keys are lower-case names (asked-for names match whatever their case); the
            // labels follow the map's order.
            let found = entry
                .service_tiers
                .iter()
                .zip(&labels.service)
                .find(|((name, _), _)| {
                    name.len() == t.len()
                        && name
                            .bytes()
                            .zip(t.bytes())
                            .all(|(n, c)| n == c.to_ascii_lowercase())
                });
            let Some(((_, m), (rule, tiers))) = found else {
                return Err(PricingError::UnknownServiceTier {
                    model: entry.id.clone(),
                    tier: t.to_ascii_lowercase(),
                    known: entry.service_tiers.keys().cloned().collect(),
                });
            };
            (m, rule.clone(), tiers.as_slice())
        }
    };
    Ok(match modifier {
        Modifier::Multiplier(f) => Selected {
            sheet: &entry.sheet,
            multiplier: Some(*f),
            rule: Some(rule),
            tier_labels: &labels.tiers,
        },
        Modifier::Sheet(s) => Selected {
            sheet: s,
            multiplier: None,
            rule: Some(rule),
            tier_labels,
        },
    })
}

/// Every count of `usage` in [`Usage::COUNT_FIELDS`] order.
fn counts(u: &Usage) -> [Option<u64>; 10] {
    [
        u.input,
        u.cache_read,
        u.cache_write_5m,
        u.cache_write_1h,
        u.output,
        u.reasoning,
        u.input_audio,
        u.input_image,
        u.output_audio,
        u.web_search_requests,
    ]
}

// Positions in `Usage::COUNT_FIELDS` (a unit test checks them against the names).
const INPUT: usize = 0;
const CACHE_READ: usize = 1;
const CACHE_WRITE_5M: usize = 2;
const CACHE_WRITE_1H: usize = 3;
const OUTPUT: usize = 4;
const REASONING: usize = 5;
const INPUT_AUDIO: usize = 6;
const INPUT_IMAGE: usize = 7;
const OUTPUT_AUDIO: usize = 8;
const WEB_SEARCH: usize = 9;
/// Token buckets are every count before the per-request web search count.
const TOKEN_BUCKETS: usize = WEB_SEARCH;

fn name(bucket: usize) -> &'static str {
    Usage::COUNT_FIELDS[bucket]
}

fn check_usage(counts: &[Option<u64>; 10]) -> Result<(), PricingError> {
    for (bucket, v) in counts.iter().enumerate() {
        if let Some(n) = *v
            && n > MAX_TOKENS_PER_BUCKET
        {
            return Err(PricingError::InvalidUsage {
                bucket: name(bucket).into(),
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
#[inline]
fn amount(
    bucket: &'static str,
    tokens: u64,
    rate: Decimal,
    per_exp: u32,
) -> Result<Decimal, PricingError> {
    match amount_parts(tokens, rate, per_exp) {
        Some((m, scale)) => Ok(decimal(m, scale)),
        None => amount_general(bucket, tokens, rate, per_exp),
    }
}

/// The common case of [`amount`] in one integer multiply, as a positive mantissa below 2^96 and
/// a scale: the product of the mantissas at the summed scale is the exact value whenever it fits
/// a decimal, the same result the general path gives. (Tokens are below 2^40 and the rate's
/// mantissa below 2^64 here, so the product fits a u128.) `None`: use the general path.
#[inline]
fn amount_parts(tokens: u64, rate: Decimal, per_exp: u32) -> Option<(u128, u32)> {
    let scale = rate.scale() + per_exp;
    let rm = u64::try_from(rate.mantissa()).ok()?;
    let m = u128::from(rm) * u128::from(tokens);
    (scale <= 28 && rm > 0 && m > 0 && m < DECIMAL_LIMIT as u128).then_some((m, scale))
}

/// The decimal `m / 10^scale` for a mantissa below 2^96 and a scale of at most 28.
#[inline]
fn decimal(m: u128, scale: u32) -> Decimal {
    Decimal::from_parts(m as u32, (m >> 32) as u32, (m >> 64) as u32, false, scale)
}

#[cold]
fn amount_general(
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
const PROMPT_ORDER: [usize; 6] = [
    CACHE_READ,
    CACHE_WRITE_1H,
    CACHE_WRITE_5M,
    INPUT,
    INPUT_AUDIO,
    INPUT_IMAGE,
];

fn counts_toward(basis: TierBasis, bucket: usize) -> bool {
    match basis {
        TierBasis::Prompt => PROMPT_ORDER.contains(&bucket),
        TierBasis::PromptUncached => matches!(bucket, INPUT | INPUT_AUDIO | INPUT_IMAGE),
    }
}

fn counted(counts: &[Option<u64>; 10], basis: TierBasis) -> u64 {
    // Each bucket is at most MAX_TOKENS_PER_BUCKET (checked first), so the sum cannot overflow.
    (0..TOKEN_BUCKETS)
        .filter(|b| counts_toward(basis, *b))
        .map(|b| counts[b].unwrap_or(0))
        .sum()
}

/// The rate of `bucket` in `rates`, following the documented fallbacks; the second value names
/// a fallback worth recording.
fn rate_of(rates: &Rates, bucket: usize) -> (Option<Decimal>, Option<&'static str>) {
    match bucket {
        INPUT => (rates.input, None),
        OUTPUT => (rates.output, None),
        CACHE_READ => match rates.cache_read {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("cache_read:input_rate")),
        },
        CACHE_WRITE_5M => match rates.cache_write_5m {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("cache_write_5m:input_rate")),
        },
        CACHE_WRITE_1H => match (rates.cache_write_1h, rates.cache_write_5m) {
            (Some(r), _) => (Some(r), None),
            (None, Some(r)) => (Some(r), Some("cache_write_1h:cache_write_5m_rate")),
            (None, None) => (rates.input, Some("cache_write_1h:input_rate")),
        },
        REASONING => (rates.reasoning.or(rates.output), None),
        INPUT_AUDIO => match rates.input_audio {
            Some(r) => (Some(r), None),
            None => (rates.input, Some("input_audio:input_rate")),
        },
        INPUT_IMAGE => (rates.input_image.or(rates.input), None),
        OUTPUT_AUDIO => match rates.output_audio {
            Some(r) => (Some(r), None),
            None => (rates.output, Some("output_audio:output_rate")),
        },
        _ => (None, None),
    }
}

/// The running total as a mantissa and scale. Adding decimals of different scales is most of
/// the cost of a `Decimal` sum; here it is one integer multiply-add. It reproduces
/// `Decimal::checked_add` exactly (a zero operand leaves the other as it is, otherwise the
/// result has the larger scale) as long as the sum fits a decimal's 96 bits; amounts are never
/// negative, so every partial sum fits when the final one does. Past that, the total is summed
/// again with `Decimal` arithmetic.
struct Total {
    mantissa: i128,
    scale: u32,
    exact: bool,
}

/// One above the largest mantissa a `Decimal` holds.
const DECIMAL_LIMIT: i128 = 1 << 96;

/// 10^0 ..= 10^28: every scale difference two decimals can have.
const POW10: [i128; 29] = {
    let mut p = [1i128; 29];
    let mut i = 1;
    while i < 29 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

impl Total {
    fn new() -> Total {
        Total {
            mantissa: 0,
            scale: 0,
            exact: true,
        }
    }

    #[inline]
    fn add(&mut self, v: Decimal) {
        self.add_parts(v.mantissa(), v.scale());
    }

    /// [`Total::add`] of the decimal `m / 10^s`.
    #[inline]
    fn add_parts(&mut self, m: i128, s: u32) {
        if m < 0 {
            self.exact = false;
        }
        if !self.exact {
            return;
        }
        if self.mantissa == 0 {
            (self.mantissa, self.scale) = (m, s);
            return;
        }
        if m == 0 {
            return;
        }
        // Both mantissas are below 2^96; times at most 10^9 (< 2^30) cannot overflow, so the
        // common small differences skip the overflow-checked 128-bit multiply.
        let up = |m: i128, by: u32| match POW10.get(by as usize) {
            Some(p) if by <= 9 => Some(m * p),
            Some(p) => m.checked_mul(*p),
            None => None,
        };
        let sum = if s > self.scale {
            up(self.mantissa, s - self.scale).and_then(|a| a.checked_add(m))
        } else {
            up(m, self.scale - s).and_then(|b| self.mantissa.checked_add(b))
        };
        match sum {
            Some(sum) if sum < DECIMAL_LIMIT => {
                self.mantissa = sum;
                self.scale = self.scale.max(s);
            }
            _ => self.exact = false,
        }
    }

    fn value(&self, breakdown: &[(SharedStr, Decimal)]) -> Result<Decimal, PricingError> {
        if self.exact
            && let Ok(v) = Decimal::try_from_i128_with_scale(self.mantissa, self.scale)
        {
            return Ok(v);
        }
        breakdown.iter().try_fold(Decimal::ZERO, |t, (_, v)| {
            t.checked_add(*v).ok_or_else(|| PricingError::Overflow {
                bucket: "total".into(),
                tokens: 0,
            })
        })
    }
}

/// Adds one bucket's amount (after the modifier's factor) to the breakdown and the total.
#[inline]
fn add(
    cost: &mut Cost,
    total: &mut Total,
    multiplier: Option<Decimal>,
    bucket: &'static str,
    v: Decimal,
) -> Result<(), PricingError> {
    let v = match multiplier {
        Some(f) => v.checked_mul(f).ok_or_else(|| PricingError::Overflow {
            bucket: bucket.into(),
            tokens: 0,
        })?,
        None => v,
    };
    total.add(v);
    cost.breakdown.push((SharedStr::from_static(bucket), v));
    Ok(())
}

/// What a computed cost is priced from: the entry valid at the request's time and its labels,
/// whether the model has a price history, how its name matched and the table's version.
pub(crate) struct Priced<'a> {
    pub entry: &'a ModelPrice,
    pub labels: &'a Labels,
    pub dated: bool,
    pub matched: MatchKind,
    pub version: &'a SharedStr,
}

pub(crate) fn compute(
    p: Priced<'_>,
    usage: &Usage,
    opts: &super::CostOptions,
) -> Result<Cost, PricingError> {
    let counts = counts(usage);
    check_usage(&counts)?;
    let sel = select(p.entry, p.labels, opts)?;
    let sheet = sel.sheet;
    let mut cost = Cost {
        total: None,
        currency: super::USD,
        breakdown: Breakdown::new(),
        provenance: Provenance::Computed,
        table_version: Some(p.version.clone()),
        model: Some(p.labels.model.clone()),
        rules: Rules::new(),
    };
    let rules = &mut cost.rules;
    if let Some(r) = p.matched.rule() {
        rules.push(SharedStr::from_static(r));
    }
    if p.dated {
        rules.push(p.labels.period.clone());
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
        counted(&counts, basis)
    };
    let reached = tiers.iter().rposition(|t| prompt > t.above);
    let top_rates;
    let rates: &Rates = match reached {
        Some(i) => {
            rules.push(sel.tier_labels[i].clone());
            top_rates = tiers[i].rates.over(&sheet.rates);
            &top_rates
        }
        None => &sheet.rates,
    };

    let mut total = Total::new();
    let marginal = reached.is_some() && mode == TierMode::Marginal;
    for (bucket, n) in counts[..TOKEN_BUCKETS].iter().enumerate() {
        let Some(n) = n.filter(|n| *n > 0) else {
            continue;
        };
        let (rate, fallback) = rate_of(rates, bucket);
        if let Some(f) = fallback {
            cost.rules.push(SharedStr::from_static(f));
        }
        if marginal && counts_toward(basis, bucket) {
            // Marginal split in prompt order is computed separately below.
            continue;
        }
        let Some(r) = rate else {
            cost.rules
                .push(SharedStr::from(format!("{}:unpriced", name(bucket))));
            continue;
        };
        // The usual bucket stays in integers until its decimal is written in place: building a
        // `Decimal` and then copying it whole stalls the processor's store forwarding.
        if sel.multiplier.is_none()
            && let Some((m, scale)) = amount_parts(n, r, 6)
        {
            total.add_parts(m as i128, scale);
            cost.breakdown
                .push((SharedStr::from_static(name(bucket)), decimal(m, scale)));
            continue;
        }
        let v = amount(name(bucket), n, r, 6)?;
        add(&mut cost, &mut total, sel.multiplier, name(bucket), v)?;
    }
    if marginal {
        let mut position = 0u64;
        for bucket in PROMPT_ORDER {
            let Some(n) = counts[bucket].filter(|n| *n > 0) else {
                continue;
            };
            if !counts_toward(basis, bucket) {
                continue;
            }
            let v = marginal_amount(bucket, n, position, &sheet.rates, tiers)?;
            position += n;
            add(&mut cost, &mut total, sel.multiplier, name(bucket), v)?;
        }
        let order = |b: &str| Usage::COUNT_FIELDS.iter().position(|n| *n == b);
        cost.breakdown.sort_by_key(|(b, _)| order(b));
    }
    if let Some(n) = counts[WEB_SEARCH].filter(|n| *n > 0) {
        match rates.web_search_per_1k {
            Some(r) => {
                let v = amount(name(WEB_SEARCH), n, r, 3)?;
                add(&mut cost, &mut total, sel.multiplier, name(WEB_SEARCH), v)?;
            }
            None => cost
                .rules
                .push(SharedStr::from_static("web_search_requests:unpriced")),
        }
    }
    cost.rules.dedup();
    cost.total = Some(total.value(&cost.breakdown)?);
    Ok(cost)
}

/// The amount of `n` prompt tokens starting at prompt position `start`, each band of the prompt
/// at its own rate: base rates up to the first threshold, then each tier's rates.
fn marginal_amount(
    bucket: usize,
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
                .checked_add(amount(name(bucket), overlap, r, 6)?)
                .ok_or_else(|| PricingError::Overflow {
                    bucket: name(bucket).into(),
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
    fn amount_fast_path_equals_the_general_arithmetic() {
        for (tokens, rate, per_exp) in [
            (1u64, "3", 6u32),
            (18_000, "0.30", 6),
            (999_999_999_999, "600", 6),
            (7, "0.0000001", 6),
            (123_456, "1.2345678901234567890123", 6),
            (3, "10", 3),
        ] {
            let r: Decimal = rate.parse().unwrap();
            let mut general = Decimal::from(tokens).checked_mul(r).unwrap();
            let scale = general.scale() + per_exp;
            if scale <= 28 {
                general.set_scale(scale).unwrap();
            } else {
                general /= Decimal::from(10u64.pow(per_exp));
            }
            let fast = amount("input", tokens, r, per_exp).unwrap();
            assert_eq!(fast.to_string(), general.to_string(), "{tokens} x {rate}");
        }
        let zero_rate = amount("input", 5, "0.00".parse().unwrap(), 6).unwrap();
        assert_eq!(zero_rate.to_string(), "0.000000");
    }

    #[test]
    fn total_equals_the_decimal_sum_with_its_scale() {
        let cases: [&[&str]; 8] = [
            &["0.0036000", "0.0054", "0.00750000", "0.006750"],
            &["0.000000", "1.5"],
            &["1.5", "0.000000", "2"],
            &["0.000000"],
            &["0.00", "0.000000", "3.1"],
            &["12345678901234567890.123456789", "0.1234567890123456789"],
            &[],
            &["79228162514264337593543950335", "0.5"],
        ];
        for amounts in cases {
            let amounts: Vec<Decimal> = amounts.iter().map(|a| a.parse().unwrap()).collect();
            let mut t = Total::new();
            let mut want = Some(Decimal::ZERO);
            let mut breakdown = Vec::new();
            for a in &amounts {
                t.add(*a);
                want = want.and_then(|w| w.checked_add(*a));
                breakdown.push((SharedStr::from_static("input"), *a));
            }
            match (t.value(&breakdown), want) {
                (Ok(got), Some(want)) => {
                    assert_eq!(got.to_string(), want.to_string(), "{amounts:?}")
                }
                (Err(e), None) => assert_eq!(e.kind(), "overflow"),
                (got, want) => panic!("{amounts:?}: {got:?} vs {want:?}"),
            }
        }
    }

    #[test]
    fn bucket_positions_match_the_usage_field_names() {
        for (i, field) in Usage::COUNT_FIELDS.iter().enumerate() {
            let mut u = Usage::default();
            *u.count_mut(field).unwrap() = Some(i as u64 + 1);
            let c = counts(&u);
            assert_eq!(c[i], Some(i as u64 + 1), "{field}");
            assert_eq!(c.iter().flatten().count(), 1, "{field}");
        }
        let named = [
            (INPUT, "input"),
            (CACHE_READ, "cache_read"),
            (CACHE_WRITE_5M, "cache_write_5m"),
            (CACHE_WRITE_1H, "cache_write_1h"),
            (OUTPUT, "output"),
            (REASONING, "reasoning"),
            (INPUT_AUDIO, "input_audio"),
            (INPUT_IMAGE, "input_image"),
            (OUTPUT_AUDIO, "output_audio"),
            (WEB_SEARCH, "web_search_requests"),
        ];
        for (i, n) in named {
            assert_eq!(name(i), n);
        }
    }

    #[test]
    fn amount_overflow_names_the_bucket() {
        let err = amount("output", u64::MAX, Decimal::MAX, 6).unwrap_err();
        assert!(matches!(err, PricingError::Overflow { ref bucket, .. } if bucket == "output"));
    }
}
