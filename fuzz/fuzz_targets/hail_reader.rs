//! Any bytes read as a HAIL file: an error or a summary, never a panic; and every event the
//! reader accepts must survive a write and re-parse unchanged.
#![no_main]

use hailog::hail::{ReadOptions, Reader, parse_event_line, write_event_line};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = ReadOptions {
        max_line_bytes: 1 << 16,
        ..ReadOptions::default()
    };
    let _ = hailog::hail::summarize(data, opts.clone());

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
