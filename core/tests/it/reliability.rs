//! Reliability under hostile conditions: repeated kill -9 (SQLite and HAIL sink), many writers
//! with recovery and exports at once, resource faults while running, hostile input, secrets.

use hailog::hail::{ReadOptions, read_file};
use hailog::recorder::{FullQueue, Recorder};
use hailog::{Cost, Event, EventType, Usage};
use rust_decimal::Decimal;
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A small deterministic generator: the seed is printed, so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn from_clock() -> Rng {
        let seed = std::env::var("HAILOG_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos() as u64)
                    .unwrap_or(1)
            });
        println!("HAILOG_TEST_SEED={seed}");
        Rng(seed | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
    }
}

fn call(session: &str, id: &str) -> Event {
    let mut ev = Event::new(session, EventType::custom("llm_call"));
    ev.event_id = id.to_string();
    ev.model = Some("gpt-4o-mini".into());
    ev.provider = Some("openai".into());
    ev.usage = Some(Usage {
        input: Some(120),
        output: Some(30),
        ..Usage::default()
    });
    ev.cost = Some(Cost::reported(Decimal::new(3, 6)));
    ev
}

fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap()
}

fn stored_ids(path: &Path, prefix: &str) -> HashSet<String> {
    let conn = sqlite(path);
    let mut stmt = conn
        .prepare("SELECT event_id FROM events WHERE event_id LIKE ?1 || '%'")
        .unwrap();
    stmt.query_map([prefix], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn spawn_self(test: &str, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

/// Logs forever, flushing every 97 events and printing `ACK <n>` once events `0..n` are
/// acknowledged by a returned `flush()`. As a plain test (no `HAILOG_CRASH_DB`) it runs a few
/// rounds on a temporary file and checks its own acknowledgements.
#[test]
fn crash_child() {
    let tmp = tempfile::tempdir().unwrap();
    let child = std::env::var_os("HAILOG_CRASH_DB").is_some();
    let db = std::env::var("HAILOG_CRASH_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("solo.db"));
    let hail = std::env::var("HAILOG_CRASH_HAIL")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("hail"));
    let tag = std::env::var("HAILOG_CRASH_TAG").unwrap_or_else(|_| "solo".into());
    std::fs::create_dir_all(&hail).unwrap();
    let rec = Recorder::builder()
        .path(&db)
        .hail_dir(&hail)
        .commit_interval(Duration::from_millis(2))
        .open()
        .unwrap();
    let limit = if child { u64::MAX } else { 500 };
    let mut n = 0;
    while n < limit {
        rec.log(call(&format!("crash-{}", n % 3), &format!("{tag}-{n}")))
            .unwrap();
        n += 1;
        if n % 97 == 0 {
            rec.flush(None).unwrap();
            println!("ACK {n}");
            use std::io::Write;
            std::io::stdout().flush().unwrap();
        }
    }
    rec.close().unwrap();
    assert_eq!(stored_ids(&db, &format!("{tag}-")).len(), 500);
}

#[test]
fn fifty_random_kills_lose_nothing_flushed_in_sqlite_or_hail() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("kills.db");
    let hail = tmp.path().join("hail");
    let mut rng = Rng::from_clock();
    let mut acked_total = 0u64;
    let mut acked_per_round = Vec::new();
    for round in 0..50 {
        let tag = format!("r{round}");
        let mut child = spawn_self(
            "reliability::crash_child",
            &[
                ("HAILOG_CRASH_DB", db.to_str().unwrap()),
                ("HAILOG_CRASH_HAIL", hail.to_str().unwrap()),
                ("HAILOG_CRASH_TAG", &tag),
            ],
        );
        let out = BufReader::new(child.stdout.take().unwrap());
        let reader = std::thread::spawn(move || {
            let mut acked = 0u64;
            for line in out.lines().map_while(Result::ok) {
                if let Some(n) = line.strip_prefix("ACK ") {
                    acked = n.trim().parse().unwrap();
                }
            }
            acked
        });
        // From before the database is open to deep into the logging loop.
        std::thread::sleep(Duration::from_millis(rng.below(250)));
        // It logs forever: if it stopped by itself, it failed (e.g. could not reopen the
        // database the previous kill left behind).
        let status = child.try_wait().unwrap();
        assert!(
            status.is_none(),
            "round {round}: the child exited: {status:?}"
        );
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let acked = reader.join().unwrap();
        acked_total += acked;

        if !db.exists() {
            // Killed before the first open created the file.
            assert_eq!(acked, 0);
            continue;
        }
        let conn = sqlite(&db);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok", "round {round}");
        let tables: i64 = conn
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'events'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        drop(conn);
        if tables == 0 {
            // Killed while the first open was creating the schema (in one transaction).
            assert_eq!(acked, 0);
            continue;
        }
        let stored = stored_ids(&db, &format!("{tag}-"));
        for n in 0..acked {
            assert!(
                stored.contains(&format!("{tag}-{n}")),
                "round {round}: {tag}-{n} was acknowledged by flush() but is missing"
            );
        }
        acked_per_round.push((tag, acked));
    }
    assert!(
        acked_total > 0,
        "no child got as far as a flush: the kills proved nothing"
    );

    // Every acknowledged event is in its session's HAIL file, and each file is whole for a
    // reader: after each kill the next writer cut any torn line, so only the last kill may
    // have left one, as the last line.
    let opts = ReadOptions {
        skip_torn_last_line: true,
        ..ReadOptions::default()
    };
    let mut in_files = HashSet::new();
    for s in 0..3 {
        let path = hail.join(format!("crash-{s}.hail.jsonl"));
        if !path.exists() {
            continue;
        }
        let file = std::fs::File::open(&path).unwrap();
        let reader = hailog::hail::Reader::with_options(BufReader::new(file), opts.clone())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for ev in reader {
            let ev = ev.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            in_files.insert(ev.event_id);
        }
    }
    for (tag, acked) in &acked_per_round {
        for n in 0..*acked {
            assert!(
                in_files.contains(&format!("{tag}-{n}")),
                "{tag}-{n} acknowledged but missing from the HAIL files"
            );
        }
    }

    // The next open recovers without manual steps, and the stored aggregates agree with the
    // stored events.
    let rec = Recorder::open(&db).unwrap();
    rec.log(call("crash-0", "after-the-kills")).unwrap();
    rec.flush(None).unwrap();
    let mut total = 0;
    for s in 0..3 {
        let id = format!("crash-{s}");
        let row = rec.session_row(&id).unwrap().unwrap();
        assert_eq!(row.event_count as usize, rec.events(&id).unwrap().len());
        total += row.event_count;
    }
    assert_eq!(total, rec.event_count().unwrap());
}

#[test]
fn a_torn_hail_line_is_skipped_with_a_warning_and_cut_before_the_next_append() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("hail");
    let log = |ids: &[&str]| {
        let rec = Recorder::builder()
            .database(hailog::recorder::Database::None)
            .hail_dir(&dir)
            .open()
            .unwrap();
        for id in ids {
            rec.log(call("torn", id)).unwrap();
        }
        rec.close().unwrap();
    };
    log(&["a", "b"]);
    let path = dir.join("torn.hail.jsonl");
    // A writer killed mid-append leaves half a line.
    let mut line = Vec::new();
    hailog::hail::write_event_line(&call("torn", "c"), &mut line);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes.extend_from_slice(&line[..line.len() / 2]);
    std::fs::write(&path, &bytes).unwrap();

    let strict = read_file(&path, ReadOptions::default()).unwrap_err();
    assert_eq!((strict.kind(), strict.line()), ("truncated", 4));
    let opts = ReadOptions {
        skip_torn_last_line: true,
        ..ReadOptions::default()
    };
    let file = read_file(&path, opts).unwrap();
    assert_eq!(file.summary.event_count, 2);
    assert_eq!(file.warnings.len(), 1);
    assert_eq!(file.warnings[0].kind, "torn_last_line");
    assert_eq!(file.warnings[0].line, 4);

    // The next writer cuts the torn half line, so the file is whole again for a strict reader.
    log(&["c", "d"]);
    let file = read_file(&path, ReadOptions::default()).unwrap();
    assert_eq!(file.summary.event_count, 4);
    assert!(file.warnings.is_empty());
}

/// As a child (`HAILOG_MAINT_DB` set): runs `recover_stale` and exports of every format in a
/// loop until the file `HAILOG_MAINT_STOP` appears; any error fails it. As a plain test it does
/// one pass on a fresh file.
#[test]
fn maintenance_child() {
    let tmp = tempfile::tempdir().unwrap();
    let db = std::env::var("HAILOG_MAINT_DB")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("maint.db"));
    let stop = std::env::var("HAILOG_MAINT_STOP")
        .map(PathBuf::from)
        .unwrap_or_else(|_| tmp.path().join("stop"));
    let rec = Recorder::open(&db).unwrap();
    if std::env::var_os("HAILOG_MAINT_DB").is_none() {
        rec.log(call("shared-0", "m0")).unwrap();
        std::fs::write(&stop, b"").unwrap();
    }
    let mut passes = 0u64;
    loop {
        let done = stop.exists();
        rec.recover_stale(Duration::from_secs(24 * 3600), chrono::Utc::now())
            .unwrap();
        for format in [
            hailog::recorder::ExportFormat::Json,
            hailog::recorder::ExportFormat::Csv,
            hailog::recorder::ExportFormat::Hail,
        ] {
            rec.export("shared-0", format).unwrap();
        }
        passes += 1;
        if done {
            break;
        }
    }
    println!("PASSES {passes}");
    rec.close().unwrap();
}

