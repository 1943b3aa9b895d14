//! UUIDv7 event ids from per-thread state (no lock, no system call per id): time-ordered,
//! strictly increasing within a thread, unique across threads and processes by random bits.

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};

/// Bumped by [`reseed_after_fork`]: a thread whose state is from an older generation reseeds.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The counter fills the 12 `rand_a` bits and the top 30 bits of `rand_b`.
const COUNTER_BITS: u32 = 42;
const COUNTER_MAX: u64 = (1 << COUNTER_BITS) - 1;

#[derive(Clone, Copy)]
struct State {
    generation: u64,
    pid: u32,
    last_ms: u64,
    counter: u64,
    rng: u64,
}

thread_local! {
    static STATE: Cell<Option<State>> = const { Cell::new(None) };
}

/// wyrand: one multiply per 64 random bits, plenty for the uniqueness bits of an id.
fn next_random(rng: &mut u64) -> u64 {
    *rng = rng.wrapping_add(0xa076_1d64_78bd_642f);
    let t = u128::from(*rng) * u128::from(*rng ^ 0xe703_7ed1_a0b4_28db);
    (t >> 64) as u64 ^ t as u64
}

/// A counter start with its top bit clear, so a millisecond has 2^41 increments of headroom.
fn fresh_counter(rng: &mut u64) -> u64 {
    next_random(rng) & (COUNTER_MAX >> 1)
}

fn seed(generation: u64, pid: u32) -> State {
    // Entropy from two OS-seeded sources (the random bits of the uuid crate's v7 ids and std's
    // per-thread hash keys), hashed with the pid, the thread and the clock so that a forked child
    // whose generator state was copied from its parent still diverges from it.
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    uuid::Uuid::now_v7().as_u128().hash(&mut h);
    pid.hash(&mut h);
    std::thread::current().id().hash(&mut h);
    std::time::SystemTime::now().hash(&mut h);
    generation.hash(&mut h);
    let mut rng = h.finish();
    let counter = fresh_counter(&mut rng);
    State {
        generation,
        pid,
        last_ms: 0,
        counter,
        rng,
    }
}

/// Call in a child process right after `fork()`: the next id on every thread reseeds, so parent
/// and child never produce the same ids. (Without it, a child notices the fork by its process id
/// at its next new millisecond.)
pub fn reseed_after_fork() {
    GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// A fresh UUIDv7 made at `unix_ms` (milliseconds since the Unix epoch).
pub fn next_v7(unix_ms: u64) -> uuid::Uuid {
    let ms = unix_ms;
    let generation = GENERATION.load(Ordering::Relaxed);
    let mut st = match STATE.get() {
        Some(st) if st.generation == generation => st,
        _ => seed(generation, std::process::id()),
    };
    if ms > st.last_ms {
        // A new millisecond is rare enough (at most 1000 a second) to afford checking that this
        // process is still the one that seeded the state.
        let pid = std::process::id();
        if pid != st.pid {
            st = seed(generation, pid);
        }
        st.last_ms = ms;
        st.counter = fresh_counter(&mut st.rng);
    } else if st.counter == COUNTER_MAX {
        // Out of counter values in this millisecond (or the clock went back): move on to the
        // next one rather than repeat or go backwards.
        st.last_ms += 1;
        st.counter = fresh_counter(&mut st.rng);
    } else {
        st.counter += 1;
    }
    let random = next_random(&mut st.rng) as u32;
    STATE.set(Some(st));
    let ms48 = u128::from(st.last_ms & 0xffff_ffff_ffff);
    let rand_a = u128::from(st.counter >> 30);
    let rand_b = (u128::from(st.counter & 0x3fff_ffff) << 32) | u128::from(random);
    uuid::Uuid::from_u128((ms48 << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b)
}

/// The hyphenated lowercase text of an id, for callers that build their own string object.
pub fn hyphenated(id: uuid::Uuid) -> [u8; 36] {
    let mut buf = [0u8; 36];
    id.hyphenated().encode_lower(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn now_ms() -> u64 {
        chrono::Utc::now().timestamp_millis() as u64
    }

    #[test]
    fn ids_are_v7_and_strictly_increasing_within_a_thread() {
        let now = now_ms();
        let mut last = next_v7(now);
        for _ in 0..10_000 {
            // The same instant every time: only the counter orders them.
            let id = next_v7(now);
            assert_eq!(id.get_version_num(), 7);
            assert_eq!(id.get_variant(), uuid::Variant::RFC4122);
            assert!(id > last, "{id} after {last}");
            last = id;
        }
    }

    #[test]
    fn id_carries_the_millisecond_of_its_timestamp() {
        let now = now_ms() + 86_400_000;
        let id = next_v7(now);
        let (secs, nanos) = id
            .get_timestamp()
            .expect("a v7 id has a timestamp")
            .to_unix();
        assert_eq!(secs * 1000 + u64::from(nanos / 1_000_000), now);
    }

    #[test]
    fn threads_never_collide() {
        let now = now_ms();
        let handles: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(move || (0..5000).map(|_| next_v7(now)).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for h in handles {
            for id in h.join().expect("id thread") {
                assert!(all.insert(id), "duplicate id {id}");
            }
        }
        assert_eq!(all.len(), 20_000);
    }

    #[test]
    fn reseeding_changes_the_sequence() {
        let now = now_ms();
        let before = next_v7(now);
        reseed_after_fork();
        let after = next_v7(now);
        // Without the reseed the same millisecond would just step the counter by one.
        let counter = |id: uuid::Uuid| {
            let v = id.as_u128();
            (((v >> 64) & 0xfff) << 30) | ((v >> 32) & 0x3fff_ffff)
        };
        assert_ne!(counter(after), counter(before) + 1);
        reseed_after_fork();
        let again = next_v7(now);
        assert_ne!(counter(again), counter(after) + 1);
    }

    #[test]
    fn hyphenated_text_matches_the_uuid_crate() {
        let id = next_v7(now_ms());
        assert_eq!(
            std::str::from_utf8(&hyphenated(id)).ok(),
            Some(id.to_string().as_str())
        );
    }
}
