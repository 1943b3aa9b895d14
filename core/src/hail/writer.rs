//! The canonical writer: one line per header, event and stats, keys in a fixed order, so equal
//! sessions give equal bytes.

use super::line::write_event_line;
use super::{Header, Stats};
use crate::event::Event;
use crate::session::SessionSummary;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Tagged<'a, T> {
    #[serde(rename = "type")]
    ty: &'static str,
    #[serde(flatten)]
    body: &'a T,
}

fn write_tagged<T: Serialize>(ty: &'static str, body: &T, out: &mut Vec<u8>) {
    // Serializing into a Vec cannot fail: every map key is a string.
    if serde_json::to_writer(&mut *out, &Tagged { ty, body }).is_ok() {
        out.push(b'\n');
    }
}

/// Append the canonical header line, newline included.
pub fn write_header_line(header: &Header, out: &mut Vec<u8>) {
    write_tagged("header", header, out);
}

/// Append the canonical stats line, newline included.
pub fn write_stats_line(stats: &Stats, out: &mut Vec<u8>) {
    write_tagged("stats", stats, out);
}

/// Writes one session as HAIL JSONL and keeps its summary, so [`Writer::finish`] can end the
/// file with a stats line that matches the events.
pub struct Writer<W: Write> {
    out: W,
    buf: Vec<u8>,
    summary: SessionSummary,
}

impl<W: Write> Writer<W> {
    /// Write the header line.
    pub fn new(mut out: W, header: &Header) -> io::Result<Self> {
        let mut buf = Vec::with_capacity(4096);
        write_header_line(header, &mut buf);
        out.write_all(&buf)?;
        let mut summary = SessionSummary::new(&header.session_id);
        summary.apply_header(header);
        Ok(Writer { out, buf, summary })
    }

    pub fn write_event(&mut self, event: &Event) -> io::Result<()> {
        self.buf.clear();
        write_event_line(event, &mut self.buf);
        self.out.write_all(&self.buf)?;
        self.summary.add(event);
        Ok(())
    }

    /// The summary of the events written so far.
    pub fn summary(&self) -> &SessionSummary {
        &self.summary
    }

    /// Write the stats line, flush, and hand back the output.
    pub fn finish(mut self) -> io::Result<W> {
        self.buf.clear();
        write_stats_line(&self.summary.stats(), &mut self.buf);
        self.out.write_all(&self.buf)?;
        self.out.flush()?;
        Ok(self.out)
    }
}
