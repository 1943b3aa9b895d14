//! One function per command: each calls the library, then prints a table for people or one JSON
//! document for programs.

use crate::fmt::{Style, Table, ago, count, cut, duration, money, money_opt, print_json};
use crate::{Cli, CliError, Command, Format, PricingCommand};
use chrono::{DateTime, Utc};
use hailog::Usage;
use hailog::import::{self, ImportOptions, Progress, Source};
use hailog::pricing::{CostOptions, ModelPrice, PriceTable, Rates};
use hailog::recorder::{ExportFormat, RefMatch, SessionFilter, SessionListing, StatsBy, Window};
use hailog::session::{SessionStatus, SessionSummary, is_failure};
use hailog::store::StorageError;
use hailog::{Event, recorder::Recorder};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

type Result<T> = std::result::Result<T, CliError>;

pub fn is_locked(e: &StorageError) -> bool {
    let busy = |s: &rusqlite::Error| {
        matches!(
            s.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    };
    match e {
        StorageError::Sqlite { source, .. } | StorageError::Open { source, .. } => busy(source),
        _ => false,
    }
}

struct Db {
    path: PathBuf,
    busy: Duration,
}

impl Db {
    fn from(cli: &Cli) -> Result<Self> {
        let path = match &cli.db {
            Some(p) => p.clone(),
            None => hailog::recorder::default_db_path().ok_or_else(|| {
                CliError::new(
                    "no_database",
                    "no --db, HAILOG_DB, XDG_DATA_HOME or HOME to find the database",
                )
            })?,
        };
        Ok(Db {
            path,
            busy: cli.busy_timeout,
        })
    }

    /// The database must exist: reading commands never create an empty one.
    fn existing(&self) -> Result<()> {
        if self.path.is_file() {
            Ok(())
        } else {
            Err(CliError::new(
                "no_database",
                format!(
                    "no database at {} (pass --db FILE or set HAILOG_DB)",
                    self.path.display()
                ),
            ))
        }
    }

    fn open(&self) -> Result<Recorder> {
        self.existing()?;
        Ok(Recorder::builder()
            .path(&self.path)
            .busy_timeout(self.busy)
            .open()?)
    }

    /// Fails fast, naming the file, when another process holds the write lock.
    fn check_unlocked(&self) -> Result<()> {
        if !self.path.is_file() {
            return Ok(());
        }
        let locked = || {
            CliError::new(
                "database_locked",
                format!(
                    "database {} is locked by another process (waited {:?})",
                    self.path.display(),
                    self.busy
                ),
            )
        };
        let conn = rusqlite::Connection::open(&self.path)
            .map_err(|e| CliError::new("storage", format!("{}: {e}", self.path.display())))?;
        conn.busy_timeout(self.busy)
            .map_err(|e| CliError::new("storage", e.to_string()))?;
        match conn.execute_batch("BEGIN IMMEDIATE; ROLLBACK;") {
            Ok(()) => Ok(()),
            Err(e)
                if matches!(
                    e.sqlite_error_code(),
                    Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
                ) =>
            {
                Err(locked())
            }
            Err(e) => Err(CliError::new(
                "storage",
                format!("{}: {e}", self.path.display()),
            )),
        }
    }

    fn open_for_write(&self) -> Result<Recorder> {
        self.existing()?;
        self.check_unlocked()?;
        self.open()
    }
}

pub fn resolve(rec: &Recorder, reference: &str) -> Result<String> {
    match rec.resolve_ref(reference)? {
        RefMatch::Found { session_id } => Ok(session_id),
        RefMatch::NotFound => Err(CliError::new(
            "unknown_ref",
            format!("no session matches {reference:?}"),
        )),
        RefMatch::Ambiguous { candidates } => Err(CliError::new(
            "ambiguous_ref",
            format!(
                "{reference:?} matches several sessions: {}{}; give more of the id",
                candidates.join(", "),
                if candidates.len() >= hailog::recorder::MAX_CANDIDATES {
                    ", ..."
                } else {
                    ""
                }
            ),
        )),
    }
}

pub fn run(cli: Cli) -> Result<()> {
    let db = Db::from(&cli)?;
    let json = cli.json;
    match cli.command {
        Command::Sessions(args) => sessions(&db.open()?, &args, json),
        Command::Show { reference } => show(&db.open()?, &reference, json),
        Command::Stats(args) => stats(&db.open()?, &args, json),
        Command::Export(args) => export(&db.open()?, &args, json),
        Command::Report(args) => {
            let rec = db.open()?;
            let id = resolve(&rec, &args.reference)?;
            let html = crate::report::render(&rec, &id, args.public, Utc::now())?;
            std::fs::write(&args.output, &html).map_err(|e| {
                CliError::new("io", format!("cannot write {}: {e}", args.output.display()))
            })?;
            if json {
                print_json(
                    json!({"session_id": id, "written": args.output, "bytes": html.len(), "public": args.public}),
                );
            } else {
                println!(
                    "Wrote {} ({} KB){}",
                    args.output.display(),
                    html.len().div_ceil(1024),
                    if args.public { ", public" } else { "" }
                );
            }
            Ok(())
        }
        Command::Import(args) => import_cmd(&db, &args, json),
        Command::Validate { file } => validate(&file, json),
        Command::Pricing(cmd) => pricing(cmd, json),
        Command::Recover { max_age } => {
            let rec = db.open_for_write()?;
            let ended = rec.recover_stale(max_age, Utc::now())?;
            rec.close()?;
            if json {
                print_json(json!({"ended": ended}));
            } else if ended.is_empty() {
                println!(
                    "No open session silent for longer than {}",
                    duration(max_age.as_secs())
                );
            } else {
                println!("Ended {} stale session(s):", ended.len());
                for id in ended {
                    println!("  {id}");
                }
            }
            Ok(())
        }
        Command::End { reference, notes } => {
            let rec = db.open_for_write()?;
            let id = resolve(&rec, &reference)?;
            rec.end_session(&id, notes.as_deref())?;
            rec.flush(Some(db.busy + Duration::from_secs(5)))?;
            rec.close()?;
            if json {
                print_json(json!({"session_id": id, "ended": true}));
            } else {
                println!("Ended {id}");
            }
            Ok(())
        }
        Command::Note { reference, text } => {
            let rec = db.open_for_write()?;
            let id = resolve(&rec, &reference)?;
            let receipt = rec.note(&id, &text)?;
            rec.flush(Some(db.busy + Duration::from_secs(5)))?;
            rec.close()?;
            if json {
                print_json(json!({"session_id": id, "event_id": receipt.event_id}));
            } else {
                println!("Noted on {id}");
            }
            Ok(())
        }
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let shell = match shell {
                crate::Shell::Bash => clap_complete::Shell::Bash,
                crate::Shell::Zsh => clap_complete::Shell::Zsh,
                crate::Shell::Fish => clap_complete::Shell::Fish,
            };
            clap_complete::generate(shell, &mut Cli::command(), "hailog", &mut std::io::stdout());
            Ok(())
        }
    }
}

