"""hailog: an embeddable session and cost ledger for AI agents and bots.

Every call goes straight into the Rust core (``hailog._hailog``); this package only adds the
Python idioms around it: a default client for the module-level ``log`` and its flush at exit.
"""

import atexit
import json
import os
import threading
import time
from typing import Any, Iterable, Iterator, Optional, TypeVar

from hailog import _hailog
from hailog._hailog import *  # noqa: F403  (the native module's __all__ is the public surface)
from hailog._hailog import Client, HailogError, StreamParser

__all__ = [name for name in _hailog.__all__ if not name.startswith("_") or name == "__version__"]
__all__ += ["configure", "log", "flush", "close", "track_stream"]

_Chunk = TypeVar("_Chunk")

_default: Optional[Client] = None
_default_args: tuple[Optional[str], dict[str, Any]] = (None, {})
_default_lock = threading.Lock()


def configure(db: Optional[str] = None, *, capture_content: bool = False, **options: Any) -> Client:
    """Sets up the default client used by ``hailog.log`` (closing a previous one)."""
    global _default, _default_args
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = Client(db, capture_content=capture_content, **options)
        _default_args = (db, dict(options, capture_content=capture_content))
        return _default


def _client() -> Client:
    global _default
    client = _default
    if client is None:
        with _default_lock:
            if _default is None:
                db, options = _default_args
                _default = Client(db, **options)
            client = _default
    return client


def log(**fields: Any) -> str:
    """Logs one event with the default client (see ``Client.log``); returns its id."""
    return _client().log(**fields)


def flush(timeout: Optional[float] = None) -> None:
    """Waits until everything logged with the default client is durable."""
    if _default is not None:
        _default.flush(timeout)


def close() -> None:
    """Flushes and closes the default client."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
            _default = None


def track_stream(
    stream: Iterable[_Chunk],
    *,
    session_id: str,
    client: Optional[Client] = None,
    provider: Optional[str] = None,
    **fields: Any,
) -> Iterator[_Chunk]:
    """Wraps an SDK stream (or any iterable of chunks): yields every chunk unchanged and, when
    the stream ends, logs one ``llm_call`` with the usage read from the chunks and the latency.

    If the stream raises, the partial usage is logged with outcome ``failed`` and the exception
    propagates; if the caller stops early, it is logged as ``cancelled``. Chunks the usage parser
    cannot read never break the stream: the parser stops and the reason is kept in the event's
    metadata. ``fields`` go to ``Client.log`` (``model``, ``trace_id``, ``agent``, ...).
    """
    target = client if client is not None else _client()
    parser = StreamParser(provider)
    parse_error: Optional[str] = None
    outcome, error = "ok", None
    started = time.monotonic()
    try:
        for chunk in stream:
            if parse_error is None:
                # Anthropic stream events carry their SSE event name as `.type`.
                name = getattr(chunk, "type", None)
                try:
                    parser.feed_event(chunk, name if isinstance(name, str) else None)
                except HailogError as exc:
                    parse_error = str(exc)
            yield chunk
    except GeneratorExit:
        outcome = "cancelled"
        raise
    except BaseException as exc:
        outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        usage = parser.finish()
        metadata = dict(fields.pop("metadata", None) or {})
        if parse_error is not None:
            metadata["usage_parse_error"] = parse_error
        if outcome == "ok" and usage.outcome != "ok":
            # The provider reported a failure inside the stream (an error event).
            outcome = usage.outcome
            error = json.dumps(usage.error) if usage.error is not None else None
        target.log(
            session_id=session_id,
            provider=provider or usage.provider,
            model=fields.pop("model", None) or usage.model,
            usage=usage,
            latency_ms=int((time.monotonic() - started) * 1000),
            outcome=outcome,
            error=error,
            metadata=metadata or None,
            **fields,
        )


def _after_fork_in_child() -> None:
    """A forked child starts without a default client: the parent's belongs to the parent's
    writer thread, which the child does not have. The next ``hailog.log`` in the child opens its
    own client on the same database (SQLite serialises the two writers)."""
    global _default, _default_lock
    _default_lock = threading.Lock()
    _default = None


atexit.register(close)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
