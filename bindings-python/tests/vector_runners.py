"""One runner per hail-spec/vectors suite: reads a case's `input`, calls the public Python API,
and compares with `expected` as the suite's section of hail-spec/vectors/README.md describes."""

from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict

import hailog

Runner = Callable[[Path, Dict[str, Any]], None]


def _usage_from_case(suite_dir: Path, inp: Dict[str, Any]) -> hailog.Usage:
    data = (suite_dir / inp["file"]).read_bytes()
    provider = inp.get("provider")
    mode = inp["mode"]
    if mode == "body":
        return hailog.parse_usage(data, provider=provider)
    parser = hailog.StreamParser(provider=provider)
    if mode == "stream":
        # Odd-sized chunks so events and frames straddle feeds.
        for start in range(0, len(data), 97):
            parser.feed(data[start : start + 97])
    elif mode == "chunks":
        for line in data.split(b"\n"):
            if line:
                parser.feed_event(line)
    else:
        raise AssertionError(f"unknown mode {mode!r}")
    return parser.finish()


def run_usage(suite_dir: Path, case: Dict[str, Any]) -> None:
    usage = _usage_from_case(suite_dir, case["input"])
    mismatches = []
    for key, want in case["expected"].items():
        if key == "error_contains":
            message = (usage.error or {}).get("message") or ""
            if want not in message:
                mismatches.append(f"error message {message!r} lacks {want!r}")
            continue
        got = getattr(usage, key)
        if key == "reported_cost" and want is not None:
            want = Decimal(want)
        if got != want:
            mismatches.append(f"{key}: got {got!r}, expected {want!r}")
    assert not mismatches, "; ".join(mismatches)


RUNNERS: Dict[str, Runner] = {"usage": run_usage}