#[test]
fn processes_threads_recovery_and_exports_share_one_file_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("busy.db");
    let stop = tmp.path().join("stop");
    // Ten sessions silent for two days, for recovery to end while everyone writes.
    {
        let rec = Recorder::open(&db).unwrap();
        for s in 0..10 {
            let mut ev = call(&format!("stale-{s}"), &format!("stale-{s}"));
            ev.timestamp = chrono::Utc::now() - chrono::Duration::days(2);
            rec.log(ev).unwrap();
        }
        rec.close().unwrap();
    }
    let db_s = db.to_str().unwrap();
    let maint = spawn_self(
        "reliability::maintenance_child",
        &[
            ("HAILOG_MAINT_DB", db_s),
            ("HAILOG_MAINT_STOP", stop.to_str().unwrap()),
        ],
    );
    const PER_PROCESS: u64 = 10_000;
    let loggers: Vec<Child> = (0..3)
        .map(|p| {
            let count = PER_PROCESS.to_string();
            let tag = format!("proc{p}");
            spawn_self(
                "recorder::child_logger",
                &[
                    ("HAILOG_TEST_DB", db_s),
                    ("HAILOG_TEST_COUNT", &count),
                    ("HAILOG_TEST_TAG", &tag),
                ],
            )
        })
        .collect();
    const PER_THREAD: u64 = 4_000;
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let db = db.clone();
            std::thread::spawn(move || {
                let rec = Recorder::open(&db).unwrap();
                for i in 0..PER_THREAD {
                    rec.log(call(&format!("shared-{}", i % 4), &format!("thr{t}-{i}")))
                        .unwrap();
                    if i % 1000 == 999 {
                        rec.flush(None).unwrap();
                    }
                }
                rec.close().unwrap();
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    for mut c in loggers {
        assert!(c.wait().unwrap().success(), "a logging process failed");
    }
    std::fs::write(&stop, b"").unwrap();
    let out = maint.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "recovery and exports failed while others wrote"
    );
    let passes = String::from_utf8_lossy(&out.stdout);
    assert!(passes.contains("PASSES "), "{passes}");

    let rec = Recorder::open(&db).unwrap();
    let logged = 3 * PER_PROCESS + 4 * PER_THREAD;
    let mut on_shared = 0;
    for s in 0..4 {
        on_shared += rec
            .session_row(&format!("shared-{s}"))
            .unwrap()
            .unwrap()
            .event_count;
    }
    assert_eq!(on_shared, logged);
    for s in 0..10 {
        let row = rec.session_row(&format!("stale-{s}")).unwrap().unwrap();
        assert!(row.ended_at.is_some(), "stale-{s} was not recovered");
        // Its own event and exactly one recovery End, however many passes saw it.
        assert_eq!(row.event_count, 2, "stale-{s}");
    }
    assert_eq!(rec.event_count().unwrap(), logged + 20);
}

