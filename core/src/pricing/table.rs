//! [`PriceTable`]: the built-in table, loading and merging user and LiteLLM tables, run-time
//! overrides, resolution with its cache, and the entry valid at a given time.

use super::engine::{Labels, Priced};
use super::model::ModelPrice;
use super::resolve::{
    Index, MatchKind, Resolution, ResolvedModel, canonical_provider, resolve_uncached,
};
use super::{Cost, PricingError, SharedStr, engine, litellm, parse};
use crate::Usage;
use chrono::{DateTime, Utc};
use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

/// Options of one cost computation.
#[derive(Debug, Default, Clone)]
pub struct CostOptions {
    /// Disambiguates a model name served by several providers (`groq`, `bedrock`...). When
    /// `None`, the usage's own `provider` is used.
    pub provider: Option<String>,
    /// Price with the rates valid at this time (the request's time when re-pricing an old
    /// session). `None` means now.
    pub at: Option<DateTime<Utc>>,
    /// The request went through the provider's batch API.
    pub batch: bool,
    /// The service tier the provider reported or the caller asked for (`flex`, `priority`).
    /// `standard`, `default`, `auto` and `on_demand` are the base rates; `batch` equals
    /// `batch: true`.
    pub service_tier: Option<String>,
}

/// Every price entry of one model, oldest `effective_from` first.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub provider: String,
    pub id: String,
    pub aliases: Vec<String>,
    pub entries: Vec<ModelPrice>,
    /// The rule text of each entry (same order), rebuilt with the index.
    pub labels: Vec<Labels>,
}

impl Group {
    /// The entry valid at `at`: the latest one that started at or before it. A time before the
    /// first entry gets the first entry, so a request made on release day is still priced.
    pub(crate) fn entry_at(&self, at: Option<DateTime<Utc>>) -> &ModelPrice {
        &self.entries[self.position_at(at)]
    }

    fn position_at(&self, at: Option<DateTime<Utc>>) -> usize {
        if self.entries.len() == 1 {
            return 0;
        }
        let at = at.unwrap_or_else(Utc::now);
        self.entries
            .iter()
            .rposition(|e| e.effective_from.is_none_or(|f| f <= at))
            .unwrap_or(0)
    }
}

/// Resolutions by raw model name: without a provider hint (the common case, one probe), and per
/// provider hint.
#[derive(Debug, Default)]
struct Cache {
    plain: HashMap<Box<str>, Resolution, NameHash>,
    by_provider: HashMap<Box<str>, HashMap<Box<str>, Resolution, NameHash>, NameHash>,
}

/// The cache's hash of model names: a multiply-rotate over 8-byte words, several times cheaper
/// than the standard SipHash on names of 10 to 50 bytes, which matters because a repeated cost
/// is little more than this probe. Each cache draws a random seed, so whoever picks the names
/// cannot predict collisions, and the cache's size cap bounds the damage if they find some.
#[derive(Debug, Clone)]
struct NameHash {
    seed: u64,
}

impl Default for NameHash {
    fn default() -> Self {
        NameHash {
            seed: std::hash::BuildHasher::hash_one(&std::hash::RandomState::new(), 0u64),
        }
    }
}

impl std::hash::BuildHasher for NameHash {
    type Hasher = NameHasher;
    fn build_hasher(&self) -> NameHasher {
        NameHasher(self.seed)
    }
}

struct NameHasher(u64);

impl NameHasher {
    const K: u64 = 0xf135_7aea_2e62_a9c5;

    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(Self::K);
    }
}

impl std::hash::Hasher for NameHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        let mut w = [0u8; 8];
        w[..rest.len()].copy_from_slice(rest);
        // The length keeps `ab` + padding apart from `ab\0`.
        self.word(u64::from_le_bytes(w) ^ ((bytes.len() as u64) << 56));
    }

    fn write_u8(&mut self, i: u8) {
        self.word(u64::from(i));
    }

    fn finish(&self) -> u64 {
        // The multiply mixes upward; bring the well-mixed high bits down to the bucket index.
        self.0.rotate_left(26)
    }
}

