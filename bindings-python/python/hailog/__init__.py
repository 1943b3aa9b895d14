"""hailog: an embeddable session and cost ledger for AI agents and bots.

Every call goes straight into the Rust core (``hailog._hailog``); this package only adds the
Python idioms around it.
"""

from hailog import _hailog
from hailog._hailog import *  # noqa: F403  (the native module's __all__ is the public surface)

__all__ = [name for name in _hailog.__all__ if not name.startswith("_") or name == "__version__"]
