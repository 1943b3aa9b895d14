//! Integration tests of the `hail` stage: runs every case of `hail-spec/vectors/hail/cases.json`
//! (see hail-spec/vectors/README.md) and checks the round trip of every valid file.

use crate::common::vectors_dir;
use hailog::hail::{self, ReadOptions, Reader, Writer};
use serde_json::Value;
use std::fs::File;
use std::io::BufReader;

fn options(input: &Value) -> ReadOptions {
    let mut opts = ReadOptions::default();
    let number = |key: &str| {
        input
            .pointer(&format!("/options/{key}"))
            .and_then(Value::as_u64)
    };
    let flag = |key: &str| {
        input
            .pointer(&format!("/options/{key}"))
            .and_then(Value::as_bool)
    };
    if let Some(n) = number("max_line_bytes") {
        opts.max_line_bytes = n as usize;
    }
    if let Some(n) = number("ids_in_memory") {
        opts.ids_in_memory = n as usize;
    }
    if let Some(b) = flag("check_duplicate_ids") {
        opts.check_duplicate_ids = b;
    }
    if let Some(b) = flag("skip_torn_last_line") {
        opts.skip_torn_last_line = b;
    }
    opts
}

/// Every key of `expected` must equal the same key of `actual`.
fn assert_subset(case: &str, expected: &Value, actual: &Value) {
    let Value::Object(map) = expected else {
        panic!("{case}: expected.summary must be an object");
    };
    for (k, v) in map {
        assert_eq!(actual.get(k), Some(v), "{case}: summary.{k}");
    }
}

fn check_round_trip(case: &str, path: &std::path::Path, opts: ReadOptions, canonical: bool) {
    let reader =
        Reader::with_options(BufReader::new(File::open(path).unwrap()), opts.clone()).unwrap();
    let header = reader.header().clone();
    let events: Vec<_> = reader.map(Result::unwrap).collect();
    let mut writer = Writer::new(Vec::new(), &header).unwrap();
    for e in &events {
        writer.write_event(e).unwrap();
    }
    let bytes = writer.finish().unwrap();
    let again = Reader::with_options(bytes.as_slice(), opts).unwrap();
    assert_eq!(again.header(), &header, "{case}: header round trip");
    let events_again: Vec<_> = again.map(Result::unwrap).collect();
    assert_eq!(events_again, events, "{case}: events round trip");
    if canonical {
        let original = std::fs::read(path).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            String::from_utf8_lossy(&original),
            "{case}: canonical bytes"
        );
    }
}

#[test]
fn vectors() {
    let dir = vectors_dir("hail");
    let cases: Value =
        serde_json::from_reader(File::open(dir.join("cases.json")).unwrap()).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    for case in cases {
        let name = case["name"].as_str().unwrap();
        if case.pointer("/known_failures/rust").is_some() {
            continue;
        }
        let input = &case["input"];
        let path = dir.join(input["file"].as_str().unwrap());
        let result = hail::read_file(&path, options(input));
        let expected = &case["expected"];
        if let Some(err) = expected.get("error") {
            let e = match result {
                Err(e) => e,
                Ok(_) => panic!("{name}: accepted, expected {err}"),
            };
            assert_eq!(e.kind(), err["kind"], "{name}: {e}");
            assert_eq!(e.line(), err["line"].as_u64().unwrap(), "{name}: {e}");
            continue;
        }
        let file = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            serde_json::to_value(file.dialect).unwrap(),
            expected["dialect"],
            "{name}: dialect"
        );
        assert_eq!(file.header.session_id, expected["session_id"], "{name}");
        let summary = serde_json::to_value(&file.summary).unwrap();
        assert_subset(name, &expected["summary"], &summary);
        if let Some(stats) = expected.get("stats") {
            assert_eq!(
                &serde_json::to_value(file.summary.stats()).unwrap(),
                stats,
                "{name}: stats"
            );
        }
        if let Some(line) = expected.get("stats_line") {
            assert_eq!(
                &serde_json::to_value(&file.stats).unwrap(),
                line,
                "{name}: stats line"
            );
        }
        let warnings: Vec<Value> = file
            .warnings
            .iter()
            .map(|w| serde_json::json!({"line": w.line, "kind": w.kind}))
            .collect();
        assert_eq!(
            Value::from(warnings),
            expected["warnings"],
            "{name}: warnings"
        );
        check_round_trip(name, &path, options(input), expected["canonical"] == true);
    }
}

