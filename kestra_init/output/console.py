"""The two consoles every command writes to, made on first use.

Results go to standard output; progress, warnings and errors go to standard
error, so ``--json`` output can be piped without noise. rich is imported here
only when something is printed.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@cache
def out() -> Console:
    from rich.console import Console

    return Console(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def print_json(data: object) -> None:
    """Write ``data`` as JSON on standard output, plain (no colour, no wrapping)."""
    import json
    import sys

    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
