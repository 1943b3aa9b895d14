"""One contender of the "log one LLM call from Python" row, in a fresh process.

    python py_log.py hailog|langfuse|floor N

Prints one JSON object: microseconds per call on the caller's thread (`value`), and for the
ledgers that persist, the time until everything is durable. Every contender records the same
call: a gpt-4o-mini request with 1200 input tokens (300 of them cached), 85 output tokens, a
latency and a session id.
"""

import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

INPUT, CACHED, OUTPUT = 1200, 300, 85


def run_hailog(n: int, tmp: str) -> dict:
    import hailog

    client = hailog.Client(os.path.join(tmp, "hailog.db"))
    log = client.log
    usage = {"input": INPUT - CACHED, "cache_read": CACHED, "output": OUTPUT}
    start = time.perf_counter()
    for i in range(n):
        log(session_id="bench", model="gpt-4o-mini", usage=usage, latency_ms=i % 900)
    call = time.perf_counter() - start
    client.flush()
    durable = time.perf_counter() - start
    if client.summary("bench")["request_count"] != n:
        raise SystemExit("hailog lost events")
    client.close()
    return {"value": call / n * 1e6, "durable_us": durable / n * 1e6}


def run_floor(n: int, tmp: str) -> dict:
    """The cheapest pure-Python ledger: json.dumps plus sqlite3 executemany in batches."""
    db = sqlite3.connect(os.path.join(tmp, "floor.db"))
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE events (id TEXT PRIMARY KEY, session TEXT, body TEXT)")
    usage = {"input": INPUT - CACHED, "cache_read": CACHED, "output": OUTPUT}
    batch = []
    start = time.perf_counter()
    for i in range(n):
        event_id = str(uuid.uuid4())
        body = {
            "event_id": event_id,
            "session_id": "bench",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "kind": "llm_call",
            "model": "gpt-4o-mini",
            "usage": usage,
            "latency_ms": i % 900,
        }
        batch.append((event_id, "bench", json.dumps(body)))
        if len(batch) == 1000:
            with db:
                db.executemany("INSERT INTO events VALUES (?, ?, ?)", batch)
            batch.clear()
    with db:
        db.executemany("INSERT INTO events VALUES (?, ?, ?)", batch)
    total = time.perf_counter() - start
    db.close()
    return {"value": total / n * 1e6, "durable_us": total / n * 1e6}


def run_langfuse(n: int, _tmp: str) -> dict:
    """Langfuse's SDK recording a generation with a session id; its exporter points at a closed
    local port, so this is the call overhead alone (nothing is ever durable)."""
    from langfuse import Langfuse, propagate_attributes

    client = Langfuse(
        public_key="pk-lf-bench", secret_key="sk-lf-bench", host="http://127.0.0.1:9"
    )
    details = {"input": INPUT - CACHED, "input_cached_tokens": CACHED, "output": OUTPUT}
    start = time.perf_counter()
    for i in range(n):
        with propagate_attributes(session_id="bench"):
            with client.start_as_current_observation(
                as_type="generation", name="llm", model="gpt-4o-mini"
            ) as gen:
                gen.update(usage_details=details, metadata={"latency_ms": i % 900})
    call = time.perf_counter() - start
    return {"value": call / n * 1e6, "durable_us": None}


def main() -> None:
    which, n = sys.argv[1], int(sys.argv[2])
    run = {"hailog": run_hailog, "floor": run_floor, "langfuse": run_langfuse}[which]
    with tempfile.TemporaryDirectory() as tmp:
        result = run(n, tmp)
    result["unit"] = "us/call"
    print(json.dumps(result), flush=True)
    # Langfuse's exporter would retry the closed port at exit; the numbers are already out.
    os._exit(0)


if __name__ == "__main__":
    main()
