//! What a body or a stream has said so far (model, ids, finish reason, error, the latest usage
//! snapshot) and how each provider's body and stream events update it. Complete bodies and
//! streams share this code, so a stream ends with exactly what the equivalent body gives.

use super::normalize::{Buckets, Dialect, normalize};
use super::num::{at, exact_decimal, text};
use super::provider_error::{detect_error_provider, is_error_body, read_error};
use super::{Anomaly, Provider, ProviderError, Usage, UsageError};
use crate::event::Outcome;
use rust_decimal::Decimal;
use serde_json::{Map, Value};

#[derive(Debug, Default)]
pub(crate) struct Acc {
    pub hint: Option<Provider>,
    pub provider: Option<Provider>,
    pub dialect: Option<Dialect>,
    /// The provider's usage object as last seen (Anthropic: message_start overlaid by deltas).
    raw: Option<Value>,
    buckets: Buckets,
    model: Option<String>,
    response_id: Option<String>,
    finish_reason: Option<String>,
    error: Option<ProviderError>,
    reported_cost: Option<Decimal>,
    /// Web searches counted outside the usage object (Responses `tool_usage`, output items).
    web_search_extra: Option<u64>,
    pub failed: bool,
    /// A terminator or final event was seen.
    pub done: bool,
    finish_seen: bool,
    /// The Anthropic 5m/1h split came from message_start and the total from message_delta.
    stale_split: bool,
    pub extra_anomalies: Vec<Anomaly>,
}

impl Acc {
    pub fn new(hint: Option<Provider>) -> Self {
        Acc {
            hint,
            ..Acc::default()
        }
    }

    fn set_provider(&mut self, guess: Option<Provider>) {
        if self.provider.is_none() {
            self.provider = self.hint.or(guess);
        }
    }

    fn set_model(&mut self, m: Option<String>) {
        if m.is_some() {
            self.model = m;
        }
    }

    fn set_id(&mut self, id: Option<String>) {
        if self.response_id.is_none() && id.is_some() {
            self.response_id = id;
        }
    }

    fn set_finish(&mut self, f: Option<String>) {
        if f.is_some() {
            self.finish_reason = f;
            self.finish_seen = true;
        }
    }

    fn set_usage(
        &mut self,
        dialect: Dialect,
        raw: Value,
        bytes: Option<&[u8]>,
    ) -> Result<(), UsageError> {
        self.buckets = normalize(dialect, &raw, self.stale_split)?;
        if let Some(n) = raw.get("cost").and_then(Value::as_number) {
            self.reported_cost = exact_decimal(n, "cost", bytes);
        }
        self.raw = Some(raw);
        Ok(())
    }

    fn fail(&mut self, e: ProviderError) {
        self.failed = true;
        self.error = Some(match self.error.take() {
            // Keep the first, most detailed error; fill its gaps from later ones.
            Some(mut first) => {
                first.error_type = first.error_type.or(e.error_type);
                first.code = first.code.or(e.code);
                first.request_id = first.request_id.or(e.request_id);
                first.retry_after_ms = first.retry_after_ms.or(e.retry_after_ms);
                first.status = first.status.or(e.status);
                if first.message.is_empty() {
                    first.message = e.message;
                }
                first
            }
            None => e,
        });
    }

    /// A complete (non-streamed) response body.
    pub fn apply_body(&mut self, v: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        if !v.is_object() {
            return Err(UsageError::UnknownShape {
                detail: format!("expected a JSON object, got {}", kind(v)),
            });
        }
        if is_error_body(v) {
            self.set_provider(detect_error_provider(v));
            self.fail(read_error(v, None));
            self.done = true;
            return Ok(());
        }
        let dialect = detect_body(v)
            .or_else(|| self.hint.map(default_dialect))
            .ok_or_else(|| unknown_shape(v))?;
        self.dialect = Some(dialect);
        self.set_provider(guess_provider(dialect, v));
        self.done = true;
        match dialect {
            Dialect::Chat => self.chat_chunk(v, bytes)?,
            Dialect::Responses => self.responses_obj(v, bytes)?,
            Dialect::Anthropic => {
                self.anthropic_message(v, bytes)?;
                self.set_finish(text(v, &["stop_reason"]));
            }
            Dialect::Gemini => self.gemini_chunk(v, bytes)?,
            Dialect::Bedrock => {
                self.set_finish(text(v, &["stopReason"]));
                if let Some(u) = at(v, &["usage"]) {
                    self.set_usage(Dialect::Bedrock, u.clone(), bytes)?;
                }
            }
            Dialect::Cohere => {
                self.set_id(text(v, &["id"]));
                self.cohere_end(v, bytes)?;
            }
            Dialect::Ollama => self.ollama_line(v, bytes)?,
        }
        Ok(())
    }

