//! Checks run on the caller's thread before anything is queued (so a rejected event changes
//! nothing), and the secret redaction applied to captured content.

use crate::event::{EventType, SessionOp, kinds};
use crate::{Error, Event, Result, Usage};
use rust_decimal::Decimal;
use std::str::FromStr;

/// Longest accepted session id, event id, trace id or agent name, in bytes.
pub const MAX_ID_BYTES: usize = 256;
/// A token count above this in one bucket of one request is a caller bug, not a real request.
pub const MAX_TOKENS: u64 = 1_000_000_000_000;

/// Checks an identifier the caller chose: non-empty, at most 256 bytes, no control characters.
pub fn check_id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > MAX_ID_BYTES {
        return Err(Error::invalid(
            field,
            format!(
                "is {} bytes long, the limit is {MAX_ID_BYTES} (starts with {:?})",
                value.len(),
                value.chars().take(32).collect::<String>()
            ),
        ));
    }
    // Ids are almost always printable ASCII: a word-at-a-time scan settles them without decoding
    // characters. Anything else takes the full check, which also finds C1 controls (U+0080-U+009F).
    if is_printable_ascii(value.as_bytes()) {
        return Ok(());
    }
    if let Some((at, c)) = value.char_indices().find(|(_, c)| c.is_control()) {
        return Err(Error::invalid(
            field,
            format!("contains the control character {c:?} at byte {at} in {value:?}"),
        ));
    }
    Ok(())
}

/// Whether every byte is in 0x20..=0x7e, eight bytes per step.
fn is_printable_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Some byte < 0x20, or some byte > 0x7e (which includes every byte with the high bit set);
    // both tests are exact for "any byte" (bytes below n < 128 borrow only into higher bytes
    // that the first test then flags anyway).
    let bad = |x: u64| {
        let below = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let above = (x.wrapping_add(ONES) | x) & HIGH;
        below | above != 0
    };
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        if bad(u64::from_le_bytes(word)) {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b))
}

fn check_opt_id(field: &str, value: Option<&String>) -> Result<()> {
    value.map_or(Ok(()), |v| check_id(field, v))
}

/// Rejects token counts no request can have.
pub fn check_usage(usage: &Usage) -> Result<()> {
    let largest = usage
        .buckets()
        .iter()
        .filter_map(|(_, v)| *v)
        .chain(usage.web_search_requests)
        .max()
        .unwrap_or(0);
    if largest > MAX_TOKENS {
        return Err(implausible(usage));
    }
    if let Some(cost) = usage.reported_cost
        && cost.is_sign_negative()
        && !cost.is_zero()
    {
        return Err(Error::invalid(
            "usage.reported_cost",
            format!("{cost} is negative"),
        ));
    }
    Ok(())
}

/// The error naming the first implausible count (only built once one is known to exist).
fn implausible(usage: &Usage) -> Error {
    for (name, value) in usage
        .buckets()
        .into_iter()
        .chain([("web_search_requests", usage.web_search_requests)])
    {
        if let Some(v) = value
            && v > MAX_TOKENS
        {
            return Error::invalid(
                format!("usage.{name}"),
                format!("{v} is not a plausible token count (limit {MAX_TOKENS})"),
            );
        }
    }
    Error::invalid("usage", "a token count is not plausible")
}

/// A custom kind is a short machine name: letters, digits, `_`, `-`, `.`, `:`.
fn check_kind(kind: &str) -> Result<()> {
    let ok = !kind.is_empty()
        && kind.len() <= 64
        && kind
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(
            "event_type.kind",
            format!("{kind:?} is not a valid kind (1-64 of a-z, 0-9, _ - . :)"),
        ))
    }
}

/// Parses an exact, non-negative USD amount.
pub fn parse_usd(field: &str, text: &str) -> Result<Decimal> {
    let value = Decimal::from_str(text.trim())
        .map_err(|e| Error::invalid(field, format!("{text:?} is not a decimal amount: {e}")))?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(Error::invalid(field, format!("{text} is negative")));
    }
    Ok(value)
}

fn check_nonempty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    if value.len() > 4096 {
        return Err(Error::invalid(
            field,
            format!("is {} bytes long, the limit is 4096", value.len()),
        ));
    }
    Ok(())
}

