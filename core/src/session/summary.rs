//! [`SessionSummary`]: every session aggregate, updated in O(1) per event and serializable so a
//! store can keep it and resume adding to it.

use super::histogram::LatencyHistogram;
use crate::Usage;
use crate::event::{Event, EventType, Outcome, SessionOp, kinds};
use crate::hail::{Header, Stats, attr};
use crate::pricing::Provenance;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Token totals per exclusive usage bucket. A bucket no event reported stays `None` (not zero).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tokens {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_read: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_5m: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_write_1h: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_audio: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_image: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_audio: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub web_search_requests: Option<u64>,
}

fn add_opt(total: &mut Option<u64>, part: Option<u64>) {
    if let Some(p) = part {
        *total = Some(total.unwrap_or(0).saturating_add(p));
    }
}

impl Tokens {
    pub fn add(&mut self, u: &Usage) {
        add_opt(&mut self.input, u.input);
        add_opt(&mut self.cache_read, u.cache_read);
        add_opt(&mut self.cache_write_5m, u.cache_write_5m);
        add_opt(&mut self.cache_write_1h, u.cache_write_1h);
        add_opt(&mut self.output, u.output);
        add_opt(&mut self.reasoning, u.reasoning);
        add_opt(&mut self.input_audio, u.input_audio);
        add_opt(&mut self.input_image, u.input_image);
        add_opt(&mut self.output_audio, u.output_audio);
        add_opt(&mut self.web_search_requests, u.web_search_requests);
    }

    /// Every token in every bucket (web search requests are calls, not tokens).
    pub fn total(&self) -> Option<u64> {
        let parts = [
            self.input,
            self.cache_read,
            self.cache_write_5m,
            self.cache_write_1h,
            self.output,
            self.reasoning,
            self.input_audio,
            self.input_image,
            self.output_audio,
        ];
        let mut total = None;
        for p in parts {
            add_opt(&mut total, p);
        }
        total
    }
}

/// One model's share of a session.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ModelBreakdown {
    pub requests: u64,
    pub tokens: Tokens,
    /// `None` while none of this model's requests was priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<Decimal>,
    pub unpriced_requests: u64,
}

/// Calls and failures of one tool.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ToolCounts {
    pub calls: u64,
    pub errors: u64,
}

/// A per-session USD budget, from the latest `SetBudget` operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Budget {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soft_usd: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hard_usd: Option<Decimal>,
}

/// Everything hailog knows about one session, kept incrementally (SPEC.md §10).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionSummary {
    pub session_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The latest agent named by an event (or the header's tool for a HAIL file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub pull_requests: Vec<String>,
    pub commits: Vec<String>,
    /// Free metadata from `Start` operations, merged key by key.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub metadata: Map<String, Value>,

    pub event_count: u64,
    /// UserMessage + AgentMessage + TaskEnd with a non-empty summary (OpenSession's rule).
    pub message_count: u64,
    pub user_message_count: u64,
    /// LLM calls (`Custom{kind:"llm_call"}` events).
    pub request_count: u64,
    /// hailog's count: every tool action, shell, edit and web events included.
    pub tool_call_count: u64,
    /// OpenSession's count: ToolCall + FileRead + CodeSearch + FileSearch only.
    pub opensession_tool_call_count: u64,
    pub error_count: u64,
    pub unacknowledged_error_count: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,

    /// Tokens per exclusive bucket, from events' usage.
    pub tokens: Tokens,
    /// The HAIL stats total: OpenSession's attribute rule plus every usage's input total.
    pub total_input_tokens: u64,
    /// The HAIL stats total: OpenSession's attribute rule plus every usage's output total.
    pub total_output_tokens: u64,
    /// Exact total of every priced cost; `None` while nothing was priced.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<Decimal>,
    pub unpriced_requests: u64,
    pub unpriced_tokens: u64,

    pub latency: LatencyHistogram,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p50_ms: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_p95_ms: Option<u64>,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_event_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_event_at: Option<DateTime<Utc>>,
    /// Latest timestamp of an event that is not session metadata; the status clock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_activity_at: Option<DateTime<Utc>>,
    /// `last_event_at - first_event_at` in whole seconds.
    pub duration_seconds: u64,

    pub models: BTreeMap<String, ModelBreakdown>,
    pub tools: BTreeMap<String, ToolCounts>,
    /// Paths read, searched for, edited, created or deleted.
    pub files_touched: BTreeSet<String>,
    /// Paths edited, created or deleted (OpenSession's `files_changed` counts these).
    pub files_changed: BTreeSet<String>,
    pub lines_added: u64,
    pub lines_removed: u64,
    /// Distinct HAIL task ids.
    pub task_ids: BTreeSet<String>,

    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_notes: Option<String>,
    pub paused: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pause_reason: Option<String>,
    pub budget: Budget,

    /// OpenSession token attributes: sums of per-event counts, maxima of cumulative snapshots.
    pub opensession_tokens: OpenSessionTokens,
}

