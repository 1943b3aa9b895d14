//! The incremental stream parser: byte chunks split anywhere go in, the final usage comes out.
//! It frames SSE, NDJSON, Gemini's JSON-array mode and AWS eventstream, and fully decodes only
//! the events that can change the result; plain content deltas are skipped after a byte scan.

use super::acc::Acc;
use super::eventstream::{self, FrameError};
use super::{Provider, Usage, UsageError, json_at};
use memchr::memmem::Finder;
use std::sync::OnceLock;

/// Default bound on one line, event or frame (8 MiB). A longer one is an error, so a stream that
/// never sends a newline cannot grow memory without bound.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// How a stream's bytes are framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// `text/event-stream`: `event:`/`data:` lines, blank-line separated.
    Sse,
    /// One JSON object per line (Ollama).
    Ndjson,
    /// A JSON array streamed element by element (Gemini without `alt=sse`).
    JsonArray,
    /// AWS `application/vnd.amazon.eventstream` binary frames (Bedrock ConverseStream).
    EventStream,
}

/// What one decoded event means for the result, decided by a scan of its bytes.
#[derive(PartialEq)]
enum Weight {
    /// No usage and no state change: content deltas.
    Skip,
    /// Carries a usage snapshot and nothing else: only the latest of a run matters.
    Snapshot,
    /// Changes state (first event, finish, error, terminal): decoded at once.
    Decisive,
}

struct Markers {
    usage: Finder<'static>,
    eval_count: Finder<'static>,
    decisive: Vec<Finder<'static>>,
}

fn markers() -> &'static Markers {
    static M: OnceLock<Markers> = OnceLock::new();
    M.get_or_init(|| Markers {
        usage: Finder::new("sage"), // usage, usageMetadata, Usage
        eval_count: Finder::new("eval_count"),
        decisive: [
            "error",
            "Exception",
            "finish_reason\":\"",
            "finish_reason\": \"",
            "finishReason",
            "stop_reason\":\"",
            "stop_reason\": \"",
            "message_start",
            "message_stop",
            "message-end",
            "message-start",
            "messageStop",
            "stopReason",
            "\"done\":true",
            "\"done\": true",
            "response.completed",
            "response.incomplete",
            "response.failed",
            "response.created",
        ]
        .iter()
        .map(|m| Finder::new(m.as_bytes()).into_owned())
        .collect(),
    })
}

/// Incremental usage parser for a provider stream.
///
/// ```
/// use hailog::usage::StreamParser;
/// let mut p = StreamParser::new(None);
/// p.feed(b"data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",").unwrap();
/// p.feed(b"\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\ndata: [DONE]\n\n").unwrap();
/// let usage = p.finish();
/// assert_eq!((usage.input, usage.output, usage.partial), (Some(5), Some(2), false));
/// ```
pub struct StreamParser {
    acc: Acc,
    framing: Option<Framing>,
    max_event: usize,
    /// Bytes not yet framed (a partial line or frame).
    buf: Vec<u8>,
    /// Absolute stream offset of `buf[0]`.
    buf_offset: u64,
    /// Lines seen (for error positions in line-framed streams).
    line: u64,
    /// The previous line ended with `\r`; a `\n` at the start of the next chunk belongs to it.
    skip_lf: bool,
    // SSE event being assembled.
    sse_event: Option<String>,
    sse_data: Vec<u8>,
    sse_has_data: bool,
    /// Lines that are not SSE fields (a raw error object some providers send unprefixed).
    sse_raw: Vec<u8>,
    // JSON-array framing state.
    arr_depth: u32,
    arr_in_str: bool,
    arr_escape: bool,
    arr_started: bool,
    /// Latest usage-only event not yet decoded, with its event name and position.
    deferred: Vec<u8>,
    deferred_event: Option<String>,
    deferred_at: (u64, Option<u64>),
    has_deferred: bool,
    frames: u64,
    fatal: Option<String>,
}

