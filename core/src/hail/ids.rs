//! The duplicate-event-id check in bounded memory: an exact in-memory set up to a fixed size,
//! then sorted runs spilled to anonymous temporary files and merged to find the earliest duplicate.

use std::fs::File;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Default number of ids held in memory before a spill (about 4 MiB with 20-byte ids).
pub(crate) const DEFAULT_IDS_IN_MEMORY: usize = 1 << 16;
/// Id bytes held in memory before a spill, whatever their count: long ids spill sooner.
const ARENA_LIMIT: usize = 4 << 20;
/// Runs merged at once: bounds open files and read buffers (16 × 32 KiB).
const FAN_IN: usize = 16;
const READ_BUFFER: usize = 32 << 10;
const WRITE_BUFFER: usize = 64 << 10;
const EMPTY: u32 = u32::MAX;

/// A duplicate: the event at `seq`/`line` repeats the id first seen on `first_line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Duplicate {
    /// Ordinal of the repeating event in the file (0-based); orders duplicates exactly even where
    /// several events share a line (the single-object form).
    pub seq: u64,
    pub line: u64,
    pub first_line: u64,
    pub event_id: String,
}

struct Entry {
    fp: u64,
    seq: u64,
    line: u64,
    start: usize,
    len: usize,
}

struct Run {
    file: File,
    /// Merge generation: `FAN_IN` runs of one level become one run of the next.
    level: u32,
}

/// Every event id of one file, each with the ordinal and line of its first occurrence.
///
/// Ids are compared byte for byte; the 64-bit fingerprint (SipHash with keys drawn per set, so a
/// file cannot be crafted to collide) only places and orders them. While no run has been spilled
/// a duplicate is found the moment it is inserted, as a plain hash set would; after a spill, a
/// repeat of a spilled id is found when the runs are merged, at [`IdSet::finish`] or at the next
/// in-memory hit, and the earliest repeat in file order is reported.
pub(crate) struct IdSet {
    keys: RandomState,
    /// Open addressing, linear probing; slot = index into `entries`. Never more than half full.
    table: Vec<u32>,
    entries: Vec<Entry>,
    arena: Vec<u8>,
    limit: usize,
    runs: Vec<Run>,
    /// Earliest duplicate found by merges so far (compactions find some before the end).
    best: Option<Duplicate>,
    /// Spilling failed once (no writable temporary directory, disk full): ids stay in memory.
    in_memory_only: bool,
    spill_failure: Option<io::Error>,
    /// Where runs go; `None`: the system's temporary directory.
    pub(super) temp_dir: Option<std::path::PathBuf>,
}

