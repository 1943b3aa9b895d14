//! Claude Code project logs: one LLM call per assistant message (usage from `message.usage`,
//! de-duplicated by message id + request id since Claude Code writes a line per content block),
//! tool calls and failed tool results, user prompts as trace boundaries, sub-agent lanes.

use super::{Emit, event_at, file_stem, into_start, read_json_lines, timestamp};
use crate::event::{EventType, kinds};
use crate::{Cost, Event, Outcome, Result, Usage};
use serde::de::{Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, de};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub(crate) const AGENT: &str = "claude-code";

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "sessionId", borrow, default)]
    session_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "requestId", borrow, default)]
    request_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    uuid: Option<Cow<'a, str>>,
    #[serde(rename = "isSidechain", default)]
    sidechain: bool,
    #[serde(rename = "agentId", borrow, default)]
    agent_id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(rename = "gitBranch", borrow, default)]
    git_branch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    version: Option<Cow<'a, str>>,
    #[serde(rename = "isApiErrorMessage", default)]
    api_error: bool,
    /// Older Claude Code versions wrote the cost of each message.
    #[serde(rename = "costUSD", borrow, default)]
    cost_usd: Option<&'a RawValue>,
    #[serde(borrow, default)]
    message: Option<Message<'a>>,
}

#[derive(Deserialize)]
struct Message<'a> {
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    usage: Option<&'a RawValue>,
    #[serde(borrow, default)]
    content: Option<Content<'a>>,
}

/// `message.content`: a plain string (a typed prompt) or content blocks. Only the block kinds,
/// ids, tool names and error flags are kept; text and tool payloads are skipped unparsed.
#[derive(Default)]
struct Content<'a> {
    text: bool,
    blocks: Vec<Block<'a>>,
}

#[derive(Deserialize)]
struct Block<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Cow<'a, str>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    tool_use_id: Option<Cow<'a, str>>,
    #[serde(default)]
    is_error: Option<bool>,
}

impl<'de: 'a, 'a> Deserialize<'de> for Content<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Content<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a string or an array of content blocks")
            }
            fn visit_str<E: de::Error>(self, _: &str) -> std::result::Result<Self::Value, E> {
                Ok(Content {
                    text: true,
                    blocks: Vec::new(),
                })
            }
            fn visit_unit<E: de::Error>(self) -> std::result::Result<Self::Value, E> {
                Ok(Content::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                let mut blocks = Vec::new();
                while let Some(b) = seq.next_element::<Block<'a>>()? {
                    blocks.push(b);
                }
                Ok(Content {
                    text: false,
                    blocks,
                })
            }
            fn visit_map<A: de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(Content::default())
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct WireUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(default)]
    server_tool_use: Option<ServerToolUse>,
}

#[derive(Deserialize)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_5m_input_tokens: Option<u64>,
    #[serde(default)]
    ephemeral_1h_input_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct ServerToolUse {
    #[serde(default)]
    web_search_requests: Option<u64>,
}

/// Anthropic usage in exclusive buckets: input excludes cache reads and writes already; the
/// cache write is split by TTL where the log gives the split (the rest counts as 5-minute).
fn usage(raw: &RawValue, model: Option<&str>) -> std::result::Result<Usage, String> {
    let w: WireUsage =
        serde_json::from_str(raw.get()).map_err(|e| format!("message.usage: {e}"))?;
    let (w5m, w1h) = match (&w.cache_creation, w.cache_creation_input_tokens) {
        (Some(split), total) => {
            let h1 = split.ephemeral_1h_input_tokens;
            let m5 = match total {
                Some(t) => Some(t.saturating_sub(h1.unwrap_or(0))),
                None => split.ephemeral_5m_input_tokens,
            };
            (m5, h1.filter(|&v| v > 0))
        }
        (None, total) => (total, None),
    };
    Ok(Usage {
        input: w.input_tokens,
        cache_read: w.cache_read_input_tokens,
        cache_write_5m: w5m,
        cache_write_1h: w1h,
        output: w.output_tokens,
        web_search_requests: w
            .server_tool_use
            .and_then(|s| s.web_search_requests)
            .filter(|&n| n > 0),
        model: model.map(str::to_string),
        provider: Some("anthropic".into()),
        raw: serde_json::from_str(raw.get()).ok(),
        ..Usage::default()
    })
}

