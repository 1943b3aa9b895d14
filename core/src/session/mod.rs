//! Session aggregates kept in O(1) per event ([`SessionSummary`]) and the status derived from
//! them ([`status`]), a pure function of summary, clock and thresholds.

mod histogram;
mod status;
mod summary;

pub use histogram::LatencyHistogram;
pub use status::{SessionStatus, StatusThresholds, status};
pub use summary::{
    Budget, ModelBreakdown, OpenSessionTokens, SessionSummary, Tokens, ToolCounts, is_failure,
};
