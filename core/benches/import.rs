//! Import throughput: a generated Claude Code tree (content-heavy lines, each assistant message
//! written once per content block) streamed into a fresh SQLite ledger per iteration, and the
//! same tree again into a ledger that already holds it (the re-import path: nothing added).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hailog::import::{self, ImportOptions};
use hailog::store::{SqliteStore, open_file};
use std::fmt::Write as _;
use std::path::Path;

/// A deterministic tree of `files` session files of about 400 KB each.
fn tree(root: &Path, files: usize) -> u64 {
    let mut bytes = 0;
    let payload: String = (0..120)
        .map(|i| format!("{i:>5}\tlet value_{i} = parse(\\\"line\\\");\\n"))
        .collect();
    for f in 0..files {
        let session = format!("0000{f:04}-aaaa-4bbb-8ccc-{f:012}");
        let dir = root.join(format!("project{}", f % 4));
        std::fs::create_dir_all(&dir).expect("mkdir");
        let mut text = String::new();
        for m in 0..120 {
            let ts = format!(
                "2025-10-{:02}T{:02}:{:02}:00.000Z",
                1 + f % 28,
                m / 60 + 8,
                m % 60
            );
            let usage = format!(
                r#"{{"input_tokens":{},"cache_creation_input_tokens":{},"cache_read_input_tokens":{},"output_tokens":{},"cache_creation":{{"ephemeral_5m_input_tokens":{},"ephemeral_1h_input_tokens":0}}}}"#,
                m + 3,
                (m * 37) % 900,
                20_000 + m * 100,
                m * 11 + 1,
                (m * 37) % 900
            );
            for block in [
                r#"{"type":"text","text":"the parser keeps every token bucket apart and the ledger stays exact"}"#.to_string(),
                format!(r#"{{"type":"tool_use","id":"toolu_{f}_{m}","name":"Bash","input":{{"command":"cargo test"}}}}"#),
            ] {
                let _ = writeln!(
                    text,
                    r#"{{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/work/app","sessionId":"{session}","version":"2.0.14","type":"assistant","uuid":"u{f}-{m}","timestamp":"{ts}","requestId":"req_{f}_{m}","message":{{"id":"msg_{f}_{m}","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","content":[{block}],"usage":{usage}}}}}"#
                );
            }
            let _ = writeln!(
                text,
                r#"{{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"/work/app","sessionId":"{session}","version":"2.0.14","type":"user","uuid":"r{f}-{m}","timestamp":"{ts}","message":{{"role":"user","content":[{{"type":"tool_result","tool_use_id":"toolu_{f}_{m}","is_error":false,"content":"{payload}"}}]}}}}"#
            );
        }
        let path = dir.join(format!("{session}.jsonl"));
        std::fs::write(&path, &text).expect("write");
        bytes += text.len() as u64;
    }
    bytes
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("projects");
    let bytes = tree(&root, 40);
    let found = import::discover(std::slice::from_ref(&root), None).expect("discover");
    let opts = ImportOptions::default();
    let run = |db: &Path| {
        let mut store = SqliteStore::new(open_file(db, &Default::default()).expect("open"));
        import::import(&mut store, &found.files, &opts, &mut |_| {}).expect("import")
    };

    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(bytes));
    let mut n = 0u64;
    g.bench_function("claude_code_fresh_db", |b| {
        b.iter(|| {
            n += 1;
            let db = dir.path().join(format!("fresh-{n}.db"));
            let report = run(&db);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            report.events_added
        })
    });
    let full = dir.path().join("full.db");
    run(&full);
    g.bench_function("claude_code_reimport", |b| {
        b.iter(|| run(&full).events_present)
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