/// A small tmpfs mounted for one test and unmounted when dropped: a disk that can fill up or
/// turn read-only on demand.
struct Tmpfs {
    dir: PathBuf,
}

impl Tmpfs {
    /// `Err` says why mounting is impossible here (not root, no mount command, a sandbox).
    fn mount(dir: &Path, size: &str) -> Result<Tmpfs, String> {
        std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(Tmpfs {
            dir: dir.to_path_buf(),
        })
    }

    /// A tmpfs in `parent/disk`, or `None` after printing why the test cannot run here.
    fn mount_or_skip(parent: &Path, size: &str) -> Option<Tmpfs> {
        Tmpfs::mount(&parent.join("disk"), size)
            .map_err(|why| println!("skipped: a tmpfs cannot be mounted here: {why}"))
            .ok()
    }

    fn remount(&self, mode: &str) {
        let ok = Command::new("mount")
            .args(["-o", &format!("remount,{mode}")])
            .arg(&self.dir)
            .status()
            .unwrap()
            .success();
        assert!(ok, "remount {mode} failed");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
    }
}

/// Fills the file system holding `dir` with a filler file; returns its path.
fn fill_disk(dir: &Path) -> PathBuf {
    use std::io::Write;
    let path = dir.join("filler");
    let mut f = std::fs::File::create(&path).unwrap();
    let block = vec![0u8; 16 << 10];
    while f.write_all(&block).is_ok() {}
    // The last partial block.
    while f.write_all(&[0]).is_ok() {}
    let _ = f.sync_all();
    path
}

