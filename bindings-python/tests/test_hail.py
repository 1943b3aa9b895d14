"""read_hail: header, lazily iterated events, the summary dict's contract, errors with lines."""

from decimal import Decimal

import pytest

import hailog
from conftest import VECTORS

HAIL = VECTORS / "hail"
SUMMARY_KEYS = {
    "session_id", "status", "event_count", "request_count", "error_count", "cost_usd",
    "unpriced_requests", "tokens", "latency_ms", "models", "duration_seconds",
    "first_event_at", "last_event_at",
}


def test_real_opensession_file():
    f = hailog.read_hail(HAIL / "valid" / "opensession-019cb6f9.hail.jsonl")
    assert f.header["session_id"] == "019cb6f9-d01e-7941-afc9-86338cbe139b"
    events = list(f)
    assert len(events) == 288
    assert all(e["type"] == "event" and e["event_id"] for e in events)
    # Iterating again re-reads the file from the start.
    assert sum(1 for _ in f) == 288
    summary = f.summary()
    assert SUMMARY_KEYS <= summary.keys()
    assert summary["event_count"] == 288
    assert summary["status"] == "done"  # the file's last event is long past
    assert summary["cost_usd"] is None  # nothing in it was priced: absent, not zero
    assert summary["latency_ms"] == {"p50": None, "p95": None}


def test_priced_bot_run_summary_has_exact_decimal_cost():
    s = hailog.read_hail(HAIL / "valid" / "hailog-bot-run.hail.jsonl").summary()
    assert s["cost_usd"] == Decimal("0.00123")
    assert isinstance(s["cost_usd"], Decimal)
    assert s["tokens"]["input"] == 1300 and s["tokens"]["cache_write_1h"] is None


def test_bad_line_error_names_the_line():
    with pytest.raises(hailog.HailFormatError) as caught:
        hailog.read_hail(HAIL / "invalid" / "bad-usage.hail.jsonl")
    assert caught.value.line == 2
    assert "line 2" in str(caught.value)
    assert isinstance(caught.value, ValueError)


def test_missing_file_is_a_format_error_with_io_kind(tmp_path):
    with pytest.raises(hailog.HailFormatError) as caught:
        hailog.read_hail(tmp_path / "nope.hail.jsonl")
    assert caught.value.kind == "io"


def _event(event_id, ts, **attributes):
    return {
        "type": "event",
        "event_id": event_id,
        "timestamp": ts,
        "event_type": {"type": "UserMessage"},
        "content": {"blocks": []},
        "attributes": attributes,
    }


def test_summarize_events_with_aware_datetime_now():
    from datetime import datetime, timezone

    events = [_event("a", "2026-03-04T10:00:00Z"), _event("b", "2026-03-04T10:01:00Z")]
    now = datetime(2026, 3, 4, 10, 10, tzinfo=timezone.utc)
    s = hailog.summarize(events, session_id="bot-1", now=now)
    assert (s["session_id"], s["event_count"], s["status"]) == ("bot-1", 2, "idle")
    assert s["duration_seconds"] == 60
    assert hailog.summarize(events, now=now, idle_after_seconds=3600)["status"] == "active"


def test_summarize_rejects_naive_now_and_names_bad_event():
    from datetime import datetime

    with pytest.raises(hailog.InvalidInputError, match="timezone"):
        hailog.summarize([], now=datetime(2026, 3, 4))
    with pytest.raises(hailog.HailFormatError) as caught:
        hailog.summarize([_event("a", "2026-03-04T10:00:00Z"), {"type": "event"}])
    assert caught.value.line == 2
