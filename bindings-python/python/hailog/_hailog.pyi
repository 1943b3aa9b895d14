# Types of the native module hailog._hailog, checked against the built module by
# `python -m mypy.stubtest hailog._hailog`.

from decimal import Decimal
from datetime import datetime
from os import PathLike
from typing import Any, ClassVar, Iterable, Iterator, Optional, Union, final

_Body = Union[str, bytes, bytearray, dict[str, Any], list[Any], Any]

__version__: str
__all__ = [
    "BudgetExceededError",
    "Client",
    "ClosedError",
    "Cost",
    "FlushTimeoutError",
    "HailEvents",
    "HailFile",
    "HailFormatError",
    "HailogError",
    "InvalidInputError",
    "PriceTable",
    "PricingError",
    "Session",
    "StreamParser",
    "StorageError",
    "Usage",
    "UsageParseError",
    "__version__",
    "cost",
    "parse_usage",
    "read_hail",
    "summarize",
    "_panic_for_tests",
    "_raise_for_tests",
]

# Hidden helpers that let the tests prove error mapping and panic safety.
def _panic_for_tests() -> None: ...
def _raise_for_tests(code: str) -> None: ...

class HailogError(Exception):
    code: ClassVar[str]

class InvalidInputError(HailogError, ValueError): ...
class HailFormatError(HailogError, ValueError):
    line: int
    kind: str

class UsageParseError(HailogError, ValueError): ...
class PricingError(HailogError, ValueError):
    kind: str

class StorageError(HailogError): ...
class BudgetExceededError(HailogError): ...
class ClosedError(HailogError): ...
class FlushTimeoutError(HailogError, TimeoutError): ...

@final
class Usage:
    """Token usage of one request in exclusive buckets; None means not reported."""

    def __new__(cls, **buckets: Union[int, str, None]) -> Usage: ...
    @property
    def input(self) -> Optional[int]: ...
    @property
    def cache_read(self) -> Optional[int]: ...
    @property
    def cache_write_5m(self) -> Optional[int]: ...
    @property
    def cache_write_1h(self) -> Optional[int]: ...
    @property
    def output(self) -> Optional[int]: ...
    @property
    def reasoning(self) -> Optional[int]: ...
    @property
    def input_audio(self) -> Optional[int]: ...
    @property
    def input_image(self) -> Optional[int]: ...
    @property
    def output_audio(self) -> Optional[int]: ...
    @property
    def web_search_requests(self) -> Optional[int]: ...
    @property
    def input_total(self) -> Optional[int]: ...
    @property
    def output_total(self) -> Optional[int]: ...
    @property
    def cache_write(self) -> Optional[int]: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def provider(self) -> Optional[str]: ...
    @property
    def response_id(self) -> Optional[str]: ...
    @property
    def finish_reason(self) -> Optional[str]: ...
    @property
    def outcome(self) -> str: ...
    @property
    def error(self) -> Optional[dict[str, Any]]: ...
    @property
    def partial(self) -> bool: ...
    @property
    def reported_cost(self) -> Optional[Decimal]: ...
    @property
    def anomalies(self) -> list[tuple[str, str]]: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...

@final
class StreamParser:
    """Incremental usage parser for a provider stream, fed in chunks split anywhere."""

    def __new__(cls, provider: Optional[str] = None) -> StreamParser: ...
    def feed(self, chunk: Union[bytes, bytearray, str]) -> None: ...
    def feed_event(self, payload: _Body, event: Optional[str] = None) -> None: ...
    def finish(self) -> Usage: ...

def parse_usage(body: _Body, provider: Optional[str] = None) -> Usage: ...

@final
class HailFile:
    """One HAIL file, validated and summarized when opened; iterating streams its events."""

    @property
    def header(self) -> dict[str, Any]: ...
    @property
    def dialect(self) -> str: ...
    @property
    def stats(self) -> Optional[dict[str, Any]]: ...
    @property
    def warnings(self) -> list[dict[str, Any]]: ...
    def computed_stats(self) -> dict[str, Any]: ...
    def summary(self) -> dict[str, Any]: ...
    def canonical_bytes(self) -> bytes: ...
    def __iter__(self) -> HailEvents: ...

