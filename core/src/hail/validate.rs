//! OpenSession's validation rules for one header or event (SPEC.md §8). Rules that need the whole
//! file (unique ids, order of timestamps, at least one event) live in the reader.

use super::{HailError, Header};
use crate::event::{Event, EventType};

fn non_empty(line: u64, field: &str, value: &str) -> Result<(), HailError> {
    if value.trim().is_empty() {
        return Err(HailError::invalid(
            line,
            field,
            "a non-empty string",
            format!("{value:?}"),
        ));
    }
    Ok(())
}

/// Check a header: version starting `hail-` (or the `hail/0.1` dialect), non-empty session id,
/// agent provider and tool.
pub fn validate_header(header: &Header, line: u64) -> Result<(), HailError> {
    if !header.version.starts_with("hail-") && header.version != super::VERSION_0_1 {
        return Err(HailError::invalid(
            line,
            "version",
            "a version starting with \"hail-\"",
            format!("{:?}", header.version),
        ));
    }
    non_empty(line, "session_id", &header.session_id)?;
    non_empty(line, "agent.provider", &header.agent.provider)?;
    non_empty(line, "agent.tool", &header.agent.tool)
}

/// Check one event: a non-empty id, and a non-empty name, path, pattern, query, command or url
/// where its type has one.
pub fn validate_event(event: &Event, line: u64) -> Result<(), HailError> {
    non_empty(line, "event_id", &event.event_id)?;
    let (field, value) = match &event.event_type {
        EventType::ToolCall { name } | EventType::ToolResult { name, .. } => {
            ("event_type.data.name", name)
        }
        EventType::FileRead { path }
        | EventType::FileEdit { path, .. }
        | EventType::FileCreate { path }
        | EventType::FileDelete { path } => ("event_type.data.path", path),
        EventType::ShellCommand { command, .. } => ("event_type.data.command", command),
        EventType::Custom { kind } => ("event_type.data.kind", kind),
        _ => return Ok(()),
    };
    non_empty(line, field, value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hail::Agent;
    use chrono::Utc;

    #[test]
    fn rejects_empty_names_and_foreign_versions() {
        let mut e = Event::new(
            "s",
            EventType::FileEdit {
                path: " ".into(),
                diff: None,
            },
        );
        let err = validate_event(&e, 3).unwrap_err();
        assert_eq!((err.kind(), err.line()), ("invalid", 3));
        assert!(err.to_string().contains("event_type.data.path"), "{err}");
        e.event_type = EventType::UserMessage;
        assert!(validate_event(&e, 3).is_ok());
        e.event_id.clear();
        assert!(validate_event(&e, 3).is_err());

        let agent = Agent {
            provider: "openai".into(),
            model: "gpt-5.4".into(),
            tool: "codex".into(),
            ..Agent::default()
        };
        let mut h = Header::new("s1", agent, Utc::now());
        assert!(validate_header(&h, 1).is_ok());
        h.version = "acp-semantic-1.0.0".into();
        let err = validate_header(&h, 1).unwrap_err();
        assert!(err.to_string().contains("version"), "{err}");
    }
}
