//! Recorder speed: `log()` on the caller's thread, sustained ingest into SQLite beside raw
//! rusqlite inserting the same rows in one transaction, and the summary of a 1M-event session.

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use hailog::Event;
use hailog::recorder::Recorder;
use hailog::store::{ConnectionOptions, SqliteStore, open_file};
use std::hint::black_box;
use std::time::{Duration, Instant};

#[path = "support/llm_event.rs"]
mod llm_event;

fn event(session: &str, i: u64) -> Event {
    llm_event::llm_event(session, i, true)
}

fn log_hot_path(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let rec = Recorder::open(dir.path().join("hot.db")).unwrap();
    let mut i = 0u64;
    c.bench_function("recorder/log (caller thread)", |b| {
        b.iter_batched(
            || {
                i += 1;
                event("hot", i)
            },
            |ev| black_box(rec.log(ev).unwrap()),
            BatchSize::SmallInput,
        )
    });
    rec.close().unwrap();
    // The same call when the writer keeps up (no SQLite behind it): the caller-side cost alone.
    let rec = Recorder::builder()
        .database(hailog::recorder::Database::None)
        .open()
        .unwrap();
    c.bench_function("recorder/log (caller thread, writer keeps up)", |b| {
        b.iter_batched(
            || {
                i += 1;
                event("hot", i)
            },
            |ev| black_box(rec.log(ev).unwrap()),
            BatchSize::SmallInput,
        )
    });
    rec.close().unwrap();
}

const N: u64 = 100_000;

/// Raw rusqlite: the same rows into the same table, one prepared statement, one transaction. The
/// rows are the ones the store writes for these events: the UUID id as its 16 bytes, the session
/// and the repeated names as integer keys, and no event type, usage or cost JSON (the `kind`,
/// token and `cost_usd` columns hold all of it).
fn raw_floor(events: &[Event]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let conn = open_file(&dir.path().join("raw.db"), &ConnectionOptions::default()).unwrap();
    conn.execute_batch(
        "INSERT INTO sessions (session_id, started_at, last_event_at, event_count, cost_usd) \
         VALUES ('s0', 0, 0, 0, '0'), ('s1', 0, 0, 0, '0'), ('s2', 0, 0, 0, '0'), \
         ('s3', 0, 0, 0, '0'), ('s4', 0, 0, 0, '0'), ('s5', 0, 0, 0, '0'), ('s6', 0, 0, 0, '0'), \
         ('s7', 0, 0, 0, '0'); \
         INSERT INTO names (name) VALUES ('llm_call'), ('ok'), ('bench-bot'), ('gpt-4o-mini'), \
         ('openai');",
    )
    .unwrap();
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            (
                *uuid::Uuid::parse_str(&e.event_id).unwrap().as_bytes(),
                // Sessions s0..s7 got keys 1..8 above.
                e.session_id[1..].parse::<i64>().unwrap() + 1,
                e.timestamp.timestamp_micros(),
                e.trace_id.clone().unwrap(),
                e.latency_ms.unwrap() as i64,
                e.cost.as_ref().unwrap().total.unwrap().to_string(),
                e.usage.as_ref().unwrap().input.unwrap() as i64,
            )
        })
        .collect();
    let start = Instant::now();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    {
        let mut stmt = conn
            .prepare(
                "INSERT INTO event_rows (event_id, skey, ts, kind, outcome, agent, model, \
                 provider, trace_id, latency_ms, cost_usd, input_tokens, output_tokens) \
                 VALUES (?1, ?2, ?3, 1, 2, 3, 4, 5, ?4, ?5, ?6, ?7, 300)",
            )
            .unwrap();
        for r in &rows {
            stmt.execute(rusqlite::params![r.0, r.1, r.2, r.3, r.4, r.5, r.6])
                .unwrap();
        }
    }
    conn.execute_batch("COMMIT").unwrap();
    start.elapsed()
}

fn ingest(c: &mut Criterion) {
    let mut group = c.benchmark_group("recorder/ingest");
    group.throughput(Throughput::Elements(N));
    group.sample_size(10);
    group.bench_function("log+flush 100k events into SQLite", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let rec = Recorder::open(dir.path().join("ingest.db")).unwrap();
                let events: Vec<Event> = (0..N).map(|i| event(&format!("s{}", i % 8), i)).collect();
                let start = Instant::now();
                for ev in events {
                    rec.log(ev).unwrap();
                }
                rec.flush(None).unwrap();
                total += start.elapsed();
            }
            total
        })
    });
    group.bench_function("raw rusqlite floor, same rows, one transaction", |b| {
        b.iter_custom(|iters| {
            let events: Vec<Event> = (0..N).map(|i| event(&format!("s{}", i % 8), i)).collect();
            (0..iters).map(|_| raw_floor(&events)).sum()
        })
    });
    group.finish();
}

fn summary_1m(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.db");
    {
        let mut store = SqliteStore::new(open_file(&path, &ConnectionOptions::default()).unwrap());
        let mut batch = Vec::with_capacity(50_000);
        for i in 0..1_000_000u64 {
            batch.push(event("big", i));
            if batch.len() == 50_000 {
                store.write_batch(&batch).unwrap();
                batch.clear();
            }
        }
    }
    let rec = Recorder::open(&path).unwrap();
    assert_eq!(rec.summary("big").unwrap().unwrap().event_count, 1_000_000);
    c.bench_function("recorder/summary of a 1M-event session", |b| {
        b.iter(|| black_box(rec.summary("big").unwrap()))
    });
}

criterion_group!(benches, log_hot_path, ingest, summary_1m);
criterion_main!(benches);
