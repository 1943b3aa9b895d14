//! Integration tests of `Recorder::log_quick`: the compact call is stored as the event
//! `log_llm` stores, rejects what `log` rejects, and budgets and `check_budget` stay exact
//! although the writer prices it.

use hailog::pricing::{CostOptions, PriceTable};
use hailog::recorder::{BudgetState, FullQueue, LlmCall, QuickCall, Recorder};
use hailog::store::MemorySink;
use hailog::{Error, Event, Outcome, SessionOp, Usage};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

const MODEL: &str = "gpt-4o-mini";

fn call(session: &str) -> QuickCall {
    let mut c = QuickCall::new(Arc::from(session));
    c.model = Some(Arc::from(MODEL));
    c.provider = Some(Arc::from("openai"));
    // input, cache_read, cache_write_5m, cache_write_1h, output, reasoning, ...
    c.usage = Some([
        Some(900),
        Some(300),
        None,
        None,
        Some(85),
        None,
        None,
        None,
        None,
        None,
    ]);
    c.latency_ms = Some(420);
    c
}

fn one_call_usd() -> Decimal {
    let usage = Usage {
        input: Some(900),
        cache_read: Some(300),
        output: Some(85),
        ..Usage::default()
    };
    let opts = CostOptions {
        provider: Some("openai".into()),
        ..CostOptions::default()
    };
    PriceTable::builtin()
        .cost(MODEL, &usage, &opts)
        .unwrap()
        .total
        .expect("the built-in table prices gpt-4o-mini")
}

/// A recorder whose writer commits rarely, so logged calls stay queued while the test looks.
fn slow_writer() -> Recorder {
    Recorder::builder()
        .memory()
        .commit_interval(Duration::from_secs(30))
        .open()
        .unwrap()
}

#[test]
fn a_quick_call_is_stored_as_log_llm_stores_it() {
    let quick_sink = MemorySink::new();
    let quick = Recorder::builder()
        .memory()
        .memory_sink(quick_sink.clone())
        .open()
        .unwrap();
    let mut c = call("s1");
    c.agent = Some(Arc::from("trader"));
    c.trace_id = Some(Arc::from("t-9"));
    c.outcome = Outcome::Failed;
    let id = String::from_utf8(c.event_id_text().to_vec()).unwrap();
    let timestamp = c.timestamp();
    assert!(quick.log_quick(c).unwrap());
    quick.flush(None).unwrap();

    let typed_sink = MemorySink::new();
    let typed = Recorder::builder()
        .memory()
        .memory_sink(typed_sink.clone())
        .open()
        .unwrap();
    typed
        .log_llm(LlmCall {
            event_id: Some(id.clone()),
            timestamp: Some(timestamp),
            provider: Some("openai".into()),
            model: Some(MODEL.into()),
            usage: Some(Usage {
                input: Some(900),
                cache_read: Some(300),
                output: Some(85),
                ..Usage::default()
            }),
            latency_ms: Some(420),
            outcome: Outcome::Failed,
            agent: Some("trader".into()),
            trace_id: Some("t-9".into()),
            ..LlmCall::new("s1")
        })
        .unwrap();
    typed.flush(None).unwrap();

    let (got, want) = (quick_sink.events(), typed_sink.events());
    assert_eq!(got.len(), 1);
    assert_eq!(got, want);
    assert_eq!(got[0].event_id, id);
    assert_eq!(
        got[0].cost.as_ref().and_then(|c| c.total),
        Some(one_call_usd())
    );
    assert_eq!(quick.events("s1").unwrap(), typed.events("s1").unwrap());
}

#[test]
fn bad_calls_are_rejected_on_the_callers_thread_and_nothing_is_queued() {
    let rec = slow_writer();
    let expect_invalid = |c: QuickCall, field: &str| match rec.log_quick(c) {
        Err(Error::InvalidInput { field: f, .. }) => assert_eq!(f, field),
        other => panic!("expected invalid {field}, got {other:?}"),
    };
    expect_invalid(call(""), "session_id");
    expect_invalid(call(&"s".repeat(257)), "session_id");
    let mut c = call("s");
    c.model = Some(Arc::from("gpt\n4o"));
    expect_invalid(c, "model");
    let mut c = call("s");
    c.agent = Some(Arc::from(""));
    expect_invalid(c, "agent");
    let mut c = call("s");
    if let Some(u) = &mut c.usage {
        u[4] = Some(2_000_000_000_000);
    }
    expect_invalid(c, "usage.output");
    assert_eq!(rec.stats().accepted, 0);
    rec.flush(None).unwrap();
    assert_eq!(rec.event_count().unwrap(), 0);
}

