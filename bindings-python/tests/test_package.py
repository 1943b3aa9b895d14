"""Packaging: the mixed layout ships its type information and exports what the stub declares."""

from pathlib import Path

import hailog
from hailog import _hailog


def test_package_ships_py_typed_and_stub():
    pkg = Path(hailog.__file__).parent
    assert (pkg / "py.typed").exists()
    assert (pkg / "_hailog.pyi").exists()


def test_native_module_is_private_and_abi3():
    assert _hailog.__name__ == "hailog._hailog"
    assert ".abi3." in Path(_hailog.__file__).name


def test_public_names_resolve():
    for name in hailog.__all__:
        assert hasattr(hailog, name), name
    assert hailog.__version__ == _hailog.__version__
