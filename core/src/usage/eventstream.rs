//! AWS `application/vnd.amazon.eventstream` frames (Bedrock ConverseStream): prelude with total
//! and header lengths and its CRC32, typed headers, payload, message CRC32. Both CRCs are checked.

/// Prelude (12 bytes) + message CRC (4 bytes).
const OVERHEAD: usize = 16;

#[derive(Debug)]
pub(crate) struct Frame<'a> {
    pub event_type: Option<&'a str>,
    pub message_type: Option<&'a str>,
    pub exception_type: Option<&'a str>,
    pub payload: &'a [u8],
}

#[derive(Debug, PartialEq)]
pub(crate) enum FrameError {
    Crc {
        which: &'static str,
        expected: u32,
        actual: u32,
    },
    Malformed(String),
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

/// Does `buf` start like a frame? Needs 12 bytes; checks the prelude CRC.
pub(crate) fn looks_like_frame(buf: &[u8]) -> Option<bool> {
    if buf.len() < 12 {
        return None;
    }
    Some(crc32fast::hash(&buf[..8]) == be32(&buf[8..12]))
}

/// Decodes the first frame of `buf`: `Ok(None)` when more bytes are needed, else the frame and
/// how many bytes it took.
pub(crate) fn decode(
    buf: &[u8],
    max_frame: usize,
) -> Result<Option<(Frame<'_>, usize)>, FrameError> {
    if buf.len() < 12 {
        return Ok(None);
    }
    let total = be32(&buf[0..4]) as usize;
    let headers_len = be32(&buf[4..8]) as usize;
    let expected = be32(&buf[8..12]);
    let actual = crc32fast::hash(&buf[..8]);
    if expected != actual {
        return Err(FrameError::Crc {
            which: "prelude",
            expected,
            actual,
        });
    }
    if total < OVERHEAD || headers_len > total - OVERHEAD {
        return Err(FrameError::Malformed(format!(
            "frame length {total} cannot hold {headers_len} header bytes"
        )));
    }
    if total > max_frame {
        return Err(FrameError::Malformed(format!(
            "frame length {total} exceeds the limit of {max_frame} bytes"
        )));
    }
    if buf.len() < total {
        return Ok(None);
    }
    let expected = be32(&buf[total - 4..total]);
    let actual = crc32fast::hash(&buf[..total - 4]);
    if expected != actual {
        return Err(FrameError::Crc {
            which: "message",
            expected,
            actual,
        });
    }
    let mut frame = Frame {
        event_type: None,
        message_type: None,
        exception_type: None,
        payload: &buf[12 + headers_len..total - 4],
    };
    read_headers(&buf[12..12 + headers_len], &mut frame)?;
    Ok(Some((frame, total)))
}

fn read_headers<'a>(mut h: &'a [u8], frame: &mut Frame<'a>) -> Result<(), FrameError> {
    let short = || FrameError::Malformed("header block ends inside a header".to_string());
    while !h.is_empty() {
        let name_len = h[0] as usize;
        let name = h.get(1..1 + name_len).ok_or_else(short)?;
        h = &h[1 + name_len..];
        let ty = *h.first().ok_or_else(short)?;
        h = &h[1..];
        // Value sizes per header type: bool true/false, byte, short, int, long, bytes, string,
        // timestamp, uuid.
        let fixed = match ty {
            0 | 1 => Some(0),
            2 => Some(1),
            3 => Some(2),
            4 => Some(4),
            5 | 8 => Some(8),
            9 => Some(16),
            6 | 7 => None,
            other => {
                return Err(FrameError::Malformed(format!(
                    "unknown header value type {other}"
                )));
            }
        };
        let value = match fixed {
            Some(n) => {
                let v = h.get(..n).ok_or_else(short)?;
                h = &h[n..];
                v
            }
            None => {
                let len_bytes = h.get(..2).ok_or_else(short)?;
                let len = u16::from_be_bytes([len_bytes[0], len_bytes[1]]) as usize;
                let v = h.get(2..2 + len).ok_or_else(short)?;
                h = &h[2 + len..];
                v
            }
        };
        if ty == 7 {
            let s = std::str::from_utf8(value)
                .map_err(|_| FrameError::Malformed("a string header is not UTF-8".to_string()))?;
            match name {
                b":event-type" => frame.event_type = Some(s),
                b":message-type" => frame.message_type = Some(s),
                b":exception-type" => frame.exception_type = Some(s),
                _ => {}
            }
        }
    }
    Ok(())
}

/// Encodes one frame with string headers; used by tests and benches to build streams.
pub fn encode_frame(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    let mut hb = Vec::new();
    for (name, value) in headers {
        hb.push(name.len() as u8);
        hb.extend_from_slice(name.as_bytes());
        hb.push(7);
        hb.extend_from_slice(&(value.len() as u16).to_be_bytes());
        hb.extend_from_slice(value.as_bytes());
    }
    let total = (OVERHEAD + hb.len() + payload.len()) as u32;
    let mut out = Vec::with_capacity(total as usize);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&(hb.len() as u32).to_be_bytes());
    let prelude_crc = crc32fast::hash(&out);
    out.extend_from_slice(&prelude_crc.to_be_bytes());
    out.extend_from_slice(&hb);
    out.extend_from_slice(payload);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_be_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_crc_errors() {
        let f = encode_frame(
            &[(":event-type", "metadata"), (":message-type", "event")],
            br#"{"usage":{}}"#,
        );
        let (frame, used) = decode(&f, 1 << 20).unwrap().unwrap();
        assert_eq!(used, f.len());
        assert_eq!(frame.event_type, Some("metadata"));
        assert_eq!(frame.message_type, Some("event"));
        assert_eq!(frame.payload, br#"{"usage":{}}"#);
        assert!(decode(&f[..f.len() - 1], 1 << 20).unwrap().is_none());

        let mut bad = f.clone();
        let n = bad.len();
        bad[n - 6] ^= 1;
        assert!(matches!(
            decode(&bad, 1 << 20),
            Err(FrameError::Crc {
                which: "message",
                ..
            })
        ));
        let mut bad = f.clone();
        bad[3] ^= 1;
        assert!(matches!(
            decode(&bad, 1 << 20),
            Err(FrameError::Crc {
                which: "prelude",
                ..
            })
        ));
        assert!(matches!(decode(&f, 8), Err(FrameError::Malformed(_))));
    }
}