    /// One decoded stream event. `event` is the SSE event name or the eventstream event type.
    pub fn apply_event(
        &mut self,
        event: Option<&str>,
        v: &Value,
        bytes: Option<&[u8]>,
    ) -> Result<(), UsageError> {
        if !v.is_object() {
            return Err(UsageError::UnknownShape {
                detail: format!("expected a JSON object event, got {}", kind(v)),
            });
        }
        if self.dialect.is_none() && is_error_body(v) {
            // An error before any event that shows the dialect (a raw Gemini error object, an
            // Ollama error line, an error-only SSE stream).
            self.set_provider(detect_error_provider(v));
            self.fail(read_error(v, None));
            return Ok(());
        }
        let dialect = match self.dialect {
            Some(d) => d,
            None => {
                let d = detect_event(event, v)
                    .or_else(|| self.hint.map(default_dialect))
                    .ok_or_else(|| unknown_shape(v))?;
                self.dialect = Some(d);
                self.set_provider(guess_provider(d, v));
                d
            }
        };
        let ty = v.get("type").and_then(Value::as_str);
        match dialect {
            Dialect::Chat => {
                if event == Some("error") && v.get("choices").is_none() {
                    // Groq: `event: error` with `{"error": {...}}`, no terminator follows.
                    self.fail(read_error(v, None));
                } else {
                    self.chat_chunk(v, bytes)?;
                    if self.finish_seen && self.raw.is_some() {
                        self.done = true;
                    }
                }
            }
            Dialect::Responses => match ty {
                Some("error") => self.fail(read_error(v, None)),
                _ => {
                    if let Some(r) = at(v, &["response"]) {
                        self.responses_obj(r, bytes)?;
                    }
                    if matches!(ty, Some("response.completed" | "response.incomplete")) {
                        self.done = true;
                    }
                }
            },
            Dialect::Anthropic => match ty.or(event) {
                Some("message_start") => {
                    if let Some(m) = at(v, &["message"]) {
                        self.anthropic_message(m, bytes)?;
                    }
                }
                Some("message_delta") => {
                    self.set_finish(text(v, &["delta", "stop_reason"]));
                    if let Some(delta) = at(v, &["usage"]) {
                        self.anthropic_delta(delta, bytes)?;
                    }
                }
                Some("message_stop") => self.done = true,
                Some("error") => self.fail(read_error(v, None)),
                Some("message") => {
                    // A whole message fed as one event.
                    self.anthropic_message(v, bytes)?;
                    self.set_finish(text(v, &["stop_reason"]));
                    self.done = true;
                }
                _ => {}
            },
            Dialect::Gemini => {
                if v.get("error").is_some_and(|e| !e.is_null()) && v.get("candidates").is_none() {
                    self.fail(read_error(v, None));
                } else {
                    self.gemini_chunk(v, bytes)?;
                    if self.finish_seen {
                        self.done = true;
                    }
                }
            }
            Dialect::Bedrock => self.bedrock_event(event, v, bytes)?,
            Dialect::Cohere => match ty {
                Some("message-start") => self.set_id(text(v, &["id"])),
                Some("message-end") => {
                    if let Some(d) = at(v, &["delta"]) {
                        self.cohere_end(d, bytes)?;
                    }
                    if !self.failed {
                        self.done = true;
                    }
                }
                _ => {}
            },
            Dialect::Ollama => {
                if v.get("error").is_some_and(|e| !e.is_null()) {
                    self.fail(read_error(v, None));
                } else {
                    self.ollama_line(v, bytes)?;
                }
            }
        }
        Ok(())
    }

    /// `data: [DONE]`.
    pub fn done_marker(&mut self) {
        self.done = true;
    }

    fn chat_chunk(&mut self, v: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        self.set_model(text(v, &["model"]));
        self.set_id(text(v, &["id"]));
        if let Some(choices) = v.get("choices").and_then(Value::as_array) {
            for c in choices {
                self.set_finish(text(c, &["finish_reason"]));
            }
        }
        // Groq streams put usage in x_groq.usage (newer ones also at the top level).
        if let Some(u) = at(v, &["usage"]).or_else(|| at(v, &["x_groq", "usage"])) {
            self.set_usage(Dialect::Chat, u.clone(), bytes)?;
        }
        if let Some(e) = at(v, &["error"]) {
            // OpenRouter: an error chunk mid-generation, possibly with usage.
            let wrapped = serde_json::json!({ "error": e });
            self.fail(read_error(&wrapped, None));
        }
        Ok(())
    }

