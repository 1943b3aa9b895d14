//! The event model shared by every stage: one [`Event`] is one thing that happened in a session
//! (an LLM call, a tool call, a message, an error...). Its `event_type` is exactly OpenSession's
//! HAIL `EventType`, so a strict `hail-1.0.0` reader accepts every event hailog writes.

use crate::{Cost, Usage};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Custom event kinds hailog writes as `{"type":"Custom","data":{"kind":...}}`.
pub mod kinds {
    /// One request to a model.
    pub const LLM_CALL: &str = "llm_call";
    /// A failure that is not a tool result (a crashed step, an exception).
    pub const ERROR: &str = "error";
    /// A free-text note from the bot or its operator.
    pub const NOTE: &str = "note";
    /// Session metadata: name, tags, repository, pull requests, commits, budgets.
    pub const METADATA: &str = "metadata";
    /// A budget rule fired (soft alert or hard pause).
    pub const BUDGET_ALERT: &str = "budget_alert";
}

/// A session operation carried by a `Custom{kind:"metadata"}` event. Session state (name, tags,
/// repository, end, pause, acknowledged errors) is derived from these events, never stored apart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SessionOp {
    /// Optional explicit start with descriptive metadata.
    Start {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        tags: Vec<String>,
        #[serde(default, skip_serializing_if = "Map::is_empty")]
        metadata: Map<String, Value>,
    },
    /// Explicit end. A later event reopens the session.
    End {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        notes: Option<String>,
    },
    /// Every failure logged before this event is acknowledged (no longer makes the session errored).
    Acknowledge,
    /// Paused by the caller, a budget rule or an anomaly rule.
    Pause {
        reason: String,
    },
    Resume,
    SetName {
        name: String,
    },
    AddTag {
        tag: String,
    },
    SetRepo {
        repo: String,
    },
    AddPullRequest {
        url: String,
    },
    AddCommit {
        sha: String,
    },
    /// A per-session USD budget (exact decimal strings).
    SetBudget {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        soft_usd: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        hard_usd: Option<String>,
    },
}

/// The HAIL event type, adjacently tagged: `{"type":"X"}` or `{"type":"X","data":{...}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type", content = "data")]
pub enum EventType {
    UserMessage,
    AgentMessage,
    SystemMessage,
    Thinking,
    ToolCall {
        name: String,
    },
    ToolResult {
        name: String,
        #[serde(default)]
        is_error: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        call_id: Option<String>,
    },
    FileRead {
        path: String,
    },
    CodeSearch {
        query: String,
    },
    FileSearch {
        pattern: String,
    },
    FileEdit {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        diff: Option<String>,
    },
    FileCreate {
        path: String,
    },
    FileDelete {
        path: String,
    },
    ShellCommand {
        command: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit_code: Option<i32>,
    },
    ImageGenerate {
        prompt: String,
    },
    VideoGenerate {
        prompt: String,
    },
    AudioGenerate {
        prompt: String,
    },
    WebSearch {
        query: String,
    },
    WebFetch {
        url: String,
    },
    TaskStart {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        title: Option<String>,
    },
    TaskEnd {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        summary: Option<String>,
    },
    Custom {
        kind: String,
    },
}

impl EventType {
    pub fn custom(kind: &str) -> Self {
        EventType::Custom {
            kind: kind.to_string(),
        }
    }

    /// The `kind` of a Custom event, if this is one.
    pub fn custom_kind(&self) -> Option<&str> {
        match self {
            EventType::Custom { kind } => Some(kind),
            _ => None,
        }
    }

    /// The HAIL tag of this event type, as written in `{"type": ...}`.
    pub fn tag(&self) -> &'static str {
        match self {
            EventType::UserMessage => "UserMessage",
            EventType::AgentMessage => "AgentMessage",
            EventType::SystemMessage => "SystemMessage",
            EventType::Thinking => "Thinking",
            EventType::ToolCall { .. } => "ToolCall",
            EventType::ToolResult { .. } => "ToolResult",
            EventType::FileRead { .. } => "FileRead",
            EventType::CodeSearch { .. } => "CodeSearch",
            EventType::FileSearch { .. } => "FileSearch",
            EventType::FileEdit { .. } => "FileEdit",
            EventType::FileCreate { .. } => "FileCreate",
            EventType::FileDelete { .. } => "FileDelete",
            EventType::ShellCommand { .. } => "ShellCommand",
            EventType::ImageGenerate { .. } => "ImageGenerate",
            EventType::VideoGenerate { .. } => "VideoGenerate",
            EventType::AudioGenerate { .. } => "AudioGenerate",
            EventType::WebSearch { .. } => "WebSearch",
            EventType::WebFetch { .. } => "WebFetch",
            EventType::TaskStart { .. } => "TaskStart",
            EventType::TaskEnd { .. } => "TaskEnd",
            EventType::Custom { .. } => "Custom",
        }
    }

    /// The kind storage and exports name an event by: a Custom event's own kind, else its HAIL
    /// tag.
    pub fn kind_name(&self) -> &str {
        match self {
            EventType::Custom { kind } => kind,
            other => other.tag(),
        }
    }

    pub fn is_llm_call(&self) -> bool {
        self.custom_kind() == Some(kinds::LLM_CALL)
    }
}

