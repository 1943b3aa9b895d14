//! Any bytes given as a complete provider body: an error or a usage, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = hailog::usage::parse(data, None);
    let _ = hailog::usage::parse_error(data, Some(500), None);
});