/// Running state of OpenSession's token rule: if any event has `*_tokens_total`, the total is
/// the largest of those, otherwise the sum of per-event `*_tokens`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct OpenSessionTokens {
    pub input_sum: u64,
    pub output_sum: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_max: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_max: Option<u64>,
    /// Sum of hailog usage input totals, which have no OpenSession attribute.
    pub usage_input: u64,
    pub usage_output: u64,
}

impl OpenSessionTokens {
    fn input(&self) -> u64 {
        self.input_max.unwrap_or(self.input_sum) + self.usage_input
    }
    fn output(&self) -> u64 {
        self.output_max.unwrap_or(self.output_sum) + self.usage_output
    }
}

/// Whether an event is a failure (SPEC.md §10.2).
pub fn is_failure(event: &Event) -> bool {
    event.outcome == Outcome::Failed
        || match &event.event_type {
            EventType::ToolResult { is_error, .. } => *is_error,
            EventType::ShellCommand { exit_code, .. } => exit_code.is_some_and(|c| c != 0),
            EventType::Custom { kind } => kind == kinds::ERROR,
            _ => false,
        }
}

/// The tool an event calls, if it is a tool action: the event's own `tool`, else a `ToolCall`'s
/// name, else the HAIL type of a semantic action (`ShellCommand`, `FileEdit`...).
fn tool_name(event: &Event) -> Option<&str> {
    let semantic = match &event.event_type {
        EventType::ToolCall { name } => name.as_str(),
        t @ (EventType::FileRead { .. }
        | EventType::CodeSearch { .. }
        | EventType::FileSearch { .. }
        | EventType::FileEdit { .. }
        | EventType::FileCreate { .. }
        | EventType::FileDelete { .. }
        | EventType::ShellCommand { .. }
        | EventType::WebSearch { .. }
        | EventType::WebFetch { .. }
        | EventType::ImageGenerate { .. }
        | EventType::VideoGenerate { .. }
        | EventType::AudioGenerate { .. }) => t.tag(),
        _ => return None,
    };
    Some(event.tool.as_deref().unwrap_or(semantic))
}

fn push_unique(list: &mut Vec<String>, item: &str) {
    if !list.iter().any(|x| x == item) {
        list.push(item.to_string());
    }
}

/// Add to a tool's counts without allocating its name again once it is known.
fn bump(tools: &mut BTreeMap<String, ToolCounts>, name: &str, calls: u64, errors: u64) {
    if let Some(c) = tools.get_mut(name) {
        c.calls += calls;
        c.errors += errors;
    } else {
        tools.insert(name.to_string(), ToolCounts { calls, errors });
    }
}

fn attr_u64(event: &Event, key: &str) -> Option<u64> {
    event.attributes.get(key).and_then(Value::as_u64)
}

fn parse_usd(s: &Option<String>) -> Option<Decimal> {
    s.as_deref().and_then(|v| v.trim().parse().ok())
}

impl SessionSummary {
    pub fn new(session_id: &str) -> Self {
        SessionSummary {
            session_id: session_id.to_string(),
            ..SessionSummary::default()
        }
    }

    /// Fold a whole event sequence; the session id is taken from the first event.
    pub fn from_events<I: IntoIterator<Item = Event>>(events: I) -> Self {
        let mut summary: Option<SessionSummary> = None;
        for event in events {
            summary
                .get_or_insert_with(|| SessionSummary::new(&event.session_id))
                .add(&event);
        }
        summary.unwrap_or_default()
    }

    /// Take the session-level facts of a HAIL header: the title as name, the tool as agent, the
    /// tags. Events logged later may override name and agent.
    pub fn apply_header(&mut self, header: &Header) {
        if self.session_id.is_empty() {
            self.session_id.clone_from(&header.session_id);
        }
        if self.name.is_none() {
            self.name.clone_from(&header.context.title);
        }
        if self.agent.is_none() && !header.agent.tool.is_empty() {
            self.agent = Some(header.agent.tool.clone());
        }
        for tag in &header.context.tags {
            push_unique(&mut self.tags, tag);
        }
    }

    /// Add one event. O(1) in the number of events seen (bounded by the number of distinct
    /// models, tools, files, tags and commits, never by the event count).
    pub fn add(&mut self, event: &Event) {
        self.fold(event);
        self.settle();
    }

