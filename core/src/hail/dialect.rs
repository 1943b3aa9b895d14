//! The shapes a HAIL file can take besides event lines: the header and stats lines, OpenSession's
//! single-JSON-object `Session` form, and the docs-only `hail/0.1` dialect (read-only).

use super::line::event_from_value;
use super::reader::describe;
use super::{Agent, HailError, Header, SessionContext, Stats};
use crate::event::{ContentBlock, Event, EventType, Outcome, kinds};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Which form the input had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dialect {
    /// `hail-1.0.0` JSONL: header, event and stats lines (what hailog writes).
    Hail1,
    /// OpenSession's single JSON object `{version, session_id, agent, context, events, stats}`.
    SessionObject,
    /// The `hail/0.1` example of OpenSession's early docs.
    Hail01,
}

fn required<T: DeserializeOwned>(
    map: &mut Map<String, Value>,
    key: &str,
    line: u64,
    expected: &str,
) -> Result<T, HailError> {
    let value = map
        .remove(key)
        .ok_or_else(|| HailError::field(line, key, format!("{expected} (missing)")))?;
    T::deserialize(value).map_err(|e| HailError::field(line, key, format!("{expected}: {e}")))
}

fn header_parts(map: &mut Map<String, Value>, line: u64) -> Result<Header, HailError> {
    Ok(Header {
        version: required(map, "version", line, "a version string")?,
        session_id: required(map, "session_id", line, "a string")?,
        agent: required::<Agent>(map, "agent", line, "an object {provider, model, tool}")?,
        context: required::<SessionContext>(
            map,
            "context",
            line,
            "an object {tags, created_at, updated_at, ...}",
        )?,
        extra: Map::new(),
    })
}

/// A header line's object.
pub(crate) fn header_from_map(mut map: Map<String, Value>, line: u64) -> Result<Header, HailError> {
    map.remove("type");
    let mut header = header_parts(&mut map, line)?;
    header.extra = map;
    Ok(header)
}

/// A stats line's object.
pub(crate) fn stats_from_map(mut map: Map<String, Value>, line: u64) -> Result<Stats, HailError> {
    map.remove("type");
    serde_json::from_value::<Stats>(Value::Object(map))
        .map_err(|e| HailError::field(line, "stats", format!("OpenSession's stats counts: {e}")))
}

/// The single-object form: header fields, `events` and an optional `stats`.
pub(crate) fn session_from_map(
    mut map: Map<String, Value>,
    line: u64,
) -> Result<(Header, Vec<Event>, Option<Stats>), HailError> {
    let mut header = header_parts(&mut map, line)?;
    let events = match map.remove("events") {
        Some(Value::Array(events)) => events,
        other => {
            return Err(HailError::field(
                line,
                "events",
                format!(
                    "an array of events, found {}",
                    other.as_ref().map_or("nothing".into(), describe)
                ),
            ));
        }
    };
    let stats = match map.remove("stats") {
        Some(Value::Object(s)) => Some(stats_from_map(s, line)?),
        Some(Value::Null) | None => None,
        Some(other) => {
            return Err(HailError::field(
                line,
                "stats",
                format!("an object, found {}", describe(&other)),
            ));
        }
    };
    header.extra = map;
    let mut out = Vec::with_capacity(events.len());
    for (i, value) in events.into_iter().enumerate() {
        let Value::Object(mut event) = value else {
            return Err(HailError::field(
                line,
                format!("events[{i}]"),
                format!("an event object, found {}", describe(&value)),
            ));
        };
        event.insert("type".into(), Value::from("event"));
        let parsed = event_from_value(Value::Object(event), line, &header.session_id).map_err(
            |e| match e {
                HailError::Field {
                    line,
                    field,
                    expected,
                } => HailError::Field {
                    line,
                    field: format!("events[{i}].{field}"),
                    expected,
                },
                other => other,
            },
        )?;
        out.push(parsed);
    }
    Ok((header, out, stats))
}

