//! The SQLite sink: one batched IMMEDIATE transaction per writer cycle that inserts events
//! (insert-or-ignore on the event id) and folds only the rows actually inserted into the stored
//! per-session aggregates, so totals stay exact across retries, replays and processes.

use super::StorageError;
use super::schema::{is_busy, retry_busy};
use crate::event::{EventType, SessionOp};
use crate::session::SessionSummary;
use crate::{Cost, Event, Outcome, Usage};
use chrono::{DateTime, Datelike, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, Row, ToSql, TransactionBehavior, params};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::HashMap;
use std::str::FromStr;

/// The indexed per-session columns (filters and sorting read these, never the events).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRow {
    pub session_id: String,
    pub agent: Option<String>,
    pub name: Option<String>,
    pub repo: Option<String>,
    pub started_at: DateTime<Utc>,
    pub last_event_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub event_count: u64,
    /// Exact USD total of the priced events.
    pub cost_usd: Decimal,
    pub tags: Vec<String>,
    pub models: Vec<String>,
}

impl SessionRow {
    fn new(session_id: &str, ts: DateTime<Utc>) -> Self {
        SessionRow {
            session_id: session_id.to_string(),
            agent: None,
            name: None,
            repo: None,
            started_at: ts,
            last_event_at: ts,
            ended_at: None,
            event_count: 0,
            cost_usd: Decimal::ZERO,
            tags: Vec::new(),
            models: Vec::new(),
        }
    }

    /// Folds one newly stored event into the row; `fresh` collects tags and models that the
    /// side tables do not know yet.
    fn apply(&mut self, ev: &Event, fresh: &mut Fresh) {
        self.event_count += 1;
        self.started_at = self.started_at.min(ev.timestamp);
        self.last_event_at = self.last_event_at.max(ev.timestamp);
        if let Some(total) = usd(ev.cost.as_ref()) {
            self.cost_usd += total;
        }
        if self.agent.is_none() {
            self.agent.clone_from(&ev.agent);
        }
        if let Some(model) = &ev.model
            && !self.models.contains(model)
        {
            self.models.push(model.clone());
            fresh.models.push(model.clone());
        }
        match &ev.op {
            Some(SessionOp::End { .. }) => self.ended_at = Some(ev.timestamp),
            // Any later event reopens an ended session.
            _ if self.ended_at.is_some_and(|end| ev.timestamp > end) => self.ended_at = None,
            _ => {}
        }
        let mut add_tag = |tag: &String| {
            if !self.tags.contains(tag) {
                self.tags.push(tag.clone());
                fresh.tags.push(tag.clone());
            }
        };
        match &ev.op {
            Some(SessionOp::Start { name, tags, .. }) => {
                if name.is_some() {
                    self.name.clone_from(name);
                }
                tags.iter().for_each(&mut add_tag);
            }
            Some(SessionOp::SetName { name }) => self.name = Some(name.clone()),
            Some(SessionOp::AddTag { tag }) => add_tag(tag),
            Some(SessionOp::SetRepo { repo }) => self.repo = Some(repo.clone()),
            _ => {}
        }
    }
}

#[derive(Default)]
struct Fresh {
    tags: Vec<String>,
    models: Vec<String>,
}

/// The USD amount of a cost, if it has one.
pub(crate) fn usd(cost: Option<&Cost>) -> Option<Decimal> {
    cost.filter(|c| c.currency.eq_ignore_ascii_case("USD"))
        .and_then(|c| c.total)
}

/// The USD cost of an event, if it has one.
pub fn usd_of(ev: &Event) -> Option<Decimal> {
    usd(ev.cost.as_ref())
}

/// What one batch changed.
#[derive(Debug, Default)]
pub struct BatchOutcome {
    /// Per input event: stored now (`true`) or already present (`false`).
    pub inserted: Vec<bool>,
    /// The stored rows of every session the batch touched, after the commit.
    pub sessions: Vec<SessionRow>,
    /// `(agent, UTC day, stored total)` for every agent-day the batch added spend to.
    pub agent_days: Vec<(String, String, Decimal)>,
}

/// The writer's connection. Not `Sync`: it lives on the writer thread.
pub struct SqliteStore {
    conn: Connection,
    scratch: Box<RowScratch>,
    names: Box<NameIds>,
}

/// The columns of `event_rows` an insert fills, in parameter order.
const EVENT_ROW_COLUMNS: [&str; 25] = [
    "event_id",
    "skey",
    "ts",
    "kind",
    "outcome",
    "agent",
    "model",
    "provider",
    "tool",
    "trace_id",
    "task_id",
    "request_id",
    "error",
    "latency_ms",
    "duration_ms",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "event_type",
    "usage",
    "cost",
    "op",
    "content",
    "attributes",
    "extra",
];

/// Rows per multi-row insert. One statement per row spends a good part of its time starting
/// and finishing the statement; a statement of many rows pays that once.
const GROUP: usize = 32;

/// `INSERT OR IGNORE` of `rows` event rows in one statement.
fn insert_sql(rows: usize) -> String {
    let n = EVENT_ROW_COLUMNS.len();
    let mut sql = format!(
        "INSERT OR IGNORE INTO event_rows ({}) VALUES ",
        EVENT_ROW_COLUMNS.join(", ")
    );
    for r in 0..rows {
        sql.push_str(if r == 0 { "(" } else { ", (" });
        for c in 0..n {
            if c > 0 {
                sql.push_str(", ");
            }
            sql.push('?');
            sql.push_str(&(r * n + c + 1).to_string());
        }
        sql.push(')');
    }
    sql
}

fn insert_one_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| insert_sql(1))
}

fn insert_group_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| insert_sql(GROUP))
}