fn check_op(op: &SessionOp) -> Result<()> {
    match op {
        SessionOp::Start { name, tags, .. } => {
            if let Some(name) = name {
                check_nonempty("op.name", name)?;
            }
            tags.iter().try_for_each(|t| check_nonempty("op.tags", t))
        }
        SessionOp::Pause { reason } => check_nonempty("op.reason", reason),
        SessionOp::SetName { name } => check_nonempty("op.name", name),
        SessionOp::AddTag { tag } => check_nonempty("op.tag", tag),
        SessionOp::SetRepo { repo } => check_nonempty("op.repo", repo),
        SessionOp::AddPullRequest { url } => check_nonempty("op.url", url),
        SessionOp::AddCommit { sha } => check_nonempty("op.sha", sha),
        SessionOp::SetBudget { soft_usd, hard_usd } => {
            let soft = soft_usd
                .as_deref()
                .map(|s| parse_usd("op.soft_usd", s))
                .transpose()?;
            let hard = hard_usd
                .as_deref()
                .map(|s| parse_usd("op.hard_usd", s))
                .transpose()?;
            if let (Some(s), Some(h)) = (soft, hard)
                && s > h
            {
                return Err(Error::invalid(
                    "op.soft_usd",
                    format!("soft limit {s} is above the hard limit {h}"),
                ));
            }
            Ok(())
        }
        SessionOp::End { .. } | SessionOp::Acknowledge | SessionOp::Resume => Ok(()),
    }
}

/// Deepest nesting accepted in an event's JSON values (attributes, extra fields, JSON content).
/// Well under serde_json's parse limit of 128, so an event stored with such a value, wrapped in
/// its event line, still reads back; and a bound at all, so serialising on the writer thread
/// cannot exhaust its stack.
pub const MAX_JSON_DEPTH: usize = 64;

/// Whether a JSON value nests deeper than `limit` (a scalar has depth 0, `[]` depth 1), found
/// without recursion.
fn json_depth_exceeds(value: &serde_json::Value, limit: usize) -> bool {
    use serde_json::Value;
    let nested = |v: &Value| matches!(v, Value::Array(_) | Value::Object(_));
    if !nested(value) {
        return false;
    }
    // Only containers are pushed: a flat object of scalars costs one pass and no stack growth.
    let mut stack: Vec<(&Value, usize)> = vec![(value, 1)];
    while let Some((v, depth)) = stack.pop() {
        if depth > limit {
            return true;
        }
        match v {
            Value::Array(items) => {
                stack.extend(items.iter().filter(|c| nested(c)).map(|c| (c, depth + 1)))
            }
            Value::Object(map) => {
                stack.extend(map.values().filter(|c| nested(c)).map(|c| (c, depth + 1)))
            }
            _ => {}
        }
    }
    false
}

fn check_json_depth(ev: &Event) -> Result<()> {
    let content = ev.content.iter().filter_map(|b| match b {
        crate::ContentBlock::Json { data } => Some(("content", data)),
        _ => None,
    });
    let start_metadata = match &ev.op {
        Some(SessionOp::Start { metadata, .. }) => Some(metadata),
        _ => None,
    };
    let fields = ev
        .attributes
        .iter()
        .chain(&ev.extra)
        .chain(start_metadata.into_iter().flatten())
        .map(|(k, v)| (k.as_str(), v))
        .chain(content);
    for (name, value) in fields {
        if json_depth_exceeds(value, MAX_JSON_DEPTH) {
            return Err(Error::invalid(
                name,
                format!("is nested more than {MAX_JSON_DEPTH} levels deep"),
            ));
        }
    }
    Ok(())
}

/// Every check of contract 4 and 7 on one event.
pub fn check_event(ev: &Event) -> Result<()> {
    check_id("session_id", &ev.session_id)?;
    check_id("event_id", &ev.event_id)?;
    check_opt_id("trace_id", ev.trace_id.as_ref())?;
    check_opt_id("agent", ev.agent.as_ref())?;
    check_opt_id("model", ev.model.as_ref())?;
    check_opt_id("provider", ev.provider.as_ref())?;
    check_opt_id("task_id", ev.task_id.as_ref())?;
    if let EventType::Custom { kind } = &ev.event_type {
        check_kind(kind)?;
    }
    let is_metadata = ev.event_type.custom_kind() == Some(kinds::METADATA);
    match (&ev.op, is_metadata) {
        (Some(op), true) => check_op(op)?,
        (Some(_), false) => {
            return Err(Error::invalid(
                "op",
                "a session operation must be carried by a Custom{kind:\"metadata\"} event",
            ));
        }
        (None, true) => {
            return Err(Error::invalid(
                "op",
                "a metadata event needs a session operation",
            ));
        }
        (None, false) => {}
    }
    if let Some(usage) = &ev.usage {
        check_usage(usage)?;
    }
    check_json_depth(ev)?;
    if let Some(total) = ev.cost.as_ref().and_then(|c| c.total)
        && total.is_sign_negative()
        && !total.is_zero()
    {
        return Err(Error::invalid("cost.total", format!("{total} is negative")));
    }
    Ok(())
}

