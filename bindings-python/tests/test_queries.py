"""Client queries and session operations: explicit start, notes, budgets, session lists with
filters, stats per model, exports and stale-session recovery."""

import csv
import io
import json
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

import hailog

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def client(tmp_path):
    with hailog.Client(tmp_path / "q.db") as c:
        yield c


def test_start_session_note_and_listing(client):
    client.start_session("bot-1", name="nightly", agent="trader", tags=["prod"], metadata={"v": 2})
    client.note("bot-1", "checked the book")
    client.log(session_id="bot-1", model="gpt-4o", usage={"input": 1000, "output": 100})
    client.log(session_id="bot-2", agent="scout", model="gpt-4o-mini", usage={"input": 10, "output": 1})
    client.flush(timeout=30)

    rows = client.sessions(agent="trader")
    assert [r["session_id"] for r in rows] == ["bot-1"]
    row = rows[0]
    assert row["name"] == "nightly" and row["tags"] == ["prod"] and row["agent"] == "trader"
    assert row["event_count"] == 3 and row["status"] == "active"
    assert isinstance(row["cost_usd"], Decimal) and row["cost_usd"] > 0
    assert {r["session_id"] for r in client.sessions(tag="prod")} == {"bot-1"}
    assert {r["session_id"] for r in client.sessions(window="24h")} == {"bot-1", "bot-2"}
    by_cost = client.sessions(sort="cost", limit=1)
    assert [r["session_id"] for r in by_cost] == ["bot-1"]
    with pytest.raises(hailog.InvalidInputError, match="sort"):
        client.sessions(sort="size")
    with pytest.raises(hailog.InvalidInputError, match="window"):
        client.sessions(window="2h")


def test_budget_soft_and_hard_limits(client):
    client.set_budget("b", soft_usd="0.001", hard_usd=Decimal("0.01"))
    fresh = client.check_budget("b")
    assert fresh["state"] == "ok" and fresh["spent_usd"] == 0
    assert fresh["soft_usd"] == Decimal("0.001") and fresh["hard_usd"] == Decimal("0.01")
    # gpt-4o input at $2.50/M: 1M tokens cost $2.50, past both limits.
    client.log(session_id="b", model="gpt-4o", usage={"input": 1_000_000, "output": 0})
    after = client.check_budget("b")
    assert after["state"] == "hard_limit" and after["spent_usd"] >= Decimal("0.01")
    assert after["limit_usd"] == Decimal("0.01")
    with pytest.raises(hailog.InvalidInputError):
        client.set_budget("b", soft_usd="lots")


def test_stats_by_model_exact(client):
    for _ in range(3):
        client.log(session_id="s", model="gpt-4o", usage={"input": 100, "output": 10})
    client.log(session_id="s", model="no-such-model-x", usage={"input": 5, "output": 5})
    client.flush(timeout=30)
    rows = {r["key"]: r for r in client.stats("model")}
    assert rows["gpt-4o"]["requests"] == 3 and rows["gpt-4o"]["input_tokens"] == 300
    assert isinstance(rows["gpt-4o"]["cost_usd"], Decimal)
    assert rows["no-such-model-x"]["unpriced"] == 1
    assert client.stats("model", since=datetime.now(timezone.utc) + timedelta(days=1)) == []
    with pytest.raises(hailog.InvalidInputError, match="by"):
        client.stats("color")


def test_export_formats(client):
    client.log(session_id="e", model="gpt-4o", usage={"input": 10, "output": 2})
    client.note("e", "done")
    client.flush(timeout=30)
    doc = json.loads(client.export("json", "e"))
    assert doc["summary"]["session_id"] == "e" and len(doc["events"]) == 2
    rows = list(csv.reader(io.StringIO(client.export("csv", "e"))))
    assert len(rows) == 3  # header + two events
    hail_lines = client.export("hail", "e").splitlines()
    header = json.loads(hail_lines[0])
    assert header["version"] == "hail-1.0.0" and header["session_id"] == "e"
    with pytest.raises(hailog.InvalidInputError, match="format"):
        client.export("xml", "e")
    with pytest.raises(hailog.InvalidInputError, match="session"):
        client.export("json", "missing")


def test_recover_stale_ends_only_old_sessions(client):
    client.log(session_id="old", kind="note", text="x", timestamp=T0)
    client.log(session_id="new", kind="note", text="y", timestamp=T0 + timedelta(hours=5))
    client.flush(timeout=30)
    now = T0 + timedelta(hours=6)
    assert client.recover_stale(2, now=now) == ["old"]
    client.flush(timeout=30)
    ended = {r["session_id"]: r["ended_at"] for r in client.sessions(now=now)}
    assert ended["old"] is not None and ended["new"] is None
    with pytest.raises(hailog.InvalidInputError):
        client.recover_stale(-1)
