//! The streaming reader: a header, then events one at a time from any `BufRead`, validated as
//! they pass. Memory stays constant in file length, the duplicate-id check included (SPEC.md §8).

use super::dialect::{self, Dialect};
use super::ids::{DEFAULT_IDS_IN_MEMORY, Duplicate, IdSet};
use super::line::{EVENT_PREFIX, event_from_slice, event_from_value, json_error};
use super::slim;
use super::validate::{validate_event, validate_header};
use super::{HailError, HailWarning, Header, Stats};
use crate::event::Event;
use crate::session::SessionSummary;
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::VecDeque;
use std::io::{BufRead, BufReader};
use std::path::Path;

/// Reader settings.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Longest accepted line in bytes; a longer line is an error, never buffered whole.
    pub max_line_bytes: usize,
    /// Detect duplicate event ids.
    pub check_duplicate_ids: bool,
    /// Event ids the duplicate check keeps in memory (default 65,536: a few MiB) before it
    /// spills them, sorted, to an anonymous temporary file. Past that point a repeat of a
    /// spilled id is reported when the input ends, as the iterator's last item (SPEC.md §8). If
    /// no temporary file can be written, ids stay in memory with a `duplicate_check_in_memory`
    /// warning.
    pub ids_in_memory: usize,
    /// At most this many warnings are kept; the rest are counted in `warnings_dropped`.
    pub max_warnings: usize,
    /// Skip, with a `torn_last_line` warning, a last line that has no newline and does not
    /// parse: what a writer killed mid-append leaves. Off by default: a strict reader reports
    /// it as `truncated`.
    pub skip_torn_last_line: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_line_bytes: 16 << 20,
            check_duplicate_ids: true,
            ids_in_memory: DEFAULT_IDS_IN_MEMORY,
            max_warnings: 1000,
            skip_torn_last_line: false,
        }
    }
}

/// One physical line as read: where it ends and whether a newline terminated it.
enum Line {
    Eof,
    Text { newline: bool },
}

/// Streams the events of one HAIL file. Create with [`Reader::new`], read [`Reader::header`],
/// iterate events; after the iterator ends, [`Reader::stats`] and [`Reader::warnings`] are final.
pub struct Reader<R: BufRead> {
    input: R,
    opts: ReadOptions,
    buf: Vec<u8>,
    /// Number of the last line read (1-based).
    line: u64,
    header: Header,
    dialect: Dialect,
    stats: Option<Stats>,
    warnings: Vec<HailWarning>,
    warnings_dropped: u64,
    ids: Option<IdSet>,
    last_timestamp: Option<DateTime<Utc>>,
    events: u64,
    /// Events parsed ahead (single-object form) or synthesized state (`hail/0.1`).
    pending: VecDeque<(u64, Event)>,
    finished: bool,
    /// Events are only summarized: canonical lines may skip building content blocks and the
    /// attributes the summary does not read (`slim`).
    for_summary: bool,
}

impl<R: BufRead> Reader<R> {
    /// Read and check the header; detects the dialect from the first line.
    pub fn new(input: R) -> Result<Self, HailError> {
        Reader::with_options(input, ReadOptions::default())
    }

    pub fn with_options(input: R, opts: ReadOptions) -> Result<Self, HailError> {
        let ids = opts
            .check_duplicate_ids
            .then(|| IdSet::new(opts.ids_in_memory));
        let mut reader = Reader {
            input,
            opts,
            buf: Vec::new(),
            line: 0,
            header: Header::new("", super::Agent::default(), DateTime::<Utc>::UNIX_EPOCH),
            dialect: Dialect::Hail1,
            stats: None,
            warnings: Vec::new(),
            warnings_dropped: 0,
            ids,
            last_timestamp: None,
            events: 0,
            pending: VecDeque::new(),
            finished: false,
            for_summary: false,
        };
        reader.read_header()?;
        Ok(reader)
    }

