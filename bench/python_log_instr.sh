#!/usr/bin/env bash
# Instructions per hailog.log() call on the caller's thread, counted by callgrind: the difference
# between a run of 6000 calls and one of 1000, divided by 5000, so start-up, the import and the
# background writer thread (counted separately with --separate-threads) drop out. Unlike wall
# time on a shared machine, the count does not move with the load.
#   bench/python_log_instr.sh [python]   (default: .venv/bin/python; build with --profile ci)
set -euo pipefail
cd "$(dirname "$0")/.."
py=${1:-.venv/bin/python}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat > "$tmp/calls.py" <<'PY'
import sys
import hailog

client = hailog.Client(":memory:")
log = client.log
usage = {"input": 1200, "cache_read": 300, "output": 85}
for i in range(200 + int(sys.argv[1])):  # 200 warm-up calls fill the per-thread caches
    log(session_id="bench", model="gpt-4o-mini", usage=usage, latency_ms=i % 900)
client.close()
PY
count() {
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$tmp/cg.$1" \
    "$py" "$tmp/calls.py" "$1" >/dev/null 2>&1
  # Thread 1 is the interpreter's main thread, the one that calls log().
  grep -m1 '^summary:' "$tmp/cg.$1-01" | cut -d' ' -f2
}
a=$(count 1000)
b=$(count 6000)
echo "instructions per log() call on the caller's thread: $(((b - a) / 5000))"
