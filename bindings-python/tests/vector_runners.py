"""One runner per hail-spec/vectors suite: reads a case's `input`, calls the public Python API,
and compares with `expected` as the suite's section of hail-spec/vectors/README.md describes."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

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


def _matches(got: Any, want: Any) -> bool:
    """JSON `want` against a Python value: dicts compare key by key on the keys `want` lists,
    and exact decimal strings compare as Decimals."""
    if isinstance(want, dict) and isinstance(got, dict):
        return all(_matches(got.get(k), v) for k, v in want.items())
    if isinstance(got, Decimal) and isinstance(want, str):
        return got == Decimal(want)
    return bool(got == want)


def _subset_mismatches(where: str, got: Dict[str, Any], want: Dict[str, Any]) -> List[str]:
    return [
        f"{where}.{key}: got {got.get(key)!r}, expected {value!r}"
        for key, value in want.items()
        if not _matches(got.get(key), value)
    ]


def run_hail(suite_dir: Path, case: Dict[str, Any]) -> None:
    inp, expected = case["input"], case["expected"]
    path = suite_dir / inp["file"]
    options = inp.get("options") or {}
    if "error" in expected:
        with pytest.raises(hailog.HailFormatError) as caught:
            hailog.read_hail(path, **options)
        want = expected["error"]
        assert caught.value.kind == want["kind"], str(caught.value)
        if "line" in want:
            assert caught.value.line == want["line"], str(caught.value)
        return
    f = hailog.read_hail(path, **options)
    mismatches = []
    if "session_id" in expected and f.header["session_id"] != expected["session_id"]:
        mismatches.append(f"session_id: got {f.header['session_id']!r}")
    if "dialect" in expected and f.dialect != expected["dialect"]:
        mismatches.append(f"dialect: got {f.dialect!r}")
    if "summary" in expected:
        mismatches += _subset_mismatches("summary", f.summary(), expected["summary"])
    if "stats" in expected:
        mismatches += _subset_mismatches("stats", f.computed_stats(), expected["stats"])
    if "stats_line" in expected:
        want_line = expected["stats_line"]
        if want_line is None:
            if f.stats is not None:
                mismatches.append(f"stats_line: got {f.stats!r}, expected none")
        else:
            mismatches += _subset_mismatches("stats_line", f.stats or {}, want_line)
    if "warnings" in expected:
        got = [{"line": w["line"], "kind": w["kind"]} for w in f.warnings]
        if got != expected["warnings"]:
            mismatches.append(f"warnings: got {got!r}, expected {expected['warnings']!r}")
    events = list(f)
    if len(events) != f.summary()["event_count"]:
        mismatches.append(f"iterated {len(events)} events")
    if expected.get("canonical") and f.canonical_bytes() != path.read_bytes():
        mismatches.append("canonical rewrite differs from the file")
    assert not mismatches, "; ".join(mismatches)


def run_status(suite_dir: Path, case: Dict[str, Any]) -> None:
    inp, expected = case["input"], case["expected"]
    thresholds = inp.get("thresholds") or {}
    summary = hailog.summarize(
        inp["events"],
        session_id=inp["session_id"],
        now=inp["now"],
        idle_after_seconds=thresholds.get("idle_after_seconds", 300),
        done_after_seconds=thresholds.get("done_after_seconds", 1800),
    )
    mismatches = []
    if summary["status"] != expected["status"]:
        mismatches.append(f"status: got {summary['status']!r}, expected {expected['status']!r}")
    mismatches += _subset_mismatches("summary", summary, expected.get("summary") or {})
    assert not mismatches, "; ".join(mismatches)


def run_pricing(suite_dir: Path, case: Dict[str, Any]) -> None:
    inp, expected = case["input"], case["expected"]
    table = hailog.PriceTable.builtin()
    if "overrides" in inp:
        table.merge(hailog.PriceTable.from_json(json.dumps(inp["overrides"])))
    options = inp.get("options") or {}

    def price() -> hailog.Cost:
        return hailog.cost(inp["model"], inp["usage"], table=table, **options)

    if "error" in expected:
        want = expected["error"]
        # Impossible counts are caught while converting the dict (InvalidInputError), anything
        # else by the cost engine (PricingError); both carry the vector's `kind`.
        with pytest.raises((hailog.PricingError, hailog.InvalidInputError)) as caught:
            price()
        err = caught.value
        for key, value in want.items():
            assert getattr(err, key, None) == value, f"{key}: {err!r}"
        return
    c = price()
    mismatches = []
    want_total = expected.get("total")
    if (c.total is None) != (want_total is None) or (
        want_total is not None and c.total != Decimal(want_total)
    ):
        mismatches.append(f"total: got {c.total!r}, expected {want_total!r}")
    for key in ("provenance", "model"):
        if key in expected and getattr(c, key) != expected[key]:
            mismatches.append(f"{key}: got {getattr(c, key)!r}, expected {expected[key]!r}")
    if "breakdown" in expected:
        want_breakdown = {k: Decimal(v) for k, v in expected["breakdown"].items()}
        got_breakdown = {k: v for k, v in c.breakdown.items() if v != 0}
        if got_breakdown != want_breakdown:
            mismatches.append(f"breakdown: got {got_breakdown!r}, expected {want_breakdown!r}")
    if "rules" in expected and set(c.rules) != set(expected["rules"]):
        mismatches.append(f"rules: got {c.rules!r}, expected {expected['rules']!r}")
    assert not mismatches, "; ".join(mismatches)


RUNNERS: Dict[str, Runner] = {
    "usage": run_usage,
    "hail": run_hail,
    "status": run_status,
    "pricing": run_pricing,
}
