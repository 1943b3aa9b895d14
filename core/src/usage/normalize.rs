//! Turns each provider's own usage object into exclusive buckets. Every provider convention
//! (inclusive cache, inclusive reasoning, thoughts outside candidates, billed units) is undone
//! here and nowhere else; broken invariants become anomalies, never negative buckets.

use super::num::{at, count};
use super::{Anomaly, UsageError};
use serde_json::Value;

/// The wire dialect of a usage object; several providers share one (OpenAI-compatible chat).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    Chat,
    Responses,
    Anthropic,
    Gemini,
    Bedrock,
    Cohere,
    Ollama,
}

/// Exclusive buckets of one usage object, plus what broke on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Buckets {
    pub input: Option<u64>,
    pub cache_read: Option<u64>,
    pub cache_write_5m: Option<u64>,
    pub cache_write_1h: Option<u64>,
    pub output: Option<u64>,
    pub reasoning: Option<u64>,
    pub input_audio: Option<u64>,
    pub input_image: Option<u64>,
    pub output_audio: Option<u64>,
    pub web_search_requests: Option<u64>,
    pub anomalies: Vec<Anomaly>,
}

pub(crate) const INPUT_BREAKDOWN: &str = "input_breakdown_exceeds_total";
pub(crate) const OUTPUT_BREAKDOWN: &str = "output_breakdown_exceeds_total";
pub(crate) const CACHE_SPLIT: &str = "cache_write_split_mismatch";

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0).saturating_add(b.unwrap_or(0))),
    }
}

/// `total - parts`, saturating at zero; an overflow is recorded as an anomaly with the raw
/// numbers so nothing the provider said is lost.
fn carve(
    total: Option<u64>,
    total_name: &str,
    parts: &[(&str, Option<u64>)],
    code: &str,
    anomalies: &mut Vec<Anomaly>,
) -> Option<u64> {
    let total = total?;
    let sum = parts
        .iter()
        .filter_map(|(_, v)| *v)
        .fold(0u64, u64::saturating_add);
    if sum > total {
        let listed: Vec<String> = parts
            .iter()
            .filter_map(|(n, v)| v.map(|v| format!("{n} {v}")))
            .collect();
        anomalies.push(Anomaly {
            code: code.to_string(),
            message: format!(
                "{total_name} {total} is less than {} (sum {sum}); the remaining bucket is set to 0 and the raw numbers are kept",
                listed.join(" + ")
            ),
        });
    }
    Some(total.saturating_sub(sum))
}

pub(crate) fn normalize(
    dialect: Dialect,
    usage: &Value,
    stale_split_ok: bool,
) -> Result<Buckets, UsageError> {
    match dialect {
        Dialect::Chat => chat(usage),
        Dialect::Responses => responses(usage),
        Dialect::Anthropic => anthropic(usage, stale_split_ok),
        Dialect::Gemini => gemini(usage),
        Dialect::Bedrock => bedrock(usage),
        Dialect::Cohere => cohere(usage),
        Dialect::Ollama => ollama(usage),
    }
}