/// An insert statement with what each of its parameters is bound to: SQLite keeps bindings
/// from one execution to the next, so a parameter that stays NULL (most of a row's columns) or
/// keeps the same integer (the ids of the kind, model, provider and agent) is bound once, not
/// once per row.
struct Insert<'c> {
    stmt: rusqlite::CachedStatement<'c>,
    bound: Vec<Bound>,
}

#[derive(Clone, Copy, PartialEq)]
enum Bound {
    Null,
    Int(i64),
    /// Text or a blob, which is bound again every time.
    Other,
}

impl<'c> Insert<'c> {
    fn new(conn: &'c Connection, sql: &str) -> rusqlite::Result<Self> {
        let mut stmt = conn.prepare_cached(sql)?;
        stmt.clear_bindings();
        let bound = vec![Bound::Null; stmt.parameter_count()];
        Ok(Insert { stmt, bound })
    }

    /// Binds a text or blob value, or NULL.
    fn bind<T: ToSql>(&mut self, index: usize, value: Option<T>) -> rusqlite::Result<()> {
        match value {
            Some(v) => {
                self.bound[index - 1] = Bound::Other;
                self.stmt.raw_bind_parameter(index, v)
            }
            None => self.bind_int(index, None),
        }
    }

    fn bind_int(&mut self, index: usize, value: Option<i64>) -> rusqlite::Result<()> {
        let now = value.map_or(Bound::Null, Bound::Int);
        let slot = &mut self.bound[index - 1];
        if *slot == now {
            return Ok(());
        }
        *slot = now;
        match value {
            Some(v) => self.stmt.raw_bind_parameter(index, v),
            None => self.stmt.raw_bind_parameter(index, rusqlite::types::Null),
        }
    }
}

/// The columns of a row that hold an id from `names`.
#[derive(Clone, Copy)]
enum NameColumn {
    Kind,
    Outcome,
    Agent,
    Model,
    Provider,
    Tool,
}

/// The integer ids of `names`, cached for the writer's connection. A name's id never changes
/// once committed (names are only ever added), so the cache stays right across batches and
/// other processes; ids added by a transaction that rolls back are forgotten.
#[derive(Default)]
struct NameIds {
    ids: HashMap<String, i64>,
    /// Names this transaction added to the table.
    added: Vec<String>,
    /// The last name looked up per column: consecutive events mostly repeat them.
    last: [(String, i64); 6],
}

impl NameIds {
    fn id(&mut self, conn: &Connection, column: NameColumn, name: &str) -> rusqlite::Result<i64> {
        let last = &mut self.last[column as usize];
        if last.1 != 0 && last.0 == name {
            return Ok(last.1);
        }
        let id = match self.ids.get(name) {
            Some(&id) => id,
            None => {
                let found: Option<i64> = conn
                    .prepare_cached("SELECT id FROM names WHERE name = ?1")?
                    .query_row([name], |r| r.get(0))
                    .optional()?;
                let id = match found {
                    Some(id) => id,
                    None => {
                        conn.prepare_cached("INSERT INTO names (name) VALUES (?1)")?
                            .execute([name])?;
                        self.added.push(name.to_owned());
                        conn.last_insert_rowid()
                    }
                };
                self.ids.insert(name.to_owned(), id);
                id
            }
        };
        let last = &mut self.last[column as usize];
        last.0.clear();
        last.0.push_str(name);
        last.1 = id;
        Ok(id)
    }

    fn opt_id(
        &mut self,
        conn: &Connection,
        column: NameColumn,
        name: Option<&String>,
    ) -> rusqlite::Result<Option<i64>> {
        name.map(|n| self.id(conn, column, n)).transpose()
    }

    /// The transaction committed: what it added is now stored for good.
    fn committed(&mut self) {
        self.added.clear();
    }

    /// The transaction rolled back: the names it added are not in the table.
    fn rolled_back(&mut self) {
        for name in self.added.drain(..) {
            self.ids.remove(&name);
        }
        self.last = Default::default();
    }
}

const SESSION_COLUMNS: &str =
    "session_id, agent, name, repo, started_at, last_event_at, ended_at, event_count, cost_usd";

fn to_json<T: Serialize + ?Sized>(v: &T) -> rusqlite::Result<String> {
    serde_json::to_string(v).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn micros(ts: DateTime<Utc>) -> i64 {
    ts.timestamp_micros()
}

pub(crate) fn from_micros(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(v).unwrap_or_default()
}

/// Buffers the JSON columns of one row are written into, reused across rows so the writer does
/// not allocate per event; the last event type's JSON is kept, as consecutive events share it.
#[derive(Default)]
struct RowScratch {
    cost_usd: String,
    event_type: Option<EventType>,
    event_type_json: Vec<u8>,
    usage: String,
    cost: String,
    /// The digits of the decimals in the cost's JSON.
    digits: String,
    op: Vec<u8>,
}

/// Writes `v` as JSON into `buf` and returns it as text.
fn json_into<'b, T: Serialize + ?Sized>(buf: &'b mut Vec<u8>, v: &T) -> rusqlite::Result<&'b str> {
    use rusqlite::Error::ToSqlConversionFailure as Failed;
    buf.clear();
    serde_json::to_writer(&mut *buf, v).map_err(|e| Failed(e.into()))?;
    std::str::from_utf8(buf).map_err(|e| Failed(e.into()))
}

fn opt_json_into<'b, T: Serialize>(
    buf: &'b mut Vec<u8>,
    v: Option<&T>,
) -> rusqlite::Result<Option<&'b str>> {
    v.map(|v| json_into(buf, v)).transpose()
}

