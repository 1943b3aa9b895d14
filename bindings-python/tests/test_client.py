"""Client and the module-level log(): typed logging, summaries with exact cost, many threads,
flush at interpreter exit, closed clients, bad input."""

import subprocess
import sys
import textwrap
import threading
from decimal import Decimal

import pytest

import hailog


def test_log_then_summary(tmp_path):
    with hailog.Client(tmp_path / "l.db") as client:
        event_id = client.log(
            session_id="bot-1", model="gpt-4o", usage={"input": 1000, "output": 10}, latency_ms=120
        )
        client.log(session_id="bot-1", kind="note", text="checkpoint")
        client.flush(timeout=30)
        s = client.summary("bot-1")
        assert event_id and s["event_count"] == 2 and s["request_count"] == 1
        assert isinstance(s["cost_usd"], Decimal) and s["cost_usd"] > 0
        assert s["latency_ms"]["p50"] is not None
        assert client.status("bot-1") == "active"
    with pytest.raises(hailog.ClosedError):
        client.log(session_id="bot-1")


def test_eight_threads_logging_lose_nothing(tmp_path):
    client = hailog.Client(tmp_path / "t.db")

    def worker(n):
        for i in range(300):
            client.log(session_id=f"s{n % 2}", model="gpt-4o-mini", usage={"input": 10, "output": i % 5})

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    client.flush()
    assert client.summary("s0")["request_count"] + client.summary("s1")["request_count"] == 2400
    client.close()


def test_default_client_is_flushed_at_exit(tmp_path):
    db = tmp_path / "exit.db"
    code = textwrap.dedent(f"""
        import hailog
        hailog.configure({str(db)!r})
        for i in range(1000):
            hailog.log(session_id="exit-run", model="gpt-4o", usage={{"input": 5, "output": 1}})
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with hailog.Client(db) as client:
        assert client.summary("exit-run")["request_count"] == 1000


def test_bad_input_changes_nothing(tmp_path):
    with hailog.Client(tmp_path / "b.db") as client:
        with pytest.raises(hailog.InvalidInputError):
            client.log(session_id="", model="gpt-4o")
        with pytest.raises(hailog.InvalidInputError):
            client.log(session_id="s", outcome="maybe")
        with pytest.raises(hailog.InvalidInputError):
            client.log(session_id="s", usage={"input": -1})
        with pytest.raises(hailog.InvalidInputError):
            client.summary("s")


def test_session_operations_and_idempotent_ids(tmp_path):
    with hailog.Client(tmp_path / "o.db") as client:
        client.log(session_id="s", event_id="e1", outcome="failed", error="boom")
        client.log(session_id="s", event_id="e1", outcome="failed", error="boom")
        client.set_name("s", "nightly")
        client.add_tag("s", "prod")
        client.flush()
        assert client.status("s") == "errored"
        client.acknowledge("s")
        client.end_session("s", notes="done")
        client.flush()
        s = client.summary("s")
        assert s["error_count"] == 1 and s["name"] == "nightly" and "prod" in s["tags"]
        assert client.status("s") == "done"


def test_log_keywords_are_checked_like_any_python_call():
    with hailog.Client(":memory:") as client:
        with pytest.raises(TypeError, match="session_id"):
            client.log(model="gpt-4o")
        with pytest.raises(TypeError, match="positional"):
            client.log("bot-1")
        with pytest.raises(TypeError, match="modle"):
            client.log(session_id="bot-1", modle="gpt-4o")
        with pytest.raises(TypeError, match="latency_ms"):
            client.log(session_id="bot-1", latency_ms="12")
        with pytest.raises(TypeError, match="kind"):
            client.log(session_id="bot-1", kind=None)
        # Keyword names built at run time (not the interned literals) are found by their text,
        # and None stands for "not given" in every optional argument.
        fields = {"".join(["ses", "sion_id"]): "bot-1", "".join(["mo", "del"]): "gpt-4o"}
        client.log(**fields, usage={"input": 10, "output": 2}, provider=None, cost=None)
        client.flush(timeout=30)
        s = client.summary("bot-1")
        assert s["event_count"] == 1 and list(s["models"]) == ["gpt-4o"]
