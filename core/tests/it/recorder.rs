//! Integration tests of the `recorder` stage: durability across kill -9, many processes on one
//! file, idempotent replays, bad input that changes nothing, budgets, sinks and privacy.

use hailog::recorder::{BudgetState, FullQueue, LlmCall, Recorder, usage_from_json};
use hailog::store::MemorySink;
use hailog::{ContentBlock, Cost, Error, Event, EventType, Outcome, SessionOp, Usage};
use rust_decimal::Decimal;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::Duration;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn llm(session: &str, id: &str, cost: Decimal) -> Event {
    let mut ev = Event::new(session, EventType::custom("llm_call"));
    ev.event_id = id.to_string();
    ev.model = Some("gpt-4o-mini".into());
    ev.provider = Some("openai".into());
    ev.agent = Some("tester".into());
    ev.usage = Some(Usage {
        input: Some(100),
        output: Some(20),
        ..Usage::default()
    });
    ev.cost = Some(Cost::reported(cost));
    ev
}

/// The cost of event `i` of a child: varied, exact, tiny.
fn child_cost(i: u64) -> Decimal {
    Decimal::new((i % 7 + 1) as i64, 6)
}

fn count_events(path: &Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT count(*) FROM events", [], |r| r.get(0))
        .unwrap()
}

/// Runs in two modes: as a plain test it logs a few hundred events into a temporary file and
/// checks they are durable after `flush()`; re-executed by the tests below (environment
/// `HAILOG_TEST_DB`, `HAILOG_TEST_COUNT`, `HAILOG_TEST_TAG`, `HAILOG_TEST_FOREVER`) it is the
/// logging child process.
#[test]
fn child_logger() {
    let tmp = tempfile::tempdir().unwrap();
    let path = std::env::var("HAILOG_TEST_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("solo.db"));
    let count: u64 = std::env::var("HAILOG_TEST_COUNT")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(300);
    let tag = std::env::var("HAILOG_TEST_TAG").unwrap_or_else(|_| "solo".into());
    let rec = Recorder::open(&path).unwrap();
    for i in 0..count {
        let session = format!("shared-{}", i % 4);
        rec.log(llm(&session, &format!("{tag}-{i}"), child_cost(i)))
            .unwrap();
    }
    rec.flush(None).unwrap();
    println!("FLUSHED {tag} {count}");
    use std::io::Write;
    std::io::stdout().flush().unwrap();
    if std::env::var_os("HAILOG_TEST_FOREVER").is_some() {
        // Keep the writer busy until the parent kills this process.
        for n in 0.. {
            rec.log(llm("shared-0", &format!("{tag}-extra-{n}"), child_cost(n)))
                .unwrap();
            if n % 1000 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
    let stats = rec.stats();
    assert_eq!(stats.accepted, stats.durable);
    assert!(stats.durable >= count);
    rec.close().unwrap();
    if std::env::var_os("HAILOG_TEST_DB").is_none() {
        assert_eq!(count_events(&path), count as i64);
    }
}

fn spawn_child(path: &Path, tag: &str, count: u64, forever: bool) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "recorder::child_logger",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("HAILOG_TEST_DB", path)
    .env("HAILOG_TEST_COUNT", count.to_string())
    .env("HAILOG_TEST_TAG", tag)
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if forever {
        cmd.env("HAILOG_TEST_FOREVER", "1");
    }
    cmd.spawn().unwrap()
}

#[test]
fn kill_9_after_flush_loses_nothing_flushed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("kill.db");
    let mut child = spawn_child(&path, "k", 5_000, true);
    let mut line = String::new();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    while !line.contains("FLUSHED") {
        line.clear();
        assert!(out.read_line(&mut line).unwrap() > 0, "child exited early");
    }
    // Let it keep committing, so the kill lands in the middle of writes.
    std::thread::sleep(Duration::from_millis(150));
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let conn = rusqlite::Connection::open(&path).unwrap();
    let check: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let flushed: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE event_id LIKE 'k-%' AND event_id NOT LIKE 'k-extra-%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(flushed, 5_000);
    // The stored session totals agree with the stored events, even mid-write.
    let rec = Recorder::open(&path).unwrap();
    let mut total = 0;
    for s in 0..4 {
        let id = format!("shared-{s}");
        let row = rec.session_row(&id).unwrap().unwrap();
        assert_eq!(row.event_count as usize, rec.events(&id).unwrap().len());
        total += row.event_count;
    }
    assert_eq!(total as i64, count_events(&path));
}

#[test]
fn eight_processes_share_one_file_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("multi.db");
    const PER: u64 = 20_000;
    let children: Vec<Child> = (0..8)
        .map(|p| spawn_child(&path, &format!("p{p}"), PER, false))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    // A replay of one process's events (same ids) changes nothing.
    assert!(
        spawn_child(&path, "p3", PER, false)
            .wait()
            .unwrap()
            .success()
    );

    assert_eq!(count_events(&path), 160_000);
    let rec = Recorder::open(&path).unwrap();
    let mut expected = [Decimal::ZERO; 4];
    let mut counts = [0u64; 4];
    for i in 0..PER {
        expected[(i % 4) as usize] += child_cost(i) * Decimal::from(8);
        counts[(i % 4) as usize] += 8;
    }
    for s in 0..4 {
        let row = rec.session_row(&format!("shared-{s}")).unwrap().unwrap();
        assert_eq!(row.event_count, counts[s]);
        assert_eq!(row.cost_usd, expected[s]);
    }
}

