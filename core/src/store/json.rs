//! JSON for the `cost` and `usage` columns, written by hand: a computed cost and its usage are
//! stored with every priced event, and going through serde (a map of generic entries, each
//! decimal formatted through `Display`) costs more than storing the rest of the row. The bytes
//! are exactly what `serde_json::to_writer` writes for the same [`Cost`] or [`Usage`] (tests
//! compare the two), so rows read back the same whichever wrote them.

use super::sqlite::decimal_text;
use crate::pricing::Provenance;
use crate::{Cost, Outcome, Usage};
use rust_decimal::Decimal;

/// Appends the JSON of `cost` to `out`.
pub(crate) fn write_cost(out: &mut String, cost: &Cost, digits: &mut String) {
    out.push_str("{\"total\":");
    match &cost.total {
        Some(d) => decimal(out, d, digits),
        None => out.push_str("null"),
    }
    out.push_str(",\"currency\":");
    string(out, &cost.currency);
    if !cost.breakdown.is_empty() {
        out.push_str(",\"breakdown\":[");
        for (i, (bucket, amount)) in cost.breakdown.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push('[');
            string(out, bucket);
            out.push(',');
            decimal(out, amount, digits);
            out.push(']');
        }
        out.push(']');
    }
    out.push_str(",\"provenance\":");
    out.push_str(match cost.provenance {
        Provenance::Reported => "\"reported\"",
        Provenance::Computed => "\"computed\"",
        Provenance::Unpriced => "\"unpriced\"",
    });
    if let Some(v) = &cost.table_version {
        out.push_str(",\"table_version\":");
        string(out, v);
    }
    if let Some(m) = &cost.model {
        out.push_str(",\"model\":");
        string(out, m);
    }
    if !cost.rules.is_empty() {
        out.push_str(",\"rules\":[");
        for (i, rule) in cost.rules.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            string(out, rule);
        }
        out.push(']');
    }
    out.push('}');
}

/// Appends the JSON of `usage` to `out`. Token counts, the text fields and a reported cost are
/// written here; usage carrying anything else (an outcome other than ok, an error, anomalies,
/// the raw body) is rare and goes through serde.
pub(crate) fn write_usage(out: &mut String, usage: &Usage, digits: &mut String) {
    // Every field is named, so a field added to `Usage` must be considered here.
    let Usage {
        input,
        cache_read,
        cache_write_5m,
        cache_write_1h,
        output,
        reasoning,
        input_audio,
        input_image,
        output_audio,
        web_search_requests,
        model,
        provider,
        response_id,
        finish_reason,
        reported_cost,
        outcome,
        error,
        partial,
        anomalies,
        raw,
    } = usage;
    if *outcome != Outcome::default()
        || error.is_some()
        || *partial
        || !anomalies.is_empty()
        || raw.is_some()
    {
        // A Usage has nothing serde could refuse.
        if let Ok(text) = serde_json::to_string(usage) {
            out.push_str(&text);
        }
        return;
    }
    let start = out.len();
    out.push('{');
    let key = |out: &mut String, name: &str| {
        if out.len() > start + 1 {
            out.push(',');
        }
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
    };
    let counts = [
        ("input", input),
        ("cache_read", cache_read),
        ("cache_write_5m", cache_write_5m),
        ("cache_write_1h", cache_write_1h),
        ("output", output),
        ("reasoning", reasoning),
        ("input_audio", input_audio),
        ("input_image", input_image),
        ("output_audio", output_audio),
        ("web_search_requests", web_search_requests),
    ];
    for (name, count) in counts {
        if let Some(n) = count {
            key(out, name);
            out.push_str(itoa::Buffer::new().format(*n));
        }
    }
    let texts = [
        ("model", model),
        ("provider", provider),
        ("response_id", response_id),
        ("finish_reason", finish_reason),
    ];
    for (name, text) in texts {
        if let Some(t) = text {
            key(out, name);
            string(out, t);
        }
    }
    if let Some(d) = reported_cost {
        key(out, "reported_cost");
        decimal(out, d, digits);
    }
    out.push('}');
}

/// A decimal as a JSON string, as `rust_decimal`'s `serde-str` writes it.
fn decimal(out: &mut String, d: &Decimal, digits: &mut String) {
    out.push('"');
    out.push_str(decimal_text(d, digits));
    out.push('"');
}

