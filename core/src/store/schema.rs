//! The SQLite schema, its versioned migrations (`PRAGMA user_version`) and the pragmas every
//! connection runs with.

use super::StorageError;
use rusqlite::Connection;
use std::path::Path;
use std::time::Duration;

/// The schema version this build writes. A database with a larger `user_version` was written by a
/// newer hailog and is refused rather than misread.
pub const SCHEMA_VERSION: i64 = 3;

/// Migration `n` brings a database from version `n` to `n + 1`, running its statements in order.
const MIGRATIONS: &[&[&str]] = &[
    &[
        r#"
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY,
    event_id     TEXT NOT NULL UNIQUE,
    session_id   TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    event_type   TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    trace_id     TEXT,
    task_id      TEXT,
    agent        TEXT,
    model        TEXT,
    provider     TEXT,
    tool         TEXT,
    request_id   TEXT,
    error        TEXT,
    latency_ms   INTEGER,
    duration_ms  INTEGER,
    cost_usd     TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    usage        TEXT,
    cost         TEXT,
    op           TEXT,
    content      TEXT,
    attributes   TEXT,
    extra        TEXT
);
CREATE INDEX events_session ON events(session_id, ts);

CREATE TABLE sessions (
    session_id    TEXT PRIMARY KEY,
    agent         TEXT,
    name          TEXT,
    repo          TEXT,
    started_at    INTEGER NOT NULL,
    last_event_at INTEGER NOT NULL,
    ended_at      INTEGER,
    event_count   INTEGER NOT NULL,
    cost_usd      TEXT NOT NULL,
    summary       TEXT
) WITHOUT ROWID;
"#,
        SESSION_INDEXES,
        SIDE_TABLES,
    ],
    // Version 2 keeps the event row lean: an id that is a canonical UUID is stored as its 16
    // bytes (the column has no type, so a text id stays text), and the event type, usage and
    // cost JSON may be absent when the `kind`, token and `cost_usd` columns hold all of it.
    // Rows written by version 1 keep their JSON; only their UUID ids are packed, so that an id
    // logged again after the upgrade is still recognised as stored.
    &[r#"
CREATE TABLE events_v2 (
    seq          INTEGER PRIMARY KEY,
    event_id     NOT NULL UNIQUE,
    session_id   TEXT NOT NULL,
    ts           INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    event_type   TEXT,
    outcome      TEXT NOT NULL,
    trace_id     TEXT,
    task_id      TEXT,
    agent        TEXT,
    model        TEXT,
    provider     TEXT,
    tool         TEXT,
    request_id   TEXT,
    error        TEXT,
    latency_ms   INTEGER,
    duration_ms  INTEGER,
    cost_usd     TEXT,
    input_tokens INTEGER,
    output_tokens INTEGER,
    usage        TEXT,
    cost         TEXT,
    op           TEXT,
    content      TEXT,
    attributes   TEXT,
    extra        TEXT
);
INSERT INTO events_v2
SELECT seq,
       CASE WHEN event_id GLOB '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f]-[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' THEN unhex(replace(event_id, '-', ''))
            ELSE event_id END,
       session_id, ts, kind, event_type, outcome, trace_id, task_id, agent, model, provider,
       tool, request_id, error, latency_ms, duration_ms, cost_usd, input_tokens, output_tokens,
       usage, cost, op, content, attributes, extra
FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_v2 RENAME TO events;
CREATE INDEX events_session ON events(session_id, ts);
"#],
    // Version 3 makes the insert of an event cheap: a session is keyed by an integer, and the
    // repeated names of a row (kind, outcome, agent, model, provider, tool) are integers into
    // `names`, so the per-session index compares integers and a row carries no repeated text.
    // The `events` view joins them back, so every query still reads the columns of version 2.
    &[
        NAMES,
        r#"
INSERT OR IGNORE INTO names (name)
    SELECT kind FROM events
    UNION SELECT outcome FROM events
    UNION SELECT agent FROM events WHERE agent IS NOT NULL
    UNION SELECT model FROM events WHERE model IS NOT NULL
    UNION SELECT provider FROM events WHERE provider IS NOT NULL
    UNION SELECT tool FROM events WHERE tool IS NOT NULL;

DROP INDEX sessions_last_event;
DROP INDEX sessions_started;
DROP INDEX sessions_agent;
DROP INDEX sessions_repo;
ALTER TABLE sessions RENAME TO sessions_v2;
"#,
        SESSIONS,
        r#"
INSERT INTO sessions (session_id, agent, name, repo, started_at, last_event_at, ended_at,
                      event_count, cost_usd, summary)
    SELECT session_id, agent, name, repo, started_at, last_event_at, ended_at, event_count,
           cost_usd, summary
    FROM sessions_v2 ORDER BY started_at, session_id;
-- The writer stores a session's row with its events, so every event has one; should a row be
-- missing all the same, the events keep a session to belong to rather than being dropped.
INSERT INTO sessions (session_id, started_at, last_event_at, event_count, cost_usd)
    SELECT session_id, min(ts), max(ts), count(*), '0' FROM events
    WHERE session_id NOT IN (SELECT session_id FROM sessions_v2)
    GROUP BY session_id;
DROP TABLE sessions_v2;
CREATE INDEX sessions_last_event ON sessions(last_event_at);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_agent ON sessions(agent, started_at);
CREATE INDEX sessions_repo ON sessions(repo);
"#,
        EVENT_ROWS,
        r#"
INSERT INTO event_rows
SELECT e.seq, e.event_id, s.skey, e.ts,
       (SELECT id FROM names WHERE name = e.kind),
       (SELECT id FROM names WHERE name = e.outcome),
       (SELECT id FROM names WHERE name = e.agent),
       (SELECT id FROM names WHERE name = e.model),
       (SELECT id FROM names WHERE name = e.provider),
       (SELECT id FROM names WHERE name = e.tool),
       e.trace_id, e.task_id, e.request_id, e.error, e.latency_ms, e.duration_ms, e.cost_usd,
       e.input_tokens, e.output_tokens, e.event_type, e.usage, e.cost, e.op, e.content,
       e.attributes, e.extra
FROM events e JOIN sessions s ON s.session_id = e.session_id
ORDER BY e.seq;
DROP TABLE events;
"#,
        EVENT_INDEX,
        EVENTS_VIEW,
    ],
];

