"""httpx, imported without its own command-line tool.

httpx's ``__init__`` imports its ``httpx`` command (``httpx/_main.py``, which
loads click, pygments and rich's progress bars) whenever those are installed,
and typer brings all three. kestra-init never runs that command, and the
import costs every command that talks to Kestra 20-40 ms (``import httpx``
measured here: 0.059-0.087 s, 0.042-0.049 s without it). httpx itself falls
back to a placeholder when that import fails (``try: from ._main import main
except ImportError`` in httpx 0.27 and 0.28), so an empty module in its place
is all it takes; nothing else in httpx imports ``_main``.
"""

from __future__ import annotations

import sys
import types

if "httpx" not in sys.modules:
    # An empty module: `from ._main import main` then raises ImportError.
    sys.modules.setdefault("httpx._main", types.ModuleType("httpx._main"))

import httpx  # after the placeholder, on purpose

__all__ = ["httpx"]
