//! The derived session status (DESIGN.md contract 5, SPEC.md §11): never stored, always computed
//! from a summary, the current time and thresholds.

use super::SessionSummary;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionStatus {
    /// The last activity is less than `idle_after` ago.
    Active,
    /// The last activity is between `idle_after` and `done_after` ago (both inclusive of the
    /// boundary: exactly `idle_after` is idle, exactly `done_after` is still idle).
    Idle,
    /// Ended explicitly, or quiet for more than `done_after`, with no unacknowledged failure.
    Done,
    /// A failure has not been acknowledged.
    Errored,
    /// Paused by the caller, a budget rule or an anomaly rule, and not resumed.
    Paused,
}

impl SessionStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SessionStatus::Active => "active",
            SessionStatus::Idle => "idle",
            SessionStatus::Done => "done",
            SessionStatus::Errored => "errored",
            SessionStatus::Paused => "paused",
        }
    }
}

impl fmt::Display for SessionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SessionStatus {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "active" => Ok(SessionStatus::Active),
            "idle" => Ok(SessionStatus::Idle),
            "done" => Ok(SessionStatus::Done),
            "errored" => Ok(SessionStatus::Errored),
            "paused" => Ok(SessionStatus::Paused),
            other => Err(crate::Error::invalid(
                "status",
                format!("expected active, idle, done, errored or paused, got {other:?}"),
            )),
        }
    }
}

/// When a quiet session turns idle, then done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusThresholds {
    pub idle_after: Duration,
    pub done_after: Duration,
}

impl Default for StatusThresholds {
    fn default() -> Self {
        StatusThresholds {
            idle_after: Duration::minutes(5),
            done_after: Duration::minutes(30),
        }
    }
}

/// The status of a session at `now`. Precedence: paused > errored > ended explicitly (done) >
/// the time states. The clock is the last non-metadata event, so acknowledging or tagging a
/// session does not make it look alive. A session with no timestamp yet is active. A `now`
/// before the last activity (clock skew) counts as no time elapsed.
pub fn status(summary: &SessionSummary, now: DateTime<Utc>, t: &StatusThresholds) -> SessionStatus {
    if summary.paused {
        return SessionStatus::Paused;
    }
    if summary.unacknowledged_error_count > 0 {
        return SessionStatus::Errored;
    }
    if summary.ended_at.is_some() {
        return SessionStatus::Done;
    }
    let Some(last) = summary.last_activity_at.or(summary.last_event_at) else {
        return SessionStatus::Active;
    };
    let quiet = now - last;
    if quiet < t.idle_after {
        SessionStatus::Active
    } else if quiet <= t.done_after {
        SessionStatus::Idle
    } else {
        SessionStatus::Done
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in [
            SessionStatus::Active,
            SessionStatus::Idle,
            SessionStatus::Done,
            SessionStatus::Errored,
            SessionStatus::Paused,
        ] {
            assert_eq!(s.to_string().parse::<SessionStatus>().unwrap(), s);
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
        assert!("running".parse::<SessionStatus>().is_err());
    }
}
