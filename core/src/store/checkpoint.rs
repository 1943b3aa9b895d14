//! Copying the write-ahead log back into the database file (a checkpoint) on a thread and
//! connection of its own. A checkpoint ends with fsyncs that wait for the disk; run by the writer
//! (SQLite's default) they stall every event queued behind it. Here the writer's commits only
//! wake this thread once the log passes [`BACKGROUND_AT`] pages; the writer checkpoints itself
//! only if the log still reaches [`WRITER_AT`] pages, so the log stays bounded when the disk is
//! slower than the events arrive.

use super::{ConnectionOptions, StorageError, open_file};
use rusqlite::Connection;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;

/// Log pages after which a commit wakes the checkpoint thread (SQLite's own default for
/// checkpointing at commit).
pub(crate) const BACKGROUND_AT: i32 = 1000;

/// Log pages after which the writer checkpoints itself: the thread has fallen this far behind.
pub(crate) const WRITER_AT: i32 = 8 * BACKGROUND_AT;

#[derive(Default)]
struct Wanted {
    checkpoint: bool,
    closing: bool,
    /// The thread is copying pages now.
    busy: bool,
}

/// Checkpoints run so far, by the thread and by the writer.
#[derive(Default)]
struct Runs {
    background: AtomicU64,
    writer: AtomicU64,
}

/// The checkpoint thread of one writer connection. Dropping it stops the thread.
pub struct Checkpointer {
    wanted: Arc<(Mutex<Wanted>, Condvar)>,
    runs: Arc<Runs>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens a second connection to `path`, starts the thread, and has `writer`'s commits wake
    /// it (which also turns off SQLite's checkpointing at commit on `writer`). On an error
    /// `writer` is left as it was, checkpointing at commit.
    pub fn start(
        writer: &mut Connection,
        path: &Path,
        opts: &ConnectionOptions,
    ) -> Result<Checkpointer, StorageError> {
        Self::start_at(writer, path, opts, BACKGROUND_AT, WRITER_AT)
    }

    fn start_at(
        writer: &mut Connection,
        path: &Path,
        opts: &ConnectionOptions,
        background_at: i32,
        writer_at: i32,
    ) -> Result<Checkpointer, StorageError> {
        let conn = open_file(path, opts)?;
        let wanted = Arc::new((Mutex::new(Wanted::default()), Condvar::new()));
        let runs = Arc::new(Runs::default());
        let (state, counted) = (wanted.clone(), runs.clone());
        let thread = std::thread::Builder::new()
            .name("hailog-checkpoint".into())
            .spawn(move || run(&conn, &state, &counted))
            .map_err(|e| StorageError::Sink {
                sink: "checkpoint",
                message: format!("cannot start the checkpoint thread: {e}"),
            })?;
        // From here on, dropping `this` stops the thread.
        let this = Checkpointer {
            wanted,
            runs,
            thread: Some(thread),
        };
        let (wake, counted) = (this.wanted.clone(), this.runs.clone());
        writer
            .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
                let (lock, cv) = &*wake;
                let mut w = lock.lock().unwrap_or_else(|p| p.into_inner());
                if pages >= writer_at {
                    // The thread has fallen this far behind: the disk is slower than events
                    // arrive. The writer waits for the pass under way, then copies the rest
                    // itself; the log restarts at the next transaction. (A checkpoint that
                    // still cannot run, another process's, is tried at the next commit, as
                    // SQLite's own hook does.)
                    w.checkpoint = false;
                    while w.busy {
                        w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
                    }
                    drop(w);
                    if wal.checkpoint().is_ok() {
                        counted.writer.fetch_add(1, Ordering::Relaxed);
                    }
                } else if pages >= background_at {
                    w.checkpoint = true;
                    cv.notify_all();
                }
                Ok(())
            }))
            .map_err(|source| StorageError::Sqlite {
                context: "hook the write-ahead log".into(),
                source,
            })?;
        Ok(this)
    }
}