fn padded(session: &str, id: &str) -> Event {
    let mut ev = call(session, id);
    ev.attributes
        .insert("note".into(), serde_json::Value::String("x".repeat(2000)));
    ev
}

#[test]
fn a_full_disk_keeps_events_queued_and_writes_them_when_space_returns() {
    let tmp = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount_or_skip(tmp.path(), "4m") else {
        return;
    };
    let hail = fs.dir.join("hail");
    let rec = Recorder::builder()
        .path(fs.dir.join("full.db"))
        .hail_dir(&hail)
        .queue_capacity(500)
        .full_queue(FullQueue::Drop)
        .open()
        .unwrap();
    rec.log(padded("full", "before")).unwrap();
    rec.flush(None).unwrap();
    let filler = fill_disk(&fs.dir);

    let mut logged = 1u64;
    let mut flush_error = None;
    for i in 0..5000 {
        rec.log(padded("full", &format!("e{i}"))).unwrap();
        logged += 1;
        if i % 100 == 99
            && let Err(e) = rec.flush(Some(Duration::from_secs(5)))
        {
            flush_error = Some(e.to_string());
            break;
        }
    }
    let flush_error = flush_error.expect("a full disk must fail flush()");
    assert!(
        flush_error.contains("full") || flush_error.contains("space"),
        "the error says why: {flush_error}"
    );
    assert!(rec.stats().writer_error.is_some());
    // The queue keeps events up to its bound; beyond that each drop is counted.
    for i in 0..2000 {
        rec.log(padded("full", &format!("late{i}"))).unwrap();
        logged += 1;
    }
    assert!(rec.stats().dropped > 0);

    std::fs::remove_file(filler).unwrap();
    rec.flush(None).unwrap();
    let stats = rec.stats();
    assert_eq!(stats.writer_error, None);
    let stored = rec.event_count().unwrap();
    assert_eq!(
        stored + stats.dropped,
        logged,
        "every event is stored or counted as dropped"
    );
    assert_eq!(stats.durable + stats.dropped, logged);
    // The HAIL file holds the same events, each once, with no half line left by the fault.
    let file = read_file(hail.join("full.hail.jsonl"), ReadOptions::default()).unwrap();
    assert_eq!(file.summary.event_count, stored);
    rec.close().unwrap();
}

