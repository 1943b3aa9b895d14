//! The bounded queue between `log()` and the one writer thread, and that thread's loop: take the
//! oldest chunk of the queue, build and price its compact calls, commit it in one transaction,
//! hand it to the other sinks, publish progress.

use super::budget::Ledger;
use super::queue::{self, Chunk, ChunkQueue, Entry};
use super::quick::{QuickCall, price_call_event};
use super::validate::redact;
use crate::pricing::PriceTable;
use crate::store::{
    BatchOutcome, Checkpointer, ConnectionOptions, FileId, Sink, SqliteStore, StorageError,
};
use crate::{ContentBlock, Event, EventType};
use chrono::DateTime;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Queue state and the in-memory session ledger, behind one lock so `log()` takes one lock.
pub(crate) struct State {
    pub queue: ChunkQueue,
    /// Events ever accepted into the queue; event number `n` is durable once `durable > n`.
    pub accepted: u64,
    pub durable: u64,
    pub flush_requested: bool,
    pub closing: bool,
    pub writer_sleeping: bool,
    /// The last failure of the writer, cleared by the next successful batch.
    pub failure: Option<String>,
    /// Failed attempts so far: a flush reports only a failure newer than its call, so once the
    /// fault clears (disk space freed) the next flush waits for the retry instead of failing.
    pub failed_attempts: u64,
    pub ledger: Ledger,
    pub batches: u64,
    pub duplicates: u64,
    /// Calls queued whose cost the ledger has not been charged with yet (the writer prices them).
    pub calls_pending: u64,
}

pub(crate) struct Shared {
    pub state: Mutex<State>,
    /// The writer waits here.
    pub wake: Condvar,
    /// Flushers and producers blocked on a full queue wait here.
    pub progress: Condvar,
    /// The room of the queue ([`queue::EVENT_ROOM`] per event of the configured capacity).
    pub room: usize,
    /// Queue length at which a producer wakes a sleeping writer early.
    pub wake_at: usize,
    pub interval: Duration,
    pub dropped: AtomicU64,
    pub closed: AtomicBool,
}

impl Shared {
    pub fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding this lock; recover the data rather than cascade.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Asks the writer to take the queue now, then waits at most `wait` for its progress.
    pub fn nudge<'a>(
        &self,
        mut st: MutexGuard<'a, State>,
        wait: Duration,
    ) -> MutexGuard<'a, State> {
        st.flush_requested = true;
        self.wake.notify_one();
        self.progress
            .wait_timeout(st, wait)
            .map(|(g, _)| g)
            .unwrap_or_else(|p| p.into_inner().0)
    }
}

/// Where the writer stores events.
pub(crate) enum WriterDb {
    None,
    Owned(SqliteStore),
    /// The in-memory database, shared with the readers.
    Shared(Arc<Mutex<SqliteStore>>),
}

pub(crate) struct Writer {
    pub shared: Arc<Shared>,
    pub db: WriterDb,
    /// Checkpoints the database file's write-ahead log off this thread.
    pub checkpointer: Option<Checkpointer>,
    pub sinks: Vec<Box<dyn Sink>>,
    pub capture_content: bool,
    /// Event ids already delivered, used for de-duplication only when there is no database.
    pub seen: HashSet<String>,
    /// The database file and how to open it again if it is deleted or replaced while open.
    pub db_file: Option<(FileId, ConnectionOptions)>,
    /// Prices the queued calls, as `log()` prices events.
    pub prices: Option<Arc<PriceTable>>,
}