@final
class HailEvents:
    def __iter__(self) -> HailEvents: ...
    def __next__(self) -> dict[str, Any]: ...

def read_hail(
    path: Union[str, PathLike[str]],
    *,
    check_duplicate_ids: bool = True,
    max_line_bytes: Optional[int] = None,
    ids_in_memory: Optional[int] = None,
    skip_torn_last_line: bool = False,
) -> HailFile: ...

def summarize(
    events: Iterable[Union[dict[str, Any], str, bytes]],
    *,
    session_id: str = "",
    now: Union[datetime, str, None] = None,
    idle_after_seconds: int = 300,
    done_after_seconds: int = 1800,
) -> dict[str, Any]: ...

_Money = Union[Decimal, int, str, float]
_UsageLike = Union[Usage, dict[str, Any]]
_Time = Union[datetime, str, None]

@final
class Cost:
    """The exact cost of one request; `total` is None when the model is unknown."""

    @property
    def total(self) -> Optional[Decimal]: ...
    @property
    def currency(self) -> str: ...
    @property
    def breakdown(self) -> dict[str, Decimal]: ...
    @property
    def provenance(self) -> str: ...
    @property
    def table_version(self) -> Optional[str]: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def rules(self) -> list[str]: ...
    def to_dict(self) -> dict[str, Any]: ...

@final
class PriceTable:
    """Prices per million tokens: built-in, from a file, from LiteLLM, plus overrides."""

    @staticmethod
    def builtin() -> PriceTable: ...
    @staticmethod
    def load(path: Union[str, PathLike[str]]) -> PriceTable: ...
    @staticmethod
    def load_litellm(path: Union[str, PathLike[str]]) -> PriceTable: ...
    @staticmethod
    def from_json(text: str) -> PriceTable: ...
    def merge(self, other: PriceTable) -> None: ...
    def set(
        self,
        provider: str,
        model: str,
        *,
        input: _Money,
        output: _Money,
        cache_read: Optional[_Money] = None,
        cache_write_5m: Optional[_Money] = None,
        cache_write_1h: Optional[_Money] = None,
        reasoning: Optional[_Money] = None,
        input_audio: Optional[_Money] = None,
        output_audio: Optional[_Money] = None,
        input_image: Optional[_Money] = None,
        web_search_per_1k: Optional[_Money] = None,
        aliases: Optional[list[str]] = None,
    ) -> None: ...
    def cost(
        self,
        model: str,
        usage: _UsageLike,
        *,
        provider: Optional[str] = None,
        at: _Time = None,
        batch: bool = False,
        service_tier: Optional[str] = None,
    ) -> Cost: ...
    @property
    def version(self) -> str: ...
    def __len__(self) -> int: ...

def cost(
    model: str,
    usage: _UsageLike,
    *,
    provider: Optional[str] = None,
    at: _Time = None,
    batch: bool = False,
    service_tier: Optional[str] = None,
    table: Optional[PriceTable] = None,
) -> Cost: ...

