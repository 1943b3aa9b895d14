//! The `hailog` binary run as a user runs it, over a temporary database filled through the
//! library: every command, its `--json` form and the bad inputs people hit.

use chrono::{Duration, Utc};
use hailog::event::kinds;
use hailog::recorder::{LlmCall, Recorder};
use hailog::{Event, EventType, Outcome, SessionOp, Usage};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Fixture {
    dir: tempfile::TempDir,
    db: PathBuf,
}

fn usage(input: u64, output: u64, cache_read: u64) -> Usage {
    Usage {
        input: Some(input),
        output: Some(output),
        cache_read: Some(cache_read),
        ..Usage::default()
    }
}

/// Three sessions: `s-alpha` (named, in a repo, with a failure and a note), `s-alpine` (shares
/// the `s-alp` prefix) and `bot-run-1` (another agent, the most recent).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("ledger.db");
    let rec = Recorder::open(&db).expect("open");
    let now = Utc::now();
    let t = |mins: i64| now - Duration::minutes(mins);

    let op = |session: &str, op: SessionOp, mins: i64| {
        let mut ev = Event::session_op(session, op);
        ev.timestamp = t(mins);
        ev.agent = Some("claude-code".into());
        rec.log(ev).expect("session op");
    };
    op(
        "s-alpha",
        SessionOp::Start {
            name: Some("Refactor the parser".into()),
            tags: vec!["nightly".into()],
            metadata: Default::default(),
        },
        55,
    );
    op(
        "s-alpha",
        SessionOp::SetRepo {
            repo: "acme/widgets".into(),
        },
        55,
    );
    op(
        "s-alpha",
        SessionOp::AddPullRequest {
            url: "https://github.com/acme/widgets/pull/42".into(),
        },
        38,
    );
    op(
        "s-alpha",
        SessionOp::AddCommit {
            sha: "deadbeefcafe1234".into(),
        },
        38,
    );
    for (i, (model, mins)) in [
        ("claude-sonnet-4-5", 50),
        ("claude-sonnet-4-5", 45),
        ("gpt-5", 40),
    ]
    .iter()
    .enumerate()
    {
        rec.log_llm(LlmCall {
            model: Some(model.to_string()),
            usage: Some(usage(1000 + i as u64, 200, 5000)),
            latency_ms: Some(800 + 100 * i as u64),
            trace_id: Some(format!("trace-{}", i / 2)),
            agent: Some("claude-code".into()),
            timestamp: Some(t(*mins)),
            ..LlmCall::new("s-alpha")
        })
        .expect("llm");
    }
    rec.log_llm(LlmCall {
        model: Some("claude-sonnet-4-5".into()),
        outcome: Outcome::Failed,
        error: Some("rate limited: private-detail-7731".into()),
        timestamp: Some(t(39)),
        ..LlmCall::new("s-alpha")
    })
    .expect("failed call");
    let mut tool = Event::new(
        "s-alpha",
        EventType::ToolCall {
            name: "Bash".into(),
        },
    );
    tool.tool = Some("Bash".into());
    tool.timestamp = t(39);
    rec.log(tool).expect("tool");
    let mut note = Event::new("s-alpha", EventType::custom(kinds::NOTE));
    note.attributes
        .insert("note".into(), "private note text 5521".into());
    note.timestamp = t(38);
    rec.log(note).expect("note");

    op(
        "s-alpine",
        SessionOp::Start {
            name: Some("Second".into()),
            tags: Vec::new(),
            metadata: Default::default(),
        },
        121,
    );
    rec.log_llm(LlmCall {
        model: Some("claude-sonnet-4-5".into()),
        usage: Some(usage(10, 10, 0)),
        timestamp: Some(t(120)),
        ..LlmCall::new("s-alpine")
    })
    .expect("llm");

    rec.log_llm(LlmCall {
        model: Some("gpt-5".into()),
        usage: Some(usage(300, 30, 0)),
        agent: Some("bot".into()),
        timestamp: Some(now),
        ..LlmCall::new("bot-run-1")
    })
    .expect("llm");
    rec.close().expect("close");
    Fixture { dir, db }
}

fn hailog(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hailog"))
        .args(args)
        .env("HAILOG_DB", db)
        .env_remove("NO_COLOR")
        .output()
        .expect("run hailog")
}

