//! The header and stats lines of a HAIL file. Unknown keys at every level are kept in `extra` so a
//! newer writer's fields survive a read → write round trip.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The agent that produced a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Agent {
    /// e.g. "anthropic", "openai", "local".
    pub provider: String,
    /// e.g. "claude-opus-4-6"; OpenSession writes "unknown" when it does not know.
    pub model: String,
    /// e.g. "claude-code", "codex", or a bot's own name.
    pub tool: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_version: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Session-level metadata of the header.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SessionContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_session_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub attributes: Map<String, Value>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl SessionContext {
    /// A context created and updated at `at`, with nothing else set.
    pub fn at(at: DateTime<Utc>) -> Self {
        SessionContext {
            title: None,
            description: None,
            tags: Vec::new(),
            created_at: at,
            updated_at: at,
            related_session_ids: Vec::new(),
            attributes: Map::new(),
            extra: Map::new(),
        }
    }
}

/// The first line of a HAIL file (`{"type":"header",...}` without the `type` key).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Header {
    /// `hail-1.0.0` for OpenSession and hailog files, `hail/0.1` for the docs dialect.
    pub version: String,
    pub session_id: String,
    pub agent: Agent,
    pub context: SessionContext,
    /// Top-level keys of the header line that hailog does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Header {
    /// A `hail-1.0.0` header as hailog writes it: the context attributes name hailog's extension
    /// level so readers can tell hailog's `hailog.*` event attributes are present.
    pub fn new(session_id: impl Into<String>, agent: Agent, created_at: DateTime<Utc>) -> Self {
        let mut context = SessionContext::at(created_at);
        context.attributes.insert(
            super::FORMAT_ATTRIBUTE.into(),
            Value::from(super::FORMAT_LEVEL),
        );
        Header {
            version: super::VERSION.into(),
            session_id: session_id.into(),
            agent,
            context,
            extra: Map::new(),
        }
    }
}

/// The stats line: OpenSession's aggregate counts. The first five fields were in the original
/// format; the later ones default to zero when absent, as OpenSession reads them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Stats {
    pub event_count: u64,
    pub message_count: u64,
    /// OpenSession's rule: ToolCall + FileRead + CodeSearch + FileSearch only (SPEC.md §9).
    pub tool_call_count: u64,
    pub task_count: u64,
    pub duration_seconds: u64,
    #[serde(default)]
    pub total_input_tokens: u64,
    #[serde(default)]
    pub total_output_tokens: u64,
    #[serde(default)]
    pub user_message_count: u64,
    #[serde(default)]
    pub files_changed: u64,
    #[serde(default)]
    pub lines_added: u64,
    #[serde(default)]
    pub lines_removed: u64,
    /// Keys a newer writer added.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
