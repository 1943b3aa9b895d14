//! Integration tests of the `usage` stage: every captured provider body and stream in
//! `hail-spec/vectors/usage/` against its hand-derived exclusive buckets, streams fed in random
//! chunk splits, and hostile input.

use crate::common::vectors_dir;
use hailog::usage::{self, Provider, StreamParser, Usage, UsageError};
use proptest::prelude::*;
use serde_json::Value;

fn load_cases() -> Vec<Value> {
    let text =
        std::fs::read_to_string(vectors_dir("usage").join("cases.json")).expect("cases.json");
    let doc: Value = serde_json::from_str(&text).expect("cases.json is JSON");
    doc["cases"].as_array().expect("cases array").clone()
}

fn provider_of(input: &Value) -> Option<Provider> {
    input["provider"]
        .as_str()
        .map(|p| p.parse().expect("known provider"))
}

/// Runs one case's input the way its `mode` says.
fn run(input: &Value) -> Result<Usage, UsageError> {
    let path = vectors_dir("usage").join(input["file"].as_str().expect("file"));
    let bytes = std::fs::read(&path).expect("capture readable");
    let provider = provider_of(input);
    match input["mode"].as_str().expect("mode") {
        "body" => usage::parse(&bytes, provider),
        "stream" => {
            let mut p = StreamParser::new(provider);
            p.feed(&bytes)?;
            Ok(p.finish())
        }
        "chunks" => {
            let mut p = StreamParser::new(provider);
            for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
                p.feed_event(None, line)?;
            }
            Ok(p.finish())
        }
        other => panic!("unknown mode {other}"),
    }
}

fn field(u: &Usage, key: &str) -> Value {
    let num = |v: Option<u64>| v.map_or(Value::Null, Value::from);
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::from);
    match key {
        "input" => num(u.input),
        "cache_read" => num(u.cache_read),
        "cache_write_5m" => num(u.cache_write_5m),
        "cache_write_1h" => num(u.cache_write_1h),
        "cache_write" => num(u.cache_write()),
        "output" => num(u.output),
        "reasoning" => num(u.reasoning),
        "input_audio" => num(u.input_audio),
        "input_image" => num(u.input_image),
        "output_audio" => num(u.output_audio),
        "web_search_requests" => num(u.web_search_requests),
        "input_total" => num(u.input_total()),
        "output_total" => num(u.output_total()),
        "model" => text(&u.model),
        "finish_reason" => text(&u.finish_reason),
        "outcome" => Value::from(u.outcome.as_str()),
        "partial" => Value::from(u.partial),
        "reported_cost" => u
            .reported_cost
            .map_or(Value::Null, |d| Value::from(d.to_string())),
        other => panic!("unknown expected field {other}"),
    }
}

fn mismatches(case: &Value, u: &Usage) -> Vec<String> {
    let mut out = Vec::new();
    for (key, want) in case["expected"].as_object().expect("expected object") {
        if key == "error_contains" {
            let msg = u.error.as_ref().map(|e| e.message.as_str()).unwrap_or("");
            if !msg.contains(want.as_str().expect("string")) {
                out.push(format!("error message {msg:?} lacks {want}"));
            }
            continue;
        }
        let got = field(u, key);
        if &got != want {
            out.push(format!("{key}: expected {want}, got {got}"));
        }
    }
    out
}