impl IdSet {
    pub(crate) fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        IdSet {
            keys: RandomState::new(),
            table: vec![EMPTY; table_size(limit.min(32))],
            entries: Vec::new(),
            arena: Vec::new(),
            limit,
            runs: Vec::new(),
            best: None,
            in_memory_only: false,
            spill_failure: None,
            temp_dir: None,
        }
    }

    fn fingerprint(&self, id: &[u8]) -> u64 {
        let mut h = self.keys.build_hasher();
        h.write(id);
        h.finish()
    }

    /// Record the id of event number `seq` on `line`. Returns the earliest duplicate known so far
    /// when this id is already in memory; the I/O error of a failed merge.
    pub(crate) fn insert(
        &mut self,
        id: &str,
        seq: u64,
        line: u64,
    ) -> io::Result<Option<Duplicate>> {
        let id = id.as_bytes();
        let fp = self.fingerprint(id);
        let mask = self.table.len() - 1;
        let mut pos = fp as usize & mask;
        loop {
            let slot = self.table[pos];
            if slot == EMPTY {
                break;
            }
            let e = &self.entries[slot as usize];
            if e.fp == fp && &self.arena[e.start..e.start + e.len] == id {
                let found = Duplicate {
                    seq,
                    line,
                    first_line: e.line,
                    event_id: String::from_utf8_lossy(id).into_owned(),
                };
                if self.runs.is_empty() {
                    return Ok(Some(found));
                }
                // A spilled id may repeat earlier than this: merge everything seen so far.
                let merged = self.merge_all()?;
                return Ok(earliest(merged, Some(found)));
            }
            pos = (pos + 1) & mask;
        }
        // Only reachable without a temporary file: 4 billion ids held in memory.
        let slot = match u32::try_from(self.entries.len()) {
            Ok(slot) if slot != EMPTY => slot,
            _ => return Err(too_many()),
        };
        self.table[pos] = slot;
        self.entries.push(Entry {
            fp,
            seq,
            line,
            start: self.arena.len(),
            len: id.len(),
        });
        self.arena.extend_from_slice(id);
        if self.entries.len() >= self.limit || self.arena.len() >= ARENA_LIMIT {
            self.make_room();
        } else if self.entries.len() * 2 > self.table.len() {
            self.rehash(self.table.len() * 2);
        }
        Ok(None)
    }

    /// The earliest duplicate not yet reported by [`IdSet::insert`], once the input has ended.
    pub(crate) fn finish(&mut self) -> io::Result<Option<Duplicate>> {
        if self.runs.is_empty() {
            return Ok(None);
        }
        self.merge_all()
    }

    /// Why ids stopped spilling, once (for a warning).
    pub(crate) fn take_spill_failure(&mut self) -> Option<io::Error> {
        self.spill_failure.take()
    }

    /// Number of runs on disk (for tests).
    #[cfg(test)]
    fn runs(&self) -> usize {
        self.runs.len()
    }

    fn temp_file(&self) -> io::Result<File> {
        match &self.temp_dir {
            Some(dir) => tempfile::tempfile_in(dir),
            None => tempfile::tempfile(),
        }
    }

    fn make_room(&mut self) {
        if !self.in_memory_only {
            match self.spill() {
                Ok(()) => return,
                Err(e) => {
                    self.in_memory_only = true;
                    self.spill_failure = Some(e);
                }
            }
        }
        // Without a temporary file the set grows as a plain hash set would.
        self.limit = self.limit.saturating_mul(2);
        if self.entries.len() * 2 > self.table.len() {
            self.rehash(self.table.len() * 2);
        }
    }

    /// Grow the table to `size` slots (a power of two) and place every entry again.
    fn rehash(&mut self, size: usize) {
        self.table = vec![EMPTY; size];
        let mask = size - 1;
        for (i, e) in self.entries.iter().enumerate() {
            let mut pos = e.fp as usize & mask;
            while self.table[pos] != EMPTY {
                pos = (pos + 1) & mask;
            }
            self.table[pos] = i as u32;
        }
    }

    /// The in-memory entries in run order: by fingerprint, then id bytes.
    fn sorted(&self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.entries.len() as u32).collect();
        let key = |i: u32| {
            let e = &self.entries[i as usize];
            (e.fp, &self.arena[e.start..e.start + e.len])
        };
        order.sort_unstable_by(|&a, &b| key(a).cmp(&key(b)));
        order
    }

    fn spill(&mut self) -> io::Result<()> {
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, self.temp_file()?);
        for i in self.sorted() {
            let e = &self.entries[i as usize];
            write_record(
                &mut out,
                e.fp,
                e.seq,
                e.line,
                &self.arena[e.start..e.start + e.len],
            )?;
        }
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        self.runs.push(Run { file, level: 0 });
        self.table.fill(EMPTY);
        self.entries.clear();
        self.arena.clear();
        self.arena.shrink_to(ARENA_LIMIT);
        self.compact()
    }

    /// Merge the newest `FAN_IN` runs while they share a level, so the runs on disk stay few
    /// (logarithmic in the file's length) and each id is rewritten only that many times.
    fn compact(&mut self) -> io::Result<()> {
        while self.runs.len() >= FAN_IN {
            let tail = &self.runs[self.runs.len() - FAN_IN..];
            let level = tail[0].level;
            if tail.iter().any(|r| r.level != level) {
                break;
            }
            self.merge_tail(FAN_IN, level.saturating_add(1))?;
        }
        Ok(())
    }

    /// Merge the last `n` runs into one run of `level`, keeping each id's first occurrence.
    fn merge_tail(&mut self, n: usize, level: u32) -> io::Result<()> {
        let start = self.runs.len() - n;
        let mut out = BufWriter::with_capacity(WRITE_BUFFER, self.temp_file()?);
        let mut cursors = Vec::with_capacity(n);
        for run in &self.runs[start..] {
            cursors.push(Cursor::disk(&run.file)?);
        }
        let found = merge(cursors, Some(&mut out))?;
        let file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
        // The inputs are dropped (and their files deleted) only once the output is complete.
        self.runs.truncate(start);
        self.runs.push(Run { file, level });
        self.best = earliest(self.best.take(), found);
        Ok(())
    }

    /// Merge every run and the in-memory ids; the earliest duplicate of the whole set so far.
    fn merge_all(&mut self) -> io::Result<Option<Duplicate>> {
        while self.runs.len() > FAN_IN {
            self.merge_tail(FAN_IN, u32::MAX)?;
        }
        let order = self.sorted();
        let mut cursors = Vec::with_capacity(self.runs.len() + 1);
        for run in &self.runs {
            cursors.push(Cursor::disk(&run.file)?);
        }
        cursors.push(Cursor::Memory {
            set: self,
            order,
            pos: 0,
        });
        let found = merge(cursors, None)?;
        Ok(earliest(self.best.clone(), found))
    }
}

