//! The one error type of the crate. Each module has its own error enum that says what was wrong
//! and where (line, field, value); [`Error`] wraps them so callers can match on one type.

use thiserror::Error;

/// Every failure hailog reports. Bindings map each variant to a language-level error class and a
/// stable string code ([`Error::code`]).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A caller passed something invalid: a bad session id, an impossible token count...
    #[error("invalid input: {field}: {message}")]
    InvalidInput { field: String, message: String },
    /// A HAIL file or line is malformed.
    #[error(transparent)]
    Hail(#[from] crate::hail::HailError),
    /// A provider body or stream could not be read.
    #[error(transparent)]
    Usage(#[from] crate::usage::UsageError),
    /// A price table, a model lookup or a cost computation failed.
    #[error(transparent)]
    Pricing(#[from] crate::pricing::PricingError),
    /// The database or a file sink failed.
    #[error(transparent)]
    Storage(#[from] crate::store::StorageError),
    /// A hard budget limit stopped the session.
    #[error("budget exceeded for {scope}: spent {spent} USD of a hard limit of {limit} USD")]
    BudgetExceeded {
        scope: String,
        spent: String,
        limit: String,
    },
    /// The client was closed or a flush did not finish in time.
    #[error("{0}")]
    Closed(String),
    #[error("flush timed out after {0:?} with {1} events still pending")]
    FlushTimeout(std::time::Duration, u64),
}

impl Error {
    /// A stable machine-readable code, the same in Rust, Python and Node.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidInput { .. } => "invalid_input",
            Error::Hail(_) => "hail_format",
            Error::Usage(_) => "usage_parse",
            Error::Pricing(_) => "pricing",
            Error::Storage(_) => "storage",
            Error::BudgetExceeded { .. } => "budget_exceeded",
            Error::Closed(_) => "closed",
            Error::FlushTimeout(..) => "flush_timeout",
        }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.into(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
