"""Hostile input from Python: SQL, control characters, 1 MiB strings, bytes that are not UTF-8,
lone surrogates, counts near 2**64, deep JSON. Each is refused with a clear error or stored and
read back exactly, and the client keeps working afterwards."""

import json

import pytest

import hailog

SQL = "x'); DROP TABLE events; DELETE FROM sessions WHERE ('1'='1"
MEGABYTE = "\x00\t'\"\\;--é🚀\r\n" * (1 << 16)
# The core's nesting bound for JSON values in an event (hailog::recorder::MAX_JSON_DEPTH).
MAX_JSON_DEPTH = 64


@pytest.fixture
def client(tmp_path):
    with hailog.Client(tmp_path / "hostile.db", capture_content=True) as c:
        yield c


def exported_events(client, session_id):
    export = json.loads(client.export("json", session_id))
    assert export["summary"]["session_id"] == session_id
    return export["events"]


def test_sql_control_characters_and_a_megabyte_are_stored_exactly(client):
    for session in [SQL, "séance ✓ 🚀", "robert\"); --"]:
        client.log(session_id=session, kind="user_message", text=MEGABYTE, metadata={SQL: MEGABYTE})
        client.add_tag(session, SQL)
        client.note(session, MEGABYTE)
    client.flush(timeout=60)
    for session in [SQL, "séance ✓ 🚀", "robert\"); --"]:
        events = exported_events(client, session)
        assert len(events) == 3
        message = next(e for e in events if e["event_type"]["type"] == "UserMessage")
        assert message["content"]["blocks"][0]["text"] == MEGABYTE
        assert message["attributes"][SQL] == MEGABYTE
        assert client.summary(session)["session_id"] == session
    assert client.sessions(tag=SQL)


@pytest.mark.parametrize("bad", ["a\x00b", "a\nb", "\x1b[31mred", "", "s" * 257])
def test_bad_session_ids_are_refused_naming_the_field(client, bad):
    with pytest.raises(hailog.InvalidInputError, match="session_id"):
        client.log(session_id=bad, kind="note", text="x")


def test_invalid_utf8_and_lone_surrogates_are_refused_and_the_client_goes_on(client):
    # Bytes are not a str: a TypeError before anything reaches the core.
    with pytest.raises(TypeError):
        client.log(session_id=b"\xff\xfe", kind="note")  # type: ignore[arg-type]
    # A str holding a lone surrogate (what surrogateescape makes of invalid UTF-8) cannot be
    # encoded as UTF-8: a clear error, not mojibake in the ledger.
    smuggled = b"bot-\xff".decode("utf-8", "surrogateescape")
    for call in [
        lambda: client.log(session_id=smuggled, kind="note"),
        lambda: client.log(session_id="ok", kind="user_message", text=smuggled),
        lambda: client.add_tag("ok", "\ud800"),
        lambda: client.note("ok", "half \udfff"),
        lambda: client.log(session_id="ok", kind="note", metadata={"k": "\ud800"}),
    ]:
        with pytest.raises((UnicodeError, ValueError)):
            call()
    client.log(session_id="ok", kind="note", text="still fine")
    client.flush(timeout=30)
    assert len(exported_events(client, "ok")) == 1


@pytest.mark.parametrize("count", [2**64 - 1, 2**64, 2**100, -1, 10**12 + 1])
def test_token_counts_near_and_past_u64_are_refused(client, count):
    with pytest.raises((ValueError, OverflowError)):
        client.log(session_id="big", model="gpt-4o", usage={"input": count})
    client.flush(timeout=30)
    assert all(row["session_id"] != "big" for row in client.sessions())


def test_deep_json_is_refused_and_shallow_json_is_kept(client):
    def nested(depth):
        value = 1
        for _ in range(depth):
            value = [value]
        return value

    client.log(session_id="deep", kind="note", metadata={"ok": nested(MAX_JSON_DEPTH)})
    for depth in [MAX_JSON_DEPTH + 1, 200, 100_000]:
        with pytest.raises((ValueError, RecursionError)):
            client.log(session_id="deep", kind="note", metadata={"deep": nested(depth)})
    client.flush(timeout=30)
    events = exported_events(client, "deep")
    assert len(events) == 1 and events[0]["attributes"]["ok"] == nested(MAX_JSON_DEPTH)