fn tokens_of(s: &SessionSummary) -> u64 {
    s.tokens.total().unwrap_or(0)
}

fn sessions(rec: &Recorder, args: &crate::SessionsArgs, json: bool) -> Result<()> {
    let now = Utc::now();
    let window: Window = args.since.parse()?;
    let status = args
        .status
        .as_deref()
        .map(str::parse::<SessionStatus>)
        .transpose()?;
    let filter = SessionFilter {
        agent: args.agent.clone(),
        status,
        tag: args.tag.clone(),
        repo: args.repo.clone(),
        model: args.model.clone(),
        limit: args.group.is_none().then_some(args.limit),
        ..SessionFilter::default()
    }
    .window(window, now);
    let list = rec.sessions(&filter, now)?;
    // (listing, sessions folded into it)
    let mut shown: Vec<(SessionListing, u64)> = Vec::new();
    if args.group.is_some() {
        let key = |l: &SessionListing| (l.row.agent.clone(), l.row.started_at.date_naive());
        for l in list {
            match shown.iter_mut().find(|(s, _)| key(s) == key(&l)) {
                Some((_, more)) => *more += 1,
                None => shown.push((l, 0)),
            }
        }
        shown.truncate(args.limit);
    } else {
        shown = list.into_iter().map(|l| (l, 0)).collect();
    }
    let mut rows = Vec::with_capacity(shown.len());
    for (l, more) in &shown {
        let summary = rec.summary(&l.row.session_id)?.unwrap_or_default();
        rows.push((l, *more, summary));
    }
    if json {
        let out: Vec<Value> = rows
            .iter()
            .map(|(l, more, s)| {
                let mut v = json!({
                    "session_id": l.row.session_id,
                    "name": l.row.name,
                    "agent": l.row.agent,
                    "status": l.status,
                    "requests": s.request_count,
                    "tokens": tokens_of(s),
                    "cost_usd": s.cost_usd,
                    "unpriced_requests": s.unpriced_requests,
                    "errors": s.error_count,
                    "duration_seconds": s.duration_seconds,
                    "started_at": l.row.started_at,
                    "last_event_at": l.row.last_event_at,
                    "ended_at": l.row.ended_at,
                    "repo": l.row.repo,
                    "tags": l.row.tags,
                    "models": l.row.models,
                });
                if args.group.is_some() {
                    v["more"] = json!(more);
                }
                v
            })
            .collect();
        print_json(json!({"sessions": out}));
        return Ok(());
    }
    let style = Style::stdout();
    if rows.is_empty() {
        println!("No sessions match.");
        return Ok(());
    }
    let mut headers = vec![
        "ID",
        "NAME",
        "AGENT",
        "STATUS",
        "REQS>",
        "TOKENS>",
        "COST>",
        "DURATION>",
        "LAST EVENT>",
    ];
    if args.group.is_some() {
        headers.push("MORE>");
    }
    let mut t = Table::new(&headers);
    for (l, more, s) in &rows {
        let mut cells = vec![
            style.cyan(&cut(&l.row.session_id, 18)),
            cut(l.row.name.as_deref().unwrap_or("-"), 28),
            l.row.agent.clone().unwrap_or_else(|| "-".into()),
            style.status(l.status.as_str()),
            count(s.request_count),
            count(tokens_of(s)),
            cost_cell(s),
            duration(s.duration_seconds),
            ago(l.row.last_event_at, Utc::now()),
        ];
        if args.group.is_some() {
            cells.push(if *more > 0 {
                format!("+{more} more")
            } else {
                String::new()
            });
        }
        t.row(cells);
    }
    print!("{}", t.render(&style));
    Ok(())
}

