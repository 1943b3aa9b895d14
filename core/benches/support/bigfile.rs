//! Builds a large HAIL file from the real OpenSession fixtures: their events repeated, with fresh
//! ids, after one header. Shared by the `hail` bench and the `make_big_hail` example.

use hailog::hail::{Reader, write_event_line, write_header_line};
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../hail-spec/vectors/hail/valid");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("opensession-"))
        })
        .collect();
    files.sort();
    files
}

/// Write at least `target_bytes` of HAIL to `path`; returns the bytes written.
pub fn write_big_file(path: &Path, target_bytes: u64) -> std::io::Result<u64> {
    let mut events = Vec::new();
    let mut header = None;
    for file in fixtures() {
        let reader = Reader::new(BufReader::new(std::fs::File::open(&file)?))
            .map_err(std::io::Error::other)?;
        header.get_or_insert_with(|| reader.header().clone());
        for event in reader {
            events.push(event.map_err(std::io::Error::other)?);
        }
    }
    let Some(header) = header else {
        return Err(std::io::Error::other("no fixtures found"));
    };
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    let mut buf = Vec::new();
    write_header_line(&header, &mut buf);
    let mut written = 0u64;
    let mut n = 0u64;
    while written < target_bytes {
        for event in &mut events {
            n += 1;
            event.event_id = format!("big-{n}");
            write_event_line(event, &mut buf);
            if buf.len() > 1 << 20 {
                out.write_all(&buf)?;
                written += buf.len() as u64;
                buf.clear();
            }
        }
    }
    out.write_all(&buf)?;
    written += buf.len() as u64;
    out.flush()?;
    Ok(written)
}
