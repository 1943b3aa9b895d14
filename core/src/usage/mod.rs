//! Normalized token usage with exclusive buckets, and the parsers that read it from provider
//! response bodies and streams.

mod model;

pub use model::{Anomaly, ProviderError, Usage};

use thiserror::Error;

/// Why a provider body or stream could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UsageError {
    #[error("malformed JSON at byte {offset}: {message}")]
    Json { offset: usize, message: String },
    #[error("cannot tell which provider sent this body: {0}")]
    UnknownShape(String),
    #[error("{0}")]
    Other(String),
}
