//! The recorder: `log()` validates on the caller's thread, prices, updates the in-memory session
//! ledger (budgets) and queues (`log_quick()` leaves building and pricing a plain LLM call to the
//! writer); one writer thread makes events durable in batches.

mod budget;
pub(crate) mod ids;
mod lookup;
mod query;
mod queue;
mod quick;
mod validate;
mod writer;

pub use budget::Limits;
pub use ids::reseed_after_fork;
pub use lookup::{DayUsage, MAX_CANDIDATES, RefMatch};
pub use query::{
    AgentDay, ExportFormat, SessionFilter, SessionListing, SessionSort, StatRow, StatsBy,
    TraceBreakdown, Window,
};
pub use quick::QuickCall;
pub use validate::{
    KNOWN_KINDS, MAX_ID_BYTES, MAX_JSON_DEPTH, MAX_TOKENS, check_event, check_id, event_type_for,
    redact,
};

use crate::event::{SessionOp, kinds};
use crate::pricing::PriceTable;
use crate::session::{SessionStatus, SessionSummary, StatusThresholds};
use crate::store::{
    CallbackSink, Checkpointer, ConnectionOptions, FileId, MemorySink, SessionRow, Sink,
    SqliteStore, StorageError, Synchronous,
};
use crate::{Cost, Error, Event, EventType, Outcome, Result, Usage};
use budget::Ledger;
use rusqlite::Connection;
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use writer::{Shared, State, Writer, WriterDb};

/// What `log()` does when the queue is full.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FullQueue {
    /// Wait until the writer makes room: nothing is ever lost.
    #[default]
    Block,
    /// Drop the event and count it ([`Stats::dropped`]); `log()` never waits.
    Drop,
}

/// Where the SQLite ledger lives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Database {
    /// `HAILOG_DB` if set, else [`default_db_path`].
    #[default]
    Default,
    Path(PathBuf),
    /// A private in-memory database: queries work, nothing outlives the recorder.
    Memory,
    /// No SQLite at all: events only reach the other sinks.
    None,
}

/// The per-user default database path: `$XDG_DATA_HOME/hailog/hailog.db`, else
/// `~/.local/share/hailog/hailog.db` (`%LOCALAPPDATA%\hailog\hailog.db` on Windows).
pub fn default_db_path() -> Option<PathBuf> {
    let nonempty = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    let base = if cfg!(windows) {
        nonempty("LOCALAPPDATA")
    } else {
        nonempty("XDG_DATA_HOME").or_else(|| nonempty("HOME").map(|h| h.join(".local/share")))
    }?;
    Some(base.join("hailog").join("hailog.db"))
}

/// Everything a recorder is opened with. Build it with [`Recorder::builder`].
pub struct RecorderBuilder {
    database: Database,
    sinks: Vec<Box<dyn Sink>>,
    hail_dir: Option<PathBuf>,
    capacity: usize,
    full_queue: FullQueue,
    conn: ConnectionOptions,
    capture_content: bool,
    interval: Duration,
    session_budget: Limits,
    agent_budgets: HashMap<String, Limits>,
    prices: Option<Arc<PriceTable>>,
    thresholds: StatusThresholds,
}

impl Default for RecorderBuilder {
    fn default() -> Self {
        RecorderBuilder {
            database: Database::Default,
            sinks: Vec::new(),
            hail_dir: None,
            capacity: 65_536,
            full_queue: FullQueue::Block,
            conn: ConnectionOptions::default(),
            capture_content: false,
            interval: Duration::from_millis(50),
            session_budget: Limits::default(),
            agent_budgets: HashMap::new(),
            prices: Some(PriceTable::builtin()),
            thresholds: StatusThresholds::default(),
        }
    }
}

impl RecorderBuilder {
    pub fn database(mut self, database: Database) -> Self {
        self.database = database;
        self
    }

    /// Store the ledger in this SQLite file.
    pub fn path(self, path: impl Into<PathBuf>) -> Self {
        self.database(Database::Path(path.into()))
    }

    pub fn memory(self) -> Self {
        self.database(Database::Memory)
    }

