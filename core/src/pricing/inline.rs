//! The parts a [`super::Cost`] is built from without heap allocation on the pricing path: text
//! that is static or shared with the price table, and a list that keeps its first items inline.

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::{Borrow, Cow};
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, OnceLock};

/// Text in a [`super::Cost`]: a name hailog itself writes (bucket names, `USD`, rule names) is
/// a `&'static str`; a model id or table version is shared with the price table, and text read
/// back from a file is shared too. Cloning never copies the text. Compares, hashes, prints and
/// serializes exactly like the `str` it holds.
#[derive(Clone)]
pub struct SharedStr(Repr);

#[derive(Clone)]
enum Repr {
    Static(&'static str),
    Shared(Arc<str>),
}

impl SharedStr {
    /// Text that lives as long as the program, stored without allocating.
    pub const fn from_static(s: &'static str) -> Self {
        SharedStr(Repr::Static(s))
    }

    /// A copy of `s` in a new shared buffer.
    pub fn new(s: &str) -> Self {
        SharedStr(Repr::Shared(Arc::from(s)))
    }

    /// `s` as process-wide static text, stored once however often it is asked for. Price tables
    /// intern their model ids, versions and rule names: a cost then holds plain references, so
    /// building and dropping one updates no reference count (those atomic updates were a large
    /// part of a cost's time). The set only grows with distinct names, which price tables keep
    /// few; past [`INTERN_LIMIT`] names, new ones are shared instead of interned.
    pub(crate) fn interned(s: &str) -> Self {
        static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
        let names = NAMES.get_or_init(Mutex::default);
        let mut names = match names.lock() {
            Ok(n) => n,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(known) = names.get(s) {
            return SharedStr::from_static(known);
        }
        if names.len() >= INTERN_LIMIT {
            return SharedStr::new(s);
        }
        let leaked: &'static str = Box::leak(s.into());
        names.insert(leaked);
        SharedStr::from_static(leaked)
    }

    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Static(s) => s,
            Repr::Shared(s) => s,
        }
    }
}

/// Most distinct texts [`SharedStr::interned`] keeps (at most a few MiB); the built-in table
/// needs a few hundred.
pub(crate) const INTERN_LIMIT: usize = 65_536;

impl Default for SharedStr {
    fn default() -> Self {
        SharedStr::from_static("")
    }
}

impl Deref for SharedStr {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for SharedStr {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for SharedStr {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl From<String> for SharedStr {
    fn from(s: String) -> Self {
        SharedStr(Repr::Shared(Arc::from(s)))
    }
}

impl From<Arc<str>> for SharedStr {
    fn from(s: Arc<str>) -> Self {
        SharedStr(Repr::Shared(s))
    }
}

impl From<SharedStr> for String {
    fn from(s: SharedStr) -> Self {
        s.as_str().to_string()
    }
}

impl PartialEq for SharedStr {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for SharedStr {}

impl PartialEq<str> for SharedStr {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for SharedStr {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for SharedStr {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialOrd for SharedStr {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SharedStr {
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for SharedStr {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl fmt::Debug for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for SharedStr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours width and alignment (`{:<16}`), as `str` does.
        f.pad(self.as_str())
    }
}

impl Serialize for SharedStr {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SharedStr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = SharedStr;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<SharedStr, E> {
                Ok(SharedStr::new(v))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<SharedStr, E> {
                Ok(SharedStr::from(v))
            }
        }
        d.deserialize_str(V)
    }
}

impl JsonSchema for SharedStr {
    fn inline_schema() -> bool {
        String::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        String::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        String::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        String::json_schema(generator)
    }
}

/// A list whose first `N` items live inside the value itself; only a longer list allocates.
/// Reads as a slice, serializes as a JSON array, compares and prints like a `Vec`.
#[derive(Clone)]
pub struct InlineList<T, const N: usize> {
    /// Items used in `inline` while `spill` is empty.
    len: usize,
    inline: [T; N],
    /// Every item once the list outgrew `inline`.
    spill: Vec<T>,
}

impl<T: Default, const N: usize> InlineList<T, N> {
    pub fn new() -> Self {
        InlineList {
            len: 0,
            inline: std::array::from_fn(|_| T::default()),
            spill: Vec::new(),
        }
    }

    #[inline]
    pub fn push(&mut self, item: T) {
        if self.spill.is_empty() {
            if self.len < N {
                self.inline[self.len] = item;
                self.len += 1;
                return;
            }
            self.spill.reserve(N + 1);
            self.spill
                .extend(self.inline[..self.len].iter_mut().map(std::mem::take));
            self.len = 0;
        }
        self.spill.push(item);
    }

    /// Removes consecutive repeated items, like [`Vec::dedup`].
    pub fn dedup(&mut self)
    where
        T: PartialEq,
    {
        if !self.spill.is_empty() {
            self.spill.dedup();
            return;
        }
        let items = &mut self.inline[..self.len];
        let mut kept = 0;
        for i in 0..items.len() {
            if kept == 0 || items[i] != items[kept - 1] {
                items.swap(kept, i);
                kept += 1;
            }
        }
        for dropped in &mut items[kept..] {
            *dropped = T::default();
        }
        self.len = kept;
    }
}

impl<T, const N: usize> InlineList<T, N> {
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    pub fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }

