//! Importing Claude Code, Codex and HAIL logs through the public API: discovery, streaming into
//! the store, idempotence, skipped lines, and the queries the command line builds on
//! (references, per-day usage, multi-session exports).

use chrono::{Duration, TimeZone, Utc};
use hailog::import::{self, ImportOptions, Source};
use hailog::recorder::{ExportFormat, LlmCall, Recorder, RefMatch};
use hailog::store::{SqliteStore, open_file};
use hailog::{Usage, hail};
use std::path::{Path, PathBuf};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn assistant(session: &str, msg: &str, req: &str, ts: &str, model: &str, usage: &str) -> String {
    format!(
        r#"{{"type":"assistant","sessionId":"{session}","timestamp":"{ts}","requestId":"{req}","uuid":"u-{msg}","message":{{"id":"{msg}","model":"{model}","content":[{{"type":"text","text":"a long answer"}}],"usage":{usage}}}}}"#
    )
}

fn run(db: &Path, paths: &[PathBuf], from: Option<Source>) -> import::ImportReport {
    let found = import::discover(paths, from).expect("discover");
    let mut store = SqliteStore::new(open_file(db, &Default::default()).expect("open"));
    let mut calls = 0;
    let report = import::import(
        &mut store,
        &found.files,
        &ImportOptions::default(),
        &mut |_| calls += 1,
    )
    .expect("import");
    assert!(calls >= 1, "progress is reported");
    report
}

#[test]
fn claude_code_usage_is_counted_once_per_message_across_files_and_imports() {
    let dir = tempfile::tempdir().expect("temp");
    let root = dir.path().join("projects");
    let usage = r#"{"input_tokens":10,"cache_creation_input_tokens":300,"cache_read_input_tokens":4000,"output_tokens":20,"cache_creation":{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":200}}"#;
    let line = |msg: &str, ts: &str| {
        assistant(
            "s1",
            msg,
            &format!("r-{msg}"),
            ts,
            "claude-sonnet-4-5-20250929",
            usage,
        )
    };
    let first = [
        line("m1", "2025-10-01T10:00:00Z"),
        line("m1", "2025-10-01T10:00:00Z"),
        line("m2", "2025-10-02T23:59:59Z"),
    ]
    .join("\n");
    write(&root.join("p").join("s1.jsonl"), &first);
    // A resumed session copies m2 into its own file; it is still one request.
    let resumed = [
        line("m2", "2025-10-02T23:59:59Z").replace("\"s1\"", "\"s2\""),
        line("m3", "2025-10-03T00:00:01Z").replace("\"s1\"", "\"s2\""),
    ]
    .join("\n");
    write(&root.join("p").join("s2.jsonl"), &resumed);
    let db = dir.path().join("l.db");

    let report = run(&db, std::slice::from_ref(&root), None);
    assert_eq!(report.files, 2);
    assert_eq!(report.skipped_count, 0);
    let again = run(&db, std::slice::from_ref(&root), Some(Source::ClaudeCode));
    assert_eq!(again.events_added, 0);
    assert_eq!(again.events_present, again.events_read);

    let rec = Recorder::open(&db).expect("open");
    let days = rec.daily_usage(None, None).expect("days");
    let per_day: Vec<(&str, u64)> = days.iter().map(|d| (d.day.as_str(), d.requests)).collect();
    assert_eq!(
        per_day,
        [("2025-10-01", 1), ("2025-10-02", 1), ("2025-10-03", 1)]
    );
    let t = &days[0].tokens;
    assert_eq!(
        (
            t.input,
            t.cache_read,
            t.cache_write_5m,
            t.cache_write_1h,
            t.output
        ),
        (Some(10), Some(4000), Some(100), Some(200), Some(20))
    );
    assert!(
        days.iter()
            .all(|d| d.unpriced == 0 && !d.cost_usd.is_zero())
    );
}

