//! JSON Schemas of the three HAIL line types, generated from the core types; the committed copies
//! under `hail-spec/schema/` are checked against these by a test.

use crate::event::{ContentBlock, EventType, Outcome, SessionOp};
use crate::{Cost, Usage};
use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde_json::{Map, Value};

#[derive(JsonSchema)]
#[allow(dead_code)]
enum HeaderTag {
    #[serde(rename = "header")]
    Header,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum EventTag {
    #[serde(rename = "event")]
    Event,
}

#[derive(JsonSchema)]
#[allow(dead_code)]
enum StatsTag {
    #[serde(rename = "stats")]
    Stats,
}

/// The first line of a HAIL file (SPEC.md §3).
#[derive(JsonSchema)]
#[schemars(title = "HAIL header line")]
#[allow(dead_code)]
struct HeaderLine {
    r#type: HeaderTag,
    #[serde(flatten)]
    header: super::Header,
}

/// `content` of an event: its blocks.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct Content {
    blocks: Vec<ContentBlock>,
}

/// Event attributes: hailog's typed fields under `hailog.*` (SPEC.md §7.1); any other key is free.
#[derive(JsonSchema)]
#[allow(dead_code)]
struct EventAttributes {
    #[serde(rename = "hailog.agent", default)]
    agent: Option<String>,
    #[serde(rename = "hailog.cost", default)]
    cost: Option<Cost>,
    #[serde(rename = "hailog.error", default)]
    error: Option<String>,
    #[serde(rename = "hailog.latency_ms", default)]
    latency_ms: Option<u64>,
    #[serde(rename = "hailog.model", default)]
    model: Option<String>,
    #[serde(rename = "hailog.op", default)]
    op: Option<SessionOp>,
    #[serde(rename = "hailog.outcome", default)]
    outcome: Option<Outcome>,
    #[serde(rename = "hailog.provider", default)]
    provider: Option<String>,
    #[serde(rename = "hailog.request_id", default)]
    request_id: Option<String>,
    #[serde(rename = "hailog.tool", default)]
    tool: Option<String>,
    #[serde(rename = "hailog.trace_id", default)]
    trace_id: Option<String>,
    #[serde(rename = "hailog.usage", default)]
    usage: Option<Usage>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// One event line (SPEC.md §4).
#[derive(JsonSchema)]
#[schemars(title = "HAIL event line")]
#[allow(dead_code)]
struct EventLine {
    r#type: EventTag,
    event_id: String,
    timestamp: DateTime<Utc>,
    event_type: EventType,
    #[serde(default)]
    task_id: Option<String>,
    content: Content,
    #[serde(default)]
    duration_ms: Option<u64>,
    #[serde(default)]
    attributes: Option<EventAttributes>,
    #[serde(flatten)]
    other: Map<String, Value>,
}

/// The stats line (SPEC.md §5).
#[derive(JsonSchema)]
#[schemars(title = "HAIL stats line")]
#[allow(dead_code)]
struct StatsLine {
    r#type: StatsTag,
    #[serde(flatten)]
    stats: super::Stats,
}

/// `(file name, schema)` for each line type, as committed under `hail-spec/schema/`.
pub fn line_schemas() -> [(&'static str, Value); 3] {
    [
        (
            "header.schema.json",
            schemars::schema_for!(HeaderLine).to_value(),
        ),
        (
            "event.schema.json",
            schemars::schema_for!(EventLine).to_value(),
        ),
        (
            "stats.schema.json",
            schemars::schema_for!(StatsLine).to_value(),
        ),
    ]
}