impl Writer {
    pub fn run(mut self) {
        let mut pending = Batch::default();
        // The chunk last taken, emptied, handed back to the queue with the next lock.
        let mut emptied: Option<Chunk> = None;
        let mut pending_upto = 0u64;
        // The database outcome of `pending` once committed and how many sinks took it, so a
        // retry after a sink failure resumes at the failed sink instead of committing again
        // (which would find only duplicates and deliver nothing).
        let mut committed: Option<(BatchOutcome, usize)> = None;
        loop {
            let mut st = self.shared.lock();
            if let Some(chunk) = emptied.take() {
                st.queue.recycle(chunk);
            }
            if pending.is_empty() {
                let deadline = Instant::now() + self.shared.interval;
                while st.queue.len() < self.shared.wake_at && !st.flush_requested && !st.closing {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    st.writer_sleeping = true;
                    st = self
                        .shared
                        .wake
                        .wait_timeout(st, deadline - now)
                        .map(|(g, _)| g)
                        .unwrap_or_else(|p| p.into_inner().0);
                    st.writer_sleeping = false;
                }
                let Some(mut taken) = st.queue.take_oldest() else {
                    st.flush_requested = false;
                    if st.closing {
                        return;
                    }
                    continue;
                };
                // Every entry is one accepted event, and the queue keeps them in order.
                pending_upto = st.accepted - st.queue.len() as u64;
                // A flush waits for the whole queue: the request stands until it is empty.
                if st.queue.is_empty() {
                    st.flush_requested = false;
                }
                // Producers blocked on a full queue can go on.
                self.shared.progress.notify_all();
                drop(st);
                self.assemble(&mut taken, &mut pending);
                emptied = Some(taken);
            } else {
                drop(st);
            }

            match self.store(pending.events_mut(), &mut committed) {
                Ok(outcome) => {
                    let mut st = self.shared.lock();
                    st.durable = pending_upto;
                    st.failure = None;
                    st.batches += 1;
                    st.duplicates += outcome.inserted.iter().filter(|i| !**i).count() as u64;
                    st.ledger.committed(pending.events(), &outcome);
                    drop(st);
                    pending.clear();
                    self.shared.progress.notify_all();
                }
                Err(e) => {
                    // Keep the batch and retry it: dropping it would lose events. Flushers see the
                    // failure and return it instead of waiting forever.
                    let closing = {
                        let mut st = self.shared.lock();
                        st.failure = Some(e.to_string());
                        st.failed_attempts += 1;
                        self.shared.progress.notify_all();
                        st.closing
                    };
                    if closing {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
        }
    }

    /// Moves the taken entries into `pending` as events, building and pricing the calls, then
    /// charges the calls' costs to the session ledger.
    fn assemble(&mut self, taken: &mut Chunk, pending: &mut Batch) {
        let mut calls = Vec::new();
        for entry in &taken.entries {
            match entry {
                Entry::Event(k) => pending.take(&mut taken.events[*k]),
                Entry::Call(call) | Entry::ChargedCall(call) => {
                    if matches!(entry, Entry::Call(_)) {
                        calls.push(pending.len);
                    }
                    price_call_event(self.prices.as_deref(), pending.push_call(call));
                }
            }
        }
        // Drops the calls and the events swapped out of `pending`, outside the lock.
        taken.clear();
        if calls.is_empty() {
            return;
        }
        let mut st = self.shared.lock();
        for &i in &calls {
            let ev = &pending.events()[i];
            // No limit applied when the call was queued, and `log()` waits for this charge
            // before judging any limit, so this records the spend and yields no alert; were
            // one to appear it is queued like any other.
            let (_, extra) = st.ledger.charge(ev, crate::store::usd_of(ev));
            st.accepted += extra.len() as u64;
            st.queue.extend_events(extra);
        }
        st.calls_pending -= calls.len() as u64;
        drop(st);
        self.shared.progress.notify_all();
    }

    fn store(
        &mut self,
        batch: &mut [Event],
        committed: &mut Option<(BatchOutcome, usize)>,
    ) -> Result<BatchOutcome, StorageError> {
        let (outcome, mut done) = match committed.take() {
            Some(resume) => resume,
            None => (self.commit(batch)?, 0),
        };
        if done < self.sinks.len() {
            let fresh: Vec<&Event> = batch
                .iter()
                .zip(&outcome.inserted)
                .filter_map(|(e, new)| new.then_some(e))
                .collect();
            while let Some(sink) = self.sinks.get_mut(done).filter(|_| !fresh.is_empty()) {
                if let Err(e) = sink.write(&fresh).and_then(|()| sink.flush()) {
                    *committed = Some((outcome, done));
                    return Err(e);
                }
                done += 1;
            }
        }
        Ok(outcome)
    }

    /// When the database file was deleted (its directory removed) or replaced, opens the file
    /// at the same path again once that is possible; until then the batch stays queued and the
    /// error says why, instead of SQLite writing into a file no one can open.
    fn check_file(&mut self) -> Result<(), StorageError> {
        let Some((file, opts)) = &mut self.db_file else {
            return Ok(());
        };
        if file.check().is_ok() {
            return Ok(());
        }
        let moved = || StorageError::Moved {
            path: file.path.clone(),
        };
        let mut conn = crate::store::open_file(&file.path, opts).map_err(|_| moved())?;
        // The old thread checkpoints a file no longer there: stop it before starting one here.
        self.checkpointer = None;
        self.checkpointer = Checkpointer::start(&mut conn, &file.path, opts).ok();
        self.db = WriterDb::Owned(SqliteStore::new(conn));
        *file = FileId::of(&file.path);
        Ok(())
    }

    fn commit(&mut self, batch: &mut [Event]) -> Result<BatchOutcome, StorageError> {
        self.check_file()?;
        for ev in batch.iter_mut() {
            redact_event(ev, self.capture_content);
        }
        Ok(match &mut self.db {
            WriterDb::Owned(store) => store.write_batch(batch)?,
            WriterDb::Shared(store) => store
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .write_batch(batch)?,
            WriterDb::None => BatchOutcome {
                inserted: batch
                    .iter()
                    .map(|e| self.seen.insert(e.event_id.clone()))
                    .collect(),
                ..BatchOutcome::default()
            },
        })
    }
}

/// The events of the batch being stored: the first `len` of `events`. The events after them
/// belong to earlier batches and are kept to be rewritten in place for the calls of the next
/// one, so building an event from a call neither allocates its strings nor frees them again.
#[derive(Default)]
struct Batch {
    events: Vec<Event>,
    len: usize,
}

impl Batch {
    fn events(&self) -> &[Event] {
        &self.events[..self.len]
    }

    fn events_mut(&mut self) -> &mut [Event] {
        &mut self.events[..self.len]
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Adds `ev`, leaving in its place an event to be dropped with the queue's chunk.
    fn take(&mut self, ev: &mut Event) {
        match self.events.get_mut(self.len) {
            Some(slot) => std::mem::swap(slot, ev),
            None => {
                let empty = Event::with_id("", "", DateTime::UNIX_EPOCH, EventType::UserMessage);
                self.events.push(std::mem::replace(ev, empty));
            }
        }
        self.len += 1;
    }

    /// Adds the event of `call`, rewriting a kept event when there is one.
    fn push_call(&mut self, call: &QuickCall) -> &mut Event {
        let i = self.len;
        match self.events.get_mut(i) {
            Some(slot) => call.write_into(slot),
            None => self.events.push(call.clone().into_event()),
        }
        self.len += 1;
        &mut self.events[i]
    }

    /// Ends the batch. The events kept for reuse are bounded by one chunk of the queue; those
    /// past it are dropped (their strings freed) here, outside the lock.
    fn clear(&mut self) {
        self.len = 0;
        self.events.truncate(queue::CHUNK);
    }
}

/// Redacts secrets in the error text and, when content is captured, in every content block.
fn redact_event(ev: &mut Event, content: bool) {
    let fix = |s: &mut String| {
        if let Some(clean) = redact(s) {
            *s = clean;
        }
    };
    if let Some(err) = &mut ev.error {
        fix(err);
    }
    if !content {
        return;
    }
    for block in &mut ev.content {
        match block {
            ContentBlock::Text { text } => fix(text),
            ContentBlock::Code { code, .. } => fix(code),
            ContentBlock::File {
                content: Some(c), ..
            } => fix(c),
            ContentBlock::Json { data } => {
                let text = data.to_string();
                if let Some(clean) = redact(&text)
                    && let Ok(value) = serde_json::from_str(&clean)
                {
                    *data = value;
                }
            }
            _ => {}
        }
    }
}
