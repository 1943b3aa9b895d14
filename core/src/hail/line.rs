//! One HAIL event line <-> one [`Event`]: hailog's typed fields travel in `hailog.*` attributes,
//! unknown attributes and unknown top-level keys are kept verbatim.

use super::{HailError, attr};
use crate::event::{ContentBlock, Event, EventType, Outcome, SessionOp};
use crate::{Cost, Usage};
use chrono::{DateTime, Utc};
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::cell::Cell;
use std::fmt;

/// Top-level keys of an event line that map to typed fields; everything else goes to `extra`.
const KNOWN_KEYS: [&str; 8] = [
    "type",
    "event_id",
    "timestamp",
    "event_type",
    "task_id",
    "content",
    "duration_ms",
    "attributes",
];

/// How every canonical event line starts (OpenSession's writer and hailog's put `type` first);
/// such lines take the one-pass path.
pub(crate) const EVENT_PREFIX: &[u8] = br#"{"type":"event","#;

/// Parse one event line (without its newline). `line` is the 1-based line number used in errors;
/// `session_id` comes from the file's header, since event lines do not repeat it.
pub fn parse_event_line(bytes: &[u8], line: u64, session_id: &str) -> Result<Event, HailError> {
    if bytes.starts_with(EVENT_PREFIX) {
        return event_from_slice(bytes, line, session_id);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| json_error(&e, line, None))?;
    match value.get("type").and_then(Value::as_str) {
        Some("event") => event_from_value(value, line, session_id),
        Some(other) => Err(HailError::field(
            line,
            "type",
            format!("\"event\", found {other:?}"),
        )),
        None => Err(HailError::field(line, "type", "the string \"event\"")),
    }
}

/// Append one canonical event line, newline included.
pub fn write_event_line(event: &Event, out: &mut Vec<u8>) {
    // Serializing into a Vec cannot fail: every map key is a string.
    if serde_json::to_writer(&mut *out, &EventLine(event)).is_ok() {
        out.push(b'\n');
    }
}

/// Parse an event line known (by its prefix) to be an event, without building a `Value` first.
pub(crate) fn event_from_slice(
    bytes: &[u8],
    line: u64,
    session_id: &str,
) -> Result<Event, HailError> {
    let field = Cell::new("");
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = RawSeed { field: &field }
        .deserialize(&mut de)
        .and_then(|raw| de.end().map(|()| raw))
        .map_err(|e| json_error(&e, line, Some(field.get())))?;
    raw.into_event(line, session_id)
}

/// Build an event from a parsed line object (the slow path for lines not in canonical order).
pub(crate) fn event_from_value(
    value: Value,
    line: u64,
    session_id: &str,
) -> Result<Event, HailError> {
    let field = Cell::new("");
    let raw = RawSeed { field: &field }
        .deserialize(value)
        .map_err(|e| json_error(&e, line, Some(field.get())))?;
    raw.into_event(line, session_id)
}

/// Map a serde_json error to a HAIL error on `line`; `field` is the key being read when it failed.
pub(crate) fn json_error(e: &serde_json::Error, line: u64, field: Option<&str>) -> HailError {
    let full = e.to_string();
    // serde_json appends " at line L column C"; the line number here is the file's, not the
    // string's, so keep only the message.
    let message = match full.rfind(" at line ") {
        Some(i) if e.line() > 0 => full[..i].to_string(),
        _ => full,
    };
    match e.classify() {
        serde_json::error::Category::Data => match field {
            Some(f) if !f.is_empty() => HailError::field(line, f, message),
            _ => HailError::field(line, "(line)", message),
        },
        _ => HailError::Json {
            line,
            column: e.column(),
            message,
        },
    }
}

#[derive(Deserialize)]
struct Content {
    blocks: Vec<ContentBlock>,
}

#[derive(Serialize)]
struct ContentRef<'a> {
    blocks: &'a [ContentBlock],
}

/// The fields of an event line as read, before the required ones are checked.
#[derive(Default)]
pub(super) struct RawEvent {
    pub(super) ty: Option<String>,
    pub(super) event_id: Option<String>,
    pub(super) timestamp: Option<DateTime<Utc>>,
    pub(super) event_type: Option<EventType>,
    pub(super) task_id: Option<String>,
    pub(super) content: Option<Vec<ContentBlock>>,
    pub(super) duration_ms: Option<u64>,
    pub(super) attributes: Map<String, Value>,
    pub(super) extra: Map<String, Value>,
}

