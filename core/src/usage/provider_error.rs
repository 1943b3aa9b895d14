//! Provider error objects (HTTP 4xx/5xx bodies and mid-stream error events) into one typed
//! [`ProviderError`]: type, message, code, request id and retry delay where the body gives them.

use super::num::{at, duration_ms, text};
use super::{Provider, ProviderError};
use serde_json::Value;

/// Is this top-level object an error answer rather than a response?
pub(crate) fn is_error_body(v: &Value) -> bool {
    let Some(obj) = v.as_object() else {
        return false;
    };
    if obj.get("type").and_then(Value::as_str) == Some("error") {
        return true;
    }
    let answer_keys = [
        "choices",
        "candidates",
        "usage",
        "usageMetadata",
        "output",
        "content",
        "message",
        "done",
    ];
    match obj.get("error") {
        Some(Value::Object(_)) | Some(Value::String(_)) => !answer_keys
            .iter()
            .any(|k| obj.get(*k).is_some_and(|x| !x.is_null())),
        _ => {
            // Bedrock (`{"message": ...}`, type in a header) and Mistral/Cohere flat errors.
            obj.get("object").and_then(Value::as_str) == Some("error")
                || (obj.get("message").is_some_and(Value::is_string)
                    && obj.keys().all(|k| {
                        matches!(
                            k.as_str(),
                            "message"
                                | "Message"
                                | "__type"
                                | "code"
                                | "type"
                                | "param"
                                | "id"
                                | "request_id"
                                | "detail"
                        )
                    }))
        }
    }
}

/// The provider that sent an error body, from its shape.
pub(crate) fn detect_error_provider(v: &Value) -> Option<Provider> {
    let err = v.get("error");
    if v.get("type").and_then(Value::as_str) == Some("error") {
        return Some(Provider::Anthropic);
    }
    match err {
        Some(Value::String(_)) => Some(Provider::Ollama),
        Some(e @ Value::Object(_)) => {
            if e.get("status").is_some_and(Value::is_string) {
                Some(Provider::Gemini)
            } else if e.get("metadata").is_some() || v.get("user_id").is_some() {
                Some(Provider::OpenRouter)
            } else if e.get("failed_generation").is_some() {
                Some(Provider::Groq)
            } else {
                Some(Provider::OpenAi)
            }
        }
        _ => {
            if v.get("object").and_then(Value::as_str) == Some("error") {
                Some(Provider::Mistral)
            } else if v.get("message").is_some() && v.as_object().is_some_and(|o| o.len() == 1) {
                Some(Provider::Bedrock)
            } else {
                None
            }
        }
    }
}

fn scalar(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Reads any known error shape. `status` is the HTTP status when the caller has it.
pub(crate) fn read_error(v: &Value, status: Option<u16>) -> ProviderError {
    let mut pe = ProviderError {
        status,
        ..ProviderError::default()
    };
    // The object holding type/message/code: `error` when it is an object, else the top level.
    let inner = match v.get("error") {
        Some(e @ Value::Object(_)) => e,
        Some(Value::String(s)) => {
            pe.message = s.clone();
            v
        }
        _ => v,
    };
    if pe.message.is_empty() {
        pe.message = text(inner, &["message"])
            .or_else(|| text(inner, &["Message"]))
            .or_else(|| text(inner, &["detail"]))
            .unwrap_or_default();
    }
    // OpenRouter hides the upstream's words in metadata.raw; they are the useful part.
    if let Some(raw) = at(inner, &["metadata", "raw"]) {
        let raw = match raw {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let who = text(inner, &["metadata", "provider_name"]);
        pe.message = match who {
            Some(w) => format!("{} ({w}: {raw})", pe.message),
            None => format!("{} ({raw})", pe.message),
        };
    }
    pe.error_type = text(inner, &["type"])
        .or_else(|| text(inner, &["status"]))
        .or_else(|| text(inner, &["error_type"]))
        .or_else(|| text(v, &["__type"]));
    // Anthropic's top level says "type":"error"; the useful type is the inner one.
    if pe.error_type.as_deref() == Some("error") && std::ptr::eq(inner, v) {
        pe.error_type = None;
    }
    pe.code = scalar(inner.get("code"));
    if let (None, Some(code)) = (pe.status, inner.get("code").and_then(Value::as_u64))
        && (400..600).contains(&code)
    {
        pe.status = u16::try_from(code).ok();
    }
    if let (None, Some(code)) = (pe.status, inner.get("status_code").and_then(Value::as_u64)) {
        pe.status = u16::try_from(code).ok();
    }
    pe.request_id = text(v, &["request_id"]).or_else(|| text(inner, &["request_id"]));
    pe.retry_after_ms = retry_info(inner).or_else(|| retry_in_message(&pe.message));
    pe
}

/// Google's `details[]` entry of type RetryInfo carries `retryDelay: "34.4s"`.
fn retry_info(inner: &Value) -> Option<u64> {
    inner
        .get("details")?
        .as_array()?
        .iter()
        .filter(|d| {
            d.get("@type")
                .and_then(Value::as_str)
                .is_some_and(|t| t.ends_with("RetryInfo"))
        })
        .find_map(|d| {
            d.get("retryDelay")
                .and_then(Value::as_str)
                .and_then(duration_ms)
        })
}

/// OpenAI and Groq rate-limit messages say "Please try again in 7.66s" (or "in 20ms").
fn retry_in_message(msg: &str) -> Option<u64> {
    let idx = msg.find("try again in ")?;
    let rest = &msg[idx + "try again in ".len()..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c.is_ascii_alphabetic()))
        .unwrap_or(rest.len());
    let word = rest[..end].trim_end_matches('.');
    duration_ms(word)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retry_delay_from_message() {
        let v = json!({"error": {"message": "Rate limit reached. Please try again in 7.66s. Visit ...",
            "type": "tokens", "code": "rate_limit_exceeded"}});
        let pe = read_error(&v, Some(429));
        assert_eq!(pe.retry_after_ms, Some(7660));
        assert_eq!(pe.code.as_deref(), Some("rate_limit_exceeded"));
        assert_eq!(pe.status, Some(429));
    }

    #[test]
    fn ollama_string_error() {
        let v = json!({"error": "model 'x' not found"});
        assert!(is_error_body(&v));
        assert_eq!(detect_error_provider(&v), Some(Provider::Ollama));
        assert_eq!(read_error(&v, None).message, "model 'x' not found");
    }

    #[test]
    fn response_with_null_error_is_not_an_error() {
        assert!(!is_error_body(
            &json!({"error": null, "usage": {}, "output": []})
        ));
        assert!(!is_error_body(
            &json!({"choices": [], "error": {"message": "x"}})
        ));
    }
}
