"""The fast path of Client.log (a plain LLM call handed over as a compact record, priced by the
writer): the same stored events, errors and budget verdicts as the general path."""

import json
import os
import subprocess
import sys
import textwrap
import uuid
from decimal import Decimal

import pytest

import hailog

USAGE = {"input": 900, "cache_read": 300, "output": 85}


def stored(client, session):
    client.flush(timeout=30)
    events = json.loads(client.export("json", session))["events"]
    for e in events:
        e.pop("event_id")
        e.pop("timestamp")
    return events


def test_fast_and_general_paths_store_the_same_event(tmp_path):
    with hailog.Client(tmp_path / "q.db") as client:
        fields = dict(model="gpt-4o-mini", provider="openai", usage=USAGE, latency_ms=7,
                      agent="trader", trace_id="t-1", outcome="failed")
        fast = client.log(session_id="fast", **fields)
        # An empty metadata dict adds nothing but needs the general path.
        general = client.log(session_id="general", metadata={}, **fields)
        assert uuid.UUID(fast).version == 7 and uuid.UUID(general).version == 7
        assert fast < general  # time-ordered
        a, b = stored(client, "fast"), stored(client, "general")
        assert len(a) == 1 and a == b
        assert a[0]["attributes"]["hailog.cost"]["provenance"] == "computed"
        assert client.summary("fast")["cost_usd"] == client.summary("general")["cost_usd"] > 0


def test_fast_path_errors_match_the_general_path(tmp_path):
    with hailog.Client(":memory:") as client:
        with pytest.raises(hailog.InvalidInputError, match="session_id"):
            client.log(session_id="", usage=USAGE)
        with pytest.raises(hailog.InvalidInputError, match="usage.output"):
            client.log(session_id="s", usage={"output": -1})
        with pytest.raises(hailog.InvalidInputError, match="model"):
            client.log(session_id="s", model="bad\x00name", usage=USAGE)
        with pytest.raises(TypeError, match="latency_ms"):
            client.log(session_id="s", latency_ms="slow")
        with pytest.raises(hailog.InvalidInputError, match="usage.tokens"):
            client.log(session_id="s", usage={"tokens": 3})
        client.flush(timeout=30)
        assert client.stats() == []


def test_check_budget_sees_calls_not_yet_written():
    with hailog.Client(":memory:") as client:
        one = hailog.cost("gpt-4o-mini", USAGE).total
        for _ in range(40):
            client.log(session_id="b", model="gpt-4o-mini", usage=USAGE)
        assert client.check_budget("b")["spent_usd"] == one * 40
        client.set_budget("b", hard_usd=one * Decimal("40.5"))
        client.log(session_id="b", model="gpt-4o-mini", usage=USAGE)
        check = client.check_budget("b")
        assert check["state"] == "hard_limit" and check["spent_usd"] == one * 41
        assert client.status("b") in ("paused", "active")
        client.flush(timeout=30)
        assert client.status("b") == "paused"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_parent_and_child_ids_never_repeat(tmp_path):
    # In a subprocess: pytest's own threads make forking the test runner itself unsafe.
    script = textwrap.dedent(
        """
        import os, sys, hailog
        c = hailog.Client(":memory:")
        c.log(session_id="p", usage={"input": 1})
        r, w = os.pipe()
        pid = os.fork()
        if pid == 0:
            own = hailog.Client(":memory:")
            ids = [own.log(session_id="c", usage={"input": 1}) for _ in range(2000)]
            os.write(w, "\\n".join(ids).encode())
            os._exit(0)
        os.close(w)
        ids = [c.log(session_id="p", usage={"input": 1}) for _ in range(2000)]
        child = b""
        while chunk := os.read(r, 65536):
            child += chunk
        os.waitpid(pid, 0)
        print(len(set(ids) | set(child.decode().split())))
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "4000"


def test_session_log_adds_its_id_and_agent():
    with hailog.Client(":memory:") as client:
        with client.session("s-1", agent="trader") as s:
            s.log(model="gpt-4o-mini", usage=USAGE)
            s.log(model="gpt-4o-mini", usage=USAGE, agent="helper")
            s.log(kind="note", text="general path")
            with pytest.raises(hailog.InvalidInputError, match="session_id"):
                s.log(session_id="other", usage=USAGE)
            with pytest.raises(TypeError, match="positional"):
                s.log("x")  # type: ignore[misc]
            with pytest.raises(TypeError, match="unexpected keyword"):
                s.log(modle="gpt-4o-mini")
        client.flush(timeout=30)
        events = json.loads(client.export("json", "s-1"))["events"]
        agents = [e["attributes"].get("hailog.agent") for e in events]
        assert agents.count("trader") >= 3 and agents.count("helper") == 1
        assert client.summary("s-1")["request_count"] == 2
        assert client.summary("s-1")["cost_usd"] == hailog.cost("gpt-4o-mini", USAGE).total * 2
