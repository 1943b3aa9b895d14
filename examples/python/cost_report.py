"""Prices every captured provider response under hail-spec/vectors/usage and prints a small
report: tokens per bucket and exact cost per response, then the total.

Run from the repository root: python examples/python/cost_report.py
"""

import json
import sys
from decimal import Decimal
from pathlib import Path

import hailog

ROOT = Path(__file__).resolve().parents[2]


def main() -> int:
    cases = json.loads((ROOT / "hail-spec/vectors/usage/cases.json").read_text())["cases"]
    total = Decimal(0)
    unpriced = 0
    for case in cases:
        if case["input"]["mode"] != "body":
            continue
        body = (ROOT / "hail-spec/vectors/usage" / case["input"]["file"]).read_bytes()
        usage = hailog.parse_usage(body, provider=case["input"]["provider"])
        if usage.outcome != "ok" or not usage.model:
            continue
        try:
            cost = hailog.cost(usage.model, usage, provider=usage.provider)
        except hailog.PricingError as err:
            print(f"{case['name']:<44} cannot price: {err}")
            continue
        if cost.total is None:
            unpriced += 1
        else:
            total += cost.total
        shown = "unpriced" if cost.total is None else f"${cost.total}"
        print(f"{case['name']:<44} in={usage.input_total} out={usage.output_total} {shown}")
    print(f"total ${total} ({unpriced} unpriced)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