    fn responses_obj(&mut self, r: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        self.set_model(text(r, &["model"]));
        self.set_id(text(r, &["id"]));
        let status = text(r, &["status"]);
        match status.as_deref() {
            Some("failed") | Some("cancelled") => {
                let mut pe = at(r, &["error"])
                    .map(|e| read_error(&serde_json::json!({ "error": e }), None))
                    .unwrap_or_default();
                if pe.message.is_empty() {
                    pe.message = format!("response {}", status.as_deref().unwrap_or("failed"));
                }
                self.fail(pe);
            }
            Some("in_progress") | Some("queued") | None => {}
            Some(_) => self.set_finish(text(r, &["incomplete_details", "reason"]).or(status)),
        }
        if let Some(u) = at(r, &["usage"]) {
            self.set_usage(Dialect::Responses, u.clone(), bytes)?;
        }
        let searches = at(r, &["tool_usage", "web_search", "num_requests"])
            .and_then(Value::as_u64)
            .or_else(|| {
                let n = r
                    .get("output")?
                    .as_array()?
                    .iter()
                    .filter(|o| o.get("type").and_then(Value::as_str) == Some("web_search_call"))
                    .count() as u64;
                (n > 0).then_some(n)
            });
        if searches.is_some() {
            self.web_search_extra = searches;
        }
        Ok(())
    }

    fn anthropic_message(&mut self, m: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        self.set_model(text(m, &["model"]));
        self.set_id(text(m, &["id"]));
        if let Some(u) = at(m, &["usage"]) {
            self.set_usage(Dialect::Anthropic, u.clone(), bytes)?;
        }
        Ok(())
    }