impl Cache {
    fn get(&self, provider: Option<&str>, model: &str) -> Option<Resolution> {
        match provider {
            None => self.plain.get(model).cloned(),
            Some(p) => self.by_provider.get(p).and_then(|m| m.get(model)).cloned(),
        }
    }

    fn insert(&mut self, provider: Option<&str>, model: &str, r: Resolution) {
        let len = self.plain.len() + self.by_provider.values().map(HashMap::len).sum::<usize>();
        if len >= CACHE_LIMIT {
            self.clear();
        }
        match provider {
            None => self.plain.insert(model.into(), r),
            Some(p) => self
                .by_provider
                .entry(p.into())
                .or_default()
                .insert(model.into(), r),
        };
    }

    fn clear(&mut self) {
        self.plain.clear();
        self.by_provider.clear();
    }
}

/// Resolution results above this many distinct names are dropped and relearned, so a stream of
/// made-up model names cannot grow memory without bound.
const CACHE_LIMIT: usize = 8192;

/// A price table: priced models, their aliases and a resolution cache. Cheap to share behind an
/// `Arc`; every method takes `&self` except the mutators, which clear the cache.
#[derive(Debug)]
pub struct PriceTable {
    version: SharedStr,
    groups: Vec<Group>,
    providers: Vec<String>,
    index: Index,
    cache: RwLock<Cache>,
    /// Identifies this table and its current contents for [`LAST_RESOLVED`]: fresh for every
    /// table, clone and change.
    id: u64,
}

/// Source of [`PriceTable`] ids.
static TABLE_IDS: AtomicU64 = AtomicU64::new(1);

fn next_table_id() -> u64 {
    TABLE_IDS.fetch_add(1, Ordering::Relaxed)
}

/// The last name this thread resolved to a model, and in which table. Applications price one or
/// a few models over and over; a repeat of the last name skips the shared cache's lock and hash
/// probe (a quarter of a cost's time). Only found models are kept; the strings are reused.
struct LastResolved {
    table: u64,
    provider: Option<String>,
    model: String,
    group: u32,
    matched: MatchKind,
}

thread_local! {
    static LAST_RESOLVED: RefCell<LastResolved> = const {
        RefCell::new(LastResolved {
            table: 0,
            provider: None,
            model: String::new(),
            group: 0,
            matched: MatchKind::Exact,
        })
    };
}

impl Clone for PriceTable {
    fn clone(&self) -> Self {
        PriceTable {
            version: self.version.clone(),
            groups: self.groups.clone(),
            providers: self.providers.clone(),
            index: self.index.clone(),
            cache: RwLock::new(Cache::default()),
            id: next_table_id(),
        }
    }
}

static BUILTIN: OnceLock<Arc<PriceTable>> = OnceLock::new();
const BUILTIN_JSON: &str = include_str!("../../data/prices.json");

impl PriceTable {
    /// The table shipped in the crate (`core/data/prices.json`), parsed once per process.
    pub fn builtin() -> Arc<PriceTable> {
        BUILTIN
            .get_or_init(|| {
                // The file is compiled in and a unit test parses it, so this cannot fail in a
                // released build.
                Arc::new(
                    PriceTable::from_json_str(BUILTIN_JSON)
                        .expect("the embedded core/data/prices.json is valid"),
                )
            })
            .clone()
    }

    /// A table with no models; every model is unpriced.
    pub fn empty(version: impl Into<String>) -> PriceTable {
        PriceTable {
            version: SharedStr::interned(&version.into()),
            groups: Vec::new(),
            providers: Vec::new(),
            index: Index::default(),
            cache: RwLock::new(Cache::default()),
            id: next_table_id(),
        }
    }

    /// Loads a price file in hailog's format (see `docs/PRICING.md`).
    pub fn load(path: &Path) -> Result<PriceTable, PricingError> {
        PriceTable::from_json_str(&read(path)?)
    }

    /// Parses a price file in hailog's format.
    pub fn from_json_str(s: &str) -> Result<PriceTable, PricingError> {
        let parsed = parse::parse_file(s)?;
        PriceTable::from_entries(parsed.version, parsed.entries)
    }

    /// Loads LiteLLM's `model_prices_and_context_window.json`.
    pub fn load_litellm(path: &Path) -> Result<PriceTable, PricingError> {
        PriceTable::from_litellm_str(&read(path)?)
    }

