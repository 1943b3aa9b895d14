//! Any bytes as LiteLLM's price file: an error or a table, never a panic; every model of a
//! table that loads can be resolved and priced (or refused with an error) without a panic.
#![no_main]

use hailog::pricing::PriceTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(table) = PriceTable::from_litellm_str(text) {
        hailog_fuzz::price_every_model(&table);
    }
});