#[test]
fn a_read_only_file_system_is_a_clear_error_at_open_and_changes_nothing() {
    // As root, permission bits do not make a file read-only; a read-only mount does.
    let tmp = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount_or_skip(tmp.path(), "8m") else {
        return;
    };
    let db = fs.dir.join("ro.db");
    let rec = Recorder::open(&db).unwrap();
    rec.log(call("ro", "a")).unwrap();
    rec.close().unwrap();
    let before = std::fs::read(&db).unwrap();
    fs.remount("ro");
    for path in [db.clone(), fs.dir.join("new.db")] {
        let e = Recorder::open(&path).unwrap_err();
        assert_eq!(e.code(), "storage");
        assert!(e.to_string().contains("read-only"), "{e}");
    }
    assert_eq!(std::fs::read(&db).unwrap(), before);
    fs.remount("rw");
    let rec = Recorder::open(&db).unwrap();
    assert_eq!(rec.event_count().unwrap(), 1);
}

#[test]
fn a_corrupt_database_file_is_a_clear_error_at_open_and_is_not_overwritten() {
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("corrupt.db");
    let garbage: Vec<u8> = (0..64 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&db, &garbage).unwrap();
    let e = Recorder::open(&db).unwrap_err();
    assert_eq!(e.code(), "storage");
    let text = e.to_string();
    assert!(
        text.contains("corrupt.db") && text.contains("not a database"),
        "{text}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), garbage);

    // A real database whose pages were overwritten in the middle.
    let db = tmp.path().join("damaged.db");
    {
        let rec = Recorder::open(&db).unwrap();
        for i in 0..2000 {
            rec.log(padded("dmg", &format!("d{i}"))).unwrap();
        }
        rec.close().unwrap();
    }
    let mut bytes = std::fs::read(&db).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 8192].fill(0xA5);
    std::fs::write(&db, &bytes).unwrap();
    // Either refused at open or the damage is reported by the first read that meets it;
    // never a panic, never a silently short answer.
    match Recorder::open(&db) {
        Err(e) => assert_eq!(e.code(), "storage", "{e}"),
        Ok(rec) => match rec.events("dmg") {
            Err(e) => assert!(e.to_string().contains("malformed"), "{e}"),
            Ok(events) => assert_eq!(events.len(), 2000),
        },
    }
}

#[test]
fn a_deleted_database_directory_is_an_error_and_nothing_is_written_into_the_void() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    let db = dir.join("gone.db");
    let rec = Recorder::builder()
        .path(&db)
        .hail_dir(dir.join("hail"))
        .open()
        .unwrap();
    rec.log(call("gone", "a")).unwrap();
    rec.flush(None).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    for i in 0..20 {
        rec.log(call("gone", &format!("b{i}"))).unwrap();
    }
    // SQLite alone would "store" these in the deleted file and report success.
    let e = rec.flush(Some(Duration::from_secs(5))).unwrap_err();
    assert!(e.to_string().contains("deleted or replaced"), "{e}");
    assert_eq!(rec.stats().durable, 1);

    // The directory comes back: the queued events are written there, database and HAIL file.
    std::fs::create_dir(&dir).unwrap();
    rec.flush(None).unwrap();
    assert_eq!(rec.event_count().unwrap(), 20);
    assert_eq!(stored_ids(&db, "b").len(), 20);
    let file = read_file(dir.join("hail/gone.hail.jsonl"), ReadOptions::default()).unwrap();
    assert_eq!(file.summary.event_count, 20);
    rec.close().unwrap();
}

