"""track_stream over real SDK stream objects decoded from captured SSE bodies (no network):
chunks pass through unchanged, and one llm_call with the stream's usage is logged at its end."""

import json

import pytest
from test_usage import ANTHROPIC_SSE, OPENAI_SSE, sdk_stream

import hailog


def only_event(client, session_id):
    client.flush(timeout=30)
    doc = json.loads(client.export("json", session_id))
    [event] = doc["events"]
    prefix = "hailog."
    return {k[len(prefix):] if k.startswith(prefix) else k: v for k, v in event["attributes"].items()}


def test_openai_stream_passes_chunks_and_logs_usage(tmp_path):
    import openai
    from openai.types.chat import ChatCompletionChunk

    sse = OPENAI_SSE.read_bytes()
    expected = hailog.StreamParser()
    expected.feed(sse)
    usage = expected.finish()
    plain = list(sdk_stream(openai, openai.OpenAI, ChatCompletionChunk, sse))
    with hailog.Client(tmp_path / "o.db") as client:
        stream = sdk_stream(openai, openai.OpenAI, ChatCompletionChunk, sse)
        got = list(hailog.track_stream(stream, session_id="s", client=client, trace_id="t1"))
        assert got == plain and all(isinstance(c, ChatCompletionChunk) for c in got)
        client.flush(timeout=30)
        summary = client.summary("s")
        assert summary["request_count"] == 1 and summary["error_count"] == 0
        assert summary["tokens"]["input"] == usage.input
        assert summary["tokens"]["output"] == usage.output
        assert list(summary["models"]) == [usage.model]
        event = only_event(client, "s")
        assert event["trace_id"] == "t1" and event["latency_ms"] is not None


def test_anthropic_stream_uses_event_names(tmp_path):
    import anthropic
    from anthropic.types import RawMessageStreamEvent

    with hailog.Client(tmp_path / "a.db") as client:
        stream = sdk_stream(anthropic, anthropic.Anthropic, RawMessageStreamEvent, ANTHROPIC_SSE.read_bytes())
        for _ in hailog.track_stream(stream, session_id="a", client=client):
            pass
        client.flush(timeout=30)
        s = client.summary("a")
        assert (s["tokens"]["input"], s["tokens"]["output"]) == (31772, 644)
        assert s["cost_usd"] is not None


def test_stream_that_raises_logs_partial_usage_as_failed(tmp_path):
    import anthropic
    from anthropic.types import RawMessageStreamEvent

    stream = sdk_stream(anthropic, anthropic.Anthropic, RawMessageStreamEvent, ANTHROPIC_SSE.read_bytes())

    def broken():
        for i, event in enumerate(stream):
            if i == 3:
                raise ConnectionError("connection reset")
            yield event

    with hailog.Client(tmp_path / "f.db") as client:
        with pytest.raises(ConnectionError):
            for _ in hailog.track_stream(broken(), session_id="f", client=client):
                pass
        event = only_event(client, "f")
        assert event["outcome"] == "failed"
        assert event["error"] == "ConnectionError: connection reset"
        assert event["usage"]["input"] == 2050  # from message_start; the final count never came
        assert client.summary("f")["error_count"] == 1


def test_caller_stopping_early_is_cancelled(tmp_path):
    chunks = [{"id": "x", "object": "chat.completion.chunk", "model": "gpt-4o-mini", "choices": []}] * 3
    with hailog.Client(tmp_path / "c.db") as client:
        tracked = hailog.track_stream(iter(chunks), session_id="c", client=client)
        assert next(tracked) == chunks[0]
        tracked.close()
        assert only_event(client, "c")["outcome"] == "cancelled"


def test_unreadable_chunks_never_break_the_stream(tmp_path):
    with hailog.Client(tmp_path / "u.db") as client:
        got = list(hailog.track_stream([object(), object()], session_id="u", client=client))
        assert len(got) == 2
        event = only_event(client, "u")
        assert "usage_parse_error" in event