#[test]
fn an_ambiguous_model_fails_at_log_time() {
    let table = PriceTable::from_json_str(
        r#"{"format": "hailog-prices/1", "version": "two-sellers", "models": [
            {"provider": "north", "id": "twin-1", "rates": {"input": "1", "output": "2"}},
            {"provider": "south", "id": "twin-1", "rates": {"input": "1", "output": "3"}}]}"#,
    )
    .unwrap();
    let rec = Recorder::builder()
        .memory()
        .prices(Some(Arc::new(table)))
        .open()
        .unwrap();
    let mut c = call("s");
    c.model = Some(Arc::from("twin-1"));
    c.provider = None;
    assert!(matches!(rec.log_quick(c.clone()), Err(Error::Pricing(_))));
    // Naming the provider settles it, and the writer prices the call with that provider's rate.
    c.provider = Some(Arc::from("south"));
    c.usage = Some([
        Some(1_000_000),
        None,
        None,
        None,
        Some(1_000_000),
        None,
        None,
        None,
        None,
        None,
    ]);
    assert!(rec.log_quick(c).unwrap());
    rec.flush(None).unwrap();
    let events = rec.events("s").unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].cost.as_ref().and_then(|c| c.total),
        Some(Decimal::from(4))
    );
}

#[test]
fn check_budget_counts_calls_still_queued() {
    let rec = slow_writer();
    for _ in 0..25 {
        rec.log_quick(call("spend")).unwrap();
    }
    let check = rec.check_budget("spend").unwrap();
    assert_eq!(check.spent_usd, one_call_usd() * Decimal::from(25));
    assert_eq!(check.state, BudgetState::Ok);
    assert_eq!(rec.stats().accepted, 25);
    // The calls charged while queued are stored priced, and the writer does not charge them
    // a second time.
    rec.flush(None).unwrap();
    let check = rec.check_budget("spend").unwrap();
    assert_eq!(check.spent_usd, one_call_usd() * Decimal::from(25));
    let events = rec.events("spend").unwrap();
    assert_eq!(events.len(), 25);
    assert!(
        events
            .iter()
            .all(|e| e.cost.as_ref().and_then(|c| c.total) == Some(one_call_usd()))
    );
    let summary = rec.summary("spend").unwrap().expect("the session exists");
    assert_eq!(summary.cost_usd, Some(one_call_usd() * Decimal::from(25)));
}

#[test]
fn a_hard_limit_is_judged_with_every_call_queued_before_it() {
    let rec = slow_writer();
    let one = one_call_usd();
    // Three calls with no limit in force: queued for the writer to price.
    for _ in 0..3 {
        rec.log_quick(call("capped")).unwrap();
    }
    // A hard limit between three and four calls' worth.
    let hard = one * Decimal::from_str("3.5").unwrap();
    rec.set_budget("capped", None, Some(hard)).unwrap();
    assert_eq!(rec.check_budget("capped").unwrap().state, BudgetState::Ok);
    // Now a limit applies: the fourth call is priced at once and crosses it.
    rec.log_quick(call("capped")).unwrap();
    let check = rec.check_budget("capped").unwrap();
    assert_eq!(check.spent_usd, one * Decimal::from(4));
    assert!(matches!(check.state, BudgetState::HardLimit { .. }));
    rec.flush(None).unwrap();
    let events = rec.events("capped").unwrap();
    let kinds: Vec<_> = events
        .iter()
        .map(|e: &Event| e.event_type.custom_kind().unwrap_or("?").to_string())
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "budget_alert").count(), 1);
    assert!(
        events
            .iter()
            .any(|e| matches!(e.op, Some(SessionOp::Pause { .. })))
    );
    assert_eq!(
        rec.session_row("capped").unwrap().unwrap().cost_usd,
        one * Decimal::from(4)
    );
}

#[test]
fn an_agent_limit_sends_calls_down_the_priced_path() {
    let rec = Recorder::builder()
        .memory()
        .commit_interval(Duration::from_secs(30))
        .agent_budget("bot", None, Some(one_call_usd()))
        .open()
        .unwrap();
    let mut c = call("a1");
    c.agent = Some(Arc::from("bot"));
    rec.log_quick(c).unwrap();
    // The session learned its agent: a call naming none is judged against the agent's limit.
    rec.log_quick(call("a1")).unwrap();
    assert!(matches!(
        rec.check_budget("a1").unwrap().state,
        BudgetState::HardLimit { ref scope, .. } if scope == "agent:bot"
    ));
}