/// The whole current schema, which a new database gets in one step (the migrations bring older
/// files to the same tables, indexes and view; a test compares the two).
const CURRENT: &[&str] = &[
    NAMES,
    SESSIONS,
    SESSION_INDEXES,
    SIDE_TABLES,
    EVENT_ROWS,
    EVENT_INDEX,
    EVENTS_VIEW,
];

/// The tables that filter sessions by tag and model and keep the spend per agent and day
/// (unchanged since version 1).
const SIDE_TABLES: &str = r#"
CREATE TABLE session_tags (
    tag        TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (tag, session_id)
) WITHOUT ROWID;

CREATE TABLE session_models (
    model      TEXT NOT NULL,
    session_id TEXT NOT NULL,
    PRIMARY KEY (model, session_id)
) WITHOUT ROWID;

CREATE TABLE agent_day_spend (
    agent    TEXT NOT NULL,
    day      TEXT NOT NULL,
    cost_usd TEXT NOT NULL,
    PRIMARY KEY (agent, day)
) WITHOUT ROWID;
"#;

/// Each name an event row refers to by its id (version 3).
const NAMES: &str = r#"
CREATE TABLE names (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
"#;

/// The sessions with their integer key (version 3).
const SESSIONS: &str = r#"
CREATE TABLE sessions (
    skey          INTEGER PRIMARY KEY,
    session_id    TEXT NOT NULL UNIQUE,
    agent         TEXT,
    name          TEXT,
    repo          TEXT,
    started_at    INTEGER NOT NULL,
    last_event_at INTEGER NOT NULL,
    ended_at      INTEGER,
    event_count   INTEGER NOT NULL,
    cost_usd      TEXT NOT NULL,
    summary       TEXT
);
"#;

const SESSION_INDEXES: &str = r#"
CREATE INDEX sessions_last_event ON sessions(last_event_at);
CREATE INDEX sessions_started ON sessions(started_at);
CREATE INDEX sessions_agent ON sessions(agent, started_at);
CREATE INDEX sessions_repo ON sessions(repo);
"#;

/// The event table of version 3 (shared by the migration and a new database).
const EVENT_ROWS: &str = r#"
CREATE TABLE event_rows (
    seq           INTEGER PRIMARY KEY,
    event_id      NOT NULL UNIQUE,
    skey          INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    kind          INTEGER NOT NULL,
    outcome       INTEGER NOT NULL,
    agent         INTEGER,
    model         INTEGER,
    provider      INTEGER,
    tool          INTEGER,
    trace_id      TEXT,
    task_id       TEXT,
    request_id    TEXT,
    error         TEXT,
    latency_ms    INTEGER,
    duration_ms   INTEGER,
    cost_usd      TEXT,
    input_tokens  INTEGER,
    output_tokens INTEGER,
    event_type    TEXT,
    usage         TEXT,
    cost          TEXT,
    op            TEXT,
    content       TEXT,
    attributes    TEXT,
    extra         TEXT
);
"#;

/// Built after the rows are copied in, which is quicker than keeping it up to date meanwhile.
const EVENT_INDEX: &str = "CREATE INDEX event_rows_session ON event_rows(skey, ts);";

/// The view that reads `event_rows` with its names and session id joined back in.
const EVENTS_VIEW: &str = r#"
CREATE VIEW events AS
SELECT e.seq, e.event_id, s.session_id, e.ts, k.name AS kind, e.event_type, o.name AS outcome,
       e.trace_id, e.task_id, a.name AS agent, m.name AS model, p.name AS provider,
       t.name AS tool, e.request_id, e.error, e.latency_ms, e.duration_ms, e.cost_usd,
       e.input_tokens, e.output_tokens, e.usage, e.cost, e.op, e.content, e.attributes, e.extra
FROM event_rows e
JOIN sessions s ON s.skey = e.skey
JOIN names k ON k.id = e.kind
JOIN names o ON o.id = e.outcome
LEFT JOIN names a ON a.id = e.agent
LEFT JOIN names m ON m.id = e.model
LEFT JOIN names p ON p.id = e.provider
LEFT JOIN names t ON t.id = e.tool;
"#;

/// How hard a commit is made durable.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// WAL + NORMAL: a committed transaction survives a crash of the process (kill -9); the last
    /// commits may be lost on power failure.
    #[default]
    Normal,
    /// WAL + FULL: a commit also survives power failure, at the cost of an fsync per commit.
    Full,
}

