//! Finding sessions the way people name them (an id, a unique id prefix, `HEAD`, `HEAD^N`) and
//! usage totals per UTC day with every token bucket kept apart.

use super::{ExportFormat, Recorder};
use crate::Result;
use crate::session::Tokens;
use crate::store::{from_micros, usage_from_columns};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::BTreeMap;
use std::str::FromStr;

/// `(ts, outcome, model, usage JSON, cost, input tokens, output tokens)` of one stored LLM call.
type LlmRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// How many candidates an ambiguous prefix reports at most.
pub const MAX_CANDIDATES: usize = 10;

/// What a session reference names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "match", rename_all = "snake_case")]
pub enum RefMatch {
    /// Exactly one session.
    Found { session_id: String },
    /// No session (an unknown id or prefix, or `HEAD^N` past the oldest session).
    NotFound,
    /// A prefix shared by several sessions: up to [`MAX_CANDIDATES`] of them, most recent first.
    Ambiguous { candidates: Vec<String> },
}

/// A parsed reference: `HEAD` / `HEAD^N` / `HEAD~N` count back from the most recent activity.
fn head_offset(reference: &str) -> Option<std::result::Result<u64, String>> {
    let rest = reference.strip_prefix("HEAD")?;
    if rest.is_empty() {
        return Some(Ok(0));
    }
    let digits = rest.strip_prefix('^').or_else(|| rest.strip_prefix('~'))?;
    if digits.is_empty() {
        // git's `HEAD^` is the first parent: one back.
        return Some(Ok(1));
    }
    Some(
        digits
            .parse::<u64>()
            .map_err(|_| format!("{reference:?}: expected HEAD, HEAD^N or HEAD~N")),
    )
}

/// Totals of LLM calls on one UTC day, with each token bucket separate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayUsage {
    /// `YYYY-MM-DD` (UTC).
    pub day: String,
    pub requests: u64,
    pub failures: u64,
    pub tokens: Tokens,
    /// Exact total of the priced requests.
    pub cost_usd: Decimal,
    /// Requests with usage but no price: their cost is unknown, not zero.
    pub unpriced: u64,
    /// Models seen that day, sorted.
    pub models: Vec<String>,
}