#[test]
fn every_capture_matches_its_expected_exclusive_buckets() {
    let cases = load_cases();
    assert!(cases.len() >= 47, "every capture has a case");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().expect("name");
        match run(&case["input"]) {
            Ok(u) => {
                let m = mismatches(case, &u);
                if !m.is_empty() {
                    failures.push(format!("{name}: {}", m.join("; ")));
                }
                // Exclusive buckets are never negative by construction; a broken invariant
                // must be visible as an anomaly instead.
                if let (Some(o), Some(r)) = (u.output, u.reasoning) {
                    assert!(o.checked_add(r).is_some(), "{name}");
                }
            }
            Err(e) => failures.push(format!("{name}: error {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_capture_file_has_a_case() {
    let cases = load_cases();
    let named: std::collections::HashSet<String> = cases
        .iter()
        .map(|c| c["input"]["file"].as_str().unwrap_or("").to_string())
        .collect();
    let root = vectors_dir("usage");
    for dir in std::fs::read_dir(&root).expect("suite dir") {
        let dir = dir.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("provider dir") {
            let f = f.expect("entry").path();
            let rel = f
                .strip_prefix(&root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            // The decoded companion of the binary eventstream is a readable copy, not a capture.
            if rel.ends_with(".decoded.jsonl") || rel.ends_with(".md") {
                continue;
            }
            assert!(named.contains(&rel), "no case for {rel}");
        }
    }
}

fn stream_files() -> Vec<(String, Vec<u8>, Option<Provider>)> {
    load_cases()
        .iter()
        .filter(|c| c["input"]["mode"] == "stream")
        .map(|c| {
            let file = c["input"]["file"].as_str().expect("file").to_string();
            let bytes = std::fs::read(vectors_dir("usage").join(&file)).expect("readable");
            (file, bytes, provider_of(&c["input"]))
        })
        .collect()
}

fn feed_split(bytes: &[u8], provider: Option<Provider>, cuts: &[usize]) -> Usage {
    let mut p = StreamParser::new(provider);
    let mut start = 0;
    for &cut in cuts {
        let cut = cut.min(bytes.len()).max(start);
        p.feed(&bytes[start..cut]).expect("feed");
        start = cut;
    }
    p.feed(&bytes[start..]).expect("feed");
    p.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn streams_give_identical_usage_whatever_the_chunk_splits(seed in prop::collection::vec(0.0f64..1.0, 0..40)) {
        for (file, bytes, provider) in stream_files() {
            let whole = feed_split(&bytes, provider, &[]);
            let mut cuts: Vec<usize> = seed.iter().map(|f| (f * bytes.len() as f64) as usize).collect();
            cuts.sort_unstable();
            let split = feed_split(&bytes, provider, &cuts);
            prop_assert_eq!(&whole, &split, "{}", file);
        }
    }
}

#[test]
fn one_byte_chunks_give_the_same_usage() {
    for (file, bytes, provider) in stream_files() {
        let whole = feed_split(&bytes, provider, &[]);
        let cuts: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(whole, feed_split(&bytes, provider, &cuts), "{file}");
    }
}

fn capture(rel: &str) -> Vec<u8> {
    std::fs::read(vectors_dir("usage").join(rel)).expect("capture")
}

#[test]
fn a_stream_cut_before_its_terminator_is_partial() {
    let bytes = capture("anthropic/pai_anth_stream_web_search.sse");
    let marker = b"event: message_stop";
    let cut = bytes
        .windows(marker.len())
        .rposition(|w| w == marker)
        .expect("has message_stop");
    let mut p = StreamParser::new(None);
    p.feed(&bytes[..cut]).expect("feed");
    let u = p.finish();
    assert!(u.partial, "no message_stop seen");
    assert_eq!(u.output, Some(644), "usage seen before the cut is kept");
}

#[test]
fn invalid_json_in_a_decisive_event_names_its_offset_and_line() {
    let mut p = StreamParser::new(None);
    let err = p
        .feed(b"data: {\"choices\":[]}\n\ndata: {\"error\": nope}\n\n")
        .unwrap_err();
    match err {
        UsageError::Json { offset, line, .. } => {
            assert!(offset >= 21, "offset {offset} points into the second event");
            assert_eq!(line, Some(4));
        }
        other => panic!("expected a JSON error, got {other}"),
    }
}

#[test]
fn invalid_json_in_a_usage_snapshot_gives_a_partial_result_that_says_why() {
    let mut p = StreamParser::new(None);
    p.feed(b"data: {\"choices\":[],\"model\":\"m\"}\n\ndata: {\"usage\": nope}\n\n")
        .expect("deferred");
    let u = p.finish();
    assert!(u.partial);
    let why = &u
        .anomalies
        .iter()
        .find(|a| a.code == "stream_unreadable")
        .expect("anomaly")
        .message;
    assert!(why.contains("malformed JSON at byte"), "{why}");
}

#[test]
fn a_huge_line_without_newline_is_bounded() {
    let mut p = StreamParser::new(None).with_max_event_bytes(1024);
    p.feed(b"data: {\"x\":\"").expect("start");
    let junk = vec![b'a'; 4096];
    let err = p.feed(&junk).unwrap_err();
    assert!(
        matches!(err, UsageError::EventTooLarge { limit: 1024, .. }),
        "{err}"
    );
    // The parser stays failed, and finish still answers.
    assert!(p.feed(b"\n").is_err());
}

#[test]
fn a_wrong_eventstream_crc_is_an_error_naming_the_frame() {
    let mut bytes = capture("bedrock/pai_bedrock_conversestream_nova_text.eventstream.bin");
    let first_len = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    // Corrupt the payload of the second frame: its message CRC no longer matches.
    bytes[first_len + 20] ^= 0xff;
    let mut p = StreamParser::new(None);
    let err = p.feed(&bytes).unwrap_err();
    match err {
        UsageError::Frame {
            frame,
            offset,
            ref message,
        } => {
            assert_eq!(frame, 1);
            assert_eq!(offset, first_len as u64);
            assert!(message.contains("CRC"), "{message}");
        }
        other => panic!("expected a frame error, got {other}"),
    }
}

#[test]
fn garbage_bytes_never_panic() {
    let mut state = 0x2545F4914F6CDD1Du64;
    for round in 0..200 {
        let len = (round * 37) % 700;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state & 0xff) as u8
            })
            .collect();
        let mut p = StreamParser::new(None);
        let _ = p.feed(&bytes);
        let _ = p.finish();
        let _ = usage::parse(&bytes, None);
    }
}

#[test]
fn a_stream_given_as_a_body_points_to_the_stream_parser() {
    let bytes = capture("openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse");
    let e = usage::parse(&bytes, None).expect_err("a stream is not a body");
    assert!(matches!(e, UsageError::Json { offset: 0, .. }), "{e}");
    assert!(e.to_string().contains("StreamParser"), "{e}");
    let e = usage::parse(b"{\"usage\": ", None).expect_err("truncated body");
    assert!(!e.to_string().contains("StreamParser"), "{e}");
}

#[test]
fn bodies_reject_malformed_json_and_unknown_shapes_clearly() {
    let err = usage::parse(b"{\"usage\": {\"prompt_tokens\": 3,", None).unwrap_err();
    assert!(matches!(err, UsageError::Json { .. }), "{err}");
    let err = usage::parse(b"{\"hello\": 1}", None).unwrap_err();
    assert!(
        err.to_string().contains("hello"),
        "the error names what it saw: {err}"
    );
    let err = usage::parse(b"{\"choices\":[],\"usage\":{\"prompt_tokens\":-3}}", None).unwrap_err();
    assert!(err.to_string().contains("prompt_tokens"), "{err}");
}

#[test]
fn error_bodies_become_typed_provider_errors() {
    let e = usage::parse_error(
        &capture("gemini/vercel_google-429-retry-info.json"),
        Some(429),
        None,
    )
    .expect("error body");
    assert_eq!(e.status, Some(429));
    assert!(e.retry_after_ms.is_some(), "the retry delay is read: {e:?}");
    let e = usage::parse_error(
        &capture("anthropic/pai_anth_error_400.json"),
        Some(400),
        None,
    )
    .expect("error body");
    assert_eq!(e.error_type.as_deref(), Some("invalid_request_error"));
    assert_eq!(
        e.request_id.as_deref(),
        Some("req_011Ca7jT9AHpgXgdv8igm4z9")
    );
    // Bedrock's body has only a message; with the provider known, the status names the type.
    let body = capture("bedrock/pai_bedrock_conversestream_error_400.json");
    let e = usage::parse_error(&body, Some(400), Some(Provider::Bedrock)).expect("error body");
    assert_eq!(e.error_type.as_deref(), Some("ValidationException"));
    assert_eq!(e.message, "The provided model identifier is invalid.");
    let e = usage::parse_error(&body, Some(429), Some(Provider::Bedrock)).expect("error body");
    assert_eq!(e.error_type.as_deref(), Some("ThrottlingException"));
    let e = usage::parse_error(&body, Some(400), None).expect("error body");
    assert_eq!(e.error_type, None);
    assert!(usage::parse_error(b"{\"choices\":[]}", None, None).is_err());
}

#[test]
fn a_provider_name_round_trips_and_an_unknown_one_is_refused() {
    for p in Provider::ALL {
        assert_eq!(p.as_str().parse::<Provider>().expect("round trip"), p);
    }
    assert!("no-such-ai".parse::<Provider>().is_err());
}

/// Gemini without `alt=sse` streams one JSON array; build it from the SSE capture's payloads.
fn gemini_array_stream() -> Vec<u8> {
    let sse = capture("gemini/pai_gemini_stream_usage_cumulative.sse");
    let text = String::from_utf8(sse).expect("utf-8");
    let items: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .map(str::trim)
        .collect();
    format!("[{}]", items.join(",\r\n")).into_bytes()
}

#[test]
fn gemini_json_array_mode_gives_the_same_usage_as_its_sse_form() {
    let sse = capture("gemini/pai_gemini_stream_usage_cumulative.sse");
    let mut p = StreamParser::new(None);
    p.feed(&sse).expect("sse");
    let from_sse = p.finish();
    let array = gemini_array_stream();
    for step in [1usize, 7, 64, array.len()] {
        let mut p = StreamParser::new(None);
        for chunk in array.chunks(step) {
            p.feed(chunk).expect("array chunk");
        }
        let u = p.finish();
        assert_eq!(
            (u.input, u.output, u.reasoning),
            (Some(18), Some(80), Some(35)),
            "step {step}"
        );
        assert_eq!(u.finish_reason, from_sse.finish_reason);
        assert!(!u.partial, "the closing bracket ends the stream");
    }
}

#[test]
fn ollama_error_line_fails_the_stream_with_partial_usage() {
    let mut p = StreamParser::new(Some(Provider::Ollama));
    p.feed(b"{\"model\":\"m\",\"response\":\"a\",\"done\":false}\n{\"error\":\"model runner crashed\"}\n").expect("feed");
    let u = p.finish();
    assert_eq!(u.outcome, hailog::Outcome::Failed);
    assert!(u.partial);
    assert_eq!(
        u.error.map(|e| e.message),
        Some("model runner crashed".to_string())
    );
}

#[test]
fn reasoning_above_completion_keeps_raw_numbers_and_flags_an_anomaly() {
    // OpenRouter has reported 11 reasoning tokens inside a 10-token completion.
    let u = usage::parse(
        &capture("synthetic/openrouter_reasoning_exceeds_completion.json"),
        None,
    )
    .expect("parse");
    assert_eq!(
        (u.output, u.reasoning, u.input),
        (Some(0), Some(11), Some(20))
    );
    assert_eq!(u.anomalies.len(), 1, "{:?}", u.anomalies);
    let raw = u.raw.expect("raw usage kept");
    assert_eq!(raw["completion_tokens"], 10);
    assert_eq!(raw["completion_tokens_details"]["reasoning_tokens"], 11);
    // 22 significant digits: more than an f64 holds, so only the literal can give this value.
    assert_eq!(
        u.reported_cost.expect("cost").to_string(),
        "0.0000123456789012345678"
    );
}

#[test]
fn chunk_recordings_rewrapped_as_sse_give_the_same_usage() {
    for case in load_cases()
        .iter()
        .filter(|c| c["input"]["mode"] == "chunks")
    {
        let bytes = capture(case["input"]["file"].as_str().expect("file"));
        let provider = provider_of(&case["input"]);
        let mut sse = Vec::new();
        for line in bytes.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            sse.extend_from_slice(b"data: ");
            sse.extend_from_slice(line);
            sse.extend_from_slice(b"\r\n\r\n");
        }
        let direct = run(&case["input"]).expect("chunks feed");
        assert_eq!(feed_split(&sse, provider, &[]), direct, "{}", case["name"]);
    }
}