    /// message_delta usage is cumulative: every field it carries replaces the earlier value.
    fn anthropic_delta(&mut self, delta: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        let mut merged = match self.raw.take() {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        if let Some(d) = delta.as_object() {
            if d.contains_key("cache_creation_input_tokens") && !d.contains_key("cache_creation") {
                self.stale_split = true;
            }
            for (k, val) in d {
                merged.insert(k.clone(), val.clone());
            }
        }
        self.set_usage(Dialect::Anthropic, Value::Object(merged), bytes)
    }

    fn gemini_chunk(&mut self, v: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        self.set_model(text(v, &["modelVersion"]));
        self.set_id(text(v, &["responseId"]));
        if let Some(cands) = v.get("candidates").and_then(Value::as_array) {
            for c in cands {
                self.set_finish(text(c, &["finishReason"]));
            }
        }
        if let Some(block) = text(v, &["promptFeedback", "blockReason"]) {
            self.set_finish(Some(block));
        }
        if let Some(u) = at(v, &["usageMetadata"]) {
            self.set_usage(Dialect::Gemini, u.clone(), bytes)?;
        }
        Ok(())
    }

    fn bedrock_event(
        &mut self,
        event: Option<&str>,
        v: &Value,
        bytes: Option<&[u8]>,
    ) -> Result<(), UsageError> {
        // Eventstream frames carry the type in a header; SDK-decoded events wrap the payload
        // as `{"<eventType>": payload}`.
        let (ty, payload) = match event {
            Some(t) => (t.to_string(), v),
            None => match v.as_object().and_then(|o| o.iter().next()) {
                Some((k, inner)) if v.as_object().is_some_and(|o| o.len() == 1) => {
                    (k.clone(), inner)
                }
                _ => (String::new(), v),
            },
        };
        match ty.as_str() {
            "messageStop" => self.set_finish(text(payload, &["stopReason"])),
            "metadata" => {
                if let Some(u) = at(payload, &["usage"]) {
                    self.set_usage(Dialect::Bedrock, u.clone(), bytes)?;
                }
                self.done = true;
            }
            t if t.ends_with("Exception") || t == "exception" => {
                let mut pe = read_error(payload, None);
                if pe.error_type.is_none() && !t.is_empty() && t != "exception" {
                    pe.error_type = Some(t.to_string());
                }
                self.fail(pe);
            }
            _ => {}
        }
        Ok(())
    }

    /// A Cohere body or the `delta` of a stream's message-end.
    fn cohere_end(&mut self, d: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        let finish = text(d, &["finish_reason"]);
        if finish.as_deref() == Some("ERROR") {
            self.fail(ProviderError {
                message: text(d, &["error"]).unwrap_or_else(|| "generation failed".to_string()),
                error_type: text(d, &["error_type"]),
                ..ProviderError::default()
            });
        }
        self.set_finish(finish);
        if let Some(u) = at(d, &["usage"]).filter(|u| u.as_object().is_some_and(|o| !o.is_empty()))
        {
            self.set_usage(Dialect::Cohere, u.clone(), bytes)?;
        }
        Ok(())
    }

    fn ollama_line(&mut self, v: &Value, bytes: Option<&[u8]>) -> Result<(), UsageError> {
        self.set_model(text(v, &["model"]));
        if v.get("done").and_then(Value::as_bool) == Some(true) {
            self.set_finish(text(v, &["done_reason"]));
            let mut raw = Map::new();
            for k in [
                "prompt_eval_count",
                "eval_count",
                "total_duration",
                "load_duration",
                "prompt_eval_duration",
                "eval_duration",
            ] {
                if let Some(x) = v.get(k) {
                    raw.insert(k.to_string(), x.clone());
                }
            }
            self.set_usage(Dialect::Ollama, Value::Object(raw), bytes)?;
            self.done = true;
        }
        Ok(())
    }

    /// The normalized usage. `stream` marks a cut-off or failed stream as partial.
    pub fn to_usage(&self, stream: bool) -> Usage {
        let b = &self.buckets;
        let mut anomalies = b.anomalies.clone();
        anomalies.extend(self.extra_anomalies.iter().cloned());
        Usage {
            input: b.input,
            cache_read: b.cache_read,
            cache_write_5m: b.cache_write_5m,
            cache_write_1h: b.cache_write_1h,
            output: b.output,
            reasoning: b.reasoning,
            input_audio: b.input_audio,
            input_image: b.input_image,
            output_audio: b.output_audio,
            web_search_requests: b.web_search_requests.or(self.web_search_extra),
            model: self.model.clone(),
            provider: self.provider.map(|p| p.as_str().to_string()),
            response_id: self.response_id.clone(),
            finish_reason: self.finish_reason.clone(),
            reported_cost: self.reported_cost,
            outcome: if self.failed {
                Outcome::Failed
            } else {
                Outcome::Ok
            },
            error: self.error.clone(),
            partial: stream && (self.failed || !self.done),
            anomalies,
            raw: self.raw.clone(),
        }
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn unknown_shape(v: &Value) -> UsageError {
    let keys: Vec<&str> = v
        .as_object()
        .map(|o| o.keys().map(String::as_str).take(12).collect())
        .unwrap_or_default();
    UsageError::UnknownShape {
        detail: format!(
            "no known provider has a body with top-level keys [{}]; pass the provider explicitly",
            keys.join(", ")
        ),
    }
}

pub(crate) fn default_dialect(p: Provider) -> Dialect {
    match p {
        Provider::Anthropic => Dialect::Anthropic,
        Provider::Gemini | Provider::Vertex => Dialect::Gemini,
        Provider::Bedrock => Dialect::Bedrock,
        Provider::Cohere => Dialect::Cohere,
        Provider::Ollama => Dialect::Ollama,
        _ => Dialect::Chat,
    }
}

fn has(v: &Value, k: &str) -> bool {
    v.get(k).is_some_and(|x| !x.is_null())
}

fn usage_has(v: &Value, k: &str) -> bool {
    v.get("usage").is_some_and(|u| has(u, k))
}

/// The dialect of a complete body, from keys no other dialect uses.
pub(crate) fn detect_body(v: &Value) -> Option<Dialect> {
    let obj_ty = v.get("object").and_then(Value::as_str);
    if has(v, "usageMetadata")
        || has(v, "candidates")
        || has(v, "modelVersion")
        || has(v, "promptFeedback")
    {
        Some(Dialect::Gemini)
    } else if obj_ty == Some("response") {
        Some(Dialect::Responses)
    } else if v.get("type").and_then(Value::as_str) == Some("message")
        || usage_has(v, "cache_creation_input_tokens")
        || (has(v, "stop_reason") && has(v, "content"))
    {
        Some(Dialect::Anthropic)
    } else if has(v, "choices")
        || obj_ty.is_some_and(|o| o.starts_with("chat.completion"))
        || usage_has(v, "prompt_tokens")
    {
        Some(Dialect::Chat)
    } else if has(v, "stopReason") || usage_has(v, "inputTokens") || usage_has(v, "outputTokens") {
        Some(Dialect::Bedrock)
    } else if usage_has(v, "billed_units") || usage_has(v, "tokens") {
        Some(Dialect::Cohere)
    } else if has(v, "done") || has(v, "eval_count") || has(v, "prompt_eval_count") {
        Some(Dialect::Ollama)
    } else if usage_has(v, "input_tokens") && has(v, "status") {
        Some(Dialect::Responses)
    } else {
        None
    }
}

/// The dialect of a stream from one of its events.
fn detect_event(event: Option<&str>, v: &Value) -> Option<Dialect> {
    let ty = v
        .get("type")
        .and_then(Value::as_str)
        .or(event)
        .unwrap_or("");
    if ty.starts_with("response.") {
        return Some(Dialect::Responses);
    }
    if matches!(
        ty,
        "message_start"
            | "message_delta"
            | "message_stop"
            | "content_block_start"
            | "content_block_delta"
            | "content_block_stop"
            | "ping"
    ) {
        return Some(Dialect::Anthropic);
    }
    if ty.contains('-')
        && (ty.starts_with("message-")
            || ty.starts_with("content-")
            || ty.starts_with("tool-")
            || ty.starts_with("citation-"))
    {
        return Some(Dialect::Cohere);
    }
    if let Some(o) = v.as_object()
        && o.len() == 1
    {
        let k = o.keys().next().map(String::as_str).unwrap_or("");
        if matches!(
            k,
            "messageStart"
                | "contentBlockStart"
                | "contentBlockDelta"
                | "contentBlockStop"
                | "messageStop"
                | "metadata"
        ) {
            return Some(Dialect::Bedrock);
        }
    }
    if matches!(
        event,
        Some(
            "messageStart"
                | "contentBlockStart"
                | "contentBlockDelta"
                | "contentBlockStop"
                | "messageStop"
                | "metadata"
        )
    ) {
        return Some(Dialect::Bedrock);
    }
    if has(v, "usageMetadata") || has(v, "candidates") || has(v, "modelVersion") {
        return Some(Dialect::Gemini);
    }
    if has(v, "choices") || v.get("object").and_then(Value::as_str) == Some("chat.completion.chunk")
    {
        return Some(Dialect::Chat);
    }
    if has(v, "done") || has(v, "eval_count") {
        return Some(Dialect::Ollama);
    }
    None
}

/// Which provider sent a body of this dialect, from the few marks each one leaves.
fn guess_provider(d: Dialect, v: &Value) -> Option<Provider> {
    let model = v.get("model").and_then(Value::as_str).unwrap_or("");
    let id = v
        .get("id")
        .or_else(|| v.get("message").and_then(|m| m.get("id")))
        .or_else(|| v.get("response").and_then(|m| m.get("id")))
        .and_then(Value::as_str)
        .unwrap_or("");
    Some(match d {
        Dialect::Chat => {
            if has(v, "x_groq") {
                Provider::Groq
            } else if usage_has(v, "prompt_cache_hit_tokens") || model.starts_with("deepseek") {
                Provider::DeepSeek
            } else if usage_has(v, "cost") || has(v, "provider") || id.starts_with("gen-") {
                Provider::OpenRouter
            } else if has(v, "prompt_filter_results")
                || v.get("choices")
                    .and_then(Value::as_array)
                    .is_some_and(|c| c.iter().any(|c| c.get("content_filter_results").is_some()))
            {
                Provider::Azure
            } else if [
                "mistral",
                "magistral",
                "codestral",
                "ministral",
                "pixtral",
                "devstral",
                "open-mistral",
            ]
            .iter()
            .any(|p| model.starts_with(p))
            {
                Provider::Mistral
            } else if model.starts_with("grok") {
                Provider::XAi
            } else {
                Provider::OpenAi
            }
        }
        Dialect::Responses => {
            let r = v.get("response").unwrap_or(v);
            if usage_has(r, "cost") || id.starts_with("gen-") {
                Provider::OpenRouter
            } else {
                Provider::OpenAi
            }
        }
        Dialect::Anthropic => {
            if id.starts_with("msg_bdrk") {
                Provider::Bedrock
            } else if id.starts_with("msg_vrtx") {
                Provider::Vertex
            } else {
                Provider::Anthropic
            }
        }
        Dialect::Gemini => {
            if v.get("usageMetadata")
                .is_some_and(|u| has(u, "trafficType"))
            {
                Provider::Vertex
            } else {
                Provider::Gemini
            }
        }
        Dialect::Bedrock => Provider::Bedrock,
        Dialect::Cohere => Provider::Cohere,
        Dialect::Ollama => Provider::Ollama,
    })
}