/// A content block, internally tagged with PascalCase tags as in HAIL.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "type")]
pub enum ContentBlock {
    Text {
        text: String,
    },
    Code {
        code: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        start_line: Option<u64>,
    },
    Image {
        url: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        alt: Option<String>,
        mime: String,
    },
    Video {
        url: String,
        mime: String,
    },
    Audio {
        url: String,
        mime: String,
    },
    File {
        path: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content: Option<String>,
    },
    Json {
        data: Value,
    },
    Reference {
        uri: String,
        media_type: String,
    },
}

/// How a step ended.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    #[default]
    Ok,
    Failed,
    Cancelled,
}

impl Outcome {
    pub fn is_ok(&self) -> bool {
        matches!(self, Outcome::Ok)
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "ok" => Ok(Outcome::Ok),
            "failed" | "error" => Ok(Outcome::Failed),
            "cancelled" | "canceled" => Ok(Outcome::Cancelled),
            other => Err(crate::Error::invalid(
                "outcome",
                format!("expected \"ok\", \"failed\" or \"cancelled\", got {other:?}"),
            )),
        }
    }
}

/// One thing that happened in a session. The HAIL fields come first; the typed fields after them
/// are hailog's additions, written into `attributes` under `hailog.*` keys (see SPEC.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub event_id: String,
    pub session_id: String,
    pub timestamp: DateTime<Utc>,
    pub event_type: EventType,
    /// Content blocks (HAIL `content.blocks`). Empty unless content capture is on.
    pub content: Vec<ContentBlock>,
    /// HAIL task / turn / sub-agent lane.
    pub task_id: Option<String>,
    /// HAIL `duration_ms`.
    pub duration_ms: Option<u64>,
    /// Attributes other than hailog's own, kept verbatim (unknown keys survive a round trip).
    pub attributes: Map<String, Value>,
    /// Top-level keys of the HAIL event line that hailog does not know, kept verbatim so a newer
    /// writer's fields survive a round trip.
    pub extra: Map<String, Value>,

    /// The trace (one ask, one bot step) this event belongs to.
    pub trace_id: Option<String>,
    pub outcome: Outcome,
    pub usage: Option<Usage>,
    pub cost: Option<Cost>,
    /// Wall time of the request as the caller measured it.
    pub latency_ms: Option<u64>,
    pub model: Option<String>,
    pub provider: Option<String>,
    pub request_id: Option<String>,
    /// The agent that produced the event (also a session-level property).
    pub agent: Option<String>,
    /// Tool name for tool events logged through the recorder.
    pub tool: Option<String>,
    /// Error message for failed events.
    pub error: Option<String>,
    /// The session operation, for `Custom{kind:"metadata"}` events.
    pub op: Option<SessionOp>,
}

impl Event {
    /// A metadata event carrying a session operation.
    pub fn session_op(session_id: impl Into<String>, op: SessionOp) -> Self {
        let mut event = Event::new(session_id, EventType::custom(kinds::METADATA));
        event.op = Some(op);
        event
    }

    /// A new event with a fresh UUIDv7 id, stamped now. Ids come from the same per-thread
    /// generator as the recorder's own, which a forked child reseeds (see
    /// [`crate::recorder::reseed_after_fork`]), so parent and child never share an id.
    pub fn new(session_id: impl Into<String>, event_type: EventType) -> Self {
        let now = Utc::now();
        let id = crate::recorder::ids::next_v7(now.timestamp_millis().max(0) as u64);
        Event::with_id(session_id, id.hyphenated().to_string(), now, event_type)
    }

    /// An event with the given id and timestamp and nothing else set (readers use this).
    pub fn with_id(
        session_id: impl Into<String>,
        event_id: impl Into<String>,
        timestamp: DateTime<Utc>,
        event_type: EventType,
    ) -> Self {
        Event {
            event_id: event_id.into(),
            session_id: session_id.into(),
            timestamp,
            event_type,
            content: Vec::new(),
            task_id: None,
            duration_ms: None,
            attributes: Map::new(),
            extra: Map::new(),
            trace_id: None,
            outcome: Outcome::Ok,
            usage: None,
            cost: None,
            latency_ms: None,
            model: None,
            provider: None,
            request_id: None,
            agent: None,
            tool: None,
            error: None,
            op: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_events_get_increasing_canonical_v7_ids_stamped_with_their_time() {
        let mut last = String::new();
        for _ in 0..10_000 {
            let ev = Event::new("s", EventType::custom("note"));
            let id = uuid::Uuid::parse_str(&ev.event_id).unwrap();
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.hyphenated().to_string(), ev.event_id, "canonical text");
            let (secs, nanos) = id.get_timestamp().unwrap().to_unix();
            let id_ms = secs as i64 * 1000 + i64::from(nanos / 1_000_000);
            assert!(id_ms <= ev.timestamp.timestamp_millis() + 1);
            assert!(ev.event_id > last, "{} after {last}", ev.event_id);
            last = ev.event_id;
        }
    }
}