/// `summarize` (which skips building content blocks) gives exactly what reading every event in
/// full and adding it to a summary gives: the same summary, warnings and stats, or the same
/// error, for every vector file and fuzz seed.
/// Every valid and invalid vector file and every fuzz seed of the reader.
fn reader_test_files() -> Vec<std::path::PathBuf> {
    let root = crate::common::repo_root();
    let mut files = Vec::new();
    for dir in [
        "hail-spec/vectors/hail/valid",
        "hail-spec/vectors/hail/invalid",
        "fuzz/seeds/hail_reader",
    ] {
        for entry in std::fs::read_dir(root.join(dir)).into_iter().flatten() {
            files.push(entry.unwrap().path());
        }
    }
    assert!(files.len() >= 20, "{files:?}");
    files
}

#[test]
fn summarize_agrees_with_reading_every_event_in_full() {
    let files = reader_test_files();
    let full = |bytes: &[u8]| -> Result<Value, hail::HailError> {
        let mut reader = Reader::with_options(bytes, ReadOptions::default())?;
        let mut summary = hailog::session::SessionSummary::new(&reader.header().session_id);
        summary.apply_header(reader.header());
        for event in reader.by_ref() {
            summary.add(&event?);
        }
        Ok(serde_json::json!([
            summary,
            reader.stats(),
            reader
                .warnings()
                .iter()
                .map(|w| (w.line, &w.kind, &w.message))
                .collect::<Vec<_>>(),
        ]))
    };
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        let fast = hail::summarize(&bytes[..], ReadOptions::default()).map(|f| {
            serde_json::json!([
                f.summary,
                f.stats,
                f.warnings
                    .iter()
                    .map(|w| (w.line, &w.kind, &w.message))
                    .collect::<Vec<_>>(),
            ])
        });
        match (fast, full(&bytes)) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{}", path.display()),
            (Err(a), Err(b)) => assert_eq!(
                (a.kind(), a.line(), a.to_string()),
                (b.kind(), b.line(), b.to_string()),
                "{}",
                path.display()
            ),
            (a, b) => panic!("{}: {a:?} vs {b:?}", path.display()),
        }
    }
}

#[test]
fn a_50_mib_line_is_refused_with_its_line_number() {
    let header =
        std::fs::read_to_string(vectors_dir("hail").join("valid/backwards-time.hail.jsonl"))
            .unwrap();
    let mut text = header.lines().next().unwrap().as_bytes().to_vec();
    text.push(b'\n');
    text.extend(std::iter::repeat_n(b'x', 50 << 20));
    text.push(b'\n');
    let mut reader = Reader::new(text.as_slice()).unwrap();
    let e = reader.next().unwrap().unwrap_err();
    assert_eq!((e.kind(), e.line()), ("line_too_long", 2), "{e}");
    assert!(e.to_string().contains("16777216"), "{e}");
}

/// Every suite's cases.json keeps the shape `hail-spec/vectors/cases.schema.json` describes: the
/// keys it requires and allows, unique names, a suite named after its folder.
#[test]
fn every_suite_matches_the_meta_schema() {
    let root = crate::common::repo_root().join("hail-spec/vectors");
    let schema: Value =
        serde_json::from_slice(&std::fs::read(root.join("cases.schema.json")).unwrap()).unwrap();
    let case_schema = &schema["properties"]["cases"]["items"];
    let required: Vec<&str> = case_schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let allowed: Vec<&String> = case_schema["properties"]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    let mut suites = 0;
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        let file = dir.join("cases.json");
        if !file.exists() {
            continue;
        }
        suites += 1;
        let folder = dir.file_name().unwrap().to_str().unwrap().to_string();
        let doc: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        assert_eq!(doc["suite"], folder.as_str(), "{folder}: suite name");
        let mut names = std::collections::HashSet::new();
        for case in doc["cases"].as_array().unwrap() {
            let obj = case.as_object().unwrap();
            let name = case["name"].as_str().unwrap_or("?");
            for key in &required {
                assert!(obj.contains_key(*key), "{folder}/{name}: missing {key}");
            }
            for key in obj.keys() {
                assert!(allowed.contains(&key), "{folder}/{name}: unknown key {key}");
            }
            assert!(
                case["input"].is_object() && case["expected"].is_object(),
                "{folder}/{name}"
            );
            if let Some(kf) = case.get("known_failures") {
                for lang in kf.as_object().unwrap().keys() {
                    assert!(
                        ["rust", "python", "node"].contains(&lang.as_str()),
                        "{folder}/{name}"
                    );
                }
            }
            assert!(
                names.insert(name.to_string()),
                "{folder}: duplicate case {name}"
            );
        }
    }
    assert!(suites >= 2);
}