/// Connection settings shared by the writer and the readers.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionOptions {
    pub synchronous: Synchronous,
    pub busy_timeout: Duration,
}

impl Default for ConnectionOptions {
    fn default() -> Self {
        ConnectionOptions {
            synchronous: Synchronous::Normal,
            busy_timeout: Duration::from_secs(5),
        }
    }
}

fn sql_err(context: &str) -> impl FnOnce(rusqlite::Error) -> StorageError + '_ {
    move |source| StorageError::Sqlite {
        context: context.to_string(),
        source,
    }
}

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
pub fn open_file(path: &Path, opts: &ConnectionOptions) -> Result<Connection, StorageError> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(StorageError::MissingDirectory {
            path: dir.to_path_buf(),
        });
    }
    let conn = Connection::open(path).map_err(|source| open_error(path, source))?;
    configure(&conn, opts, true).map_err(|e| with_path(e, path))?;
    migrate(&conn).map_err(|e| with_path(e, path))?;
    Ok(conn)
}

/// Opens a second connection to an existing database for queries.
pub fn open_reader(path: &Path, opts: &ConnectionOptions) -> Result<Connection, StorageError> {
    let conn = Connection::open(path).map_err(|source| StorageError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    configure(&conn, opts, false)?;
    check_version(&conn)?;
    Ok(conn)
}

/// A private in-memory database with the current schema.
pub fn open_memory() -> Result<Connection, StorageError> {
    let conn = Connection::open_in_memory().map_err(sql_err("open in-memory database"))?;
    conn.execute_batch("PRAGMA page_size=8192")
        .map_err(sql_err("set page size"))?;
    migrate(&conn)?;
    Ok(conn)
}

/// SQLite says only "unable to open database file"; find out whether the cause is a read-only
/// file system or directory by trying to create the file the same way.
fn open_error(path: &Path, source: rusqlite::Error) -> StorageError {
    if !path.exists() {
        let probe = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path);
        match probe {
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::ReadOnlyFilesystem | std::io::ErrorKind::PermissionDenied
                ) =>
            {
                return StorageError::ReadOnly {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                };
            }
            Err(_) => {}
            Ok(_) => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    StorageError::Open {
        path: path.to_path_buf(),
        source,
    }
}

/// SQLite reports a read-only directory or file only when the first write happens; turn that
/// into an error that names the file instead of a bare "attempt to write a readonly database".
fn with_path(e: StorageError, path: &Path) -> StorageError {
    match e {
        StorageError::Sqlite { source, .. }
            if matches!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::ReadOnly) | Some(rusqlite::ErrorCode::CannotOpen)
            ) =>
        {
            StorageError::ReadOnly {
                path: path.to_path_buf(),
                message: source.to_string(),
            }
        }
        StorageError::NewerSchema {
            found, supported, ..
        } => StorageError::NewerSchema {
            path: Some(path.to_path_buf()),
            found,
            supported,
        },
        // A file that is not a database, or one damaged, is named rather than left as a bare
        // "file is not a database".
        StorageError::Sqlite { source, .. }
            if matches!(
                source.sqlite_error_code(),
                Some(rusqlite::ErrorCode::NotADatabase)
                    | Some(rusqlite::ErrorCode::DatabaseCorrupt)
            ) =>
        {
            StorageError::Open {
                path: path.to_path_buf(),
                source,
            }
        }
        other => other,
    }
}