impl StreamParser {
    /// A parser that detects the framing from the first bytes (eventstream prelude, `[`, `{` or
    /// SSE fields). `provider` is a hint for streams whose events do not say who sent them.
    pub fn new(provider: Option<Provider>) -> Self {
        StreamParser {
            acc: Acc::new(provider),
            framing: if provider == Some(Provider::Ollama) {
                Some(Framing::Ndjson)
            } else {
                None
            },
            max_event: DEFAULT_MAX_EVENT_BYTES,
            buf: Vec::new(),
            buf_offset: 0,
            line: 0,
            skip_lf: false,
            sse_event: None,
            sse_data: Vec::new(),
            sse_has_data: false,
            sse_raw: Vec::new(),
            arr_depth: 0,
            arr_in_str: false,
            arr_escape: false,
            arr_started: false,
            deferred: Vec::new(),
            deferred_event: None,
            deferred_at: (0, None),
            has_deferred: false,
            frames: 0,
            fatal: None,
        }
    }

    /// Forces a framing instead of detecting it.
    pub fn with_framing(mut self, framing: Framing) -> Self {
        self.framing = Some(framing);
        self
    }

    /// Changes the bound on one line, event or frame.
    pub fn with_max_event_bytes(mut self, max: usize) -> Self {
        self.max_event = max.max(64);
        self
    }