    pub fn header(&self) -> &Header {
        &self.header
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The last stats line seen so far (OpenSession: the last one wins).
    pub fn stats(&self) -> Option<&Stats> {
        self.stats.as_ref()
    }

    pub fn warnings(&self) -> &[HailWarning] {
        &self.warnings
    }

    /// Warnings beyond `max_warnings`, counted but not kept.
    pub fn warnings_dropped(&self) -> u64 {
        self.warnings_dropped
    }

    /// The number of the last line read.
    pub fn line(&self) -> u64 {
        self.line
    }

    fn warn(&mut self, line: u64, kind: &str, message: String) {
        if self.warnings.len() < self.opts.max_warnings {
            self.warnings.push(HailWarning {
                line,
                kind: kind.to_string(),
                message,
            });
        } else {
            self.warnings_dropped += 1;
        }
    }

    /// Read the next line into `self.buf` (without its newline), enforcing the length limit.
    fn read_line(&mut self) -> Result<Line, HailError> {
        self.buf.clear();
        let mut any = false;
        loop {
            let line = self.line + 1;
            let available = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(HailError::Io { line, source }),
            };
            if available.is_empty() {
                if !any {
                    return Ok(Line::Eof);
                }
                self.line = line;
                return Ok(Line::Text { newline: false });
            }
            any = true;
            let (take, found) = match memchr::memchr(b'\n', available) {
                Some(i) => (i, true),
                None => (available.len(), false),
            };
            if self.buf.len() + take > self.opts.max_line_bytes {
                self.line = line;
                return Err(HailError::LineTooLong {
                    line,
                    limit: self.opts.max_line_bytes,
                });
            }
            self.buf.extend_from_slice(&available[..take]);
            self.input.consume(take + usize::from(found));
            if found {
                self.line = line;
                if self.buf.last() == Some(&b'\r') {
                    self.buf.pop();
                }
                return Ok(Line::Text { newline: true });
            }
        }
    }

    /// Turn a failed parse of `self.buf` into the most precise error: bad UTF-8, a truncated last
    /// line, or the JSON error itself.
    fn classify(&self, e: &serde_json::Error, newline: bool, field: Option<&str>) -> HailError {
        if let Err(u) = std::str::from_utf8(&self.buf) {
            return HailError::InvalidUtf8 {
                line: self.line,
                byte: u.valid_up_to(),
            };
        }
        if !newline && e.classify() == serde_json::error::Category::Eof {
            return HailError::Truncated { line: self.line };
        }
        json_error(e, self.line, field)
    }

    fn read_header(&mut self) -> Result<(), HailError> {
        let newline = loop {
            match self.read_line()? {
                Line::Eof => {
                    return Err(HailError::MissingHeader {
                        line: self.line + 1,
                        found: "an empty file".into(),
                    });
                }
                Line::Text { newline } if !self.buf.trim_ascii().is_empty() => break newline,
                Line::Text { .. } => {}
            }
        };
        let first_line = self.line;
        if self.buf.trim_ascii_start().starts_with(b"[") {
            return Err(HailError::NotHail {
                line: first_line,
                expected: "one JSON object per line, starting with a header".into(),
                found: "a JSON array".into(),
            });
        }
        let value: Value = match serde_json::from_slice(&self.buf) {
            Ok(v) => v,
            Err(e)
                if e.classify() == serde_json::error::Category::Eof
                    && newline
                    && self.buf.trim_ascii_start().starts_with(b"{") =>
            {
                // An object continued on the next lines: the pretty-printed single-object form.
                return self.read_session_object();
            }
            Err(e) => return Err(self.classify(&e, newline, None)),
        };
        let Value::Object(map) = value else {
            return Err(HailError::NotHail {
                line: first_line,
                expected: "a JSON object".into(),
                found: describe(&value),
            });
        };
        if map.get("type").and_then(Value::as_str) == Some("header") {
            self.header = dialect::header_from_map(map, first_line)?;
            self.dialect = Dialect::Hail1;
        } else if map.get("v").and_then(Value::as_str) == Some(super::VERSION_0_1) {
            self.header = dialect::header_0_1(map, first_line)?;
            self.dialect = Dialect::Hail01;
            self.last_timestamp = Some(self.header.context.created_at);
        } else if map.contains_key("events") && map.contains_key("version") {
            let (header, events, stats) = dialect::session_from_map(map, first_line)?;
            self.header = header;
            self.stats = stats;
            self.pending = events.into_iter().map(|e| (first_line, e)).collect();
            self.dialect = Dialect::SessionObject;
        } else {
            return Err(HailError::MissingHeader {
                line: first_line,
                found: describe(&Value::Object(map)),
            });
        }
        validate_header(&self.header, first_line)
    }

