//! The queue between `log()` and the writer, held as a list of chunks of at most [`CHUNK`]
//! entries. The writer takes the oldest chunk in O(1) under the lock and stores it as one
//! transaction, so the events it works on at once stay a few megabytes however far behind it is,
//! and emptied chunks come back to be filled again instead of the queue regrowing (and the
//! kernel zeroing fresh pages) after every batch.
//!
//! A chunk keeps its finished events (1,440 bytes each) apart from its entries, and an entry is
//! only the size of a compact call (about a fifth of that): the calls a binding queues take a
//! fifth of the memory they would as events, and an event logged from Rust is moved into a kept
//! vector, with no allocation of its own. The queue is bounded by the room its entries take: a
//! call takes one unit and an event [`EVENT_ROOM`], so a queue with room for N events holds 4 N
//! calls, in less memory than N events.

use super::quick::QuickCall;
use crate::Event;
use std::collections::VecDeque;

/// Entries per chunk: the most events the writer stores in one transaction.
pub(crate) const CHUNK: usize = 2048;

/// Emptied chunks kept for reuse; more are freed.
const SPARE: usize = 4;

/// The room a queued event takes, counted in compact calls: its entry is the size of a call, and
/// the event beside it about five times that.
pub(crate) const EVENT_ROOM: usize = 4;

/// One queued entry, in the order it was logged: a finished event (its position in the chunk's
/// `events`), or a call the writer turns into one.
// Calls are the entries a binding queues by the thousand: held inline, a call costs no
// allocation on the caller's thread, and the marker of an event wastes one call's size.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Entry {
    Event(usize),
    Call(QuickCall),
    /// A call whose cost the session ledger already holds (see [`ChunkQueue::charge_calls`]):
    /// the writer builds and prices it like any call but does not charge it again.
    ChargedCall(QuickCall),
}

/// A run of consecutive entries, stored by the writer as one transaction.
#[derive(Default)]
pub(crate) struct Chunk {
    pub entries: Vec<Entry>,
    /// The finished events the entries point to.
    pub events: Vec<Event>,
}

impl Chunk {
    fn with_capacity() -> Self {
        Chunk {
            entries: Vec::with_capacity(CHUNK),
            events: Vec::new(),
        }
    }

    fn room(&self) -> usize {
        self.entries.len() + self.events.len() * (EVENT_ROOM - 1)
    }

    /// Empties the chunk, dropping what it holds, and keeps its buffers.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.events.clear();
    }
}

#[derive(Default)]
pub(crate) struct ChunkQueue {
    chunks: VecDeque<Chunk>,
    spare: Vec<Chunk>,
    len: usize,
    room: usize,
}

impl ChunkQueue {
    /// Entries queued in all chunks.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The room the queued entries take: one per call, [`EVENT_ROOM`] per event.
    pub fn room(&self) -> usize {
        self.room
    }

    /// The chunk the next entry goes to.
    fn last(&mut self) -> &mut Chunk {
        if self.chunks.back().is_none_or(|c| c.entries.len() >= CHUNK) {
            let chunk = self.spare.pop().unwrap_or_else(Chunk::with_capacity);
            self.chunks.push_back(chunk);
        }
        self.len += 1;
        self.chunks.back_mut().expect("a chunk was just added")
    }

    pub fn push_call(&mut self, call: QuickCall) {
        self.room += 1;
        self.last().entries.push(Entry::Call(call));
    }

    pub fn push_event(&mut self, ev: Event) {
        self.room += EVENT_ROOM;
        let chunk = self.last();
        if chunk.events.capacity() == 0 {
            // Address space only: the pages are touched as events are written.
            chunk.events.reserve_exact(CHUNK);
        }
        chunk.entries.push(Entry::Event(chunk.events.len()));
        chunk.events.push(ev);
    }

    pub fn extend_events(&mut self, events: impl IntoIterator<Item = Event>) {
        for ev in events {
            self.push_event(ev);
        }
    }

    /// Takes the oldest chunk (the only one when the queue holds fewer than [`CHUNK`] entries).
    pub fn take_oldest(&mut self) -> Option<Chunk> {
        let chunk = self.chunks.pop_front()?;
        self.len -= chunk.entries.len();
        self.room -= chunk.room();
        Some(chunk)
    }

    /// Gives back a chunk the writer has emptied, to be filled again.
    pub fn recycle(&mut self, mut chunk: Chunk) {
        chunk.clear();
        if self.spare.len() < SPARE && chunk.entries.capacity() >= CHUNK {
            self.spare.push(chunk);
        }
    }

