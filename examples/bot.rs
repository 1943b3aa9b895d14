//! A bot run logged into the embedded SQLite ledger: LLM calls built from real captured provider
//! responses, tool calls, a failure and its acknowledgement, a note and a commit; then the
//! session summary and status.
//!
//! `cargo run --release -p hailog --example bot` (database: `HAILOG_DB`, else a fresh file in the
//! temporary directory, printed below).

use hailog::recorder::{LlmCall, Recorder};
use hailog::usage::{self, Provider};
use hailog::{Event, EventType, Outcome};
use std::path::PathBuf;
use std::time::Duration;

/// Real provider responses shipped with the test vectors.
fn capture(rel: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let path = root.join("hail-spec/vectors/usage").join(rel);
    std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()).into())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let db = std::env::var_os("HAILOG_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            std::env::temp_dir().join(format!("hailog-bot-{}.db", std::process::id()))
        });
    println!("ledger: {}", db.display());
    let rec = Recorder::open(&db)?;
    let session = format!("bot-run-{}", uuid::Uuid::now_v7());

    rec.start_session(
        &session,
        Some("nightly refactor"),
        Some("refactor-bot"),
        &["nightly"],
        Default::default(),
    )?;
    rec.set_repo(&session, "hailog/hailog")?;

    // Step 1: plan with Claude (a prompt-cache read and write, as the provider sent it).
    let plan = usage::parse(
        &capture("anthropic/pai_anth_cache_read_and_write_5m.json")?,
        Some(Provider::Anthropic),
    )?;
    let r = rec.log_llm(LlmCall {
        session_id: session.clone(),
        provider: Some("anthropic".into()),
        usage: Some(plan),
        latency_ms: Some(2140),
        trace_id: Some("step-1".into()),
        agent: Some("refactor-bot".into()),
        ..LlmCall::default()
    })?;
    println!(
        "step 1 plan: cost {:?} USD, budget {}",
        r.cost_usd,
        r.budget.as_str()
    );

    // Step 2: a tool run that fails, then is retried and acknowledged.
    for (outcome, ms) in [(Outcome::Failed, 830), (Outcome::Ok, 910)] {
        let mut ev = Event::new(
            &session,
            EventType::ToolResult {
                name: "run_tests".into(),
                is_error: outcome == Outcome::Failed,
                call_id: None,
            },
        );
        ev.tool = Some("run_tests".into());
        ev.outcome = outcome;
        ev.duration_ms = Some(ms);
        ev.trace_id = Some("step-2".into());
        if outcome == Outcome::Failed {
            ev.error = Some("3 tests failed: test_parse_usage, test_cost, test_status".into());
        }
        rec.log(ev)?;
    }
    rec.acknowledge(&session)?;

    // Step 3: fix with an OpenAI reasoning model, and a cheap call.
    for (file, provider, ms) in [
        (
            "openai-chat/pai_chat_o3-mini_reasoning.json",
            Provider::OpenAi,
            5200,
        ),
        ("openai-chat/vercel_openai-text.json", Provider::OpenAi, 640),
    ] {
        let usage = usage::parse(&capture(file)?, Some(provider))?;
        let r = rec.log_llm(LlmCall {
            session_id: session.clone(),
            provider: Some("openai".into()),
            usage: Some(usage),
            latency_ms: Some(ms),
            trace_id: Some("step-3".into()),
            agent: Some("refactor-bot".into()),
            ..LlmCall::default()
        })?;
        println!("step 3 {file}: cost {:?} USD", r.cost_usd);
    }
    rec.log_kind(&session, "tool_call", Some("write_file"), Outcome::Ok)?;
    rec.note(
        &session,
        "tests green after fixing the cache bucket mapping",
    )?;
    rec.add_commit(&session, "9f2c1e7")?;
    rec.end_session(&session, Some("refactor done"))?;
    rec.flush(Some(Duration::from_secs(10)))?;

    let summary = rec.summary(&session)?.ok_or("the session was not stored")?;
    let status = rec.status(&session, chrono::Utc::now())?;
    println!("\nsession {session}");
    println!("  name      {}", summary.name.as_deref().unwrap_or("-"));
    println!("  agent     {}", summary.agent.as_deref().unwrap_or("-"));
    println!("  repo      {}", summary.repo.as_deref().unwrap_or("-"));
    let status = status.map_or_else(|| "-".to_string(), |s| s.to_string());
    println!("  status    {status}");
    println!("  events    {}", summary.event_count);
    println!("  requests  {}", summary.request_count);
    println!(
        "  errors    {} ({} unacknowledged)",
        summary.error_count, summary.unacknowledged_error_count
    );
    println!(
        "  tokens    {} in / {} out",
        summary.total_input_tokens, summary.total_output_tokens
    );
    println!(
        "  cost      {} USD ({} unpriced requests)",
        summary
            .cost_usd
            .map(|c| c.to_string())
            .unwrap_or_else(|| "-".into()),
        summary.unpriced_requests
    );
    let ms = |v: Option<u64>| v.map_or_else(|| "-".to_string(), |v| format!("{v} ms"));
    println!(
        "  latency   p50 {} / p95 {}",
        ms(summary.latency_p50_ms),
        ms(summary.latency_p95_ms)
    );
    println!("  commits   {:?}", summary.commits);
    rec.close()?;
    Ok(())
}