    /// Read the rest of the input as one pretty-printed session object (not streamed: the form
    /// has no line structure to stream by).
    fn read_session_object(&mut self) -> Result<(), HailError> {
        let first_line = self.line;
        let mut doc = std::mem::take(&mut self.buf);
        doc.push(b'\n');
        if let Err(source) = self.input.read_to_end(&mut doc) {
            return Err(HailError::Io {
                line: first_line,
                source,
            });
        }
        self.line = first_line + memchr::memchr_iter(b'\n', &doc).count() as u64;
        let value: Value = serde_json::from_slice(&doc).map_err(|e| {
            let line = first_line + (e.line() as u64).saturating_sub(1);
            match e.classify() {
                serde_json::error::Category::Eof => HailError::Truncated { line },
                _ => json_error(&e, line, None),
            }
        })?;
        let Value::Object(map) = value else {
            return Err(HailError::NotHail {
                line: first_line,
                expected: "a session object".into(),
                found: describe(&value),
            });
        };
        let (header, events, stats) = dialect::session_from_map(map, first_line)?;
        validate_header(&header, first_line)?;
        self.header = header;
        self.stats = stats;
        self.pending = events.into_iter().map(|e| (first_line, e)).collect();
        self.dialect = Dialect::SessionObject;
        Ok(())
    }

    /// Apply the whole-file rules to an event read from `line`.
    fn accept(&mut self, event: &Event, line: u64) -> Result<(), HailError> {
        validate_event(event, line)?;
        if let Some(ids) = &mut self.ids {
            let found = ids
                .insert(&event.event_id, self.events, line)
                .map_err(|e| spill_error(e, line))?;
            if let Some(failure) = ids.take_spill_failure() {
                self.warn(
                    line,
                    "duplicate_check_in_memory",
                    format!(
                        "no temporary file for the duplicate-id check ({failure}); the ids from here on are kept in memory"
                    ),
                );
            }
            if let Some(d) = found {
                return Err(duplicate(d));
            }
        }
        if let Some(prev) = self.last_timestamp
            && event.timestamp < prev
        {
            self.warn(
                line,
                "timestamp_backwards",
                format!(
                    "timestamp {} is before the previous event's {}",
                    event.timestamp.to_rfc3339(),
                    prev.to_rfc3339()
                ),
            );
        }
        self.last_timestamp = Some(event.timestamp);
        if self.stats.is_some() && self.dialect == Dialect::Hail1 {
            self.warn(
                line,
                "event_after_stats",
                "an event follows a stats line".into(),
            );
        }
        self.events += 1;
        Ok(())
    }

