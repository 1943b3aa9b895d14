"""One contender of the "cost of one call" row, in a fresh process.

    python py_cost.py hailog|litellm|tokencost N
    python py_cost.py import hailog|litellm|tokencost

The first form prints microseconds per cost computation for gpt-4o with 1200 input tokens (300
of them read from the cache) and 85 output tokens, and the amount each library returns for it;
the second prints how long `import <module>` takes in a fresh interpreter.
"""

import json
import sys
import time

MODEL, INPUT, CACHED, OUTPUT = "gpt-4o", 1200, 300, 85


def hailog_cost():
    import hailog

    usage = {"input": INPUT - CACHED, "cache_read": CACHED, "output": OUTPUT}
    return lambda: hailog.cost(MODEL, usage).total


def litellm_cost():
    import litellm

    def one():
        prompt, completion = litellm.cost_per_token(
            model=MODEL,
            prompt_tokens=INPUT,
            completion_tokens=OUTPUT,
            cache_read_input_tokens=CACHED,
        )
        return prompt + completion

    return one


def tokencost_cost():
    import tokencost

    # tokencost prices a prompt and a completion count; it has no notion of cached tokens.
    def one():
        return tokencost.calculate_cost_by_tokens(
            INPUT, MODEL, "input"
        ) + tokencost.calculate_cost_by_tokens(OUTPUT, MODEL, "output")

    return one


def main() -> None:
    if sys.argv[1] == "import":
        start = time.perf_counter()
        __import__(sys.argv[2])
        print(json.dumps({"value": (time.perf_counter() - start) * 1e3, "unit": "ms"}))
        return
    which, n = sys.argv[1], int(sys.argv[2])
    one = {"hailog": hailog_cost, "litellm": litellm_cost, "tokencost": tokencost_cost}[which]()
    amount = one()  # warm caches and the model lookup
    start = time.perf_counter()
    for _ in range(n):
        one()
    per_call = (time.perf_counter() - start) / n * 1e6
    print(json.dumps({"value": per_call, "unit": "us/call", "amount_usd": str(amount)}))


if __name__ == "__main__":
    main()