#[test]
fn corrupt_lines_are_reported_with_file_and_line_and_the_rest_is_imported() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("s.jsonl");
    let good = assistant(
        "s",
        "m1",
        "r1",
        "2025-10-01T10:00:00Z",
        "claude-haiku-4-5",
        r#"{"input_tokens":1,"output_tokens":2}"#,
    );
    let negative = assistant(
        "s",
        "m2",
        "r2",
        "2025-10-01T10:00:01Z",
        "claude-haiku-4-5",
        r#"{"input_tokens":-1,"output_tokens":2}"#,
    );
    write(
        &file,
        &format!("{good}\n{{not json\n{negative}\n\n{good}\n"),
    );
    let db = dir.path().join("l.db");
    let report = run(&db, std::slice::from_ref(&file), Some(Source::ClaudeCode));
    assert_eq!(report.lines, 5);
    assert_eq!(report.skipped_count, 2);
    let lines: Vec<u64> = report.skipped.iter().map(|s| s.line).collect();
    assert_eq!(lines, [2, 3]);
    assert!(report.skipped[1].message.contains("message.usage"));
    assert!(
        report.skipped[0]
            .to_string()
            .starts_with(&format!("{}:2:", file.display()))
    );
    let rec = Recorder::open(&db).expect("open");
    assert_eq!(
        rec.summary("s")
            .expect("read")
            .expect("session")
            .request_count,
        1
    );
}

#[test]
fn codex_rollouts_take_the_model_from_the_log() {
    let dir = tempfile::tempdir().expect("temp");
    let file = dir.path().join("rollout-2025-10-02T08-00-00-abc.jsonl");
    write(
        &file,
        concat!(
            r#"{"timestamp":"2025-10-02T08:00:00Z","type":"session_meta","payload":{"id":"abc","cwd":"/w"}}"#,
            "\n",
            r#"{"timestamp":"2025-10-02T08:00:01Z","type":"turn_context","payload":{"model":"gpt-5"}}"#,
            "\n",
            r#"{"timestamp":"2025-10-02T08:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"last_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":4},"total_token_usage":{"input_tokens":100,"cached_input_tokens":40,"output_tokens":10,"reasoning_output_tokens":4}}}}"#,
            "\n",
            r#"{"timestamp":"2025-10-02T08:00:03Z","type":"event_msg","payload":{"type":"token_count","info":null}}"#,
            "\n"
        ),
    );
    assert_eq!(import::sniff(&file).expect("sniff"), Some(Source::Codex));
    let db = dir.path().join("l.db");
    run(&db, std::slice::from_ref(&file), None);
    let rec = Recorder::open(&db).expect("open");
    let s = rec.summary("abc").expect("read").expect("session");
    assert_eq!(s.request_count, 1);
    let gpt5 = &s.models["gpt-5"];
    assert_eq!(gpt5.tokens.input, Some(60));
    assert_eq!(gpt5.tokens.cache_read, Some(40));
    assert_eq!(gpt5.tokens.reasoning, Some(4));
    assert!(gpt5.cost_usd.is_some());
}