fn configure(
    conn: &Connection,
    opts: &ConnectionOptions,
    writer: bool,
) -> Result<(), StorageError> {
    conn.busy_timeout(opts.busy_timeout)
        .map_err(sql_err("set busy timeout"))?;
    if writer {
        // Only a new, empty file takes this; with 8 KiB pages an insert splits pages half as
        // often, which makes sustained ingest measurably faster.
        conn.execute_batch("PRAGMA page_size=8192")
            .map_err(sql_err("set page size"))?;
        // journal_mode=WAL writes the file header, so it is the first statement that can find
        // the database read-only; it is retried on BUSY because another process may be
        // converting the same file at this moment.
        retry_busy(|| {
            conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get::<_, String>(0))
                .map(|_| ())
        })
        .map_err(sql_err("enable WAL"))?;
    }
    let sync = match opts.synchronous {
        Synchronous::Normal => "NORMAL",
        Synchronous::Full => "FULL",
    };
    conn.execute_batch(&format!(
        "PRAGMA synchronous={sync}; PRAGMA foreign_keys=OFF; PRAGMA temp_store=MEMORY;"
    ))
    .map_err(sql_err("set pragmas"))?;
    Ok(())
}

/// Runs `f` again while SQLite reports BUSY or LOCKED beyond the busy timeout, with a growing
/// pause, so that contention between processes never reaches the caller.
pub fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let mut pause = Duration::from_millis(1);
    let mut attempts = 0u32;
    loop {
        match f() {
            Err(e) if is_busy(&e) && attempts < 200 => {
                attempts += 1;
                std::thread::sleep(pause);
                pause = (pause * 2).min(Duration::from_millis(100));
            }
            other => return other,
        }
    }
}

pub fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy) | Some(rusqlite::ErrorCode::DatabaseLocked)
    )
}

fn user_version(conn: &Connection) -> Result<i64, StorageError> {
    conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_err("read schema version"))
}

