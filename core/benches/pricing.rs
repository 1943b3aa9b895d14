//! Cost engine speed: one cost for an already-resolved model, the first resolution of a new
//! alias, and a long-context request.

#[path = "support/pricing_baseline.rs"]
mod pricing_baseline;

use criterion::{Criterion, criterion_group, criterion_main};
use hailog::Usage;
use hailog::pricing::{CostOptions, PriceTable};
use pricing_baseline::{Baseline, typical_usage};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let table = PriceTable::builtin();
    let opts = CostOptions::default();
    let usage = typical_usage();

    // Baseline measured in the same run (the machine is shared and its load varies).
    let baseline = Baseline::new();
    c.bench_function("baseline/probe+5-decimal-muls+3-allocs", |b| {
        b.iter(|| baseline.run())
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