#[test]
fn the_same_events_logged_twice_count_once() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("dup.db");
    let events: Vec<Event> = (0..50)
        .map(|i| llm("dup", &format!("e{i}"), d("0.01")))
        .collect();
    {
        let rec = Recorder::open(&path).unwrap();
        for ev in &events {
            rec.log(ev.clone()).unwrap();
        }
        // A retry inside the same batch and after a flush.
        rec.log(events[0].clone()).unwrap();
        rec.flush(None).unwrap();
        for ev in &events {
            rec.log(ev.clone()).unwrap();
        }
        rec.close().unwrap();
        assert_eq!(rec.stats().duplicates, 51);
    }
    // After a restart.
    let rec = Recorder::open(&path).unwrap();
    for ev in &events {
        rec.log(ev.clone()).unwrap();
    }
    rec.flush(None).unwrap();
    let row = rec.session_row("dup").unwrap().unwrap();
    assert_eq!(row.event_count, 50);
    assert_eq!(row.cost_usd, d("0.50"));
    assert_eq!(rec.events("dup").unwrap().len(), 50);
}

#[test]
fn bad_session_ids_are_refused_and_nothing_is_stored() {
    let rec = Recorder::builder().memory().open().unwrap();
    for (bad, needle) in [
        (String::new(), "empty"),
        ("x".repeat(257), "257 bytes"),
        ("bot\u{7}".to_string(), "control character"),
        ("a\nb".to_string(), "control character"),
    ] {
        let err = rec.log(llm(&bad, "id-1", d("1"))).unwrap_err();
        assert_eq!(err.code(), "invalid_input");
        let text = err.to_string();
        assert!(
            text.contains("session_id") && text.contains(needle),
            "{text}"
        );
    }
    rec.flush(None).unwrap();
    assert_eq!(rec.stats().accepted, 0);
    let stored = rec.event_count().unwrap();
    assert_eq!(stored, 0);
}

