//! Normalized token usage with exclusive buckets, and the parsers that read it from provider
//! response bodies ([`parse`]), error bodies ([`parse_error`]) and streams ([`StreamParser`]).

mod acc;
mod eventstream;
mod model;
mod normalize;
mod num;
mod provider;
mod provider_error;
mod stream;

pub use eventstream::encode_frame;
pub use model::{Anomaly, ProviderError, Usage};
pub use provider::Provider;
pub use stream::{DEFAULT_MAX_EVENT_BYTES, Framing, StreamParser};

use acc::Acc;
use serde_json::Value;
use thiserror::Error;

/// Why a provider body or stream could not be read. Every variant says where.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UsageError {
    /// The bytes are not valid JSON. `offset` counts from the start of the body or stream.
    #[error("malformed JSON at byte {offset}{}: {message}", .line.map(|l| format!(" (line {l})")).unwrap_or_default())]
    Json {
        offset: u64,
        line: Option<u64>,
        message: String,
    },
    /// Valid JSON, but no provider sends this shape.
    #[error("unknown provider body shape: {detail}")]
    UnknownShape { detail: String },
    /// A provider name hailog does not know.
    #[error("unknown provider {name:?}; expected one of {}", Provider::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(", "))]
    UnknownProvider { name: String },
    /// A usage field holds an impossible value (negative, fractional, absurdly large).
    #[error("invalid usage field {field}: {message}")]
    InvalidField { field: String, message: String },
    /// A binary AWS eventstream frame is corrupt (bad CRC, impossible lengths).
    #[error("eventstream frame {frame} at byte {offset}: {message}")]
    Frame {
        frame: u64,
        offset: u64,
        message: String,
    },
    /// One event, line or frame grew past the configured bound without ending.
    #[error("event starting at byte {offset} exceeds the {limit}-byte limit without a terminator")]
    EventTooLarge { offset: u64, limit: usize },
    /// `feed` after the parser saw a fatal error.
    #[error("stream parser already failed: {0}")]
    AlreadyFailed(String),
}

/// Reads the usage of one complete (non-streamed) response body. With `provider` unset the
/// provider is detected from the body's shape. An error body (HTTP 4xx/5xx JSON) is a valid
/// answer: it yields `outcome: Failed` with the typed error, not an `Err`.
pub fn parse(body: &[u8], provider: Option<Provider>) -> Result<Usage, UsageError> {
    let v = json_at(body, 0, None).map_err(|e| match e {
        // A whole stream passed as a body is a common slip; say what to use instead.
        UsageError::Json {
            offset,
            line,
            mut message,
        } if looks_like_sse(body) => {
            message.push_str("; the body looks like an SSE stream: feed it to StreamParser");
            UsageError::Json {
                offset,
                line,
                message,
            }
        }
        other => other,
    })?;
    let mut acc = Acc::new(provider);
    acc.apply_body(&v, Some(body))?;
    Ok(acc.to_usage(false))
}

/// Like [`parse`] for a body already decoded into a JSON value. Decimal fields (a reported cost)
/// are read from the value's numbers, which serde_json keeps as f64; prefer [`parse`] when the
/// exact bytes are at hand.
pub fn parse_value(body: &Value, provider: Option<Provider>) -> Result<Usage, UsageError> {
    let mut acc = Acc::new(provider);
    acc.apply_body(body, None)?;
    Ok(acc.to_usage(false))
}

/// Reads a provider's HTTP error body into a typed error: type, message, code, request id and
/// retry delay where given.
pub fn parse_error(
    body: &[u8],
    status: Option<u16>,
    provider: Option<Provider>,
) -> Result<ProviderError, UsageError> {
    let v = json_at(body, 0, None)?;
    if !provider_error::is_error_body(&v) {
        return Err(UsageError::UnknownShape {
            detail:
                "expected an error object (a top-level \"error\" or \"message\"/\"type\" field)"
                    .into(),
        });
    }
    let mut pe = provider_error::read_error(&v, status);
    if provider == Some(Provider::Bedrock) && pe.error_type.is_none() {
        pe.error_type = pe.status.and_then(bedrock_exception).map(str::to_string);
    }
    Ok(pe)
}

/// Bedrock runtime error bodies hold only a message; the type travels in the
/// `x-amzn-ErrorType` header, and each HTTP status belongs to one exception of the API.
fn bedrock_exception(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "ValidationException",
        403 => "AccessDeniedException",
        404 => "ResourceNotFoundException",
        408 => "ModelTimeoutException",
        424 => "ModelErrorException",
        429 => "ThrottlingException",
        500 => "InternalServerException",
        503 => "ServiceUnavailableException",
        _ => return None,
    })
}

fn looks_like_sse(body: &[u8]) -> bool {
    let head = body.trim_ascii_start();
    head.starts_with(b"data:") || head.starts_with(b"event:") || head.starts_with(b": ")
}

/// Decodes JSON, reporting errors at their absolute byte offset.
pub(crate) fn json_at(bytes: &[u8], base: u64, line: Option<u64>) -> Result<Value, UsageError> {
    serde_json::from_slice(bytes).map_err(|e| UsageError::Json {
        offset: base + byte_offset(bytes, e.line(), e.column()),
        line,
        message: e.to_string(),
    })
}

/// serde_json reports line/column (1-based); turn them into a byte offset within `bytes`.
fn byte_offset(bytes: &[u8], line: usize, column: usize) -> u64 {
    let mut start = 0usize;
    for _ in 1..line {
        match memchr::memchr(b'\n', &bytes[start..]) {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(bytes.len()) as u64
}
