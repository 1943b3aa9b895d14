//! The queue between `log()` and the writer, held as a list of chunks of at most [`CHUNK`]
//! entries. The writer takes the oldest chunk in O(1) under the lock and stores it as one
//! transaction, so the events it works on at once stay a few megabytes however far behind it is,
//! and emptied chunks come back to be filled again instead of the queue regrowing (and the
//! kernel zeroing fresh pages) after every batch.

use super::writer::Queued;
use std::collections::VecDeque;

/// Entries per chunk: the most events the writer stores in one transaction.
pub(crate) const CHUNK: usize = 2048;

/// Emptied chunks kept for reuse; more are freed.
const SPARE: usize = 4;

#[derive(Default)]
pub(crate) struct ChunkQueue {
    chunks: VecDeque<Vec<Queued>>,
    spare: Vec<Vec<Queued>>,
    len: usize,
}

impl ChunkQueue {
    /// Entries queued in all chunks.
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn push(&mut self, entry: Queued) {
        match self.chunks.back_mut() {
            Some(last) if last.len() < CHUNK => last.push(entry),
            _ => {
                let mut chunk = self
                    .spare
                    .pop()
                    .unwrap_or_else(|| Vec::with_capacity(CHUNK));
                chunk.push(entry);
                self.chunks.push_back(chunk);
            }
        }
        self.len += 1;
    }

    pub fn extend(&mut self, entries: impl IntoIterator<Item = Queued>) {
        for entry in entries {
            self.push(entry);
        }
    }

    /// Takes the oldest chunk (the only one when the queue holds fewer than [`CHUNK`] entries).
    pub fn take_oldest(&mut self) -> Option<Vec<Queued>> {
        let chunk = self.chunks.pop_front()?;
        self.len -= chunk.len();
        Some(chunk)
    }

    /// Gives back a chunk the writer has emptied, to be filled again.
    pub fn recycle(&mut self, mut chunk: Vec<Queued>) {
        chunk.clear();
        if self.spare.len() < SPARE && chunk.capacity() >= CHUNK {
            self.spare.push(chunk);
        }
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Queued> {
        self.chunks.iter_mut().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, EventType};

    fn entry(i: usize) -> Queued {
        let mut ev = Event::new("s", EventType::custom("note"));
        ev.event_id = i.to_string();
        Queued::Event(ev)
    }

    fn id(entry: &Queued) -> usize {
        match entry {
            Queued::Event(ev) => ev.event_id.parse().unwrap(),
            Queued::Call(_) => unreachable!("only events are queued here"),
        }
    }

    #[test]
    fn chunks_come_out_oldest_first_and_whole() {
        let mut q = ChunkQueue::default();
        let n = 2 * CHUNK + 5;
        q.extend((0..n).map(entry));
        assert_eq!(q.len(), n);
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        while let Some(chunk) = q.take_oldest() {
            sizes.push(chunk.len());
            seen.extend(chunk.iter().map(id));
            q.recycle(chunk);
        }
        assert_eq!(sizes, [CHUNK, CHUNK, 5]);
        assert_eq!(seen, (0..n).collect::<Vec<_>>());
        assert!(q.is_empty());
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn an_emptied_chunk_is_filled_again() {
        let mut q = ChunkQueue::default();
        q.extend((0..CHUNK).map(entry));
        let chunk = q.take_oldest().unwrap();
        let at = chunk.as_ptr() as usize;
        q.recycle(chunk);
        q.push(entry(7));
        let again = q.take_oldest().unwrap();
        assert_eq!(again.as_ptr() as usize, at, "the spare buffer was reused");
        assert_eq!(again.iter().map(id).collect::<Vec<_>>(), [7]);
    }

    #[test]
    fn entries_can_be_rewritten_in_place_across_chunks() {
        let mut q = ChunkQueue::default();
        q.extend((0..CHUNK + 3).map(entry));
        for e in q.iter_mut() {
            let doubled = id(e) * 2;
            *e = entry(doubled);
        }
        let mut seen = Vec::new();
        while let Some(chunk) = q.take_oldest() {
            seen.extend(chunk.iter().map(id));
        }
        assert_eq!(seen, (0..CHUNK + 3).map(|i| i * 2).collect::<Vec<_>>());
    }
}