/// A session's cost, marked when part of it is unknown (unpriced requests).
fn cost_cell(s: &SessionSummary) -> String {
    let base = money_opt(s.cost_usd);
    if s.unpriced_requests > 0 {
        format!("{base}+?")
    } else {
        base
    }
}

fn note_text(ev: &Event) -> Option<&str> {
    (ev.event_type.custom_kind() == Some(hailog::event::kinds::NOTE))
        .then(|| ev.attributes.get("note").and_then(Value::as_str))
        .flatten()
}

fn error_text(ev: &Event) -> String {
    ev.error.clone().unwrap_or_else(|| {
        ev.tool.as_ref().map_or_else(
            || ev.event_type.kind_name().to_string(),
            |t| format!("{t} failed"),
        )
    })
}

fn show(rec: &Recorder, reference: &str, json: bool) -> Result<()> {
    let id = resolve(rec, reference)?;
    let now = Utc::now();
    let s = rec
        .summary(&id)?
        .ok_or_else(|| CliError::new("unknown_ref", format!("no session {id:?}")))?;
    let status = rec.status(&id, now)?.unwrap_or(SessionStatus::Done);
    let traces = rec.traces(&id)?;
    let events = rec.events(&id)?;
    let notes: Vec<(DateTime<Utc>, &str)> = events
        .iter()
        .filter_map(|e| note_text(e).map(|n| (e.timestamp, n)))
        .collect();
    let errors: Vec<&Event> = events.iter().filter(|e| is_failure(e)).collect();
    if json {
        print_json(json!({
            "session": s,
            "status": status,
            "traces": traces,
            "notes": notes.iter().map(|(t, n)| json!({"timestamp": t, "text": n})).collect::<Vec<_>>(),
            "errors": errors.iter().map(|e| json!({
                "event_id": e.event_id, "timestamp": e.timestamp, "kind": e.event_type.kind_name(),
                "tool": e.tool, "model": e.model, "message": e.error,
            })).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    let st = Style::stdout();
    let mut out = String::new();
    let title = s
        .name
        .as_deref()
        .map(|n| format!("  {n}"))
        .unwrap_or_default();
    out += &format!(
        "{}{}  {}\n",
        st.bold(&format!("Session {id}")),
        st.bold(&title),
        st.status(status.as_str())
    );
    let mut facts = Vec::new();
    if let Some(a) = &s.agent {
        facts.push(format!("agent {a}"));
    }
    if let Some(r) = &s.repo {
        facts.push(format!("repo {r}"));
    }
    if !s.tags.is_empty() {
        facts.push(format!("tags {}", s.tags.join(", ")));
    }
    if let Some(f) = s.first_event_at {
        facts.push(format!("started {}", f.format("%Y-%m-%d %H:%M UTC")));
    }
    if let Some(l) = s.last_event_at {
        facts.push(format!("last event {}", ago(l, now)));
    }
    if let Some(e) = s.ended_at {
        facts.push(format!("ended {}", e.format("%Y-%m-%d %H:%M UTC")));
    }
    out += &format!("{}\n\n", st.dim(&facts.join(" · ")));
    let t = &s.tokens;
    let parts: Vec<String> = [
        ("in", t.input),
        ("cache read", t.cache_read),
        ("cache write", add(t.cache_write_5m, t.cache_write_1h)),
        ("out", t.output),
        ("reasoning", t.reasoning),
    ]
    .iter()
    .filter_map(|(k, v)| v.map(|v| format!("{k} {}", count(v))))
    .collect();
    let kpi = |label: &str, value: String| format!("{} {}", st.dim(label), st.bold(&value));
    out += &format!(
        "  {}   {}   {}   {}   {}\n",
        kpi("Cost", cost_cell(&s)),
        kpi("Requests", count(s.request_count)),
        kpi(
            "Tokens",
            format!(
                "{}{}",
                count(tokens_of(&s)),
                if parts.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", parts.join(" · "))
                }
            )
        ),
        kpi("Errors", s.error_count.to_string()),
        kpi("Duration", duration(s.duration_seconds)),
    );
    out += &format!(
        "  {}   {}   {}\n",
        kpi("Latency p50", ms(s.latency_p50_ms)),
        kpi("p95", ms(s.latency_p95_ms)),
        kpi("Tool calls", s.tool_call_count.to_string()),
    );
    if !s.models.is_empty() {
        out += &format!("\n{}\n", st.bold("Models"));
        let mut tb = Table::new(&[
            "MODEL",
            "REQS>",
            "INPUT>",
            "CACHE READ>",
            "CACHE WRITE>",
            "OUTPUT>",
            "COST>",
        ]);
        for (m, b) in &s.models {
            let tk = &b.tokens;
            tb.row(vec![
                m.clone(),
                count(b.requests),
                opt_count(tk.input),
                opt_count(tk.cache_read),
                opt_count(add(tk.cache_write_5m, tk.cache_write_1h)),
                opt_count(add(tk.output, tk.reasoning)),
                if b.unpriced_requests > 0 && b.cost_usd.is_none() {
                    "unpriced".into()
                } else {
                    money_opt(b.cost_usd)
                },
            ]);
        }
        out += &indent(&tb.render(&st));
    }
    if !s.tools.is_empty() {
        out += &format!("\n{}\n", st.bold("Tools"));
        let mut tools: Vec<_> = s.tools.iter().collect();
        tools.sort_by(|a, b| b.1.calls.cmp(&a.1.calls).then(a.0.cmp(b.0)));
        let mut tb = Table::new(&["TOOL", "CALLS>", "ERRORS>"]);
        for (name, c) in tools {
            let errs = if c.errors > 0 {
                st.red(&c.errors.to_string())
            } else {
                "0".into()
            };
            tb.row(vec![name.clone(), c.calls.to_string(), errs]);
        }
        out += &indent(&tb.render(&st));
    }
    if traces.len() > 1 || traces.first().is_some_and(|t| t.trace_id.is_some()) {
        out += &format!("\n{}\n", st.bold("Traces"));
        let mut tb = Table::new(&[
            "TRACE", "EVENTS>", "REQS>", "FAILED>", "TOKENS>", "COST>", "AT>", "TOOK>",
        ]);
        let shown = 20;
        for tr in traces.iter().take(shown) {
            tb.row(vec![
                cut(tr.trace_id.as_deref().unwrap_or("(none)"), 24),
                tr.events.to_string(),
                tr.requests.to_string(),
                if tr.failures > 0 {
                    st.red(&tr.failures.to_string())
                } else {
                    "0".into()
                },
                count(tr.input_tokens + tr.output_tokens),
                money(tr.cost_usd),
                tr.first_at.format("%H:%M:%S").to_string(),
                duration(u64::try_from((tr.last_at - tr.first_at).num_seconds()).unwrap_or(0)),
            ]);
        }
        out += &indent(&tb.render(&st));
        if traces.len() > shown {
            out += &format!(
                "  {}\n",
                st.dim(&format!(
                    "… {} more traces (--json lists all)",
                    traces.len() - shown
                ))
            );
        }
    }
    for (title, items) in [("Pull requests", &s.pull_requests), ("Commits", &s.commits)] {
        if !items.is_empty() {
            out += &format!("\n{}\n", st.bold(title));
            for i in items {
                out += &format!("  {i}\n");
            }
        }
    }
    if !notes.is_empty() {
        out += &format!("\n{}\n", st.bold("Notes"));
        for (t, n) in &notes {
            out += &format!(
                "  {}  {n}\n",
                st.dim(&t.format("%Y-%m-%d %H:%M").to_string())
            );
        }
    }
    if !errors.is_empty() {
        out += &format!("\n{}\n", st.bold(&format!("Errors ({})", errors.len())));
        for e in errors.iter().take(20) {
            out += &format!(
                "  {}  {}\n",
                st.dim(&e.timestamp.format("%Y-%m-%d %H:%M:%S").to_string()),
                st.red(&cut(&error_text(e), 100))
            );
        }
        if errors.len() > 20 {
            out += &format!("  {}\n", st.dim(&format!("… {} more", errors.len() - 20)));
        }
    }
    print!("{out}");
    Ok(())
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("  {l}\n")).collect()
}

fn add(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

fn opt_count(v: Option<u64>) -> String {
    v.map_or_else(|| "-".into(), count)
}

fn ms(v: Option<u64>) -> String {
    match v {
        None => "-".into(),
        Some(v) if v < 1000 => format!("{v} ms"),
        Some(v) => format!("{:.1} s", v as f64 / 1000.0),
    }
}

fn window_of(p: crate::Period) -> Window {
    match p {
        crate::Period::Day => Window::Last24h,
        crate::Period::Week => Window::Last7d,
        crate::Period::Month => Window::Last30d,
        crate::Period::All => Window::All,
    }
}

fn stats(rec: &Recorder, args: &crate::StatsArgs, json: bool) -> Result<()> {
    let now = Utc::now();
    let since = window_of(args.period).since(now);
    // (key, requests, failures, input, output, cost, unpriced)
    let days = match args.by {
        crate::By::Day => Some(rec.daily_usage(since, None)?),
        _ => None,
    };
    let rows: Vec<(String, u64, u64, u64, u64, Decimal, u64)> = match args.by {
        crate::By::Day => days
            .iter()
            .flatten()
            .map(|d| {
                let t = &d.tokens;
                let input = [
                    t.input,
                    t.cache_read,
                    t.cache_write_5m,
                    t.cache_write_1h,
                    t.input_audio,
                    t.input_image,
                ]
                .iter()
                .map(|v| v.unwrap_or(0))
                .sum();
                let output = [t.output, t.reasoning, t.output_audio]
                    .iter()
                    .map(|v| v.unwrap_or(0))
                    .sum();
                let day = d.day.clone();
                (
                    day, d.requests, d.failures, input, output, d.cost_usd, d.unpriced,
                )
            })
            .collect(),
        by => {
            let by = match by {
                crate::By::Model => StatsBy::Model,
                crate::By::Provider => StatsBy::Provider,
                _ => StatsBy::Agent,
            };
            rec.usage_stats(by, since, None)?
                .into_iter()
                .map(|r| {
                    (
                        r.key.unwrap_or_else(|| "(none)".into()),
                        r.requests,
                        r.failures,
                        r.input_tokens,
                        r.output_tokens,
                        r.cost_usd,
                        r.unpriced,
                    )
                })
                .collect()
        }
    };
    let by_name = format!("{:?}", args.by).to_lowercase();
    let period = format!("{:?}", args.period).to_lowercase();
    let total = rows.iter().fold((0, 0, 0, 0, Decimal::ZERO, 0), |a, r| {
        (
            a.0 + r.1,
            a.1 + r.2,
            a.2 + r.3,
            a.3 + r.4,
            a.4 + r.5,
            a.5 + r.6,
        )
    });
    if json {
        let out: Vec<Value> = rows
            .iter()
            .map(|r| json!({"key": r.0, "requests": r.1, "failures": r.2, "input_tokens": r.3, "output_tokens": r.4, "cost_usd": r.5, "unpriced": r.6}))
            .collect();
        let mut doc = json!({
            "period": period, "by": by_name, "since": since, "rows": out,
            "totals": {"requests": total.0, "failures": total.1, "input_tokens": total.2, "output_tokens": total.3, "cost_usd": total.4, "unpriced": total.5},
        });
        // By day, each day's tokens per bucket and models are listed too.
        if let Some(days) = days {
            doc["days"] = json!(days);
        }
        print_json(doc);
        return Ok(());
    }
    let st = Style::stdout();
    if rows.is_empty() {
        println!("No LLM calls in this period.");
        return Ok(());
    }
    let head: &'static str = match args.by {
        crate::By::Model => "MODEL",
        crate::By::Provider => "PROVIDER",
        crate::By::Agent => "AGENT",
        crate::By::Day => "DAY",
    };
    let mut t = Table::new(&[
        head,
        "REQS>",
        "FAILED>",
        "INPUT>",
        "OUTPUT>",
        "COST>",
        "UNPRICED>",
    ]);
    let mut push = |key: String, r: (u64, u64, u64, u64, Decimal, u64)| {
        t.row(vec![
            key,
            count(r.0),
            r.1.to_string(),
            count(r.2),
            count(r.3),
            money(r.4),
            r.5.to_string(),
        ]);
    };
    for r in &rows {
        push(r.0.clone(), (r.1, r.2, r.3, r.4, r.5, r.6));
    }
    push(st.bold("total"), total);
    print!("{}", t.render(&st));
    Ok(())
}

fn export_format(f: Format) -> ExportFormat {
    match f {
        Format::Json => ExportFormat::Json,
        Format::Csv => ExportFormat::Csv,
        Format::Hail => ExportFormat::Hail,
    }
}

/// A session id as a file name: anything but letters, digits, `-`, `_` and `.` becomes `_`.
fn file_name(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn export(rec: &Recorder, args: &crate::ExportArgs, json: bool) -> Result<()> {
    let format = export_format(args.format);
    let ids: Vec<String> = match &args.reference {
        Some(r) => vec![resolve(rec, r)?],
        None => {
            let window: Window = args.since.parse()?;
            let filter = SessionFilter::default().window(window, Utc::now());
            let mut ids: Vec<String> = rec
                .sessions(&filter, Utc::now())?
                .into_iter()
                .map(|l| l.row.session_id)
                .collect();
            ids.reverse();
            ids
        }
    };
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| CliError::new("io", format!("cannot write {}: {e}", path.display())))
    };
    let report = |written: Vec<(PathBuf, usize)>| {
        if json {
            print_json(
                json!({"format": format!("{:?}", args.format).to_lowercase(), "sessions": ids.len(),
                "written": written.iter().map(|(p, n)| json!({"path": p, "bytes": n})).collect::<Vec<_>>()}),
            );
        } else {
            for (p, n) in &written {
                eprintln!("Wrote {} ({} bytes)", p.display(), n);
            }
        }
    };
    if format == ExportFormat::Hail && ids.len() != 1 {
        let Some(dir) = &args.output else {
            return Err(CliError::new(
                "invalid_input",
                format!(
                    "{} sessions as HAIL need -o DIR (one file per session)",
                    ids.len()
                ),
            ));
        };
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::new("io", format!("cannot create {}: {e}", dir.display())))?;
        let mut written = Vec::new();
        for id in &ids {
            let bytes = rec.export(id, format)?.unwrap_or_default();
            let path = dir.join(format!("{}.hail.jsonl", file_name(id)));
            write(&path, &bytes)?;
            written.push((path, bytes.len()));
        }
        report(written);
        return Ok(());
    }
    let bytes = if args.reference.is_some() {
        rec.export(&ids[0], format)?
            .ok_or_else(|| CliError::new("unknown_ref", format!("no session {:?}", ids[0])))?
    } else {
        rec.export_sessions(&ids, format)?
    };
    match &args.output {
        Some(path) => {
            write(path, &bytes)?;
            report(vec![(path.clone(), bytes.len())]);
        }
        None if format == ExportFormat::Json => {
            let doc: Value = serde_json::from_slice(&bytes)
                .map_err(|e| CliError::new("storage", format!("export is not JSON: {e}")))?;
            print_json(doc);
        }
        None => {
            std::io::stdout().write_all(&bytes)?;
        }
    }
    Ok(())
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
struct Bar {
    last: Instant,
    start: Instant,
    style: Style,
}

impl Bar {
    fn draw(&mut self, p: &Progress, force: bool) {
        if !force && self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let frac = if p.bytes_total == 0 {
            1.0
        } else {
            p.bytes_done as f64 / p.bytes_total as f64
        };
        let width = 28;
        let filled = ((frac.min(1.0)) * width as f64) as usize;
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(width - filled));
        let secs = self.start.elapsed().as_secs_f64().max(0.001);
        eprint!(
            "\r{} {:>3}%  {}/{} MB  {} files  {} events  {:.0} MB/s ",
            self.style.cyan(&bar),
            (frac * 100.0).min(100.0) as u32,
            p.bytes_done / 1_000_000,
            p.bytes_total / 1_000_000,
            p.files_done,
            count(p.events_added),
            p.bytes_done as f64 / 1e6 / secs,
        );
    }
}