/// OpenAI Chat Completions and every compatible API (Azure, Mistral, DeepSeek, Groq, OpenRouter,
/// xAI...): prompt_tokens includes cache reads, cache writes and audio/image tokens;
/// completion_tokens includes reasoning and audio.
fn chat(u: &Value) -> Result<Buckets, UsageError> {
    let s = "usage";
    let prompt = count(u, s, &["prompt_tokens"])?;
    let completion = count(u, s, &["completion_tokens"])?;
    let cached = match count(u, s, &["prompt_tokens_details", "cached_tokens"])? {
        Some(c) => Some(c),
        // DeepSeek's own name for the same number.
        None => count(u, s, &["prompt_cache_hit_tokens"])?,
    };
    let write = count(u, s, &["prompt_tokens_details", "cache_write_tokens"])?;
    let audio_in = count(u, s, &["prompt_tokens_details", "audio_tokens"])?;
    let image_in = count(u, s, &["prompt_tokens_details", "image_tokens"])?;
    let reasoning = count(u, s, &["completion_tokens_details", "reasoning_tokens"])?;
    let audio_out = count(u, s, &["completion_tokens_details", "audio_tokens"])?;
    let mut b = Buckets {
        cache_read: cached,
        cache_write_5m: write,
        input_audio: audio_in,
        input_image: image_in,
        reasoning,
        output_audio: audio_out,
        web_search_requests: count(u, s, &["server_tool_use_details", "web_search_requests"])?,
        ..Buckets::default()
    };
    b.input = carve(
        prompt,
        "prompt_tokens",
        &[
            ("cached_tokens", cached),
            ("cache_write_tokens", write),
            ("audio_tokens", audio_in),
            ("image_tokens", image_in),
        ],
        INPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    b.output = carve(
        completion,
        "completion_tokens",
        &[("reasoning_tokens", reasoning), ("audio_tokens", audio_out)],
        OUTPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    Ok(b)
}

/// OpenAI Responses: input_tokens includes cached and cache-write tokens; output_tokens includes
/// reasoning.
fn responses(u: &Value) -> Result<Buckets, UsageError> {
    let s = "usage";
    let input = count(u, s, &["input_tokens"])?;
    let output = count(u, s, &["output_tokens"])?;
    let cached = count(u, s, &["input_tokens_details", "cached_tokens"])?;
    let write = count(u, s, &["input_tokens_details", "cache_write_tokens"])?;
    let reasoning = count(u, s, &["output_tokens_details", "reasoning_tokens"])?;
    let mut b = Buckets {
        cache_read: cached,
        cache_write_5m: write,
        reasoning,
        ..Buckets::default()
    };
    b.input = carve(
        input,
        "input_tokens",
        &[("cached_tokens", cached), ("cache_write_tokens", write)],
        INPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    b.output = carve(
        output,
        "output_tokens",
        &[("reasoning_tokens", reasoning)],
        OUTPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    Ok(b)
}

/// Anthropic Messages (also via Bedrock InvokeModel and Vertex): input_tokens already excludes
/// cache reads and writes; thinking_tokens are inside output_tokens. With compaction the
/// top-level numbers describe only the last iteration, so the billed usage is the sum of
/// `iterations`.
fn anthropic(u: &Value, stale_split_ok: bool) -> Result<Buckets, UsageError> {
    let s = "usage";
    let mut b = Buckets::default();
    let iterations = at(u, &["iterations"])
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty());
    let (input, output, read, w5, w1) = match iterations {
        Some(its) => {
            let mut acc = (None, None, None, None, None);
            for (i, it) in its.iter().enumerate() {
                let scope = format!("usage.iterations[{i}]");
                let (w5, w1) = anthropic_cache_write(it, &scope, false, &mut b.anomalies)?;
                acc.0 = add(acc.0, count(it, &scope, &["input_tokens"])?);
                acc.1 = add(acc.1, count(it, &scope, &["output_tokens"])?);
                acc.2 = add(acc.2, count(it, &scope, &["cache_read_input_tokens"])?);
                acc.3 = add(acc.3, w5);
                acc.4 = add(acc.4, w1);
            }
            acc
        }
        None => {
            let (w5, w1) = anthropic_cache_write(u, s, stale_split_ok, &mut b.anomalies)?;
            (
                count(u, s, &["input_tokens"])?,
                count(u, s, &["output_tokens"])?,
                count(u, s, &["cache_read_input_tokens"])?,
                w5,
                w1,
            )
        }
    };
    let thinking = count(u, s, &["output_tokens_details", "thinking_tokens"])?;
    b.input = input;
    b.cache_read = read;
    b.cache_write_5m = w5;
    b.cache_write_1h = w1;
    b.reasoning = thinking;
    b.output = carve(
        output,
        "output_tokens",
        &[("thinking_tokens", thinking)],
        OUTPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    b.web_search_requests = count(u, s, &["server_tool_use", "web_search_requests"])?;
    Ok(b)
}

/// The 1-hour figure of `cache_creation` is trusted; everything else written is 5-minute (the
/// default TTL). In streams the split comes from message_start while the total may grow in
/// message_delta, so a mismatch there is expected and not flagged.
fn anthropic_cache_write(
    u: &Value,
    scope: &str,
    stale_split_ok: bool,
    anomalies: &mut Vec<Anomaly>,
) -> Result<(Option<u64>, Option<u64>), UsageError> {
    let total = count(u, scope, &["cache_creation_input_tokens"])?;
    let s5 = count(u, scope, &["cache_creation", "ephemeral_5m_input_tokens"])?;
    let s1 = count(u, scope, &["cache_creation", "ephemeral_1h_input_tokens"])?;
    let split_given = s5.is_some() || s1.is_some();
    let Some(total) = total.or_else(|| add(s5, s1)) else {
        return Ok((None, None));
    };
    if !split_given {
        return Ok((Some(total), None));
    }
    let split_sum = s5.unwrap_or(0).saturating_add(s1.unwrap_or(0));
    if split_sum != total && !stale_split_ok {
        anomalies.push(Anomaly {
            code: CACHE_SPLIT.to_string(),
            message: format!(
                "{scope}.cache_creation splits 5m {} + 1h {} = {split_sum}, but cache_creation_input_tokens is {total}; the total is kept and everything beyond the 1h figure counts as 5m",
                s5.unwrap_or(0),
                s1.unwrap_or(0)
            ),
        });
    }
    let h = s1.unwrap_or(0).min(total);
    Ok((Some(total - h), s1.map(|_| h)))
}

/// Gemini and Vertex `usageMetadata`: cachedContentTokenCount is inside promptTokenCount;
/// toolUsePromptTokenCount and thoughtsTokenCount are outside prompt and candidates.
fn gemini(u: &Value) -> Result<Buckets, UsageError> {
    let s = "usageMetadata";
    let prompt = count(u, s, &["promptTokenCount"])?;
    let cached = count(u, s, &["cachedContentTokenCount"])?;
    let tool = count(u, s, &["toolUsePromptTokenCount"])?;
    let candidates = count(u, s, &["candidatesTokenCount"])?;
    let thoughts = count(u, s, &["thoughtsTokenCount"])?;
    let prompt_audio = modality(u, s, "promptTokensDetails", "AUDIO")?;
    let prompt_image = modality(u, s, "promptTokensDetails", "IMAGE")?;
    let cached_audio = modality(u, s, "cacheTokensDetails", "AUDIO")?;
    let cached_image = modality(u, s, "cacheTokensDetails", "IMAGE")?;
    let mut b = Buckets {
        cache_read: cached,
        reasoning: thoughts,
        ..Buckets::default()
    };
    b.input_audio = carve(
        prompt_audio,
        "promptTokensDetails AUDIO",
        &[("cacheTokensDetails AUDIO", cached_audio)],
        INPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    b.input_image = carve(
        prompt_image,
        "promptTokensDetails IMAGE",
        &[("cacheTokensDetails IMAGE", cached_image)],
        INPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    let uncached = carve(
        prompt,
        "promptTokenCount",
        &[
            ("cachedContentTokenCount", cached),
            ("uncached AUDIO", b.input_audio),
            ("uncached IMAGE", b.input_image),
        ],
        INPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    b.input = add(uncached, tool);
    b.output_audio = modality(u, s, "candidatesTokensDetails", "AUDIO")?;
    b.output = carve(
        candidates,
        "candidatesTokenCount",
        &[("candidatesTokensDetails AUDIO", b.output_audio)],
        OUTPUT_BREAKDOWN,
        &mut b.anomalies,
    );
    Ok(b)
}

/// Sum of `tokenCount` for one modality in a Gemini details list. An entry without tokenCount
/// is a zero that proto3 JSON left out.
fn modality(u: &Value, s: &str, list: &str, want: &str) -> Result<Option<u64>, UsageError> {
    let Some(items) = at(u, &[list]).and_then(Value::as_array) else {
        return Ok(None);
    };
    let mut total = None;
    for (i, item) in items.iter().enumerate() {
        if item.get("modality").and_then(Value::as_str) == Some(want) {
            let scope = format!("{s}.{list}[{i}]");
            total = add(
                total,
                Some(count(item, &scope, &["tokenCount"])?.unwrap_or(0)),
            );
        }
    }
    Ok(total)
}

/// Bedrock Converse / ConverseStream: inputTokens excludes cache reads and writes. The TTL of
/// written tokens is in cacheDetails; without it the write is 5-minute.
fn bedrock(u: &Value) -> Result<Buckets, UsageError> {
    let s = "usage";
    let mut b = Buckets {
        input: count(u, s, &["inputTokens"])?,
        output: count(u, s, &["outputTokens"])?,
        cache_read: count(u, s, &["cacheReadInputTokens"])?,
        ..Buckets::default()
    };
    let write = count(u, s, &["cacheWriteInputTokens"])?;
    let mut one_hour = None;
    if let Some(details) = at(u, &["cacheDetails"]).and_then(Value::as_array) {
        // With the TTLs listed, a missing 1h entry is a stated zero, not an unknown.
        one_hour = Some(0);
        for (i, d) in details.iter().enumerate() {
            if d.get("ttl").and_then(Value::as_str) == Some("1h") {
                let scope = format!("usage.cacheDetails[{i}]");
                one_hour = add(one_hour, count(d, &scope, &["inputTokens"])?);
            }
        }
    }
    if let Some(w) = write {
        let h = one_hour.unwrap_or(0).min(w);
        b.cache_write_5m = Some(w - h);
        b.cache_write_1h = one_hour.map(|_| h);
    }
    Ok(b)
}

/// Cohere v2: `billed_units` is what Cohere charges for (its `tokens` also count the preamble
/// Cohere injects, and its `cached_tokens` are not billed apart), so the buckets hold the billed
/// numbers; `tokens` and `cached_tokens` stay in the raw object. Without billed units the
/// processed `tokens` are the best available figure.
fn cohere(u: &Value) -> Result<Buckets, UsageError> {
    let s = "usage";
    let billed_in = count(u, s, &["billed_units", "input_tokens"])?;
    let billed_out = count(u, s, &["billed_units", "output_tokens"])?;
    let (input, output) = if billed_in.is_some() || billed_out.is_some() {
        (billed_in, billed_out)
    } else {
        (
            count(u, s, &["tokens", "input_tokens"])?,
            count(u, s, &["tokens", "output_tokens"])?,
        )
    };
    Ok(Buckets {
        input,
        output,
        ..Buckets::default()
    })
}

/// Ollama: prompt_eval_count and eval_count (thinking included, no cache figures; the prompt
/// count is left out when the prompt came from the KV cache).
fn ollama(u: &Value) -> Result<Buckets, UsageError> {
    Ok(Buckets {
        input: count(u, "", &["prompt_eval_count"])?,
        output: count(u, "", &["eval_count"])?,
        ..Buckets::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn openrouter_reasoning_above_completion_saturates_with_anomaly() {
        let u = json!({"prompt_tokens": 20, "completion_tokens": 10,
            "completion_tokens_details": {"reasoning_tokens": 11}});
        let b = chat(&u).unwrap();
        assert_eq!(b.output, Some(0));
        assert_eq!(b.reasoning, Some(11));
        assert_eq!(b.input, Some(20));
        assert_eq!(b.anomalies.len(), 1);
        assert_eq!(b.anomalies[0].code, OUTPUT_BREAKDOWN);
        assert!(b.anomalies[0].message.contains("reasoning_tokens 11"));
    }

    #[test]
    fn anthropic_compaction_iterations_are_summed() {
        let u = json!({"input_tokens": 229, "output_tokens": 5, "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 0,
        "iterations": [
            {"type": "compaction", "input_tokens": 100, "output_tokens": 131,
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 55096,
             "cache_creation": {"ephemeral_5m_input_tokens": 55096, "ephemeral_1h_input_tokens": 0}},
            {"type": "message", "input_tokens": 229, "output_tokens": 5,
             "cache_read_input_tokens": 0, "cache_creation_input_tokens": 0}
        ]});
        let b = anthropic(&u, false).unwrap();
        assert_eq!(b.input, Some(329));
        assert_eq!(b.output, Some(136));
        assert_eq!(b.cache_write_5m, Some(55096));
        assert_eq!(b.cache_write_1h, Some(0));
        assert_eq!(b.cache_read, Some(0));
    }

    #[test]
    fn anthropic_one_hour_split() {
        let u = json!({"input_tokens": 10, "output_tokens": 5, "cache_creation_input_tokens": 556,
            "cache_creation": {"ephemeral_5m_input_tokens": 456, "ephemeral_1h_input_tokens": 100}});
        let b = anthropic(&u, false).unwrap();
        assert_eq!((b.cache_write_5m, b.cache_write_1h), (Some(456), Some(100)));
        assert!(b.anomalies.is_empty());
        let u = json!({"cache_creation_input_tokens": 500,
            "cache_creation": {"ephemeral_5m_input_tokens": 456, "ephemeral_1h_input_tokens": 100}});
        let b = anthropic(&u, false).unwrap();
        assert_eq!((b.cache_write_5m, b.cache_write_1h), (Some(400), Some(100)));
        assert_eq!(b.anomalies[0].code, CACHE_SPLIT);
    }

    #[test]
    fn gemini_modalities_and_tool_use() {
        let u = json!({"promptTokenCount": 100, "cachedContentTokenCount": 40,
            "toolUsePromptTokenCount": 7, "candidatesTokenCount": 30, "thoughtsTokenCount": 9,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 50}, {"modality": "AUDIO", "tokenCount": 50}],
            "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 40}],
            "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 20}, {"modality": "TEXT"}]});
        let b = gemini(&u).unwrap();
        assert_eq!(b.input_audio, Some(10));
        assert_eq!(b.input, Some(100 - 40 - 10 + 7));
        assert_eq!(b.output_audio, Some(20));
        assert_eq!(b.output, Some(10));
        assert_eq!(b.reasoning, Some(9));
        assert!(b.anomalies.is_empty());
    }

    #[test]
    fn bedrock_one_hour_ttl() {
        let u = json!({"inputTokens": 3, "outputTokens": 4, "cacheWriteInputTokens": 300,
            "cacheDetails": [{"inputTokens": 200, "ttl": "5m"}, {"inputTokens": 100, "ttl": "1h"}]});
        let b = bedrock(&u).unwrap();
        assert_eq!((b.cache_write_5m, b.cache_write_1h), (Some(200), Some(100)));
        let u = json!({"cacheWriteInputTokens": 236, "cacheDetails": [{"inputTokens": 236, "ttl": "5m"}]});
        let b = bedrock(&u).unwrap();
        assert_eq!((b.cache_write_5m, b.cache_write_1h), (Some(236), Some(0)));
        let u = json!({"cacheWriteInputTokens": 1505});
        let b = bedrock(&u).unwrap();
        assert_eq!((b.cache_write_5m, b.cache_write_1h), (Some(1505), None));
    }

    #[test]
    fn negative_count_names_the_field() {
        let err = chat(&json!({"prompt_tokens": -3})).unwrap_err().to_string();
        assert!(
            err.contains("usage.prompt_tokens") && err.contains("-3"),
            "{err}"
        );
    }
}