#[test]
fn threads_logging_at_once_lose_nothing_and_share_no_id() {
    let rec = Recorder::builder().memory().open().unwrap();
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let rec = rec.clone();
            std::thread::spawn(move || {
                let session = format!("thread-{t}");
                (0..500)
                    .map(|_| {
                        let c = call(&session);
                        let id = c.event_id_text();
                        rec.log_quick(c).unwrap();
                        id
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut ids = HashSet::new();
    for h in handles {
        ids.extend(h.join().unwrap());
    }
    assert_eq!(ids.len(), 4000);
    rec.flush(None).unwrap();
    assert_eq!(rec.event_count().unwrap(), 4000);
    assert_eq!(rec.stats().duplicates, 0);
    let check = rec.check_budget("thread-3").unwrap();
    assert_eq!(check.spent_usd, one_call_usd() * Decimal::from(500));
}

#[test]
fn a_queue_with_room_for_n_events_holds_four_times_n_calls() {
    // The writer is held inside a batch by a sink that waits for a token per event, so nothing
    // leaves the queue while the test fills it; under `FullQueue::Drop` a call or an event with
    // no room left is refused and counted.
    let (entered_tx, entered) = std::sync::mpsc::channel::<()>();
    let (tokens, tokens_rx) = std::sync::mpsc::channel::<()>();
    let rec = Recorder::builder()
        .memory()
        .queue_capacity(2)
        .full_queue(FullQueue::Drop)
        .callback(move |_| {
            let _ = entered_tx.send(());
            let _ = tokens_rx.recv();
        })
        .open()
        .unwrap();
    rec.note("held", "the writer waits on this one").unwrap();
    entered.recv().unwrap();

    // Room for 2 events is room for 8 calls.
    for _ in 0..8 {
        assert!(rec.log_quick(call("room")).unwrap());
    }
    assert!(
        !rec.log_quick(call("room")).unwrap(),
        "a ninth call has no room"
    );
    assert!(!rec.note("room", "no room").unwrap().queued);
    assert_eq!(rec.stats().dropped, 2);

    // Let the held note and the 8 calls through, then hold the writer on another note.
    for _ in 0..9 {
        tokens.send(()).unwrap();
    }
    for _ in 0..8 {
        entered.recv().unwrap();
    }
    rec.note("held", "and on this one").unwrap();
    entered.recv().unwrap();

    // An event takes a quarter of the room: two fit, and then neither a call nor an event.
    assert!(rec.note("room", "first").unwrap().queued);
    assert!(rec.note("room", "second").unwrap().queued);
    assert!(!rec.log_quick(call("room")).unwrap());
    assert!(!rec.note("room", "third").unwrap().queued);
    assert_eq!(rec.stats().dropped, 4);

    drop(tokens);
    rec.flush(None).unwrap();
    assert_eq!(rec.session_row("room").unwrap().unwrap().event_count, 10);
    assert_eq!(rec.stats().durable, 12);
}

#[test]
fn calls_that_find_the_writer_behind_are_priced_by_the_caller_with_the_same_result() {
    // A queue with room for 8 events (32 calls): a call that finds it full is built and priced
    // on the caller's thread, and the queue fills and drains repeatedly.
    let sink = MemorySink::new();
    let rec = Recorder::builder()
        .memory()
        .queue_capacity(8)
        .memory_sink(sink.clone())
        .open()
        .unwrap();
    let mut ids = Vec::new();
    for _ in 0..200 {
        let c = call("behind");
        ids.push(String::from_utf8(c.event_id_text().to_vec()).unwrap());
        assert!(rec.log_quick(c).unwrap());
    }
    assert_eq!(
        rec.check_budget("behind").unwrap().spent_usd,
        one_call_usd() * Decimal::from(200)
    );
    rec.flush(None).unwrap();
    let stored = sink.events();
    assert_eq!(
        stored
            .iter()
            .map(|e| e.event_id.clone())
            .collect::<Vec<_>>(),
        ids
    );
    assert!(
        stored
            .iter()
            .all(|e| e.cost.as_ref().and_then(|c| c.total) == Some(one_call_usd()))
    );
}

#[test]
fn summary_and_stats_count_calls_still_queued() {
    let rec = slow_writer();
    for _ in 0..30 {
        rec.log_quick(call("read")).unwrap();
    }
    rec.note("read", "and a note").unwrap();
    // No flush: the reads wait for the writer to store what was logged before them.
    let summary = rec.summary("read").unwrap().expect("the session exists");
    assert_eq!(summary.event_count, 31);
    assert_eq!(summary.request_count, 30);
    assert_eq!(summary.cost_usd, Some(one_call_usd() * Decimal::from(30)));
    let status = rec.status("read", chrono::Utc::now()).unwrap();
    assert!(status.is_some());
    let stats = rec
        .usage_stats(hailog::recorder::StatsBy::Model, None, None)
        .unwrap();
    assert_eq!(stats.len(), 1);
    assert_eq!(stats[0].requests, 30);
    assert_eq!(stats[0].cost_usd, one_call_usd() * Decimal::from(30));
}

#[test]
fn a_closed_recorder_refuses_calls() {
    let rec = Recorder::builder().memory().open().unwrap();
    rec.close().unwrap();
    assert!(matches!(rec.log_quick(call("s")), Err(Error::Closed(_))));
}
