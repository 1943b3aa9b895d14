//! Checks shared by the fuzz targets.

use hailog::Usage;
use hailog::pricing::{CostOptions, PriceTable};

/// Prices a large usage (every bucket set, long-context tiers crossed) for every entry of a
/// loaded table, with each batch and service-tier modifier it declares. A table that loaded must
/// price its own models or refuse with an error; a panic here is a bug.
pub fn price_every_model(table: &PriceTable) {
    let mut usage = Usage::default();
    for (i, name) in Usage::COUNT_FIELDS.iter().enumerate() {
        if let Some(count) = usage.count_mut(name) {
            *count = Some(300_000 + i as u64);
        }
    }
    for entry in table.entries() {
        let mut tiers: Vec<Option<String>> = vec![None];
        tiers.extend(entry.service_tiers.keys().cloned().map(Some));
        for service_tier in tiers {
            for batch in [false, true] {
                let opts = CostOptions {
                    provider: Some(entry.provider.clone()),
                    at: entry.effective_from,
                    batch,
                    service_tier: service_tier.clone(),
                };
                let _ = table.cost(&entry.id, &usage, &opts);
                for alias in &entry.aliases {
                    let _ = table.cost(alias, &usage, &opts);
                }
            }
        }
    }
}