/// The 16 bytes of a UUID written in its canonical form (lowercase, hyphenated), which is how
/// such an id is stored so the unique index holds 16 bytes instead of 36; any other id is stored
/// as text. Only the canonical form is packed, so reading the id back gives the same text.
pub(crate) fn packed_uuid(id: &str) -> Option<[u8; 16]> {
    let b = id.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut out = [0u8; 16];
    let mut n = 0;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return None,
        };
        out[n / 2] |= if n % 2 == 0 { v << 4 } else { v };
        n += 1;
    }
    Some(out)
}

/// Reads an event id stored either as a packed UUID or as text.
fn stored_id(r: &Row<'_>, i: usize) -> rusqlite::Result<String> {
    match r.get_ref(i)? {
        ValueRef::Blob(b) => uuid::Uuid::from_slice(b)
            .map(|u| u.hyphenated().to_string())
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Blob,
                    format!("event_id: {e}").into(),
                )
            }),
        _ => r.get(i),
    }
}

/// Usage whose only counts are `input` and `output`: the `input_tokens` and `output_tokens`
/// columns then hold all of it, so no JSON is stored. (Every field is named, so a field added
/// to `Usage` must be considered here.)
fn usage_is_plain(u: &Usage) -> bool {
    let Usage {
        input,
        cache_read,
        cache_write_5m,
        cache_write_1h,
        output,
        reasoning,
        input_audio,
        input_image,
        output_audio,
        web_search_requests,
        model,
        provider,
        response_id,
        finish_reason,
        reported_cost,
        outcome,
        error,
        partial,
        anomalies,
        raw,
    } = u;
    (input.is_some() || output.is_some())
        && [
            cache_read,
            cache_write_5m,
            cache_write_1h,
            reasoning,
            input_audio,
            input_image,
            output_audio,
            web_search_requests,
        ]
        .iter()
        .all(|c| c.is_none())
        && [model, provider, response_id, finish_reason]
            .iter()
            .all(|t| t.is_none())
        && reported_cost.is_none()
        && *outcome == Outcome::default()
        && error.is_none()
        && !partial
        && anomalies.is_empty()
        && raw.is_none()
}

/// A reported USD total with nothing else: the `cost_usd` column holds all of it. (Every field
/// is named, so a field added to `Cost` must be considered here.)
fn cost_is_plain(c: &Cost) -> bool {
    let Cost {
        total,
        currency,
        breakdown,
        provenance,
        table_version,
        model,
        rules,
    } = c;
    total.is_some()
        && currency.as_str() == "USD"
        && breakdown.is_empty()
        && *provenance == crate::pricing::Provenance::Reported
        && table_version.is_none()
        && model.is_none()
        && rules.is_empty()
}

/// The usage of a row: its JSON, or (when the row was stored without it) the two token
/// columns. A row with neither had no usage.
pub(crate) fn usage_from_columns(
    json: Option<&str>,
    input: Option<i64>,
    output: Option<i64>,
) -> Result<Option<Usage>, serde_json::Error> {
    match json {
        Some(text) => serde_json::from_str(text).map(Some),
        None if input.is_some() || output.is_some() => Ok(Some(Usage {
            input: input.map(|v| v as u64),
            output: output.map(|v| v as u64),
            ..Usage::default()
        })),
        None => Ok(None),
    }
}

/// Binds the row of `ev` to the parameters of `insert` that start after `base`.
fn bind_event(
    conn: &Connection,
    insert: &mut Insert<'_>,
    base: usize,
    scratch: &mut RowScratch,
    names: &mut NameIds,
    skey: i64,
    ev: &Event,
) -> rusqlite::Result<()> {
    let usage = ev.usage.as_ref();
    let packed = packed_uuid(&ev.event_id);
    match &packed {
        Some(bytes) => insert.bind(base + 1, Some(bytes))?,
        None => insert.bind(base + 1, Some(&ev.event_id))?,
    }
    insert.bind_int(base + 2, Some(skey))?;
    insert.bind_int(base + 3, Some(micros(ev.timestamp)))?;
    let kind = names.id(conn, NameColumn::Kind, ev.event_type.kind_name())?;
    insert.bind_int(base + 4, Some(kind))?;
    let outcome = names.id(conn, NameColumn::Outcome, ev.outcome.as_str())?;
    insert.bind_int(base + 5, Some(outcome))?;
    let agent = names.opt_id(conn, NameColumn::Agent, ev.agent.as_ref())?;
    insert.bind_int(base + 6, agent)?;
    let model = names.opt_id(conn, NameColumn::Model, ev.model.as_ref())?;
    insert.bind_int(base + 7, model)?;
    let provider = names.opt_id(conn, NameColumn::Provider, ev.provider.as_ref())?;
    insert.bind_int(base + 8, provider)?;
    let tool = names.opt_id(conn, NameColumn::Tool, ev.tool.as_ref())?;
    insert.bind_int(base + 9, tool)?;
    insert.bind(base + 10, ev.trace_id.as_ref())?;
    insert.bind(base + 11, ev.task_id.as_ref())?;
    insert.bind(base + 12, ev.request_id.as_ref())?;
    insert.bind(base + 13, ev.error.as_ref())?;
    insert.bind_int(base + 14, ev.latency_ms.map(|v| v as i64))?;
    insert.bind_int(base + 15, ev.duration_ms.map(|v| v as i64))?;
    let cost_usd = usd(ev.cost.as_ref()).map(|d| decimal_text(&d, &mut scratch.cost_usd));
    insert.bind(base + 16, cost_usd)?;
    let input = usage.and_then(Usage::input_total).map(|v| v as i64);
    insert.bind_int(base + 17, input)?;
    let output = usage.and_then(Usage::output_total).map(|v| v as i64);
    insert.bind_int(base + 18, output)?;
    // A custom event type is all in the `kind` column; only the others need their JSON.
    let event_type = match ev.event_type {
        EventType::Custom { .. } => None,
        _ => {
            if scratch.event_type.as_ref() != Some(&ev.event_type) {
                scratch.event_type = None;
                json_into(&mut scratch.event_type_json, &ev.event_type)?;
                scratch.event_type = Some(ev.event_type.clone());
            }
            Some(
                std::str::from_utf8(&scratch.event_type_json)
                    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?,
            )
        }
    };
    insert.bind(base + 19, event_type)?;
    let digits = &mut scratch.digits;
    let usage_json = usage.filter(|u| !usage_is_plain(u)).map(|u| {
        scratch.usage.clear();
        super::json::write_usage(&mut scratch.usage, u, digits);
        scratch.usage.as_str()
    });
    insert.bind(base + 20, usage_json)?;
    let cost_json = ev.cost.as_ref().filter(|c| !cost_is_plain(c)).map(|c| {
        scratch.cost.clear();
        super::json::write_cost(&mut scratch.cost, c, digits);
        scratch.cost.as_str()
    });
    insert.bind(base + 21, cost_json)?;
    insert.bind(base + 22, opt_json_into(&mut scratch.op, ev.op.as_ref())?)?;
    let content = if ev.content.is_empty() {
        None
    } else {
        Some(to_json(&ev.content)?)
    };
    insert.bind(base + 23, content)?;
    insert.bind(base + 24, json_map(&ev.attributes)?)?;
    insert.bind(base + 25, json_map(&ev.extra)?)
}