    /// [`SessionSummary::add`] without refreshing the latency percentiles, for folding a batch:
    /// call [`SessionSummary::settle`] once after the last event.
    pub fn fold(&mut self, event: &Event) {
        self.event_count += 1;
        self.track_time(event);
        if let Some(agent) = &event.agent
            && self.agent.as_deref() != Some(agent)
        {
            self.agent = Some(agent.clone());
        }
        if let Some(task) = &event.task_id
            && !self.task_ids.contains(task)
        {
            self.task_ids.insert(task.clone());
        }
        let is_metadata = event.event_type.custom_kind() == Some(kinds::METADATA);
        if !is_metadata {
            // A late event after an explicit end reopens the session.
            self.ended_at = None;
            self.end_notes = None;
        }
        self.count_kind(event);
        self.count_usage(event);
        if let Some(ms) = event.latency_ms {
            self.latency.add(ms);
        }
        if is_failure(event) {
            self.error_count += 1;
            self.unacknowledged_error_count += 1;
            if let Some(message) = &event.error {
                self.last_error = Some(message.clone());
            }
        }
        if let Some(op) = &event.op {
            self.apply_op(op, event.timestamp);
        }
    }

    /// Brings the latency percentiles up to date with the histogram.
    pub fn settle(&mut self) {
        self.latency_p50_ms = self.latency.percentile(50);
        self.latency_p95_ms = self.latency.percentile(95);
    }

    fn track_time(&mut self, event: &Event) {
        let t = event.timestamp;
        if self.first_event_at.is_none_or(|f| t < f) {
            self.first_event_at = Some(t);
        }
        if self.last_event_at.is_none_or(|l| t > l) {
            self.last_event_at = Some(t);
        }
        if event.event_type.custom_kind() != Some(kinds::METADATA)
            && self.last_activity_at.is_none_or(|l| t > l)
        {
            self.last_activity_at = Some(t);
        }
        if let (Some(f), Some(l)) = (self.first_event_at, self.last_event_at) {
            self.duration_seconds = u64::try_from((l - f).num_seconds()).unwrap_or(0);
        }
    }

    fn count_kind(&mut self, event: &Event) {
        match &event.event_type {
            EventType::UserMessage => {
                self.message_count += 1;
                self.user_message_count += 1;
            }
            EventType::AgentMessage => self.message_count += 1,
            EventType::TaskEnd { summary }
                if summary.as_deref().is_some_and(|s| !s.trim().is_empty()) =>
            {
                self.message_count += 1;
            }
            EventType::ToolCall { .. }
            | EventType::FileRead { .. }
            | EventType::CodeSearch { .. }
            | EventType::FileSearch { .. } => self.opensession_tool_call_count += 1,
            _ => {}
        }
        match &event.event_type {
            EventType::FileRead { path } => self.touch(path, false),
            EventType::FileEdit { path, diff } => {
                self.touch(path, true);
                if let Some(diff) = diff {
                    for line in diff.lines() {
                        if line.starts_with('+') && !line.starts_with("+++") {
                            self.lines_added += 1;
                        } else if line.starts_with('-') && !line.starts_with("---") {
                            self.lines_removed += 1;
                        }
                    }
                }
            }
            EventType::FileCreate { path } | EventType::FileDelete { path } => {
                self.touch(path, true);
            }
            EventType::ToolResult {
                name,
                is_error: true,
                ..
            } => bump(&mut self.tools, event.tool.as_deref().unwrap_or(name), 0, 1),
            _ => {}
        }
        if let Some(tool) = tool_name(event) {
            self.tool_call_count += 1;
            bump(&mut self.tools, tool, 1, u64::from(is_failure(event)));
        }
        if event.event_type.is_llm_call() {
            self.request_count += 1;
        }
    }

    fn touch(&mut self, path: &str, changed: bool) {
        if !self.files_touched.contains(path) {
            self.files_touched.insert(path.to_string());
        }
        if changed && !self.files_changed.contains(path) {
            self.files_changed.insert(path.to_string());
        }
    }