fn check_version(conn: &Connection) -> Result<i64, StorageError> {
    let found = user_version(conn)?;
    if found > SCHEMA_VERSION {
        return Err(StorageError::NewerSchema {
            path: None,
            found,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(found)
}

/// Applies the missing migrations, each in its own IMMEDIATE transaction so two processes opening
/// a fresh file at once cannot both apply the same step.
pub fn migrate(conn: &Connection) -> Result<(), StorageError> {
    loop {
        let current = check_version(conn)?;
        if current >= SCHEMA_VERSION {
            return Ok(());
        }
        retry_busy(|| conn.execute_batch("BEGIN IMMEDIATE")).map_err(sql_err("begin migration"))?;
        // Re-read under the write lock: another process may have migrated meanwhile.
        let step = (|| {
            let current = check_version(conn)?;
            if current >= SCHEMA_VERSION {
                return Ok(());
            }
            // A new database gets the current schema at once rather than every step to it.
            let (steps, version) = if current == 0 {
                (CURRENT, SCHEMA_VERSION)
            } else {
                (MIGRATIONS[current as usize], current + 1)
            };
            for sql in steps {
                conn.execute_batch(sql)
                    .map_err(sql_err("apply schema migration"))?;
            }
            conn.execute_batch(&format!("PRAGMA user_version={version}"))
                .map_err(sql_err("record schema version"))?;
            Ok(())
        })();
        match step {
            Ok(()) => conn
                .execute_batch("COMMIT")
                .map_err(sql_err("commit migration"))?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_database_gets_current_version() {
        let conn = open_memory().unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        let dir = tempfile::tempdir().unwrap();
        let conn = open_file(&dir.path().join("new.db"), &ConnectionOptions::default()).unwrap();
        let page: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        assert_eq!(page, 8192);
    }

    #[test]
    fn newer_schema_is_refused_with_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.db");
        {
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch("PRAGMA user_version=99").unwrap();
        }
        let err = open_file(&path, &ConnectionOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(
            matches!(err, StorageError::NewerSchema { found: 99, .. }),
            "{text}"
        );
        assert!(text.contains("99") && text.contains("x.db"), "{text}");
    }

    /// Writes `ev` the way version 1 did: the id as text and every JSON column filled.
    fn insert_v1(conn: &Connection, ev: &crate::Event) {
        let usage = ev.usage.as_ref();
        conn.execute(
            "INSERT INTO events (event_id, session_id, ts, kind, event_type, outcome, agent, \
             model, cost_usd, input_tokens, output_tokens, usage, cost) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            rusqlite::params![
                ev.event_id,
                ev.session_id,
                ev.timestamp.timestamp_micros(),
                ev.event_type.kind_name(),
                json(&ev.event_type),
                ev.outcome.as_str(),
                ev.agent,
                ev.model,
                crate::store::usd_of(ev).map(|d| d.to_string()),
                usage.and_then(crate::Usage::input_total).map(|v| v as i64),
                usage.and_then(crate::Usage::output_total).map(|v| v as i64),
                usage.map(json),
                ev.cost.as_ref().map(json),
            ],
        )
        .unwrap();
    }

    fn json<T: serde::Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn version_1_database_migrates_and_keeps_its_events() {
        use crate::event::{EventType, kinds};
        use crate::store::{SqliteStore, read_events};
        use crate::{Cost, Event, Usage};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        let mut events = Vec::new();
        for i in 0..3i64 {
            let mut ev = Event::new("s1", EventType::custom(kinds::LLM_CALL));
            ev.timestamp = chrono::DateTime::from_timestamp_micros(1_000_000 * (i + 1)).unwrap();
            ev.agent = Some("bot".into());
            ev.model = Some("m".into());
            ev.usage = Some(Usage {
                input: Some(10),
                output: Some(5),
                ..Usage::default()
            });
            ev.cost = Some(Cost::reported(rust_decimal::Decimal::new(25 + i, 3)));
            events.push(ev);
        }
        let mut text_id = Event::new("s1", EventType::UserMessage);
        text_id.event_id = "not-a-uuid".into();
        text_id.timestamp = chrono::DateTime::from_timestamp_micros(9_000_000).unwrap();
        events.push(text_id);
        // The session tables did not change between the versions: take them from a database
        // written now, and the events in version 1's form.
        let reference = dir.path().join("now.db");
        let mut now =
            SqliteStore::new(open_file(&reference, &ConnectionOptions::default()).unwrap());
        now.write_batch(&events).unwrap();
        let expected_session = now.session("s1").unwrap().unwrap();
        drop(now);
        {
            let conn = Connection::open(&path).unwrap();
            for sql in MIGRATIONS[0] {
                conn.execute_batch(sql).unwrap();
            }
            conn.execute_batch("PRAGMA user_version=1").unwrap();
            for ev in &events {
                insert_v1(&conn, ev);
            }
            conn.execute("ATTACH ?1 AS now", [reference.to_str().unwrap()])
                .unwrap();
            conn.execute_batch(
                "INSERT INTO sessions SELECT session_id, agent, name, repo, started_at, \
                 last_event_at, ended_at, event_count, cost_usd, summary FROM now.sessions; \
                 INSERT INTO session_models SELECT * FROM now.session_models; \
                 INSERT INTO agent_day_spend SELECT * FROM now.agent_day_spend; DETACH now;",
            )
            .unwrap();
        }
        let conn = open_file(&path, &ConnectionOptions::default()).unwrap();
        assert_eq!(user_version(&conn).unwrap(), SCHEMA_VERSION);
        assert_eq!(read_events(&conn, "s1").unwrap(), events);
        assert_eq!(
            crate::store::read_session(&conn, "s1").unwrap(),
            Some(expected_session.clone())
        );
        let packed: i64 = conn
            .query_row(
                "SELECT count(*) FROM events WHERE typeof(event_id) = 'blob'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(packed, 3, "UUID ids are packed, the other id stays text");
        // An id stored by version 1 is still recognised when it is logged again.
        let mut store = SqliteStore::new(conn);
        let again = store.write_batch(&events).unwrap();
        assert_eq!(again.inserted, vec![false; 4]);
        assert_eq!(store.session("s1").unwrap(), Some(expected_session));
        let fresh = Event::new("s1", EventType::custom(kinds::LLM_CALL));
        assert_eq!(store.write_batch(&[fresh]).unwrap().inserted, vec![true]);
    }

    /// Every table, view and index with its columns, as SQLite describes them.
    fn structure(conn: &Connection) -> Vec<String> {
        let objects: Vec<(String, String)> = conn
            .prepare(
                "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' \
                 ORDER BY type, name",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut out = Vec::new();
        for (kind, name) in objects {
            let pragma = if kind == "index" {
                "index_xinfo"
            } else {
                "table_xinfo"
            };
            let mut stmt = conn.prepare(&format!("PRAGMA {pragma}({name})")).unwrap();
            let columns = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    (0..columns)
                        .map(|i| {
                            r.get::<_, rusqlite::types::Value>(i)
                                .map(|v| format!("{v:?}"))
                        })
                        .collect::<rusqlite::Result<Vec<_>>>()
                })
                .unwrap()
                .map(Result::unwrap);
            for row in rows {
                out.push(format!("{kind} {name}: {}", row.join(" ")));
            }
        }
        let mut unique: Vec<String> = conn
            .prepare(
                "SELECT m.name, l.name, l.\"unique\" FROM sqlite_master m, \
                 pragma_index_list(m.name) l WHERE m.type = 'table' ORDER BY 1, 2",
            )
            .unwrap()
            .query_map([], |r| {
                Ok(format!(
                    "{} {} unique={}",
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        out.append(&mut unique);
        out
    }

    #[test]
    fn a_new_database_has_the_schema_the_migrations_build() {
        let fresh = open_memory().unwrap();
        let migrated = Connection::open_in_memory().unwrap();
        for sql in MIGRATIONS[0] {
            migrated.execute_batch(sql).unwrap();
        }
        migrated.execute_batch("PRAGMA user_version=1").unwrap();
        migrate(&migrated).unwrap();
        assert_eq!(user_version(&migrated).unwrap(), SCHEMA_VERSION);
        let (a, b) = (structure(&fresh), structure(&migrated));
        assert!(a.len() > 40, "{a:?}");
        assert_eq!(a, b);
    }

    #[test]
    fn missing_directory_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/dir/x.db");
        let err = open_file(&path, &ConnectionOptions::default()).unwrap_err();
        assert!(matches!(err, StorageError::MissingDirectory { .. }));
        assert!(err.to_string().contains("no/such/dir"));
    }
}
