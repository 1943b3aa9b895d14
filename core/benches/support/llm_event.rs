//! The LLM-call event the recorder benchmarks and the profiling example log.

use hailog::{Cost, Event, EventType, Usage};
use rust_decimal::Decimal;

/// Event `i` of `session`: a gpt-4o-mini call with usage; a reported cost when `reported`
/// (no pricing on the caller's thread), else the recorder prices it from the usage.
pub fn llm_event(session: &str, i: u64, reported: bool) -> Event {
    let mut ev = Event::new(session, EventType::custom("llm_call"));
    ev.model = Some("gpt-4o-mini".into());
    ev.provider = Some("openai".into());
    ev.agent = Some("bench-bot".into());
    ev.trace_id = Some(format!("t{}", i / 10));
    ev.latency_ms = Some(300 + i % 500);
    ev.usage = Some(Usage {
        input: Some(1200 + i % 100),
        output: Some(300),
        ..Usage::default()
    });
    if reported {
        ev.cost = Some(Cost::reported(Decimal::new(15 + (i % 7) as i64, 5)));
    }
    ev
}