    fn count_usage(&mut self, event: &Event) {
        let os = &mut self.opensession_tokens;
        if let Some(v) = attr_u64(event, attr::OS_INPUT_TOKENS) {
            os.input_sum = os.input_sum.saturating_add(v);
        }
        if let Some(v) = attr_u64(event, attr::OS_OUTPUT_TOKENS) {
            os.output_sum = os.output_sum.saturating_add(v);
        }
        if let Some(v) = attr_u64(event, attr::OS_INPUT_TOKENS_TOTAL) {
            os.input_max = Some(os.input_max.map_or(v, |m| m.max(v)));
        }
        if let Some(v) = attr_u64(event, attr::OS_OUTPUT_TOKENS_TOTAL) {
            os.output_max = Some(os.output_max.map_or(v, |m| m.max(v)));
        }
        if let Some(u) = &event.usage {
            os.usage_input = os.usage_input.saturating_add(u.input_total().unwrap_or(0));
            os.usage_output = os
                .usage_output
                .saturating_add(u.output_total().unwrap_or(0));
            self.tokens.add(u);
        }
        self.total_input_tokens = self.opensession_tokens.input();
        self.total_output_tokens = self.opensession_tokens.output();

        let billable = event.event_type.is_llm_call() || event.usage.is_some();
        if !billable && event.cost.is_none() {
            return;
        }
        let priced = event
            .cost
            .as_ref()
            .filter(|c| c.provenance != Provenance::Unpriced && c.currency == "USD")
            .and_then(|c| c.total);
        let event_tokens = event.usage.as_ref().and_then(|u| {
            let mut t = Tokens::default();
            t.add(u);
            t.total()
        });
        if let Some(amount) = priced {
            self.cost_usd = Some(self.cost_usd.unwrap_or_default() + amount);
        } else if billable {
            self.unpriced_requests += 1;
            self.unpriced_tokens = self
                .unpriced_tokens
                .saturating_add(event_tokens.unwrap_or(0));
        }
        let model = event
            .model
            .as_deref()
            .or_else(|| event.usage.as_ref().and_then(|u| u.model.as_deref()))
            .or_else(|| event.cost.as_ref().and_then(|c| c.model.as_deref()))
            .unwrap_or("unknown");
        if !self.models.contains_key(model) {
            self.models
                .insert(model.to_string(), ModelBreakdown::default());
        }
        if let Some(m) = self.models.get_mut(model) {
            if event.event_type.is_llm_call() {
                m.requests += 1;
            }
            if let Some(u) = &event.usage {
                m.tokens.add(u);
            }
            match priced {
                Some(amount) => m.cost_usd = Some(m.cost_usd.unwrap_or_default() + amount),
                None if billable => m.unpriced_requests += 1,
                None => {}
            }
        }
    }

    fn apply_op(&mut self, op: &SessionOp, at: DateTime<Utc>) {
        match op {
            SessionOp::Start {
                name,
                tags,
                metadata,
            } => {
                if name.is_some() {
                    self.name.clone_from(name);
                }
                for tag in tags {
                    push_unique(&mut self.tags, tag);
                }
                for (k, v) in metadata {
                    self.metadata.insert(k.clone(), v.clone());
                }
            }
            SessionOp::End { notes } => {
                self.ended_at = Some(at);
                self.end_notes.clone_from(notes);
            }
            SessionOp::Acknowledge => self.unacknowledged_error_count = 0,
            SessionOp::Pause { reason } => {
                self.paused = true;
                self.pause_reason = Some(reason.clone());
            }
            SessionOp::Resume => {
                self.paused = false;
                self.pause_reason = None;
            }
            SessionOp::SetName { name } => self.name = Some(name.clone()),
            SessionOp::AddTag { tag } => push_unique(&mut self.tags, tag),
            SessionOp::SetRepo { repo } => self.repo = Some(repo.clone()),
            SessionOp::AddPullRequest { url } => push_unique(&mut self.pull_requests, url),
            SessionOp::AddCommit { sha } => push_unique(&mut self.commits, sha),
            SessionOp::SetBudget { soft_usd, hard_usd } => {
                if let Some(v) = parse_usd(soft_usd) {
                    self.budget.soft_usd = Some(v);
                }
                if let Some(v) = parse_usd(hard_usd) {
                    self.budget.hard_usd = Some(v);
                }
            }
        }
    }

    /// The HAIL stats line for this session (OpenSession's counts; SPEC.md §9).
    pub fn stats(&self) -> Stats {
        Stats {
            event_count: self.event_count,
            message_count: self.message_count,
            tool_call_count: self.opensession_tool_call_count,
            task_count: self.task_ids.len() as u64,
            duration_seconds: self.duration_seconds,
            total_input_tokens: self.total_input_tokens,
            total_output_tokens: self.total_output_tokens,
            user_message_count: self.user_message_count,
            files_changed: self.files_changed.len() as u64,
            lines_added: self.lines_added,
            lines_removed: self.lines_removed,
            extra: Map::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cost;
    use crate::session::{SessionStatus, StatusThresholds, status};
    use chrono::Duration;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_760_000_000 + s, 0).unwrap_or_default()
    }

