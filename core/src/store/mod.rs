//! Sinks that make events durable: SQLite (the embedded default, with the session aggregates and
//! the queries), HAIL JSONL files, memory and callbacks.

mod checkpoint;
mod json;
mod schema;
mod sinks;
mod sqlite;
mod watch;

pub use checkpoint::Checkpointer;
pub(crate) use schema::retry_busy;
pub use schema::{
    ConnectionOptions, SCHEMA_VERSION, Synchronous, open_file, open_memory, open_reader,
};
pub use sinks::{CallbackSink, HailJsonlSink, MemorySink, Sink};
pub use sqlite::{BatchOutcome, SessionRow, SqliteStore, usd_of};
pub(crate) use sqlite::{from_micros, read_events, read_session, read_summary, usage_from_columns};
pub(crate) use watch::FileId;

use std::path::PathBuf;
use thiserror::Error;

/// A failure of the database or a file sink. Each variant names the file or the operation.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StorageError {
    #[error("sqlite: {context}: {source}")]
    Sqlite {
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database directory {path} does not exist")]
    MissingDirectory { path: PathBuf },
    #[error("database {path} is read-only or in a read-only directory: {message}")]
    ReadOnly { path: PathBuf, message: String },
    #[error(
        "database{} has schema version {found}, newer than version {supported} that this hailog understands; upgrade hailog",
        path.as_ref().map(|p| format!(" {}", p.display())).unwrap_or_default()
    )]
    NewerSchema {
        path: Option<PathBuf>,
        found: i64,
        supported: i64,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("stored row for {what} is unreadable: {message}")]
    Corrupt { what: String, message: String },
    #[error("{sink} sink failed: {message}")]
    Sink { sink: &'static str, message: String },
    #[error("no database: the recorder was opened without SQLite storage")]
    NoDatabase,
    #[error(
        "database {path} was deleted or replaced while open; events stay queued until it can be opened there again"
    )]
    Moved { path: PathBuf },
}