    /// Parses LiteLLM's price file; per-token rates become exact per-million decimals.
    pub fn from_litellm_str(s: &str) -> Result<PriceTable, PricingError> {
        let entries = litellm::parse(s)?;
        let version = format!("litellm-{:08x}", crc32fast::hash(s.as_bytes()));
        PriceTable::from_entries(version, entries)
    }

    /// Builds a table from typed entries, rejecting duplicates (same provider, id and
    /// `effective_from`) and aliases claimed by two models of the same provider.
    pub fn from_entries(
        version: impl Into<String>,
        entries: Vec<ModelPrice>,
    ) -> Result<PriceTable, PricingError> {
        let mut table = PriceTable::empty(version);
        let mut first_index: HashMap<(String, String, Option<DateTime<Utc>>), usize> =
            HashMap::new();
        let mut group_of: HashMap<(String, String), usize> = HashMap::new();
        for (index, entry) in entries.into_iter().enumerate() {
            entry.validate(index)?;
            let key = (entry.provider.clone(), entry.id.to_ascii_lowercase());
            let dated = (key.0.clone(), key.1.clone(), entry.effective_from);
            if let Some(first) = first_index.insert(dated, index) {
                return Err(PricingError::DuplicateEntry {
                    index,
                    first_index: first,
                    id: entry.id,
                    effective_from: entry
                        .effective_from
                        .map_or_else(|| "null".to_string(), |d| d.to_rfc3339()),
                });
            }
            match group_of.get(&key) {
                Some(&g) => {
                    let group = &mut table.groups[g];
                    union_aliases(&mut group.aliases, &entry.aliases);
                    group.entries.push(entry);
                }
                None => {
                    group_of.insert(key, table.groups.len());
                    table.groups.push(Group {
                        provider: entry.provider.clone(),
                        id: entry.id.clone(),
                        aliases: entry.aliases.clone(),
                        entries: vec![entry],
                        labels: Vec::new(),
                    });
                }
            }
        }
        table.reindex();
        table.check_aliases()?;
        Ok(table)
    }

    /// Adds every model of `other`; a model present in both (same provider and id) takes all of
    /// its prices from `other`, keeping the union of both alias lists.
    pub fn merge(&mut self, other: PriceTable) {
        for g in other.groups {
            match self.group_position(&g.provider, &g.id) {
                Some(i) => {
                    let mine = &mut self.groups[i];
                    union_aliases(&mut mine.aliases, &g.aliases);
                    mine.entries = g.entries;
                }
                None => self.groups.push(g),
            }
        }
        self.version = SharedStr::interned(&format!("{}+{}", self.version, other.version));
        self.reindex();
    }

    /// Sets one model at run time. An entry without `effective_from` replaces every price of
    /// that model; a dated entry is added to its history (replacing one with the same date).
    /// The entry is trusted as given: use [`PriceTable::try_set`] to validate it first.
    pub fn set(&mut self, entry: ModelPrice) {
        match self.group_position(&entry.provider, &entry.id) {
            Some(i) => {
                let g = &mut self.groups[i];
                union_aliases(&mut g.aliases, &entry.aliases);
                match entry.effective_from {
                    None => g.entries = vec![entry],
                    Some(from) => {
                        g.entries.retain(|e| e.effective_from != Some(from));
                        g.entries.push(entry);
                    }
                }
            }
            None => self.groups.push(Group {
                provider: entry.provider.clone(),
                id: entry.id.clone(),
                aliases: entry.aliases.clone(),
                entries: vec![entry],
                labels: Vec::new(),
            }),
        }
        self.reindex();
    }

    /// [`PriceTable::set`] after [`ModelPrice::validate`] (unit slips, negative rates...).
    pub fn try_set(&mut self, entry: ModelPrice) -> Result<(), PricingError> {
        entry.validate(0)?;
        self.set(entry);
        Ok(())
    }

    /// Resolves a model name. `Ok(None)` for an unknown model; an error only when the name
    /// matches several models and `provider` does not pick one.
    pub fn resolve(
        &self,
        model: &str,
        provider: Option<&str>,
    ) -> Result<Option<ResolvedModel>, PricingError> {
        Ok(self.resolve_group(model, provider)?.map(|(g, matched)| {
            let g = &self.groups[g as usize];
            ResolvedModel {
                provider: g.provider.clone(),
                id: g.id.clone(),
                matched,
            }
        }))
    }

