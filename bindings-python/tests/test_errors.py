"""The exception hierarchy: one base, bad input is also a ValueError, codes match the core."""

import subprocess
import sys

import pytest

import hailog
from hailog import _hailog

# (class, code, also a ValueError)
KINDS = [
    (hailog.InvalidInputError, "invalid_input", True),
    (hailog.HailFormatError, "hail_format", True),
    (hailog.UsageParseError, "usage_parse", True),
    (hailog.PricingError, "pricing", True),
    (hailog.StorageError, "storage", False),
    (hailog.BudgetExceededError, "budget_exceeded", False),
    (hailog.ClosedError, "closed", False),
    (hailog.FlushTimeoutError, "flush_timeout", False),
]


@pytest.mark.parametrize(("cls", "code", "is_value_error"), KINDS)
def test_core_error_maps_to_its_class(cls, code, is_value_error):
    with pytest.raises(cls) as caught:
        _hailog._raise_for_tests(code)
    err = caught.value
    assert type(err) is cls
    assert isinstance(err, hailog.HailogError)
    assert isinstance(err, ValueError) is is_value_error
    assert err.code == code
    assert str(err)


def test_messages_keep_the_core_detail():
    with pytest.raises(hailog.HailFormatError, match="line 3"):
        _hailog._raise_for_tests("hail_format")
    with pytest.raises(hailog.BudgetExceededError, match="spent 2.5 USD of a hard limit of 2 USD"):
        _hailog._raise_for_tests("budget_exceeded")


def test_flush_timeout_is_a_timeout_error():
    with pytest.raises(TimeoutError):
        _hailog._raise_for_tests("flush_timeout")


def test_bad_input_is_catchable_as_value_error():
    with pytest.raises(ValueError, match="unknown error code"):
        _hailog._raise_for_tests("no-such-code")


def test_classes_present_as_hailog_names():
    for cls, _, _ in KINDS:
        assert cls.__module__ == "hailog"
        assert getattr(hailog, cls.__name__) is cls
        assert issubclass(cls, hailog.HailogError)
    assert hailog.HailogError.__bases__ == (Exception,)


def test_rust_panic_becomes_an_exception_not_a_crash():
    with pytest.raises(BaseException, match="deliberate panic") as caught:
        _hailog._panic_for_tests()
    assert type(caught.value).__name__ == "PanicException"
    # The interpreter and the module keep working after the panic.
    with pytest.raises(hailog.ClosedError):
        _hailog._raise_for_tests("closed")


def test_panic_does_not_abort_the_process():
    code = (
        "from hailog import _hailog\n"
        "try:\n"
        "    _hailog._panic_for_tests()\n"
        "except BaseException as e:\n"
        "    print('caught', type(e).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "caught PanicException"