impl RawEvent {
    pub(super) fn into_event(self, line: u64, session_id: &str) -> Result<Event, HailError> {
        if self.ty.as_deref() != Some("event") {
            return Err(HailError::field(line, "type", "the string \"event\""));
        }
        let missing = |field: &str, what: &str| HailError::field(line, field, what);
        let mut event = Event::with_id(
            session_id,
            self.event_id
                .ok_or_else(|| missing("event_id", "a string"))?,
            self.timestamp
                .ok_or_else(|| missing("timestamp", "an RFC 3339 timestamp"))?,
            self.event_type
                .ok_or_else(|| missing("event_type", "an object {\"type\":...}"))?,
        );
        event.content = self
            .content
            .ok_or_else(|| missing("content", "an object {\"blocks\":[...]}"))?;
        event.task_id = self.task_id;
        event.duration_ms = self.duration_ms;
        event.attributes = self.attributes;
        event.extra = self.extra;
        take_typed_attributes(&mut event, line)?;
        Ok(event)
    }
}

fn take<T: serde::de::DeserializeOwned>(
    attrs: &mut Map<String, Value>,
    key: &str,
    line: u64,
) -> Result<Option<T>, HailError> {
    match attrs.remove(key) {
        None => Ok(None),
        Some(v) => T::deserialize(v)
            .map(Some)
            .map_err(|e| HailError::field(line, format!("attributes.{key}"), e.to_string())),
    }
}

/// Move `hailog.*` attributes into the event's typed fields. An outcome or error the line's own
/// type already implies (a hail/0.1 `error` line) stays unless an attribute says otherwise.
pub(super) fn take_typed_attributes(event: &mut Event, line: u64) -> Result<(), HailError> {
    let attrs = &mut event.attributes;
    // Most OpenSession events carry no hailog attribute; skip twelve lookups for them.
    if !attrs.keys().any(|k| k.starts_with("hailog.")) {
        return Ok(());
    }
    event.trace_id = take(attrs, attr::TRACE_ID, line)?;
    if let Some(outcome) = take::<Outcome>(attrs, attr::OUTCOME, line)? {
        event.outcome = outcome;
    }
    event.usage = take::<Usage>(attrs, attr::USAGE, line)?;
    event.cost = take::<Cost>(attrs, attr::COST, line)?;
    event.latency_ms = take(attrs, attr::LATENCY_MS, line)?;
    event.model = take(attrs, attr::MODEL, line)?;
    event.provider = take(attrs, attr::PROVIDER, line)?;
    event.request_id = take(attrs, attr::REQUEST_ID, line)?;
    event.agent = take(attrs, attr::AGENT, line)?;
    event.tool = take(attrs, attr::TOOL, line)?;
    if let Some(error) = take(attrs, attr::ERROR, line)? {
        event.error = Some(error);
    }
    event.op = take::<SessionOp>(attrs, attr::OP, line)?;
    Ok(())
}

/// The top-level keys of an event line.
pub(super) enum Key {
    Type,
    EventId,
    Timestamp,
    EventType,
    TaskId,
    Content,
    DurationMs,
    Attributes,
    Other(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
                Ok(Key::typed(s).unwrap_or_else(|| Key::Other(s.to_string())))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl Key {
    /// The key called `s` when it is one of the typed fields.
    fn typed(s: &str) -> Option<Key> {
        Some(match s {
            "type" => Key::Type,
            "event_id" => Key::EventId,
            "timestamp" => Key::Timestamp,
            "event_type" => Key::EventType,
            "task_id" => Key::TaskId,
            "content" => Key::Content,
            "duration_ms" => Key::DurationMs,
            "attributes" => Key::Attributes,
            _ => return None,
        })
    }

    /// A distinct bit per typed key, to notice a repeated one.
    pub(super) fn bit(&self) -> u16 {
        1 << match self {
            Key::Type => 0,
            Key::EventId => 1,
            Key::Timestamp => 2,
            Key::EventType => 3,
            Key::TaskId => 4,
            Key::Content => 5,
            Key::DurationMs => 6,
            Key::Attributes => 7,
            Key::Other(_) => 8,
        }
    }
}

/// Reads an event line in one pass; records the key being read so errors can name it.
struct RawSeed<'a> {
    field: &'a Cell<&'static str>,
}

impl<'de> DeserializeSeed<'de> for RawSeed<'_> {
    type Value = RawEvent;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawEvent, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawSeed<'_> {
    type Value = RawEvent;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAIL event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
        fn dup<E: de::Error>(key: &str) -> E {
            E::custom(format_args!("duplicate key `{key}`"))
        }
        let mut raw = RawEvent::default();
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Type => {
                    self.field.set("type");
                    if raw.ty.is_some() {
                        return Err(dup("type"));
                    }
                    raw.ty = Some(map.next_value()?);
                }
                Key::EventId => {
                    self.field.set("event_id");
                    if raw.event_id.is_some() {
                        return Err(dup("event_id"));
                    }
                    raw.event_id = Some(map.next_value()?);
                }
                Key::Timestamp => {
                    self.field.set("timestamp");
                    if raw.timestamp.is_some() {
                        return Err(dup("timestamp"));
                    }
                    raw.timestamp = Some(map.next_value()?);
                }
                Key::EventType => {
                    self.field.set("event_type");
                    if raw.event_type.is_some() {
                        return Err(dup("event_type"));
                    }
                    raw.event_type = Some(map.next_value()?);
                }
                Key::TaskId => {
                    self.field.set("task_id");
                    raw.task_id = map.next_value()?;
                }
                Key::Content => {
                    self.field.set("content");
                    if raw.content.is_some() {
                        return Err(dup("content"));
                    }
                    raw.content = Some(map.next_value::<Content>()?.blocks);
                }
                Key::DurationMs => {
                    self.field.set("duration_ms");
                    raw.duration_ms = map.next_value()?;
                }
                Key::Attributes => {
                    self.field.set("attributes");
                    // `null` attributes read as none, as OpenSession's serde default does not.
                    raw.attributes = map
                        .next_value::<Option<Map<String, Value>>>()?
                        .unwrap_or_default();
                }
                Key::Other(name) => {
                    self.field.set("(unknown key)");
                    let value: Value = map.next_value()?;
                    if raw.extra.insert(name, value).is_some() {
                        return Err(dup("(unknown key)"));
                    }
                }
            }
        }
        self.field.set("");
        Ok(raw)
    }
}

