"""One contender of the "usage from a stream" row, in a fresh process.

    python py_stream.py hailog|openai|openai+json

Feeds the same bytes to each: the captured gpt-4o-mini Chat Completions stream with its content
events repeated to 16 MiB, in 16 KiB chunks. hailog's StreamParser returns the usage; the openai
SDK's SSE decoder yields the events (and `openai+json` also decodes each event's JSON, which is
the least a caller must do to find the usage). Prints MB/s.
"""

import json
import sys
import time
from pathlib import Path

CAPTURE = (
    Path(__file__).resolve().parents[2]
    / "hail-spec/vectors/usage/openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse"
)


def stream_bytes(target: int = 16 << 20) -> bytes:
    events = [e + b"\n\n" for e in CAPTURE.read_bytes().split(b"\n\n") if e]
    head, middle, tail = events[0], events[1:-1], events[-1:]
    plain = [e for e in middle if b'"usage":{' not in e and b'finish_reason":"' not in e]
    rest = [e for e in middle if e not in plain]
    body = bytearray(head)
    while len(body) < target:
        for e in plain:
            body += e
    body += b"".join(rest) + b"".join(tail)
    return bytes(body)


def with_hailog(chunks):
    import hailog

    parser = hailog.StreamParser("openai")
    for chunk in chunks:
        parser.feed(chunk)
    usage = parser.finish()
    if usage.output is None:
        raise SystemExit("hailog found no usage")


def with_openai(chunks, decode_json: bool):
    from openai._streaming import SSEDecoder

    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        if decode_json and sse.data != "[DONE]":
            json.loads(sse.data)


def main() -> None:
    which = sys.argv[1]
    body = stream_bytes()
    chunks = [body[i : i + 16384] for i in range(0, len(body), 16384)]
    run = {
        "hailog": with_hailog,
        "openai": lambda c: with_openai(c, False),
        "openai+json": lambda c: with_openai(c, True),
    }[which]
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run(chunks)
        best = min(best, time.perf_counter() - start)
    print(json.dumps({"value": len(body) / best / 1e6, "unit": "MB/s"}))


if __name__ == "__main__":
    main()
