//! A fixed log-scale latency histogram: O(1) to add, small to serialize, quantiles within 3.2%.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Values below this are their own bucket (exact).
const EXACT: u64 = 32;
/// Sub-buckets per power of two above `EXACT`: 16, so a bucket spans 1/16 to 1/31 of its lower
/// bound and its midpoint is within 1/32 (3.125%) of every value in it.
const SUB_BITS: u32 = 4;

/// Latency counts in log-scale buckets, serialized sparsely as `{"bucket index": count}`.
///
/// Bucket `i < 32` holds exactly the value `i` ms. Above that, values `v` with `2^e <= v < 2^(e+1)`
/// fall in one of 16 equal sub-buckets of that octave. Quantiles report the bucket midpoint, so the
/// reported value is within 3.125% of a true sample value in the same bucket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LatencyHistogram {
    buckets: BTreeMap<u16, u64>,
}

fn index(v: u64) -> u16 {
    if v < EXACT {
        return v as u16;
    }
    let e = 63 - v.leading_zeros(); // >= 5
    let mantissa = (v >> (e - SUB_BITS)) & ((1 << SUB_BITS) - 1);
    (EXACT + u64::from(e - 5) * (1 << SUB_BITS) + mantissa) as u16
}

/// The bucket's lower bound and width.
fn bounds(i: u16) -> (u64, u64) {
    let i = u64::from(i);
    if i < EXACT {
        return (i, 1);
    }
    let k = i - EXACT;
    let e = 5 + (k >> SUB_BITS) as u32;
    let mantissa = k & ((1 << SUB_BITS) - 1);
    let shift = e - SUB_BITS;
    (((1 << SUB_BITS) + mantissa) << shift, 1 << shift)
}

impl LatencyHistogram {
    pub fn add(&mut self, ms: u64) {
        *self.buckets.entry(index(ms)).or_insert(0) += 1;
    }

    /// Number of samples.
    pub fn count(&self) -> u64 {
        self.buckets.values().sum()
    }

    /// The `percent`-th percentile (nearest rank), as the midpoint of its bucket; `None` when empty.
    pub fn percentile(&self, percent: u64) -> Option<u64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        let rank = (n * percent.min(100)).div_ceil(100).max(1);
        let mut seen = 0;
        for (&i, &c) in &self.buckets {
            seen += c;
            if seen >= rank {
                let (lo, width) = bounds(i);
                return Some(lo + width / 2);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_range_without_gaps() {
        let mut expected_lo = 0;
        for i in 0..(32 + 59 * 16 - 1) {
            let (lo, width) = bounds(i);
            assert_eq!(lo, expected_lo, "bucket {i}");
            assert_eq!(index(lo), i);
            assert_eq!(index(lo + width - 1), i);
            expected_lo = lo + width;
        }
        assert!(index(u64::MAX) > index(1 << 40));
    }

    #[test]
    fn percentiles_are_within_the_documented_error() {
        let mut h = LatencyHistogram::default();
        for v in 1..=1000u64 {
            h.add(v * 37);
        }
        for (p, truth) in [(50u64, 500u64 * 37), (95, 950 * 37)] {
            let got = h.percentile(p).unwrap() as f64;
            let err = (got - truth as f64).abs() / truth as f64;
            assert!(err <= 1.0 / 32.0, "p{p}: {got} vs {truth}");
        }
        assert_eq!(LatencyHistogram::default().percentile(50), None);
        let mut small = LatencyHistogram::default();
        for v in [3, 5, 7] {
            small.add(v);
        }
        assert_eq!(small.percentile(50), Some(5));
        assert_eq!(small.percentile(95), Some(7));
    }
}
