"""fork(): a child never uses or shuts down the parent's recorder. A Client object the child
inherited raises ClosedError naming the fix; the module-level default client is re-opened in the
child on the same database, and the parent's ledger keeps every event of both processes."""

import os
import sys
import textwrap
import subprocess

import pytest

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")

CHILD_SCRIPT = textwrap.dedent(
    """
    import os, signal, sys
    import hailog

    signal.alarm(60)  # a hang in the child fails the test instead of blocking it
    db = sys.argv[1]
    parent_default = hailog.configure(db)
    own = hailog.Client(db)
    hailog.log(session_id="parent", kind="note", text="before fork")
    own.log(session_id="parent", kind="note", text="explicit client")
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            own.log(session_id="child", kind="note", text="must not go through")
            code = 10
        except hailog.ClosedError as e:
            if "fork" not in str(e):
                code = 11
        try:
            parent_default.flush(1)
            code = code or 12
        except hailog.ClosedError:
            pass
        hailog.log(session_id="child", kind="note", text="from the child")
        hailog.flush(30)
        hailog.close()
        own.close()  # harmless in the child: the parent's recorder is left alone
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status), status
    assert os.WEXITSTATUS(status) == 0, os.WEXITSTATUS(status)
    own.log(session_id="parent", kind="note", text="after fork")
    own.flush(30)
    hailog.flush(30)
    assert own.summary("parent")["event_count"] == 3
    assert own.summary("child")["event_count"] == 1
    own.close()
    print("ok")
    """
)


def test_fork_child_gets_its_own_client_and_parent_is_intact(tmp_path):
    # In a subprocess: pytest's own threads make forking the test runner itself unsafe.
    result = subprocess.run(
        [sys.executable, "-c", CHILD_SCRIPT, str(tmp_path / "fork.db")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
