//! Sinks that make events durable: SQLite (the embedded default), HAIL JSONL files, memory and
//! callbacks.

use thiserror::Error;

/// A failure of the database or a file sink.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("io: {0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Other(String),
}