fn too_many() -> io::Error {
    io::Error::other("over 4 billion event ids and no temporary file to spill them to")
}

fn table_size(limit: usize) -> usize {
    limit.saturating_mul(2).next_power_of_two()
}

fn earliest(a: Option<Duplicate>, b: Option<Duplicate>) -> Option<Duplicate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.seq < a.seq { b } else { a }),
        (a, b) => a.or(b),
    }
}

/// A record: fingerprint, ordinal, line (u64 little-endian each), id length (u32), id bytes.
const RECORD_HEAD: usize = 28;

fn write_record(out: &mut impl Write, fp: u64, seq: u64, line: u64, id: &[u8]) -> io::Result<()> {
    let len = u32::try_from(id.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "event id over 4 GiB"))?;
    let mut head = [0u8; RECORD_HEAD];
    head[..8].copy_from_slice(&fp.to_le_bytes());
    head[8..16].copy_from_slice(&seq.to_le_bytes());
    head[16..24].copy_from_slice(&line.to_le_bytes());
    head[24..].copy_from_slice(&len.to_le_bytes());
    out.write_all(&head)?;
    out.write_all(id)
}

/// One sorted input of a merge, positioned on its current record.
enum Cursor<'a> {
    Disk {
        input: BufReader<&'a File>,
        fp: u64,
        seq: u64,
        line: u64,
        id: Vec<u8>,
        done: bool,
    },
    Memory {
        set: &'a IdSet,
        order: Vec<u32>,
        pos: usize,
    },
}

impl<'a> Cursor<'a> {
    fn disk(mut file: &'a File) -> io::Result<Self> {
        file.seek(SeekFrom::Start(0))?;
        let mut c = Cursor::Disk {
            input: BufReader::with_capacity(READ_BUFFER, file),
            fp: 0,
            seq: 0,
            line: 0,
            id: Vec::new(),
            done: false,
        };
        c.advance()?;
        Ok(c)
    }

    /// The current record's (fingerprint, id), `None` once exhausted.
    fn key(&self) -> Option<(u64, &[u8])> {
        match self {
            Cursor::Disk { done: true, .. } => None,
            Cursor::Disk { fp, id, .. } => Some((*fp, id)),
            Cursor::Memory { set, order, pos } => order.get(*pos).map(|&i| {
                let e = &set.entries[i as usize];
                (e.fp, &set.arena[e.start..e.start + e.len])
            }),
        }
    }

    /// The current record's (ordinal, line); only called while `key` is `Some`.
    fn place(&self) -> (u64, u64) {
        match self {
            Cursor::Disk { seq, line, .. } => (*seq, *line),
            Cursor::Memory { set, order, pos } => {
                let e = &set.entries[order[*pos] as usize];
                (e.seq, e.line)
            }
        }
    }

