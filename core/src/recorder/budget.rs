//! The in-memory ledger behind budget decisions at `log()` time: per session, the spend the
//! database last confirmed plus the spend still queued, in O(1) per event. Per agent, the same
//! for the current UTC day.

use super::BudgetState;
use crate::event::{SessionOp, kinds};
use crate::store::BatchOutcome;
use crate::{Event, EventType};
use chrono::{DateTime, Datelike, Utc};
use rust_decimal::Decimal;
use serde_json::json;
use std::collections::HashMap;

/// A soft and a hard USD limit; either may be absent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    pub soft: Option<Decimal>,
    pub hard: Option<Decimal>,
}

impl Limits {
    pub fn is_empty(&self) -> bool {
        self.soft.is_none() && self.hard.is_none()
    }
}

#[derive(Default)]
struct SessionLive {
    committed: Decimal,
    pending: Decimal,
    limits: Option<Limits>,
    agent: Option<String>,
    /// `committed` has been read from the database at least once.
    synced: bool,
}

struct AgentLive {
    day: u32,
    committed: Decimal,
    pending: Decimal,
}

/// A multiply-rotate hasher for the ledger's maps, looked up on every `log()`. SipHash's flood
/// resistance buys nothing here: the keys are the caller's own session ids and agent names.
#[derive(Default, Clone, Copy)]
pub(crate) struct FastHasher(u64);

impl std::hash::Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        const K: u64 = 0x517c_c1b7_2722_0a95;
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.0 = (self.0.rotate_left(5) ^ u64::from(i)).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FastMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<FastHasher>>;

#[derive(Default)]
pub(crate) struct Ledger {
    sessions: FastMap<SessionLive>,
    agents: FastMap<AgentLive>,
    pub default_session: Limits,
    pub agent_limits: HashMap<String, Limits>,
    /// Some session has set its own budget: until then no limit can apply to a session unless a
    /// default or agent limit exists, which `limits_apply` decides without a lookup.
    session_limits_set: bool,
}

/// A day number that changes at UTC midnight; cheaper than formatting a date on every event.
fn day_of(ts: DateTime<Utc>) -> u32 {
    ts.num_days_from_ce() as u32
}

fn day_key(day: u32) -> String {
    chrono::NaiveDate::from_num_days_from_ce_opt(day as i32)
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default()
}

fn judge(scope: &str, before: Decimal, after: Decimal, limits: &Limits) -> (BudgetState, Crossed) {
    let state = |limit: Decimal, hard: bool| {
        let (scope, spent) = (scope.to_string(), after);
        if hard {
            BudgetState::HardLimit {
                scope,
                spent,
                limit,
            }
        } else {
            BudgetState::SoftLimit {
                scope,
                spent,
                limit,
            }
        }
    };
    let crossed = |limit: Option<Decimal>| limit.filter(|l| before < *l && after >= *l);
    let mut out = (BudgetState::Ok, Crossed::default());
    if let Some(soft) = limits.soft.filter(|l| after >= *l) {
        out.0 = state(soft, false);
    }
    if let Some(hard) = limits.hard.filter(|l| after >= *l) {
        out.0 = state(hard, true);
    }
    out.1.soft = crossed(limits.soft);
    out.1.hard = crossed(limits.hard);
    out
}

#[derive(Default)]
struct Crossed {
    soft: Option<Decimal>,
    hard: Option<Decimal>,
}

fn alert(ev: &Event, scope: &str, level: &str, spent: Decimal, limit: Decimal) -> Event {
    let mut a = Event::new(
        ev.session_id.clone(),
        EventType::custom(kinds::BUDGET_ALERT),
    );
    a.timestamp = ev.timestamp;
    a.trace_id.clone_from(&ev.trace_id);
    a.agent.clone_from(&ev.agent);
    a.attributes.insert(
        "budget".into(),
        json!({"scope": scope, "level": level, "spent_usd": spent.to_string(), "limit_usd": limit.to_string()}),
    );
    a
}

impl Ledger {
    pub fn new(default_session: Limits, agent_limits: HashMap<String, Limits>) -> Self {
        Ledger {
            default_session,
            agent_limits,
            ..Ledger::default()
        }
    }