    /// The exact cost of one request. An unknown model gives [`Cost::unpriced`]; a cost the
    /// provider reported (`usage.reported_cost`) wins over the table.
    pub fn cost(
        &self,
        model: &str,
        usage: &Usage,
        opts: &CostOptions,
    ) -> Result<Cost, PricingError> {
        if let Some(reported) = usage.reported_cost {
            return engine::reported(reported);
        }
        let provider = opts.provider.as_deref().or(usage.provider.as_deref());
        let Some((g, matched)) = self.resolve_group(model, provider)? else {
            return Ok(Cost::unpriced());
        };
        let group = &self.groups[g as usize];
        let i = group.position_at(opts.at);
        let priced = Priced {
            entry: &group.entries[i],
            labels: &group.labels[i],
            dated: group.entries.len() > 1,
            matched,
            version: &self.version,
        };
        engine::compute(priced, usage, opts)
    }

    /// The table's version: the built-in table's date, `custom`, or `litellm-<crc32>`, joined
    /// with `+` after merges.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Number of distinct priced models.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every entry (all models, all effective dates), in table order.
    pub fn entries(&self) -> impl Iterator<Item = &ModelPrice> {
        self.groups.iter().flat_map(|g| g.entries.iter())
    }

    /// The entry of `model` valid at `at`, after resolution.
    pub fn entry(
        &self,
        model: &str,
        provider: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Option<&ModelPrice>, PricingError> {
        Ok(self
            .resolve_group(model, provider)?
            .map(|(g, _)| self.groups[g as usize].entry_at(at)))
    }

    /// This table's identity, unique in the process (a copy that may differ gets a new one).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// Fails exactly when [`PriceTable::cost`] would fail for this model whatever the usage: a
    /// name several providers' models match.
    pub fn check_model(&self, model: &str, provider: Option<&str>) -> Result<(), PricingError> {
        self.resolve_group(model, provider).map(|_| ())
    }

    fn resolve_group(
        &self,
        model: &str,
        provider: Option<&str>,
    ) -> Result<Option<(u32, MatchKind)>, PricingError> {
        let last = LAST_RESOLVED.with(|last| {
            let last = last.borrow();
            (last.table == self.id && last.model == model && last.provider.as_deref() == provider)
                .then_some((last.group, last.matched))
        });
        if last.is_some() {
            return Ok(last);
        }
        let hit = match self.cache.read() {
            Ok(c) => c.get(provider, model),
            Err(poisoned) => poisoned.get_ref().get(provider, model),
        };
        let resolution = match hit {
            Some(r) => r,
            None => {
                let providers: Vec<&str> = self.providers.iter().map(String::as_str).collect();
                let names = |g: u32| {
                    let g = &self.groups[g as usize];
                    format!("{}/{}", g.provider, g.id)
                };
                let r = resolve_uncached(&self.index, &providers, &names, model, provider);
                let mut cache = match self.cache.write() {
                    Ok(c) => c,
                    Err(poisoned) => poisoned.into_inner(),
                };
                cache.insert(provider, model, r.clone());
                r
            }
        };
        match resolution {
            Resolution::Found(g, k) => {
                LAST_RESOLVED.with(|last| {
                    let mut last = last.borrow_mut();
                    last.table = self.id;
                    last.model.clear();
                    last.model.push_str(model);
                    match (&mut last.provider, provider) {
                        (Some(p), Some(q)) => {
                            p.clear();
                            p.push_str(q);
                        }
                        (slot, q) => *slot = q.map(str::to_string),
                    }
                    last.group = g;
                    last.matched = k;
                });
                Ok(Some((g, k)))
            }
            Resolution::Unknown => Ok(None),
            Resolution::Ambiguous(candidates) => Err(PricingError::Ambiguous {
                model: model.to_string(),
                candidates,
            }),
        }
    }

    fn group_position(&self, provider: &str, id: &str) -> Option<usize> {
        self.groups
            .iter()
            .position(|g| g.provider == provider && g.id.eq_ignore_ascii_case(id))
    }

    /// Rebuilds the index and empties the cache after any change to the groups.
    fn reindex(&mut self) {
        self.id = next_table_id();
        for g in &mut self.groups {
            g.entries.sort_by_key(|e| e.effective_from);
            g.labels = g.entries.iter().map(Labels::new).collect();
        }
        let mut index = Index::default();
        for (i, g) in self.groups.iter().enumerate() {
            index.add_id(&g.id, i as u32);
        }
        for (i, g) in self.groups.iter().enumerate() {
            for a in &g.aliases {
                index.add_alias(a, i as u32);
            }
        }
        self.providers = self
            .groups
            .iter()
            .map(|g| canonical_provider(&g.provider))
            .collect();
        self.index = index;
        let cache = match self.cache.get_mut() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache.clear();
    }

    /// One alias must not name two models of the same provider, nor shadow another model's id.
    fn check_aliases(&self) -> Result<(), PricingError> {
        let mut entry_index = 0usize;
        for (gi, g) in self.groups.iter().enumerate() {
            for (ai, a) in g.aliases.iter().enumerate() {
                let lower = a.to_ascii_lowercase();
                let clash = self
                    .index
                    .alias_owners(&lower)
                    .iter()
                    .chain(self.index.id_owners(&lower))
                    .map(|o| *o as usize)
                    .find(|o| *o != gi && self.groups[*o].provider == g.provider);
                if let Some(o) = clash {
                    return Err(PricingError::InvalidEntry {
                        index: entry_index,
                        id: g.id.clone(),
                        field: format!("aliases[{ai}]"),
                        value: format!("{a:?}"),
                        message: format!(
                            "also names {}/{}; an alias must point at one model",
                            self.groups[o].provider, self.groups[o].id
                        ),
                    });
                }
            }
            entry_index += g.entries.len();
        }
        Ok(())
    }
}

fn union_aliases(into: &mut Vec<String>, more: &[String]) {
    for a in more {
        if !into.iter().any(|x| x.eq_ignore_ascii_case(a)) {
            into.push(a.clone());
        }
    }
}

fn read(path: &Path) -> Result<String, PricingError> {
    std::fs::read_to_string(path).map_err(|e| PricingError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::super::ModelPrice;
    use super::*;
    use rust_decimal::Decimal;

    fn total(t: &PriceTable, model: &str, provider: Option<&str>) -> Option<Decimal> {
        let usage = Usage {
            input: Some(1_000_000),
            ..Usage::default()
        };
        let opts = CostOptions {
            provider: provider.map(str::to_string),
            ..CostOptions::default()
        };
        t.cost(model, &usage, &opts).unwrap().total
    }

    fn table(input: i64) -> PriceTable {
        let mut t = PriceTable::empty("t");
        t.set(ModelPrice::new(
            "p",
            "m",
            Decimal::from(input),
            Decimal::ONE,
        ));
        t
    }

    /// A repeated name skips the shared cache; the answer must still follow the table asked and
    /// every change made to it.
    #[test]
    fn a_repeated_name_follows_the_table_and_its_changes() {
        let mut a = table(1);
        let b = table(3);
        assert_eq!(total(&a, "m", None), Some(Decimal::ONE));
        assert_eq!(total(&b, "m", None), Some(Decimal::from(3)));
        assert_eq!(total(&a, "m", None), Some(Decimal::ONE));
        a.set(ModelPrice::new("p", "m", Decimal::from(5), Decimal::ONE));
        assert_eq!(total(&a, "m", None), Some(Decimal::from(5)));
        assert_eq!(total(&a.clone(), "m", None), Some(Decimal::from(5)));
        // The same name with another provider hint is another lookup.
        a.set(ModelPrice::new("q", "m", Decimal::from(7), Decimal::ONE));
        assert_eq!(total(&a, "m", Some("q")), Some(Decimal::from(7)));
        assert_eq!(total(&a, "m", Some("p")), Some(Decimal::from(5)));
        assert_eq!(total(&a, "m", Some("q")), Some(Decimal::from(7)));
        let other_thread = std::thread::spawn(move || total(&b, "m", None));
        assert_eq!(other_thread.join().unwrap(), Some(Decimal::from(3)));
    }
}
