"""Runs every case of every hail-spec/vectors suite whose capability the package exposes.

Layout: hail-spec/vectors/README.md. A case listed in `known_failures["python"]` must fail
(strict xfail), so a fix is noticed.
"""

import json
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

from conftest import VECTORS
from vector_runners import RUNNERS


def _suites() -> List[Path]:
    return sorted(p.parent for p in VECTORS.glob("*/cases.json"))


def _cases() -> List[Any]:
    params = []
    for suite_dir in _suites():
        suite = suite_dir.name
        if suite not in RUNNERS:
            continue
        data = json.loads((suite_dir / "cases.json").read_text(encoding="utf-8"))
        for case in data["cases"]:
            marks = []
            reason = (case.get("known_failures") or {}).get("python")
            if reason:
                marks.append(pytest.mark.xfail(reason=reason, strict=True))
            params.append(
                pytest.param(suite_dir, case, id=f"{suite}/{case['name']}", marks=marks)
            )
    return params


@pytest.mark.parametrize(("suite_dir", "case"), _cases())
def test_vector(suite_dir: Path, case: Dict[str, Any]) -> None:
    run: Callable[[Path, Dict[str, Any]], None] = RUNNERS[suite_dir.name]
    run(suite_dir, case)


@pytest.mark.parametrize("suite_dir", _suites(), ids=lambda p: p.name)
def test_suite_is_run_by_python(suite_dir: Path) -> None:
    if suite_dir.name not in RUNNERS:
        pytest.skip(f"suite {suite_dir.name!r}: its capability is not exposed by the Python package")
    data = json.loads((suite_dir / "cases.json").read_text(encoding="utf-8"))
    assert data["suite"] == suite_dir.name
    assert data["cases"], "a suite without cases checks nothing"