    pub fn as_slice(&self) -> &[T] {
        if self.spill.is_empty() {
            &self.inline[..self.len]
        } else {
            &self.spill
        }
    }
}

impl<T: Default, const N: usize> Default for InlineList<T, N> {
    fn default() -> Self {
        InlineList::new()
    }
}

impl<T, const N: usize> Deref for InlineList<T, N> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T, const N: usize> DerefMut for InlineList<T, N> {
    fn deref_mut(&mut self) -> &mut [T] {
        if self.spill.is_empty() {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }
}

impl<'a, T, const N: usize> IntoIterator for &'a InlineList<T, N> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T: Default, const N: usize> FromIterator<T> for InlineList<T, N> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut list = InlineList::new();
        for item in iter {
            list.push(item);
        }
        list
    }
}

impl<T: PartialEq, const N: usize> PartialEq for InlineList<T, N> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: fmt::Debug, const N: usize> fmt::Debug for InlineList<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl<T: Serialize, const N: usize> Serialize for InlineList<T, N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de, T: Deserialize<'de> + Default, const N: usize> Deserialize<'de> for InlineList<T, N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<T>::deserialize(d)?;
        Ok(if items.len() > N {
            InlineList {
                len: 0,
                inline: std::array::from_fn(|_| T::default()),
                spill: items,
            }
        } else {
            items.into_iter().collect()
        })
    }
}

impl<T: JsonSchema, const N: usize> JsonSchema for InlineList<T, N> {
    fn inline_schema() -> bool {
        Vec::<T>::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        Vec::<T>::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        Vec::<T>::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        Vec::<T>::json_schema(generator)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &InlineList<SharedStr, 2>) -> Vec<&str> {
        list.iter().map(SharedStr::as_str).collect()
    }

    #[test]
    fn a_list_keeps_order_across_the_inline_limit() {
        let mut list: InlineList<SharedStr, 2> = InlineList::new();
        assert!(list.is_empty());
        list.push(SharedStr::from_static("a"));
        list.push(SharedStr::new("b"));
        assert_eq!(names(&list), ["a", "b"]);
        list.push(SharedStr::from("c".to_string()));
        list.push(SharedStr::from_static("d"));
        assert_eq!(names(&list), ["a", "b", "c", "d"]);
        assert_eq!(list.len(), 4);
    }

    #[test]
    fn dedup_drops_only_consecutive_repeats() {
        let mut short: InlineList<SharedStr, 2> =
            ["x", "x"].into_iter().map(SharedStr::from_static).collect();
        short.dedup();
        assert_eq!(names(&short), ["x"]);
        let mut long: InlineList<SharedStr, 2> = ["a", "a", "b", "a"]
            .into_iter()
            .map(SharedStr::from_static)
            .collect();
        long.dedup();
        assert_eq!(names(&long), ["a", "b", "a"]);
        let mut inline: InlineList<u8, 6> = [1, 1, 2, 2, 1].into_iter().collect();
        inline.dedup();
        assert_eq!(inline.as_slice(), [1, 2, 1]);
    }

    #[test]
    fn json_is_the_same_as_a_vec_of_strings() {
        let short: InlineList<SharedStr, 2> = [SharedStr::from_static("a")].into_iter().collect();
        let long: InlineList<SharedStr, 2> = ["a", "b", "c"]
            .into_iter()
            .map(SharedStr::from_static)
            .collect();
        for (list, want) in [(short, r#"["a"]"#), (long, r#"["a","b","c"]"#)] {
            let json = serde_json::to_string(&list).unwrap();
            assert_eq!(json, want);
            let back: InlineList<SharedStr, 2> = serde_json::from_str(&json).unwrap();
            assert_eq!(back, list);
        }
        let err = serde_json::from_str::<SharedStr>("5").unwrap_err();
        assert!(err.to_string().contains("a string"), "{err}");
    }

    #[test]
    fn interning_returns_the_same_text_once_stored() {
        let a = SharedStr::interned("gpt-test-interned");
        let b = SharedStr::interned(&String::from("gpt-test-interned"));
        assert!(matches!((&a.0, &b.0), (Repr::Static(x), Repr::Static(y)) if std::ptr::eq(*x, *y)));
        assert_eq!(a, "gpt-test-interned");
    }

    #[test]
    fn shared_text_compares_by_content() {
        let a = SharedStr::from_static("usd");
        let b = SharedStr::new("usd");
        assert_eq!(a, b);
        assert_eq!(a, "usd");
        assert_eq!(format!("{a:?} {b}|{b:<5}|"), "\"usd\" usd|usd  |");
        assert_eq!(String::from(b), "usd");
    }
}
