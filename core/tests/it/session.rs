//! Integration tests of the `session` stage: runs every case of
//! `hail-spec/vectors/status/cases.json` (see hail-spec/vectors/README.md).

use crate::common::vectors_dir;
use chrono::{DateTime, Duration, Utc};
use hailog::hail::parse_event_line;
use hailog::session::{SessionStatus, SessionSummary, StatusThresholds, status};
use serde_json::Value;

#[test]
fn status_vectors() {
    let text = std::fs::read_to_string(vectors_dir("status").join("cases.json")).unwrap();
    let cases: Value = serde_json::from_str(&text).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    let mut seen = std::collections::HashSet::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let session_id = input["session_id"].as_str().unwrap();
        let mut summary = SessionSummary::new(session_id);
        for (i, event) in input["events"].as_array().unwrap().iter().enumerate() {
            let line = serde_json::to_vec(event).unwrap();
            let event = parse_event_line(&line, i as u64 + 1, session_id)
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            summary.add(&event);
        }
        let now: DateTime<Utc> = input["now"].as_str().unwrap().parse().unwrap();
        let mut t = StatusThresholds::default();
        if let Some(th) = input.get("thresholds") {
            t.idle_after = Duration::seconds(th["idle_after_seconds"].as_i64().unwrap());
            t.done_after = Duration::seconds(th["done_after_seconds"].as_i64().unwrap());
        }
        let got = status(&summary, now, &t);
        let want: SessionStatus = case["expected"]["status"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(got, want, "{name}");
        seen.insert(got);
        if let Some(Value::Object(subset)) = case["expected"].get("summary") {
            let actual = serde_json::to_value(&summary).unwrap();
            for (k, v) in subset {
                assert_eq!(actual.get(k), Some(v), "{name}: summary.{k}");
            }
        }
        // The summary survives a JSON round trip and gives the same status.
        let back: SessionSummary =
            serde_json::from_value(serde_json::to_value(&summary).unwrap()).unwrap();
        assert_eq!(status(&back, now, &t), got, "{name}: after serde");
    }
    assert_eq!(seen.len(), 5, "every status has a vector");
}
