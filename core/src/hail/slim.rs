//! The summarizing fast path for one canonical event line: every field the session summary reads
//! is parsed as usual, content blocks and unread attributes are checked without being built.
//! It vouches only for lines the full parser would accept with the same result; for anything
//! else it gives up and the caller parses the line the full way, so errors stay the same.

use super::attr;
use super::line::{Key, RawEvent};
use crate::event::{Event, EventType};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The event of a line that starts like a canonical event, with no content blocks and only the
/// attributes the summary reads (OpenSession's token counts and hailog's typed attributes,
/// already moved into their fields). `None`: the line needs the full parser.
pub(crate) fn summary_event(bytes: &[u8], line: u64, session_id: &str) -> Option<Event> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let raw = SlimSeed.deserialize(&mut de).ok()?;
    de.end().ok()?;
    raw.into_event(line, session_id).ok()
}

/// Fails the fast path; the message is never shown, since the full parser takes over.
fn give_up<E: de::Error>() -> E {
    E::custom("needs the full parser")
}

struct SlimSeed;

impl<'de> DeserializeSeed<'de> for SlimSeed {
    type Value = RawEvent;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawEvent, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for SlimSeed {
    type Value = RawEvent;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a HAIL event object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEvent, A::Error> {
        let mut raw = RawEvent::default();
        let mut seen = 0u16;
        while let Some(key) = map.next_key::<Key>()? {
            // A repeated key is an error for some fields and last-wins for others, and other keys
            // are kept verbatim: the full parser decides.
            let bit = key.bit();
            if seen & bit != 0 || matches!(key, Key::Other(_)) {
                return Err(give_up());
            }
            seen |= bit;
            match key {
                Key::Type => raw.ty = Some(map.next_value()?),
                Key::EventId => raw.event_id = Some(map.next_value()?),
                Key::Timestamp => raw.timestamp = Some(map.next_value::<DateTime<Utc>>()?),
                Key::EventType => raw.event_type = Some(map.next_value::<EventType>()?),
                Key::TaskId => raw.task_id = map.next_value()?,
                Key::Content => {
                    map.next_value::<ContentCheck>()?;
                    raw.content = Some(Vec::new());
                }
                Key::DurationMs => raw.duration_ms = map.next_value()?,
                Key::Attributes => raw.attributes = map.next_value::<SummaryAttributes>()?.0,
                Key::Other(_) => return Err(give_up()),
            }
        }
        Ok(raw)
    }
}

/// A key of a nested object. serde_json reads an object with its private raw-value key
/// specially when building a `Value`; such an object is left to the full parser.
struct ObjectKey;

impl<'de> Deserialize<'de> for ObjectKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ObjectKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<ObjectKey, E> {
                if s.starts_with("$serde_json::") {
                    return Err(give_up());
                }
                Ok(ObjectKey)
            }
        }
        d.deserialize_str(V)
    }
}

/// `{"blocks":[...]}`, checked like the full parser's `Content` struct: other keys skipped the
/// way serde skips unknown fields, each block checked by [`BlockCheck`].
struct ContentCheck;

impl<'de> Deserialize<'de> for ContentCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ContentCheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a content object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ContentCheck, A::Error> {
                let mut blocks = false;
                while let Some(key) = map.next_key::<FieldName>()? {
                    if key.0 == Some(BLOCKS) {
                        if blocks {
                            return Err(give_up());
                        }
                        blocks = true;
                        map.next_value::<BlocksCheck>()?;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                if blocks {
                    Ok(ContentCheck)
                } else {
                    Err(give_up())
                }
            }
        }
        d.deserialize_map(V)
    }
}

struct BlocksCheck;

impl<'de> Deserialize<'de> for BlocksCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BlocksCheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of content blocks")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<BlocksCheck, A::Error> {
                while seq.next_element::<BlockCheck>()?.is_some() {}
                Ok(BlocksCheck)
            }
        }
        d.deserialize_seq(V)
    }
}

