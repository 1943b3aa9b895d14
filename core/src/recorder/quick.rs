//! The compact LLM-call record of [`super::Recorder::log_quick`]: the caller only copies typed
//! fields into it; the writer thread assembles the event from it and prices it.

use super::ids;
use super::validate::{MAX_TOKENS, check_id, check_usage};
use crate::event::kinds;
use crate::pricing::{CostOptions, PriceTable};
use crate::{Cost, Event, EventType, Outcome, Result, Usage};
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// One LLM call as a binding hands it over. Strings are shared so a caller that passes the same
/// session id or model on every call copies a pointer, not the text.
#[derive(Debug, Clone, PartialEq)]
pub struct QuickCall {
    pub session_id: Arc<str>,
    pub event_id: uuid::Uuid,
    /// When the call was logged; turned into the event's timestamp (to the nanosecond) by the
    /// writer, which spares the caller the calendar arithmetic.
    pub logged_at: SystemTime,
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
        let logged_at = SystemTime::now();
        let ms = logged_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        QuickCall {
            session_id,
            event_id: ids::next_v7(ms),
            logged_at,
            provider: None,
            model: None,
            agent: None,
            trace_id: None,
            usage: None,
            latency_ms: None,
            outcome: Outcome::Ok,
        }
    }

    /// The event's timestamp.
    pub fn timestamp(&self) -> DateTime<Utc> {
        DateTime::<Utc>::from(self.logged_at)
    }

    /// The event id as hyphenated lowercase ASCII.
    pub fn event_id_text(&self) -> [u8; 36] {
        ids::hyphenated(self.event_id)
    }

    fn usage_value(&self) -> Option<Usage> {
        // Field by field in the order of `Usage::COUNT_FIELDS` (a test holds the two together):
        // matching the names would cost the writer more than the rest of building the event.
        self.usage.map(|c| Usage {
            input: c[0],
            cache_read: c[1],
            cache_write_5m: c[2],
            cache_write_1h: c[3],
            output: c[4],
            reasoning: c[5],
            input_audio: c[6],
            input_image: c[7],
            output_audio: c[8],
            web_search_requests: c[9],
            ..Usage::default()
        })
    }

    /// Everything that can reject the call, with the same errors [`super::Recorder::log`] gives
    /// for the equivalent event; after this the writer cannot fail to build or price it.
    pub(crate) fn check(&self, prices: Option<&PriceTable>) -> Result<()> {
        CHECKED.with(|c| self.check_with(prices, &mut c.borrow_mut()))
    }

    fn check_with(&self, prices: Option<&PriceTable>, seen: &mut Checked) -> Result<()> {
        let fields = [
            ("session_id", Some(&self.session_id)),
            ("trace_id", self.trace_id.as_ref()),
            ("agent", self.agent.as_ref()),
            ("model", self.model.as_ref()),
            ("provider", self.provider.as_ref()),
        ];
        for ((field, value), last) in fields.into_iter().zip(&mut seen.ids) {
            if let Some(v) = value
                && !same(value, last.as_ref())
            {
                check_id(field, v)?;
                *last = Some(v.clone());
            }
        }
        if let Some(counts) = &self.usage {
            if counts.iter().flatten().any(|&n| n > MAX_TOKENS)
                && let Some(u) = self.usage_value()
            {
                check_usage(&u)?;
            }
            // The one pricing error that depends on the call rather than the numbers: a model
            // name that several providers' models match.
            if let (Some(table), Some(model)) = (prices, &self.model) {
                let known = seen.model_ok.as_ref().is_some_and(|(t, m, p)| {
                    *t == table.id()
                        && Arc::ptr_eq(m, model)
                        && (p.is_none() && self.provider.is_none()
                            || same(p.as_ref(), self.provider.as_ref()))
                });
                if !known {
                    table.check_model(model, self.provider.as_deref())?;
                    seen.model_ok = Some((table.id(), model.clone(), self.provider.clone()));
                }
            }
        }
        Ok(())
    }

    /// Turns `ev`, whatever it held, into the event of this call, reusing its strings' buffers:
    /// the writer recycles the events of one batch for the calls of the next, so building an
    /// event from a call allocates nothing once the buffers are grown.
    pub(crate) fn write_into(&self, ev: &mut Event) {
        // Every field is named, so a field added to `Event` must be considered here.
        let Event {
            event_id,
            session_id,
            timestamp,
            event_type,
            content,
            task_id,
            duration_ms,
            attributes,
            extra,
            trace_id,
            outcome,
            usage,
            cost,
            latency_ms,
            model,
            provider,
            request_id,
            agent,
            tool,
            error,
            op,
        } = ev;
        let mut id = uuid::Uuid::encode_buffer();
        event_id.clear();
        event_id.push_str(self.event_id.hyphenated().encode_lower(&mut id));
        session_id.clear();
        session_id.push_str(&self.session_id);
        *timestamp = self.timestamp();
        if event_type.custom_kind() != Some(kinds::LLM_CALL) {
            *event_type = EventType::custom(kinds::LLM_CALL);
        }
        content.clear();
        *task_id = None;
        *duration_ms = None;
        attributes.clear();
        extra.clear();
        set_text(trace_id, self.trace_id.as_deref());
        *outcome = self.outcome;
        *usage = self.usage_value();
        *cost = None;
        *latency_ms = self.latency_ms;
        set_text(model, self.model.as_deref());
        set_text(provider, self.provider.as_deref());
        *request_id = None;
        set_text(agent, self.agent.as_deref());
        *tool = None;
        *error = None;
        *op = None;
    }

    /// The event this call is stored as, equal to what [`super::LlmCall::into_event`] builds
    /// from the same fields.
    pub fn into_event(self) -> Event {
        let mut ev = Event::with_id(
            String::new(),
            String::new(),
            self.timestamp(),
            EventType::custom(kinds::LLM_CALL),
        );
        self.write_into(&mut ev);
        ev
    }
}

