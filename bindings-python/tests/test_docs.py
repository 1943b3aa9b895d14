"""The docs cannot rot: every ```python block of the READMEs runs, and every example under
examples/python runs to a zero exit status."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

READMES = [REPO / "README.md", REPO / "bindings-python" / "README.md"]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _blocks():
    for readme in READMES:
        if readme.exists():
            for i, match in enumerate(BLOCK.finditer(readme.read_text(encoding="utf-8"))):
                yield pytest.param(match.group(1), id=f"{readme.relative_to(REPO)}#{i + 1}")


@pytest.mark.parametrize("code", list(_blocks()))
def test_readme_python_block_runs(code, monkeypatch):
    monkeypatch.chdir(REPO)
    exec(compile(code, "<readme>", "exec"), {"__name__": "__readme__"})


def test_the_package_readme_has_python_blocks():
    assert len(list(_blocks())) >= 4


@pytest.mark.parametrize(
    "example", sorted((REPO / "examples" / "python").glob("*.py")), ids=lambda p: p.name
)
def test_example_runs(example):
    done = subprocess.run(
        [sys.executable, str(example)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip()
