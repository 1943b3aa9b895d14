//! hailog: an embeddable session and cost ledger for AI agents and bots.
//!
//! The flow of one event: provider body or stream bytes -> [`usage`] (normalized [`Usage`])
//! -> [`pricing`] (exact [`Cost`]) -> [`Event`] -> recorder -> sinks (SQLite, HAIL JSONL)
//! -> queries. Each stage can be used alone.

pub mod error;
pub mod event;
pub mod hail;
pub mod import;
pub mod pricing;
pub mod recorder;
pub mod session;
pub mod store;
pub mod usage;

pub use error::{Error, Result};
pub use event::{ContentBlock, Event, EventType, Outcome, SessionOp};
pub use pricing::{Cost, Provenance};
pub use usage::Usage;

/// The README's Rust examples run as doctests, so the front page cannot drift from the API.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
