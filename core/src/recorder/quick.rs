//! The compact LLM-call record of [`super::Recorder::log_quick`]: the caller only copies typed
//! fields into it; the writer thread assembles the event from it and prices it.

use super::ids;
use super::validate::{MAX_TOKENS, check_id, check_usage};
use crate::event::kinds;
use crate::pricing::{CostOptions, PriceTable};
use crate::{Cost, Event, EventType, Outcome, Result, Usage};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One LLM call as a binding hands it over. Strings are shared so a caller that passes the same
/// session id or model on every call copies a pointer, not the text.
#[derive(Debug, Clone, PartialEq)]
pub struct QuickCall {
    pub session_id: Arc<str>,
    pub event_id: uuid::Uuid,
    pub timestamp: DateTime<Utc>,
    pub provider: Option<Arc<str>>,
    pub model: Option<Arc<str>>,
    pub agent: Option<Arc<str>>,
    pub trace_id: Option<Arc<str>>,
    /// Token counts in the order of [`Usage::COUNT_FIELDS`]; `None` when no usage was given.
    pub usage: Option<[Option<u64>; 10]>,
    pub latency_ms: Option<u64>,
    pub outcome: Outcome,
}

impl QuickCall {
    /// A call in `session_id`, stamped now, with a fresh UUIDv7 id.
    pub fn new(session_id: Arc<str>) -> Self {
        let timestamp = Utc::now();
        QuickCall {
            session_id,
            event_id: ids::next_v7(timestamp),
            timestamp,
            provider: None,
            model: None,
            agent: None,
            trace_id: None,
            usage: None,
            latency_ms: None,
            outcome: Outcome::Ok,
        }
    }

    /// The event id as hyphenated lowercase ASCII.
    pub fn event_id_text(&self) -> [u8; 36] {
        ids::hyphenated(self.event_id)
    }

    fn usage_value(&self) -> Option<Usage> {
        self.usage.map(|counts| {
            let mut u = Usage::default();
            for (name, count) in Usage::COUNT_FIELDS.iter().zip(counts) {
                if let Some(slot) = u.count_mut(name) {
                    *slot = count;
                }
            }
            u
        })
    }

    /// Everything that can reject the call, with the same errors [`super::Recorder::log`] gives
    /// for the equivalent event; after this the writer cannot fail to build or price it.
    pub(crate) fn check(&self, prices: Option<&PriceTable>) -> Result<()> {
        check_id("session_id", &self.session_id)?;
        let opt =
            |field: &str, v: &Option<Arc<str>>| v.as_deref().map_or(Ok(()), |v| check_id(field, v));
        opt("trace_id", &self.trace_id)?;
        opt("agent", &self.agent)?;
        opt("model", &self.model)?;
        opt("provider", &self.provider)?;
        if let Some(counts) = &self.usage {
            if counts.iter().flatten().any(|&n| n > MAX_TOKENS)
                && let Some(u) = self.usage_value()
            {
                check_usage(&u)?;
            }
            // The one pricing error that depends on the call rather than the numbers: a model
            // name that several providers' models match.
            if let (Some(table), Some(model)) = (prices, &self.model) {
                table.check_model(model, self.provider.as_deref())?;
            }
        }
        Ok(())
    }

    /// The event this call is stored as, equal to what [`super::LlmCall::into_event`] builds
    /// from the same fields.
    pub fn into_event(self) -> Event {
        let usage = self.usage_value();
        let mut ev = Event::with_id(
            &*self.session_id,
            &*self
                .event_id
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer()),
            self.timestamp,
            EventType::custom(kinds::LLM_CALL),
        );
        let text = |s: Option<Arc<str>>| s.map(|s| s.to_string());
        ev.model = text(self.model);
        ev.provider = text(self.provider);
        ev.agent = text(self.agent);
        ev.trace_id = text(self.trace_id);
        ev.outcome = self.outcome;
        ev.usage = usage;
        ev.latency_ms = self.latency_ms;
        ev
    }
}

/// The cost `log()` would give an event that has usage and no cost of its own.
pub(crate) fn price(prices: Option<&PriceTable>, event: &Event) -> Result<Option<Cost>> {
    let Some(usage) = &event.usage else {
        return Ok(None);
    };
    Ok(match (prices, &event.model, usage.reported_cost) {
        (_, _, Some(reported)) => Some(Cost::reported(reported)),
        (Some(table), Some(model), None) => {
            let opts = CostOptions {
                provider: event.provider.clone(),
                at: Some(event.timestamp),
                ..CostOptions::default()
            };
            Some(table.cost(model, usage, &opts)?)
        }
        _ => None,
    })
}