    /// Records `cost` for `ev` and returns the budget state after it, plus the events the
    /// crossing of a limit produces (alerts, and a pause on a hard limit).
    pub fn charge(&mut self, ev: &Event, cost: Option<Decimal>) -> (BudgetState, Vec<Event>) {
        let live = match self.sessions.get_mut(ev.session_id.as_str()) {
            Some(live) => live,
            None => self.sessions.entry(ev.session_id.clone()).or_default(),
        };
        if live.agent.is_none() && ev.agent.is_some() {
            live.agent.clone_from(&ev.agent);
        }
        if let Some(SessionOp::SetBudget { soft_usd, hard_usd }) = &ev.op {
            self.session_limits_set = true;
            // Validated before: the strings parse.
            live.limits = Some(Limits {
                soft: soft_usd.as_deref().and_then(|s| s.trim().parse().ok()),
                hard: hard_usd.as_deref().and_then(|s| s.trim().parse().ok()),
            });
        }
        let Some(cost) = cost.filter(|c| !c.is_zero()) else {
            return (self.state_of(&ev.session_id), Vec::new());
        };
        let before = live.committed + live.pending;
        live.pending += cost;
        let limits = live.limits.unwrap_or(self.default_session);
        let mut extra = Vec::new();
        let mut state = BudgetState::Ok;
        if !limits.is_empty() {
            let (s, crossed) = judge("session", before, before + cost, &limits);
            state = s;
            emit(ev, "session", before + cost, crossed, &mut extra);
        }
        let agent = ev.agent.as_ref().or(live.agent.as_ref());
        if let Some((agent, limits)) =
            agent.and_then(|a| self.agent_limits.get(a).map(|l| (a.clone(), *l)))
        {
            let day = day_of(ev.timestamp);
            let a = self.agents.entry(agent.clone()).or_insert(AgentLive {
                day,
                committed: Decimal::ZERO,
                pending: Decimal::ZERO,
            });
            if a.day != day {
                *a = AgentLive {
                    day,
                    committed: Decimal::ZERO,
                    pending: Decimal::ZERO,
                };
            }
            let before = a.committed + a.pending;
            a.pending += cost;
            let scope = format!("agent:{agent}");
            let (s, crossed) = judge(&scope, before, before + cost, &limits);
            state = state.worst(s);
            emit(ev, &scope, before + cost, crossed, &mut extra);
        }
        (state, extra)
    }
}

fn emit(ev: &Event, scope: &str, spent: Decimal, c: Crossed, out: &mut Vec<Event>) {
    if let Some(limit) = c.soft {
        out.push(alert(ev, scope, "soft", spent, limit));
    }
    if let Some(limit) = c.hard {
        out.push(alert(ev, scope, "hard", spent, limit));
        let mut pause = Event::session_op(
            ev.session_id.clone(),
            SessionOp::Pause {
                reason: format!("budget: {scope} spent {spent} USD, hard limit {limit} USD"),
            },
        );
        pause.timestamp = ev.timestamp;
        pause.agent.clone_from(&ev.agent);
        out.push(pause);
    }
}

impl Ledger {
    /// Whether a limit could judge an event of this session (its own or the default limit, or
    /// its agent's daily limit): only then does `log()` need the event's cost before it returns.
    pub fn limits_apply(&self, session_id: &str, agent: Option<&str>) -> bool {
        if !self.session_limits_set
            && self.default_session.is_empty()
            && self.agent_limits.is_empty()
        {
            return false;
        }
        let live = self.sessions.get(session_id);
        let limits = live.and_then(|l| l.limits).unwrap_or(self.default_session);
        if !limits.is_empty() {
            return true;
        }
        if self.agent_limits.is_empty() {
            return false;
        }
        agent
            .or_else(|| live.and_then(|l| l.agent.as_deref()))
            .is_some_and(|a| self.agent_limits.contains_key(a))
    }

    /// The current budget state of a session, from memory.
    pub fn state_of(&self, session_id: &str) -> BudgetState {
        self.status(session_id).0
    }

    /// `(state, session spend, limits, whether the spend was ever confirmed by the database)`.
    pub fn status(&self, session_id: &str) -> (BudgetState, Decimal, Limits, bool) {
        let Some(live) = self.sessions.get(session_id) else {
            return (BudgetState::Ok, Decimal::ZERO, self.default_session, false);
        };
        let spent = live.committed + live.pending;
        let limits = live.limits.unwrap_or(self.default_session);
        let mut state = judge("session", spent, spent, &limits).0;
        if let Some(agent) = &live.agent
            && let (Some(limits), Some(a)) = (self.agent_limits.get(agent), self.agents.get(agent))
            && a.day == day_of(Utc::now())
        {
            let spent = a.committed + a.pending;
            state = state.worst(judge(&format!("agent:{agent}"), spent, spent, limits).0);
        }
        (state, spent, limits, live.synced)
    }