    /// Also append every stored event to `<dir>/<session id>.hail.jsonl` (created if needed).
    pub fn hail_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.hail_dir = Some(dir.into());
        self
    }

    pub fn sink(mut self, sink: impl Sink + 'static) -> Self {
        self.sinks.push(Box::new(sink));
        self
    }

    /// Keep a copy of every stored event in `sink`.
    pub fn memory_sink(self, sink: MemorySink) -> Self {
        self.sink(sink)
    }

    /// Call `f` on the writer thread for every stored event.
    pub fn callback(self, f: impl FnMut(&Event) + Send + 'static) -> Self {
        self.sink(CallbackSink::new(f))
    }

    /// Most events waiting for the writer (default 65,536). A compact call of
    /// [`Recorder::log_quick`] takes a quarter of an event's room, so four times as many calls
    /// can wait, in less memory than the events would take.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.capacity = capacity.max(1);
        self
    }

    pub fn full_queue(mut self, policy: FullQueue) -> Self {
        self.full_queue = policy;
        self
    }

    pub fn synchronous(mut self, synchronous: Synchronous) -> Self {
        self.conn.synchronous = synchronous;
        self
    }

    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.conn.busy_timeout = timeout;
        self
    }

    /// Store prompt and completion text (with secrets redacted). Off by default.
    pub fn capture_content(mut self, on: bool) -> Self {
        self.capture_content = on;
        self
    }

    /// Longest time an unflushed event waits in the queue (default 50 ms).
    pub fn commit_interval(mut self, interval: Duration) -> Self {
        self.interval = interval.max(Duration::from_micros(100));
        self
    }

    /// A USD budget applied to every session that sets none of its own.
    pub fn session_budget(mut self, soft: Option<Decimal>, hard: Option<Decimal>) -> Self {
        self.session_budget = Limits { soft, hard };
        self
    }

    /// A USD budget per agent and UTC day, across all its sessions.
    pub fn agent_budget(
        mut self,
        agent: impl Into<String>,
        soft: Option<Decimal>,
        hard: Option<Decimal>,
    ) -> Self {
        self.agent_budgets
            .insert(agent.into(), Limits { soft, hard });
        self
    }

    /// The price table that costs events logged with usage and no cost (default: the built-in
    /// table); `None` leaves such events unpriced.
    pub fn prices(mut self, table: Option<Arc<PriceTable>>) -> Self {
        self.prices = table;
        self
    }

    /// When a quiet session turns idle and then done.
    pub fn status_thresholds(mut self, thresholds: StatusThresholds) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// Opens the database (errors such as a missing directory or a newer schema surface here)
    /// and starts the writer thread.
    pub fn open(self) -> Result<Recorder> {
        let mut db_file = None;
        let mut checkpointer = None;
        let (writer_db, reader) = match &self.database {
            Database::None => (WriterDb::None, Reader::None),
            Database::Memory => {
                let store = Arc::new(Mutex::new(SqliteStore::new(crate::store::open_memory()?)));
                (WriterDb::Shared(store.clone()), Reader::Memory(store))
            }
            Database::Default | Database::Path(_) => {
                let path = match &self.database {
                    Database::Path(p) => p.clone(),
                    _ => resolve_default_path()?,
                };
                let mut conn = crate::store::open_file(&path, &self.conn)?;
                // Without the thread (it could not start) the writer checkpoints at commit.
                checkpointer = Checkpointer::start(&mut conn, &path, &self.conn).ok();
                db_file = Some((FileId::of(&path), self.conn));
                (
                    WriterDb::Owned(SqliteStore::new(conn)),
                    Reader::File {
                        path,
                        opts: self.conn,
                        conn: Mutex::new(None),
                    },
                )
            }
        };
        let mut sinks = self.sinks;
        if let Some(dir) = &self.hail_dir {
            std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
                path: dir.clone(),
                source,
            })?;
            sinks.insert(0, Box::new(crate::store::HailJsonlSink::new(dir.clone())));
        }
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                queue: queue::ChunkQueue::default(),
                accepted: 0,
                durable: 0,
                flush_requested: false,
                closing: false,
                writer_sleeping: false,
                failure: None,
                failed_attempts: 0,
                ledger: Ledger::new(self.session_budget, self.agent_budgets),
                batches: 0,
                duplicates: 0,
                calls_pending: 0,
            }),
            wake: Condvar::new(),
            progress: Condvar::new(),
            room: self.capacity.saturating_mul(queue::EVENT_ROOM),
            wake_at: (self.capacity / 2).clamp(1, queue::CHUNK),
            interval: self.interval,
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
        });
        let writer = Writer {
            shared: shared.clone(),
            db: writer_db,
            checkpointer,
            sinks,
            capture_content: self.capture_content,
            seen: HashSet::new(),
            db_file,
            prices: self.prices.clone(),
        };
        let handle = std::thread::Builder::new()
            .name("hailog-writer".into())
            .spawn(move || writer.run())
            .map_err(|e| StorageError::Sink {
                sink: "writer",
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Recorder {
            inner: Arc::new(Inner {
                shared,
                writer_thread: handle.thread().id(),
                handle: Mutex::new(Some(handle)),
                reader,
                full_queue: self.full_queue,
                capture_content: self.capture_content,
                prices: self.prices,
                thresholds: self.thresholds,
            }),
        })
    }
}