#[test]
fn negative_tokens_and_unknown_kinds_are_clear_errors() {
    let err = usage_from_json(r#"{"input": -5, "output": 3}"#).unwrap_err();
    let text = err.to_string();
    assert_eq!(err.code(), "invalid_input");
    assert!(text.contains("usage") && text.contains("-5"), "{text}");
    assert!(usage_from_json(r#"{"input": 5, "output": 3}"#).is_ok());

    let rec = Recorder::builder().memory().open().unwrap();
    let err = rec
        .log_kind("s", "teleport", None, Outcome::Ok)
        .unwrap_err();
    assert!(err.to_string().contains("unknown event kind \"teleport\""));
    let mut ev = Event::new("s", EventType::custom("llm_call"));
    ev.usage = Some(Usage {
        output: Some(u64::MAX),
        ..Usage::default()
    });
    assert!(
        rec.log(ev)
            .unwrap_err()
            .to_string()
            .contains("usage.output")
    );
    rec.flush(None).unwrap();
    assert_eq!(rec.stats().accepted, 0);
}

#[test]
fn unusable_database_locations_fail_at_open() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Recorder::open(tmp.path().join("missing/dir/x.db")).unwrap_err();
    assert_eq!(err.code(), "storage");
    assert!(err.to_string().contains("missing/dir"), "{err}");

    // A database written by a newer hailog is refused, not misread or "migrated" backwards.
    let newer = tmp.path().join("newer.db");
    rusqlite::Connection::open(&newer)
        .unwrap()
        .execute_batch("PRAGMA user_version = 42")
        .unwrap();
    let err = Recorder::open(&newer).unwrap_err();
    assert!(err.to_string().contains("schema version 42"), "{err}");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = tmp.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        // Root ignores permissions; only assert where the directory really is read-only.
        if std::fs::write(ro.join("probe"), b"x").is_err() {
            let err = Recorder::open(ro.join("x.db")).unwrap_err();
            assert_eq!(err.code(), "storage");
            assert!(err.to_string().contains("ro"), "{err}");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn use_after_close_is_a_clean_error_and_drop_flushes() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("close.db");
    {
        let rec = Recorder::open(&path).unwrap();
        for i in 0..100 {
            rec.log(llm("c", &format!("c{i}"), d("0.1"))).unwrap();
        }
        // Dropped without flush or close.
    }
    assert_eq!(count_events(&path), 100);
    let rec = Recorder::open(&path).unwrap();
    let clone = rec.clone();
    rec.close().unwrap();
    let err = clone.log(llm("c", "late", d("0.1"))).unwrap_err();
    assert_eq!(err.code(), "closed");
    assert!(matches!(err, Error::Closed(_)));
    rec.close().unwrap();
}

#[test]
fn a_full_queue_drops_and_counts_when_asked() {
    let rec = Recorder::builder()
        .memory()
        .queue_capacity(4)
        .full_queue(FullQueue::Drop)
        .commit_interval(Duration::from_secs(3600))
        .open()
        .unwrap();
    let mut queued = 0;
    for i in 0..2_000 {
        if rec.log(llm("q", &format!("q{i}"), d("0"))).unwrap().queued {
            queued += 1;
        }
    }
    rec.flush(None).unwrap();
    let stats = rec.stats();
    assert_eq!(stats.dropped + queued, 2_000);
    assert_eq!(stats.durable, queued);
    assert_eq!(rec.session_row("q").unwrap().unwrap().event_count, queued);

    // The default blocks instead: every event arrives.
    let rec = Recorder::builder()
        .memory()
        .queue_capacity(4)
        .open()
        .unwrap();
    for i in 0..2_000 {
        assert!(rec.log(llm("b", &format!("b{i}"), d("0"))).unwrap().queued);
    }
    rec.flush(None).unwrap();
    assert_eq!(rec.session_row("b").unwrap().unwrap().event_count, 2_000);
    assert_eq!(rec.stats().dropped, 0);
}

#[test]
fn a_flush_stores_a_backlog_of_many_batches_in_order() {
    // The writer stores a long queue a part at a time; a flush waits for every part, and the
    // parts keep the order the events were logged in.
    let sink = MemorySink::new();
    let rec = Recorder::builder()
        .memory()
        .memory_sink(sink.clone())
        .commit_interval(Duration::from_secs(3600))
        .open()
        .unwrap();
    let n = 10_007;
    for i in 0..n {
        rec.log(llm(&format!("s{}", i % 3), &format!("e{i}"), d("0.001")))
            .unwrap();
    }
    rec.flush(Some(Duration::from_secs(120))).unwrap();
    assert_eq!(rec.stats().durable, n as u64);
    let ids: Vec<String> = sink.events().into_iter().map(|e| e.event_id).collect();
    let expected: Vec<String> = (0..n).map(|i| format!("e{i}")).collect();
    assert_eq!(
        ids, expected,
        "events reach the sinks in the order they were logged"
    );
    let total: u64 = (0..3)
        .map(|s| {
            rec.session_row(&format!("s{s}"))
                .unwrap()
                .unwrap()
                .event_count
        })
        .sum();
    assert_eq!(total, n as u64);
    assert_eq!(
        rec.summary("s0").unwrap().unwrap().cost_usd,
        Some(d("0.001") * Decimal::from(3_336))
    );
}

#[test]
fn a_hard_budget_pauses_the_session_and_tells_the_bot() {
    let rec = Recorder::builder().memory().open().unwrap();
    rec.set_budget("bud", Some(d("0.05")), Some(d("0.10")))
        .unwrap();
    let r = rec.log(llm("bud", "b1", d("0.04"))).unwrap();
    assert_eq!(r.budget, BudgetState::Ok);
    assert_eq!(r.cost_usd, Some(d("0.04")));
    let r = rec.log(llm("bud", "b2", d("0.04"))).unwrap();
    assert!(matches!(r.budget, BudgetState::SoftLimit { .. }));
    let r = rec.log(llm("bud", "b3", d("0.04"))).unwrap();
    assert_eq!(
        r.budget,
        BudgetState::HardLimit {
            scope: "session".into(),
            spent: d("0.12"),
            limit: d("0.10")
        }
    );
    let check = rec.check_budget("bud").unwrap();
    assert!(check.state.is_hard());
    assert_eq!(check.spent_usd, d("0.12"));
    rec.flush(None).unwrap();
    // The check agrees once everything is committed (confirmed spend, nothing pending).
    assert_eq!(rec.check_budget("bud").unwrap().spent_usd, d("0.12"));
    let events = rec.events("bud").unwrap();
    let alerts = events
        .iter()
        .filter(|e| e.event_type.custom_kind() == Some("budget_alert"))
        .count();
    assert_eq!(alerts, 2);
    assert!(events.iter().any(
        |e| matches!(&e.op, Some(SessionOp::Pause { reason }) if reason.contains("hard limit"))
    ));
}

#[test]
fn content_is_dropped_unless_captured_and_then_redacted() {
    let with_secret = |rec: &Recorder, id: &str| {
        let mut ev = Event::new("p", EventType::UserMessage);
        ev.event_id = id.into();
        ev.content.push(ContentBlock::Text {
            text: "use key sk-proj-abcdefghijklmnopqrstuvwxyz please".into(),
        });
        rec.log(ev).unwrap();
    };
    let sink = MemorySink::new();
    let rec = Recorder::builder()
        .memory()
        .memory_sink(sink.clone())
        .open()
        .unwrap();
    with_secret(&rec, "a");
    rec.flush(None).unwrap();
    assert!(rec.events("p").unwrap()[0].content.is_empty());
    assert_eq!(sink.len(), 1);

    let rec = Recorder::builder()
        .memory()
        .capture_content(true)
        .open()
        .unwrap();
    with_secret(&rec, "b");
    rec.flush(None).unwrap();
    let stored = &rec.events("p").unwrap()[0].content;
    assert_eq!(
        stored,
        &vec![ContentBlock::Text {
            text: "use key [REDACTED] please".into()
        }]
    );
}

#[test]
fn sinks_see_each_event_once_and_llm_calls_take_typed_arguments() {
    let seen = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = seen.clone();
    let rec = Recorder::builder()
        .memory()
        .callback(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .open()
        .unwrap();
    let call = || LlmCall {
        session_id: "typed".into(),
        event_id: Some("call-1".into()),
        model: Some("claude-sonnet-4-5".into()),
        usage: Some(Usage {
            input: Some(10),
            output: Some(5),
            reported_cost: Some(d("0.0021")),
            ..Usage::default()
        }),
        latency_ms: Some(840),
        trace_id: Some("step-1".into()),
        ..LlmCall::default()
    };
    let r = rec.log_llm(call()).unwrap();
    assert_eq!(r.event_id, "call-1");
    assert_eq!(r.cost_usd, Some(d("0.0021")));
    rec.log_llm(call()).unwrap();
    rec.flush(None).unwrap();
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 1);
    let ev = &rec.events("typed").unwrap()[0];
    assert_eq!(ev.latency_ms, Some(840));
    assert_eq!(ev.trace_id.as_deref(), Some("step-1"));
}

#[test]
fn summary_and_status_come_from_the_stored_aggregates() {
    let rec = Recorder::builder().memory().open().unwrap();
    let call = LlmCall {
        session_id: "sum".into(),
        model: Some("gpt-4o-mini".into()),
        provider: Some("openai".into()),
        usage: Some(Usage {
            input: Some(1_000_000),
            output: Some(0),
            ..Usage::default()
        }),
        latency_ms: Some(300),
        ..LlmCall::default()
    };
    let receipt = rec.log_llm(call).unwrap();
    // Priced from the built-in table because no cost was given.
    let cost = receipt
        .cost_usd
        .expect("gpt-4o-mini is in the built-in table");
    assert!(cost > Decimal::ZERO);
    let mut failed = Event::new("sum", EventType::custom("error"));
    failed.outcome = Outcome::Failed;
    failed.error = Some("tool crashed".into());
    rec.log(failed).unwrap();
    rec.flush(None).unwrap();
    let summary = rec.summary("sum").unwrap().unwrap();
    assert_eq!(summary.request_count, 1);
    assert_eq!(summary.cost_usd, Some(cost));
    let now = chrono::Utc::now();
    assert_eq!(
        rec.status("sum", now).unwrap(),
        Some(hailog::session::SessionStatus::Errored)
    );
    rec.acknowledge("sum").unwrap();
    rec.flush(None).unwrap();
    assert_eq!(
        rec.status("sum", now).unwrap(),
        Some(hailog::session::SessionStatus::Active)
    );
    assert_eq!(rec.summary("nobody").unwrap(), None);
}

#[test]
fn queries_filter_group_break_down_and_export() {
    use hailog::recorder::{ExportFormat, SessionFilter, SessionSort, StatsBy, Window};
    let rec = Recorder::builder().memory().open().unwrap();
    let now = chrono::Utc::now();
    rec.start_session(
        "q1",
        Some("first"),
        Some("alpha"),
        &["prod"],
        Default::default(),
    )
    .unwrap();
    rec.set_repo("q1", "hailog/hailog").unwrap();
    let mut a = llm("q1", "q1-a", d("0.30"));
    a.agent = Some("alpha".into());
    a.trace_id = Some("t1".into());
    rec.log(a).unwrap();
    let mut b = llm("q1", "q1-b", d("0.20"));
    b.agent = Some("alpha".into());
    b.trace_id = Some("t2".into());
    b.outcome = Outcome::Failed;
    rec.log(b).unwrap();
    let mut old = llm("q2", "q2-a", d("1.00"));
    old.agent = Some("beta".into());
    old.model = Some("claude-haiku-4-5".into());
    old.timestamp = now - chrono::Duration::days(10);
    rec.log(old).unwrap();
    rec.flush(None).unwrap();

    let recent = rec
        .sessions(&SessionFilter::default().window(Window::Last7d, now), now)
        .unwrap();
    assert_eq!(recent.len(), 1);
    assert_eq!(recent[0].row.session_id, "q1");
    let by_cost = rec
        .sessions(
            &SessionFilter {
                sort: SessionSort::Cost,
                ..SessionFilter::default()
            },
            now,
        )
        .unwrap();
    assert_eq!(by_cost[0].row.session_id, "q2");
    for filter in [
        SessionFilter {
            tag: Some("prod".into()),
            ..SessionFilter::default()
        },
        SessionFilter {
            repo: Some("hailog/hailog".into()),
            ..SessionFilter::default()
        },
        SessionFilter {
            agent: Some("alpha".into()),
            ..SessionFilter::default()
        },
        SessionFilter {
            status: Some(hailog::session::SessionStatus::Errored),
            ..SessionFilter::default()
        },
    ] {
        let ids: Vec<_> = rec
            .sessions(&filter, now)
            .unwrap()
            .into_iter()
            .map(|l| l.row.session_id)
            .collect();
        assert_eq!(ids, vec!["q1".to_string()], "{filter:?}");
    }
    let model = SessionFilter {
        model: Some("claude-haiku-4-5".into()),
        ..SessionFilter::default()
    };
    assert_eq!(rec.sessions(&model, now).unwrap()[0].row.session_id, "q2");

    let groups = rec.group_by_agent_day(None, None).unwrap();
    assert_eq!(groups.len(), 2);
    assert!(groups.iter().all(|g| g.launches == 1));
    assert_eq!(
        groups.iter().map(|g| g.cost_usd).sum::<Decimal>(),
        d("1.50")
    );

    let traces = rec.traces("q1").unwrap();
    let t2 = traces
        .iter()
        .find(|t| t.trace_id.as_deref() == Some("t2"))
        .unwrap();
    assert_eq!((t2.requests, t2.failures, t2.cost_usd), (1, 1, d("0.20")));

    let stats = rec.usage_stats(StatsBy::Agent, None, None).unwrap();
    assert_eq!(stats[0].key.as_deref(), Some("beta"));
    assert_eq!(stats[1].cost_usd, d("0.50"));

    let csv = String::from_utf8(rec.export("q1", ExportFormat::Csv).unwrap().unwrap()).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with("q1-b,") && l.contains(",failed,"))
    );
    let json: serde_json::Value =
        serde_json::from_slice(&rec.export("q1", ExportFormat::Json).unwrap().unwrap()).unwrap();
    assert_eq!(json["events"].as_array().unwrap().len(), 4);
    let hail = rec.export("q1", ExportFormat::Hail).unwrap().unwrap();
    let file = hailog::hail::summarize(&hail[..], Default::default()).unwrap();
    assert_eq!(file.summary.request_count, 2);
    assert_eq!(rec.export("nope", ExportFormat::Csv).unwrap(), None);

    let ended = rec
        .recover_stale(Duration::from_secs(3600 * 24), now)
        .unwrap();
    assert_eq!(ended, vec!["q2".to_string()]);
    assert!(rec.session_row("q2").unwrap().unwrap().ended_at.is_some());
}

#[test]
fn the_hail_sink_writes_one_readable_file_per_session() {
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::builder()
        .memory()
        .hail_dir(tmp.path().join("hail"))
        .open()
        .unwrap();
    for i in 0..3 {
        rec.log(llm("team/bot 1", &format!("h{i}"), d("0.01")))
            .unwrap();
    }
    rec.log(llm("team/bot 1", "h0", d("0.01"))).unwrap();
    rec.flush(None).unwrap();
    let path = tmp.path().join("hail/team%2Fbot%201.hail.jsonl");
    let file = hailog::hail::read_file(&path, Default::default()).unwrap();
    assert_eq!(file.summary.request_count, 3);
    assert_eq!(file.summary.session_id, "team/bot 1");
}

#[test]
fn llm_calls_read_usage_from_a_raw_body_or_a_finished_stream() {
    let vectors = crate::common::vectors_dir("usage");
    let body =
        std::fs::read(vectors.join("anthropic/pai_anth_cache_read_and_write_5m.json")).unwrap();
    let stream =
        std::fs::read(vectors.join("openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse"))
            .unwrap();
    let rec = Recorder::builder().memory().open().unwrap();

    let from_body = LlmCall::new("raw").with_response(&body).unwrap();
    let receipt = rec.log_llm(from_body).unwrap();
    // claude-sonnet-4-5: 3 input, 1111 cache read, 418 cache write (5m), 33 output.
    // Priced by hand: (3 x 3 + 1111 x 0.30 + 418 x 3.75 + 33 x 15) USD per million tokens.
    assert_eq!(
        receipt.cost_usd.map(|c| c.normalize()),
        Some(d("0.0024048"))
    );

    let mut parser = hailog::usage::StreamParser::new(None);
    for chunk in stream.chunks(97) {
        parser.feed(chunk).unwrap();
    }
    rec.log_llm(LlmCall::new("raw").with_stream(parser))
        .unwrap();

    // A cut stream is logged as partial and the session counts it.
    let mut cut = hailog::usage::StreamParser::new(None);
    cut.feed(&stream[..stream.len() / 2]).unwrap();
    rec.log_llm(LlmCall::new("raw").with_stream(cut)).unwrap();
    rec.flush(None).unwrap();

    let s = rec.summary("raw").unwrap().unwrap();
    assert_eq!(s.request_count, 3);
    let models: Vec<&String> = s.models.keys().collect();
    assert!(
        models.iter().any(|m| m.starts_with("claude-sonnet-4-5")),
        "{models:?}"
    );
    assert!(
        models.iter().any(|m| m.starts_with("gpt-4o-mini")),
        "{models:?}"
    );

    // Garbage is a clear usage error and logs nothing.
    assert!(LlmCall::new("raw").with_response(b"not json").is_err());
}