    /// Feeds the next chunk of the stream, split anywhere.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<(), UsageError> {
        if let Some(msg) = &self.fatal {
            return Err(UsageError::AlreadyFailed(msg.clone()));
        }
        let r = self.feed_inner(chunk);
        if let Err(e) = &r {
            self.fatal = Some(e.to_string());
        }
        r
    }

    /// Feeds one already-decoded event payload (one JSON object), for transports that did the
    /// framing themselves (an SDK's parsed events, `*.chunks.jsonl` recordings). `event` is the
    /// SSE event name or eventstream event type where known.
    pub fn feed_event(&mut self, event: Option<&str>, payload: &[u8]) -> Result<(), UsageError> {
        if let Some(msg) = &self.fatal {
            return Err(UsageError::AlreadyFailed(msg.clone()));
        }
        let at = self.buf_offset;
        self.buf_offset += payload.len() as u64;
        let r = self.dispatch(event.map(str::to_string), payload, at, None);
        if let Err(e) = &r {
            self.fatal = Some(e.to_string());
        }
        r
    }

    /// The final usage. A stream that ended without its terminator, or failed mid-way, gives
    /// the usage seen so far with `partial: true`.
    pub fn finish(mut self) -> Usage {
        if self.fatal.is_none() {
            // End of input terminates a last line or event that had no trailing newline; a
            // deferred snapshot is decoded now, so its errors surface here.
            let r = self.drain_tail().and_then(|()| self.apply_deferred());
            if let Err(e) = r {
                self.fatal = Some(e.to_string());
            }
        }
        let mut usage = self.acc.to_usage(true);
        if let Some(msg) = self.fatal {
            usage.partial = true;
            usage.anomalies.push(super::Anomaly {
                code: "stream_unreadable".into(),
                message: format!("the stream could not be read to its end: {msg}"),
            });
        }
        usage
    }

    fn feed_inner(&mut self, chunk: &[u8]) -> Result<(), UsageError> {
        let mut chunk = chunk;
        if self.skip_lf && !chunk.is_empty() {
            self.skip_lf = false;
            if chunk[0] == b'\n' {
                chunk = &chunk[1..];
                self.buf_offset += 1;
            }
        }
        if chunk.is_empty() {
            return Ok(());
        }
        if self.framing.is_none() {
            self.buf.extend_from_slice(chunk);
            match self.detect() {
                Some(f) => self.framing = Some(f),
                None => return self.check_bound(),
            }
            let pending = std::mem::take(&mut self.buf);
            let r = self.process(&pending);
            return r;
        }
        self.process(chunk)
    }

    /// Decides the framing once enough bytes are buffered; `None` asks for more.
    fn detect(&self) -> Option<Framing> {
        let b = &self.buf;
        let first = b.iter().position(|c| !c.is_ascii_whitespace());
        if let Some(i) = first {
            match b[i] {
                b'[' => return Some(Framing::JsonArray),
                b'{' => return Some(Framing::Ndjson),
                b'd' | b'e' | b'i' | b'r' | b':'
                    if i == 0 || b[..i].iter().all(|c| *c == b'\n' || *c == b'\r') =>
                {
                    return Some(Framing::Sse);
                }
                _ => {}
            }
        }
        match eventstream::looks_like_frame(b) {
            Some(true) => Some(Framing::EventStream),
            // Not a frame, not JSON, not obviously SSE: read it as SSE, which skips what it
            // does not understand and reports malformed data lines.
            Some(false) => Some(Framing::Sse),
            None => None,
        }
    }

    /// Frames `input` (with anything buffered before it) and dispatches complete events.
    fn process(&mut self, input: &[u8]) -> Result<(), UsageError> {
        match self.framing {
            Some(Framing::EventStream) => self.process_frames(input),
            Some(Framing::JsonArray) => self.process_array(input),
            _ => self.process_lines(input),
        }
    }

    fn process_lines(&mut self, input: &[u8]) -> Result<(), UsageError> {
        let mut rest = input;
        while let Some(i) = memchr::memchr2(b'\n', b'\r', rest) {
            let crlf = rest[i] == b'\r';
            let mut consumed = i + 1;
            if crlf {
                if i + 1 < rest.len() {
                    if rest[i + 1] == b'\n' {
                        consumed += 1;
                    }
                } else {
                    self.skip_lf = true;
                }
            }
            if self.buf.is_empty() {
                let at = self.buf_offset;
                self.buf_offset += consumed as u64;
                self.line_done(&rest[..i], at)?;
            } else {
                let mut line = std::mem::take(&mut self.buf);
                line.extend_from_slice(&rest[..i]);
                let at = self.buf_offset;
                self.buf_offset += (line.len() + consumed - i) as u64;
                let r = self.line_done(&line, at);
                line.clear();
                self.buf = line;
                r?;
            }
            rest = &rest[consumed..];
        }
        self.buf.extend_from_slice(rest);
        self.check_bound()
    }

    fn check_bound(&self) -> Result<(), UsageError> {
        if self.buf.len() > self.max_event {
            return Err(UsageError::EventTooLarge {
                offset: self.buf_offset,
                limit: self.max_event,
            });
        }
        Ok(())
    }

    fn line_done(&mut self, line: &[u8], at: u64) -> Result<(), UsageError> {
        self.line += 1;
        if self.framing == Some(Framing::Ndjson) {
            let trimmed = line.trim_ascii();
            if trimmed.is_empty() {
                return Ok(());
            }
            return self.dispatch(None, trimmed, at, Some(self.line));
        }
        self.sse_line(line, at)
    }

    fn sse_line(&mut self, line: &[u8], at: u64) -> Result<(), UsageError> {
        if line.is_empty() {
            return self.sse_dispatch(at);
        }
        if line[0] == b':' {
            return Ok(()); // comment
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                if self.sse_has_data {
                    self.sse_data.push(b'\n');
                }
                self.sse_data.extend_from_slice(value);
                self.sse_has_data = true;
                if self.sse_data.len() > self.max_event {
                    return Err(UsageError::EventTooLarge {
                        offset: at,
                        limit: self.max_event,
                    });
                }
            }
            b"event" => self.sse_event = Some(String::from_utf8_lossy(value).into_owned()),
            b"id" | b"retry" => {}
            _ => {
                // Not an SSE field: some providers write a bare JSON error object into the
                // stream. Collect such lines and decode them at the next blank line.
                self.sse_raw.extend_from_slice(line);
                self.sse_raw.push(b'\n');
                if self.sse_raw.len() > self.max_event {
                    return Err(UsageError::EventTooLarge {
                        offset: at,
                        limit: self.max_event,
                    });
                }
            }
        }
        Ok(())
    }

    fn sse_dispatch(&mut self, at: u64) -> Result<(), UsageError> {
        if !self.sse_raw.is_empty() {
            let raw = std::mem::take(&mut self.sse_raw);
            let trimmed = raw.trim_ascii();
            if trimmed.first() == Some(&b'{') {
                self.dispatch(None, trimmed, at, Some(self.line))?;
            }
        }
        if !self.sse_has_data {
            self.sse_event = None;
            return Ok(());
        }
        let data = std::mem::take(&mut self.sse_data);
        let event = self.sse_event.take();
        self.sse_has_data = false;
        let trimmed = data.trim_ascii();
        let r = if trimmed == b"[DONE]" {
            self.apply_deferred().map(|_| self.acc.done_marker())
        } else if trimmed.is_empty() {
            Ok(())
        } else {
            self.dispatch(event, trimmed, at, Some(self.line))
        };
        let mut data = data;
        data.clear();
        self.sse_data = data;
        r
    }

    /// End of input: a last line without newline, an event without its blank line.
    fn drain_tail(&mut self) -> Result<(), UsageError> {
        match self.framing {
            Some(Framing::Sse) | Some(Framing::Ndjson) | None => {
                if self.framing.is_none() && !self.buf.is_empty() {
                    self.framing = Some(Framing::Sse);
                }
                if !self.buf.is_empty() {
                    let line = std::mem::take(&mut self.buf);
                    let at = self.buf_offset;
                    self.line_done(&line, at)?;
                }
                if self.framing == Some(Framing::Sse) {
                    let at = self.buf_offset;
                    self.sse_dispatch(at)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn process_frames(&mut self, input: &[u8]) -> Result<(), UsageError> {
        self.buf.extend_from_slice(input);
        let mut start = 0usize;
        let result = loop {
            match eventstream::decode(&self.buf[start..], self.max_event) {
                Ok(None) => break Ok(()),
                Ok(Some((frame, used))) => {
                    self.frames += 1;
                    let at = self.buf_offset + start as u64;
                    let event = if frame.message_type == Some("exception") {
                        frame
                            .exception_type
                            .or(Some("exception"))
                            .map(str::to_string)
                    } else {
                        frame.event_type.map(str::to_string)
                    };
                    let payload = frame.payload.to_vec();
                    start += used;
                    if let Err(e) = self.dispatch(event, &payload, at, None) {
                        break Err(e);
                    }
                }
                Err(e) => {
                    let message = match e {
                        FrameError::Crc {
                            which,
                            expected,
                            actual,
                        } => {
                            format!(
                                "{which} CRC mismatch: expected {expected:#010x}, computed {actual:#010x}"
                            )
                        }
                        FrameError::Malformed(m) => m,
                    };
                    break Err(UsageError::Frame {
                        frame: self.frames,
                        offset: self.buf_offset + start as u64,
                        message,
                    });
                }
            }
        };
        self.buf.drain(..start);
        self.buf_offset += start as u64;
        result?;
        self.check_bound()
    }

    /// Splits a streamed JSON array into its top-level objects with a string-aware depth scan.
    fn process_array(&mut self, input: &[u8]) -> Result<(), UsageError> {
        let mut elem_start: Option<usize> = if self.arr_depth > 0 { Some(0) } else { None };
        let mut owned = std::mem::take(&mut self.buf);
        let base_len = owned.len();
        owned.extend_from_slice(input);
        let bytes = &owned;
        let mut consumed = 0usize;
        let mut i = base_len;
        if self.arr_depth == 0 && base_len > 0 {
            // Only separators were buffered.
            consumed = base_len;
        }
        let mut result = Ok(());
        while i < bytes.len() {
            let c = bytes[i];
            if self.arr_in_str {
                if self.arr_escape {
                    self.arr_escape = false;
                } else if c == b'\\' {
                    self.arr_escape = true;
                } else if c == b'"' {
                    self.arr_in_str = false;
                }
                i += 1;
                continue;
            }
            match c {
                b'"' => self.arr_in_str = true,
                b'[' if !self.arr_started && self.arr_depth == 0 => {
                    self.arr_started = true;
                    consumed = i + 1;
                }
                b'{' | b'[' => {
                    if self.arr_depth == 0 {
                        elem_start = Some(i);
                    }
                    self.arr_depth += 1;
                }
                b'}' | b']' if self.arr_depth > 0 => {
                    self.arr_depth -= 1;
                    if self.arr_depth == 0 {
                        let s = elem_start.take().unwrap_or(consumed);
                        let at = self.buf_offset + s as u64;
                        if let Err(e) = self.dispatch(None, &bytes[s..=i], at, None) {
                            result = Err(e);
                            consumed = i + 1;
                            break;
                        }
                        consumed = i + 1;
                    }
                }
                b']' => {
                    // End of the outer array.
                    consumed = i + 1;
                    self.acc.done = self.acc.done || self.acc.dialect.is_some();
                }
                _ => {
                    if self.arr_depth == 0 {
                        consumed = i + 1;
                    }
                }
            }
            i += 1;
        }
        // Keep an unfinished element (it started at `elem_start`), drop finished bytes.
        let keep_from = if self.arr_depth > 0 {
            elem_start.unwrap_or(0)
        } else {
            consumed
        };
        let keep_from = keep_from.min(bytes.len());
        self.buf_offset += keep_from as u64;
        owned.drain(..keep_from);
        self.buf = owned;
        result?;
        self.check_bound()
    }

    fn classify(&self, payload: &[u8]) -> Weight {
        if self.acc.dialect.is_none() {
            return Weight::Decisive;
        }
        let m = markers();
        if m.decisive.iter().any(|f| f.find(payload).is_some()) {
            return Weight::Decisive;
        }
        if m.usage.find(payload).is_some() || m.eval_count.find(payload).is_some() {
            return Weight::Snapshot;
        }
        Weight::Skip
    }

    /// Routes one complete event payload: decode now, keep as the latest snapshot, or skip.
    fn dispatch(
        &mut self,
        event: Option<String>,
        payload: &[u8],
        at: u64,
        line: Option<u64>,
    ) -> Result<(), UsageError> {
        let weight = if matches!(event.as_deref(), Some("error")) {
            Weight::Decisive
        } else {
            self.classify(payload)
        };
        match weight {
            Weight::Skip => Ok(()),
            Weight::Snapshot => {
                self.deferred.clear();
                self.deferred.extend_from_slice(payload);
                self.deferred_event = event;
                self.deferred_at = (at, line);
                self.has_deferred = true;
                Ok(())
            }
            Weight::Decisive => {
                self.apply_deferred()?;
                self.apply(event.as_deref(), payload, at, line)
            }
        }
    }

    fn apply_deferred(&mut self) -> Result<(), UsageError> {
        if !self.has_deferred {
            return Ok(());
        }
        self.has_deferred = false;
        let payload = std::mem::take(&mut self.deferred);
        let event = self.deferred_event.take();
        let (at, line) = self.deferred_at;
        let r = self.apply(event.as_deref(), &payload, at, line);
        self.deferred = payload;
        r
    }

    fn apply(
        &mut self,
        event: Option<&str>,
        payload: &[u8],
        at: u64,
        line: Option<u64>,
    ) -> Result<(), UsageError> {
        let v = json_at(payload, at, line)?;
        self.acc.apply_event(event, &v, Some(payload))
    }
}
