//! HAIL files: `hail-1.0.0` JSONL is read line by line (a bad line is skipped, the rest still
//! imported); the single-object and `hail/0.1` forms go through the whole-file reader.

use super::{Emit, for_each_line};
use crate::event::{EventType, SessionOp, kinds};
use crate::hail::{Dialect, Header, ReadOptions, Reader, parse_event_line};
use crate::{Event, Result};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

pub(crate) fn read(path: &Path, emit: &mut Emit<'_>) -> Result<()> {
    let file = File::open(path).map_err(super::io_err(path))?;
    let mut input = BufReader::with_capacity(1 << 20, file);
    let mut first = Vec::new();
    input
        .read_until(b'\n', &mut first)
        .map_err(super::io_err(path))?;
    // Ids are checked by the store (insert-or-ignore), so the reader need not remember them.
    let opts = ReadOptions {
        check_duplicate_ids: false,
        ..ReadOptions::default()
    };
    let (header, dialect) = match Reader::with_options(&first[..], opts.clone()) {
        Ok(r) => (r.header().clone(), r.dialect()),
        Err(_) if !first.trim_ascii().starts_with(br#"{"type":"header""#) => {
            // Not a one-line header: the pretty-printed single-object form, read whole.
            return read_whole(path, emit, opts);
        }
        Err(e) => {
            emit.line(first.len());
            emit.skip(1, format!("header: {e}"));
            return Ok(());
        }
    };
    if dialect != Dialect::Hail1 {
        return read_whole(path, emit, opts);
    }
    let start = start_event(&header);
    emit.event(start, 1)?;
    for_each_line(path, emit, |emit, line_no, bytes| {
        if line_no == 1 || bytes.starts_with(br#"{"type":"stats""#) {
            return Ok(());
        }
        match parse_event_line(bytes, line_no, &header.session_id) {
            Ok(ev) => emit.event(with_agent(ev, &header), line_no),
            // A stats line written with other spacing: a summary, not an event to import.
            Err(_) if is_stats_line(bytes) => Ok(()),
            Err(e) => {
                emit.skip(line_no, e.to_string());
                Ok(())
            }
        }
    })
}

fn is_stats_line(bytes: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Tagged<'a> {
        #[serde(rename = "type", borrow)]
        kind: std::borrow::Cow<'a, str>,
    }
    serde_json::from_slice::<Tagged>(bytes).is_ok_and(|t| t.kind == "stats")
}

fn read_whole(path: &Path, emit: &mut Emit<'_>, opts: ReadOptions) -> Result<()> {
    let file = File::open(path).map_err(super::io_err(path))?;
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    let reader = match Reader::with_options(BufReader::new(file), opts) {
        Ok(r) => r,
        Err(e) => {
            emit.line(bytes as usize);
            emit.skip(e.line().max(1), e.to_string());
            return Ok(());
        }
    };
    let header = reader.header().clone();
    emit.event(start_event(&header), 1)?;
    let mut n = 1u64;
    for ev in reader {
        n += 1;
        match ev {
            Ok(ev) => emit.event(with_agent(ev, &header), n)?,
            Err(e) => {
                // This form cannot be resumed after a bad event: report it and stop the file.
                emit.skip(if e.line() > 0 { e.line() } else { n }, e.to_string());
                break;
            }
        }
    }
    emit.line(bytes as usize);
    Ok(())
}

/// The header as a session start: title, tags and the producing tool.
fn start_event(header: &Header) -> Event {
    let mut ev = Event::new(
        header.session_id.clone(),
        EventType::custom(kinds::METADATA),
    );
    ev.event_id = format!("hail:start:{}", header.session_id);
    ev.timestamp = header.context.created_at;
    ev.agent = Some(header.agent.tool.clone()).filter(|t| !t.is_empty());
    ev.op = Some(SessionOp::Start {
        name: header.context.title.clone(),
        tags: header.context.tags.clone(),
        metadata: serde_json::Map::new(),
    });
    ev
}

fn with_agent(mut ev: Event, header: &Header) -> Event {
    if ev.agent.is_none() && !header.agent.tool.is_empty() {
        ev.agent = Some(header.agent.tool.clone());
    }
    ev
}