/// A typed hailog attribute, borrowed from the event for writing.
enum Typed<'a> {
    Str(&'a str),
    U64(u64),
    Outcome(Outcome),
    Usage(&'a Usage),
    Cost(&'a Cost),
    Op(&'a SessionOp),
}

impl Serialize for Typed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Typed::Str(v) => v.serialize(s),
            Typed::U64(v) => v.serialize(s),
            Typed::Outcome(v) => v.serialize(s),
            Typed::Usage(v) => v.serialize(s),
            Typed::Cost(v) => v.serialize(s),
            Typed::Op(v) => v.serialize(s),
        }
    }
}

/// The event's typed fields as `(attribute key, value)`, in `attr::ALL` (sorted) order.
fn typed_attributes(e: &Event) -> Vec<(&'static str, Typed<'_>)> {
    let mut out = Vec::new();
    fn s(v: &Option<String>) -> Option<Typed<'_>> {
        v.as_deref().map(Typed::Str)
    }
    let candidates = [
        (attr::AGENT, s(&e.agent)),
        (attr::COST, e.cost.as_ref().map(Typed::Cost)),
        (attr::ERROR, s(&e.error)),
        (attr::LATENCY_MS, e.latency_ms.map(Typed::U64)),
        (attr::MODEL, s(&e.model)),
        (attr::OP, e.op.as_ref().map(Typed::Op)),
        (
            attr::OUTCOME,
            (!e.outcome.is_ok()).then_some(Typed::Outcome(e.outcome)),
        ),
        (attr::PROVIDER, s(&e.provider)),
        (attr::REQUEST_ID, s(&e.request_id)),
        (attr::TOOL, s(&e.tool)),
        (attr::TRACE_ID, s(&e.trace_id)),
        (attr::USAGE, e.usage.as_ref().map(Typed::Usage)),
    ];
    for (key, value) in candidates {
        if let Some(v) = value {
            out.push((key, v));
        }
    }
    out
}

/// The attributes object: the event's own attributes merged with its typed fields, sorted; a
/// typed field wins over a same-named plain attribute.
struct Attributes<'a> {
    plain: &'a Map<String, Value>,
    typed: Vec<(&'static str, Typed<'a>)>,
}

impl Attributes<'_> {
    fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.typed.is_empty()
    }
}

impl Serialize for Attributes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shadowed = |k: &str| self.typed.iter().any(|(t, _)| *t == k);
        let mut map = s.serialize_map(None)?;
        let mut typed = self.typed.iter().peekable();
        for (k, v) in self.plain {
            if shadowed(k) {
                continue;
            }
            while let Some((tk, tv)) = typed.next_if(|(tk, _)| *tk < k.as_str()) {
                map.serialize_entry(tk, tv)?;
            }
            map.serialize_entry(k, v)?;
        }
        for (tk, tv) in typed {
            map.serialize_entry(tk, tv)?;
        }
        map.end()
    }
}

/// An event in canonical line form: `type` first, then HAIL's fields in OpenSession's order,
/// then unknown top-level keys.
struct EventLine<'a>(&'a Event);