/// Every field name a content block variant has, plus `blocks` of the content object.
const FIELDS: [&str; 12] = [
    "text",
    "code",
    "language",
    "start_line",
    "url",
    "alt",
    "mime",
    "path",
    "content",
    "data",
    "uri",
    "media_type",
];
const TEXT: usize = 0;
const CODE: usize = 1;
const LANGUAGE: usize = 2;
const START_LINE: usize = 3;
const URL: usize = 4;
const ALT: usize = 5;
const MIME: usize = 6;
const PATH: usize = 7;
const CONTENT: usize = 8;
const DATA: usize = 9;
const URI: usize = 10;
const MEDIA_TYPE: usize = 11;
const BLOCKS: usize = 12;
const TYPE: usize = 13;

/// A key of a content block or of the content object: its index in [`FIELDS`] (or `BLOCKS`,
/// `TYPE`), `None` for a key no variant reads.
struct FieldName(Option<usize>);

impl<'de> Deserialize<'de> for FieldName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = FieldName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<FieldName, E> {
                Ok(FieldName(match s {
                    "blocks" => Some(BLOCKS),
                    "type" => Some(TYPE),
                    _ => FIELDS.iter().position(|f| *f == s),
                }))
            }
        }
        d.deserialize_identifier(V)
    }
}

/// The JSON type of a value, as far as content block variants care. Reading one accepts exactly
/// the JSON a `serde_json::Value` accepts (every string decoded and checked, every number in
/// range) and keeps nothing else.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Null,
    Unsigned,
    Other,
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Kind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Kind, E> {
                Ok(Kind::Unsigned)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Kind, E> {
                Ok(Kind::Other)
            }
            fn visit_str<E>(self, _: &str) -> Result<Kind, E> {
                Ok(Kind::Str)
            }
            fn visit_unit<E>(self) -> Result<Kind, E> {
                Ok(Kind::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
                while seq.next_element::<Kind>()?.is_some() {}
                Ok(Kind::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
                while map.next_key::<ObjectKey>()?.is_some() {
                    map.next_value::<Kind>()?;
                }
                Ok(Kind::Other)
            }
        }
        d.deserialize_any(V)
    }
}

/// The variant tags of `ContentBlock`.
const TAGS: [&str; 8] = [
    "Text",
    "Code",
    "Image",
    "Video",
    "Audio",
    "File",
    "Json",
    "Reference",
];

struct Tag(usize);

impl<'de> Deserialize<'de> for Tag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Tag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a content block tag")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Tag, E> {
                TAGS.iter()
                    .position(|t| *t == s)
                    .map(Tag)
                    .ok_or_else(give_up)
            }
        }
        d.deserialize_str(V)
    }
}

/// One content block, checked the way the derived `ContentBlock` reads it: the block is an
/// object; every value is parsed in full (serde buffers internally tagged enums); the tag picks
/// the variant, whose required fields must be strings (`data`: anything), optional ones a string
/// (`start_line`: an unsigned integer) or null; keys no variant reads are ignored.
struct BlockCheck;

impl<'de> Deserialize<'de> for BlockCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(BlockVisitor)
    }
}

struct BlockVisitor;

impl<'de> Visitor<'de> for BlockVisitor {
    type Value = BlockCheck;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a content block object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<BlockCheck, A::Error> {
        let mut tag = None;
        let mut kinds: [Option<Kind>; FIELDS.len()] = [None; FIELDS.len()];
        while let Some(key) = map.next_key::<FieldName>()? {
            match key.0 {
                Some(TYPE) => {
                    if tag.is_some() {
                        return Err(give_up());
                    }
                    tag = Some(map.next_value::<Tag>()?.0);
                }
                Some(i) if i < FIELDS.len() => {
                    if kinds[i].is_some() {
                        return Err(give_up());
                    }
                    kinds[i] = Some(map.next_value::<Kind>()?);
                }
                _ => {
                    map.next_value::<Kind>()?;
                }
            }
        }
        let string = |i: usize| kinds[i] == Some(Kind::Str);
        let optional =
            |i: usize, k: Kind| matches!(kinds[i], None | Some(Kind::Null)) || kinds[i] == Some(k);
        let ok = match tag.map(|t| TAGS[t]) {
            Some("Text") => string(TEXT),
            Some("Code") => {
                string(CODE)
                    && optional(LANGUAGE, Kind::Str)
                    && optional(START_LINE, Kind::Unsigned)
            }
            Some("Image") => string(URL) && string(MIME) && optional(ALT, Kind::Str),
            Some("Video" | "Audio") => string(URL) && string(MIME),
            Some("File") => string(PATH) && optional(CONTENT, Kind::Str),
            Some("Json") => kinds[DATA].is_some(),
            Some("Reference") => string(URI) && string(MEDIA_TYPE),
            _ => false,
        };
        if ok { Ok(BlockCheck) } else { Err(give_up()) }
    }
}

