//! Any bytes, cut into chunks at positions taken from the input itself, must never panic the
//! stream parser, and the same bytes fed whole or cut must give the same usage.
#![no_main]

use hailog::usage::StreamParser;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&cut_seed, bytes)) = data.split_first() else { return };
    let mut whole = StreamParser::new(None).with_max_event_bytes(1 << 16);
    let whole_ok = whole.feed(bytes).is_ok();
    let whole = whole.finish();

    let step = usize::from(cut_seed).max(1);
    let mut cut = StreamParser::new(None).with_max_event_bytes(1 << 16);
    let mut cut_ok = true;
    for chunk in bytes.chunks(step) {
        if cut.feed(chunk).is_err() {
            cut_ok = false;
            break;
        }
    }
    let cut = cut.finish();
    if whole_ok && cut_ok {
        assert_eq!(whole, cut);
    }
});
