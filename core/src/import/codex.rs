//! Codex rollout logs: one LLM call per `token_count` event (its `last_token_usage`, or the growth
//! of `total_token_usage` when only that is given), the model from the log's `turn_context`,
//! tool calls from `response_item`s and user prompts as trace boundaries.

use super::{Emit, event_at, file_stem, into_start, read_json_lines, timestamp};
use crate::event::{EventType, SessionOp, kinds};
use crate::{Event, Result, Usage};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::path::Path;

pub(crate) const AGENT: &str = "codex";

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow, default)]
    timestamp: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Payload<'a> {
    #[serde(rename = "type", borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cwd: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    cli_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    originator: Option<Cow<'a, str>>,
    #[serde(default)]
    git: Option<Git>,
    #[serde(default)]
    info: Option<Info>,
}

#[derive(Deserialize)]
struct Git {
    #[serde(default)]
    repository_url: Option<String>,
    #[serde(default)]
    branch: Option<String>,
}

#[derive(Deserialize)]
struct Info {
    #[serde(default)]
    total_token_usage: Option<Tokens>,
    #[serde(default)]
    last_token_usage: Option<Tokens>,
}

#[derive(Deserialize, Clone, Copy, Default, PartialEq, Eq)]
struct Tokens {
    #[serde(default)]
    input_tokens: u64,
    #[serde(default)]
    cached_input_tokens: u64,
    #[serde(default)]
    output_tokens: u64,
    #[serde(default)]
    reasoning_output_tokens: u64,
}

impl Tokens {
    fn minus(self, before: Tokens) -> Tokens {
        Tokens {
            input_tokens: self.input_tokens.saturating_sub(before.input_tokens),
            cached_input_tokens: self
                .cached_input_tokens
                .saturating_sub(before.cached_input_tokens),
            output_tokens: self.output_tokens.saturating_sub(before.output_tokens),
            reasoning_output_tokens: self
                .reasoning_output_tokens
                .saturating_sub(before.reasoning_output_tokens),
        }
    }

    /// OpenAI counts cached prompt tokens inside input and reasoning inside output; the ledger's
    /// buckets are exclusive.
    fn usage(self, model: Option<&str>) -> Usage {
        Usage {
            input: Some(self.input_tokens.saturating_sub(self.cached_input_tokens)),
            cache_read: Some(self.cached_input_tokens.min(self.input_tokens)),
            output: Some(
                self.output_tokens
                    .saturating_sub(self.reasoning_output_tokens),
            ),
            reasoning: Some(self.reasoning_output_tokens.min(self.output_tokens)),
            model: model.map(str::to_string),
            provider: Some("openai".into()),
            ..Usage::default()
        }
    }
}

#[derive(Default)]
struct State {
    session: Option<String>,
    model: Option<String>,
    total: Option<Tokens>,
    trace: Option<String>,
    started: bool,
}

pub(crate) fn read(path: &Path, emit: &mut Emit<'_>) -> Result<()> {
    let stem = file_stem(path);
    let mut st = State::default();
    read_json_lines(path, emit, |bytes, line_no| {
        let line: Line =
            serde_json::from_slice(bytes).map_err(|e| format!("not a JSON log line: {e}"))?;
        line_events(&line, &stem, line_no, &mut st)
    })
}