/// `d` as `Decimal::to_string` writes it (sign, digits, the point at its scale, trailing zeros
/// kept), written into `buf` without going through the formatter when the digits fit a u64.
pub(crate) fn decimal_text<'b>(d: &Decimal, buf: &'b mut String) -> &'b str {
    buf.clear();
    let mantissa = d.mantissa();
    let Ok(digits) = u64::try_from(mantissa.unsigned_abs()) else {
        use std::fmt::Write;
        let _ = write!(buf, "{d}");
        return buf;
    };
    if mantissa < 0 {
        buf.push('-');
    }
    let mut itoa = itoa::Buffer::new();
    let text = itoa.format(digits);
    let scale = d.scale() as usize;
    if scale == 0 {
        buf.push_str(text);
    } else if text.len() > scale {
        let (int, frac) = text.split_at(text.len() - scale);
        buf.push_str(int);
        buf.push('.');
        buf.push_str(frac);
    } else {
        // At most 28 zeros: a decimal's scale is at most 28.
        const ZEROS: &str = "0.0000000000000000000000000000";
        buf.push_str(&ZEROS[..2 + scale - text.len()]);
        buf.push_str(text);
    }
    buf
}

fn json_map(map: &serde_json::Map<String, serde_json::Value>) -> rusqlite::Result<Option<String>> {
    if map.is_empty() {
        Ok(None)
    } else {
        to_json(map).map(Some)
    }
}

fn parse_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: Option<String>,
) -> rusqlite::Result<Option<T>> {
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| {
            rusqlite::Error::FromSqlConversionFailure(
                0,
                rusqlite::types::Type::Text,
                format!("{what}: {e}").into(),
            )
        })
    })
    .transpose()
}

/// The columns [`event_from_row`] reads, in order.
pub(crate) const EVENT_COLUMNS: &str = "event_id, session_id, ts, event_type, outcome, trace_id, \
    task_id, agent, model, provider, tool, request_id, error, latency_ms, duration_ms, usage, \
    cost, op, content, attributes, extra, kind, cost_usd, input_tokens, output_tokens";

fn conversion(i: usize, what: &str, e: impl std::fmt::Display) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        i,
        rusqlite::types::Type::Text,
        format!("{what}: {e}").into(),
    )
}

/// Rebuilds an event from a row selected with [`EVENT_COLUMNS`]. Rows written without the
/// event type, usage or cost JSON get them back from the typed columns.
pub(crate) fn event_from_row(r: &Row<'_>) -> rusqlite::Result<Event> {
    let event_type: EventType = match parse_json("event_type", r.get(3)?)? {
        Some(t) => t,
        None => EventType::custom(r.get_ref(21)?.as_str()?),
    };
    let outcome: String = r.get(4)?;
    let usage_json: Option<String> = r.get(15)?;
    let usage = usage_from_columns(usage_json.as_deref(), r.get(23)?, r.get(24)?)
        .map_err(|e| conversion(15, "usage", e))?;
    let cost = match parse_json("cost", r.get(16)?)? {
        Some(c) => Some(c),
        None => r
            .get::<_, Option<String>>(22)?
            .map(|t| decimal("cost_usd", &t).map(Cost::reported))
            .transpose()?,
    };
    Ok(Event {
        event_id: stored_id(r, 0)?,
        session_id: r.get(1)?,
        timestamp: from_micros(r.get(2)?),
        event_type,
        outcome: Outcome::from_str(&outcome).unwrap_or(Outcome::Failed),
        trace_id: r.get(5)?,
        task_id: r.get(6)?,
        agent: r.get(7)?,
        model: r.get(8)?,
        provider: r.get(9)?,
        tool: r.get(10)?,
        request_id: r.get(11)?,
        error: r.get(12)?,
        latency_ms: r.get::<_, Option<i64>>(13)?.map(|v| v as u64),
        duration_ms: r.get::<_, Option<i64>>(14)?.map(|v| v as u64),
        usage,
        cost,
        op: parse_json("op", r.get(17)?)?,
        content: parse_json("content", r.get(18)?)?.unwrap_or_default(),
        attributes: parse_json("attributes", r.get(19)?)?.unwrap_or_default(),
        extra: parse_json("extra", r.get(20)?)?.unwrap_or_default(),
    })
}