/// The event kinds the typed entry points accept, by their snake_case names.
pub const KNOWN_KINDS: &[&str] = &[
    "llm_call",
    "tool_call",
    "tool_result",
    "user_message",
    "agent_message",
    "system_message",
    "thinking",
    "error",
    "note",
    "budget_alert",
    "task_start",
    "task_end",
];

/// Maps a kind name from a binding (`"tool_call"`, `"note"`...) to the HAIL event type. `name` is
/// the tool name for tool events. Any other custom kind is written `custom:<kind>`.
pub fn event_type_for(kind: &str, name: Option<&str>) -> Result<EventType> {
    let tool = |k: &str| -> Result<String> {
        match name {
            Some(n) if !n.is_empty() => Ok(n.to_string()),
            _ => Err(Error::invalid(
                "name",
                format!("a {k} event needs a tool name"),
            )),
        }
    };
    Ok(match kind {
        "llm_call" => EventType::custom(kinds::LLM_CALL),
        "error" => EventType::custom(kinds::ERROR),
        "note" => EventType::custom(kinds::NOTE),
        "budget_alert" => EventType::custom(kinds::BUDGET_ALERT),
        "tool_call" => EventType::ToolCall { name: tool(kind)? },
        "tool_result" => EventType::ToolResult {
            name: tool(kind)?,
            is_error: false,
            call_id: None,
        },
        "user_message" => EventType::UserMessage,
        "agent_message" => EventType::AgentMessage,
        "system_message" => EventType::SystemMessage,
        "thinking" => EventType::Thinking,
        "task_start" => EventType::TaskStart {
            title: name.map(str::to_string),
        },
        "task_end" => EventType::TaskEnd {
            summary: name.map(str::to_string),
        },
        other => match other.strip_prefix("custom:") {
            Some(custom) => {
                check_kind(custom)?;
                EventType::custom(custom)
            }
            None => {
                return Err(Error::invalid(
                    "kind",
                    format!(
                        "unknown event kind {other:?}; expected one of {} or \"custom:<name>\"",
                        KNOWN_KINDS.join(", ")
                    ),
                ));
            }
        },
    })
}

/// Replaces obvious secrets in captured text: provider API keys (`sk-...`, `sk-ant-...`,
/// `AKIA...`, `ghp_...`, `xox?-...`, `AIza...`), bearer tokens and PEM private keys.
pub fn redact(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut changed = false;
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(len) = pem_block(rest) {
            out.push_str("[REDACTED PRIVATE KEY]");
            rest = &rest[len..];
            changed = true;
            continue;
        }
        // `=`, `/` and `:` may precede a key (`key=sk-...`), letters may not (`task-...`).
        let at_boundary = out
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')));
        if at_boundary && let Some((keep, len)) = secret_at(rest) {
            out.push_str(&rest[..keep]);
            out.push_str("[REDACTED]");
            rest = &rest[len..];
            changed = true;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    changed.then_some(out)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '~' | '+' | '/' | '=')
}

fn token_len(s: &str) -> usize {
    s.find(|c: char| !is_token_char(c)).unwrap_or(s.len())
}

/// At the start of `s`: `(bytes to keep, bytes matched)` of a secret.
fn secret_at(s: &str) -> Option<(usize, usize)> {
    const PREFIXES: &[(&str, usize)] = &[
        ("sk-", 16),
        ("AKIA", 16),
        ("ASIA", 16),
        ("ghp_", 20),
        ("gho_", 20),
        ("github_pat_", 20),
        ("xoxb-", 10),
        ("xoxp-", 10),
        ("AIza", 30),
    ];
    for (prefix, min) in PREFIXES {
        if s.starts_with(prefix) {
            let len = token_len(s);
            if len >= prefix.len() + min {
                return Some((0, len));
            }
        }
    }
    // An AWS secret access key has no prefix of its own; it is recognised by the name it is
    // given in a config file, an environment listing or JSON.
    for name in [
        "aws_secret_access_key",
        "secret_access_key",
        "secretaccesskey",
    ] {
        if s.get(..name.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(name))
        {
            let rest = &s[name.len()..];
            let gap = rest
                .find(|c: char| !matches!(c, '"' | '\'' | ' ' | ':' | '='))
                .unwrap_or(rest.len());
            let len = token_len(&rest[gap..]);
            if gap > 0 && len >= 20 {
                let keep = name.len() + gap;
                return Some((keep, keep + len));
            }
        }
    }
    for scheme in ["Bearer ", "bearer ", "BEARER "] {
        if let Some(tail) = s.strip_prefix(scheme) {
            let len = token_len(tail);
            if len >= 8 {
                return Some((scheme.len(), scheme.len() + len));
            }
        }
    }
    None
}

