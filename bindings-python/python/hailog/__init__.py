"""hailog: an embeddable session and cost ledger for AI agents and bots.

Every call goes straight into the Rust core (``hailog._hailog``); this package only adds the
Python idioms around it: a default client for the module-level ``log`` and its flush at exit.
"""

import atexit
import threading
from typing import Any, Optional

from hailog import _hailog
from hailog._hailog import *  # noqa: F403  (the native module's __all__ is the public surface)
from hailog._hailog import Client

__all__ = [name for name in _hailog.__all__ if not name.startswith("_") or name == "__version__"]
__all__ += ["configure", "log", "flush", "close"]

_default: Optional[Client] = None
_default_lock = threading.Lock()


def configure(db: Optional[str] = None, *, capture_content: bool = False, **options: Any) -> Client:
    """Sets up the default client used by ``hailog.log`` (closing a previous one)."""
    global _default
    with _default_lock:
        if _default is not None:
            _default.close()
        _default = Client(db, capture_content=capture_content, **options)
        return _default


def _client() -> Client:
    global _default
    client = _default
    if client is None:
        with _default_lock:
            if _default is None:
                _default = Client()
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


atexit.register(close)
