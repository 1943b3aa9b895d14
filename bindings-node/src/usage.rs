//! `parseUsage` and `StreamParser`: provider bodies and streams to exclusive usage buckets.
//! Usage crosses to JS as one JSON string with camelCase keys (one `JSON.parse` on the JS side
//! is far cheaper than building the object through N-API property by property).

use crate::error::{self, Code};
use hailog::usage::{self, Provider};
use napi::bindgen_prelude::{Either, Uint8Array};
use napi_derive::napi;
use serde_json::{Map, Value};

fn provider_arg(provider: Option<String>) -> error::Result<Option<Provider>> {
    provider
        .map(|name| name.parse::<Provider>())
        .transpose()
        .map_err(|e| error::to_js(e.into()))
}

pub(crate) fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for ch in key.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.extend(ch.to_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

/// Renames keys to camelCase, except inside `raw` (the provider's object, kept verbatim).
pub(crate) fn camel_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| {
                    let v = if k == "raw" { v } else { camel_keys(v) };
                    (camel(&k), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(camel_keys).collect()),
        other => other,
    }
}

/// The JS view of a usage: every bucket (null when the provider did not say), derived totals,
/// camelCase keys.
pub fn usage_json(usage: &hailog::Usage) -> error::Result<String> {
    let mut map = match serde_json::to_value(usage) {
        Ok(Value::Object(map)) => map,
        Ok(_) | Err(_) => Map::new(),
    };
    for (name, value) in usage.buckets() {
        map.entry(name)
            .or_insert(value.map_or(Value::Null, Value::from));
    }
    for key in [
        "web_search_requests",
        "model",
        "provider",
        "response_id",
        "finish_reason",
    ] {
        map.entry(key).or_insert(Value::Null);
    }
    map.entry("outcome")
        .or_insert_with(|| Value::from(usage.outcome.as_str()));
    map.entry("partial").or_insert(Value::Bool(usage.partial));
    let totals = [
        ("input_total", usage.input_total()),
        ("output_total", usage.output_total()),
        ("cache_write", usage.cache_write()),
    ];
    for (name, value) in totals {
        map.insert(name.into(), value.map_or(Value::Null, Value::from));
    }
    serde_json::to_string(&camel_keys(Value::Object(map)))
        .map_err(|e| napi::Error::new(error::PANIC, format!("usage to JSON: {e}")))
}

fn bytes(body: &Either<String, Uint8Array>) -> &[u8] {
    match body {
        Either::A(text) => text.as_bytes(),
        Either::B(buf) => buf,
    }
}

/// Parses one complete provider response or error body; returns the usage as JSON.
#[napi(js_name = "parseUsageJson", catch_unwind)]
pub fn parse_usage_json(
    body: Either<String, Uint8Array>,
    provider: Option<String>,
) -> error::Result<String> {
    let provider = provider_arg(provider)?;
    let usage = usage::parse(bytes(&body), provider).map_err(|e| error::to_js(e.into()))?;
    usage_json(&usage)
}

fn finished() -> napi::Error<Code> {
    napi::Error::new(Code("closed"), "stream parser already finished".to_string())
}

/// Incremental stream parser: feed raw bytes as they arrive (any chunking), then finish.
#[napi(js_name = "NativeStreamParser")]
pub struct NativeStreamParser {
    inner: Option<usage::StreamParser>,
}

#[napi]
impl NativeStreamParser {
    #[napi(constructor, catch_unwind)]
    pub fn new(provider: Option<String>) -> error::Result<Self> {
        Ok(NativeStreamParser {
            inner: Some(usage::StreamParser::new(provider_arg(provider)?)),
        })
    }

    fn parser(&mut self) -> error::Result<&mut usage::StreamParser> {
        self.inner.as_mut().ok_or_else(finished)
    }

    #[napi(catch_unwind)]
    pub fn feed(&mut self, chunk: Either<String, Uint8Array>) -> error::Result<()> {
        let parser = self.parser()?;
        parser
            .feed(bytes(&chunk))
            .map_err(|e| error::to_js(e.into()))
    }

    /// Feeds one already-framed event payload (SDK-decoded chunks, framing stripped).
    #[napi(catch_unwind)]
    pub fn feed_event(
        &mut self,
        payload: Either<String, Uint8Array>,
        event: Option<String>,
    ) -> error::Result<()> {
        let parser = self.parser()?;
        parser
            .feed_event(event.as_deref(), bytes(&payload))
            .map_err(|e| error::to_js(e.into()))
    }

    /// Ends the stream; a stream cut off before its usage gives `partial: true`.
    #[napi(catch_unwind)]
    pub fn finish(&mut self) -> error::Result<String> {
        self.parser()?;
        match self.inner.take() {
            Some(parser) => usage_json(&parser.finish()),
            None => Err(finished()),
        }
    }
}
