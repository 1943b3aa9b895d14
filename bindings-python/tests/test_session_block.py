"""`client.session(...)`: a block bound to one session that ends it on exit and records an
exception as an error event before letting it propagate."""

import pytest

import hailog


def test_session_block_logs_without_id_and_ends(tmp_path):
    with hailog.Client(tmp_path / "s.db") as client:
        with client.session("bot-42", agent="trader", tags=["prod"]) as s:
            assert s.session_id == "bot-42"
            s.log(model="gpt-4o", usage={"input": 100, "output": 10})
            s.note("placed an order")
            mid = s.summary()
            assert mid["event_count"] == 3 and mid["request_count"] == 1
            assert mid["status"] == "active"
        client.flush(timeout=30)
        after = client.summary("bot-42")
        assert after["status"] == "done" and after["agent"] == "trader"
        [row] = client.sessions(agent="trader")
        assert row["tags"] == ["prod"] and row["ended_at"] is not None


def test_exception_is_logged_then_propagates(tmp_path):
    with hailog.Client(tmp_path / "e.db") as client:
        with pytest.raises(RuntimeError, match="exchange down"):
            with client.session("bot-7", agent="trader") as s:
                s.log(model="gpt-4o", usage={"input": 1, "output": 1})
                raise RuntimeError("exchange down")
        client.flush(timeout=30)
        summary = client.summary("bot-7")
        assert summary["error_count"] == 1
        doc = client.export("json", "bot-7")
        assert "RuntimeError: exchange down" in doc


def test_session_id_cannot_be_overridden(tmp_path):
    with hailog.Client(tmp_path / "o.db") as client:
        s = client.session("a")
        with pytest.raises(hailog.InvalidInputError, match="session_id"):
            s.log(session_id="b")