fn run(conn: &Connection, wanted: &(Mutex<Wanted>, Condvar), runs: &Runs) {
    let (lock, cv) = wanted;
    let mut w = lock.lock().unwrap_or_else(|p| p.into_inner());
    loop {
        while !w.checkpoint && !w.closing {
            w = cv.wait(w).unwrap_or_else(|p| p.into_inner());
        }
        if w.closing {
            return;
        }
        w.checkpoint = false;
        w.busy = true;
        drop(w);
        // PASSIVE: copies what no reader still needs, never waits for the writer or readers.
        // A failure (another process checkpointing, a full disk) leaves the pages in the log,
        // which the next request or the writer's own checkpoint copies.
        if conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
            .is_ok()
        {
            runs.background.fetch_add(1, Ordering::Relaxed);
        }
        w = lock.lock().unwrap_or_else(|p| p.into_inner());
        w.busy = false;
        // A writer waiting for this pass to end.
        cv.notify_all();
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, cv) = &*self.wanted;
        lock.lock().unwrap_or_else(|p| p.into_inner()).closing = true;
        cv.notify_all();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    /// Commits `n` transactions of one 8 KiB row each (about one log page each).
    fn write_pages(conn: &Connection, n: usize) {
        let blob = vec![7u8; 8000];
        for _ in 0..n {
            conn.execute("INSERT INTO pad (b) VALUES (?1)", [&blob])
                .unwrap();
        }
    }

    fn log_pages(path: &Path) -> u64 {
        let wal = std::fs::metadata(path.with_extension("db-wal")).map_or(0, |m| m.len());
        wal / (8192 + 24)
    }

    fn setup(dir: &Path) -> (Connection, std::path::PathBuf) {
        let path = dir.join("ck.db");
        let conn = open_file(&path, &ConnectionOptions::default()).unwrap();
        conn.execute_batch("CREATE TABLE pad (b BLOB)").unwrap();
        (conn, path)
    }

    #[test]
    fn the_thread_copies_the_log_into_the_file_instead_of_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = setup(dir.path());
        let ck =
            Checkpointer::start_at(&mut conn, &path, &Default::default(), 50, 100_000).unwrap();
        write_pages(&conn, 300);
        let start = Instant::now();
        while ck.runs.background.load(Ordering::Relaxed) == 0 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "no checkpoint ran"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(ck.runs.writer.load(Ordering::Relaxed), 0);
        // The pages reached the database file itself, not only the log.
        let start = Instant::now();
        while std::fs::metadata(&path).unwrap().len() < 50 * 8192 {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "nothing was copied"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(ck);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM pad", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 300);
    }

    #[test]
    fn the_log_stays_bounded_however_fast_the_writer_commits() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = setup(dir.path());
        let ck = Checkpointer::start_at(&mut conn, &path, &Default::default(), 20, 80).unwrap();
        let mut most = 0;
        for _ in 0..40 {
            write_pages(&conn, 25);
            most = most.max(log_pages(&path));
        }
        // Each of the 1,000 commits wrote at least one page to the log; it holds far fewer
        // because it restarts from its beginning once a checkpoint has copied all of it.
        // Past 80 pages the writer waits for the thread's pass and copies the rest itself, so
        // the log never holds more than that and the pages of the commit that crossed it.
        assert!(most <= 80 + 25, "the log reached {most} pages");
        let total =
            ck.runs.background.load(Ordering::Relaxed) + ck.runs.writer.load(Ordering::Relaxed);
        assert!(total > 0);
        drop(ck);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn dropping_it_stops_the_thread_and_the_writer_keeps_working() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = setup(dir.path());
        let ck = Checkpointer::start(&mut conn, &path, &Default::default()).unwrap();
        write_pages(&conn, 5);
        drop(ck);
        // The hook outlives the thread: commits still succeed and are stored.
        write_pages(&conn, 5);
        let rows: i64 = conn
            .query_row("SELECT count(*) FROM pad", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 10);
    }
}