/// Per-file state: which messages and sessions were already emitted, tool names by call id, the
/// current trace (the last user prompt).
#[derive(Default)]
struct State {
    messages: HashSet<String>,
    started: HashSet<String>,
    tools: HashMap<String, String>,
    trace: Option<String>,
}

pub(crate) fn read(path: &Path, emit: &mut Emit<'_>) -> Result<()> {
    let stem = file_stem(path);
    let mut st = State::default();
    read_json_lines(path, emit, |bytes, line_no| {
        if carries_nothing(bytes) {
            return Ok(Vec::new());
        }
        let line: Line =
            serde_json::from_slice(bytes).map_err(|e| format!("not a JSON log line: {e}"))?;
        line_events(&line, &stem, line_no, &mut st)
    })
}

/// A whole tool-result line that reports no error: the largest lines of a log (file contents,
/// command output) and nothing in them is imported, so they are not parsed. A cut-off line
/// still goes to the parser, which reports it.
fn carries_nothing(bytes: &[u8]) -> bool {
    let has = |needle: &[u8]| memchr::memmem::find(bytes, needle).is_some();
    bytes.starts_with(b"{")
        && bytes.ends_with(b"}")
        && has(br#""type":"user""#)
        && has(br#""tool_result""#)
        && !has(br#""is_error":true"#)
        && !has(br#""is_error": true"#)
}

fn line_events(
    line: &Line<'_>,
    stem: &str,
    line_no: u64,
    st: &mut State,
) -> std::result::Result<Vec<Event>, String> {
    let kind = line.kind.as_deref().unwrap_or("");
    let Some(message) = &line.message else {
        return Ok(Vec::new());
    };
    if kind != "assistant" && kind != "user" {
        return Ok(Vec::new());
    }
    let ts = match &line.timestamp {
        Some(t) => timestamp(t)?,
        None => return Err("a message line without a timestamp".into()),
    };
    let session = line.session_id.as_deref().unwrap_or(stem).to_string();
    let task = line
        .agent_id
        .as_deref()
        .filter(|_| line.sidechain)
        .map(str::to_string);
    let new = |id: String, event_type: EventType| {
        let mut ev = event_at(&session, id, event_type, ts, AGENT);
        ev.task_id.clone_from(&task);
        ev
    };
    let mut out = Vec::new();
    if st.started.insert(session.clone()) {
        let start = new(format!("cc:start:{session}"), EventType::UserMessage);
        let fields = [
            ("cwd", line.cwd.as_deref()),
            ("git_branch", line.git_branch.as_deref()),
            ("claude_code_version", line.version.as_deref()),
        ];
        out.push(into_start(start, AGENT, &fields));
    }
    let content = message.content.as_ref();
    if kind == "user" {
        let typed = content.is_some_and(|c| {
            c.text
                || (c.blocks.iter().any(|b| b.kind == "text")
                    && !c.blocks.iter().any(|b| b.kind == "tool_result"))
        });
        if typed && let Some(uuid) = &line.uuid {
            let id = format!("cc:{uuid}");
            if task.is_none() {
                st.trace = Some(id.clone());
            }
            let mut ev = new(id, EventType::UserMessage);
            ev.trace_id.clone_from(&st.trace);
            out.push(ev);
        }
        for b in content.map_or(&[][..], |c| &c.blocks) {
            if b.kind == "tool_result" && b.is_error == Some(true) {
                let call = b.tool_use_id.as_deref().unwrap_or("");
                let name = st
                    .tools
                    .get(call)
                    .cloned()
                    .unwrap_or_else(|| "unknown".into());
                let id = if call.is_empty() {
                    format!("cc:result:{stem}:{line_no}")
                } else {
                    format!("cc:result:{call}")
                };
                let mut ev = new(
                    id,
                    EventType::ToolResult {
                        name: name.clone(),
                        is_error: true,
                        call_id: (!call.is_empty()).then(|| call.to_string()),
                    },
                );
                ev.tool = Some(name);
                ev.outcome = Outcome::Failed;
                ev.trace_id.clone_from(&st.trace);
                out.push(ev);
            }
        }
        return Ok(out);
    }
    if let Some(raw) = message.usage {
        let key = match (&message.id, &line.request_id, &line.uuid) {
            (Some(m), Some(r), _) => format!("cc:{m}:{r}"),
            (_, _, Some(u)) => format!("cc:{u}"),
            _ => format!("cc:{stem}:{line_no}"),
        };
        if !st.messages.contains(&key) {
            let model = message.model.as_deref();
            let u = usage(raw, model)?;
            st.messages.insert(key.clone());
            let mut ev = new(key, EventType::custom(kinds::LLM_CALL));
            ev.model = model.map(str::to_string);
            ev.provider = Some("anthropic".into());
            ev.request_id = line.request_id.as_deref().map(str::to_string);
            ev.trace_id.clone_from(&st.trace);
            if let Some(c) = line.cost_usd {
                let d = rust_decimal::Decimal::from_str_exact(c.get())
                    .or_else(|_| rust_decimal::Decimal::from_scientific(c.get()))
                    .map_err(|e| format!("costUSD {}: {e}", c.get()))?;
                ev.cost = Some(Cost::reported(d));
            }
            if line.api_error {
                ev.outcome = Outcome::Failed;
                ev.error = Some("the API returned an error".into());
            }
            ev.usage = Some(u);
            out.push(ev);
        }
    }
    for b in content.map_or(&[][..], |c| &c.blocks) {
        if b.kind == "tool_use"
            && let (Some(id), Some(name)) = (&b.id, &b.name)
        {
            st.tools.insert(id.to_string(), name.to_string());
            let mut ev = new(
                format!("cc:tool:{id}"),
                EventType::ToolCall {
                    name: name.to_string(),
                },
            );
            ev.tool = Some(name.to_string());
            ev.trace_id.clone_from(&st.trace);
            out.push(ev);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Vec<Event> {
        let line: Line = serde_json::from_str(json).expect("test line is JSON");
        line_events(&line, "file", 1, &mut State::default()).expect("line is valid")
    }

    #[test]
    fn cache_write_is_split_by_ttl_when_the_log_says() {
        let raw: Box<RawValue> = serde_json::from_str(
            r#"{"input_tokens":3,"cache_creation_input_tokens":100,"cache_read_input_tokens":50,"output_tokens":7,"cache_creation":{"ephemeral_5m_input_tokens":60,"ephemeral_1h_input_tokens":40}}"#,
        )
        .expect("json");
        let u = usage(&raw, Some("claude-sonnet-4-5")).expect("usage");
        assert_eq!(
            (
                u.input,
                u.cache_read,
                u.cache_write_5m,
                u.cache_write_1h,
                u.output
            ),
            (Some(3), Some(50), Some(60), Some(40), Some(7))
        );
        let raw: Box<RawValue> = serde_json::from_str(
            r#"{"input_tokens":3,"cache_creation_input_tokens":100,"output_tokens":7}"#,
        )
        .expect("json");
        let u = usage(&raw, None).expect("usage");
        assert_eq!(
            (u.cache_write_5m, u.cache_write_1h, u.cache_read),
            (Some(100), None, None)
        );
    }

    #[test]
    fn negative_tokens_are_an_error_naming_the_field() {
        let raw: Box<RawValue> =
            serde_json::from_str(r#"{"input_tokens":-3,"output_tokens":7}"#).expect("json");
        let err = usage(&raw, None).expect_err("negative");
        assert!(err.contains("message.usage"), "{err}");
    }

    #[test]
    fn an_assistant_line_gives_a_call_and_its_tool_uses() {
        let events = parse(
            r#"{"type":"assistant","sessionId":"s1","timestamp":"2025-10-01T10:00:00Z","requestId":"req_1","uuid":"u1","message":{"id":"msg_1","model":"claude-sonnet-4-5","usage":{"input_tokens":10,"output_tokens":5},"content":[{"type":"text","text":"hi \"there\""},{"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls"}}]}}"#,
        );
        let kinds: Vec<&str> = events.iter().map(|e| e.event_type.kind_name()).collect();
        assert_eq!(kinds, ["metadata", "llm_call", "ToolCall"]);
        assert_eq!(events[1].event_id, "cc:msg_1:req_1");
        assert_eq!(events[1].model.as_deref(), Some("claude-sonnet-4-5"));
        assert_eq!(events[2].tool.as_deref(), Some("Bash"));
        assert!(events.iter().all(|e| e.session_id == "s1"));
    }

    #[test]
    fn a_repeated_message_is_counted_once() {
        let line = r#"{"type":"assistant","sessionId":"s1","timestamp":"2025-10-01T10:00:00Z","requestId":"r","message":{"id":"m","model":"x","usage":{"input_tokens":1,"output_tokens":1},"content":[]}}"#;
        let l: Line = serde_json::from_str(line).expect("json");
        let mut st = State::default();
        let first = line_events(&l, "f", 1, &mut st).expect("ok");
        let second = line_events(&l, "f", 2, &mut st).expect("ok");
        assert_eq!(first.len(), 2);
        assert!(second.is_empty());
    }

    #[test]
    fn a_typed_prompt_starts_a_trace_and_a_failed_tool_result_is_an_error() {
        let mut st = State::default();
        let prompt: Line = serde_json::from_str(
            r#"{"type":"user","sessionId":"s","timestamp":"2025-10-01T10:00:00Z","uuid":"p1","message":{"role":"user","content":"fix it"}}"#,
        )
        .expect("json");
        let evs = line_events(&prompt, "f", 1, &mut st).expect("ok");
        assert_eq!(evs[1].event_type, EventType::UserMessage);
        assert_eq!(st.trace.as_deref(), Some("cc:p1"));
        st.tools.insert("toolu_9".into(), "Read".into());
        let result: Line = serde_json::from_str(
            r#"{"type":"user","sessionId":"s","timestamp":"2025-10-01T10:00:01Z","uuid":"p2","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","is_error":true,"content":"no such file"}]}}"#,
        )
        .expect("json");
        let evs = line_events(&result, "f", 2, &mut st).expect("ok");
        assert_eq!(evs.len(), 1);
        assert_eq!(evs[0].outcome, Outcome::Failed);
        assert_eq!(evs[0].tool.as_deref(), Some("Read"));
        assert_eq!(evs[0].trace_id.as_deref(), Some("cc:p1"));
    }

    #[test]
    fn only_whole_error_free_tool_results_skip_the_parser() {
        let ok = br#"{"type":"user","message":{"content":[{"type":"tool_result","is_error":false,"content":"x"}]}}"#;
        assert!(carries_nothing(ok));
        let failed =
            br#"{"type":"user","message":{"content":[{"type":"tool_result","is_error":true}]}}"#;
        assert!(!carries_nothing(failed));
        assert!(
            !carries_nothing(&ok[..ok.len() - 2]),
            "a cut-off line is parsed and reported"
        );
        let prompt = br#"{"type":"user","message":{"content":"fix the tool_result parser"}}"#;
        assert!(!carries_nothing(prompt));
    }

    #[test]
    fn a_message_line_without_a_timestamp_is_rejected() {
        let l: Line = serde_json::from_str(
            r#"{"type":"assistant","sessionId":"s","message":{"id":"m","usage":{"input_tokens":1}}}"#,
        )
        .expect("json");
        let err = line_events(&l, "f", 1, &mut State::default()).expect_err("no timestamp");
        assert!(err.contains("timestamp"));
    }
}