    fn next_event(&mut self) -> Result<Option<Event>, HailError> {
        if let Some((line, event)) = self.pending.pop_front() {
            self.accept(&event, line)?;
            return Ok(Some(event));
        }
        if self.dialect == Dialect::SessionObject {
            return self.end();
        }
        loop {
            let newline = match self.read_line()? {
                Line::Eof => return self.end(),
                Line::Text { newline } => newline,
            };
            let line = self.line;
            let bytes = self.buf.trim_ascii();
            if bytes.is_empty() {
                continue;
            }
            if !newline
                && self.opts.skip_torn_last_line
                && serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err()
            {
                let len = bytes.len();
                self.warn(
                    line,
                    "torn_last_line",
                    format!("the last line ({len} bytes, no newline) is incomplete; skipped"),
                );
                return self.end();
            }
            if self.dialect == Dialect::Hail01 {
                let value: Value =
                    serde_json::from_slice(bytes).map_err(|e| self.classify(&e, newline, None))?;
                let prev = self
                    .last_timestamp
                    .unwrap_or(self.header.context.created_at);
                let event = dialect::event_0_1(value, line, &self.header.session_id, prev)?;
                self.accept(&event, line)?;
                return Ok(Some(event));
            }
            if bytes.starts_with(EVENT_PREFIX) {
                if self.for_summary
                    && let Some(event) = slim::summary_event(bytes, line, &self.header.session_id)
                {
                    self.accept(&event, line)?;
                    return Ok(Some(event));
                }
                let event = event_from_slice(bytes, line, &self.header.session_id);
                let event = match event {
                    Err(HailError::Json { .. }) => {
                        // Re-parse only to classify (UTF-8, truncation) on the error path.
                        let e = serde_json::from_slice::<Value>(self.buf.trim_ascii())
                            .err()
                            .map(|e| self.classify(&e, newline, None));
                        return Err(e.unwrap_or_else(|| {
                            HailError::field(line, "(line)", "a HAIL event object")
                        }));
                    }
                    other => other?,
                };
                self.accept(&event, line)?;
                return Ok(Some(event));
            }
            let value: Value =
                serde_json::from_slice(bytes).map_err(|e| self.classify(&e, newline, None))?;
            match value.get("type").and_then(Value::as_str) {
                Some("event") => {
                    let event = event_from_value(value, line, &self.header.session_id)?;
                    self.accept(&event, line)?;
                    return Ok(Some(event));
                }
                Some("stats") => {
                    let Value::Object(map) = value else {
                        continue;
                    };
                    self.stats = Some(dialect::stats_from_map(map, line)?);
                }
                Some("header") => {
                    return Err(HailError::SecondHeader {
                        line,
                        first_line: 1,
                    });
                }
                _ => {
                    return Err(HailError::NotHail {
                        line,
                        expected: "a line with \"type\" \"event\" or \"stats\"".into(),
                        found: describe(&value),
                    });
                }
            }
        }
    }

    fn end(&mut self) -> Result<Option<Event>, HailError> {
        if self.events == 0 {
            return Err(HailError::NoEvents { line: self.line });
        }
        if let Some(ids) = &mut self.ids
            && let Some(d) = ids.finish().map_err(|e| spill_error(e, self.line))?
        {
            return Err(duplicate(d));
        }
        Ok(None)
    }
}

fn duplicate(d: Duplicate) -> HailError {
    HailError::DuplicateEventId {
        line: d.line,
        event_id: d.event_id,
        first_line: d.first_line,
    }
}

/// A failure of the duplicate check's temporary file, told apart from a failure of the input.
fn spill_error(e: std::io::Error, line: u64) -> HailError {
    HailError::Io {
        line,
        source: std::io::Error::new(
            e.kind(),
            format!("the duplicate-id check's temporary file: {e}"),
        ),
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = Result<Event, HailError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_event() {
            Ok(Some(e)) => Some(Ok(e)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(e))
            }
        }
    }
}

/// A short description of a JSON value for error messages (never the whole value).
pub(crate) fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(_) => "a boolean".into(),
        Value::Number(_) => "a number".into(),
        Value::String(_) => "a string".into(),
        Value::Array(_) => "a JSON array".into(),
        Value::Object(map) => {
            let keys: Vec<&str> = map.keys().take(6).map(String::as_str).collect();
            format!("an object with keys {keys:?}")
        }
    }
}