/// A JSON string. Text with nothing to escape (bucket names, model ids, versions) is copied as
/// it is; anything else goes through serde_json, which escapes it.
fn string(out: &mut String, s: &str) {
    // Every byte is looked at (no early exit), which the compiler turns into a few wide
    // comparisons instead of a branch per byte.
    let plain = !s.bytes().fold(false, |bad, b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push('"');
        out.push_str(s);
        out.push('"');
    } else {
        // A `str` is always written.
        if let Ok(text) = serde_json::to_string(s) {
            out.push_str(&text);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Usage;
    use crate::pricing::{PriceTable, SharedStr};
    use proptest::prelude::*;

    fn same_as_serde(cost: &Cost) {
        let mut ours = String::new();
        write_cost(&mut ours, cost, &mut String::new());
        assert_eq!(ours, serde_json::to_string(cost).unwrap());
    }

    fn usage_same_as_serde(usage: &Usage) {
        let mut ours = String::new();
        write_usage(&mut ours, usage, &mut String::new());
        assert_eq!(ours, serde_json::to_string(usage).unwrap());
    }

    #[test]
    fn usage_of_every_shape_matches_serde() {
        usage_same_as_serde(&Usage::default());
        let mut u = Usage {
            input: Some(900),
            cache_read: Some(300),
            output: Some(u64::MAX),
            model: Some("gpt-4o-mini-2024-07-18".into()),
            response_id: Some("chatcmpl-\"x\"".into()),
            finish_reason: Some("stop".into()),
            reported_cost: Some(Decimal::new(-2085, 7)),
            ..Usage::default()
        };
        usage_same_as_serde(&u);
        u.partial = true;
        usage_same_as_serde(&u);
        u.partial = false;
        u.outcome = Outcome::Failed;
        usage_same_as_serde(&u);
        u.outcome = Outcome::default();
        u.raw = Some(serde_json::json!({"usage": {"prompt_tokens": 1}}));
        usage_same_as_serde(&u);
    }

    #[test]
    fn costs_from_the_builtin_table_match_serde() {
        let table = PriceTable::builtin();
        let usage = Usage {
            input: Some(900),
            cache_read: Some(300),
            cache_write_5m: Some(40),
            output: Some(85),
            reasoning: Some(12),
            ..Usage::default()
        };
        for model in [
            "gpt-4o-mini",
            "claude-sonnet-4-5",
            "gemini-2.5-pro",
            "no-such-model",
        ] {
            let cost = table.cost(model, &usage, &Default::default()).unwrap();
            same_as_serde(&cost);
        }
        same_as_serde(&Cost::unpriced());
        same_as_serde(&Cost::reported(Decimal::new(-15, 7)));
    }

    #[test]
    fn text_that_needs_escaping_matches_serde() {
        let mut cost = Cost::reported(Decimal::new(1, 0));
        cost.model = Some(SharedStr::new("a\"b\\c\nd\u{1}é/"));
        cost.table_version = Some(SharedStr::new("v\t1"));
        cost.rules.push(SharedStr::new("batch"));
        cost.rules.push(SharedStr::new("odd \"rule\""));
        cost.breakdown
            .push((SharedStr::new("in\u{7f}put"), Decimal::new(5, 28)));
        same_as_serde(&cost);
    }

    proptest! {
        #[test]
        fn any_usage_of_counts_and_text_matches_serde(
            counts in proptest::collection::vec(proptest::option::of(any::<u64>()), 10),
            texts in proptest::collection::vec(proptest::option::of(".{0,12}"), 4),
            reported in proptest::option::of(any::<i64>()),
        ) {
            let usage = Usage {
                input: counts[0],
                cache_read: counts[1],
                cache_write_5m: counts[2],
                cache_write_1h: counts[3],
                output: counts[4],
                reasoning: counts[5],
                input_audio: counts[6],
                input_image: counts[7],
                output_audio: counts[8],
                web_search_requests: counts[9],
                model: texts[0].clone(),
                provider: texts[1].clone(),
                response_id: texts[2].clone(),
                finish_reason: texts[3].clone(),
                reported_cost: reported.map(|r| Decimal::new(r, 9)),
                ..Usage::default()
            };
            usage_same_as_serde(&usage);
        }

        #[test]
        fn any_cost_matches_serde(
            total in proptest::option::of(-(1i128 << 95)..(1i128 << 95)),
            scale in 0u32..=28,
            parts in proptest::collection::vec((".{0,12}", any::<i64>(), 0u32..=28), 0..9),
            rules in proptest::collection::vec(".{0,10}", 0..6),
            model in proptest::option::of(".{0,16}"),
            version in proptest::option::of("[0-9-]{0,10}"),
            provenance in 0u8..3,
        ) {
            let mut cost = Cost::unpriced();
            cost.total = total.map(|t| Decimal::from_i128_with_scale(t, scale));
            for (name, amount, s) in &parts {
                cost.breakdown.push((SharedStr::new(name), Decimal::new(*amount, *s)));
            }
            for r in &rules {
                cost.rules.push(SharedStr::new(r));
            }
            cost.model = model.as_deref().map(SharedStr::new);
            cost.table_version = version.as_deref().map(SharedStr::new);
            cost.provenance = [Provenance::Reported, Provenance::Computed, Provenance::Unpriced]
                [provenance as usize];
            same_as_serde(&cost);
        }
    }
}
