"""Runs every comparison of hailog against its peers and the physical floor, interleaved, and
writes the results into BENCHMARKS.md between the `bench/run` markers.

Started by `bench/run`, which prepares the throwaway environment first; the environment
variables it sets (BENCH_PYTHON, BENCH_NODE_DIR, BENCH_HAILOG_CLI...) tell this script where
things are. Each contender runs in a fresh process; its peak RSS comes from wait4(2), so the
memory beside each time is that process's own.

    python bench/harness.py [--rounds 5] [--quick] [--only 1,3] [--no-write]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEERS = ROOT / "bench" / "peers"
BEGIN, END = "<!-- bench/run:begin -->", "<!-- bench/run:end -->"


@dataclass
class Contender:
    name: str
    argv: list
    hailog: bool = False
    # Multiplies the value the process prints, to put every contender of a row in one unit.
    scale: float = 1.0
    # Time the whole process instead of reading a JSON value from its output; with `amount`
    # the value is amount / seconds (a rate), without it the seconds.
    wall: bool = False
    amount: float = 0.0
    env: dict = field(default_factory=dict)
    values: list = field(default_factory=list)
    rss_kib: list = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    error: str = ""


@dataclass
class Row:
    title: str
    unit: str
    higher_is_better: bool
    contenders: list
    note: str = ""


class _Popen(subprocess.Popen):
    """Popen that reaps with wait4(2), keeping the peak RSS of exactly this child."""

    _hailog_rss = None

    def _try_wait(self, wait_flags):
        pid, status, usage = os.wait4(self.pid, wait_flags)
        if pid == self.pid:
            self._hailog_rss = usage.ru_maxrss
        return (pid, status)


def run_once(c: Contender, tmp: str) -> None:
    env = {**os.environ, **c.env}
    argv = [str(a).replace("$TMP", tmp) for a in c.argv]
    start = time.perf_counter()
    try:
        proc = _Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    except OSError as e:
        c.error = f"cannot start {argv[0]}: {e.strerror}"
        return
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines() or [f"exit {proc.returncode}"]
        c.error = lines[-1][:200]
        return
    if c.wall:
        value = c.amount / wall if c.amount else wall
    else:
        result = json.loads(out.decode().strip().splitlines()[-1])
        value = result.pop("value")
        result.pop("unit", None)
        c.extra.update(result)
    c.values.append(value * c.scale)
    if proc._hailog_rss is not None:
        c.rss_kib.append(proc._hailog_rss)


def measure(rows: list, rounds: int) -> None:
    for row in rows:
        print(f"== {row.title}", flush=True)
        for r in range(rounds):
            # Rotate the order each round so no contender always runs first or last.
            order = row.contenders[r % len(row.contenders) :] + row.contenders[: r % len(row.contenders)]
            for c in order:
                if c.error:
                    continue
                with tempfile.TemporaryDirectory() as tmp:
                    run_once(c, tmp)
                shown = f"{c.values[-1]:.3g} {row.unit}" if c.values and not c.error else c.error
                print(f"   round {r + 1}: {c.name}: {shown}", flush=True)


def criterion_rows(args, env) -> list:
    """Rows measured by criterion in one Rust process, read back from its JSON estimates."""
    rows = []
    specs = [
        (
            "5. Ingest into SQLite (events/s)",
            "recorder",
            "ingest",
            [
                ("hailog: log() then flush(), 100k events", "log+flush", True),
                ("floor: raw rusqlite, same rows, one transaction", "raw rusqlite", False),
            ],
        ),
    ]
    for title, bench, filt, wanted in specs:
        # The row number is the title's prefix, as `--only` names it.
        if args.only and title.split(".")[0] not in args.only:
            continue
        print(f"== {title} (criterion)", flush=True)
        cmd = ["cargo", "bench", "-q", "-p", "hailog", "--bench", bench, "--", filt]
        if args.quick:
            cmd += ["--warm-up-time", "1", "--measurement-time", "3"]
        proc = _Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
        proc.wait()
        rss = getattr(proc, "_hailog_rss", None)
        unit = "events/s" if bench == "recorder" else "MB/s"
        contenders = []
        for name, needle, ours in wanted:
            c = Contender(name, [], hailog=ours)
            found = _criterion_result(needle)
            if proc.returncode != 0 or found is None:
                c.error = f"criterion bench {bench} gave no result for '{needle}'"
            else:
                per_iter_ns, low_ns, high_ns, amount = found
                scale = 1e9 if unit == "events/s" else 1e9 / 1e6
                # Median and the 95% interval of criterion's own samples.
                c.values = [amount * scale / high_ns, amount * scale / per_iter_ns, amount * scale / low_ns]
                if rss is not None:
                    c.rss_kib = [rss]
            contenders.append(c)
        rows.append(
            Row(
                title,
                unit,
                True,
                contenders,
                note=f"criterion, `cargo bench -p hailog --bench {bench} -- {filt}`; spread is "
                "criterion's 95% interval; RSS is the whole bench process's.",
            )
        )
    return rows


def _criterion_result(needle: str):
    base = ROOT / "target" / "criterion"
    best = None
    for bench_json in base.glob("**/new/benchmark.json"):
        meta = json.loads(bench_json.read_text())
        if needle not in meta.get("full_id", ""):
            continue
        est = json.loads((bench_json.parent / "estimates.json").read_text())
        tp = meta.get("throughput") or {}
        amount = tp.get("Elements") or tp.get("Bytes")
        if not amount:
            continue
        median = est["median"]
        found = (
            median["point_estimate"],
            median["confidence_interval"]["lower_bound"],
            median["confidence_interval"]["upper_bound"],
            amount,
        )
        mtime = bench_json.stat().st_mtime
        if best is None or mtime > best[0]:
            best = (mtime, found)
    return best[1] if best else None


def process_rows(args) -> list:
    py = os.environ.get("BENCH_PYTHON", sys.executable)
    n_log = 20_000 if args.quick else 200_000
    n_cost = 2_000 if args.quick else 20_000
    per_call = 5 if args.quick else 20
    rows = [
        Row(
            "1. Log one LLM call from Python (µs per call, caller's thread)",
            "µs",
            False,
            [
                Contender("hailog.log()", [py, PEERS / "py_log.py", "hailog", n_log], hailog=True),
                Contender(
                    "Langfuse 5.0.4 generation + session id (export to a closed port)",
                    [py, PEERS / "py_log.py", "langfuse", n_log // 10],
                ),
                Contender("floor: json.dumps + sqlite3 executemany (batches of 1000)", [py, PEERS / "py_log.py", "floor", n_log]),
                Contender(
                    "process per call: `python -c` appending one row to SQLite",
                    [py, PEERS / "process_per_call.py", "python", per_call, "$TMP/per-call.db"],
                    scale=1000.0,
                ),
                Contender(
                    "process per call: `node -e` appending one line",
                    [py, PEERS / "process_per_call.py", "node", per_call, "$TMP/per-call.db"],
                    scale=1000.0,
                ),
            ],
            note="codesession's `cs log-ai` (one Node process per call) measured ~330 ms per call "
            "on this machine earlier; it is not in the reachable registry, so the two "
            "process-per-call rows are that design's floor.",
        ),
        Row(
            "2. Log one LLM call from Node (µs per call, caller's thread)",
            "µs",
            False,
            [
                Contender("hailog log()", ["node", PEERS / "node_log.mjs", "hailog", n_log], hailog=True),
                Contender(
                    "floor: JSON.stringify + better-sqlite3 (batched transactions)",
                    ["node", PEERS / "node_log.mjs", "floor", n_log],
                ),
            ],
            note="The floor persists as it goes; hailog's durable time is in the JSON results.",
        ),
        Row(
            "3a. Cost of one call, gpt-4o (µs per call)",
            "µs",
            False,
            [
                Contender("hailog.cost()", [py, PEERS / "py_cost.py", "hailog", n_cost], hailog=True),
                Contender("litellm.cost_per_token()", [py, PEERS / "py_cost.py", "litellm", n_cost // 10]),
                Contender("tokencost.calculate_cost_by_tokens() ×2", [py, PEERS / "py_cost.py", "tokencost", n_cost]),
            ],
            note="Same usage for all: 1200 input tokens of which 300 cached, 85 output. The amount "
            "each returns is in the JSON results; tokencost has no notion of cached tokens.",
        ),
        Row(
            "3b. `import` time (ms)",
            "ms",
            False,
            [
                Contender("import hailog", [py, PEERS / "py_cost.py", "import", "hailog"], hailog=True),
                Contender("import litellm", [py, PEERS / "py_cost.py", "import", "litellm"]),
                Contender("import tokencost", [py, PEERS / "py_cost.py", "import", "tokencost"]),
            ],
        ),
        Row(
            "4. Usage from a 16 MiB OpenAI stream, in Python (MB/s)",
            "MB/s",
            True,
            [
                Contender("hailog.StreamParser", [py, PEERS / "py_stream.py", "hailog"], hailog=True),
                Contender("openai SDK SSEDecoder", [py, PEERS / "py_stream.py", "openai"]),
                Contender("openai SDK SSEDecoder + json.loads per event", [py, PEERS / "py_stream.py", "openai+json"]),
            ],
        ),
    ]
    big = os.environ.get("BENCH_BIG_HAIL")
    summarize = os.environ.get("BENCH_SUMMARIZE")
    if big and summarize:
        mb = os.path.getsize(big) / 1e6
        rows.append(
            Row(
                f"7. HAIL reading, {mb:.0f} MB file (MB/s)",
                "MB/s",
                True,
                [
                    Contender(
                        "hailog: read + validate + summarize (`summarize` example)",
                        [summarize, big],
                        hailog=True,
                        wall=True,
                        amount=mb,
                    ),
                    Contender(
                        "floor for a Python reader: json.loads per line, nothing else",
                        [py, PEERS / "py_jsonl.py", big],
                        wall=True,
                        amount=mb,
                    ),
                ],
                note="Whole processes, start-up included; the in-process reader speed is the "
                "criterion bench `cargo bench -p hailog --bench hail`.",
            )
        )
    cli = os.environ.get("BENCH_HAILOG_CLI")
    tree = os.environ.get("BENCH_CLAUDE_TREE")
    ccusage = os.environ.get("BENCH_CCUSAGE")
    if cli and tree and ccusage:
        rows.append(
            Row(
                "6. Import of Claude Code logs (s)",
                "s",
                False,
                [
                    Contender(
                        "hailog import --from claude-code",
                        [cli, "--db", "$TMP/import.db", "import", "--from", "claude-code", "--json", f"{tree}/projects"],
                        hailog=True,
                        wall=True,
                    ),
                    Contender(
                        "ccusage 20.0.24 daily --json",
                        [ccusage, "daily", "--json", "--offline"],
                        env={"CLAUDE_CONFIG_DIR": tree},
                        wall=True,
                    ),
                ],
                note=f"Files: {os.environ.get('BENCH_CLAUDE_DESC', tree)}.",
            )
        )
    return rows


def fmt(v: float) -> str:
    if v >= 1000:
        return f"{v:,.0f}"
    if v >= 10:
        return f"{v:.1f}"
    return f"{v:.3g}"


def render(rows: list, rounds: int, started: str, commit: str) -> str:
    cpu = _cpu()
    lines = [
        BEGIN,
        "## hailog against its peers and the floor (`bench/run`)",
        "",
        f"Measured {started} at commit `{commit}` on {cpu}, {os.cpu_count()} cores, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"Node {_version(['node', '--version'])}, load average at start {os.getloadavg()[0]:.2f}. "
        f"Command: `bench/run` ({rounds} interleaved rounds per process row; median, and "
        "min–max as the spread). Ratio = hailog ÷ peer in the row's unit. Peak RSS is each "
        "process's own.",
        "",
        f"Versions: {_versions()}.",
        "",
    ]
    for row in rows:
        ours = next((c for c in row.contenders if c.hailog and c.values), None)
        lines += [f"### {row.title}", ""]
        lines += [
            "| contender | median | spread | hailog ÷ this | hailog is | peak RSS |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for c in row.contenders:
            if not c.values:
                lines.append(f"| {c.name} | — | — | — | — | failed: {c.error or 'not run'} |")
                continue
            med = statistics.median(c.values)
            ratio = verdict = ""
            if ours and not c.hailog:
                r = statistics.median(ours.values) / med
                ratio = f"{r:.3g}"
                faster = r if row.higher_is_better else 1 / r
                verdict = f"{fmt(faster)}× faster" if faster >= 1 else f"{fmt(1 / faster)}× slower"
            rss = f"{statistics.median(c.rss_kib) / 1024:.0f} MiB" if c.rss_kib else "—"
            lines.append(
                f"| {c.name} | {fmt(med)} {row.unit} | {fmt(min(c.values))}–{fmt(max(c.values))} | {ratio} | {verdict} | {rss} |"
            )
        better = "higher" if row.higher_is_better else "lower"
        lines += ["", f"{better.capitalize()} is better." + (f" {row.note}" if row.note else ""), ""]
    lines.append(END)
    return "\n".join(lines) + "\n"


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version(argv) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
    except OSError:
        return "absent"


def _versions() -> str:
    py = os.environ.get("BENCH_PYTHON", sys.executable)
    probe = (
        "import importlib.metadata as m\n"
        "for p in ('hailog','langfuse','litellm','tokencost','openai'):\n"
        "    try: print(p, m.version(p))\n"
        "    except Exception: print(p, 'absent')\n"
    )
    out = subprocess.run([py, "-c", probe], capture_output=True, text=True).stdout.split("\n")
    parts = [" ".join(x.split()) for x in out if x.strip()]
    parts.append(_version(["rustc", "--version"]))
    return ", ".join(parts)


def write_benchmarks(section: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1].lstrip("\n")
        text = head + section + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small counts, for checking the harness")
    ap.add_argument("--only", default="", help="comma-separated row numbers, e.g. 1,3")
    ap.add_argument("--no-write", action="store_true", help="print instead of editing BENCHMARKS.md")
    args = ap.parse_args()
    args.only = [x.strip() for x in args.only.split(",") if x.strip()]
    started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    commit = _version(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])

    rows = [r for r in process_rows(args) if not args.only or r.title.split(".")[0].rstrip("ab") in args.only]
    measure(rows, args.rounds)
    rows += criterion_rows(args, os.environ.copy())
    rows.sort(key=lambda r: r.title)
    section = render(rows, args.rounds, started, commit)
    results = ROOT / "bench" / "results.json"
    results.write_text(
        json.dumps(
            {
                "started": started,
                "commit": commit,
                "rows": [
                    {
                        "title": r.title,
                        "unit": r.unit,
                        "contenders": [
                            {"name": c.name, "values": c.values, "rss_kib": c.rss_kib, "extra": c.extra, "error": c.error}
                            for c in r.contenders
                        ],
                    }
                    for r in rows
                ],
            },
            indent=1,
        )
        + "\n"
    )
    if args.no_write:
        print(section)
    else:
        write_benchmarks(section)
        print(f"wrote BENCHMARKS.md and {results.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