fn decimal(what: &str, text: &str) -> rusqlite::Result<Decimal> {
    Decimal::from_str(text).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("{what}: {text:?}: {e}").into(),
        )
    })
}

fn session_from_row(r: &Row<'_>) -> rusqlite::Result<SessionRow> {
    let cost: String = r.get(8)?;
    Ok(SessionRow {
        session_id: r.get(0)?,
        agent: r.get(1)?,
        name: r.get(2)?,
        repo: r.get(3)?,
        started_at: from_micros(r.get(4)?),
        last_event_at: from_micros(r.get(5)?),
        ended_at: r.get::<_, Option<i64>>(6)?.map(from_micros),
        event_count: r.get::<_, i64>(7)? as u64,
        cost_usd: decimal("sessions.cost_usd", &cost)?,
        tags: Vec::new(),
        models: Vec::new(),
    })
}

fn strings(conn: &Connection, sql: &str, key: &str) -> rusqlite::Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([key], |r| r.get(0))?;
    rows.collect()
}

/// Reads one session's row with its tags and models.
pub(crate) fn read_session(conn: &Connection, id: &str) -> rusqlite::Result<Option<SessionRow>> {
    let sql = format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE session_id = ?1");
    let Some(mut row) = conn
        .prepare_cached(&sql)?
        .query_row([id], session_from_row)
        .optional()?
    else {
        return Ok(None);
    };
    row.tags = strings(
        conn,
        "SELECT tag FROM session_tags WHERE session_id = ?1 ORDER BY tag",
        id,
    )?;
    row.models = strings(
        conn,
        "SELECT model FROM session_models WHERE session_id = ?1 ORDER BY model",
        id,
    )?;
    Ok(Some(row))
}

/// Every stored event of a session in time order (then storage order).
pub(crate) fn read_events(conn: &Connection, session_id: &str) -> rusqlite::Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE session_id = ?1 ORDER BY ts, seq"
    ))?;
    let rows = stmt.query_map([session_id], event_from_row)?;
    rows.collect()
}

