//! Queries over the ledger: session lists with filters and sorting, (agent, day) groups, the
//! per-trace breakdown, stats per model / provider / agent, exports and stale-session recovery.

use super::Recorder;
use crate::event::SessionOp;
use crate::hail::{Agent, Header, Writer as HailWriter};
use crate::session::{SessionStatus, SessionSummary, status};
use crate::store::{SessionRow, StorageError, from_micros, read_session, read_summary};
use crate::{Error, Event, Result};
use chrono::{DateTime, Duration, Utc};
use rusqlite::{Connection, params_from_iter, types::Value as Sql};
use rust_decimal::Decimal;
use serde::Serialize;
use std::str::FromStr;

/// A time window ending now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Last24h,
    Last7d,
    Last30d,
    All,
}

impl Window {
    /// The start of the window at `now` (`None` for all time).
    pub fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Window::Last24h => Some(now - Duration::hours(24)),
            Window::Last7d => Some(now - Duration::days(7)),
            Window::Last30d => Some(now - Duration::days(30)),
            Window::All => None,
        }
    }
}

impl FromStr for Window {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "24h" => Ok(Window::Last24h),
            "7d" => Ok(Window::Last7d),
            "30d" => Ok(Window::Last30d),
            "all" => Ok(Window::All),
            other => Err(Error::invalid(
                "window",
                format!("expected 24h, 7d, 30d or all, got {other:?}"),
            )),
        }
    }
}

/// How session lists are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SessionSort {
    /// Most recent activity first.
    #[default]
    LastEvent,
    Started,
    /// Most expensive first (exact decimal order).
    Cost,
    Events,
}

/// Which sessions `sessions()` returns. A session is in the time range when its activity
/// (first to last event) overlaps `[since, until]`.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub agent: Option<String>,
    pub status: Option<SessionStatus>,
    pub tag: Option<String>,
    pub repo: Option<String>,
    pub model: Option<String>,
    pub sort: SessionSort,
    pub limit: Option<usize>,
}

impl SessionFilter {
    pub fn window(mut self, window: Window, now: DateTime<Utc>) -> Self {
        self.since = window.since(now);
        self.until = None;
        self
    }
}

/// One session in a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionListing {
    #[serde(flatten)]
    pub row: SessionRow,
    pub status: SessionStatus,
}

/// Sessions of one agent started on one UTC day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgentDay {
    pub agent: Option<String>,
    pub day: String,
    pub launches: u64,
    pub events: u64,
    pub cost_usd: Decimal,
}

/// Totals of one trace (one ask, one bot step) of a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TraceBreakdown {
    pub trace_id: Option<String>,
    pub events: u64,
    pub requests: u64,
    pub failures: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: Decimal,
    pub first_at: DateTime<Utc>,
    pub last_at: DateTime<Utc>,
}

/// What stats are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsBy {
    Model,
    Provider,
    Agent,
}

/// Totals of one model, provider or agent over a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatRow {
    pub key: Option<String>,
    pub requests: u64,
    pub failures: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: Decimal,
    /// Requests with usage but no price (unknown model): their cost is unknown, not zero.
    pub unpriced: u64,
}

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    /// `{"summary": ..., "events": [...]}`.
    Json,
    /// One row per event: id, time, kind, outcome, trace, model, tokens, cost.
    Csv,
    /// A `hail-1.0.0` file: header, events, stats.
    Hail,
}

fn dec(text: Option<String>) -> rusqlite::Result<Decimal> {
    text.map_or(Ok(Decimal::ZERO), |t| {
        Decimal::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
        })
    })
}

fn range_sql(
    col_start: &str,
    col_end: &str,
    since: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    args: &mut Vec<Sql>,
) -> String {
    let mut sql = String::new();
    if let Some(s) = since {
        args.push(Sql::Integer(s.timestamp_micros()));
        sql.push_str(&format!(" AND {col_end} >= ?{}", args.len()));
    }
    if let Some(u) = until {
        args.push(Sql::Integer(u.timestamp_micros()));
        sql.push_str(&format!(" AND {col_start} <= ?{}", args.len()));
    }
    sql
}