    /// Calls `charge` on every queued call not charged yet and marks it charged; returns how
    /// many. The calls stay calls, so the queue takes no more memory than it did.
    pub fn charge_calls(&mut self, mut charge: impl FnMut(&QuickCall)) -> usize {
        let mut charged = 0;
        for entry in self.chunks.iter_mut().flat_map(|c| &mut c.entries) {
            if let Entry::Call(call) = entry {
                charge(call);
                let placeholder = Entry::Event(usize::MAX);
                if let Entry::Call(call) = std::mem::replace(entry, placeholder) {
                    *entry = Entry::ChargedCall(call);
                }
                charged += 1;
            }
        }
        charged
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EventType;
    use std::sync::Arc;

    fn event(i: usize) -> Event {
        let mut ev = Event::new("s", EventType::custom("note"));
        ev.event_id = i.to_string();
        ev
    }

    fn call() -> QuickCall {
        QuickCall::new(Arc::from("s"))
    }

    /// What each entry of `chunk` holds, in order: an event's id, or `call <id>`.
    fn contents(chunk: &Chunk) -> Vec<String> {
        chunk
            .entries
            .iter()
            .map(|e| match e {
                Entry::Event(k) => chunk.events[*k].event_id.clone(),
                Entry::Call(c) => format!("call {}", c.event_id),
                Entry::ChargedCall(c) => format!("charged call {}", c.event_id),
            })
            .collect()
    }

    #[test]
    fn chunks_come_out_oldest_first_and_whole() {
        let mut q = ChunkQueue::default();
        let n = 2 * CHUNK + 5;
        q.extend_events((0..n).map(event));
        assert_eq!(q.len(), n);
        assert_eq!(q.room(), n * EVENT_ROOM);
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        while let Some(chunk) = q.take_oldest() {
            sizes.push(chunk.entries.len());
            seen.extend(contents(&chunk));
            q.recycle(chunk);
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        assert_eq!(seen, (0..n).map(|i| i.to_string()).collect::<Vec<_>>());
        assert!(q.is_empty());
        assert_eq!((q.len(), q.room()), (0, 0));
    }

    #[test]
    fn an_emptied_chunk_is_filled_again() {
        let mut q = ChunkQueue::default();
        q.extend_events((0..CHUNK).map(event));
        let chunk = q.take_oldest().unwrap();
        let at = (
            chunk.entries.as_ptr() as usize,
            chunk.events.as_ptr() as usize,
        );
        q.recycle(chunk);
        q.push_event(event(7));
        let again = q.take_oldest().unwrap();
        let now = (
            again.entries.as_ptr() as usize,
            again.events.as_ptr() as usize,
        );
        assert_eq!(now, at, "the spare buffers were reused");
        assert_eq!(contents(&again), ["7"]);
    }

    #[test]
    fn calls_and_events_keep_their_order_and_calls_are_charged_once_in_place() {
        let mut q = ChunkQueue::default();
        // Every third entry is a call; the others are events.
        let n = CHUNK + 4;
        let mut expected = Vec::new();
        for i in 0..n {
            if i % 3 == 0 {
                let c = call();
                expected.push(format!("charged call {}", c.event_id));
                q.push_call(c);
            } else {
                expected.push(i.to_string());
                q.push_event(event(i));
            }
        }
        let calls = n.div_ceil(3);
        let room = calls + (n - calls) * EVENT_ROOM;
        assert_eq!((q.len(), q.room()), (n, room));

        let mut seen_by_charge = 0;
        assert_eq!(q.charge_calls(|_| seen_by_charge += 1), calls);
        assert_eq!(seen_by_charge, calls);
        assert_eq!(q.charge_calls(|_| panic!("charged twice")), 0);
        q.push_call(call());
        assert_eq!(q.charge_calls(|_| {}), 1, "a call queued later is charged");
        assert_eq!(q.room(), room + 1, "charged calls keep a call's room");
        let mut seen = Vec::new();
        while let Some(chunk) = q.take_oldest() {
            seen.extend(contents(&chunk));
        }
        assert_eq!(seen.len(), n + 1);
        seen.pop();
        assert_eq!(seen, expected);
        assert_eq!(q.room(), 0);
    }

    #[test]
    fn an_entry_is_the_size_of_a_call() {
        assert!(std::mem::size_of::<Entry>() <= std::mem::size_of::<QuickCall>() + 8);
        assert!(std::mem::size_of::<Event>() >= 4 * std::mem::size_of::<QuickCall>());
    }
}