impl SqliteStore {
    pub fn new(conn: Connection) -> Self {
        SqliteStore {
            conn,
            scratch: Box::default(),
            names: Box::default(),
        }
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Stores a batch in one transaction. SQLITE_BUSY (another process holds the write lock
    /// beyond the busy timeout) rolls back and retries the whole batch; it never reaches the
    /// caller.
    pub fn write_batch(&mut self, events: &[Event]) -> Result<BatchOutcome, StorageError> {
        let mut pause = std::time::Duration::from_millis(1);
        let mut attempts = 0u32;
        // Rows go in groups until a group finds an id already stored; the batch is then
        // written again a row at a time, which tells which rows were new.
        let mut grouped = true;
        loop {
            let result = self.try_write(events, grouped);
            match &result {
                Ok(Some(_)) => self.names.committed(),
                _ => self.names.rolled_back(),
            }
            match result {
                Err(e) if is_busy(&e) && attempts < 1000 => {
                    attempts += 1;
                    std::thread::sleep(pause);
                    pause = (pause * 2).min(std::time::Duration::from_millis(50));
                }
                Err(source) => {
                    return Err(StorageError::Sqlite {
                        context: format!("store a batch of {} events", events.len()),
                        source,
                    });
                }
                Ok(None) => grouped = false,
                Ok(Some(outcome)) => return Ok(outcome),
            }
        }
    }

    /// One attempt at a batch. `Ok(None)` when `grouped` and a group held an event already
    /// stored: the transaction is rolled back, as the group cannot tell which one it was.
    fn try_write(
        &mut self,
        events: &[Event],
        grouped: bool,
    ) -> rusqlite::Result<Option<BatchOutcome>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut inserted = Vec::with_capacity(events.len());
        // Sessions in first-touch order, so the write-back order is deterministic.
        let mut touched: Vec<Touched> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut spend: Vec<(String, i32, Decimal)> = Vec::new();
        let mut slots: Vec<usize> = Vec::with_capacity(GROUP);
        {
            let mut last = None;
            let mut session_of = |ev| session_slot(&tx, &mut touched, &mut index, &mut last, ev);
            let groups = if grouped { events.len() / GROUP } else { 0 };
            let (head, tail) = events.split_at(groups * GROUP);
            let mut slot_list: Vec<usize> = Vec::with_capacity(events.len());
            if !head.is_empty() {
                let mut insert = Insert::new(&tx, insert_group_sql())?;
                let n = EVENT_ROW_COLUMNS.len();
                for group in head.chunks_exact(GROUP) {
                    slots.clear();
                    for (k, ev) in group.iter().enumerate() {
                        let (slot, skey) = session_of(ev)?;
                        slots.push(slot);
                        let names = &mut self.names;
                        bind_event(&tx, &mut insert, k * n, &mut self.scratch, names, skey, ev)?;
                    }
                    if insert.stmt.raw_execute()? != GROUP {
                        return Ok(None);
                    }
                    slot_list.extend_from_slice(&slots);
                    inserted.extend(std::iter::repeat_n(true, GROUP));
                }
            }
            if !tail.is_empty() {
                let mut insert = Insert::new(&tx, insert_one_sql())?;
                for ev in tail {
                    let (slot, skey) = session_of(ev)?;
                    bind_event(
                        &tx,
                        &mut insert,
                        0,
                        &mut self.scratch,
                        &mut self.names,
                        skey,
                        ev,
                    )?;
                    inserted.push(insert.stmt.raw_execute()? == 1);
                    slot_list.push(slot);
                }
            }
            for ((ev, &slot), &stored) in events.iter().zip(&slot_list).zip(&inserted) {
                if !stored {
                    continue;
                }
                let t = &mut touched[slot];
                t.row.apply(ev, &mut t.fresh);
                t.summary.fold(ev);
                if let (Some(total), Some(agent)) = (
                    usd(ev.cost.as_ref()),
                    ev.agent.as_ref().or(t.row.agent.as_ref()),
                ) {
                    // Formatting the day is costly: compare day numbers, format once per entry.
                    let day = ev.timestamp.num_days_from_ce();
                    match spend
                        .iter_mut()
                        .find(|(a, d, _)| *d == day && a.as_str() == agent.as_str())
                    {
                        Some((_, _, sum)) => *sum += total,
                        None => spend.push((agent.clone(), day, total)),
                    }
                }
            }
        }
        for t in &mut touched {
            t.summary.settle();
            t.write(&tx)?;
        }
        let spend = spend.into_iter().map(|(agent, day, total)| {
            let day = ev_day(day);
            ((agent, day), total)
        });
        let mut agent_days = Vec::with_capacity(spend.len());
        for ((agent, day), add) in spend {
            let stored: Option<String> = tx
                .prepare_cached(
                    "SELECT cost_usd FROM agent_day_spend WHERE agent = ?1 AND day = ?2",
                )?
                .query_row(params![agent, day], |r| r.get(0))
                .optional()?;
            let total = match stored {
                Some(text) => decimal("agent_day_spend.cost_usd", &text)? + add,
                None => add,
            };
            tx.prepare_cached(
                "INSERT OR REPLACE INTO agent_day_spend (agent, day, cost_usd) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![agent, day, total.to_string()])?;
            agent_days.push((agent, day, total));
        }
        tx.commit()?;
        Ok(Some(BatchOutcome {
            inserted,
            sessions: touched
                .into_iter()
                .filter(|t| t.row.event_count > 0)
                .map(|t| t.row)
                .collect(),
            agent_days,
        }))
    }

    /// Reads one session's stored row.
    pub fn session(&self, id: &str) -> Result<Option<SessionRow>, StorageError> {
        retry_busy(|| read_session(&self.conn, id)).map_err(|source| StorageError::Sqlite {
            context: format!("read session {id:?}"),
            source,
        })
    }
}

/// The `YYYY-MM-DD` key of a day counted from the Common Era.
fn ev_day(days_from_ce: i32) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(days_from_ce)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

/// The stored summary of a session (kept incrementally by the writer).
pub(crate) fn read_summary(
    conn: &Connection,
    id: &str,
) -> rusqlite::Result<Option<SessionSummary>> {
    let text: Option<Option<String>> = conn
        .prepare_cached("SELECT summary FROM sessions WHERE session_id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?;
    parse_json("sessions.summary", text.flatten())
}

/// The position in `touched` of the session of `ev`, loading it at its first event, and its key.
fn session_slot<'e>(
    conn: &Connection,
    touched: &mut Vec<Touched>,
    index: &mut HashMap<&'e str, usize>,
    last: &mut Option<usize>,
    ev: &'e Event,
) -> rusqlite::Result<(usize, i64)> {
    // Consecutive events are mostly of one session: compare with the last before hashing.
    if let Some(i) = *last
        && touched[i].row.session_id == ev.session_id
    {
        return Ok((i, touched[i].skey));
    }
    if let Some(&i) = index.get(ev.session_id.as_str()) {
        *last = Some(i);
        return Ok((i, touched[i].skey));
    }
    let t = Touched::load(conn, &ev.session_id, ev.timestamp)?;
    let skey = t.skey;
    touched.push(t);
    index.insert(ev.session_id.as_str(), touched.len() - 1);
    *last = Some(touched.len() - 1);
    Ok((touched.len() - 1, skey))
}

/// A session a batch writes to: its integer key and its stored row and summary, which the
/// batch's events are folded into and written back at the end of the transaction.
struct Touched {
    skey: i64,
    row: SessionRow,
    fresh: Fresh,
    summary: SessionSummary,
    /// The row was created by this batch (and is removed again if no event of the batch was
    /// stored in it, as when every event was a duplicate logged under another session id).
    created: bool,
}

impl Touched {
    fn load(conn: &Connection, id: &str, ts: DateTime<Utc>) -> rusqlite::Result<Touched> {
        let skey: Option<i64> = conn
            .prepare_cached("SELECT skey FROM sessions WHERE session_id = ?1")?
            .query_row([id], |r| r.get(0))
            .optional()?;
        if let Some(skey) = skey
            && let Some(row) = read_session(conn, id)?
        {
            let summary = read_summary(conn, id)?.unwrap_or_else(|| SessionSummary::new(id));
            return Ok(Touched {
                skey,
                row,
                fresh: Fresh::default(),
                summary,
                created: false,
            });
        }
        conn.prepare_cached(
            "INSERT INTO sessions (session_id, started_at, last_event_at, event_count, cost_usd) \
             VALUES (?1, ?2, ?2, 0, '0')",
        )?
        .execute(params![id, micros(ts)])?;
        Ok(Touched {
            skey: conn.last_insert_rowid(),
            row: SessionRow::new(id, ts),
            fresh: Fresh::default(),
            summary: SessionSummary::new(id),
            created: true,
        })
    }

    fn write(&self, conn: &Connection) -> rusqlite::Result<()> {
        let row = &self.row;
        if row.event_count == 0 {
            if self.created {
                conn.prepare_cached("DELETE FROM sessions WHERE skey = ?1")?
                    .execute([self.skey])?;
            }
            return Ok(());
        }
        conn.prepare_cached(
            "UPDATE sessions SET agent = ?2, name = ?3, repo = ?4, started_at = ?5, \
             last_event_at = ?6, ended_at = ?7, event_count = ?8, cost_usd = ?9, summary = ?10 \
             WHERE skey = ?1",
        )?
        .execute(params![
            self.skey,
            row.agent,
            row.name,
            row.repo,
            micros(row.started_at),
            micros(row.last_event_at),
            row.ended_at.map(micros),
            row.event_count as i64,
            row.cost_usd.to_string(),
            to_json(&self.summary)?,
        ])?;
        for tag in &self.fresh.tags {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO session_tags (tag, session_id) VALUES (?1, ?2)",
            )?
            .execute(params![tag, row.session_id])?;
        }
        for model in &self.fresh.models {
            conn.prepare_cached(
                "INSERT OR IGNORE INTO session_models (model, session_id) VALUES (?1, ?2)",
            )?
            .execute(params![model, row.session_id])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::schema::open_memory;

    fn llm(session: &str, cost: &str) -> Event {
        let mut ev = Event::new(session, EventType::custom(crate::event::kinds::LLM_CALL));
        ev.model = Some("gpt-4o".into());
        ev.agent = Some("bot".into());
        ev.usage = Some(Usage {
            input: Some(10),
            output: Some(5),
            ..Usage::default()
        });
        ev.cost = Some(Cost::reported(Decimal::from_str(cost).unwrap()));
        ev
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let mut ev = llm("s1", "0.001");
        ev.trace_id = Some("t1".into());
        ev.latency_ms = Some(120);
        ev.attributes
            .insert("x".into(), serde_json::json!({"k": [1, 2]}));
        store.write_batch(std::slice::from_ref(&ev)).unwrap();
        let back = store
            .connection()
            .query_row(
                &format!("SELECT {EVENT_COLUMNS} FROM events"),
                [],
                event_from_row,
            )
            .unwrap();
        // Stored timestamps have microsecond precision.
        let mut expected = ev.clone();
        expected.timestamp = from_micros(micros(ev.timestamp));
        assert_eq!(back, expected);
    }

    #[test]
    fn lean_rows_rebuild_the_same_events() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let plain = llm("s1", "0.00150");
        // Neither a canonical UUID (upper case) nor plain usage, cost or a custom type.
        let mut rich = llm("s1", "0.2");
        rich.event_id = plain.event_id.to_uppercase();
        rich.event_type = EventType::ToolCall {
            name: "grep".into(),
        };
        rich.usage.as_mut().unwrap().cache_read = Some(7);
        rich.cost.as_mut().unwrap().provenance = crate::pricing::Provenance::Computed;
        let mut zero = Event::new("s1", EventType::custom("note"));
        zero.usage = Some(Usage::default());
        let events = [plain.clone(), rich.clone(), zero.clone()];
        store.write_batch(&events).unwrap();
        let conn = store.connection();
        // (id type, event type JSON absent, usage JSON absent, cost JSON absent) of a row.
        let shape = |seq: i64| -> (String, bool, bool, bool) {
            conn.query_row(
                "SELECT typeof(event_id), event_type IS NULL, usage IS NULL, cost IS NULL \
                 FROM events WHERE seq = ?1",
                [seq],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap()
        };
        assert_eq!(shape(1), ("blob".to_string(), true, true, true));
        assert_eq!(shape(2), ("text".to_string(), false, false, false));
        let back = read_events(conn, "s1").unwrap();
        let expected: Vec<Event> = events
            .into_iter()
            .map(|mut e| {
                e.timestamp = from_micros(micros(e.timestamp));
                e
            })
            .collect();
        assert_eq!(back.len(), 3);
        for (b, e) in back.iter().zip(&expected) {
            assert_eq!(b, e);
        }
        // The decimal keeps its written scale.
        assert_eq!(
            back[0].cost.as_ref().unwrap().total.unwrap().to_string(),
            "0.00150"
        );
    }

    #[test]
    fn only_canonical_uuids_are_packed() {
        let id = "0192f0c1-7a2b-7c3d-8e4f-a0b1c2d3e4f5";
        let bytes = packed_uuid(id).unwrap();
        assert_eq!(uuid::Uuid::from_bytes(bytes).hyphenated().to_string(), id);
        for other in [
            "0192F0C1-7A2B-7C3D-8E4F-A0B1C2D3E4F5",
            "0192f0c17a2b7c3d8e4fa0b1c2d3e4f5",
            "0192f0c1-7a2b-7c3d-8e4f-a0b1c2d3e4fg",
            "0192f0c1-7a2b-7c3d-8e4f_a0b1c2d3e4f5",
            "k-1",
        ] {
            assert_eq!(packed_uuid(other), None, "{other}");
        }
    }

    #[test]
    fn duplicate_ids_are_stored_and_counted_once() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let a = llm("s1", "0.1");
        let b = llm("s1", "0.2");
        let out = store
            .write_batch(&[a.clone(), b.clone(), a.clone()])
            .unwrap();
        assert_eq!(out.inserted, vec![true, true, false]);
        let out = store.write_batch(&[b]).unwrap();
        assert_eq!(out.inserted, vec![false]);
        let row = store.session("s1").unwrap().unwrap();
        assert_eq!(row.event_count, 2);
        assert_eq!(row.cost_usd, Decimal::from_str("0.3").unwrap());
        assert_eq!(row.models, vec!["gpt-4o".to_string()]);
    }

    #[test]
    fn end_then_later_event_reopens() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let mut end = Event::session_op("s", SessionOp::End { notes: None });
        end.timestamp = from_micros(1_000_000);
        store.write_batch(&[end]).unwrap();
        assert!(store.session("s").unwrap().unwrap().ended_at.is_some());
        let mut late = llm("s", "0");
        late.timestamp = from_micros(2_000_000);
        store.write_batch(&[late]).unwrap();
        assert_eq!(store.session("s").unwrap().unwrap().ended_at, None);
    }

    #[test]
    fn grouped_rows_fall_back_to_single_rows_when_an_id_is_already_stored() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let events: Vec<Event> = (0..(3 * GROUP + 5))
            .map(|i| llm(&format!("s{}", i % 3), "0.001"))
            .collect();
        // One id of the second group is stored already, and one id repeats inside the batch.
        let early = events[GROUP + 7].clone();
        assert_eq!(store.write_batch(&[early]).unwrap().inserted, vec![true]);
        let mut batch = events.clone();
        batch.push(events[2].clone());
        let out = store.write_batch(&batch).unwrap();
        let mut expected = vec![true; batch.len()];
        expected[GROUP + 7] = false;
        *expected.last_mut().unwrap() = false;
        assert_eq!(out.inserted, expected);
        let total: u64 = (0..3)
            .map(|s| {
                store
                    .session(&format!("s{s}"))
                    .unwrap()
                    .unwrap()
                    .event_count
            })
            .sum();
        assert_eq!(total, events.len() as u64);
        let stored: i64 = store
            .connection()
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(stored, events.len() as i64);
        // Everything again: all duplicates, nothing counted twice.
        let again = store.write_batch(&events).unwrap();
        assert!(again.inserted.iter().all(|i| !i));
        let cost = store.session("s0").unwrap().unwrap().cost_usd;
        assert_eq!(
            cost,
            Decimal::from_str("0.001").unwrap() * Decimal::from(34)
        );
    }