fn resolve_default_path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("HAILOG_DB").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let path = default_db_path().ok_or_else(|| {
        Error::invalid(
            "database",
            "no HAILOG_DB, XDG_DATA_HOME or HOME to place the default database; pass a path",
        )
    })?;
    // The documented default directory is ours to create; an explicit path's directory is not.
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| StorageError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
    }
    Ok(path)
}

/// How queries reach the database.
enum Reader {
    None,
    Memory(Arc<Mutex<SqliteStore>>),
    File {
        path: PathBuf,
        opts: ConnectionOptions,
        conn: Mutex<Option<Box<(Connection, FileId)>>>,
    },
}

struct Inner {
    shared: Arc<Shared>,
    handle: Mutex<Option<JoinHandle<()>>>,
    writer_thread: std::thread::ThreadId,
    reader: Reader,
    full_queue: FullQueue,
    capture_content: bool,
    prices: Option<Arc<PriceTable>>,
    thresholds: StatusThresholds,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The last handle going away flushes: nothing logged is lost on a normal exit.
        let _ = shutdown(&self.shared, &self.handle);
    }
}

fn shutdown(shared: &Shared, handle: &Mutex<Option<JoinHandle<()>>>) -> Result<()> {
    shared.closed.store(true, Ordering::SeqCst);
    {
        let mut st = shared.lock();
        st.closing = true;
        shared.wake.notify_all();
    }
    let handle = handle.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(h) = handle {
        let _ = h.join();
    }
    let st = shared.lock();
    match &st.failure {
        Some(f) if st.durable < st.accepted => Err(StorageError::Sink {
            sink: "writer",
            message: format!(
                "{} events could not be stored before close: {f}",
                st.accepted - st.durable
            ),
        }
        .into()),
        _ => Ok(()),
    }
}

/// The budget verdict after an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BudgetState {
    Ok,
    /// A soft limit is reached: an alert was recorded; the bot may go on.
    SoftLimit {
        scope: String,
        spent: Decimal,
        limit: Decimal,
    },
    /// A hard limit is reached: the session is paused; the bot should stop spending.
    HardLimit {
        scope: String,
        spent: Decimal,
        limit: Decimal,
    },
}

impl BudgetState {
    fn rank(&self) -> u8 {
        match self {
            BudgetState::Ok => 0,
            BudgetState::SoftLimit { .. } => 1,
            BudgetState::HardLimit { .. } => 2,
        }
    }

    /// The more severe of two states.
    pub fn worst(self, other: BudgetState) -> BudgetState {
        if other.rank() > self.rank() {
            other
        } else {
            self
        }
    }

    pub fn is_hard(&self) -> bool {
        matches!(self, BudgetState::HardLimit { .. })
    }

    pub fn as_str(&self) -> &'static str {
        match self {
            BudgetState::Ok => "ok",
            BudgetState::SoftLimit { .. } => "soft_limit",
            BudgetState::HardLimit { .. } => "hard_limit",
        }
    }
}

/// What `log()` tells the caller.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogReceipt {
    pub event_id: String,
    /// The USD cost of this event; `None` when it has no usage or its model is unpriced.
    pub cost_usd: Option<Decimal>,
    pub budget: BudgetState,
    /// `false` only when the queue was full under [`FullQueue::Drop`] and the event was dropped.
    pub queued: bool,
}

/// A session's budget as `check_budget` sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetCheck {
    pub state: BudgetState,
    pub spent_usd: Decimal,
    pub soft_usd: Option<Decimal>,
    pub hard_usd: Option<Decimal>,
}