@final
class Client:
    """A session ledger over one SQLite file (or ":memory:").

    ``queue_capacity`` bounds what waits for the background writer, counted in events (default
    65,536). A plain LLM call from ``log()`` takes a quarter of an event's room, so four times
    as many calls fit; when the queue is full, ``log()`` waits for room.
    """

    def __new__(
        cls,
        db: Union[str, PathLike[str], None] = None,
        *,
        capture_content: bool = False,
        queue_capacity: Optional[int] = None,
    ) -> Client: ...
    def log(
        self,
        *,
        session_id: str,
        kind: str = "llm_call",
        provider: Optional[str] = None,
        model: Optional[str] = None,
        usage: Optional[_UsageLike] = None,
        response: Optional[_Body] = None,
        latency_ms: Optional[int] = None,
        outcome: str = "ok",
        trace_id: Optional[str] = None,
        agent: Optional[str] = None,
        tool: Optional[str] = None,
        text: Optional[str] = None,
        error: Optional[str] = None,
        event_id: Optional[str] = None,
        timestamp: _Time = None,
        metadata: Optional[dict[str, Any]] = None,
        cost: Optional[Cost] = None,
    ) -> str: ...
    def flush(self, timeout: Optional[float] = None) -> None: ...
    def close(self) -> None: ...
    def summary(self, session_id: str) -> dict[str, Any]: ...
    def status(self, session_id: str, now: _Time = None) -> str: ...
    def end_session(self, session_id: str, notes: Optional[str] = None) -> str: ...
    def acknowledge(self, session_id: str) -> str: ...
    def pause(self, session_id: str, reason: str) -> str: ...
    def resume(self, session_id: str) -> str: ...
    def set_name(self, session_id: str, name: str) -> str: ...
    def add_tag(self, session_id: str, tag: str) -> str: ...
    def set_repo(self, session_id: str, repo: str) -> str: ...
    def add_pull_request(self, session_id: str, url: str) -> str: ...
    def add_commit(self, session_id: str, sha: str) -> str: ...
    def start_session(
        self,
        session_id: str,
        *,
        name: Optional[str] = None,
        agent: Optional[str] = None,
        tags: Optional[list[str]] = None,
        metadata: Optional[dict[str, Any]] = None,
    ) -> str: ...
    def note(self, session_id: str, text: str) -> str: ...
    def set_budget(
        self,
        session_id: str,
        *,
        soft_usd: Optional[_Money] = None,
        hard_usd: Optional[_Money] = None,
    ) -> str: ...
    def check_budget(self, session_id: str) -> dict[str, Any]: ...
    def sessions(
        self,
        *,
        window: Optional[str] = None,
        since: _Time = None,
        until: _Time = None,
        agent: Optional[str] = None,
        status: Optional[str] = None,
        tag: Optional[str] = None,
        repo: Optional[str] = None,
        model: Optional[str] = None,
        sort: str = "last_event",
        limit: Optional[int] = None,
        now: _Time = None,
    ) -> list[dict[str, Any]]: ...
    def stats(
        self, by: str = "model", *, since: _Time = None, until: _Time = None
    ) -> list[dict[str, Any]]: ...
    def export(self, format: str, session_id: str) -> str: ...
    def recover_stale(self, max_age_hours: float, now: _Time = None) -> list[str]: ...
    def session(
        self,
        session_id: str,
        *,
        agent: Optional[str] = None,
        name: Optional[str] = None,
        tags: Optional[list[str]] = None,
        metadata: Optional[dict[str, Any]] = None,
    ) -> Session: ...
    def __enter__(self) -> Client: ...
    def __exit__(self, *_exc: object) -> bool: ...

@final
class Session:
    """One session of a Client: `log`, `note` and `summary` need no id; leaving a `with` block
    ends the session, and an exception inside it is logged as an error event first."""

    @property
    def session_id(self) -> str: ...
    def log(
        self,
        *,
        kind: str = ...,
        provider: Optional[str] = ...,
        model: Optional[str] = ...,
        usage: Optional[_UsageLike] = ...,
        response: Optional[_Body] = ...,
        latency_ms: Optional[int] = ...,
        outcome: str = ...,
        trace_id: Optional[str] = ...,
        agent: Optional[str] = ...,
        tool: Optional[str] = ...,
        text: Optional[str] = ...,
        error: Optional[str] = ...,
        event_id: Optional[str] = ...,
        timestamp: _Time = ...,
        metadata: Optional[dict[str, Any]] = ...,
        cost: Optional[Cost] = ...,
    ) -> str: ...
    def note(self, text: str) -> str: ...
    def summary(self) -> dict[str, Any]: ...
    def __enter__(self) -> Session: ...
    def __exit__(self, exc_type: object, exc: object, _tb: object) -> bool: ...
