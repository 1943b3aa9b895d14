"""Shared paths for the tests."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
VECTORS = REPO / "hail-spec" / "vectors"
FIXTURES_CANDIDATES = [REPO / "shared" / "fixtures", REPO.parent / "shared" / "fixtures"]


@pytest.fixture
def repo() -> Path:
    return REPO