/// A whole file read and summarized.
#[derive(Debug, Clone)]
pub struct SessionFile {
    pub header: Header,
    pub dialect: Dialect,
    pub summary: SessionSummary,
    /// The file's own stats line, if it had one.
    pub stats: Option<Stats>,
    pub warnings: Vec<HailWarning>,
}

/// Read, validate and summarize a whole HAIL input in one streaming pass.
pub fn summarize<R: BufRead>(input: R, opts: ReadOptions) -> Result<SessionFile, HailError> {
    let mut reader = Reader::with_options(input, opts)?;
    reader.for_summary = true;
    let mut summary = SessionSummary::new(&reader.header().session_id);
    summary.apply_header(reader.header());
    for event in reader.by_ref() {
        summary.fold(&event?);
    }
    summary.settle();
    Ok(SessionFile {
        header: reader.header,
        dialect: reader.dialect,
        summary,
        stats: reader.stats,
        warnings: reader.warnings,
    })
}

/// [`summarize`] a file on disk, through a 256 KiB buffer.
pub fn read_file(path: impl AsRef<Path>, opts: ReadOptions) -> Result<SessionFile, HailError> {
    let file =
        std::fs::File::open(path.as_ref()).map_err(|source| HailError::Io { line: 0, source })?;
    summarize(BufReader::with_capacity(256 << 10, file), opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = r#"{"type":"header","version":"hail-1.0.0","session_id":"s1","agent":{"provider":"openai","model":"gpt-5.4","tool":"codex"},"context":{"tags":[],"created_at":"2026-03-04T03:52:32Z","updated_at":"2026-03-04T03:52:32Z"}}"#;

    fn event(id: &str, ts: &str) -> String {
        format!(
            r#"{{"type":"event","event_id":"{id}","timestamp":"{ts}","event_type":{{"type":"UserMessage"}},"content":{{"blocks":[]}}}}"#
        )
    }

    fn err_of(text: &[u8]) -> HailError {
        let read = || -> Result<(), HailError> {
            for e in Reader::new(text)? {
                e?;
            }
            Ok(())
        };
        match read() {
            Err(e) => e,
            Ok(()) => panic!("accepted: {}", String::from_utf8_lossy(text)),
        }
    }

    #[test]
    fn streams_events_and_warns_on_backwards_time() {
        let text = format!(
            "{HEADER}\n{}\n\n{}\n",
            event("a", "2026-03-04T03:52:40Z"),
            event("b", "2026-03-04T03:52:39Z")
        );
        let mut r = Reader::new(text.as_bytes()).unwrap();
        let ids: Vec<String> = r.by_ref().map(|e| e.unwrap().event_id).collect();
        assert_eq!(ids, ["a", "b"]);
        assert_eq!(r.warnings().len(), 1);
        assert_eq!(r.warnings()[0].line, 4);
        assert_eq!(r.warnings()[0].kind, "timestamp_backwards");
    }

    #[test]
    fn bad_input_names_its_line() {
        let e1 = event("a", "2026-03-04T03:52:40Z");
        let cases: Vec<(Vec<u8>, &str, u64)> = vec![
            (
                format!("{HEADER}\n{e1}\n{e1}\n").into(),
                "duplicate_event_id",
                3,
            ),
            (
                format!("{HEADER}\n{e1}\n{HEADER}\n").into(),
                "second_header",
                3,
            ),
            (format!("{e1}\n").into(), "missing_header", 1),
            (b"[1,2]\n".to_vec(), "not_hail", 1),
            (format!("{HEADER}\n{}", &e1[..40]).into(), "truncated", 2),
            (
                format!("{HEADER}\n{{\"role\":\"x\"}}\n").into(),
                "not_hail",
                2,
            ),
            (format!("{HEADER}\n").into(), "no_events", 1),
            (b"".to_vec(), "missing_header", 1),
        ];
        for (text, kind, line) in cases {
            let e = err_of(&text);
            assert_eq!((e.kind(), e.line()), (kind, line), "{e}");
        }
        let mut bad = format!("{HEADER}\n").into_bytes();
        bad.extend_from_slice(br#"{"type":"event","event_id":"a"#);
        bad.extend_from_slice(&[0xff, 0xfe]);
        bad.extend_from_slice(b"\"}\n");
        let e = err_of(&bad);
        assert_eq!((e.kind(), e.line()), ("invalid_utf8", 2), "{e}");
    }

    #[test]
    fn a_line_over_the_limit_is_refused_without_buffering_it() {
        let long = format!("{HEADER}\n{}\n", "x".repeat(5000));
        let opts = ReadOptions {
            max_line_bytes: 1024,
            ..ReadOptions::default()
        };
        let mut r =
            Reader::with_options(BufReader::with_capacity(64, long.as_bytes()), opts.clone())
                .unwrap();
        let e = r.next().unwrap().unwrap_err();
        assert_eq!((e.kind(), e.line()), ("line_too_long", 2));
        assert!(r.buf.capacity() <= 2048);
        assert!(r.next().is_none(), "the reader stops after an error");
    }

    #[test]
    fn without_a_temporary_directory_the_check_warns_and_stays_exact() {
        let ids = ["a", "b", "c", "d", "e", "c", "f"];
        let mut text = format!("{HEADER}\n");
        for id in ids {
            text.push_str(&event(id, "2026-03-04T03:52:40Z"));
            text.push('\n');
        }
        let opts = ReadOptions {
            ids_in_memory: 2,
            ..ReadOptions::default()
        };
        let mut r = Reader::with_options(text.as_bytes(), opts).unwrap();
        if let Some(ids) = r.ids.as_mut() {
            ids.temp_dir = Some("/nonexistent/hailog-spill".into());
        }
        let e = r.by_ref().find_map(Result::err).unwrap();
        assert_eq!((e.kind(), e.line()), ("duplicate_event_id", 7), "{e}");
        assert!(e.to_string().contains("first on line 4"), "{e}");
        let kinds: Vec<_> = r
            .warnings()
            .iter()
            .map(|w| (w.kind.as_str(), w.line))
            .collect();
        assert_eq!(kinds, [("duplicate_check_in_memory", 3)]);
    }

    #[test]
    fn a_torn_last_line_is_skipped_with_a_warning_only_when_asked() {
        let whole = event("b", "2026-03-04T03:52:41Z");
        let a = event("a", "2026-03-04T03:52:40Z");
        let opts = ReadOptions {
            skip_torn_last_line: true,
            ..ReadOptions::default()
        };
        // Cut inside the JSON and inside a multi-byte character: both are torn writes.
        let torn_utf8 = format!("{HEADER}\n{a}\n{{\"type\":\"event\",\"event_id\":\"\u{e9}");
        let torn_utf8 = &torn_utf8.as_bytes()[..torn_utf8.len() - 1];
        for text in [
            format!("{HEADER}\n{a}\n{}", &whole[..50]).into_bytes(),
            torn_utf8.to_vec(),
        ] {
            let mut r = Reader::with_options(&text[..], opts.clone()).unwrap();
            let ids: Vec<String> = r.by_ref().map(|e| e.unwrap().event_id).collect();
            assert_eq!(ids, ["a"]);
            assert_eq!(r.warnings().len(), 1);
            assert_eq!(
                (r.warnings()[0].kind.as_str(), r.warnings()[0].line),
                ("torn_last_line", 3)
            );

            // The strict default still refuses the file.
            let e = err_of(&text);
            assert!(matches!(e.kind(), "truncated" | "invalid_utf8"), "{e}");
        }
        // A complete last line without its newline is an event, not a torn line.
        let text = format!("{HEADER}\n{a}\n{whole}");
        let mut r = Reader::with_options(text.as_bytes(), opts).unwrap();
        assert_eq!(r.by_ref().filter(|e| e.is_ok()).count(), 2);
        assert!(r.warnings().is_empty());
    }
}