fn opt_str(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

fn timestamp_0_1(map: &Map<String, Value>, line: u64) -> Result<Option<DateTime<Utc>>, HailError> {
    match map.get("ts") {
        None => Ok(None),
        Some(v) => DateTime::<Utc>::deserialize(v)
            .map(Some)
            .map_err(|_| HailError::field(line, "ts", "an RFC 3339 timestamp")),
    }
}

/// The `hail/0.1` first line `{"v":"hail/0.1","tool","model","ts"}` (SPEC.md §6.3).
pub(crate) fn header_0_1(mut map: Map<String, Value>, line: u64) -> Result<Header, HailError> {
    let created_at = timestamp_0_1(&map, line)?
        .ok_or_else(|| HailError::field(line, "ts", "an RFC 3339 timestamp (missing)"))?;
    let tool = opt_str(&map, "tool")
        .ok_or_else(|| HailError::field(line, "tool", "the agent tool's name (missing)"))?;
    let session_id = opt_str(&map, "session_id")
        .or_else(|| opt_str(&map, "id"))
        .unwrap_or_else(|| format!("hail-0.1-{}", created_at.to_rfc3339()));
    let agent = Agent {
        provider: opt_str(&map, "provider").unwrap_or_else(|| "unknown".into()),
        model: opt_str(&map, "model").unwrap_or_else(|| "unknown".into()),
        tool,
        tool_version: None,
        extra: Map::new(),
    };
    for key in ["v", "tool", "model", "ts", "provider", "session_id", "id"] {
        map.remove(key);
    }
    let mut context = SessionContext::at(created_at);
    context.attributes = map;
    Ok(Header {
        version: super::VERSION_0_1.into(),
        session_id,
        agent,
        context,
        extra: Map::new(),
    })
}

fn content_0_1(value: Option<Value>) -> Vec<ContentBlock> {
    match value {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::String(text)) => vec![ContentBlock::Text { text }],
        Some(data) => vec![ContentBlock::Json { data }],
    }
}

/// One `hail/0.1` event line. Lines carry no id (it becomes `line-<n>`) and usually no
/// timestamp (the previous event's, or the header's, is used).
pub(crate) fn event_0_1(
    value: Value,
    line: u64,
    session_id: &str,
    previous: DateTime<Utc>,
) -> Result<Event, HailError> {
    let Value::Object(mut map) = value else {
        return Err(HailError::NotHail {
            line,
            expected: "a hail/0.1 event object".into(),
            found: describe(&value),
        });
    };
    let timestamp = timestamp_0_1(&map, line)?.unwrap_or(previous);
    let role = opt_str(&map, "role");
    let ty = opt_str(&map, "type");
    let need = |map: &Map<String, Value>, key: &str| {
        opt_str(map, key).ok_or_else(|| HailError::field(line, key, "a string (missing)"))
    };
    let mut outcome = Outcome::Ok;
    let mut error = None;
    let event_type = match (role.as_deref(), ty.as_deref()) {
        (Some("human" | "user"), _) => EventType::UserMessage,
        (Some("agent" | "assistant"), _) => EventType::AgentMessage,
        (Some("system"), _) => EventType::SystemMessage,
        (Some("tool"), _) => EventType::ToolResult {
            name: opt_str(&map, "name").unwrap_or_else(|| "tool".into()),
            is_error: false,
            call_id: None,
        },
        (None, Some("file_edit")) => EventType::FileEdit {
            path: need(&map, "path")?,
            diff: opt_str(&map, "diff"),
        },
        (None, Some("tool_call")) => EventType::ToolCall {
            name: opt_str(&map, "name")
                .or_else(|| opt_str(&map, "tool"))
                .ok_or_else(|| HailError::field(line, "name", "the tool's name (missing)"))?,
        },
        (None, Some("error")) => {
            outcome = Outcome::Failed;
            error = opt_str(&map, "message").or_else(|| opt_str(&map, "error"));
            EventType::custom(kinds::ERROR)
        }
        _ => {
            return Err(HailError::NotHail {
                line,
                expected: "a hail/0.1 line: role human|agent|system|tool, or type file_edit|tool_call|error".into(),
                found: describe(&Value::Object(map)),
            });
        }
    };
    let event_id = opt_str(&map, "id").unwrap_or_else(|| format!("line-{line}"));
    let mut event = Event::with_id(session_id, event_id, timestamp, event_type);
    event.content = content_0_1(map.remove("content"));
    event.outcome = outcome;
    event.error = error;
    for key in [
        "role", "type", "ts", "id", "path", "diff", "name", "message",
    ] {
        map.remove(key);
    }
    event.attributes = map;
    // hailog's own keys mean what they mean in a hail-1.0.0 line, so a written copy reads back
    // the same.
    super::line::take_typed_attributes(&mut event, line)?;
    Ok(event)
}
