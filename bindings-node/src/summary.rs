//! The JS view of a session summary, shared by `Client.summary`, `summarizeHail` and
//! `summarize`: the core's fields camelCased, plus `status` at a given time, `latencyMs`
//! (`p50`, `p95`) and every usage bucket (null when nothing reported it). The same keys as the
//! Python package's summary dict.

use crate::usage::{camel, camel_keys};
use hailog::session::{SessionStatus, SessionSummary};
use serde_json::{Map, Value, json};

/// Maps whose keys are names the caller chose (models, tools, metadata): their keys stay as
/// they are, only the fields of their values are camelCased.
const NAMED_MAPS: [&str; 3] = ["models", "tools", "metadata"];

pub fn summary_value(summary: &SessionSummary, status: SessionStatus) -> Value {
    let Ok(Value::Object(fields)) = serde_json::to_value(summary) else {
        return Value::Null;
    };
    let mut out = Map::with_capacity(fields.len() + 2);
    for (key, value) in fields {
        let value = match key.as_str() {
            // The histogram's buckets are an implementation detail; `latencyMs` has the answer.
            "latency" => continue,
            "tokens" => tokens_value(value),
            named if NAMED_MAPS.contains(&named) => match value {
                Value::Object(map) => {
                    let keep_inner = named == "metadata";
                    Value::Object(
                        map.into_iter()
                            .map(|(k, v)| (k, if keep_inner { v } else { camel_keys(v) }))
                            .collect(),
                    )
                }
                other => other,
            },
            _ => camel_keys(value),
        };
        out.insert(camel(&key), value);
    }
    out.insert("status".into(), json!(status.as_str()));
    out.insert(
        "latencyMs".into(),
        json!({ "p50": summary.latency_p50_ms, "p95": summary.latency_p95_ms }),
    );
    for key in [
        "costUsd",
        "firstEventAt",
        "lastEventAt",
        "name",
        "agent",
        "repo",
    ] {
        out.entry(key).or_insert(Value::Null);
    }
    Value::Object(out)
}

fn tokens_value(tokens: Value) -> Value {
    let mut map = match tokens {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    for (name, _) in hailog::Usage::default().buckets() {
        map.entry(name).or_insert(Value::Null);
    }
    camel_keys(Value::Object(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hailog::hail::parse_event_line;

    #[test]
    fn tool_and_model_names_keep_their_spelling() {
        let line = br#"{"type":"event","event_id":"e1","timestamp":"2026-01-01T00:00:00Z","event_type":{"type":"ToolCall","data":{"name":"read_file"}},"task_id":null,"content":{"blocks":[]},"duration_ms":null,"attributes":{}}"#;
        let mut summary = SessionSummary::new("s");
        summary.add(&parse_event_line(line, 1, "s").expect("valid line"));
        let v = summary_value(&summary, SessionStatus::Active);
        assert!(v["tools"].get("read_file").is_some(), "{v}");
        assert_eq!(v["status"], "active");
        assert!(
            v["tokens"].get("cacheRead").is_some(),
            "every bucket is present: {v}"
        );
        assert!(
            v.get("latency").is_none() && v.get("latencyMs").is_some(),
            "{v}"
        );
    }
}