/// Counters of the running recorder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// Events accepted into the queue since open.
    pub accepted: u64,
    /// Of those, events durable in every sink.
    pub durable: u64,
    /// Events dropped because the queue was full under [`FullQueue::Drop`].
    pub dropped: u64,
    /// Events that were already stored (same event id) and were counted once.
    pub duplicates: u64,
    /// Transactions committed by the writer.
    pub batches: u64,
    /// The writer's last failure, if it has not recovered yet.
    pub writer_error: Option<String>,
}

/// The session ledger. Cheap to clone; every clone logs into the same queue. Dropping the last
/// clone flushes and stops the writer.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

fn closed() -> Error {
    Error::Closed("the recorder is closed".into())
}

impl Recorder {
    pub fn builder() -> RecorderBuilder {
        RecorderBuilder::default()
    }

    /// Opens the default database (`HAILOG_DB` or the per-user path).
    pub fn open_default() -> Result<Recorder> {
        Recorder::builder().open()
    }

    /// Opens (creating if needed) the SQLite file at `path` with default settings.
    pub fn open(path: impl AsRef<Path>) -> Result<Recorder> {
        Recorder::builder().path(path.as_ref()).open()
    }

    /// Logs one event. Validates it (nothing is queued on error), fills in its USD cost from its
    /// usage when it has none, updates the session's budget and queues it for the writer. Never
    /// does I/O; waits only when the queue is full under [`FullQueue::Block`].
    pub fn log(&self, mut event: Event) -> Result<LogReceipt> {
        let shared = &self.inner.shared;
        if shared.closed.load(Ordering::Relaxed) {
            return Err(closed());
        }
        validate::check_event(&event)?;
        if !self.inner.capture_content {
            event.content.clear();
        }
        if event.cost.is_none() {
            event.cost = quick::price(self.inner.prices.as_deref(), &event)?;
        }
        let cost_usd = crate::store::usd_of(&event);
        let event_id = event.event_id.clone();

        // A budget decision must count the calls queued before this event, which are priced by
        // the writer: wait for it to take them when a limit could apply.
        let sets_budget = matches!(event.op, Some(SessionOp::SetBudget { .. }));
        let mut st = shared.lock();
        loop {
            st = match self.room(st)? {
                Some(st) => st,
                None => {
                    return Ok(LogReceipt {
                        event_id,
                        cost_usd,
                        budget: BudgetState::Ok,
                        queued: false,
                    });
                }
            };
            if st.calls_pending == 0
                || !(sets_budget
                    || st
                        .ledger
                        .limits_apply(&event.session_id, event.agent.as_deref()))
            {
                break;
            }
            st = self.wait_calls_priced(st)?;
        }
        let (budget, extra) = st.ledger.charge(&event, cost_usd);
        st.accepted += 1 + extra.len() as u64;
        st.queue.push_event(event);
        st.queue.extend_events(extra);
        if st.writer_sleeping && st.queue.len() >= shared.wake_at {
            shared.wake.notify_one();
        }
        drop(st);
        Ok(LogReceipt {
            event_id,
            cost_usd,
            budget,
            queued: true,
        })
    }

