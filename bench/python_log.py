"""Per-call cost of hailog.log() from Python, against the cheapest pure-Python equivalent
measured in the same run: json.dumps of the event plus sqlite3 executemany in batches of 1000
(WAL, synchronous=NORMAL), and the ratio between them.

Run: python bench/python_log.py [events]   (build the package optimized first:
     maturin develop -m bindings-python/Cargo.toml --profile ci)
"""

import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from datetime import datetime, timezone

import hailog

USAGE = {"input": 1200, "cache_read": 300, "output": 85}
# Per-call times are also taken per chunk of this many events (one executemany batch for the
# pure-Python side): the median chunk is the typical cost, which a descheduled moment on a busy
# machine does not move the way it moves the mean.
CHUNK = 1000


def bench_hailog(n: int, path: str) -> float:
    client = hailog.Client(path)
    log = client.log
    chunks = []
    start = time.perf_counter()
    for c in range(0, n, CHUNK):
        t = time.perf_counter()
        for i in range(c, min(c + CHUNK, n)):
            log(session_id="bench", model="gpt-4o-mini", usage=USAGE, latency_ms=i % 900)
        chunks.append((time.perf_counter() - t) / (min(c + CHUNK, n) - c))
    per_call = (time.perf_counter() - start) / n
    client.flush()
    assert client.summary("bench")["request_count"] >= n
    client.close()
    return per_call, statistics.median(chunks), min(chunks)


def bench_pure_python(n: int, path: str) -> float:
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE IF NOT EXISTS events (id TEXT PRIMARY KEY, session TEXT, body TEXT)")
    batch = []
    chunks = []
    start = time.perf_counter()
    t = start
    for i in range(n):
        event = {
            "event_id": str(uuid.uuid4()),
            "session_id": "bench",
            "timestamp": datetime.now(timezone.utc).isoformat(),
            "kind": "llm_call",
            "model": "gpt-4o-mini",
            "usage": USAGE,
            "latency_ms": i % 900,
        }
        batch.append((event["event_id"], "bench", json.dumps(event)))
        if len(batch) == CHUNK:
            with db:
                db.executemany("INSERT INTO events VALUES (?, ?, ?)", batch)
            batch.clear()
            now = time.perf_counter()
            chunks.append((now - t) / CHUNK)
            t = now
    if batch:
        with db:
            db.executemany("INSERT INTO events VALUES (?, ?, ?)", batch)
    per_call = (time.perf_counter() - start) / n
    db.close()
    return per_call, statistics.median(chunks) if chunks else per_call


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rounds = 5
    ours, theirs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(rounds):
            ours.append(bench_hailog(n, os.path.join(tmp, f"h{r}.db")))
            theirs.append(bench_pure_python(n, os.path.join(tmp, f"p{r}.db")))
    h, p = statistics.median(x[0] for x in ours), statistics.median(x[0] for x in theirs)
    hc, pc = statistics.median(x[1] for x in ours), statistics.median(x[1] for x in theirs)
    print(f"events per round: {n}, rounds: {rounds} (medians); p50 = median {CHUNK}-event chunk")
    print(f"hailog.log()                       {h * 1e6:7.2f} us/call   p50 {hc * 1e6:7.2f}")
    print(f"json.dumps + sqlite3 executemany   {p * 1e6:7.2f} us/event  p50 {pc * 1e6:7.2f}")
    print(f"ratio (pure Python / hailog)       {p / h:7.1f}x           p50 {pc / hc:5.1f}x")
    # The fastest chunk of any round: the call when the process had a core to itself.
    fastest = min(x[2] for x in ours)
    print(f"hailog.log() fastest {CHUNK}-call chunk {fastest * 1e6:7.2f} us/call")


if __name__ == "__main__":
    main()