impl Recorder {
    /// Resolves a session reference: an exact id first, then `HEAD` / `HEAD^N` / `HEAD~N`
    /// (sessions ordered by last event, newest first), then a unique id prefix.
    pub fn resolve_ref(&self, reference: &str) -> Result<RefMatch> {
        if reference.is_empty() {
            return Err(crate::Error::invalid("ref", "a session reference is empty"));
        }
        let exact = self.read("resolve a session reference", |c| {
            c.prepare_cached("SELECT 1 FROM sessions WHERE session_id = ?1")?
                .query_row([reference], |_| Ok(()))
                .optional()
        })?;
        if exact.is_some() {
            return Ok(RefMatch::Found {
                session_id: reference.to_string(),
            });
        }
        if let Some(offset) = head_offset(reference) {
            let offset = offset.map_err(|m| crate::Error::invalid("ref", m))?;
            let offset = i64::try_from(offset).map_err(|_| {
                crate::Error::invalid("ref", format!("{reference:?} is too far back"))
            })?;
            let id: Option<String> = self.read("resolve HEAD", |c| {
                c.prepare_cached(
                    "SELECT session_id FROM sessions ORDER BY last_event_at DESC, session_id \
                     LIMIT 1 OFFSET ?1",
                )?
                .query_row([offset], |r| r.get(0))
                .optional()
            })?;
            return Ok(id.map_or(RefMatch::NotFound, |session_id| RefMatch::Found {
                session_id,
            }));
        }
        let ids: Vec<String> = self.read("resolve a session id prefix", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT session_id FROM sessions WHERE substr(session_id, 1, ?2) = ?1 \
                 ORDER BY last_event_at DESC, session_id LIMIT ?3",
            )?;
            let rows = stmt.query_map(
                params![
                    reference,
                    reference.chars().count() as i64,
                    (MAX_CANDIDATES + 1) as i64
                ],
                |r| r.get(0),
            )?;
            rows.collect()
        })?;
        Ok(match ids.len() {
            0 => RefMatch::NotFound,
            1 => RefMatch::Found {
                session_id: ids.into_iter().next().unwrap_or_default(),
            },
            _ => RefMatch::Ambiguous {
                candidates: ids.into_iter().take(MAX_CANDIDATES).collect(),
            },
        })
    }

    /// Several sessions in one document: JSON `{"sessions": [{"summary", "events"}, ...]}` or CSV
    /// with a leading `session_id` column. HAIL holds one session per file, so it is refused
    /// here: export each session with [`Recorder::export`]. Unknown ids are an error.
    pub fn export_sessions(&self, session_ids: &[String], format: ExportFormat) -> Result<Vec<u8>> {
        let unknown =
            |id: &String| crate::Error::invalid("session_id", format!("no session {id:?}"));
        match format {
            ExportFormat::Hail => Err(crate::Error::invalid(
                "format",
                "a HAIL file holds one session; export sessions one by one",
            )),
            ExportFormat::Csv => {
                let mut out = Vec::new();
                if session_ids.is_empty() {
                    out = super::query::csv_with(&[], true, true);
                }
                for (i, id) in session_ids.iter().enumerate() {
                    if self.session_row(id)?.is_none() {
                        return Err(unknown(id));
                    }
                    out.extend(super::query::csv_with(&self.events(id)?, true, i == 0));
                }
                Ok(out)
            }
            ExportFormat::Json => {
                let mut sessions = Vec::with_capacity(session_ids.len());
                for id in session_ids {
                    let bytes = self
                        .export(id, ExportFormat::Json)?
                        .ok_or_else(|| unknown(id))?;
                    let doc: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
                        crate::store::StorageError::Corrupt {
                            what: format!("export of {id:?}"),
                            message: e.to_string(),
                        }
                    })?;
                    sessions.push(doc);
                }
                serde_json::to_vec_pretty(&serde_json::json!({ "sessions": sessions })).map_err(
                    |e| {
                        crate::store::StorageError::Corrupt {
                            what: "export".into(),
                            message: e.to_string(),
                        }
                        .into()
                    },
                )
            }
        }
    }

    /// LLM-call totals per UTC day over `[since, until]`, oldest day first.
    pub fn daily_usage(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<DayUsage>> {
        let rows: Vec<LlmRow> = self.read("usage per day", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT ts, outcome, model, usage, cost_usd, input_tokens, output_tokens FROM events \
                     WHERE kind = 'llm_call' AND ts >= ?1 AND ts <= ?2",
            )?;
            let lo = since.map_or(i64::MIN, |s| s.timestamp_micros());
            let hi = until.map_or(i64::MAX, |u| u.timestamp_micros());
            let rows = stmt.query_map(params![lo, hi], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })?;
            rows.collect()
        })?;
        let mut days: BTreeMap<String, DayUsage> = BTreeMap::new();
        for (ts, outcome, model, usage, cost, input, output) in rows {
            let day = from_micros(ts).format("%Y-%m-%d").to_string();
            let d = days.entry(day.clone()).or_insert_with(|| DayUsage {
                day,
                requests: 0,
                failures: 0,
                tokens: Tokens::default(),
                cost_usd: Decimal::ZERO,
                unpriced: 0,
                models: Vec::new(),
            });
            d.requests += 1;
            d.failures += u64::from(outcome == "failed");
            let usage = usage_from_columns(usage.as_deref(), input, output).map_err(|e| {
                crate::store::StorageError::Corrupt {
                    what: "events.usage".into(),
                    message: e.to_string(),
                }
            })?;
            if let Some(u) = &usage {
                d.tokens.add(u);
            }
            match cost {
                Some(text) => {
                    d.cost_usd += Decimal::from_str(&text).map_err(|e| {
                        crate::store::StorageError::Corrupt {
                            what: "events.cost_usd".into(),
                            message: format!("{text:?}: {e}"),
                        }
                    })?
                }
                None if usage.is_some() => d.unpriced += 1,
                None => {}
            }
            if let Some(m) = model
                && let Err(i) = d.models.binary_search(&m)
            {
                d.models.insert(i, m);
            }
        }
        Ok(days.into_values().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_references_count_back_like_git() {
        assert_eq!(head_offset("HEAD"), Some(Ok(0)));
        assert_eq!(head_offset("HEAD^"), Some(Ok(1)));
        assert_eq!(head_offset("HEAD^3"), Some(Ok(3)));
        assert_eq!(head_offset("HEAD~2"), Some(Ok(2)));
        assert!(matches!(head_offset("HEAD^x"), Some(Err(m)) if m.contains("HEAD^x")));
        assert_eq!(head_offset("HEADER"), None);
        assert_eq!(head_offset("abc"), None);
    }
}
