//! Profiling driver for the recorder: logs N events (half priced from usage on the caller's
//! thread, half with a reported cost) into no database (`none`) or a file (`file`).
use hailog::Event;
use hailog::recorder::{Database, Recorder};
use std::time::Instant;

#[path = "../benches/support/llm_event.rs"]
mod llm_event;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mode = args.get(1).map(String::as_str).unwrap_or("none");
    let n: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("hailog-prof-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rec = match mode {
        "file" => Recorder::open(dir.join("p.db")).unwrap(),
        _ => Recorder::builder().database(Database::None).open().unwrap(),
    };
    let events: Vec<Event> = (0..n)
        .map(|i| llm_event::llm_event(&format!("s{}", i % 8), i, i.is_multiple_of(2)))
        .collect();
    let start = Instant::now();
    for ev in events {
        rec.log(ev).unwrap();
    }
    let logged = start.elapsed();
    rec.flush(None).unwrap();
    let total = start.elapsed();
    eprintln!(
        "{mode}: {n} events, log {:.0} ns/event, log+flush {:.0} events/s",
        logged.as_nanos() as f64 / n as f64,
        n as f64 / total.as_secs_f64()
    );
    rec.close().unwrap();
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