    fn ev(t: i64, ty: EventType) -> Event {
        let mut e = Event::new("s1", ty);
        e.timestamp = at(t);
        e
    }

    fn op(t: i64, op: SessionOp) -> Event {
        let mut e = Event::session_op("s1", op);
        e.timestamp = at(t);
        e
    }

    #[test]
    fn llm_calls_sum_buckets_cost_and_unpriced_tokens() {
        let mut priced = ev(0, EventType::custom(kinds::LLM_CALL));
        priced.model = Some("m1".into());
        priced.usage = Some(Usage {
            input: Some(100),
            output: Some(20),
            ..Usage::default()
        });
        priced.cost = Some(Cost::reported(Decimal::new(1, 3)));
        priced.latency_ms = Some(200);
        let mut unpriced = ev(10, EventType::custom(kinds::LLM_CALL));
        unpriced.model = Some("m2".into());
        unpriced.usage = Some(Usage {
            input: Some(7),
            cache_read: Some(3),
            ..Usage::default()
        });
        unpriced.cost = Some(Cost::unpriced());
        let s = SessionSummary::from_events([priced.clone(), priced, unpriced]);
        assert_eq!(s.session_id, "s1");
        assert_eq!(s.request_count, 3);
        assert_eq!(s.tokens.input, Some(207));
        assert_eq!(s.tokens.cache_read, Some(3));
        assert_eq!(s.tokens.reasoning, None, "absent stays absent");
        assert_eq!(s.cost_usd, Some(Decimal::new(2, 3)));
        assert_eq!((s.unpriced_requests, s.unpriced_tokens), (1, 10));
        assert_eq!(s.models["m1"].requests, 2);
        assert_eq!(s.models["m2"].cost_usd, None);
        assert_eq!(s.total_input_tokens, 210);
        assert_eq!(s.total_output_tokens, 40);
        assert_eq!(
            s.latency_p50_ms,
            Some(204),
            "the midpoint of the 200..208 bucket"
        );
        assert_eq!(s.duration_seconds, 10);
    }

    #[test]
    fn failures_acknowledge_end_reopen_and_pause() {
        let t = StatusThresholds::default();
        let mut s = SessionSummary::new("s1");
        s.add(&ev(
            0,
            EventType::ShellCommand {
                command: "make".into(),
                exit_code: Some(2),
            },
        ));
        assert_eq!(s.error_count, 1);
        assert_eq!(
            s.tools["ShellCommand"],
            ToolCounts {
                calls: 1,
                errors: 1
            }
        );
        assert_eq!(status(&s, at(0), &t), SessionStatus::Errored);
        s.add(&op(5, SessionOp::Acknowledge));
        assert_eq!(s.unacknowledged_error_count, 0);
        assert_eq!(status(&s, at(60), &t), SessionStatus::Active);
        s.add(&op(
            70,
            SessionOp::End {
                notes: Some("ok".into()),
            },
        ));
        assert_eq!(status(&s, at(71), &t), SessionStatus::Done);
        s.add(&ev(80, EventType::AgentMessage));
        assert_eq!(s.ended_at, None, "a late event reopens");
        assert_eq!(
            status(&s, at(80) + Duration::minutes(5), &t),
            SessionStatus::Idle
        );
        s.add(&op(
            90,
            SessionOp::Pause {
                reason: "budget".into(),
            },
        ));
        assert_eq!(status(&s, at(90), &t), SessionStatus::Paused);
        s.add(&op(95, SessionOp::Resume));
        assert!(!s.paused);
        let json = serde_json::to_string(&s).unwrap();
        let back: SessionSummary = serde_json::from_str(&json).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn metadata_is_append_only_and_deduplicated() {
        let mut s = SessionSummary::new("s1");
        for sha in ["a1", "b2", "a1"] {
            s.add(&op(0, SessionOp::AddCommit { sha: sha.into() }));
        }
        s.add(&op(
            0,
            SessionOp::SetBudget {
                soft_usd: Some("1.50".into()),
                hard_usd: None,
            },
        ));
        s.add(&op(
            0,
            SessionOp::SetBudget {
                soft_usd: None,
                hard_usd: Some("3".into()),
            },
        ));
        assert_eq!(s.commits, ["a1", "b2"]);
        assert_eq!(s.budget.soft_usd, Some(Decimal::new(150, 2)));
        assert_eq!(s.budget.hard_usd, Some(Decimal::new(3, 0)));
        assert_eq!(s.last_activity_at, None, "metadata is not activity");
    }
}
