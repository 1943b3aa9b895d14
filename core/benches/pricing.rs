//! Cost engine speed: one cost for an already-resolved model, the first resolution of a new
//! alias, and a long-context request.

use criterion::{Criterion, criterion_group, criterion_main};
use hailog::Usage;
use hailog::pricing::{CostOptions, PriceTable};
use std::hint::black_box;

fn typical_usage() -> Usage {
    Usage {
        input: Some(1_200),
        cache_read: Some(18_000),
        cache_write_5m: Some(2_000),
        output: Some(450),
        ..Usage::default()
    }
}

fn bench(c: &mut Criterion) {
    let table = PriceTable::builtin();
    let opts = CostOptions::default();
    let usage = typical_usage();

    // Baseline measured in the same run (the machine is shared and its load varies): one
    // string-keyed hash probe, five decimal multiply-adds and three small allocations, the
    // floor of any cost computation that returns an owned result.
    let map: std::collections::HashMap<String, u32> =
        (0..200).map(|i| (format!("model-{i}"), i)).collect();
    let rate = rust_decimal::Decimal::new(375, 2);
    c.bench_function("baseline/probe+5-decimal-muls+3-allocs", |b| {
        b.iter(|| {
            let g = map.get(black_box("model-42")).copied();
            let mut t = rust_decimal::Decimal::ZERO;
            for n in [1_200u64, 18_000, 2_000, 450, 7] {
                t += rust_decimal::Decimal::from(black_box(n)) * rate;
            }
            (
                g,
                t,
                String::from("USD"),
                String::from("2026-11-21"),
                vec![(String::from("input"), t)],
            )
        })
    });

    // The hot path: the name was resolved before, so lookup is a cache probe.
    let _ = table.cost("claude-sonnet-4-5", &usage, &opts);
    c.bench_function("cost/resolved/claude-sonnet-4-5", |b| {
        b.iter(|| table.cost(black_box("claude-sonnet-4-5"), black_box(&usage), &opts))
    });
    let bedrock = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
    let _ = table.cost(bedrock, &usage, &opts);
    c.bench_function("cost/resolved/bedrock-alias", |b| {
        b.iter(|| table.cost(black_box(bedrock), black_box(&usage), &opts))
    });
    let big = Usage {
        input: Some(150_000),
        cache_read: Some(60_000),
        output: Some(2_000),
        ..Usage::default()
    };
    c.bench_function("cost/resolved/long-context-tier", |b| {
        b.iter(|| table.cost(black_box("claude-sonnet-4-5"), black_box(&big), &opts))
    });

    c.bench_function("resolve/cached/claude-sonnet-4-5", |b| {
        b.iter(|| table.resolve(black_box("claude-sonnet-4-5"), None))
    });

    // First resolution: a fresh table clone has an empty cache, so every iteration resolves
    // the name from scratch (the clone itself is outside the timed part).
    let fresh = (*table).clone();
    c.bench_function("resolve/first/unlisted-bedrock-profile", |b| {
        b.iter_batched(
            || fresh.clone(),
            |t| {
                let r = t.resolve(
                    black_box("jp.anthropic.claude-haiku-4-5-20251001-v1:0"),
                    None,
                );
                (r, t)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    c.bench_function("resolve/first/provider-prefix-dotted", |b| {
        b.iter_batched(
            || fresh.clone(),
            |t| {
                let r = t.resolve(black_box("openrouter/anthropic/claude-sonnet-4.5"), None);
                (r, t)
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
