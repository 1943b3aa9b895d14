//! Profiling driver for the recorder: logs N events (half priced from usage on the caller's
//! thread, half with a reported cost) into no database (`none`) or a file (`file`), and prints
//! the per-call p50/p95 of `log()` and the log+flush throughput.
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
    // Each call is timed on its own as well, for the p50/p95 a preempted call does not move.
    let mut each = Vec::with_capacity(events.len());
    let start = Instant::now();
    for ev in events {
        let t = Instant::now();
        rec.log(ev).unwrap();
        each.push(t.elapsed().as_nanos() as u64);
    }
    let logged = start.elapsed();
    rec.flush(None).unwrap();
    let total = start.elapsed();
    each.sort_unstable();
    let at = |p: usize| each[(each.len() * p / 100).min(each.len() - 1)];
    eprintln!(
        "{mode}: {n} events, log() p50 {} ns p95 {} ns mean {:.0} ns, log+flush {:.0} events/s",
        at(50),
        at(95),
        logged.as_nanos() as f64 / n as f64,
        n as f64 / total.as_secs_f64()
    );
    rec.close().unwrap();
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}