/// Every byte hailog wrote under `dir` (database, WAL, HAIL files), as text.
fn raw_bytes_under(dir: &Path) -> String {
    let mut all = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                all.extend(std::fs::read(&path).unwrap());
            }
        }
    }
    String::from_utf8_lossy(&all).into_owned()
}

const SECRETS: &[&str] = &[
    "sk-proj-Zx81bQk2LmN4pR7sT0vW3yA6cE9gH",
    "sk-ant-api03-Qw3rTy7uIoP1aSdFgHjKlZxCvBnM0",
    "AIzaSyD8f7G6h5J4k3L2m1N0pQ9rS8tU7vW6xY5",
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl",
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7",
];

fn secret_text() -> String {
    format!(
        "openai {} anthropic {} google {} aws {} aws_secret_access_key = {} \
         Authorization: Bearer {}\n-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        SECRETS[0], SECRETS[1], SECRETS[2], SECRETS[3], SECRETS[4], SECRETS[5], SECRETS[6]
    )
}

#[test]
fn captured_content_never_stores_a_key_and_uncaptured_content_stores_no_text() {
    use hailog::ContentBlock;
    let tmp = tempfile::tempdir().unwrap();
    let prompt = "PROMPT-7f3a: summarise the quarterly report for me";
    let completion = "COMPLETION-91bc: the quarter went well";
    let body = serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": completion}}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
    })
    .to_string();
    let log_all = |rec: &Recorder, session: &str| {
        let mut ev = Event::new(session, EventType::UserMessage);
        ev.content.push(ContentBlock::Text {
            text: format!("{prompt}\n{}", secret_text()),
        });
        ev.content.push(ContentBlock::Json {
            data: serde_json::json!({"headers": {"authorization": format!("Bearer {}", SECRETS[5])},
                                      "env": secret_text()}),
        });
        rec.log(ev).unwrap();
        let mut reply = Event::new(session, EventType::AgentMessage);
        reply.content.push(ContentBlock::Text {
            text: completion.into(),
        });
        rec.log(reply).unwrap();
        let call = hailog::recorder::LlmCall {
            provider: Some("openai".into()),
            error: Some(format!("upstream said: invalid key {}", SECRETS[0])),
            ..hailog::recorder::LlmCall::new(session)
        }
        .with_response(body.as_bytes())
        .unwrap();
        rec.log_llm(call).unwrap();
    };

    for capture in [true, false] {
        let dir = tmp.path().join(format!("capture-{capture}"));
        std::fs::create_dir(&dir).unwrap();
        let rec = Recorder::builder()
            .path(dir.join("ledger.db"))
            .hail_dir(dir.join("hail"))
            .capture_content(capture)
            .open()
            .unwrap();
        log_all(&rec, "s");
        rec.flush(None).unwrap();
        let stored = rec.events("s").unwrap();
        assert_eq!(stored.len(), 3);
        // Read the raw files while the WAL still holds the newest pages.
        let raw = raw_bytes_under(&dir);
        for secret in SECRETS {
            assert!(
                !raw.contains(secret),
                "capture {capture}: {secret} reached a file"
            );
        }
        if capture {
            assert!(raw.contains(prompt), "captured content is stored");
            assert!(raw.contains("[REDACTED]"));
        } else {
            assert!(!raw.contains("PROMPT-7f3a"), "prompt text reached a file");
            assert!(
                !raw.contains("COMPLETION-91bc"),
                "completion text reached a file"
            );
            assert!(stored.iter().all(|e| e.content.is_empty()));
        }
        rec.close().unwrap();
        let raw = raw_bytes_under(&dir);
        for secret in SECRETS {
            assert!(
                !raw.contains(secret),
                "capture {capture}: {secret} reached a file"
            );
        }
    }
}

