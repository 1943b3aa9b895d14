//! Throughput of the usage parsers over real captures: a long stream built by repeating the
//! content events of each captured stream, fed in 16 KiB chunks, and every captured body.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use hailog::usage::{self, StreamParser};
use std::hint::black_box;
use std::path::PathBuf;

fn capture(rel: &str) -> Vec<u8> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../hail-spec/vectors/usage");
    std::fs::read(root.join(rel)).expect("capture")
}

/// A stream of about `target` bytes: the capture's first event, its middle content events
/// repeated, then its last event, as in one long real answer.
fn long_stream(rel: &str, target: usize) -> Vec<u8> {
    let bytes = capture(rel);
    let sep: &[u8] = if bytes.windows(4).any(|w| w == b"\r\n\r\n") {
        b"\r\n\r\n"
    } else {
        b"\n\n"
    };
    let mut events: Vec<&[u8]> = Vec::new();
    let mut rest = &bytes[..];
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        events.push(&rest[..i + sep.len()]);
        rest = &rest[i + sep.len()..];
    }
    let split = events.len().saturating_sub(1).max(1);
    let (head, all_middle, tail) = (events[0], &events[1..split], &events[split..]);
    // Repeat the plain content deltas; a capture whose every event carries usage (Gemini sends
    // a snapshot in each chunk) is repeated whole.
    let has = |e: &[u8], m: &[u8]| e.windows(m.len()).any(|w| w == m);
    let plain: Vec<&[u8]> = all_middle
        .iter()
        .copied()
        .filter(|e| {
            !has(e, b"\"usage\":{") && !has(e, b"finish_reason\":\"") && !has(e, b"message_delta")
        })
        .collect();
    let middle = if plain.is_empty() {
        all_middle.to_vec()
    } else {
        plain
    };
    // The usage-bearing events of the capture, once, before its last event.
    let mut out = head.to_vec();
    while out.len() < target && !middle.is_empty() {
        for e in &middle {
            out.extend_from_slice(e);
        }
    }
    for e in all_middle.iter().filter(|e| !middle.contains(e)) {
        out.extend_from_slice(e);
    }
    for e in tail {
        out.extend_from_slice(e);
    }
    out
}

fn streams(c: &mut Criterion) {
    let mut g = c.benchmark_group("stream_parser");
    g.sample_size(10);
    for rel in [
        "openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse",
        "openai-responses/pai_resp_stream_reasoning.sse",
        "anthropic/pai_anth_stream_web_search.sse",
        "gemini/pai_gemini_stream_usage_cumulative.sse",
        "groq/pai_groq_stream_tool_call_reasoning.sse",
    ] {
        let data = long_stream(rel, 32 << 20);
        g.throughput(Throughput::Bytes(data.len() as u64));
        let name = rel.split('/').next().unwrap_or(rel);
        g.bench_with_input(BenchmarkId::from_parameter(name), &data, |b, data| {
            b.iter(|| {
                let mut p = StreamParser::new(None);
                for chunk in data.chunks(16 * 1024) {
                    p.feed(chunk).expect("feed");
                }
                black_box(p.finish())
            })
        });
    }
    g.finish();
}

fn bodies(c: &mut Criterion) {
    let files = [
        "openai-chat/vercel_openai-text.json",
        "openai-responses/pai_resp_prompt_cache_hit.json",
        "anthropic/pai_anth_cache_read_and_write_5m.json",
        "gemini/pai_gemini_video_cached_content.json",
        "bedrock/pai_bedrock_converse_claude_cache_read_write.json",
        "openrouter/pai_openrouter_anthropic_cache_read_write.json",
    ];
    let bodies: Vec<Vec<u8>> = files.iter().map(|f| capture(f)).collect();
    let total: usize = bodies.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("body_parser");
    g.throughput(Throughput::Bytes(total as u64));
    g.bench_function("six_provider_bodies", |b| {
        b.iter(|| {
            for body in &bodies {
                black_box(usage::parse(body, None).expect("parse"));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, streams, bodies);
criterion_main!(benches);
