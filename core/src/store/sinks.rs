//! Sinks besides SQLite. The writer thread hands each of them the events it has just made
//! durable (with SQLite present: only events stored for the first time, so a replay reaches no
//! sink twice).

use super::StorageError;
use crate::Event;
use std::sync::{Arc, Mutex, MutexGuard};

/// Something the writer thread delivers stored events to. Runs on the writer thread, never on the
/// caller's.
pub trait Sink: Send {
    /// A short name used in error messages.
    fn name(&self) -> &'static str;
    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError>;
    /// Makes everything written so far durable (for file sinks: fsync).
    fn flush(&mut self) -> Result<(), StorageError> {
        Ok(())
    }
}

/// Keeps every event in memory; clone the handle to read them back (tests, dashboards).
#[derive(Clone, Default)]
pub struct MemorySink {
    events: Arc<Mutex<Vec<Event>>>,
}

impl MemorySink {
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Event>> {
        // A poisoned lock only means another thread panicked while pushing; the data is intact.
        self.events.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A copy of every event received so far, in arrival order.
    pub fn events(&self) -> Vec<Event> {
        self.lock().clone()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Sink for MemorySink {
    fn name(&self) -> &'static str {
        "memory"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError> {
        self.lock().extend(events.iter().map(|e| (*e).clone()));
        Ok(())
    }
}

/// Calls a function for every stored event (forwarding to another system, live dashboards).
pub struct CallbackSink {
    callback: Box<dyn FnMut(&Event) + Send>,
}

impl CallbackSink {
    pub fn new(callback: impl FnMut(&Event) + Send + 'static) -> Self {
        CallbackSink {
            callback: Box::new(callback),
        }
    }
}

impl Sink for CallbackSink {
    fn name(&self) -> &'static str {
        "callback"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError> {
        // A panicking callback must not kill the writer thread (and with it every later event).
        for ev in events {
            let call = std::panic::AssertUnwindSafe(|| (self.callback)(ev));
            if std::panic::catch_unwind(call).is_err() {
                return Err(StorageError::Sink {
                    sink: "callback",
                    message: format!("the callback panicked on event {}", ev.event_id),
                });
            }
        }
        Ok(())
    }
}

/// Appends each session's events to `<dir>/<session id>.hail.jsonl` (canonical HAIL lines; a
/// `hail-1.0.0` header starts each new file). Files are only ever appended to.
pub struct HailJsonlSink {
    dir: std::path::PathBuf,
    open: std::collections::HashMap<String, std::fs::File>,
    buf: Vec<u8>,
    /// Length of each file touched by the current `write` before it started, so a failed
    /// write can be undone and the writer's retry of the same events appends them once.
    started: std::collections::HashMap<String, u64>,
}

/// The most files the sink keeps open; beyond that it closes them all and reopens on demand.
const MAX_OPEN: usize = 256;

impl HailJsonlSink {
    pub fn new(dir: impl Into<std::path::PathBuf>) -> Self {
        HailJsonlSink {
            dir: dir.into(),
            open: std::collections::HashMap::new(),
            buf: Vec::with_capacity(4096),
            started: std::collections::HashMap::new(),
        }
    }

    /// The file of a session. Characters outside `A-Za-z0-9._-` are written `%XX`, so any
    /// session id gives one safe file name.
    pub fn path_of(&self, session_id: &str) -> std::path::PathBuf {
        let mut name = String::with_capacity(session_id.len() + 11);
        for b in session_id.bytes() {
            if b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'-')
                || (b == b'.' && !name.is_empty())
            {
                name.push(b as char);
            } else {
                name.push_str(&format!("%{b:02X}"));
            }
        }
        self.dir.join(format!("{name}.hail.jsonl"))
    }

    fn file(&mut self, ev: &Event) -> Result<&mut std::fs::File, StorageError> {
        use std::io::Write;
        if !self.open.contains_key(&ev.session_id) {
            if self.open.len() >= MAX_OPEN {
                self.open.clear();
            }
            let path = self.path_of(&ev.session_id);
            if !self.dir.is_dir() {
                // The directory is the sink's own (created at open); make it again if removed.
                std::fs::create_dir_all(&self.dir).map_err(|source| StorageError::Io {
                    path: self.dir.clone(),
                    source,
                })?;
            }
            let io = |source| StorageError::Io {
                path: path.clone(),
                source,
            };
            let mut file = std::fs::OpenOptions::new()
                .create(true)
                .read(true)
                .append(true)
                .open(&path)
                .map_err(io)?;
            let len = cut_torn_tail(&mut file).map_err(io)?;
            if len == 0 {
                let agent = crate::hail::Agent {
                    provider: ev.provider.clone().unwrap_or_else(|| "unknown".into()),
                    model: ev.model.clone().unwrap_or_else(|| "unknown".into()),
                    tool: ev.agent.clone().unwrap_or_else(|| "hailog".into()),
                    tool_version: None,
                    extra: Default::default(),
                };
                let header = crate::hail::Header::new(ev.session_id.clone(), agent, ev.timestamp);
                let mut line = Vec::new();
                crate::hail::write_header_line(&header, &mut line);
                file.write_all(&line).map_err(io)?;
            }
            self.open.insert(ev.session_id.clone(), file);
        }
        self.open
            .get_mut(&ev.session_id)
            .ok_or_else(|| StorageError::Sink {
                sink: "hail",
                message: "file vanished".into(),
            })
    }
}

impl Sink for HailJsonlSink {
    fn name(&self) -> &'static str {
        "hail"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), StorageError> {
        self.started.clear();
        let mut buf = std::mem::take(&mut self.buf);
        let result = self.append_all(events, &mut buf);
        self.buf = buf;
        if result.is_err() {
            // All or nothing: cut each touched file back to where this write found it, so the
            // retry neither duplicates the lines that made it nor appends after half a line.
            // The handles are dropped so the next open checks the tail again if a cut failed.
            for (session, len) in std::mem::take(&mut self.started) {
                self.open.remove(&session);
                let path = self.path_of(&session);
                if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
                    let _ = file.set_len(len);
                }
            }
        }
        result
    }
}

