//! Importing other tools' logs into the ledger: Claude Code project JSONL, Codex rollout JSONL and
//! HAIL files, streamed line by line into big store transactions, with stable event ids so that
//! importing the same files again adds nothing.

mod claude_code;
mod codex;
mod hail;

use crate::pricing::{CostOptions, PriceTable};
use crate::store::{SqliteStore, StorageError};
use crate::{Cost, Error, Event, Result};
use serde::Serialize;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

/// The log formats hailog imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Claude Code's `~/.claude/projects/<project>/<session>.jsonl` (and `subagents/` files).
    ClaudeCode,
    /// Codex's `~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`.
    Codex,
    /// HAIL JSONL (`hail-1.0.0`, OpenSession's session object, `hail/0.1`).
    Hail,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::ClaudeCode => "claude-code",
            Source::Codex => "codex",
            Source::Hail => "hail",
        }
    }
}

impl FromStr for Source {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "claude-code" | "claude" => Ok(Source::ClaudeCode),
            "codex" => Ok(Source::Codex),
            "hail" => Ok(Source::Hail),
            other => Err(Error::invalid(
                "from",
                format!("expected claude-code, codex or hail, got {other:?}"),
            )),
        }
    }
}

/// One file to import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportFile {
    pub path: PathBuf,
    pub source: Source,
    pub bytes: u64,
}

/// What [`discover`] found under the given paths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Discovered {
    pub files: Vec<ImportFile>,
    /// `.jsonl` files found in directories whose format could not be told apart.
    pub unrecognized: Vec<PathBuf>,
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |source| {
        StorageError::Io {
            path: path.to_path_buf(),
            source,
        }
        .into()
    }
}

/// Finds the files to import: a file is taken as given, a directory is walked for `*.jsonl`
/// files (in path order, so imports are deterministic). `from = None` tells each file's format
/// from its first lines; a file named explicitly whose format cannot be told is an error.
pub fn discover(paths: &[PathBuf], from: Option<Source>) -> Result<Discovered> {
    let mut out = Discovered::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(io_err(path))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            walk(path, &mut found)?;
            found.sort();
            for file in found {
                match from.map_or_else(|| sniff(&file), |s| Ok(Some(s)))? {
                    Some(source) => out.files.push(ImportFile {
                        bytes: std::fs::metadata(&file).map_err(io_err(&file))?.len(),
                        path: file,
                        source,
                    }),
                    None => out.unrecognized.push(file),
                }
            }
        } else {
            let source = match from {
                Some(s) => s,
                None => sniff(path)?.ok_or_else(|| {
                    Error::invalid(
                        "from",
                        format!(
                            "{}: not a Claude Code, Codex or HAIL log as far as its first lines \
                             tell; pass --from",
                            path.display()
                        ),
                    )
                })?,
            };
            out.files.push(ImportFile {
                path: path.clone(),
                source,
                bytes: meta.len(),
            });
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(io_err(dir))? {
        let entry = entry.map_err(io_err(dir))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(io_err(&path))?;
        if kind.is_dir() {
            walk(&path, out)?;
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "jsonl") {
            out.push(path);
        }
    }
    Ok(())
}

/// Tells a file's format from its first few lines.
pub fn sniff(path: &Path) -> Result<Option<Source>> {
    // Only the start is needed: 64 KiB usually holds several lines; a log whose first lines
    // are longer gets a second look at its first MiB.
    for limit in [64u64 << 10, 1 << 20] {
        let file = File::open(path).map_err(io_err(path))?;
        let mut head = Vec::with_capacity(limit as usize);
        file.take(limit)
            .read_to_end(&mut head)
            .map_err(io_err(path))?;
        let found = sniff_bytes(&head);
        if found.is_some() || (head.len() as u64) < limit {
            return Ok(found);
        }
    }
    Ok(None)
}