impl Serialize for EventLine<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let e = self.0;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("type", "event")?;
        map.serialize_entry("event_id", &e.event_id)?;
        map.serialize_entry("timestamp", &e.timestamp)?;
        map.serialize_entry("event_type", &e.event_type)?;
        if let Some(task_id) = &e.task_id {
            map.serialize_entry("task_id", task_id)?;
        }
        map.serialize_entry("content", &ContentRef { blocks: &e.content })?;
        if let Some(ms) = e.duration_ms {
            map.serialize_entry("duration_ms", &ms)?;
        }
        let attributes = Attributes {
            plain: &e.attributes,
            typed: typed_attributes(e),
        };
        if !attributes.is_empty() {
            map.serialize_entry("attributes", &attributes)?;
        }
        for (k, v) in &e.extra {
            if !KNOWN_KEYS.contains(&k.as_str()) {
                map.serialize_entry(k, v)?;
            }
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::kinds;
    use rust_decimal::Decimal;

    const LINE: &str = r#"{"type":"event","event_id":"codex-9","timestamp":"2026-03-04T03:52:40.123Z","event_type":{"type":"ToolResult","data":{"name":"exec_command","is_error":true,"call_id":"codex-8"}},"task_id":"t1","content":{"blocks":[{"type":"Text","text":"boom"}]},"duration_ms":12,"attributes":{"semantic.call_id":"c8","zz":1}}"#;

    #[test]
    fn reads_an_opensession_event_and_writes_it_back_byte_for_byte() {
        let event = parse_event_line(LINE.as_bytes(), 7, "s1").unwrap();
        assert_eq!(event.session_id, "s1");
        assert_eq!(event.event_id, "codex-9");
        assert_eq!(event.task_id.as_deref(), Some("t1"));
        assert_eq!(event.duration_ms, Some(12));
        assert!(matches!(
            event.event_type,
            EventType::ToolResult { is_error: true, .. }
        ));
        let mut out = Vec::new();
        write_event_line(&event, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), format!("{LINE}\n"));
        let fast = event_from_slice(LINE.as_bytes(), 7, "s1").unwrap();
        assert_eq!(fast, event);
    }

    #[test]
    fn hailog_fields_travel_in_attributes_and_unknown_keys_survive() {
        let mut e = Event::new("s", EventType::custom(kinds::LLM_CALL));
        e.usage = Some(Usage {
            input: Some(10),
            output: Some(3),
            ..Usage::default()
        });
        e.cost = Some(Cost::reported(Decimal::new(123, 5)));
        e.outcome = Outcome::Failed;
        e.trace_id = Some("tr".into());
        e.latency_ms = Some(250);
        e.model = Some("gpt-5.4".into());
        e.error = Some("rate limited".into());
        e.attributes.insert("a".into(), Value::from(1));
        e.attributes.insert("zzz".into(), Value::from("keep"));
        e.extra.insert("future_key".into(), Value::from(true));
        let mut out = Vec::new();
        write_event_line(&e, &mut out);
        let text = String::from_utf8(out.clone()).unwrap();
        assert!(text.contains(r#""event_type":{"type":"Custom","data":{"kind":"llm_call"}}"#));
        assert!(text.contains(r#""hailog.outcome":"failed""#), "{text}");
        let a = text.find(r#""a":1"#).unwrap();
        let usage = text.find("hailog.usage").unwrap();
        let zzz = text.find("zzz").unwrap();
        assert!(a < usage && usage < zzz, "attributes are sorted: {text}");
        let back = parse_event_line(text.trim_end().as_bytes(), 1, "s").unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn errors_name_line_and_field() {
        let missing = r#"{"type":"event","timestamp":"2026-03-04T03:52:40Z","event_type":{"type":"UserMessage"},"content":{"blocks":[]}}"#;
        let err = event_from_slice(missing.as_bytes(), 4, "s").unwrap_err();
        assert_eq!((err.kind(), err.line()), ("field", 4));
        assert!(err.to_string().contains("event_id"), "{err}");

        let bad_type = r#"{"type":"event","event_id":"e","timestamp":"2026-03-04T03:52:40Z","event_type":{"type":"Teleport"},"content":{"blocks":[]}}"#;
        let err = event_from_slice(bad_type.as_bytes(), 5, "s").unwrap_err();
        assert!(
            matches!(&err, HailError::Field { field, .. } if field == "event_type"),
            "{err}"
        );

        let bad_usage = r#"{"type":"event","event_id":"e","timestamp":"2026-03-04T03:52:40Z","event_type":{"type":"UserMessage"},"content":{"blocks":[]},"attributes":{"hailog.usage":{"input":-1}}}"#;
        let err = parse_event_line(bad_usage.as_bytes(), 6, "s").unwrap_err();
        assert!(
            matches!(&err, HailError::Field { field, .. } if field == "attributes.hailog.usage"),
            "{err}"
        );

        let err = parse_event_line(br#"{"type":"event","#, 8, "s").unwrap_err();
        assert_eq!((err.kind(), err.line()), ("json", 8));
    }
}
