#!/usr/bin/env python3
"""Imports a Claude Code tree with `hailog import` and reads it with ccusage 20.0.24 in the same
run; compares token totals per UTC day and bucket, costs per day, wall time and peak RSS.

usage: compare_ccusage.py TREE HAILOG_BIN [RUNS]
TREE is a CLAUDE_CONFIG_DIR (it holds projects/), e.g. from bench/gen_claude_code.py.
ccusage is run through its native binary from the npm package (installed by npx on first use),
with --offline so both tools price from tables they carry.
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile
from decimal import Decimal

CCUSAGE = "ccusage@20.0.24"


def ccusage_binary():
    subprocess.run(["npx", "--yes", CCUSAGE, "--version"], check=True, capture_output=True)
    found = glob.glob(os.path.expanduser("~/.npm/_npx/*/node_modules/@ccusage/ccusage-linux-x64/bin/ccusage"))
    if not found:
        sys.exit("ccusage's native binary was not found under ~/.npm/_npx")
    return found[0]


def timed(cmd, env):
    """Runs cmd under /usr/bin/time -v; returns (stdout, wall seconds, peak RSS in MiB, CPU seconds)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        out = subprocess.run(["/usr/bin/time", "-v", "-o", t.name] + cmd, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            sys.exit(f"{cmd[0]} failed: {out.stderr[-2000:]}")
        report = t.read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", report)
    h, m, s = wall.groups()
    secs = int(h or 0) * 3600 + int(m) * 60 + float(s)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", report).group(1)) / 1024
    cpu = sum(float(re.search(rf"{k} time \(seconds\): ([\d.]+)", report).group(1)) for k in ("User", "System"))
    return out.stdout, secs, rss, cpu


def main():
    tree, hailog = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    size = sum(os.path.getsize(p) for p in glob.glob(os.path.join(tree, "projects", "**", "*.jsonl"), recursive=True))
    env = dict(os.environ, CLAUDE_CONFIG_DIR=tree, TZ="UTC", NO_COLOR="1")
    cc = ccusage_binary()
    results = {"hailog": [], "ccusage": []}
    cc_json = None
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "bench.db")
        for _ in range(runs):
            for f in glob.glob(db + "*"):
                os.remove(f)
            _, secs, rss, cpu = timed([hailog, "--db", db, "import", os.path.join(tree, "projects"), "--json"], env)
            results["hailog"].append((secs, rss, cpu))
            out, secs, rss, cpu = timed([cc, "daily", "--json", "--offline", "--timezone", "UTC"], env)
            results["ccusage"].append((secs, rss, cpu))
            cc_json = json.loads(out)
        again = json.loads(subprocess.run([hailog, "--db", db, "import", os.path.join(tree, "projects"), "--json"],
                                          env=env, capture_output=True, text=True, check=True).stdout)
        stats = json.loads(subprocess.run([hailog, "--db", db, "stats", "--by", "day", "--period", "all", "--json"],
                                          env=env, capture_output=True, text=True, check=True).stdout)

    ours = {d["day"]: d for d in stats["days"]}
    mismatches, cost_rows = [], []
    for day in cc_json["daily"]:
        date = day.get("period") or day.get("date")
        mine = ours.get(date)
        if mine is None:
            mismatches.append(f"{date}: missing from hailog")
            continue
        t = mine["tokens"]
        pairs = [
            ("input", day["inputTokens"], t.get("input", 0)),
            ("output", day["outputTokens"], t.get("output", 0)),
            ("cache write", day["cacheCreationTokens"], t.get("cache_write_5m", 0) + t.get("cache_write_1h", 0)),
            ("cache read", day["cacheReadTokens"], t.get("cache_read", 0)),
        ]
        for name, theirs, mine_v in pairs:
            if theirs != mine_v:
                mismatches.append(f"{date} {name}: ccusage {theirs}, hailog {mine_v}")
        theirs_cost = Decimal(str(day["totalCost"]))
        mine_cost = Decimal(mine["cost_usd"])
        diff = (mine_cost - theirs_cost) / theirs_cost * 100 if theirs_cost else Decimal(0)
        cost_rows.append((date, theirs_cost, mine_cost, diff))
    extra = set(ours) - {d.get("period") or d.get("date") for d in cc_json["daily"]}
    mismatches += [f"{d}: only in hailog" for d in sorted(extra)]

    best = {k: min(v) for k, v in results.items()}
    worst_rss = {k: max(r for _, r, _ in v) for k, v in results.items()}
    least_cpu = {k: min(c for _, _, c in v) for k, v in results.items()}
    print(f"input: {size / 1e6:.1f} MB of Claude Code JSONL, {len(cc_json['daily'])} days, best of {runs} runs")
    print("| tool | wall time (best) | CPU time user+sys (least) | peak RSS (max) | MB/s (wall) |")
    print("|---|---|---|---|---|")
    for k in ("hailog", "ccusage"):
        print(f"| {k} | {best[k][0]:.2f} s | {least_cpu[k]:.2f} s | {worst_rss[k]:.0f} MiB | {size / 1e6 / best[k][0]:.0f} |")
    print(f"time ratio ccusage/hailog: {best['ccusage'][0] / best['hailog'][0]:.2f}x; "
          f"CPU ratio ccusage/hailog: {least_cpu['ccusage'] / least_cpu['hailog']:.2f}x; "
          f"RSS ratio ccusage/hailog: {worst_rss['ccusage'] / worst_rss['hailog']:.2f}x")
    print(f"re-import added {again['events_added']} events")
    worst = max((abs(r[3]) for r in cost_rows), default=Decimal(0))
    print(f"token buckets per day: {'all equal' if not mismatches else str(len(mismatches)) + ' mismatches'}; "
          f"largest daily cost difference {worst:.4f}%")
    for m in mismatches[:20]:
        print("  " + m)
    total_theirs = sum(r[1] for r in cost_rows)
    total_mine = sum(r[2] for r in cost_rows)
    print(f"total cost: ccusage ${total_theirs:.4f}, hailog ${total_mine:.4f}")
    if mismatches or worst > Decimal("0.5"):
        sys.exit(1)


if __name__ == "__main__":
    main()