/// The committed JSON Schemas equal the ones generated from the types; regenerate them with
/// `HAILOG_UPDATE_SCHEMA=1 cargo test -p hailog --test it schema`.
#[test]
fn committed_schemas_are_current() {
    let dir = crate::common::repo_root().join("hail-spec/schema");
    let update = std::env::var_os("HAILOG_UPDATE_SCHEMA").is_some_and(|v| v == "1");
    for (name, schema) in hail::line_schemas() {
        let text = serde_json::to_string_pretty(&schema).unwrap() + "\n";
        let path = dir.join(name);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == text,
            "{} is stale; run HAILOG_UPDATE_SCHEMA=1 cargo test -p hailog --test it schema",
            path.display()
        );
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Corrupting any bytes of a valid file gives an error or a valid read, never a panic, and
    /// every error names a line inside the file.
    #[test]
    fn corrupted_files_never_panic(
        edits in proptest::collection::vec((0usize..4000, proptest::prelude::any::<u8>()), 1..8),
        cut in 0usize..4000,
    ) {
        let path = vectors_dir("hail").join("valid/hailog-bot-run.hail.jsonl");
        let mut bytes = std::fs::read(path).unwrap();
        for (pos, b) in edits {
            let i = pos % bytes.len();
            bytes[i] = b;
        }
        bytes.truncate(cut.max(1).min(bytes.len()));
        let lines = bytes.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        match hail::summarize(bytes.as_slice(), ReadOptions::default()) {
            Ok(f) => proptest::prop_assert!(f.summary.event_count >= 1),
            Err(e) => proptest::prop_assert!(e.line() >= 1 && e.line() <= lines, "{e}"),
        }
    }
}

/// A hail/0.1 line may carry hailog's own keys (`hailog.usage`, `hailog.outcome`...): they become
/// the event's typed fields, as in a hail-1.0.0 line, so the canonical line written from it reads
/// back as the same event (a case found by the `hail_reader` fuzz target). An `error` line keeps
/// its failed outcome and message when no key overrides them.
#[test]
fn hail01_hailog_keys_are_typed_and_survive_a_rewrite() {
    let text = br#"{"v":"hail/0.1","tool":"claude-code","model":"opus-4","ts":"2025-01-01T00:00:00Z"}
{"role":"agent","content":"done","hailog.usage":{"input":1000,"cache_read":200,"output":50},"vendor.type":"x","ts":"2025-01-01T00:02:00Z"}
{"type":"error","message":"test failed","hailog.latency_ms":7}
"#;
    let reader = hailog::hail::Reader::new(&text[..]).expect("header");
    let session = reader.header().session_id.clone();
    let events: Vec<_> = reader.map(|e| e.expect("valid line")).collect();
    let usage = events[0]
        .usage
        .as_ref()
        .expect("hailog.usage became the usage");
    assert_eq!(
        (usage.input, usage.cache_read, usage.output),
        (Some(1000), Some(200), Some(50))
    );
    assert!(!events[0].attributes.contains_key("hailog.usage"));
    assert_eq!(
        events[0].attributes.get("vendor.type"),
        Some(&serde_json::json!("x"))
    );
    assert_eq!(events[1].outcome, hailog::Outcome::Failed);
    assert_eq!(events[1].error.as_deref(), Some("test failed"));
    assert_eq!(events[1].latency_ms, Some(7));
    for event in &events {
        let mut line = Vec::new();
        hailog::hail::write_event_line(event, &mut line);
        let again =
            hailog::hail::parse_event_line(&line, 1, &session).expect("written line parses");
        assert_eq!(&again, event);
    }
}

/// A HAIL file whose events carry `ids`, one per line from line 2.
fn file_with_ids(ids: &[&str]) -> Vec<u8> {
    let mut text = String::from(
        r#"{"type":"header","version":"hail-1.0.0","session_id":"s","agent":{"provider":"openai","model":"gpt-5.4","tool":"codex"},"context":{"tags":[],"created_at":"2026-03-04T03:52:32Z","updated_at":"2026-03-04T03:52:32Z"}}"#,
    );
    for id in ids {
        text.push_str(&format!(
            "\n{{\"type\":\"event\",\"event_id\":\"{id}\",\"timestamp\":\"2026-03-04T03:52:40Z\",\"event_type\":{{\"type\":\"UserMessage\"}},\"content\":{{\"blocks\":[]}}}}"
        ));
    }
    text.push('\n');
    text.into_bytes()
}