    fn advance(&mut self) -> io::Result<()> {
        match self {
            Cursor::Memory { pos, .. } => *pos += 1,
            Cursor::Disk {
                input,
                fp,
                seq,
                line,
                id,
                done,
            } => {
                // Runs are written whole: the end of a run falls exactly on a record boundary.
                if input.fill_buf()?.is_empty() {
                    *done = true;
                    return Ok(());
                }
                let mut head = [0u8; RECORD_HEAD];
                input.read_exact(&mut head)?;
                let word = |i: usize| {
                    let mut b = [0u8; 8];
                    b.copy_from_slice(&head[i..i + 8]);
                    u64::from_le_bytes(b)
                };
                *fp = word(0);
                *seq = word(8);
                *line = word(16);
                let len = u32::from_le_bytes([head[24], head[25], head[26], head[27]]);
                id.clear();
                let read = input.by_ref().take(u64::from(len)).read_to_end(id)?;
                if read != len as usize {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "a duplicate-id run ends inside a record",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// K-way merge of sorted cursors, each holding an id at most once. Finds the earliest repeat;
/// with `out`, writes each id once, at its first occurrence.
fn merge(
    mut cursors: Vec<Cursor<'_>>,
    mut out: Option<&mut BufWriter<File>>,
) -> io::Result<Option<Duplicate>> {
    let mut best: Option<Duplicate> = None;
    let mut id = Vec::new();
    loop {
        let mut min: Option<(u64, &[u8])> = None;
        for c in &cursors {
            if let Some(k) = c.key()
                && min.is_none_or(|m| k < m)
            {
                min = Some(k);
            }
        }
        let Some((fp, min_id)) = min else {
            break;
        };
        id.clear();
        id.extend_from_slice(min_id);
        // The two earliest occurrences of this id among the cursors.
        let mut first = (u64::MAX, 0);
        let mut second = (u64::MAX, 0);
        for c in &mut cursors {
            if c.key() == Some((fp, &id[..])) {
                let place = c.place();
                if place < first {
                    second = first;
                    first = place;
                } else if place < second {
                    second = place;
                }
                c.advance()?;
            }
        }
        if second.0 != u64::MAX && best.as_ref().is_none_or(|b| second.0 < b.seq) {
            best = Some(Duplicate {
                seq: second.0,
                line: second.1,
                first_line: first.1,
                event_id: String::from_utf8_lossy(&id).into_owned(),
            });
        }
        if let Some(out) = out.as_deref_mut() {
            write_record(out, fp, first.0, first.1, &id)?;
        }
    }
    Ok(best)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashMap;

    /// The plain check: the first event whose id was seen before.
    fn reference(ids: &[String], lines: &[u64]) -> Option<Duplicate> {
        let mut seen = HashMap::new();
        for (seq, id) in ids.iter().enumerate() {
            if let Some(&first) = seen.get(id) {
                return Some(Duplicate {
                    seq: seq as u64,
                    line: lines[seq],
                    first_line: lines[first],
                    event_id: id.clone(),
                });
            }
            seen.insert(id.clone(), seq);
        }
        None
    }

    /// What the reader does: insert until a duplicate, then finish at the end.
    fn check(set: &mut IdSet, ids: &[String], lines: &[u64]) -> Option<Duplicate> {
        for (seq, id) in ids.iter().enumerate() {
            if let Some(d) = set.insert(id, seq as u64, lines[seq]).unwrap() {
                return Some(d);
            }
        }
        set.finish().unwrap()
    }

    fn numbered(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("id-{i}")).collect()
    }

    fn lines(n: usize) -> Vec<u64> {
        (2..n as u64 + 2).collect()
    }

    #[test]
    fn without_spilling_a_duplicate_is_found_at_once() {
        let mut set = IdSet::new(100);
        assert_eq!(set.insert("a", 0, 2).unwrap(), None);
        assert_eq!(set.insert("b", 1, 3).unwrap(), None);
        let d = set.insert("a", 2, 4).unwrap().unwrap();
        assert_eq!((d.line, d.first_line, d.event_id.as_str()), (4, 2, "a"));
        assert_eq!(set.runs(), 0);
    }

    #[test]
    fn a_repeat_of_a_spilled_id_is_found_at_the_end() {
        let mut ids = numbered(10);
        ids.push("id-3".into());
        ids.extend(numbered(20).split_off(10));
        let mut set = IdSet::new(4);
        let d = check(&mut set, &ids, &lines(ids.len())).unwrap();
        assert!(set.runs() >= 2);
        assert_eq!((d.seq, d.line, d.first_line), (10, 12, 5));
        assert_eq!(d.event_id, "id-3");
    }

    #[test]
    fn an_in_memory_hit_after_a_spill_still_reports_the_earliest_repeat() {
        // id-1 (spilled) repeats at seq 6; id-5 repeats later inside memory at seq 7.
        let ids: Vec<String> = [
            "id-0", "id-1", "id-2", "id-3", "id-4", "id-5", "id-1", "id-5",
        ]
        .map(String::from)
        .to_vec();
        let mut set = IdSet::new(4);
        let lines = lines(ids.len());
        for (seq, id) in ids.iter().enumerate().take(7) {
            assert_eq!(set.insert(id, seq as u64, lines[seq]).unwrap(), None);
        }
        let d = set.insert("id-5", 7, lines[7]).unwrap().unwrap();
        assert_eq!((d.seq, d.first_line, d.event_id.as_str()), (6, 3, "id-1"));
    }

    #[test]
    fn many_runs_are_compacted_and_stay_exact() {
        let n = 5000;
        let mut ids = numbered(n);
        ids.push("id-0".into());
        let mut set = IdSet::new(8);
        let d = check(&mut set, &ids, &lines(ids.len())).unwrap();
        assert!(set.runs() < FAN_IN * 3, "{} runs", set.runs());
        assert_eq!((d.seq, d.line, d.first_line), (n as u64, n as u64 + 2, 2));
        let mut set = IdSet::new(8);
        assert_eq!(check(&mut set, &numbered(n), &lines(n)), None);
    }

    #[test]
    fn events_sharing_a_line_are_ordered_by_position() {
        // The single-object form: every event on the object's first line.
        let ids: Vec<String> = ["a", "b", "c", "d", "c", "b"].map(String::from).to_vec();
        let mut set = IdSet::new(2);
        let d = check(&mut set, &ids, &[1; 6]).unwrap();
        assert_eq!((d.seq, d.event_id.as_str()), (4, "c"));
    }

    #[test]
    fn without_a_temporary_directory_ids_stay_in_memory() {
        let mut set = IdSet::new(2);
        set.temp_dir = Some("/nonexistent/hailog-spill".into());
        let mut ids = numbered(50);
        ids.push("id-7".into());
        let d = check(&mut set, &ids, &lines(ids.len())).unwrap();
        assert_eq!((d.seq, d.first_line), (50, 9));
        assert!(set.take_spill_failure().is_some());
        assert_eq!(set.runs(), 0);
    }

    #[test]
    fn long_ids_spill_by_their_bytes() {
        let ids: Vec<String> = (0..12)
            .map(|i| format!("{i}-{}", "x".repeat(1 << 20)))
            .collect();
        let mut set = IdSet::new(1000);
        assert_eq!(check(&mut set, &ids, &lines(12)), None);
        // 4 MiB of id bytes per run, whatever the count limit.
        assert_eq!(set.runs(), 3);
        // Memory is empty after the third run: the repeat is found when the runs are merged.
        assert_eq!(set.insert(&ids[5], 12, 14).unwrap(), None);
        let d = set.finish().unwrap().unwrap();
        assert_eq!((d.line, d.first_line), (14, 7));
    }

    proptest! {
        #[test]
        fn agrees_with_a_hash_set(
            ids in proptest::collection::vec("[a-h]{1,2}", 0..120),
            limit in 1usize..10,
        ) {
            let lines = lines(ids.len());
            let mut set = IdSet::new(limit);
            prop_assert_eq!(check(&mut set, &ids, &lines), reference(&ids, &lines));
        }

        #[test]
        fn agrees_with_a_hash_set_on_long_files_with_few_repeats(
            n in 0usize..3000,
            repeats in proptest::collection::vec((0usize..3000, 0usize..3000), 0..3),
            limit in 1usize..40,
        ) {
            let mut ids = numbered(n);
            for (at, of) in repeats {
                if n > 0 {
                    let id = ids[of % n].clone();
                    ids.insert(at % (n + 1), id);
                }
            }
            let lines = lines(ids.len());
            let mut set = IdSet::new(limit);
            prop_assert_eq!(check(&mut set, &ids, &lines), reference(&ids, &lines));
        }
    }
}