    /// The queue with room for one more event (`None`: full under [`FullQueue::Drop`], the event
    /// is dropped and counted).
    fn room<'a>(&self, mut st: MutexGuard<'a, State>) -> Result<Option<MutexGuard<'a, State>>> {
        let shared = &self.inner.shared;
        let full = |st: &State| st.queue.room() + queue::EVENT_ROOM > shared.room;
        if !full(&st) {
            return Ok(Some(st));
        }
        match self.inner.full_queue {
            FullQueue::Drop => {
                drop(st);
                shared.dropped.fetch_add(1, Ordering::Relaxed);
                Ok(None)
            }
            FullQueue::Block => {
                while full(&st) {
                    if st.closing {
                        return Err(closed());
                    }
                    shared.wake.notify_one();
                    st = shared.progress.wait(st).unwrap_or_else(|p| p.into_inner());
                }
                Ok(Some(st))
            }
        }
    }

    /// Charges the cost of every queued [`QuickCall`] to the session ledger. Calls still in the
    /// queue are priced and charged here, under the lock (waiting for the writer to take them
    /// could last as long as a storage failure does), and stay queued as calls marked charged:
    /// the writer prices them again from the same table to store them, so a queue full of calls
    /// takes no more memory for it. Calls the writer has taken are charged by it without any
    /// I/O, which is only waited for.
    fn wait_calls_priced<'a>(
        &self,
        mut st: MutexGuard<'a, State>,
    ) -> Result<MutexGuard<'a, State>> {
        let shared = &self.inner.shared;
        if st.calls_pending > 0 {
            let State {
                queue,
                ledger,
                calls_pending,
                accepted,
                ..
            } = &mut *st;
            let mut alerts = Vec::new();
            let prices = self.inner.prices.as_deref();
            *calls_pending -= queue.charge_calls(|call| {
                let mut ev = call.clone().into_event();
                quick::price_call_event(prices, &mut ev);
                alerts.extend(ledger.charge(&ev, crate::store::usd_of(&ev)).1);
            }) as u64;
            *accepted += alerts.len() as u64;
            queue.extend_events(alerts);
        }
        while st.calls_pending > 0 {
            if st.closing && self.writer_gone() {
                return Err(closed());
            }
            st = shared.nudge(st, Duration::from_millis(100));
        }
        Ok(st)
    }

    /// Logs one LLM call from its compact record. Only the checks that can reject it run here
    /// (the same errors [`Recorder::log`] gives); the writer builds the event and prices it.
    /// When a budget limit applies to the session or its agent the call takes the path of
    /// [`Recorder::log`] instead, so the limit is judged with its cost before this returns; so
    /// does a call that finds the queue full.
    /// Returns `false` when the queue was full under [`FullQueue::Drop`].
    pub fn log_quick(&self, call: QuickCall) -> Result<bool> {
        let shared = &self.inner.shared;
        if shared.closed.load(Ordering::Relaxed) {
            return Err(closed());
        }
        call.check(self.inner.prices.as_deref())?;
        let mut st = shared.lock();
        // A full queue means the caller must wait for room: it builds and prices the event in
        // the meantime, which the writer then only stores, and `log()` waits for the room (or
        // drops the event, under `FullQueue::Drop`). Until then the caller does not take that
        // work back: the queue is there to absorb a burst at the cost of the call alone.
        if st.queue.room() >= shared.room
            || st
                .ledger
                .limits_apply(&call.session_id, call.agent.as_deref())
        {
            drop(st);
            return self.log(call.into_event()).map(|r| r.queued);
        }
        st.accepted += 1;
        st.calls_pending += 1;
        st.queue.push_call(call);
        if st.writer_sleeping && st.queue.len() >= shared.wake_at {
            shared.wake.notify_one();
        }
        Ok(true)
    }

    /// Logs one LLM call built from typed arguments (see [`LlmCall`]).
    pub fn log_llm(&self, call: LlmCall) -> Result<LogReceipt> {
        self.log(call.into_event()?)
    }

    /// Logs an event of a named kind (`"tool_call"`, `"note"`, ...; see [`KNOWN_KINDS`]).
    pub fn log_kind(
        &self,
        session_id: &str,
        kind: &str,
        name: Option<&str>,
        outcome: Outcome,
    ) -> Result<LogReceipt> {
        check_id("session_id", session_id)?;
        let mut ev = Event::new(session_id, event_type_for(kind, name)?);
        ev.outcome = outcome;
        if let EventType::ToolCall { name } | EventType::ToolResult { name, .. } = &ev.event_type {
            ev.tool = Some(name.clone());
        }
        self.log(ev)
    }

    /// Returns once every event logged before the call is durable in every sink. `None` waits as
    /// long as it takes; a timeout returns [`Error::FlushTimeout`] with the number still pending.
    pub fn flush(&self, timeout: Option<Duration>) -> Result<()> {
        let shared = &self.inner.shared;
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = shared.lock();
        let target = st.accepted;
        let failed_before = st.failed_attempts;
        while st.durable < target {
            if let Some(f) = st
                .failure
                .as_ref()
                .filter(|_| st.failed_attempts > failed_before)
            {
                return Err(StorageError::Sink {
                    sink: "writer",
                    message: format!("{} events not yet stored: {f}", target - st.durable),
                }
                .into());
            }
            if st.closing && shared.closed.load(Ordering::SeqCst) && self.writer_gone() {
                return Err(closed());
            }
            st.flush_requested = true;
            shared.wake.notify_one();
            let wait = match deadline {
                Some(d) => {
                    let now = Instant::now();
                    if now >= d {
                        return Err(Error::FlushTimeout(
                            timeout.unwrap_or_default(),
                            target - st.durable,
                        ));
                    }
                    (d - now).min(Duration::from_millis(100))
                }
                None => Duration::from_millis(100),
            };
            st = shared
                .progress
                .wait_timeout(st, wait)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        Ok(())
    }

    fn writer_gone(&self) -> bool {
        self.inner
            .handle
            .lock()
            .map(|h| h.is_none())
            .unwrap_or(true)
    }

    /// Flushes and stops the writer. Later calls on any clone return [`Error::Closed`].
    pub fn close(&self) -> Result<()> {
        if self.inner.shared.closed.load(Ordering::SeqCst) && self.writer_gone() {
            return Ok(());
        }
        shutdown(&self.inner.shared, &self.inner.handle)
    }

    pub fn is_closed(&self) -> bool {
        self.inner.shared.closed.load(Ordering::SeqCst)
    }

    pub fn stats(&self) -> Stats {
        let shared = &self.inner.shared;
        let st = shared.lock();
        Stats {
            accepted: st.accepted,
            durable: st.durable,
            dropped: shared.dropped.load(Ordering::Relaxed),
            duplicates: st.duplicates,
            batches: st.batches,
            writer_error: st.failure.clone(),
        }
    }

    /// The budget of a session now: its confirmed and queued spend against its limits (and its
    /// agent's daily limit).
    pub fn check_budget(&self, session_id: &str) -> Result<BudgetCheck> {
        check_id("session_id", session_id)?;
        // Stored first, so the database's total of this session, read below when the ledger
        // has never seen it, cannot also hold events the ledger still counts as queued.
        self.settle();
        let synced = {
            let st = self.wait_calls_priced(self.inner.shared.lock())?;
            st.ledger.status(session_id).3
        };
        if !synced && let Some(row) = self.session_row(session_id)? {
            self.inner
                .shared
                .lock()
                .ledger
                .seed(session_id, row.cost_usd);
        }
        let (state, spent, limits, _) = self.inner.shared.lock().ledger.status(session_id);
        Ok(BudgetCheck {
            state,
            spent_usd: spent,
            soft_usd: limits.soft,
            hard_usd: limits.hard,
        })
    }

    /// Runs a query on the reader connection, retrying while another process holds a lock.
    pub(crate) fn read<T>(
        &self,
        what: &str,
        f: impl Fn(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T> {
        let err = |source| {
            Error::from(StorageError::Sqlite {
                context: what.to_string(),
                source,
            })
        };
        match &self.inner.reader {
            Reader::None => Err(StorageError::NoDatabase.into()),
            Reader::Memory(store) => {
                let store = store.lock().unwrap_or_else(|p| p.into_inner());
                f(store.connection()).map_err(err)
            }
            Reader::File { path, opts, conn } => {
                let mut guard = conn.lock().unwrap_or_else(|p| p.into_inner());
                // A connection to a file since deleted or replaced would answer from stale data.
                if guard.as_ref().is_some_and(|open| open.1.check().is_err()) {
                    *guard = None;
                }
                if guard.is_none() {
                    let c = crate::store::open_reader(path, opts)?;
                    *guard = Some(Box::new((c, FileId::of(path))));
                }
                let c = &guard
                    .as_ref()
                    .ok_or_else(|| err(rusqlite::Error::InvalidQuery))?
                    .0;
                crate::store::retry_busy(|| f(c)).map_err(err)
            }
        }
    }

    /// The stored indexed row of a session (totals, timestamps, name, tags, models).
    pub fn session_row(&self, session_id: &str) -> Result<Option<SessionRow>> {
        check_id("session_id", session_id)?;
        self.read(&format!("read session {session_id:?}"), |c| {
            crate::store::read_session(c, session_id)
        })
    }

    /// Waits until every event logged before the call is stored, so a read that follows counts
    /// it. A writer that fails (and retries) meanwhile does not hold the read up: it then answers
    /// from what is stored. On the writer's own thread (a sink callback) it returns at once.
    pub(crate) fn settle(&self) {
        let shared = &self.inner.shared;
        if std::thread::current().id() == self.inner.writer_thread {
            return;
        }
        let mut st = shared.lock();
        let (target, failed_before) = (st.accepted, st.failed_attempts);
        while st.durable < target && st.failed_attempts == failed_before && !st.closing {
            st = shared.nudge(st, Duration::from_millis(100));
        }
    }

    /// The session summary kept incrementally by the writer (read, not recomputed), counting
    /// every event logged before the call.
    pub fn summary(&self, session_id: &str) -> Result<Option<SessionSummary>> {
        check_id("session_id", session_id)?;
        self.settle();
        self.read(&format!("read summary of {session_id:?}"), |c| {
            crate::store::read_summary(c, session_id)
        })
    }

    /// The derived status of a session at `now` (`None` for an unknown session).
    pub fn status(
        &self,
        session_id: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<SessionStatus>> {
        Ok(self
            .summary(session_id)?
            .map(|s| crate::session::status(&s, now, &self.inner.thresholds)))
    }

    /// The idle and done thresholds this recorder derives statuses with.
    pub fn status_thresholds(&self) -> &StatusThresholds {
        &self.inner.thresholds
    }

    /// How many events the database holds, over all sessions.
    pub fn event_count(&self) -> Result<u64> {
        self.read("count events", |c| {
            c.query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
        })
        .map(|n| n as u64)
    }

    /// Every stored event of a session, in time order.
    pub fn events(&self, session_id: &str) -> Result<Vec<Event>> {
        check_id("session_id", session_id)?;
        self.read(&format!("read events of {session_id:?}"), |c| {
            crate::store::read_events(c, session_id)
        })
    }

    // Session operations: each one is a metadata event, so session state is derived from the
    // event stream and replays reproduce it.

    /// Logs a session operation as a metadata event.
    pub fn session_op(&self, session_id: &str, op: SessionOp) -> Result<LogReceipt> {
        self.log(Event::session_op(session_id, op))
    }

    /// Starts a session explicitly (optional: a session exists from its first event).
    pub fn start_session(
        &self,
        session_id: &str,
        name: Option<&str>,
        agent: Option<&str>,
        tags: &[&str],
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<LogReceipt> {
        let mut ev = Event::session_op(
            session_id,
            SessionOp::Start {
                name: name.map(str::to_string),
                tags: tags.iter().map(|t| t.to_string()).collect(),
                metadata,
            },
        );
        ev.agent = agent.map(str::to_string);
        self.log(ev)
    }

    pub fn end_session(&self, session_id: &str, notes: Option<&str>) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::End {
                notes: notes.map(str::to_string),
            },
        )
    }

    /// Acknowledges every failure logged so far: the session is no longer errored.
    pub fn acknowledge(&self, session_id: &str) -> Result<LogReceipt> {
        self.session_op(session_id, SessionOp::Acknowledge)
    }

    pub fn pause(&self, session_id: &str, reason: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::Pause {
                reason: reason.to_string(),
            },
        )
    }

    pub fn resume(&self, session_id: &str) -> Result<LogReceipt> {
        self.session_op(session_id, SessionOp::Resume)
    }

    pub fn set_name(&self, session_id: &str, name: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::SetName {
                name: name.to_string(),
            },
        )
    }

    pub fn add_tag(&self, session_id: &str, tag: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::AddTag {
                tag: tag.to_string(),
            },
        )
    }

    /// Sets the GitHub repository (`owner/name` or a URL) the session works on.
    pub fn set_repo(&self, session_id: &str, repo: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::SetRepo {
                repo: repo.to_string(),
            },
        )
    }

    pub fn add_pull_request(&self, session_id: &str, url: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::AddPullRequest {
                url: url.to_string(),
            },
        )
    }

    pub fn add_commit(&self, session_id: &str, sha: &str) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::AddCommit {
                sha: sha.to_string(),
            },
        )
    }

    /// Sets the session's own USD budget (replacing the recorder-wide default).
    pub fn set_budget(
        &self,
        session_id: &str,
        soft_usd: Option<Decimal>,
        hard_usd: Option<Decimal>,
    ) -> Result<LogReceipt> {
        self.session_op(
            session_id,
            SessionOp::SetBudget {
                soft_usd: soft_usd.map(|d| d.to_string()),
                hard_usd: hard_usd.map(|d| d.to_string()),
            },
        )
    }

    /// A free-text note (stored even without content capture: the caller wrote it to be kept).
    pub fn note(&self, session_id: &str, text: &str) -> Result<LogReceipt> {
        let mut ev = Event::new(session_id, EventType::custom(kinds::NOTE));
        ev.attributes
            .insert("note".into(), serde_json::Value::String(text.to_string()));
        self.log(ev)
    }
}

