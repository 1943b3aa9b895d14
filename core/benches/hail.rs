//! Read + validate + summarize throughput over a ~200 MB file built from the real fixtures,
//! against the same pass over fully built events and a baseline that only parses each line into
//! a `serde_json::Value`.

#[path = "support/bigfile.rs"]
mod bigfile;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hailog::hail::{ReadOptions, Reader, summarize};
use hailog::session::SessionSummary;
use std::io::{BufRead, BufReader};

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("big.hail.jsonl");
    let size = bigfile::write_big_file(&path, 200 << 20).expect("write big file");
    let mut group = c.benchmark_group("hail_read");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(size));
    group.bench_function("read_validate_summarize", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&path).expect("open");
            let f = summarize(
                BufReader::with_capacity(256 << 10, file),
                ReadOptions::default(),
            )
            .expect("valid file");
            assert!(f.summary.event_count > 0);
        })
    });
    // The same pass with every event built in full (content blocks, all attributes), as the
    // iterator hands them out: what `summarize` did before its fast path.
    group.bench_function("full_events_reader_then_summary_add", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&path).expect("open");
            let mut reader = Reader::with_options(
                BufReader::with_capacity(256 << 10, file),
                ReadOptions::default(),
            )
            .expect("valid header");
            let mut summary = SessionSummary::new(&reader.header().session_id);
            summary.apply_header(reader.header());
            for event in reader.by_ref() {
                summary.add(&event.expect("valid event"));
            }
            assert!(summary.event_count > 0);
        })
    });
    group.bench_function("baseline_serde_json_value_per_line", |b| {
        b.iter(|| {
            let file = std::fs::File::open(&path).expect("open");
            let mut n = 0u64;
            for line in BufReader::with_capacity(256 << 10, file).split(b'\n') {
                let line = line.expect("read");
                let v: serde_json::Value = serde_json::from_slice(&line).expect("json");
                n += u64::from(v.is_object());
            }
            assert!(n > 0);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