fn import_cmd(db: &Db, args: &crate::ImportArgs, json: bool) -> Result<()> {
    let from = match args.from {
        crate::FromFormat::Auto => None,
        crate::FromFormat::ClaudeCode => Some(Source::ClaudeCode),
        crate::FromFormat::Codex => Some(Source::Codex),
        crate::FromFormat::Hail => Some(Source::Hail),
    };
    let found = import::discover(&args.paths, from)?;
    if found.files.is_empty() {
        return Err(CliError::new(
            "no_input",
            format!(
                "no log files to import under {}{}",
                args.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                if found.unrecognized.is_empty() {
                    String::new()
                } else {
                    format!(
                        " ({} .jsonl files of unknown format; pass --from)",
                        found.unrecognized.len()
                    )
                }
            ),
        ));
    }
    if db.cli_default_dir()
        && let Some(dir) = db.path.parent()
    {
        std::fs::create_dir_all(dir)?;
    }
    db.check_unlocked()?;
    let conn = hailog::store::open_file(
        &db.path,
        &hailog::store::ConnectionOptions {
            busy_timeout: db.busy,
            ..Default::default()
        },
    )
    .map_err(hailog::Error::from)?;
    let mut store = hailog::store::SqliteStore::new(conn);
    let started = Instant::now();
    let show_bar = !json && std::io::stderr().is_terminal();
    let mut bar = Bar {
        last: Instant::now(),
        start: started,
        style: Style::stderr(),
    };
    let mut progress = |p: &Progress| {
        if show_bar {
            bar.draw(p, false);
        }
    };
    let rep = import::import(
        &mut store,
        &found.files,
        &ImportOptions::default(),
        &mut progress,
    )?;
    if show_bar {
        eprintln!();
    }
    let secs = started.elapsed().as_secs_f64();
    if json {
        let mut v = serde_json::to_value(&rep).map_err(|e| CliError::new("io", e.to_string()))?;
        v["seconds"] = json!((secs * 1000.0).round() / 1000.0);
        v["unrecognized_files"] = json!(found.unrecognized);
        v["database"] = json!(db.path);
        print_json(v);
        return Ok(());
    }
    let st = Style::stdout();
    println!(
        "Imported {} new events ({} already present) into {} sessions from {} files ({} MB) in {:.2} s",
        st.bold(&rep.events_added.to_string()),
        rep.events_present,
        rep.sessions_touched,
        rep.files,
        rep.bytes / 1_000_000,
        secs
    );
    if rep.skipped_count > 0 {
        println!(
            "{}",
            st.yellow(&format!("Skipped {} unreadable lines:", rep.skipped_count))
        );
        for s in rep.skipped.iter().take(10) {
            println!("  {s}");
        }
        if rep.skipped_count > 10 {
            println!(
                "  … and {} more (--json lists the first {})",
                rep.skipped_count - 10,
                rep.skipped.len()
            );
        }
    }
    if !found.unrecognized.is_empty() {
        println!(
            "{}",
            st.dim(&format!(
                "{} .jsonl files were not recognized (pass --from to force a format)",
                found.unrecognized.len()
            ))
        );
    }
    Ok(())
}