#[test]
fn references_resolve_by_id_prefix_and_head() {
    let rec = Recorder::builder().memory().open().expect("open");
    let t0 = Utc
        .with_ymd_and_hms(2025, 10, 1, 12, 0, 0)
        .single()
        .expect("time");
    for (i, id) in ["run-a1", "run-a2", "run-b"].iter().enumerate() {
        rec.log_llm(LlmCall {
            model: Some("gpt-5".into()),
            usage: Some(Usage {
                input: Some(5),
                output: Some(5),
                ..Usage::default()
            }),
            timestamp: Some(t0 + Duration::minutes(i as i64)),
            ..LlmCall::new(*id)
        })
        .expect("log");
    }
    rec.flush(None).expect("flush");
    let found = |s: &str| match rec.resolve_ref(s).expect("resolve") {
        RefMatch::Found { session_id } => session_id,
        other => panic!("{s}: {other:?}"),
    };
    assert_eq!(found("run-b"), "run-b");
    assert_eq!(found("run-a1"), "run-a1");
    assert_eq!(found("HEAD"), "run-b");
    assert_eq!(found("HEAD^2"), "run-a1");
    assert_eq!(
        rec.resolve_ref("run-a").expect("resolve"),
        RefMatch::Ambiguous {
            candidates: vec!["run-a2".into(), "run-a1".into()]
        }
    );
    assert_eq!(rec.resolve_ref("zzz").expect("resolve"), RefMatch::NotFound);
    assert_eq!(
        rec.resolve_ref("HEAD^3").expect("resolve"),
        RefMatch::NotFound
    );
    assert!(rec.resolve_ref("").is_err());

    let csv = rec
        .export_sessions(&["run-a1".into(), "run-b".into()], ExportFormat::Csv)
        .expect("csv");
    let text = String::from_utf8(csv).expect("utf-8");
    assert_eq!(
        text.lines()
            .filter(|l| l.starts_with("session_id,"))
            .count(),
        1
    );
    assert!(
        text.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("run-a1,"))
    );
    assert!(text.lines().nth(2).is_some_and(|l| l.starts_with("run-b,")));
    let json: serde_json::Value = serde_json::from_slice(
        &rec.export_sessions(&["run-b".into()], ExportFormat::Json)
            .expect("json"),
    )
    .expect("parse");
    assert_eq!(json["sessions"][0]["summary"]["session_id"], "run-b");
    assert!(
        rec.export_sessions(&["nope".into()], ExportFormat::Json)
            .is_err()
    );
    assert!(
        rec.export_sessions(&["run-b".into()], ExportFormat::Hail)
            .is_err()
    );
}

#[test]
fn a_hail_export_imports_back_with_the_same_totals() {
    let dir = tempfile::tempdir().expect("temp");
    let rec = Recorder::builder().memory().open().expect("open");
    rec.log_llm(LlmCall {
        model: Some("claude-sonnet-4-5".into()),
        usage: Some(Usage {
            input: Some(100),
            output: Some(50),
            cache_read: Some(1000),
            ..Usage::default()
        }),
        ..LlmCall::new("h1")
    })
    .expect("log");
    rec.flush(None).expect("flush");
    let bytes = rec
        .export("h1", ExportFormat::Hail)
        .expect("export")
        .expect("session");
    let file = dir.path().join("h1.hail.jsonl");
    std::fs::write(&file, &bytes).expect("write");
    hail::read_file(&file, Default::default()).expect("the export is valid HAIL");
    let db = dir.path().join("l.db");
    let report = run(&db, std::slice::from_ref(&file), None);
    assert_eq!(report.skipped_count, 0);
    let back = Recorder::open(&db).expect("open");
    let a = rec.summary("h1").expect("read").expect("session");
    let b = back.summary("h1").expect("read").expect("session");
    assert_eq!(a.tokens, b.tokens);
    assert_eq!(a.cost_usd, b.cost_usd);
    assert_eq!(a.request_count, b.request_count);

    // The same file as Python's json.dumps spaces it: still detected, the stats line skipped.
    let spaced: String = String::from_utf8(bytes)
        .expect("utf-8")
        .replace("\":", "\": ")
        .replace(",\"", ", \"");
    assert!(spaced.starts_with("{\"type\": \"header\""));
    let file = dir.path().join("spaced.jsonl");
    std::fs::write(&file, spaced).expect("write");
    let db = dir.path().join("spaced.db");
    let report = run(&db, std::slice::from_ref(&file), None);
    assert_eq!(report.skipped_count, 0, "{:?}", report.skipped);
    let c = Recorder::open(&db)
        .expect("open")
        .summary("h1")
        .expect("read")
        .expect("session");
    assert_eq!(a.tokens, c.tokens);
}