/// One LLM call from typed arguments, the entry point the bindings use. Give `usage`, or the raw
/// provider `body` to parse; `cost` is computed when absent.
#[derive(Debug, Clone, Default)]
pub struct LlmCall {
    pub session_id: String,
    /// The caller's event id (for idempotent retries); a UUIDv7 otherwise.
    pub event_id: Option<String>,
    pub provider: Option<String>,
    pub model: Option<String>,
    pub usage: Option<Usage>,
    pub cost: Option<Cost>,
    pub latency_ms: Option<u64>,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub trace_id: Option<String>,
    pub agent: Option<String>,
    pub request_id: Option<String>,
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
}

impl LlmCall {
    pub fn new(session_id: impl Into<String>) -> Self {
        LlmCall {
            session_id: session_id.into(),
            ..LlmCall::default()
        }
    }

    /// Reads the usage from the provider's complete response body (or HTTP error body). The
    /// call's `provider`, when it names a known provider, is the parser's hint.
    pub fn with_response(mut self, body: &[u8]) -> Result<Self> {
        let hint = self
            .provider
            .as_deref()
            .and_then(|p| p.parse::<crate::usage::Provider>().ok());
        self.usage = Some(crate::usage::parse(body, hint)?);
        Ok(self)
    }

    /// Takes the final usage of a stream the caller fed to a [`crate::usage::StreamParser`]:
    /// partial and failed when the stream broke.
    pub fn with_stream(mut self, parser: crate::usage::StreamParser) -> Self {
        self.usage = Some(parser.finish());
        self
    }