fn sniff_bytes(head: &[u8]) -> Option<Source> {
    let has = |hay: &[u8], needle: &str| memchr::memmem::find(hay, needle.as_bytes()).is_some();
    if pair(head, "\"version\"", "\"hail-") && pair(head, "\"events\"", "[") {
        // OpenSession's single session object, possibly pretty-printed over many lines.
        return Some(Source::Hail);
    }
    for line in head.split(|&b| b == b'\n').take(8) {
        if line.trim_ascii().is_empty() {
            continue;
        }
        if pair(line, "\"type\"", "\"header\"")
            || first_pair(line, "\"v\"", "\"hail/")
            || (pair(line, "\"version\"", "\"hail-") && has(line, "\"events\""))
        {
            return Some(Source::Hail);
        }
        if pair(line, "\"type\"", "\"session_meta\"")
            || pair(line, "\"type\"", "\"turn_context\"")
            || (pair(line, "\"type\"", "\"event_msg\"") && has(line, "\"payload\""))
        {
            return Some(Source::Codex);
        }
        if has(line, "\"sessionId\"")
            || pair(line, "\"type\"", "\"summary\"")
            || pair(line, "\"type\"", "\"file-history-snapshot\"")
        {
            return Some(Source::ClaudeCode);
        }
    }
    None
}

/// Spacing writers put between JSON tokens on one line (`"type": "header"` from Python's
/// json.dumps); a newline ends the line being looked at.
fn skip_spacing(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .take_while(|b| matches!(b, b' ' | b'\t' | b'\r'))
        .count();
    &bytes[n..]
}

/// `rest` begins with `:`, then `value_start`, spacing allowed around the colon.
fn colon_then(rest: &[u8], value_start: &str) -> bool {
    skip_spacing(rest)
        .strip_prefix(b":")
        .is_some_and(|after| skip_spacing(after).starts_with(value_start.as_bytes()))
}

/// Whether `hay` holds `quoted_key` (the key with its quotes) followed by a value that begins
/// with `value_start` (spacing allowed around the colon). Found with a vectorized substring
/// search, so a 64 KiB head costs microseconds.
fn pair(hay: &[u8], quoted_key: &str, value_start: &str) -> bool {
    memchr::memmem::find_iter(hay, quoted_key.as_bytes())
        .any(|at| colon_then(&hay[at + quoted_key.len()..], value_start))
}

/// Whether the object on `line` opens with that key and value.
fn first_pair(line: &[u8], quoted_key: &str, value_start: &str) -> bool {
    skip_spacing(line)
        .strip_prefix(b"{")
        .map(skip_spacing)
        .and_then(|rest| rest.strip_prefix(quoted_key.as_bytes()))
        .is_some_and(|rest| colon_then(rest, value_start))
}

/// Import settings.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Prices events whose log carries usage but no cost.
    pub prices: Option<std::sync::Arc<PriceTable>>,
    /// Events per store transaction.
    pub batch_size: usize,
    /// Skipped lines kept with their reason (the rest are only counted).
    pub max_reported_skips: usize,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            prices: Some(PriceTable::builtin()),
            batch_size: 4_096,
            max_reported_skips: 100,
        }
    }
}

/// A line that was not imported, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedLine {
    pub file: PathBuf,
    pub line: u64,
    pub message: String,
}

impl std::fmt::Display for SkippedLine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
    }
}

/// How far an import is (for a progress bar).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Progress {
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
    pub events_added: u64,
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub files: u64,
    pub bytes: u64,
    pub lines: u64,
    /// Events read from the files (after de-duplication inside each file).
    pub events_read: u64,
    /// Events stored now.
    pub events_added: u64,
    /// Events that were already stored (an earlier import or an earlier file).
    pub events_present: u64,
    /// Sessions that received at least one new event.
    pub sessions_touched: u64,
    pub skipped_count: u64,
    /// The first skipped lines with their reasons.
    pub skipped: Vec<SkippedLine>,
}

/// Where a parser puts what it reads: events go to the store in batches through a bounded
/// channel, so memory stays flat whatever the input size.
pub(crate) struct Emit<'a> {
    /// Shared by every file, so small files do not each cost a transaction.
    batch: &'a mut Vec<Event>,
    batch_size: usize,
    tx: &'a SyncSender<Vec<Event>>,
    prices: Option<&'a PriceTable>,
    pub(crate) file: &'a Path,
    skipped: &'a mut Vec<SkippedLine>,
    skipped_count: &'a mut u64,
    max_skips: usize,
    bytes: &'a AtomicU64,
    events: u64,
    lines: u64,
}