fn ok(db: &Path, args: &[&str]) -> String {
    let out = hailog(db, args);
    assert!(
        out.status.success(),
        "hailog {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.push("--json");
    let text = ok(db, &all);
    let v: Value = serde_json::from_str(&text).expect("JSON output");
    assert_eq!(v["schema_version"], 1, "{text}");
    v
}

/// Runs a command that must fail in `--json` mode; returns the error code and message.
fn json_err(db: &Path, args: &[&str]) -> (String, String) {
    let mut all = args.to_vec();
    all.push("--json");
    let out = hailog(db, &all);
    assert_eq!(out.status.code(), Some(1), "{args:?} should exit 1");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON error on stdout");
    (
        v["error"]["code"].as_str().unwrap_or_default().to_string(),
        v["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
    )
}

#[test]
fn sessions_lists_newest_first_with_filters() {
    let f = fixture();
    let text = ok(&f.db, &["sessions"]);
    let ids: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(ids, ["bot-run-1", "s-alpha", "s-alpine"], "{text}");
    assert!(text.contains("Refactor the parser"));
    assert!(!text.contains('\x1b'), "no colour when piped");

    let v = json(&f.db, &["sessions"]);
    let rows = v["sessions"].as_array().expect("sessions");
    assert_eq!(rows.len(), 3);
    let alpha = &rows[1];
    assert_eq!(alpha["session_id"], "s-alpha");
    assert_eq!(alpha["requests"], 4);
    assert_eq!(alpha["status"], "errored");
    assert_eq!(alpha["repo"], "acme/widgets");

    let only = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["sessions"];
        a.extend_from_slice(args);
        json(&f.db, &a)["sessions"]
            .as_array()
            .expect("sessions")
            .iter()
            .map(|s| s["session_id"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(only(&["--agent", "bot"]), ["bot-run-1"]);
    assert_eq!(only(&["--status", "errored"]), ["s-alpha"]);
    assert_eq!(only(&["--tag", "nightly"]), ["s-alpha"]);
    assert_eq!(only(&["--repo", "acme/widgets"]), ["s-alpha"]);
    assert_eq!(only(&["--model", "gpt-5"]), ["bot-run-1", "s-alpha"]);
    assert_eq!(only(&["-n", "1"]), ["bot-run-1"]);
    assert_eq!(only(&["--since", "24h"]).len(), 3);

    let grouped = json(&f.db, &["sessions", "--group", "day"]);
    let groups = grouped["sessions"].as_array().expect("groups");
    let claude = groups
        .iter()
        .find(|g| g["agent"] == "claude-code")
        .expect("claude-code group");
    // Both claude-code sessions started today (UTC) unless the run straddles midnight.
    let more = claude["more"].as_u64().expect("more");
    assert!(more <= 1);
    if more == 1 {
        assert!(ok(&f.db, &["sessions", "--group", "day"]).contains("+1 more"));
    }
}

#[test]
fn sessions_rejects_bad_filters_clearly() {
    let f = fixture();
    let (code, msg) = json_err(&f.db, &["sessions", "--status", "sleepy"]);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("sleepy"), "{msg}");
    let (code, msg) = json_err(&f.db, &["sessions", "--since", "3w"]);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("3w"), "{msg}");
}

#[test]
fn show_resolves_ids_prefixes_and_head() {
    let f = fixture();
    let text = ok(&f.db, &["show", "s-alpha"]);
    for needle in [
        "Refactor the parser",
        "acme/widgets",
        "claude-sonnet-4-5",
        "gpt-5",
        "Bash",
        "trace-0",
        "private note text 5521",
        "rate limited",
        "pull/42",
        "deadbeefcafe1234",
        "p50",
    ] {
        assert!(text.contains(needle), "show lacks {needle:?}:\n{text}");
    }
    let v = json(&f.db, &["show", "s-alph"]);
    assert_eq!(v["session"]["session_id"], "s-alpha");
    assert_eq!(v["session"]["request_count"], 4);
    assert_eq!(v["status"], "errored");
    assert_eq!(v["notes"][0]["text"], "private note text 5521");
    assert_eq!(v["errors"].as_array().map(Vec::len), Some(1));
    assert!(v["session"]["models"]["gpt-5"]["requests"] == 1);
    assert_eq!(
        v["traces"].as_array().map(Vec::len),
        Some(3),
        "trace-0, trace-1 and none"
    );

    assert_eq!(
        json(&f.db, &["show", "HEAD"])["session"]["session_id"],
        "bot-run-1"
    );
    assert_eq!(
        json(&f.db, &["show", "HEAD^1"])["session"]["session_id"],
        "s-alpha"
    );
    assert_eq!(
        json(&f.db, &["show", "HEAD~2"])["session"]["session_id"],
        "s-alpine"
    );
}

#[test]
fn show_names_ambiguous_and_unknown_refs() {
    let f = fixture();
    let (code, msg) = json_err(&f.db, &["show", "s-alp"]);
    assert_eq!(code, "ambiguous_ref");
    assert!(msg.contains("s-alpha") && msg.contains("s-alpine"), "{msg}");
    let (code, msg) = json_err(&f.db, &["show", "nope"]);
    assert_eq!(code, "unknown_ref");
    assert!(msg.contains("nope"));
    let (code, _) = json_err(&f.db, &["show", "HEAD^9"]);
    assert_eq!(code, "unknown_ref");
    // Without --json: a message on stderr, exit 1, nothing on stdout.
    let out = hailog(&f.db, &["show", "s-alp"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("matches several sessions"));
}

#[test]
fn stats_group_by_model_provider_agent_and_day() {
    let f = fixture();
    let v = json(&f.db, &["stats", "--period", "all", "--by", "model"]);
    let keys: Vec<&str> = v["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["key"].as_str())
        .collect();
    assert!(keys.contains(&"gpt-5") && keys.contains(&"claude-sonnet-4-5"));
    assert_eq!(v["totals"]["requests"], 6);
    assert_eq!(v["totals"]["failures"], 1);
    let agents = json(&f.db, &["stats", "--by", "agent"]);
    assert!(
        agents["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .any(|r| r["key"] == "bot")
    );
    let providers = json(&f.db, &["stats", "--by", "provider", "--period", "week"]);
    assert_eq!(providers["totals"]["requests"], 6);
    let days = json(&f.db, &["stats", "--by", "day", "--period", "day"]);
    let day_total: u64 = days["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter_map(|r| r["requests"].as_u64())
        .sum();
    assert_eq!(day_total, 6);
    let buckets = &days["days"][0]["tokens"];
    assert!(
        buckets["input"].is_u64() && buckets["cache_read"].is_u64(),
        "{days}"
    );
    assert!(
        v.get("days").is_none(),
        "per-day buckets only with --by day"
    );
    let text = ok(&f.db, &["stats", "--by", "model"]);
    assert!(text.contains("total") && text.contains("gpt-5"), "{text}");
    let out = hailog(&f.db, &["stats", "--by", "colour"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "clap usage error without --json"
    );
    let (code, _) = json_err(&f.db, &["stats", "--by", "colour"]);
    assert_eq!(code, "usage");
}

#[test]
fn export_writes_json_csv_and_hail() {
    let f = fixture();
    let all = json(&f.db, &["export"]);
    assert_eq!(all["sessions"].as_array().map(Vec::len), Some(3));
    let csv = ok(&f.db, &["export", "--format", "csv"]);
    assert!(csv.starts_with("session_id,event_id,"));
    assert!(csv.lines().any(|l| l.starts_with("bot-run-1,")));
    let one = f.dir.path().join("alpha.hail.jsonl");
    ok(
        &f.db,
        &[
            "export",
            "s-alpha",
            "--format",
            "hail",
            "-o",
            one.to_str().expect("path"),
        ],
    );
    let checked = json(&f.db, &["validate", one.to_str().expect("path")]);
    assert_eq!(checked["session_id"], "s-alpha");
    assert_eq!(checked["valid"], true);
    let (code, msg) = json_err(&f.db, &["export", "--format", "hail"]);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("-o DIR"));
    let dir = f.dir.path().join("hail");
    let v = json(
        &f.db,
        &[
            "export",
            "--format",
            "hail",
            "-o",
            dir.to_str().expect("path"),
        ],
    );
    assert_eq!(v["written"].as_array().map(Vec::len), Some(3));
    assert!(dir.join("bot-run-1.hail.jsonl").is_file());
}

#[test]
fn report_is_self_contained_and_public_hides_private_fields() {
    let f = fixture();
    let full = f.dir.path().join("full.html");
    let public = f.dir.path().join("public.html");
    ok(
        &f.db,
        &["report", "s-alpha", "-o", full.to_str().expect("path")],
    );
    let v = json(
        &f.db,
        &[
            "report",
            "s-alpha",
            "-o",
            public.to_str().expect("path"),
            "--public",
        ],
    );
    assert_eq!(v["public"], true);
    let full = std::fs::read_to_string(full).expect("report");
    let public = std::fs::read_to_string(public).expect("report");
    for html in [&full, &public] {
        assert!(html.starts_with("<!doctype html>"));
        assert!(html.contains("<svg"), "charts are inline SVG");
        assert!(!html.contains("<script") && !html.contains("<link") && !html.contains(" src="));
        assert!(html.contains("Cost over time") && html.contains("By tool"));
    }
    let private = [
        "Refactor the parser",
        "acme/widgets",
        "pull/42",
        "deadbeefcafe1234",
        "private note text 5521",
        "private-detail-7731",
    ];
    for p in private {
        assert!(full.contains(p), "the full report shows {p:?}");
        assert!(!public.contains(p), "the public report leaks {p:?}");
    }
}

fn write(path: &Path, text: &str) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn claude_line(session: &str, msg: &str, req: &str, ts: &str, input: u64, output: u64) -> String {
    format!(
        r#"{{"parentUuid":null,"isSidechain":false,"type":"assistant","sessionId":"{session}","timestamp":"{ts}","requestId":"{req}","uuid":"u-{msg}-{req}","message":{{"id":"{msg}","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{{"type":"text","text":"ok"}}],"usage":{{"input_tokens":{input},"cache_creation_input_tokens":100,"cache_read_input_tokens":2000,"output_tokens":{output},"cache_creation":{{"ephemeral_5m_input_tokens":100,"ephemeral_1h_input_tokens":0}}}}}}}}"#
    )
}

#[test]
fn import_reads_claude_code_codex_and_hail_and_reimport_adds_nothing() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("import.db");
    let root = dir.path().join("projects");
    let s1 = root.join("-home-me-app").join("sess-1.jsonl");
    let ts = "2025-10-01T10:00:00.000Z";
    let mut text = String::new();
    text += r#"{"type":"user","sessionId":"sess-1","timestamp":"2025-10-01T09:59:59Z","uuid":"p1","message":{"role":"user","content":"make it faster"}}"#;
    text += "\n";
    // The same message written twice (one line per content block) counts once.
    text += &claude_line("sess-1", "msg_1", "req_1", ts, 10, 50);
    text += "\n";
    text += &claude_line("sess-1", "msg_1", "req_1", ts, 10, 50);
    text += "\n{\"type\":\"assistant\", this is not json\n";
    text += &claude_line("sess-1", "msg_2", "req_2", "2025-10-01T10:01:00Z", 20, 70);
    text += "\n";
    write(&s1, &text);
    let sub = root
        .join("-home-me-app")
        .join("sess-1")
        .join("subagents")
        .join("agent-a1.jsonl");
    write(
        &sub,
        &claude_line("sess-1", "msg_3", "req_3", "2025-10-01T10:02:00Z", 5, 5).replace(
            r#""isSidechain":false"#,
            r#""isSidechain":true,"agentId":"a1""#,
        ),
    );
    let codex = dir
        .path()
        .join("codex")
        .join("rollout-2025-10-02T08-00-00-019abc.jsonl");
    write(
        &codex,
        concat!(
            r#"{"timestamp":"2025-10-02T08:00:00Z","type":"session_meta","payload":{"id":"019abc","cwd":"/w","cli_version":"0.50.0"}}"#,
            "\n",
            r#"{"timestamp":"2025-10-02T08:00:01Z","type":"turn_context","payload":{"model":"gpt-5-codex"}}"#,
            "\n",
            r#"{"timestamp":"2025-10-02T08:00:05Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":1000,"cached_input_tokens":400,"output_tokens":100,"reasoning_output_tokens":20},"last_token_usage":{"input_tokens":1000,"cached_input_tokens":400,"output_tokens":100,"reasoning_output_tokens":20}}}}"#,
            "\n"
        ),
    );

    let v = json(
        &db,
        &[
            "import",
            root.to_str().expect("p"),
            codex.to_str().expect("p"),
        ],
    );
    assert_eq!(v["files"], 3);
    assert_eq!(v["skipped_count"], 1);
    let skipped = &v["skipped"][0];
    assert_eq!(skipped["line"], 4);
    assert!(
        skipped["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("sess-1.jsonl"))
    );
    let added = v["events_added"].as_u64().expect("added");
    assert!(added > 0);

    let s = json(&db, &["show", "sess-1"]);
    assert_eq!(
        s["session"]["request_count"], 3,
        "msg_1 once, msg_2, and the sub-agent's msg_3"
    );
    assert_eq!(s["session"]["tokens"]["input"], 35);
    assert_eq!(s["session"]["tokens"]["output"], 125);
    assert_eq!(s["session"]["tokens"]["cache_read"], 6000);
    assert_eq!(s["session"]["tokens"]["cache_write_5m"], 300);
    assert!(
        s["session"]["cost_usd"].is_string(),
        "priced from the built-in table"
    );
    let c = json(&db, &["show", "019abc"]);
    assert_eq!(c["session"]["tokens"]["input"], 600);
    assert_eq!(c["session"]["tokens"]["cache_read"], 400);
    assert_eq!(c["session"]["tokens"]["reasoning"], 20);
    assert_eq!(c["session"]["models"]["gpt-5-codex"]["requests"], 1);

    let again = json(
        &db,
        &[
            "import",
            root.to_str().expect("p"),
            codex.to_str().expect("p"),
        ],
    );
    assert_eq!(again["events_added"], 0, "re-importing adds nothing");
    assert_eq!(again["events_present"], v["events_read"]);

    // A HAIL export imports back into a fresh database with the same totals.
    let hail = dir.path().join("sess-1.hail.jsonl");
    ok(
        &db,
        &[
            "export",
            "sess-1",
            "--format",
            "hail",
            "-o",
            hail.to_str().expect("p"),
        ],
    );
    let db2 = dir.path().join("second.db");
    let h = json(&db2, &["import", hail.to_str().expect("p")]);
    assert_eq!(h["skipped_count"], 0);
    let s2 = json(&db2, &["show", "sess-1"]);
    assert_eq!(s2["session"]["tokens"], s["session"]["tokens"]);
    assert_eq!(s2["session"]["cost_usd"], s["session"]["cost_usd"]);

    let text = ok(&db, &["import", s1.to_str().expect("p")]);
    assert!(text.contains("Skipped 1 unreadable lines"), "{text}");
    assert!(text.contains("sess-1.jsonl:4:"), "{text}");
}

#[test]
fn import_rejects_unknown_formats_and_missing_paths() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("x.db");
    let odd = dir.path().join("odd.jsonl");
    write(&odd, "{\"hello\":1}\n");
    let (code, msg) = json_err(&db, &["import", odd.to_str().expect("p")]);
    assert_eq!(code, "invalid_input");
    assert!(msg.contains("odd.jsonl") && msg.contains("--from"), "{msg}");
    let (code, msg) = json_err(&db, &["import", "/no/such/dir"]);
    assert_eq!(code, "storage");
    assert!(msg.contains("/no/such/dir"), "{msg}");
    let (code, _) = json_err(
        &db,
        &["import", odd.to_str().expect("p"), "--from", "cursor"],
    );
    assert_eq!(code, "usage");
}

#[test]
fn validate_names_the_bad_line() {
    let dir = tempfile::tempdir().expect("temp");
    let bad = dir.path().join("bad.hail.jsonl");
    write(
        &bad,
        "{\"type\":\"header\",\"version\":\"hail-1.0.0\",\"session_id\":\"s\",\"agent\":{\"provider\":\"openai\",\"model\":\"m\",\"tool\":\"t\"},\"context\":{\"tags\":[],\"created_at\":\"2026-01-01T00:00:00Z\",\"updated_at\":\"2026-01-01T00:00:00Z\"}}\n{\"type\":\"event\",broken\n",
    );
    let db = dir.path().join("unused.db");
    let (code, msg) = json_err(&db, &["validate", bad.to_str().expect("p")]);
    assert_eq!(code, "hail_format");
    assert!(msg.contains("bad.hail.jsonl") && msg.contains('2'), "{msg}");
}

#[test]
fn pricing_lists_shows_and_costs() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("unused.db");
    let list = json(&db, &["pricing", "list"]);
    assert!(list["models"].as_array().is_some_and(|m| m.len() > 10));
    let text = ok(&db, &["pricing", "list", "--provider", "anthropic"]);
    assert!(text.contains("claude") && !text.contains("gpt-5"), "{text}");
    let show = json(&db, &["pricing", "show", "claude-sonnet-4-5"]);
    assert_eq!(show["resolved"]["provider"], "anthropic");
    let cost = json(
        &db,
        &[
            "pricing",
            "cost",
            "claude-sonnet-4-5",
            "--input",
            "1000000",
            "--output",
            "1000000",
        ],
    );
    let total: f64 = cost["cost"]["total"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("total");
    assert!(total > 0.0);
    let (code, msg) = json_err(&db, &["pricing", "cost", "no-such-model-9", "--input", "5"]);
    assert_eq!(code, "unknown_model");
    assert!(msg.contains("no-such-model-9"));
    let (code, _) = json_err(&db, &["pricing", "show", "no-such-model-9"]);
    assert_eq!(code, "unknown_model");
    let (code, _) = json_err(&db, &["pricing", "cost", "gpt-5"]);
    assert_eq!(code, "invalid_input");
}

#[test]
fn end_note_and_recover_change_the_ledger() {
    let f = fixture();
    let v = json(&f.db, &["note", "HEAD", "checked by hand"]);
    assert_eq!(v["session_id"], "bot-run-1");
    let shown = json(&f.db, &["show", "bot-run-1"]);
    assert_eq!(shown["notes"][0]["text"], "checked by hand");
    json(&f.db, &["end", "bot-run-1", "--notes", "stopped"]);
    assert_eq!(json(&f.db, &["show", "bot-run-1"])["status"], "done");
    // s-alpine's last event is two hours old; s-alpha's about forty minutes.
    let r = json(&f.db, &["recover", "--max-age", "90m"]);
    assert_eq!(r["ended"], serde_json::json!(["s-alpine"]));
    let s = json(&f.db, &["show", "s-alpine"]);
    assert!(s["session"]["ended_at"].is_string());
    let (code, _) = json_err(&f.db, &["recover", "--max-age", "soon"]);
    assert_eq!(code, "usage");
    let (code, _) = json_err(&f.db, &["end", "zzz"]);
    assert_eq!(code, "unknown_ref");
}

#[test]
fn a_missing_or_locked_database_is_named() {
    let dir = tempfile::tempdir().expect("temp");
    let missing = dir.path().join("none.db");
    let (code, msg) = json_err(&missing, &["sessions"]);
    assert_eq!(code, "no_database");
    assert!(msg.contains("none.db"));
    assert!(!missing.exists(), "reading never creates a database");

    let f = fixture();
    let conn = rusqlite::Connection::open(&f.db).expect("open");
    conn.execute_batch("BEGIN EXCLUSIVE; INSERT INTO names (name) SELECT 'lock' WHERE 0;")
        .expect("hold the write lock");
    let (code, msg) = json_err(&f.db, &["--busy-timeout", "200ms", "note", "HEAD", "x"]);
    assert_eq!(code, "database_locked");
    assert!(msg.contains("ledger.db"), "{msg}");
    conn.execute_batch("ROLLBACK").expect("release");
    json(&f.db, &["note", "HEAD", "after the lock"]);
}

#[test]
fn help_has_an_example_on_every_command_and_completions_generate() {
    let dir = tempfile::tempdir().expect("temp");
    let db = dir.path().join("unused.db");
    let commands: &[&[&str]] = &[
        &[],
        &["sessions"],
        &["show"],
        &["stats"],
        &["export"],
        &["report"],
        &["import"],
        &["validate"],
        &["pricing"],
        &["pricing", "list"],
        &["pricing", "show"],
        &["pricing", "cost"],
        &["recover"],
        &["end"],
        &["note"],
        &["completions"],
    ];
    for c in commands {
        let mut args = c.to_vec();
        args.push("--help");
        let text = ok(&db, &args);
        assert!(
            text.contains("Example"),
            "{c:?} --help has no example:\n{text}"
        );
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = ok(&db, &["completions", shell]);
        assert!(
            script.contains("hailog") && script.contains("sessions"),
            "{shell}"
        );
    }
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().expect("temp");
    // The reader is gone before hailog starts: its first write finds the pipe closed.
    let (reader, writer) = std::io::pipe().expect("pipe");
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_hailog"))
        .args(["pricing", "list"])
        .env("HAILOG_DB", dir.path().join("unused.db"))
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(141));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