/// The strings of this thread's last accepted calls, by field, and the last model the price
/// table resolved: a bot passes the same string objects on every call, and an `Arc` this cache
/// holds cannot be freed and its address reused, so pointer equality means the same text.
#[derive(Default)]
struct Checked {
    ids: [Option<Arc<str>>; 5],
    model_ok: Option<(u64, Arc<str>, Option<Arc<str>>)>,
}

thread_local! {
    static CHECKED: RefCell<Checked> = RefCell::new(Checked::default());
}

/// Sets an optional text field to `value`, reusing the buffer it already has.
fn set_text(field: &mut Option<String>, value: Option<&str>) {
    match (field.as_mut(), value) {
        (Some(buf), Some(v)) => {
            buf.clear();
            buf.push_str(v);
        }
        (_, v) => *field = v.map(str::to_owned),
    }
}

fn same(a: Option<&Arc<str>>, b: Option<&Arc<str>>) -> bool {
    a.zip(b).is_some_and(|(a, b)| Arc::ptr_eq(a, b))
}

/// Prices the event built from a call. `QuickCall::check` ran the checks pricing could fail;
/// should a custom table still fail (a decimal overflow), the call is stored unpriced, not lost.
pub(crate) fn price_call_event(prices: Option<&PriceTable>, ev: &mut Event) {
    ev.cost = price(prices, ev).unwrap_or(None);
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

#[cfg(test)]
mod tests {
    use super::*;

    fn table(json_models: &str) -> PriceTable {
        PriceTable::from_json_str(&format!(
            r#"{{"format": "hailog-prices/1", "version": "t", "models": [{json_models}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn token_counts_land_in_the_buckets_named_by_count_fields() {
        let mut call = QuickCall::new(Arc::from("s"));
        let counts: [Option<u64>; 10] = std::array::from_fn(|i| Some(i as u64 + 1));
        call.usage = Some(counts);
        let mut usage = call.usage_value().expect("usage was given");
        for (i, name) in Usage::COUNT_FIELDS.iter().enumerate() {
            assert_eq!(
                usage.count_mut(name).copied(),
                Some(Some(i as u64 + 1)),
                "{name}"
            );
        }
    }

    #[test]
    fn an_event_rewritten_from_a_call_equals_the_event_built_from_it() {
        // An event left over from an earlier batch, with every field the call does not set.
        let mut old = Event::with_id(
            "other-session-with-a-longer-id",
            "not-a-uuid",
            Utc::now(),
            EventType::ToolCall {
                name: "search".into(),
            },
        );
        old.content = vec![crate::ContentBlock::Text { text: "hi".into() }];
        old.task_id = Some("t".into());
        old.duration_ms = Some(5);
        old.attributes.insert("k".into(), serde_json::json!(1));
        old.extra.insert("x".into(), serde_json::json!(2));
        old.trace_id = Some("trace-old".into());
        old.outcome = Outcome::Failed;
        old.usage = Some(Usage {
            model: Some("m".into()),
            ..Usage::default()
        });
        old.cost = Some(Cost::unpriced());
        old.latency_ms = Some(9);
        old.model = Some("old-model".into());
        old.provider = Some("old-provider".into());
        old.request_id = Some("r".into());
        old.agent = Some("old-agent".into());
        old.tool = Some("search".into());
        old.error = Some("boom".into());
        old.op = Some(crate::SessionOp::End { notes: None });
        let mut call = QuickCall::new(Arc::from("bot-7"));
        call.model = Some(Arc::from("gpt-4o-mini"));
        call.agent = Some(Arc::from("trader"));
        call.usage = Some(std::array::from_fn(|i| (i % 3 == 0).then_some(i as u64)));
        call.latency_ms = Some(120);
        call.write_into(&mut old);
        assert_eq!(old, call.clone().into_event());
        // And with the optional fields absent, those the old event had are cleared.
        let bare = QuickCall::new(Arc::from("bot-8"));
        bare.write_into(&mut old);
        assert_eq!(old, bare.into_event());
    }

    #[test]
    fn remembered_strings_do_not_hide_a_bad_one() {
        let good: Arc<str> = Arc::from("bot-1");
        let call = QuickCall::new(good.clone());
        call.check(None).unwrap();
        call.check(None).unwrap();
        // Another object, even right after a remembered one, is checked.
        let bad = QuickCall::new(Arc::from("bot\u{7}"));
        assert!(bad.check(None).is_err());
        let mut with_model = QuickCall::new(good);
        with_model.model = Some(Arc::from(""));
        assert!(with_model.check(None).is_err());
    }

    #[test]
    fn a_model_resolved_by_one_table_is_checked_again_by_another() {
        let one = table(
            r#"{"provider": "north", "id": "twin-1", "rates": {"input": "1", "output": "1"}}"#,
        );
        let two = table(
            r#"{"provider": "north", "id": "twin-1", "rates": {"input": "1", "output": "1"}},
               {"provider": "south", "id": "twin-1", "rates": {"input": "2", "output": "2"}}"#,
        );
        let mut call = QuickCall::new(Arc::from("s"));
        call.model = Some(Arc::from("twin-1"));
        call.usage = Some([
            Some(1),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ]);
        call.check(Some(&one)).unwrap();
        assert!(call.check(Some(&two)).is_err());
        // With a provider the same model object resolves in the second table too.
        call.provider = Some(Arc::from("south"));
        call.check(Some(&two)).unwrap();
        call.provider = None;
        assert!(call.check(Some(&two)).is_err());
    }
}