    /// Takes in what the database now holds after a batch of this process's events committed.
    pub fn committed(&mut self, batch: &[Event], outcome: &BatchOutcome) {
        for ev in batch {
            let Some(cost) = crate::store::usd_of(ev) else {
                continue;
            };
            if let Some(live) = self.sessions.get_mut(ev.session_id.as_str()) {
                live.pending -= cost;
                let agent = ev.agent.as_ref().or(live.agent.as_ref());
                if let Some(a) = agent.and_then(|a| self.agents.get_mut(a))
                    && a.day == day_of(ev.timestamp)
                {
                    a.pending -= cost;
                }
            }
        }
        for row in &outcome.sessions {
            let live = self.sessions.entry(row.session_id.clone()).or_default();
            live.committed = row.cost_usd;
            live.synced = true;
            if live.agent.is_none() {
                live.agent.clone_from(&row.agent);
            }
        }
        for (agent, day, total) in &outcome.agent_days {
            if let Some(a) = self.agents.get_mut(agent)
                && day_key(a.day) == *day
            {
                a.committed = *total;
            }
        }
    }

    /// Seeds a session's confirmed spend read from the database by a query.
    pub fn seed(&mut self, session_id: &str, committed: Decimal) {
        let live = self.sessions.entry(session_id.to_string()).or_default();
        if !live.synced {
            live.committed = committed;
            live.synced = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn soft_then_hard_crossing_fires_once_each() {
        let mut ledger = Ledger {
            default_session: Limits {
                soft: Some(d("1")),
                hard: Some(d("2")),
            },
            ..Ledger::default()
        };
        let ev = Event::new("s", EventType::custom(kinds::LLM_CALL));
        let (state, extra) = ledger.charge(&ev, Some(d("0.6")));
        assert_eq!(state, BudgetState::Ok);
        assert!(extra.is_empty());
        let (state, extra) = ledger.charge(&ev, Some(d("0.6")));
        assert!(matches!(state, BudgetState::SoftLimit { .. }));
        assert_eq!(extra.len(), 1);
        let (_, extra) = ledger.charge(&ev, Some(d("0.1")));
        assert!(extra.is_empty(), "the soft alert fires once");
        let (state, extra) = ledger.charge(&ev, Some(d("1")));
        assert_eq!(
            state,
            BudgetState::HardLimit {
                scope: "session".into(),
                spent: d("2.3"),
                limit: d("2")
            }
        );
        assert_eq!(extra.len(), 2);
        assert!(matches!(extra[1].op, Some(SessionOp::Pause { .. })));
    }

    #[test]
    fn limits_apply_by_session_default_and_agent() {
        let mut ledger = Ledger::default();
        assert!(!ledger.limits_apply("s", None));
        ledger.agent_limits.insert(
            "bot".into(),
            Limits {
                soft: Some(d("1")),
                hard: None,
            },
        );
        assert!(!ledger.limits_apply("s", Some("other")));
        assert!(ledger.limits_apply("s", Some("bot")));
        // The session's agent, learned from an earlier event, counts when the call names none.
        let mut ev = Event::new("s", EventType::custom(kinds::LLM_CALL));
        ev.agent = Some("bot".into());
        ledger.charge(&ev, None);
        assert!(ledger.limits_apply("s", None));
        let budget = Event::session_op(
            "t",
            SessionOp::SetBudget {
                soft_usd: None,
                hard_usd: Some("2".into()),
            },
        );
        ledger.charge(&budget, None);
        assert!(ledger.limits_apply("t", None));
        ledger.default_session.hard = Some(d("5"));
        assert!(ledger.limits_apply("u", None));
    }

    #[test]
    fn agent_limit_spans_sessions() {
        let mut ledger = Ledger::default();
        ledger.agent_limits.insert(
            "bot".into(),
            Limits {
                soft: None,
                hard: Some(d("1")),
            },
        );
        let mut a = Event::new("s1", EventType::custom(kinds::LLM_CALL));
        a.agent = Some("bot".into());
        let mut b = a.clone();
        b.session_id = "s2".into();
        assert_eq!(ledger.charge(&a, Some(d("0.7"))).0, BudgetState::Ok);
        let (state, extra) = ledger.charge(&b, Some(d("0.7")));
        assert!(matches!(state, BudgetState::HardLimit { ref scope, .. } if scope == "agent:bot"));
        assert_eq!(extra[1].session_id, "s2");
    }
}
