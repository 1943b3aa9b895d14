//! Profiling driver for the recorder: logs N events (half priced from usage on the caller's
//! thread, half with a reported cost; all reported with `REPORTED=1`, as the ingest benchmark
//! logs them) into no database (`none`) or a file (`file`), and prints the per-call p50/p95 of
//! `log()`, the log+flush throughput and, on Linux, the CPU time of each of the process's
//! threads over the timed part.
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
    let all_reported = std::env::var_os("REPORTED").is_some();
    let events: Vec<Event> = (0..n)
        .map(|i| {
            let reported = all_reported || i.is_multiple_of(2);
            llm_event::llm_event(&format!("s{}", i % 8), i, reported)
        })
        .collect();
    let cpu_before = thread_cpu();
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
    let cpu_after = thread_cpu();
    each.sort_unstable();
    let at = |p: usize| each[(each.len() * p / 100).min(each.len() - 1)];
    eprintln!(
        "{mode}: {n} events, log() p50 {} ns p95 {} ns mean {:.0} ns, log+flush {:.0} events/s",
        at(50),
        at(95),
        logged.as_nanos() as f64 / n as f64,
        n as f64 / total.as_secs_f64()
    );
    for (name, ticks) in &cpu_after {
        let before = cpu_before
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0, |(_, t)| *t);
        eprintln!(
            "  {name}: {:.0}% of the wall time on a CPU",
            (ticks - before) as f64 / 100.0 / total.as_secs_f64() * 100.0
        );
    }
    rec.close().unwrap();
    if std::env::var_os("KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// `(thread name, user + system clock ticks)` of each thread of this process (empty where
/// `/proc` is missing). Ticks are hundredths of a second on Linux.
fn thread_cpu() -> Vec<(String, u64)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|t| {
            let stat = std::fs::read_to_string(t.path().join("stat")).ok()?;
            let (head, rest) = stat.rsplit_once(')')?;
            let name = head.split_once('(')?.1.to_string();
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let ticks =
                fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
            Some((name, ticks))
        })
        .collect()
}