fn list(
    conn: &Connection,
    f: &SessionFilter,
) -> rusqlite::Result<Vec<(SessionRow, SessionSummary)>> {
    let mut args: Vec<Sql> = Vec::new();
    let mut sql = String::from("SELECT session_id FROM sessions WHERE 1=1");
    sql += &range_sql("started_at", "last_event_at", f.since, f.until, &mut args);
    let mut eq = |sql: &mut String, cond: &str, v: &Option<String>| {
        if let Some(v) = v {
            args.push(Sql::Text(v.clone()));
            sql.push_str(&cond.replace("?", &format!("?{}", args.len())));
        }
    };
    eq(&mut sql, " AND agent = ?", &f.agent);
    eq(&mut sql, " AND repo = ?", &f.repo);
    eq(
        &mut sql,
        " AND session_id IN (SELECT session_id FROM session_tags WHERE tag = ?)",
        &f.tag,
    );
    eq(
        &mut sql,
        " AND session_id IN (SELECT session_id FROM session_models WHERE model = ?)",
        &f.model,
    );
    sql.push_str(match f.sort {
        SessionSort::LastEvent | SessionSort::Cost => " ORDER BY last_event_at DESC",
        SessionSort::Started => " ORDER BY started_at DESC",
        SessionSort::Events => " ORDER BY event_count DESC",
    });
    let ids: Vec<String> = conn
        .prepare(&sql)?
        .query_map(params_from_iter(args), |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let (Some(row), Some(summary)) = (read_session(conn, &id)?, read_summary(conn, &id)?) {
            out.push((row, summary));
        }
    }
    Ok(out)
}

