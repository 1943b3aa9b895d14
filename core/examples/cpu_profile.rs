//! Profiling driver for the pricing and HAIL speed checks, to run under `/usr/bin/time` (CPU
//! seconds of one thread, unaffected by other processes waiting for the CPU) or
//! `valgrind --tool=callgrind` (instruction counts). Each mode has its same-work baseline:
//!   cost [MODEL] [N]      N costs of one request for a resolved model
//!   cost-baseline [N]     the pricing bench's baseline: a hash probe, 5 decimal multiply-adds,
//!                         3 small allocations
//!   hail-full FILE        the HAIL pass with every event built in full (`summarize` before its
//!                         fast path)
//!   hail-value FILE       the HAIL bench's baseline: split lines, parse each into a `Value`
//!   hail-nodup FILE       `summarize` without the duplicate-id check: the memory baseline
//! (`summarize FILE` is the `summarize` example.)

use hailog::hail::{ReadOptions, Reader};
use hailog::pricing::{CostOptions, PriceTable};
use hailog::session::SessionSummary;
use pricing_baseline::{Baseline, typical_usage};
use std::hint::black_box;
use std::io::{BufRead, BufReader};

#[path = "../benches/support/pricing_baseline.rs"]
mod pricing_baseline;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let count = |i: usize| arg(i).and_then(|s| s.parse().ok()).unwrap_or(1_000_000u64);
    match arg(1) {
        Some("cost") => {
            let table = PriceTable::builtin();
            let opts = CostOptions::default();
            let usage = typical_usage();
            let model = arg(2).unwrap_or("claude-sonnet-4-5");
            for _ in 0..count(3) {
                black_box(table.cost(black_box(model), black_box(&usage), &opts)?);
            }
        }
        Some("cost-baseline") => {
            let baseline = Baseline::new();
            for _ in 0..count(2) {
                black_box(baseline.run());
            }
        }
        Some("hail-full") => {
            // What `summarize` did before its fast path: every event built in full, then added.
            let file = std::fs::File::open(arg(2).ok_or("hail-full FILE")?)?;
            let mut reader = Reader::with_options(
                BufReader::with_capacity(256 << 10, file),
                ReadOptions::default(),
            )?;
            let mut summary = SessionSummary::new(&reader.header().session_id);
            summary.apply_header(reader.header());
            for event in reader.by_ref() {
                summary.add(&event?);
            }
            println!("{} events", summary.event_count);
        }
        Some("hail-nodup") => {
            let opts = ReadOptions {
                check_duplicate_ids: false,
                ..ReadOptions::default()
            };
            let file = hailog::hail::read_file(arg(2).ok_or("hail-nodup FILE")?, opts)?;
            println!("{} events", file.summary.event_count);
        }
        Some("hail-value") => {
            let file = std::fs::File::open(arg(2).ok_or("hail-value FILE")?)?;
            let mut objects = 0u64;
            for line in BufReader::with_capacity(256 << 10, file).split(b'\n') {
                let v: serde_json::Value = serde_json::from_slice(&line?)?;
                objects += u64::from(v.is_object());
            }
            println!("{objects} objects");
        }
        _ => {
            return Err(
                "usage: cpu_profile cost [MODEL] [N] | cost-baseline [N] | hail-full FILE | hail-value FILE | hail-nodup FILE".into(),
            );
        }
    }
    Ok(())
}
