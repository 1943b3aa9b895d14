#!/usr/bin/env bash
# Instructions per hailog.log() call, counted by callgrind on the caller's thread and on the
# recorder's writer thread: the difference between a run of 6000 calls and one of 1000, divided
# by 5000, so start-up and the import drop out. Unlike wall time on a shared machine, the counts
# do not move with the load. The caller's count is the cost of the call itself; the writer's
# (building and pricing the event, the SQLite transaction in a file database) bounds how fast
# calls can be made durable, which is what a run of more calls than the queue holds waits for.
#   bench/python_log_instr.sh [python] [client|session]
#   (default: .venv/bin/python, client.log; "session" calls the log of client.session("bench");
#   build with --profile ci)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
via=${2:-client}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/calls.py" <<'PY'
import os
import sys
import hailog

client = hailog.Client(os.path.join(sys.argv[2], "calls.db"))
usage = {"input": 1200, "cache_read": 300, "output": 85}
calls = range(200 + int(sys.argv[1]))  # 200 warm-up calls fill the per-thread caches
if sys.argv[3] == "session":
    with client.session("bench") as s:
        log = s.log
        for i in calls:
            log(model="gpt-4o-mini", usage=usage, latency_ms=i % 900)
else:
    log = client.log
    for i in calls:
        log(session_id="bench", model="gpt-4o-mini", usage=usage, latency_ms=i % 900)
client.close()
PY
count() {
  mkdir "$tmp/db$1"
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/cg.$1" \
    "$py" "$tmp/calls.py" "$1" "$tmp/db$1" "$via" >/dev/null 2>&1
  # Thread 1 is the interpreter's main thread, the one that calls log().
  grep -m1 '^summary:' "$tmp/cg.$1-01" | cut -d' ' -f2
}
# The recorder's busiest thread: the writer (the checkpoint thread, started before it, does
# little in a run this short).
writer() {
  for f in "$tmp/cg.$1"-0[2-9]; do grep -m1 '^summary:' "$f" | cut -d' ' -f2; done | sort -n | tail -1
}
a=$(count 1000)
b=$(count 6000)
echo "instructions per $via log() call on the caller's thread: $(((b - a) / 5000))"
wa=$(writer 1000)
wb=$(writer 6000)
echo "instructions per event on the writer thread: $(((wb - wa) / 5000))"