impl Emit<'_> {
    /// Prices (when needed), validates and queues one event; an invalid event skips its line.
    pub(crate) fn event(&mut self, mut ev: Event, line: u64) -> Result<()> {
        if ev.cost.is_none()
            && let (Some(usage), Some(model), Some(table)) = (&ev.usage, &ev.model, self.prices)
        {
            let opts = CostOptions {
                provider: ev.provider.clone(),
                at: Some(ev.timestamp),
                ..CostOptions::default()
            };
            // A name several providers serve without a hint cannot be priced: unknown, not $0.
            ev.cost = Some(
                table
                    .cost(model, usage, &opts)
                    .unwrap_or_else(|_| Cost::unpriced()),
            );
        }
        if let Err(e) = crate::recorder::check_event(&ev) {
            self.skip(line, e.to_string());
            return Ok(());
        }
        self.events += 1;
        self.batch.push(ev);
        if self.batch.len() >= self.batch_size {
            self.send()?;
        }
        Ok(())
    }

    pub(crate) fn skip(&mut self, line: u64, message: impl Into<String>) {
        *self.skipped_count += 1;
        if self.skipped.len() < self.max_skips {
            self.skipped.push(SkippedLine {
                file: self.file.to_path_buf(),
                line,
                message: message.into(),
            });
        }
    }

    /// Counts a line and the bytes read so far (the progress bar's clock).
    pub(crate) fn line(&mut self, bytes: usize) {
        self.lines += 1;
        self.bytes.fetch_add(bytes as u64, Ordering::Relaxed);
    }

    fn send(&mut self) -> Result<()> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::replace(self.batch, Vec::with_capacity(self.batch_size));
        self.tx.send(batch).map_err(|_| {
            Error::from(StorageError::Sink {
                sink: "import",
                message: "the store stopped accepting events".into(),
            })
        })
    }
}

