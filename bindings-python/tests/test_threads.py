"""Eight threads parse and price at once (the GIL is released inside the core): every thread
gets the same exact answers, and a shared PriceTable can be changed while others read it."""

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import hailog
from conftest import VECTORS

SSE = (VECTORS / "usage" / "anthropic" / "pai_anth_stream_web_search.sse").read_bytes()


def _work(_):
    parser = hailog.StreamParser()
    for i in range(0, len(SSE), 251):
        parser.feed(SSE[i : i + 251])
    usage = parser.finish()
    return usage, hailog.cost(usage.model, usage).total


def test_eight_threads_get_identical_results():
    expected = _work(0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(_work, range(64)))
    assert all(r == expected for r in results)
    assert isinstance(expected[1], Decimal)


def test_shared_table_set_while_pricing():
    table = hailog.PriceTable.builtin()
    stop = threading.Event()
    errors = []

    def reader():
        while not stop.is_set():
            c = table.cost("gpt-4o", {"input": 1000, "output": 10})
            if c.total is None:
                errors.append("gpt-4o became unpriced")

    threads = [threading.Thread(target=reader) for _ in range(7)]
    for t in threads:
        t.start()
    for i in range(50):
        table.set("acme", f"acme-{i}", input=i + 1, output=1)
    stop.set()
    for t in threads:
        t.join()
    assert not errors
    assert table.cost("acme-49", {"input": 1_000_000}).total == Decimal(50)
