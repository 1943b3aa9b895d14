//! Summarize HAIL files: one JSON line per file with the session's counts and its status now.
//! A file that cannot be read prints `{"file":...,"error":{"kind","line","message"}}`; the exit
//! code is 1 if any file failed (after all files were processed).
//!
//! `cargo run --release -p hailog --example summarize -- FILE...`

use hailog::hail::{ReadOptions, read_file};
use hailog::session::{StatusThresholds, status};
use serde_json::json;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: summarize FILE...");
        std::process::exit(2);
    }
    let now = chrono::Utc::now();
    let thresholds = StatusThresholds::default();
    let mut failed = false;
    for file in files {
        let line = match read_file(&file, ReadOptions::default()) {
            Ok(f) => {
                let s = &f.summary;
                json!({
                    "file": file,
                    "session_id": s.session_id,
                    "event_count": s.event_count,
                    "message_count": s.message_count,
                    "total_input_tokens": s.total_input_tokens,
                    "total_output_tokens": s.total_output_tokens,
                    "duration_seconds": s.duration_seconds,
                    "status": status(s, now, &thresholds).as_str(),
                })
            }
            Err(e) => {
                failed = true;
                json!({
                    "file": file,
                    "error": {"kind": e.kind(), "line": e.line(), "message": e.to_string()},
                })
            }
        };
        println!("{line}");
    }
    if failed {
        std::process::exit(1);
    }
}
