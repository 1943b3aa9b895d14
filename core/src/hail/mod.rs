//! The HAIL log format: streaming reader, canonical writer and validator for OpenSession
//! `hail-1.0.0` JSONL (and the dialects listed in hail-spec/SPEC.md).

use thiserror::Error;

/// A malformed HAIL file or line. Every variant names the line number.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HailError {
    #[error("line {line}: {message}")]
    Invalid { line: u64, message: String },
}