impl Db {
    /// Whether the database is the default one, whose directory the command may create.
    fn cli_default_dir(&self) -> bool {
        hailog::recorder::default_db_path().is_some_and(|d| d == self.path)
    }
}

fn validate(file: &Path, json: bool) -> Result<()> {
    let f = hailog::hail::read_file(file, hailog::hail::ReadOptions::default()).map_err(|e| {
        let message = format!("{}: {e}", file.display());
        match e {
            hailog::hail::HailError::Io { .. } if !file.exists() => CliError::new("io", message),
            _ => CliError::new("hail_format", message),
        }
    })?;
    let s = &f.summary;
    if json {
        print_json(json!({
            "valid": true,
            "file": file,
            "dialect": f.dialect,
            "session_id": f.header.session_id,
            "events": s.event_count,
            "tokens": tokens_of(s),
            "cost_usd": s.cost_usd,
            "warnings": f.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    let st = Style::stdout();
    println!(
        "{} {} is valid {:?} ({} events, {} tokens, cost {})",
        st.green("ok"),
        file.display(),
        f.dialect,
        s.event_count,
        count(tokens_of(s)),
        money_opt(s.cost_usd)
    );
    for w in &f.warnings {
        println!("  {} {w}", st.yellow("warning:"));
    }
    Ok(())
}

fn rate(r: Option<Decimal>) -> String {
    r.map_or_else(|| "-".into(), |d| format!("{}", d.normalize()))
}

fn rates_json(r: &Rates) -> Value {
    json!({
        "input": r.input, "output": r.output, "cache_read": r.cache_read,
        "cache_write_5m": r.cache_write_5m, "cache_write_1h": r.cache_write_1h,
        "reasoning": r.reasoning, "input_audio": r.input_audio, "output_audio": r.output_audio,
        "input_image": r.input_image, "web_search_per_1k": r.web_search_per_1k,
    })
}

fn entry_json(e: &ModelPrice) -> Value {
    json!({
        "provider": e.provider, "id": e.id, "aliases": e.aliases,
        "effective_from": e.effective_from, "source": e.source, "checked": e.checked,
        "rates_per_million": rates_json(&e.sheet.rates),
        "long_context": e.sheet.long_context.iter().map(|t| json!({"above": t.above, "mode": format!("{:?}", t.mode), "rates_per_million": rates_json(&t.rates)})).collect::<Vec<_>>(),
        "service_tiers": e.service_tiers.keys().collect::<Vec<_>>(),
        "batch": e.batch.is_some(),
    })
}

fn pricing(cmd: PricingCommand, json: bool) -> Result<()> {
    let table = PriceTable::builtin();
    let st = Style::stdout();
    match cmd {
        PricingCommand::List { provider } => {
            let now = Utc::now();
            // The entry valid now for each model (entries are grouped per model, oldest first).
            let mut latest: Vec<&ModelPrice> = Vec::new();
            for e in table.entries() {
                if provider
                    .as_deref()
                    .is_some_and(|p| !p.eq_ignore_ascii_case(&e.provider))
                {
                    continue;
                }
                let valid = e.effective_from.is_none_or(|f| f <= now);
                match latest
                    .iter_mut()
                    .find(|l| l.provider == e.provider && l.id == e.id)
                {
                    Some(slot) if valid => *slot = e,
                    Some(_) => {}
                    None => latest.push(e),
                }
            }
            if json {
                print_json(
                    json!({"table_version": table.version(), "models": latest.iter().map(|e| entry_json(e)).collect::<Vec<_>>()}),
                );
                return Ok(());
            }
            let mut t = Table::new(&[
                "PROVIDER",
                "MODEL",
                "INPUT>",
                "OUTPUT>",
                "CACHE READ>",
                "CACHE WRITE 5M>",
                "CACHE WRITE 1H>",
            ]);
            for e in &latest {
                let r = &e.sheet.rates;
                t.row(vec![
                    e.provider.clone(),
                    e.id.clone(),
                    rate(r.input),
                    rate(r.output),
                    rate(r.cache_read),
                    rate(r.cache_write_5m),
                    rate(r.cache_write_1h),
                ]);
            }
            print!("{}", t.render(&st));
            println!(
                "{}",
                st.dim(&format!(
                    "USD per million tokens · table {} · {} models",
                    table.version(),
                    latest.len()
                ))
            );
            Ok(())
        }
        PricingCommand::Show { model, provider } => {
            let resolved = table
                .resolve(&model, provider.as_deref())
                .map_err(hailog::Error::from)?
                .ok_or_else(|| unknown_model(&model))?;
            let entries: Vec<&ModelPrice> = table
                .entries()
                .filter(|e| e.id == resolved.id && e.provider == resolved.provider)
                .collect();
            if json {
                print_json(
                    json!({"model": model, "resolved": {"provider": resolved.provider, "id": resolved.id, "matched": format!("{:?}", resolved.matched)}, "entries": entries.iter().map(|e| entry_json(e)).collect::<Vec<_>>()}),
                );
                return Ok(());
            }
            println!(
                "{} {}",
                st.bold(&format!("{}/{}", resolved.provider, resolved.id)),
                st.dim(&format!("({model:?} matched by {:?})", resolved.matched))
            );
            for e in entries {
                println!(
                    "\n  from {}",
                    e.effective_from
                        .map_or_else(|| "release".into(), |f| f.format("%Y-%m-%d").to_string())
                );
                let r = &e.sheet.rates;
                for (k, v) in [
                    ("input", r.input),
                    ("output", r.output),
                    ("cache read", r.cache_read),
                    ("cache write 5m", r.cache_write_5m),
                    ("cache write 1h", r.cache_write_1h),
                    ("reasoning", r.reasoning),
                ] {
                    if v.is_some() {
                        println!("    {k:<16} ${}/M", rate(v));
                    }
                }
                for tier in &e.sheet.long_context {
                    println!(
                        "    above {} prompt tokens ({:?}): input ${}/M, output ${}/M",
                        tier.above,
                        tier.mode,
                        rate(tier.rates.input),
                        rate(tier.rates.output)
                    );
                }
                if e.batch.is_some() {
                    println!("    batch pricing available");
                }
                if !e.service_tiers.is_empty() {
                    println!(
                        "    service tiers: {}",
                        e.service_tiers
                            .keys()
                            .cloned()
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                }
                if !e.aliases.is_empty() {
                    println!("    aliases: {}", e.aliases.join(", "));
                }
                if let Some(src) = &e.source {
                    println!(
                        "    {}",
                        st.dim(&format!(
                            "source {src}{}",
                            e.checked
                                .map(|c| format!(", checked {c}"))
                                .unwrap_or_default()
                        ))
                    );
                }
            }
            Ok(())
        }
        PricingCommand::Cost(a) => {
            let at = a.at.as_deref().map(parse_at).transpose()?;
            let usage = Usage {
                input: a.input,
                output: a.output,
                cache_read: a.cache_read,
                cache_write_5m: a.cache_write,
                cache_write_1h: a.cache_write_1h,
                reasoning: a.reasoning,
                ..Usage::default()
            };
            if usage.buckets().iter().all(|(_, v)| v.is_none()) {
                return Err(CliError::new(
                    "invalid_input",
                    "give at least one token count (--input, --output, --cache-read, ...)",
                ));
            }
            let opts = CostOptions {
                provider: a.provider.clone(),
                at,
                batch: a.batch,
                service_tier: a.service_tier.clone(),
            };
            let cost = table
                .cost(&a.model, &usage, &opts)
                .map_err(hailog::Error::from)?;
            let Some(total) = cost.total else {
                return Err(unknown_model(&a.model));
            };
            if json {
                print_json(json!({"model": a.model, "cost": cost}));
                return Ok(());
            }
            println!(
                "{} {}",
                st.bold(&format!("${}", total.normalize())),
                st.dim(&format!(
                    "for {} ({})",
                    cost.model.as_deref().unwrap_or(&a.model),
                    cost.table_version.as_deref().unwrap_or("table")
                ))
            );
            for (bucket, amount) in &cost.breakdown {
                println!("  {bucket:<16} ${}", amount.normalize());
            }
            for r in &cost.rules {
                println!("  {}", st.dim(&format!("rule: {r}")));
            }
            Ok(())
        }
    }
}

fn unknown_model(model: &str) -> CliError {
    CliError::new(
        "unknown_model",
        format!("{model:?} is not in the price table (hailog pricing list shows the known models)"),
    )
}

fn parse_at(s: &str) -> Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|d| d.and_utc())
        .ok_or_else(|| {
            CliError::new(
                "invalid_input",
                format!("--at {s:?}: expected RFC 3339 or YYYY-MM-DD"),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_keep_ids_readable_and_safe() {
        assert_eq!(file_name("run-1.a_b"), "run-1.a_b");
        assert_eq!(file_name("a/b c"), "a_b_c");
    }

    #[test]
    fn dates_parse_in_both_forms() {
        assert!(parse_at("2025-06-01").is_ok());
        assert!(parse_at("2025-06-01T12:00:00Z").is_ok());
        assert_eq!(
            parse_at("yesterday").err().map(|e| e.code),
            Some("invalid_input".into())
        );
    }
}
