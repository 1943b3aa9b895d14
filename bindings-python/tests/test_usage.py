"""parse_usage, StreamParser and Usage over real captures, fed as bytes, str, dict and as the
response and stream objects of the real openai and anthropic SDKs (no network)."""

import json
from decimal import Decimal

import httpx
import pytest

import hailog
from conftest import VECTORS

CAPTURES = VECTORS / "usage"
OPENAI_BODY = CAPTURES / "openai-chat" / "pai_chat_o3-mini_reasoning.json"
ANTHROPIC_BODY = CAPTURES / "anthropic" / "pai_anth_cache_read_and_write_5m.json"
OPENAI_SSE = CAPTURES / "openai-chat" / "pai_chat_stream_text_after_tool_gpt-4o-mini.sse"
ANTHROPIC_SSE = CAPTURES / "anthropic" / "pai_anth_stream_web_search.sse"


def test_body_as_bytes_str_bytearray_and_dict_agree():
    raw = OPENAI_BODY.read_bytes()
    usages = [
        hailog.parse_usage(raw),
        hailog.parse_usage(raw.decode()),
        hailog.parse_usage(bytearray(raw)),
        hailog.parse_usage(json.loads(raw)),
    ]
    assert all(u == usages[0] for u in usages)
    u = usages[0]
    # o3-mini: completion_tokens 87 of which 64 reasoning, so the exclusive output bucket is 23.
    assert (u.input, u.output, u.reasoning, u.output_total) == (7, 23, 64, 87)
    assert u.model == "o3-mini-2025-01-31"
    assert u.provider == "openai"
    assert u.outcome == "ok" and u.partial is False and u.error is None


def test_absent_bucket_is_none_not_zero():
    u = hailog.parse_usage(ANTHROPIC_BODY.read_bytes())
    assert u.reasoning is None
    assert u.to_dict()["reasoning"] is None


def test_real_openai_sdk_response_object():
    from openai.types.chat import ChatCompletion

    raw = OPENAI_BODY.read_bytes()
    obj = ChatCompletion.model_validate_json(raw)
    assert hailog.parse_usage(obj) == hailog.parse_usage(raw)


def test_real_anthropic_sdk_message_object():
    from anthropic.types import Message

    raw = ANTHROPIC_BODY.read_bytes()
    obj = Message.model_validate_json(raw)
    from_sdk = hailog.parse_usage(obj)
    assert from_sdk == hailog.parse_usage(raw)
    assert from_sdk.provider == "anthropic"
    assert from_sdk.cache_read is not None and from_sdk.cache_write_5m is not None




def sdk_stream(sdk, client_class, cast_to, sse: bytes):
    """A real SDK Stream object decoding a captured SSE body through httpx, no network."""
    request = httpx.Request("POST", "https://example.invalid/v1/stream")
    response = httpx.Response(200, content=sse, request=request)
    client = client_class(api_key="test-key", base_url="https://example.invalid")
    return sdk.Stream(cast_to=cast_to, response=response, client=client)


def test_openai_sdk_stream_chunks_fed_as_events():
    import openai
    from openai.types.chat import ChatCompletionChunk

    sse = OPENAI_SSE.read_bytes()
    stream = sdk_stream(openai, openai.OpenAI, ChatCompletionChunk, sse)
    parser = hailog.StreamParser()
    chunks = 0
    for chunk in stream:
        assert isinstance(chunk, ChatCompletionChunk)
        parser.feed_event(chunk)
        chunks += 1
    assert chunks > 1
    from_sdk = parser.finish()
    raw = hailog.StreamParser()
    raw.feed(sse)
    assert from_sdk == raw.finish()
    assert from_sdk.input is not None and from_sdk.output is not None
    assert from_sdk.partial is False


def test_anthropic_sdk_stream_events_fed_as_events():
    import anthropic
    from anthropic.types import RawMessageStreamEvent

    stream = sdk_stream(anthropic, anthropic.Anthropic, RawMessageStreamEvent, ANTHROPIC_SSE.read_bytes())
    parser = hailog.StreamParser()
    for event in stream:
        parser.feed_event(event, event=event.type)
    u = parser.finish()
    assert (u.input, u.output, u.web_search_requests) == (31772, 644, 2)
    assert u.finish_reason == "end_turn" and u.partial is False


def test_stream_cut_short_is_partial():
    sse = ANTHROPIC_SSE.read_bytes()
    parser = hailog.StreamParser(provider="anthropic")
    parser.feed(sse[: len(sse) // 2])
    u = parser.finish()
    assert u.partial is True
    assert u.input == 2050  # message_start; the final count arrives in message_delta


def test_stream_parser_cannot_be_used_after_finish():
    parser = hailog.StreamParser()
    parser.feed(b"data: [DONE]\n\n")
    parser.finish()
    with pytest.raises(hailog.ClosedError):
        parser.feed(b"data: {}\n\n")
    with pytest.raises(hailog.ClosedError):
        parser.finish()


def test_error_body_is_a_failed_usage_not_an_exception():
    u = hailog.parse_usage((CAPTURES / "anthropic" / "pai_anth_error_400.json").read_bytes())
    assert u.outcome == "failed"
    assert u.error is not None and u.error["message"]


def test_malformed_json_says_where():
    with pytest.raises(hailog.UsageParseError, match="byte") as caught:
        hailog.parse_usage(b'{"usage": {"prompt_tokens": 3,,}}')
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "usage_parse"


def test_unknown_provider_name_is_rejected():
    with pytest.raises(hailog.UsageParseError, match="unknown provider"):
        hailog.parse_usage(OPENAI_BODY.read_bytes(), provider="nobody")


def test_wrong_body_type_is_invalid_input():
    with pytest.raises(hailog.InvalidInputError, match="expected str, bytes, dict"):
        hailog.parse_usage(12345)


def test_usage_from_keywords_and_dict():
    u = hailog.Usage(input=100, cache_read=20, output=5, reasoning=7, model="m")
    assert (u.input_total, u.output_total, u.cache_write) == (120, 12, None)
    assert u.to_dict()["cache_write_5m"] is None
    assert u == hailog.Usage(**{"input": 100, "cache_read": 20, "output": 5, "reasoning": 7, "model": "m"})
    assert "input=100" in repr(u)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"input": -1}, "usage.input"),
        ({"output": True}, "bool"),
        ({"outputs": 3}, "unknown key"),
        ({"input": "3"}, "expected an int"),
    ],
)
def test_bad_usage_numbers_are_invalid_input(kwargs, message):
    with pytest.raises(hailog.InvalidInputError, match=message):
        hailog.Usage(**kwargs)


def test_reported_cost_is_an_exact_decimal():
    body = (CAPTURES / "openrouter" / "pai_openrouter_anthropic_cache_read_write.json").read_bytes()
    u = hailog.parse_usage(body)
    assert u.reported_cost == Decimal("0.00219855")
    assert isinstance(u.reported_cost, Decimal)
    assert isinstance(u.to_dict()["reported_cost"], Decimal)
