//! The pricing bench's request and its same-work baseline, shared with the `cpu_profile` example.

use hailog::Usage;
use rust_decimal::Decimal;
use std::collections::HashMap;
use std::hint::black_box;

/// A cached Claude request: uncached input, a cache read, a 5-minute cache write, output.
pub fn typical_usage() -> Usage {
    Usage {
        input: Some(1_200),
        cache_read: Some(18_000),
        cache_write_5m: Some(2_000),
        output: Some(450),
        ..Usage::default()
    }
}

/// One string-keyed hash probe, five decimal multiply-adds and three small allocations: the
/// floor of any cost computation that returns an owned result, measured beside it because the
/// machine is shared and its load varies.
pub struct Baseline {
    map: HashMap<String, u32>,
    rate: Decimal,
}

impl Baseline {
    pub fn new() -> Baseline {
        Baseline {
            map: (0..200).map(|i| (format!("model-{i}"), i)).collect(),
            rate: Decimal::new(375, 2),
        }
    }

    pub fn run(&self) -> impl Sized {
        let g = self.map.get(black_box("model-42")).copied();
        let mut t = Decimal::ZERO;
        for n in [1_200u64, 18_000, 2_000, 450, 7] {
            t += Decimal::from(black_box(n)) * self.rate;
        }
        (
            g,
            t,
            String::from("USD"),
            String::from("2026-11-21"),
            vec![(String::from("input"), t)],
        )
    }
}