/// `[[[ ... 1 ... ]]]` nested `depth` levels.
fn nested(depth: usize) -> serde_json::Value {
    let mut v = serde_json::json!(1);
    for _ in 0..depth {
        v = serde_json::Value::Array(vec![v]);
    }
    v
}

#[test]
fn hostile_ids_tags_notes_counts_and_json_are_refused_or_stored_exactly() {
    use hailog::ContentBlock;
    use hailog::recorder::{MAX_JSON_DEPTH, MAX_TOKENS, usage_from_json};
    let tmp = tempfile::tempdir().unwrap();
    let rec = Recorder::builder()
        .path(tmp.path().join("hostile.db"))
        .hail_dir(tmp.path().join("hail"))
        .capture_content(true)
        .open()
        .unwrap();
    let sql = "x'); DROP TABLE events; DELETE FROM sessions WHERE ('1'='1";
    let megabyte: String = "\u{0}\t'\"\\;--é🚀\r\n".repeat(1 << 16);
    assert!(megabyte.len() >= 1 << 20);

    // Accepted and stored byte for byte.
    let sessions = [sql, "robert\"); --", "séance ✓ 🚀", "%00%0a", "a\\u0000b"];
    for (i, session) in sessions.iter().enumerate() {
        let mut ev = Event::new(*session, EventType::UserMessage);
        ev.event_id = format!("{sql}-{i}");
        ev.content.push(ContentBlock::Text {
            text: megabyte.clone(),
        });
        ev.attributes
            .insert(sql.into(), serde_json::json!(megabyte));
        ev.attributes.insert("deep".into(), nested(MAX_JSON_DEPTH));
        rec.log(ev).unwrap();
        rec.add_tag(session, sql).unwrap();
        rec.add_tag(session, "line\nbreak\u{7}bell").unwrap();
        rec.note(session, &megabyte).unwrap();
    }
    rec.flush(None).unwrap();
    for (i, session) in sessions.iter().enumerate() {
        let events = rec.events(session).unwrap();
        assert_eq!(events.len(), 4, "{session:?}");
        let first = events
            .iter()
            .find(|e| e.event_id == format!("{sql}-{i}"))
            .unwrap();
        assert_eq!(first.session_id, *session);
        assert_eq!(
            first.content,
            vec![ContentBlock::Text {
                text: megabyte.clone()
            }]
        );
        assert_eq!(first.attributes[sql], serde_json::json!(megabyte));
        assert_eq!(first.attributes["deep"], nested(MAX_JSON_DEPTH));
        let note = events
            .iter()
            .find(|e| e.event_type.custom_kind() == Some("note"))
            .unwrap();
        assert_eq!(note.attributes["note"], serde_json::json!(megabyte));
        let mut tags = rec.session_row(session).unwrap().unwrap().tags;
        tags.sort();
        assert_eq!(tags, vec!["line\nbreak\u{7}bell".to_string(), sql.into()]);
        // Its HAIL file reads back too, under a file name made safe.
        let sink = hailog::store::HailJsonlSink::new(tmp.path().join("hail"));
        let file = read_file(sink.path_of(session), ReadOptions::default()).unwrap();
        assert_eq!(file.summary.session_id, *session);
    }
    let stored = rec.event_count().unwrap();
    assert_eq!(stored, 20);

    // Refused with an error naming the field; nothing stored.
    let refuse = |ev: Event, field: &str| {
        let e = rec.log(ev).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{e}");
        assert!(e.to_string().contains(field), "{field}: {e}");
    };
    for bad in ["a\u{0}b", "a\nb", "\u{1b}[31mred", "", &"s".repeat(257)] {
        refuse(Event::new(bad, EventType::UserMessage), "session_id");
    }
    let e = rec.add_tag("t", &"x".repeat(1 << 20)).unwrap_err();
    assert!(e.to_string().contains("4096"), "{e}");
    let mut deep = Event::new("deep", EventType::UserMessage);
    deep.attributes
        .insert("deep".into(), nested(MAX_JSON_DEPTH + 1));
    refuse(deep, "nested more than 64");
    let mut deep = Event::new("deep", EventType::UserMessage);
    deep.content.push(ContentBlock::Json {
        data: nested(5_000),
    });
    refuse(deep, "content");
    for count in [u64::MAX, u64::MAX - 1, MAX_TOKENS + 1] {
        let mut ev = call("big", &format!("big-{count}"));
        ev.usage = Some(Usage {
            output: Some(count),
            ..Usage::default()
        });
        refuse(ev, "output");
    }
    // A count at the bound is priced exactly, without overflow.
    let mut ev = call("big", "at-the-bound");
    ev.cost = None;
    ev.usage = Some(Usage {
        input: Some(MAX_TOKENS),
        output: Some(MAX_TOKENS),
        ..Usage::default()
    });
    let receipt = rec.log(ev).unwrap();
    assert!(receipt.cost_usd.is_some_and(|c| c > Decimal::ZERO));
    for json in [
        r#"{"input": 18446744073709551615}"#,
        r#"{"input": 18446744073709551616}"#,
        r#"{"input": -1}"#,
        r#"{"input": 1e30}"#,
    ] {
        let e = usage_from_json(json).unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{json}: {e}");
    }
    // Deep enough to overflow a recursive parser's stack: an error, never a crash.
    let deep_text = format!(
        "{{\"input\": 1, \"raw\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let e = usage_from_json(&deep_text).unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");
    assert!(
        e.to_string().len() < 4096,
        "the error quotes a bounded excerpt"
    );
    rec.flush(None).unwrap();
    assert_eq!(rec.event_count().unwrap(), stored + 1);
}