impl HailJsonlSink {
    fn append_all(&mut self, events: &[&Event], buf: &mut Vec<u8>) -> Result<(), StorageError> {
        use std::io::Write;
        for ev in events {
            buf.clear();
            crate::hail::write_event_line(ev, buf);
            let path = self.path_of(&ev.session_id);
            let io = |source| StorageError::Io {
                path: path.clone(),
                source,
            };
            let first_touch = !self.started.contains_key(&ev.session_id);
            if first_touch
                && let Some(open) = self.open.get(&ev.session_id)
                && !names_file(&path, open)
            {
                // Deleted (with its directory, perhaps) or replaced: lines written to the old
                // handle would reach no one, so reopen at the path.
                self.open.remove(&ev.session_id);
            }
            let file = self.file(ev)?;
            if first_touch {
                let len = file.metadata().map_err(&io)?.len();
                self.started.insert(ev.session_id.clone(), len);
            }
            let file = self.file(ev)?;
            file.write_all(buf).map_err(io)?;
        }
        Ok(())
    }
}

/// Whether `path` still names the file `open` was opened from.
#[cfg(unix)]
fn names_file(path: &std::path::Path, open: &std::fs::File) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), open.metadata()) {
        (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
        _ => false,
    }
}

/// Elsewhere an open file cannot be deleted; only its presence is checked.
#[cfg(not(unix))]
fn names_file(path: &std::path::Path, _open: &std::fs::File) -> bool {
    path.exists()
}

/// Cuts a file back to its last newline when a writer died in the middle of a line (kill -9,
/// disk full), so the next line starts clean instead of gluing onto half a line. Returns the
/// length after the cut.
fn cut_torn_tail(file: &mut std::fs::File) -> std::io::Result<u64> {
    use std::io::{Read, Seek, SeekFrom};
    let len = file.metadata()?.len();
    let mut end = len;
    let mut block = vec![0u8; 64 << 10];
    while end > 0 {
        let start = end.saturating_sub(block.len() as u64);
        let chunk = &mut block[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = memchr::memrchr(b'\n', chunk) {
            end = start + i as u64 + 1;
            break;
        }
        end = start;
    }
    if end != len {
        file.set_len(end)?;
    }
    Ok(end)
}