    #[test]
    fn a_duplicate_under_another_session_id_leaves_no_empty_session() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let ev = llm("a", "0.1");
        store.write_batch(std::slice::from_ref(&ev)).unwrap();
        let mut moved = ev.clone();
        moved.session_id = "b".into();
        let out = store.write_batch(&[moved]).unwrap();
        assert_eq!(out.inserted, vec![false]);
        assert!(out.sessions.is_empty());
        assert_eq!(store.session("b").unwrap(), None);
        assert_eq!(store.session("a").unwrap().unwrap().event_count, 1);
    }

    #[test]
    fn names_added_by_a_rolled_back_batch_are_added_again() {
        let mut store = SqliteStore::new(open_memory().unwrap());
        let mut ev = llm("s", "0.1");
        ev.model = Some("model-new".into());
        // A batch that fails after its rows (and so the new model name) were inserted: the
        // agent's stored daily spend, read last, is unreadable.
        store.write_batch(&[llm("s", "0.1")]).unwrap();
        let spend = |store: &SqliteStore, v: &str| {
            store
                .connection()
                .execute("UPDATE agent_day_spend SET cost_usd = ?1", [v])
                .unwrap()
        };
        assert_eq!(spend(&store, "x"), 1);
        assert!(store.write_batch(std::slice::from_ref(&ev)).is_err());
        assert!(store.names.ids.contains_key("gpt-4o"));
        assert!(!store.names.ids.contains_key("model-new"));
        spend(&store, "0.1");
        store.write_batch(std::slice::from_ref(&ev)).unwrap();
        let model: String = store
            .connection()
            .query_row(
                "SELECT model FROM events WHERE event_id = ?1",
                [packed_uuid(&ev.event_id).unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(model, "model-new");
    }

    #[test]
    fn plain_usage_and_cost_are_exactly_the_ones_the_columns_hold() {
        let base = Usage {
            input: Some(10),
            output: Some(5),
            ..Usage::default()
        };
        let reference = |u: &Usage| {
            (u.input.is_some() || u.output.is_some())
                && *u
                    == Usage {
                        input: u.input,
                        output: u.output,
                        ..Usage::default()
                    }
        };
        let mut variants = vec![base.clone(), Usage::default()];
        let edits: Vec<fn(&mut Usage)> = vec![
            |u| u.cache_read = Some(1),
            |u| u.cache_write_5m = Some(1),
            |u| u.cache_write_1h = Some(1),
            |u| u.reasoning = Some(1),
            |u| u.input_audio = Some(1),
            |u| u.input_image = Some(1),
            |u| u.output_audio = Some(1),
            |u| u.web_search_requests = Some(1),
            |u| u.model = Some("m".into()),
            |u| u.provider = Some("p".into()),
            |u| u.response_id = Some("r".into()),
            |u| u.finish_reason = Some("stop".into()),
            |u| u.reported_cost = Some(Decimal::ONE),
            |u| u.outcome = Outcome::Failed,
            |u| u.partial = true,
            |u| u.raw = Some(serde_json::json!({})),
            |u| u.input = None,
            |u| u.output = None,
        ];
        for edit in edits {
            let mut u = base.clone();
            edit(&mut u);
            variants.push(u);
        }
        for u in &variants {
            assert_eq!(usage_is_plain(u), reference(u), "{u:?}");
        }
        let reported = Cost::reported(Decimal::ONE);
        assert!(cost_is_plain(&reported));
        let mut computed = reported.clone();
        computed.provenance = crate::pricing::Provenance::Computed;
        let mut euro = reported.clone();
        euro.currency = crate::pricing::SharedStr::from_static("EUR");
        for c in [computed, euro, Cost::unpriced()] {
            assert!(!cost_is_plain(&c), "{c:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn decimal_text_is_to_string(m in proptest::num::i128::ANY, scale in 0u32..=28) {
            let m = m % 79_228_162_514_264_337_593_543_950_335i128;
            let d = Decimal::from_i128_with_scale(m, scale);
            let mut buf = String::new();
            proptest::prop_assert_eq!(decimal_text(&d, &mut buf), d.to_string());
            let small = Decimal::new((m % 1_000_000_000) as i64, scale);
            proptest::prop_assert_eq!(decimal_text(&small, &mut buf), small.to_string());
        }
    }
}
