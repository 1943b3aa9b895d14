"""One runner per hail-spec/vectors suite: reads a case's `input`, calls the public Python API,
and compares with `expected` as the suite's section of hail-spec/vectors/README.md describes."""

from pathlib import Path
from typing import Any, Callable, Dict

Runner = Callable[[Path, Dict[str, Any]], None]

RUNNERS: Dict[str, Runner] = {}
