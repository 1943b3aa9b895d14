//! Any bytes read as a HAIL file: an error or a summary, never a panic; the duplicate check
//! gives the same answer when it keeps two ids in memory and spills the rest to temporary files
//! as when it keeps them all; and every event the reader accepts must survive a write and
//! re-parse unchanged.
#![no_main]

use hailog::hail::{ReadOptions, Reader, parse_event_line, write_event_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        max_line_bytes: 1 << 16,
        ..ReadOptions::default()
    };
    let in_memory = hailog::hail::summarize(data, opts.clone());
    let spilling = ReadOptions {
        ids_in_memory: 2,
        ..opts.clone()
    };
    let spilled = hailog::hail::summarize(data, spilling);
    match (&in_memory, &spilled) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.summary, b.summary, "the summary depends on the spill");
            assert_eq!(a.warnings.len(), b.warnings.len(), "the warnings depend on the spill");
        }
        (Err(a), Err(b)) if a.kind() == "duplicate_event_id" => {
            // A repeat of a spilled id is known only at the end of the input, so an error on a
            // later line may come first; never one on an earlier line.
            assert!(
                b.line() >= a.line(),
                "in memory: {a}; spilled: {b} (on an earlier line)"
            );
        }
        (Err(a), Err(b)) => assert_eq!(
            (a.kind(), a.line()),
            (b.kind(), b.line()),
            "in memory: {a}; spilled: {b}"
        ),
        (Ok(_), Err(e)) => panic!("only the spilling check failed: {e}"),
        (Err(e), Ok(_)) => panic!("the spilling check missed: {e}"),
    }

    let Ok(reader) = Reader::with_options(data, opts) else {
        return;
    };
    let session = reader.header().session_id.clone();
    for event in reader {
        let Ok(event) = event else { break };
        let mut line = Vec::new();
        write_event_line(&event, &mut line);
        // What hailog writes, hailog must read back.
        match parse_event_line(&line, 1, &session) {
            Ok(again) => assert_eq!(again, event, "a written event reads back different"),
            Err(e) => panic!(
                "a line written from an accepted event does not parse: {e}: {}",
                String::from_utf8_lossy(&line)
            ),
        }
    }
});