/// Reads lines of a file without holding more than one line at a time; calls `f(line_no, bytes)`
/// with the newline stripped. Blank lines are counted but not passed on.
pub(crate) fn for_each_line(
    path: &Path,
    emit: &mut Emit<'_>,
    mut f: impl FnMut(&mut Emit<'_>, u64, &[u8]) -> Result<()>,
) -> Result<()> {
    let file = File::open(path).map_err(io_err(path))?;
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let mut buf = Vec::with_capacity(64 << 10);
    let mut line_no = 0u64;
    loop {
        buf.clear();
        let n = reader.read_until(b'\n', &mut buf).map_err(io_err(path))?;
        if n == 0 {
            return Ok(());
        }
        line_no += 1;
        emit.line(n);
        let line = buf.trim_ascii();
        if !line.is_empty() {
            f(emit, line_no, line)?;
        }
    }
}

/// Reads a JSONL log: `events_of` turns one line into events, or into the reason it is skipped.
pub(crate) fn read_json_lines(
    path: &Path,
    emit: &mut Emit<'_>,
    mut events_of: impl FnMut(&[u8], u64) -> std::result::Result<Vec<Event>, String>,
) -> Result<()> {
    for_each_line(path, emit, |emit, line_no, bytes| {
        match events_of(bytes, line_no) {
            Ok(events) => {
                for ev in events {
                    emit.event(ev, line_no)?;
                }
            }
            Err(message) => emit.skip(line_no, message),
        }
        Ok(())
    })
}

/// Imports `files` into `store`: parsing runs on a second thread while this one writes big
/// transactions. Lines that cannot be read are skipped and reported with their file and line;
/// the rest of the file is still imported. `progress` is called after every transaction.
pub fn import(
    store: &mut SqliteStore,
    files: &[ImportFile],
    opts: &ImportOptions,
    progress: &mut dyn FnMut(&Progress),
) -> Result<ImportReport> {
    let bytes_total: u64 = files.iter().map(|f| f.bytes).sum();
    let saved = tune_for_bulk(store.connection())?;
    let bytes = AtomicU64::new(0);
    let files_done = AtomicU64::new(0);
    let (tx, rx) = sync_channel::<Vec<Event>>(2);
    let mut report = ImportReport {
        files: files.len() as u64,
        ..ImportReport::default()
    };
    let batch_size = opts.batch_size.max(1);
    let (parsed, written) = std::thread::scope(|scope| {
        let parser = scope.spawn(|| {
            let mut skipped = Vec::new();
            let mut skipped_count = 0u64;
            let (mut events, mut lines) = (0u64, 0u64);
            let mut batch = Vec::with_capacity(batch_size);
            let last = files.len().saturating_sub(1);
            for (i, file) in files.iter().enumerate() {
                let mut emit = Emit {
                    batch: &mut batch,
                    batch_size,
                    tx: &tx,
                    prices: opts.prices.as_deref(),
                    file: &file.path,
                    skipped: &mut skipped,
                    skipped_count: &mut skipped_count,
                    max_skips: opts.max_reported_skips,
                    bytes: &bytes,
                    events: 0,
                    lines: 0,
                };
                let result = match file.source {
                    Source::ClaudeCode => claude_code::read(&file.path, &mut emit),
                    Source::Codex => codex::read(&file.path, &mut emit),
                    Source::Hail => hail::read(&file.path, &mut emit),
                };
                let sent = if i == last {
                    result.and_then(|()| emit.send())
                } else {
                    result
                };
                events += emit.events;
                lines += emit.lines;
                sent?;
                files_done.fetch_add(1, Ordering::Relaxed);
            }
            drop(tx);
            Ok::<_, Error>((events, lines, skipped, skipped_count))
        });
        let written = write_all(store, &rx, &mut |added| {
            progress(&Progress {
                files_done: files_done.load(Ordering::Relaxed),
                files_total: files.len() as u64,
                bytes_done: bytes.load(Ordering::Relaxed),
                bytes_total,
                events_added: added,
            })
        });
        // A failed store stops the parser: it sees the channel closed on its next send.
        drop(rx);
        let parsed = parser.join().unwrap_or_else(|_| {
            Err(Error::from(StorageError::Sink {
                sink: "import",
                message: "the parser thread panicked".into(),
            }))
        });
        (parsed, written)
    });
    restore_tuning(store.connection(), saved);
    let (added, present, sessions) = written?;
    let (events, lines, skipped, skipped_count) = parsed?;
    report.bytes = bytes.load(Ordering::Relaxed);
    report.lines = lines;
    report.events_read = events;
    report.events_added = added;
    report.events_present = present;
    report.sessions_touched = sessions;
    report.skipped = skipped;
    report.skipped_count = skipped_count;
    progress(&Progress {
        files_done: files.len() as u64,
        files_total: files.len() as u64,
        bytes_done: report.bytes,
        bytes_total,
        events_added: added,
    });
    Ok(report)
}

/// Connection settings for one bulk import, put back when it ends. The default page cache
/// (about 2 MiB) makes every transaction re-read and re-write the event-id index it just
/// evicted; a fixed 32 MiB cache and rarer WAL checkpoints (each one an fsync) keep writes close
/// to the bytes actually added, and memory stays bounded whatever the input size. Returns the
/// previous `(cache_size, wal_autocheckpoint)`.
fn tune_for_bulk(conn: &rusqlite::Connection) -> Result<(i64, i64)> {
    let sql = |e| StorageError::Sqlite {
        context: "tune the connection for a bulk import".into(),
        source: e,
    };
    let cache_size: i64 = conn
        .query_row("PRAGMA cache_size", [], |r| r.get(0))
        .map_err(sql)?;
    let checkpoint: i64 = conn
        .query_row("PRAGMA wal_autocheckpoint", [], |r| r.get(0))
        .map_err(sql)?;
    conn.execute_batch("PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=16384;")
        .map_err(sql)?;
    Ok((cache_size, checkpoint))
}

fn restore_tuning(conn: &rusqlite::Connection, (cache_size, checkpoint): (i64, i64)) {
    // Best effort: the settings only concern this connection, which the caller may reuse.
    let _ = conn.execute_batch(&format!(
        "PRAGMA cache_size={cache_size}; PRAGMA wal_autocheckpoint={checkpoint}; \
         PRAGMA wal_checkpoint(PASSIVE);"
    ));
}

fn write_all(
    store: &mut SqliteStore,
    rx: &Receiver<Vec<Event>>,
    progress: &mut dyn FnMut(u64),
) -> Result<(u64, u64, u64)> {
    let (mut added, mut present) = (0u64, 0u64);
    let mut sessions: HashSet<String> = HashSet::new();
    for batch in rx {
        let outcome = store.write_batch(&batch)?;
        let n = outcome.inserted.iter().filter(|&&b| b).count() as u64;
        added += n;
        present += batch.len() as u64 - n;
        for (ev, stored) in batch.iter().zip(&outcome.inserted) {
            if *stored && !sessions.contains(&ev.session_id) {
                sessions.insert(ev.session_id.clone());
            }
        }
        progress(added);
    }
    Ok((added, present, sessions.len() as u64))
}

/// An imported event with its stable id, time and producing agent.
pub(crate) fn event_at(
    session: &str,
    id: String,
    event_type: crate::EventType,
    ts: chrono::DateTime<chrono::Utc>,
    agent: &str,
) -> Event {
    let mut ev = Event::new(session, event_type);
    ev.event_id = id;
    ev.timestamp = ts;
    ev.agent = Some(agent.into());
    ev
}

/// Turns `ev` into the session's start, tagged with the producing tool and carrying the log's
/// descriptive fields (working directory, versions, branch) that are present.
pub(crate) fn into_start(mut ev: Event, agent: &str, fields: &[(&str, Option<&str>)]) -> Event {
    let metadata = fields
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_string(), serde_json::Value::String(v.into()))))
        .collect();
    ev.event_type = crate::EventType::custom(crate::event::kinds::METADATA);
    ev.op = Some(crate::SessionOp::Start {
        name: None,
        tags: vec![agent.into()],
        metadata,
    });
    ev
}