/// The attributes the summary reads: OpenSession's token counts and every `hailog.*` attribute
/// (the typed fields), as values; every other attribute is checked like a `Value` ([`Kind`]) and dropped.
/// `null` reads as no attributes, as in the full parser.
struct SummaryAttributes(Map<String, Value>);

/// OpenSession's token-count attributes, which the summary totals.
const TOKEN_ATTRIBUTES: [&str; 4] = [
    attr::OS_INPUT_TOKENS,
    attr::OS_OUTPUT_TOKENS,
    attr::OS_INPUT_TOKENS_TOTAL,
    attr::OS_OUTPUT_TOKENS_TOTAL,
];

/// An attribute key: `Some` (the key) when the summary reads it.
struct AttributeKey(Option<String>);

impl<'de> Deserialize<'de> for AttributeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AttributeKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attribute name")
            }
            fn visit_str<E>(self, s: &str) -> Result<AttributeKey, E> {
                let kept = s.starts_with("hailog.") || TOKEN_ATTRIBUTES.contains(&s);
                Ok(AttributeKey(kept.then(|| s.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> Deserialize<'de> for SummaryAttributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SummaryAttributes;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an attributes object or null")
            }
            fn visit_none<E>(self) -> Result<SummaryAttributes, E> {
                Ok(SummaryAttributes(Map::new()))
            }
            fn visit_unit<E>(self) -> Result<SummaryAttributes, E> {
                Ok(SummaryAttributes(Map::new()))
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<SummaryAttributes, D::Error> {
                d.deserialize_map(self)
            }
            fn visit_map<A: MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<SummaryAttributes, A::Error> {
                let mut kept = Map::new();
                while let Some(key) = map.next_key::<AttributeKey>()? {
                    match key.0 {
                        // Later duplicates win, as when the full parser builds its map.
                        Some(k) => {
                            kept.insert(k, map.next_value::<Value>()?);
                        }
                        None => {
                            map.next_value::<Kind>()?;
                        }
                    }
                }
                Ok(SummaryAttributes(kept))
            }
        }
        d.deserialize_option(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hail::line::event_from_slice;

    const HEAD: &str = r#"{"type":"event","event_id":"e1","timestamp":"2026-03-04T03:52:40Z","event_type":{"type":"AgentMessage"},"content":{"blocks":"#;

    fn line(blocks: &str, attributes: &str) -> String {
        format!(r#"{HEAD}{blocks}}},"attributes":{attributes}}}"#)
    }

    /// The fast path either gives up or agrees with the full parser, minus content and the
    /// attributes the summary does not read.
    fn agrees(text: &str) -> bool {
        let full = event_from_slice(text.as_bytes(), 3, "s");
        match summary_event(text.as_bytes(), 3, "s") {
            None => false,
            Some(slim) => {
                let mut full = full.unwrap_or_else(|e| panic!("fast path accepted {text}: {e}"));
                full.content.clear();
                full.attributes
                    .retain(|k, _| TOKEN_ATTRIBUTES.contains(&k.as_str()));
                assert_eq!(slim, full, "{text}");
                true
            }
        }
    }

    #[test]
    fn valid_blocks_take_the_fast_path_with_the_same_event() {
        let ok = [
            line(r#"[{"type":"Text","text":"h\u00e9llo \"q\""}]"#, "null"),
            line(
                r#"[{"text":"tag last","type":"Text","extra":[1,{"a":null}]},{"type":"Code","code":"x","language":null,"start_line":3}]"#,
                r#"{"input_tokens":5,"model":"m","input_tokens":7,"source.raw_type":{"a":[1.5]}}"#,
            ),
            line(
                r#"[{"type":"Image","url":"u","mime":"m"},{"type":"Json","data":null},{"type":"File","path":"p","content":"c"},{"type":"Reference","uri":"u","media_type":"t"}]"#,
                r#"{"hailog.latency_ms":12,"hailog.usage":{"input":3},"output_tokens_total":9}"#,
            ),
            line("[]", "{}"),
        ];
        for text in ok {
            assert!(agrees(&text), "gave up on {text}");
        }
    }

    /// Real event lines, each cut, stripped of a byte or given a stray quote, brace or escape
    /// at many places: wherever the fast path still answers, it answers like the full parser.
    #[test]
    fn damaged_real_lines_never_pass_where_the_full_parser_fails() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../hail-spec/vectors/hail/valid/opensession-c96e93e8.hail.jsonl"
        );
        let text = std::fs::read_to_string(path).unwrap();
        let lines: Vec<&str> = text
            .lines()
            .filter(|l| l.starts_with(r#"{"type":"event","#))
            .step_by(7)
            .take(12)
            .collect();
        assert!(lines.len() >= 10);
        let mut fast = 0;
        for l in lines {
            assert!(agrees(l), "gave up on a real line: {l}");
            let b = l.as_bytes();
            for i in (1..b.len()).step_by(3) {
                let mut damaged = vec![b[..i].to_vec()];
                for extra in [&b""[..], b"\"", b"}", b"\\", b"\\u", b"\xff", b",1"] {
                    let mut v = b[..i].to_vec();
                    v.extend_from_slice(extra);
                    v.extend_from_slice(&b[i + 1..]);
                    damaged.push(v);
                }
                for d in damaged {
                    if let Ok(d) = String::from_utf8(d.clone()) {
                        fast += usize::from(agrees(&d));
                    } else {
                        assert!(summary_event(&d, 3, "s").is_none());
                    }
                }
            }
        }
        // Some damage leaves a valid line (a changed letter inside a text), which the fast path
        // must still take.
        assert!(fast > 0);
    }

    #[test]
    fn anything_doubtful_goes_to_the_full_parser() {
        let doubtful = [
            line(r#"[{"type":"Text"}]"#, "{}"),
            line(r#"[{"type":"Text","text":5}]"#, "{}"),
            line(r#"[{"type":"Teleport","text":"x"}]"#, "{}"),
            line(r#"[{"type":"Text","text":"a","text":"b"}]"#, "{}"),
            line(r#"[{"type":"Code","code":"x","start_line":-1}]"#, "{}"),
            line(r#"[{"type":"Json"}]"#, "{}"),
            line(r#"[{"type":"Text","text":"\ud800"}]"#, "{}"),
            line(r#"[{"type":"Text","text":"x","n":1e999}]"#, "{}"),
            line(r#"[["Text","x"]]"#, "{}"),
            line("[]", r#"{"a":1e999}"#),
            line("[]", r#"{"hailog.usage":{"input":-1}}"#),
            line("[]", "[]"),
            format!(r#"{HEAD}[]}},"future_key":1}}"#),
            format!(r#"{HEAD}[]}},"event_id":"e2"}}"#),
            r#"{"type":"event","event_id":"e1","timestamp":"2026-03-04T03:52:40Z","event_type":{"type":"AgentMessage"}}"#.to_string(),
            format!("{} x", line("[]", "{}")),
            line("[]", r#"{"x":{"$serde_json::private::RawValue":"1"}}"#),
        ];
        for text in doubtful {
            assert!(!agrees(&text), "took the fast path: {text}");
        }
    }
}