/// A case: its name, the ids of its events, and the duplicate expected as (line, first_line, id).
type DuplicateCase<'a> = (&'a str, Vec<&'a str>, Option<(u64, u64, &'a str)>);

fn spilling(ids_in_memory: usize) -> ReadOptions {
    ReadOptions {
        ids_in_memory,
        ..ReadOptions::default()
    }
}

/// (line, first_line, event_id) of the duplicate `summarize` reports, `None` when it accepts.
fn duplicate_of(bytes: &[u8], opts: ReadOptions) -> Option<(u64, u64, String)> {
    match hail::summarize(bytes, opts) {
        Ok(_) => None,
        Err(hail::HailError::DuplicateEventId {
            line,
            first_line,
            event_id,
        }) => Some((line, first_line, event_id)),
        Err(e) => panic!("not a duplicate error: {e}"),
    }
}

#[test]
fn spilled_duplicate_checks_report_what_the_in_memory_check_reports() {
    let many: Vec<String> = (0..300).map(|i| format!("e{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let with = |extra: &[(usize, &'static str)]| {
        let mut ids = many.clone();
        for &(at, id) in extra {
            ids.insert(at, id);
        }
        ids
    };
    let cases: Vec<DuplicateCase> = vec![
        ("no duplicates", many.clone(), None),
        ("within memory", with(&[(3, "e1")]), Some((5, 3, "e1"))),
        ("across runs", with(&[(200, "e10")]), Some((202, 12, "e10"))),
        // e298 is still in memory at the end when the limit divides 300 unevenly.
        (
            "run and in-memory tail",
            with(&[(299, "e5")]),
            Some((301, 7, "e5")),
        ),
        (
            "first and last line",
            with(&[(300, "e0")]),
            Some((302, 2, "e0")),
        ),
        (
            "many: the earliest second occurrence wins",
            with(&[(280, "e1"), (150, "e100"), (120, "e119"), (120, "e2")]),
            Some((122, 4, "e2")),
        ),
    ];
    for (name, ids, expected) in cases {
        let bytes = file_with_ids(&ids);
        let expected = expected.map(|(l, f, id)| (l, f, id.to_string()));
        assert_eq!(
            duplicate_of(&bytes, ReadOptions::default()),
            expected,
            "{name}: in memory"
        );
        for limit in [1, 2, 7, 16, 64] {
            assert_eq!(
                duplicate_of(&bytes, spilling(limit)),
                expected,
                "{name}: {limit} ids in memory"
            );
        }
    }
}

#[test]
fn a_spilled_duplicate_ends_the_event_stream_with_its_error() {
    let bytes = file_with_ids(&["a", "b", "c", "d", "a", "e", "f"]);
    let mut reader = Reader::with_options(&bytes[..], spilling(2)).unwrap();
    let items: Vec<_> = reader.by_ref().collect();
    // "a" went to disk before its repeat, so every event passes and the end reports it.
    assert_eq!(items.len(), 8);
    assert!(items[..7].iter().all(Result::is_ok));
    let e = items[7].as_ref().unwrap_err();
    assert_eq!((e.kind(), e.line()), ("duplicate_event_id", 6), "{e}");
    assert!(e.to_string().contains("first on line 2"), "{e}");
    assert!(reader.next().is_none());

    // The default holds these ids in memory and stops at the repeat itself.
    let mut reader = Reader::new(&bytes[..]).unwrap();
    let ok = reader.by_ref().take_while(Result::is_ok).count();
    assert_eq!(ok, 4);

    let unchecked = ReadOptions {
        check_duplicate_ids: false,
        ..spilling(2)
    };
    assert_eq!(duplicate_of(&bytes, unchecked), None);
}

#[test]
fn every_vector_reads_the_same_when_ids_spill() {
    let files = reader_test_files();
    let outcome = |bytes: &[u8], opts: ReadOptions| match hail::summarize(bytes, opts) {
        Ok(f) => Ok(serde_json::json!([f.summary, f.stats])),
        Err(e) => Err((e.kind(), e.line(), e.to_string())),
    };
    for path in files {
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            outcome(&bytes, spilling(1)),
            outcome(&bytes, ReadOptions::default()),
            "{}",
            path.display()
        );
    }
}