/// Parses an RFC 3339 timestamp of a log line.
pub(crate) fn timestamp(text: &str) -> std::result::Result<chrono::DateTime<chrono::Utc>, String> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| format!("timestamp {text:?}: {e}"))
}

/// The file name without `.jsonl`: the session id of a log that names none inside.
pub(crate) fn file_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".hail.jsonl")
        .or_else(|| name.strip_suffix(".jsonl"))
        .unwrap_or(&name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_each_format_from_its_first_lines() {
        let cc = br#"{"type":"summary","summary":"x","leafUuid":"u"}
{"parentUuid":null,"sessionId":"s","type":"user"}"#;
        assert_eq!(sniff_bytes(cc), Some(Source::ClaudeCode));
        let codex =
            br#"{"timestamp":"2025-09-01T00:00:00Z","type":"session_meta","payload":{"id":"x"}}"#;
        assert_eq!(sniff_bytes(codex), Some(Source::Codex));
        let hail = br#"{"type":"header","version":"hail-1.0.0","session_id":"s"}"#;
        assert_eq!(sniff_bytes(hail), Some(Source::Hail));
        let spaced = br#"{"type": "header", "version": "hail-1.0.0", "session_id": "s"}"#;
        assert_eq!(sniff_bytes(spaced), Some(Source::Hail));
        let pretty =
            b"{\n  \"version\": \"hail-1.0.0\",\n  \"session_id\": \"s\",\n  \"events\": [\n";
        assert_eq!(sniff_bytes(pretty), Some(Source::Hail));
        assert_eq!(sniff_bytes(b"{\"a\":1}\n"), None);
        assert_eq!(sniff_bytes(b""), None);
        // hail/0.1 opens with its version key, spaced or not; elsewhere on the line it is data.
        assert_eq!(
            sniff_bytes(b"{\"v\":\"hail/0.1\",\"s\":1}"),
            Some(Source::Hail)
        );
        assert_eq!(
            sniff_bytes(b" { \"v\" :\t\"hail/0.1\"}"),
            Some(Source::Hail)
        );
        assert_eq!(sniff_bytes(b"{\"a\":1,\"v\":\"hail/0.1\"}"), None);
        // Spacing around the colon, and tabs and carriage returns, as writers emit them.
        let cc_spaced = b"{\"type\" :\t\"summary\", \"summary\": \"x\"}\r\n";
        assert_eq!(sniff_bytes(cc_spaced), Some(Source::ClaudeCode));
        let codex_spaced = b"{\"type\": \"event_msg\", \"payload\": {}}";
        assert_eq!(sniff_bytes(codex_spaced), Some(Source::Codex));
        // The key must be followed by the value: a key that only names a string elsewhere,
        // or a value on another line, does not count.
        assert_eq!(sniff_bytes(b"{\"note\":\"type\",\"x\":\"header\"}"), None);
        assert_eq!(sniff_bytes(b"{\"type\":\n\"header\"}"), None);
        // A later occurrence of the key counts when an earlier one does not match.
        let second = b"{\"payload\":{\"type\":\"x\"},\"type\":\"session_meta\"}";
        assert_eq!(sniff_bytes(second), Some(Source::Codex));
    }

    #[test]
    fn source_names_round_trip() {
        for s in [Source::ClaudeCode, Source::Codex, Source::Hail] {
            assert_eq!(s.name().parse::<Source>().ok(), Some(s));
        }
        assert!("cursor".parse::<Source>().is_err());
    }
}
