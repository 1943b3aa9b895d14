"""Peer figure for BENCHMARKS.md (Usage parsing): the official `openai` Python SDK decoding the
same kind of long stream the criterion bench `usage` feeds hailog (the gpt-4o-mini Chat capture,
its plain content events repeated to 16 MiB, fed in 16 KiB chunks). Run with an interpreter that
has `openai` installed: `python core/benches/usage_peer_openai.py`."""
import json
import time
from pathlib import Path

from openai._streaming import SSEDecoder
import openai
cap = open(str(Path(__file__).resolve().parents[2] / 'hail-spec/vectors/usage/openai-chat/pai_chat_stream_text_after_tool_gpt-4o-mini.sse'),'rb').read()
events = [e + b"\n\n" for e in cap.split(b"\n\n") if e]
head, middle, tail = events[0], events[1:-1], events[-1:]
plain = [e for e in middle if b'"usage":{' not in e and b'finish_reason":"' not in e]
rest = [e for e in middle if e not in plain]
target = 16 << 20
body = bytearray(head)
while len(body) < target:
    for e in plain:
        body += e
body += b"".join(rest) + b"".join(tail)
body = bytes(body)
chunks = [body[i:i+16384] for i in range(0, len(body), 16384)]
def run(parse_json):
    t = time.perf_counter()
    n = 0
    for sse in SSEDecoder().iter_bytes(iter(chunks)):
        if parse_json and sse.data != "[DONE]":
            json.loads(sse.data)
        n += 1
    return time.perf_counter() - t, n
for pj in (False, True):
    best = min(run(pj)[0] for _ in range(3))
    print(f"openai {openai.__version__} SSEDecoder{' + json.loads per event' if pj else ''}: {len(body)/best/1e6:.1f} MB/s over {len(body)/2**20:.1f} MiB")