impl Recorder {
    /// Sessions matching `filter`, with their status at `now`.
    pub fn sessions(
        &self,
        filter: &SessionFilter,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionListing>> {
        let rows = self.read("list sessions", |c| list(c, filter))?;
        let mut out: Vec<SessionListing> = rows
            .into_iter()
            .map(|(row, summary)| SessionListing {
                status: status(&summary, now, &self.inner.thresholds),
                row,
            })
            .filter(|l| filter.status.is_none_or(|s| s == l.status))
            .collect();
        if filter.sort == SessionSort::Cost {
            out.sort_by_key(|l| std::cmp::Reverse(l.row.cost_usd));
        }
        if let Some(limit) = filter.limit {
            out.truncate(limit);
        }
        Ok(out)
    }

    /// Sessions grouped by (agent, UTC day they started), with a count of launches.
    pub fn group_by_agent_day(
        &self,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<AgentDay>> {
        self.read("group sessions by agent and day", |c| {
            let mut args = Vec::new();
            let range = range_sql("started_at", "started_at", since, until, &mut args);
            let sql = format!(
                "SELECT agent, date(started_at / 1000000, 'unixepoch') AS day, count(*), \
                 sum(event_count), group_concat(cost_usd, ' ') FROM sessions WHERE 1=1{range} \
                 GROUP BY agent, day ORDER BY day DESC, agent"
            );
            let mut stmt = c.prepare(&sql)?;
            let rows = stmt.query_map(params_from_iter(args), |r| {
                // Costs are summed in Rust: SQLite's sum() would go through floating point.
                let costs: Option<String> = r.get(4)?;
                let mut cost = Decimal::ZERO;
                for part in costs.unwrap_or_default().split_whitespace() {
                    cost += dec(Some(part.to_string()))?;
                }
                Ok(AgentDay {
                    agent: r.get(0)?,
                    day: r.get(1)?,
                    launches: r.get::<_, i64>(2)? as u64,
                    events: r.get::<_, i64>(3)? as u64,
                    cost_usd: cost,
                })
            })?;
            rows.collect()
        })
    }

    /// Per-trace totals of one session, in order of first event.
    pub fn traces(&self, session_id: &str) -> Result<Vec<TraceBreakdown>> {
        super::check_id("session_id", session_id)?;
        self.read("per-trace breakdown", |c| {
            let mut stmt = c.prepare_cached(
                "SELECT trace_id, kind, outcome, input_tokens, output_tokens, cost_usd, ts \
                 FROM events WHERE session_id = ?1 ORDER BY ts, seq",
            )?;
            let mut rows = stmt.query([session_id])?;
            let mut out: Vec<TraceBreakdown> = Vec::new();
            while let Some(r) = rows.next()? {
                let trace: Option<String> = r.get(0)?;
                let ts = from_micros(r.get(6)?);
                let i = match out.iter().position(|t| t.trace_id == trace) {
                    Some(i) => i,
                    None => {
                        out.push(TraceBreakdown {
                            trace_id: trace,
                            events: 0,
                            requests: 0,
                            failures: 0,
                            input_tokens: 0,
                            output_tokens: 0,
                            cost_usd: Decimal::ZERO,
                            first_at: ts,
                            last_at: ts,
                        });
                        out.len() - 1
                    }
                };
                let t = &mut out[i];
                t.events += 1;
                t.requests += u64::from(r.get::<_, String>(1)? == crate::event::kinds::LLM_CALL);
                t.failures += u64::from(r.get::<_, String>(2)? == "failed");
                t.input_tokens += r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64;
                t.output_tokens += r.get::<_, Option<i64>>(4)?.unwrap_or(0) as u64;
                t.cost_usd += dec(r.get(5)?)?;
                t.last_at = t.last_at.max(ts);
            }
            Ok(out)
        })
    }

    /// LLM-call totals per model, provider or agent over `[since, until]`, counting every event
    /// logged before the call.
    pub fn usage_stats(
        &self,
        by: StatsBy,
        since: Option<DateTime<Utc>>,
        until: Option<DateTime<Utc>>,
    ) -> Result<Vec<StatRow>> {
        let col = match by {
            StatsBy::Model => "model",
            StatsBy::Provider => "provider",
            StatsBy::Agent => "agent",
        };
        self.settle();
        self.read("stats", |c| {
            let mut args = Vec::new();
            let range = range_sql("ts", "ts", since, until, &mut args);
            let sql = format!(
                "SELECT {col}, outcome, input_tokens, output_tokens, cost_usd, \
                 usage IS NOT NULL OR input_tokens IS NOT NULL OR output_tokens IS NOT NULL \
                 FROM events WHERE kind = 'llm_call'{range}"
            );
            let mut stmt = c.prepare(&sql)?;
            let mut rows = stmt.query(params_from_iter(args))?;
            let mut out: Vec<StatRow> = Vec::new();
            while let Some(r) = rows.next()? {
                let key: Option<String> = r.get(0)?;
                let i = match out.iter().position(|s| s.key == key) {
                    Some(i) => i,
                    None => {
                        out.push(StatRow {
                            key,
                            requests: 0,
                            failures: 0,
                            input_tokens: 0,
                            output_tokens: 0,
                            cost_usd: Decimal::ZERO,
                            unpriced: 0,
                        });
                        out.len() - 1
                    }
                };
                let s = &mut out[i];
                s.requests += 1;
                s.failures += u64::from(r.get::<_, String>(1)? == "failed");
                s.input_tokens += r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64;
                s.output_tokens += r.get::<_, Option<i64>>(3)?.unwrap_or(0) as u64;
                let cost: Option<String> = r.get(4)?;
                if cost.is_none() && r.get::<_, bool>(5)? {
                    s.unpriced += 1;
                }
                s.cost_usd += dec(cost)?;
            }
            out.sort_by_key(|s| std::cmp::Reverse(s.cost_usd));
            Ok(out)
        })
    }

    /// One session in `format`. `None` for an unknown session.
    pub fn export(&self, session_id: &str, format: ExportFormat) -> Result<Option<Vec<u8>>> {
        let Some(summary) = self.summary(session_id)? else {
            return Ok(None);
        };
        let events = self.events(session_id)?;
        let io = |source| StorageError::Io {
            path: format!("<export of {session_id}>").into(),
            source,
        };
        Ok(Some(match format {
            ExportFormat::Json => {
                let events: Vec<serde_json::Value> = events.iter().map(event_json).collect();
                serde_json::to_vec_pretty(
                    &serde_json::json!({"summary": summary, "events": events}),
                )
                .map_err(|e| io(std::io::Error::other(e)))?
            }
            ExportFormat::Csv => csv(&events),
            ExportFormat::Hail => {
                let first = events.first().map_or_else(Utc::now, |e| e.timestamp);
                let agent = Agent {
                    provider: events
                        .iter()
                        .find_map(|e| e.provider.clone())
                        .unwrap_or_else(|| "unknown".into()),
                    model: events
                        .iter()
                        .find_map(|e| e.model.clone())
                        .unwrap_or_else(|| "unknown".into()),
                    tool: summary.agent.clone().unwrap_or_else(|| "hailog".into()),
                    tool_version: None,
                    extra: Default::default(),
                };
                let mut w = HailWriter::new(Vec::new(), &Header::new(session_id, agent, first))
                    .map_err(io)?;
                for ev in &events {
                    w.write_event(ev).map_err(io)?;
                }
                w.finish().map_err(io)?
            }
        }))
    }

    /// Ends every open session silent for longer than `max_age` (an `End` event stamped now,
    /// noting the recovery). Returns the ids it ended.
    pub fn recover_stale(
        &self,
        max_age: std::time::Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<String>> {
        let cutoff = now
            - Duration::from_std(max_age).map_err(|e| Error::invalid("max_age", e.to_string()))?;
        let ids: Vec<String> = self.read("find stale sessions", |c| {
            let mut stmt = c.prepare(
                "SELECT session_id FROM sessions WHERE ended_at IS NULL AND last_event_at < ?1",
            )?;
            let rows = stmt.query_map([cutoff.timestamp_micros()], |r| r.get(0))?;
            rows.collect()
        })?;
        for id in &ids {
            let mut ev = Event::session_op(
                id.as_str(),
                SessionOp::End {
                    notes: Some(format!(
                        "recovered: no event for more than {}s",
                        max_age.as_secs()
                    )),
                },
            );
            ev.timestamp = now;
            self.log(ev)?;
        }
        self.flush(None)?;
        Ok(ids)
    }
}

fn event_json(ev: &Event) -> serde_json::Value {
    let mut line = Vec::new();
    crate::hail::write_event_line(ev, &mut line);
    serde_json::from_slice(&line).unwrap_or(serde_json::Value::Null)
}

fn csv_field(out: &mut String, v: &str) {
    if v.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&v.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(v);
    }
}

fn csv(events: &[Event]) -> Vec<u8> {
    csv_with(events, false, true)
}

/// CSV rows of `events`; `session_column` adds a leading `session_id` column (exports of several
/// sessions), `header` writes the header line first.
pub(super) fn csv_with(events: &[Event], session_column: bool, header: bool) -> Vec<u8> {
    let mut out = String::new();
    if header {
        if session_column {
            out.push_str("session_id,");
        }
        out.push_str(
            "event_id,timestamp,kind,outcome,trace_id,agent,provider,model,input_tokens,output_tokens,cost_usd,latency_ms,error\n",
        );
    }
    for ev in events {
        if session_column {
            csv_field(&mut out, &ev.session_id);
            out.push(',');
        }
        let usage = ev.usage.as_ref();
        let fields = [
            ev.event_id.clone(),
            ev.timestamp.to_rfc3339(),
            ev.event_type.kind_name().to_string(),
            ev.outcome.as_str().to_string(),
            ev.trace_id.clone().unwrap_or_default(),
            ev.agent.clone().unwrap_or_default(),
            ev.provider.clone().unwrap_or_default(),
            ev.model.clone().unwrap_or_default(),
            usage
                .and_then(|u| u.input_total())
                .map(|v| v.to_string())
                .unwrap_or_default(),
            usage
                .and_then(|u| u.output_total())
                .map(|v| v.to_string())
                .unwrap_or_default(),
            crate::store::usd_of(ev)
                .map(|d| d.to_string())
                .unwrap_or_default(),
            ev.latency_ms.map(|v| v.to_string()).unwrap_or_default(),
            ev.error.clone().unwrap_or_default(),
        ];
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            csv_field(&mut out, f);
        }
        out.push('\n');
    }
    out.into_bytes()
}
