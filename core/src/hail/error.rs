//! Errors and warnings of the HAIL reader and validator. Every error names the line (1-based), the
//! field where there is one, and what was expected.

use thiserror::Error;

/// A malformed HAIL file or line.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum HailError {
    /// Reading the underlying stream failed.
    #[error("line {line}: read failed: {source}")]
    Io {
        line: u64,
        #[source]
        source: std::io::Error,
    },
    /// The line is not UTF-8.
    #[error("line {line}: invalid UTF-8 at byte {byte} of the line; expected UTF-8 JSON text")]
    InvalidUtf8 { line: u64, byte: usize },
    /// The line is longer than the reader's limit.
    #[error(
        "line {line}: line is longer than the limit of {limit} bytes; expected one JSON object per line"
    )]
    LineTooLong { line: u64, limit: usize },
    /// The last line ends in the middle of a JSON value (a file cut off while being written).
    #[error("line {line}: truncated: the file ends inside a JSON value; expected a complete line")]
    Truncated { line: u64 },
    /// The line is not well-formed JSON.
    #[error("line {line}, column {column}: malformed JSON: {message}")]
    Json {
        line: u64,
        column: usize,
        message: String,
    },
    /// The line is JSON, but a field is missing or has the wrong shape.
    #[error("line {line}: field `{field}`: expected {expected}")]
    Field {
        line: u64,
        field: String,
        expected: String,
    },
    /// The input is JSON but not HAIL (a JSON array, plain JSONL of another shape).
    #[error("line {line}: not a HAIL line: expected {expected}, found {found}")]
    NotHail {
        line: u64,
        expected: String,
        found: String,
    },
    /// The first line is not a header.
    #[error(
        "line {line}: missing header: expected a `{{\"type\":\"header\",...}}` line first, found {found}"
    )]
    MissingHeader { line: u64, found: String },
    /// A header after the first line.
    #[error(
        "line {line}: field `type`: a second header (the first is on line {first_line}); expected an event or stats line"
    )]
    SecondHeader { line: u64, first_line: u64 },
    /// An event id seen before in the same file.
    #[error(
        "line {line}: field `event_id`: duplicate id {event_id:?} (first on line {first_line}); expected ids unique within the session"
    )]
    DuplicateEventId {
        line: u64,
        event_id: String,
        first_line: u64,
    },
    /// A value breaks a validation rule (empty id, empty path, version without `hail-`...).
    #[error("line {line}: field `{field}`: expected {expected}, found {found}")]
    Invalid {
        line: u64,
        field: String,
        expected: String,
        found: String,
    },
    /// The file has a header but no event (OpenSession requires at least one).
    #[error("line {line}: no events: expected at least one event line after the header")]
    NoEvents { line: u64 },
}

impl HailError {
    /// A stable machine-readable kind, used by the vectors and the bindings.
    pub fn kind(&self) -> &'static str {
        match self {
            HailError::Io { .. } => "io",
            HailError::InvalidUtf8 { .. } => "invalid_utf8",
            HailError::LineTooLong { .. } => "line_too_long",
            HailError::Truncated { .. } => "truncated",
            HailError::Json { .. } => "json",
            HailError::Field { .. } => "field",
            HailError::NotHail { .. } => "not_hail",
            HailError::MissingHeader { .. } => "missing_header",
            HailError::SecondHeader { .. } => "second_header",
            HailError::DuplicateEventId { .. } => "duplicate_event_id",
            HailError::Invalid { .. } => "invalid",
            HailError::NoEvents { .. } => "no_events",
        }
    }

    /// The 1-based line the error is on.
    pub fn line(&self) -> u64 {
        match self {
            HailError::Io { line, .. }
            | HailError::InvalidUtf8 { line, .. }
            | HailError::LineTooLong { line, .. }
            | HailError::Truncated { line }
            | HailError::Json { line, .. }
            | HailError::Field { line, .. }
            | HailError::NotHail { line, .. }
            | HailError::MissingHeader { line, .. }
            | HailError::SecondHeader { line, .. }
            | HailError::DuplicateEventId { line, .. }
            | HailError::Invalid { line, .. }
            | HailError::NoEvents { line } => *line,
        }
    }

    pub(crate) fn field(line: u64, field: impl Into<String>, expected: impl Into<String>) -> Self {
        HailError::Field {
            line,
            field: field.into(),
            expected: expected.into(),
        }
    }

    pub(crate) fn invalid(
        line: u64,
        field: impl Into<String>,
        expected: impl Into<String>,
        found: impl Into<String>,
    ) -> Self {
        HailError::Invalid {
            line,
            field: field.into(),
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Something a strict reader would reject but hailog accepts (SPEC.md §8).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HailWarning {
    pub line: u64,
    /// A stable kind: `timestamp_backwards`, `event_after_stats`, `stats_mismatch`,
    /// `torn_last_line`.
    pub kind: String,
    pub message: String,
}

impl std::fmt::Display for HailWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.kind, self.message)
    }
}
