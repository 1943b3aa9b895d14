# Types of the native module hailog._hailog, checked against the built module by
# `python -m mypy.stubtest hailog._hailog`.

from typing import ClassVar

__version__: str
__all__ = [
    "BudgetExceededError",
    "ClosedError",
    "FlushTimeoutError",
    "HailFormatError",
    "HailogError",
    "InvalidInputError",
    "PricingError",
    "StorageError",
    "UsageParseError",
    "__version__",
    "_panic_for_tests",
    "_raise_for_tests",
]

# Hidden helpers that let the tests prove error mapping and panic safety.
def _panic_for_tests() -> None: ...
def _raise_for_tests(code: str) -> None: ...

class HailogError(Exception):
    code: ClassVar[str]

class InvalidInputError(HailogError, ValueError): ...
class HailFormatError(HailogError, ValueError): ...
class UsageParseError(HailogError, ValueError): ...
class PricingError(HailogError, ValueError): ...
class StorageError(HailogError): ...
class BudgetExceededError(HailogError): ...
class ClosedError(HailogError): ...
class FlushTimeoutError(HailogError, TimeoutError): ...