    /// The event this call is logged as. Model, provider, request id and outcome fall back to
    /// what the usage says.
    pub fn into_event(self) -> Result<Event> {
        // A fresh id and clock reading only when the caller gave none; the id is encoded
        // straight into its buffer rather than through the formatting machinery.
        // The id carries the time it was made, not a timestamp the caller backdated.
        let now = chrono::Utc::now();
        let timestamp = self.timestamp.unwrap_or(now);
        let event_id = self.event_id.unwrap_or_else(|| {
            let mut buf = uuid::Uuid::encode_buffer();
            ids::next_v7(now.timestamp_millis().max(0) as u64)
                .hyphenated()
                .encode_lower(&mut buf)
                .to_owned()
        });
        let mut ev = Event::with_id(
            self.session_id,
            event_id,
            timestamp,
            EventType::custom(kinds::LLM_CALL),
        );
        let usage = self.usage;
        ev.model = self
            .model
            .or_else(|| usage.as_ref().and_then(|u| u.model.clone()));
        ev.provider = self
            .provider
            .or_else(|| usage.as_ref().and_then(|u| u.provider.clone()));
        ev.request_id = self
            .request_id
            .or_else(|| usage.as_ref().and_then(|u| u.response_id.clone()));
        ev.outcome = match (&usage, self.outcome) {
            (Some(u), Outcome::Ok) => u.outcome,
            (_, o) => o,
        };
        ev.error = self.error.or_else(|| {
            usage
                .as_ref()
                .and_then(|u| u.error.as_ref())
                .map(|e| e.message.clone())
        });
        ev.usage = usage;
        ev.cost = self.cost;
        ev.latency_ms = self.latency_ms;
        ev.trace_id = self.trace_id;
        ev.agent = self.agent;
        Ok(ev)
    }
}

/// Parses a usage object given as JSON (from a binding), with a clear error for negative or
/// non-integer token counts.
pub fn usage_from_json(json: &str) -> Result<Usage> {
    let usage: Usage = serde_json::from_str(json).map_err(|e| {
        // Quote the start of the input only: it may be megabytes long.
        let end = (0..=json.len().min(200))
            .rev()
            .find(|&i| json.is_char_boundary(i))
            .unwrap_or(0);
        let more = if end < json.len() { "..." } else { "" };
        Error::invalid("usage", format!("{e} (in {:?}{more})", &json[..end]))
    })?;
    validate::check_usage(&usage)?;
    Ok(usage)
}