fn line_events(
    line: &Line<'_>,
    stem: &str,
    line_no: u64,
    st: &mut State,
) -> std::result::Result<Vec<Event>, String> {
    let (Some(kind), Some(raw)) = (line.kind.as_deref(), line.payload) else {
        // Early rollouts wrote bare response items without usage: nothing to count.
        return Ok(Vec::new());
    };
    let p: Payload =
        serde_json::from_str(raw.get()).map_err(|e| format!("payload of a {kind} line: {e}"))?;
    let ts = match &line.timestamp {
        Some(t) => timestamp(t)?,
        None => return Err(format!("a {kind} line without a timestamp")),
    };
    if kind == "session_meta" {
        st.session = p.id.as_deref().map(str::to_string);
        if let Some(m) = p.model.as_deref() {
            st.model = Some(m.to_string());
        }
    }
    let session = st.session.clone().unwrap_or_else(|| stem.to_string());
    let new = |id: String, event_type: EventType| event_at(&session, id, event_type, ts, AGENT);
    let id = |what: &str| format!("codex:{session}:{line_no}:{what}");
    let mut out = Vec::new();
    if !st.started {
        st.started = true;
        let start = new(format!("codex:start:{session}"), EventType::UserMessage);
        let fields = [
            ("cwd", p.cwd.as_deref()),
            ("codex_version", p.cli_version.as_deref()),
            ("originator", p.originator.as_deref()),
            (
                "git_branch",
                p.git.as_ref().and_then(|g| g.branch.as_deref()),
            ),
        ];
        out.push(into_start(start, AGENT, &fields));
        if let Some(repo) = p.git.as_ref().and_then(|g| g.repository_url.as_deref()) {
            let mut ev = new(
                format!("codex:repo:{session}"),
                EventType::custom(kinds::METADATA),
            );
            ev.op = Some(SessionOp::SetRepo {
                repo: repo.to_string(),
            });
            out.push(ev);
        }
    }
    let sub = p.kind.as_deref().unwrap_or("");
    match (kind, sub) {
        ("turn_context", _) => {
            if let Some(m) = p.model.as_deref() {
                st.model = Some(m.to_string());
            }
        }
        ("event_msg", "user_message") => {
            let trace = id("user");
            st.trace = Some(trace.clone());
            let mut ev = new(trace, EventType::UserMessage);
            ev.trace_id.clone_from(&st.trace);
            out.push(ev);
        }
        ("event_msg", "token_count") => {
            let Some(info) = p.info else {
                // Rate-limit-only updates carry no usage.
                return Ok(out);
            };
            let tokens = match (info.last_token_usage, info.total_token_usage) {
                // Codex repeats the last count when nothing new was used: same total, no call.
                (_, Some(total)) if st.total == Some(total) => None,
                (Some(last), total) => {
                    st.total = total.or(st.total);
                    Some(last)
                }
                (None, Some(total)) => {
                    let delta = total.minus(st.total.unwrap_or_default());
                    st.total = Some(total);
                    Some(delta)
                }
                (None, None) => None,
            };
            if let Some(t) = tokens {
                let mut ev = new(id("call"), EventType::custom(kinds::LLM_CALL));
                ev.model.clone_from(&st.model);
                ev.provider = Some("openai".into());
                ev.usage = Some(t.usage(st.model.as_deref()));
                ev.trace_id.clone_from(&st.trace);
                out.push(ev);
            }
        }
        ("response_item", "function_call" | "custom_tool_call" | "local_shell_call") => {
            let name = p
                .name
                .as_deref()
                .unwrap_or(if sub == "local_shell_call" {
                    "shell"
                } else {
                    "unknown"
                })
                .to_string();
            let mut ev = new(id("tool"), EventType::ToolCall { name: name.clone() });
            ev.tool = Some(name);
            ev.trace_id.clone_from(&st.trace);
            out.push(ev);
        }
        ("response_item", "web_search_call") => {
            let mut ev = new(
                id("tool"),
                EventType::ToolCall {
                    name: "web_search".into(),
                },
            );
            ev.tool = Some("web_search".into());
            ev.trace_id.clone_from(&st.trace);
            out.push(ev);
        }
        _ => {}
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(lines: &[&str]) -> Vec<Event> {
        let mut st = State::default();
        let mut out = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            let line: Line = serde_json::from_str(l).expect("json");
            out.extend(line_events(&line, "rollout", i as u64 + 1, &mut st).expect("valid"));
        }
        out
    }

    const META: &str = r#"{"timestamp":"2025-09-10T10:00:00Z","type":"session_meta","payload":{"id":"019a","cwd":"/w","cli_version":"0.40.0","git":{"repository_url":"https://github.com/o/r.git","branch":"main"}}}"#;
    const TURN: &str = r#"{"timestamp":"2025-09-10T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5-codex","cwd":"/w"}}"#;

    #[test]
    fn token_counts_become_calls_with_the_logged_model_in_exclusive_buckets() {
        let count = r#"{"timestamp":"2025-09-10T10:00:05Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":600,"output_tokens":300,"reasoning_output_tokens":100,"total_tokens":1300},"last_token_usage":{"input_tokens":1000,"cached_input_tokens":600,"output_tokens":300,"reasoning_output_tokens":100,"total_tokens":1300}}}}"#;
        let evs = run(&[META, TURN, count, count]);
        let calls: Vec<&Event> = evs.iter().filter(|e| e.event_type.is_llm_call()).collect();
        assert_eq!(calls.len(), 1, "a repeated total is not a new call");
        let u = calls[0].usage.as_ref().expect("usage");
        assert_eq!(
            (u.input, u.cache_read, u.output, u.reasoning),
            (Some(400), Some(600), Some(200), Some(100))
        );
        assert_eq!(calls[0].model.as_deref(), Some("gpt-5-codex"));
        assert_eq!(calls[0].session_id, "019a");
        assert!(
            evs.iter().any(
                |e| matches!(&e.op, Some(SessionOp::SetRepo { repo }) if repo.contains("o/r"))
            )
        );
    }

    #[test]
    fn a_total_without_last_usage_counts_its_growth() {
        let t = |i: u64, o: u64| {
            format!(
                r#"{{"timestamp":"2025-09-10T10:00:05Z","type":"event_msg","payload":{{"type":"token_count","info":{{"total_token_usage":{{"input_tokens":{i},"output_tokens":{o}}}}}}}}}"#
            )
        };
        let (a, b) = (t(100, 10), t(250, 30));
        let evs = run(&[META, TURN, &a, &b]);
        let inputs: Vec<Option<u64>> = evs
            .iter()
            .filter_map(|e| e.usage.as_ref().map(|u| u.input))
            .collect();
        assert_eq!(inputs, [Some(100), Some(150)]);
    }

    #[test]
    fn tool_calls_and_prompts_are_kept() {
        let prompt = r#"{"timestamp":"2025-09-10T10:00:02Z","type":"event_msg","payload":{"type":"user_message","message":"hi"}}"#;
        let call = r#"{"timestamp":"2025-09-10T10:00:03Z","type":"response_item","payload":{"type":"function_call","name":"shell","arguments":"{}","call_id":"c1"}}"#;
        let evs = run(&[META, prompt, call]);
        let tool = evs.iter().find(|e| e.tool.is_some()).expect("tool call");
        assert_eq!(tool.tool.as_deref(), Some("shell"));
        assert!(
            tool.trace_id
                .as_deref()
                .is_some_and(|t| t.ends_with(":user"))
        );
    }
}