fn pem_block(s: &str) -> Option<usize> {
    if !s.starts_with("-----BEGIN ") {
        return None;
    }
    let header_end = s.find('\n').unwrap_or(s.len());
    if !s[..header_end].contains("PRIVATE KEY-----") {
        return None;
    }
    let end_marker = s.find("-----END ")?;
    let tail = &s[end_marker..];
    let close = tail.find("PRIVATE KEY-----")? + "PRIVATE KEY-----".len();
    Some(end_marker + close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_with_the_reason() {
        assert!(check_id("session_id", "bot-42/run 7 ✓").is_ok());
        let e = check_id("session_id", "").unwrap_err().to_string();
        assert!(e.contains("session_id") && e.contains("empty"), "{e}");
        let long = "x".repeat(257);
        assert!(
            check_id("session_id", &long)
                .unwrap_err()
                .to_string()
                .contains("257 bytes")
        );
        assert!(check_id("session_id", &"x".repeat(256)).is_ok());
        let e = check_id("session_id", "a\nb").unwrap_err().to_string();
        assert!(e.contains("byte 1"), "{e}");
        // DEL is ASCII, U+0085 (NEL) a C1 control reached only through the non-ASCII path.
        let e = check_id("session_id", "ab\u{7f}").unwrap_err().to_string();
        assert!(e.contains("byte 2"), "{e}");
        let e = check_id("session_id", "é\u{85}").unwrap_err().to_string();
        assert!(e.contains("byte 2"), "{e}");
        assert!(check_id("session_id", "~ !").is_ok());
    }

    #[test]
    fn word_scan_agrees_with_a_byte_scan_at_every_position() {
        let slow = |b: &[u8]| b.iter().all(|&c| (0x20..0x7f).contains(&c));
        for len in [1usize, 7, 8, 9, 16, 23, 36] {
            for at in 0..len {
                for byte in 0u8..=255 {
                    let mut v = vec![b'a'; len];
                    v[at] = byte;
                    assert_eq!(
                        is_printable_ascii(&v),
                        slow(&v),
                        "len {len} at {at} byte {byte:#x}"
                    );
                }
            }
        }
    }

    #[test]
    fn absurd_usage_is_rejected_by_bucket() {
        let usage = Usage {
            output: Some(MAX_TOKENS + 1),
            ..Usage::default()
        };
        let e = check_usage(&usage).unwrap_err().to_string();
        assert!(e.contains("usage.output"), "{e}");
    }

    #[test]
    fn unknown_kind_lists_the_known_ones() {
        let e = event_type_for("frobnicate", None).unwrap_err().to_string();
        assert!(e.contains("frobnicate") && e.contains("tool_call"), "{e}");
        assert!(event_type_for("tool_call", None).is_err());
        assert_eq!(
            event_type_for("custom:deploy", None).unwrap(),
            EventType::custom("deploy")
        );
    }

    #[test]
    fn metadata_and_op_go_together() {
        let mut ev = Event::new("s", EventType::custom(kinds::METADATA));
        assert!(check_event(&ev).is_err());
        ev.op = Some(SessionOp::Acknowledge);
        assert!(check_event(&ev).is_ok());
        let mut note = Event::new("s", EventType::custom(kinds::NOTE));
        note.op = Some(SessionOp::Acknowledge);
        assert!(check_event(&note).is_err());
        let bad = Event::session_op(
            "s",
            SessionOp::SetBudget {
                soft_usd: Some("5".into()),
                hard_usd: Some("1".into()),
            },
        );
        assert!(check_event(&bad).unwrap_err().to_string().contains("soft"));
    }

    #[test]
    fn secrets_are_redacted_and_plain_text_is_not() {
        assert_eq!(redact("nothing to see here, sk-short"), None);
        let r = redact("key=sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123 ok").unwrap();
        assert_eq!(r, "key=[REDACTED] ok");
        let r = redact("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig").unwrap();
        assert_eq!(r, "Authorization: Bearer [REDACTED]");
        let pem = "a\n-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\nb";
        assert_eq!(redact(pem).unwrap(), "a\n[REDACTED PRIVATE KEY]\nb");
        assert_eq!(redact("task-sk-1234567890abcdefghij"), None);
        let aws = "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                   \"SecretAccessKey\": \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"";
        assert_eq!(
            redact(aws).unwrap(),
            "AWS_SECRET_ACCESS_KEY=[REDACTED]\n\"SecretAccessKey\": \"[REDACTED]\""
        );
        assert_eq!(redact("id ASIAIOSFODNN7EXAMPLE1").unwrap(), "id [REDACTED]");
        // The name alone, or with a short value, is ordinary text.
        assert_eq!(redact("set secret_access_key: later"), None);
    }
}