/// A sink that fails its first `failures` writes, then keeps what it gets.
struct FlakySink {
    failures: u32,
    got: hailog::store::MemorySink,
}

impl hailog::store::Sink for FlakySink {
    fn name(&self) -> &'static str {
        "flaky"
    }

    fn write(&mut self, events: &[&Event]) -> Result<(), hailog::store::StorageError> {
        if self.failures > 0 {
            self.failures -= 1;
            return Err(hailog::store::StorageError::Sink {
                sink: "flaky",
                message: "down for a moment".into(),
            });
        }
        self.got.write(events)
    }
}

#[test]
fn a_failing_sink_is_retried_alone_and_every_sink_gets_each_event_once() {
    use hailog::store::MemorySink;
    let (before, flaky, after) = (MemorySink::new(), MemorySink::new(), MemorySink::new());
    let rec = Recorder::builder()
        .memory()
        .memory_sink(before.clone())
        .sink(FlakySink {
            failures: 3,
            got: flaky.clone(),
        })
        .memory_sink(after.clone())
        .open()
        .unwrap();
    for i in 0..10 {
        rec.log(call("flaky", &format!("f{i}"))).unwrap();
    }
    let e = rec.flush(Some(Duration::from_secs(5))).unwrap_err();
    assert!(e.to_string().contains("down for a moment"), "{e}");
    // Each flush reports the failure of a retry made after it was called, until one succeeds.
    let mut failed_flushes = 1;
    while rec.flush(Some(Duration::from_secs(5))).is_err() {
        failed_flushes += 1;
        assert!(failed_flushes <= 3, "the sink failed only 3 times");
    }
    // The database committed once; the retries went to the failed sink and those after it.
    for sink in [&before, &flaky, &after] {
        let ids: Vec<String> = sink.events().into_iter().map(|e| e.event_id).collect();
        let expected: Vec<String> = (0..10).map(|i| format!("f{i}")).collect();
        assert_eq!(ids, expected);
    }
    assert_eq!(rec.event_count().unwrap(), 10);
    assert_eq!(rec.stats().duplicates, 0);
}
