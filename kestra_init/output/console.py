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
    return _console_class()(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    return _console_class()(stderr=True, highlight=False)


@cache
def _console_class() -> type[Console]:
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            # rich's default exits with status 1 (our "findings"); raise instead,
            # so that cli.main() ends the command as it does any closed output.
            self.quiet = True
            raise BrokenPipeError

    return _Console


def print_json(data: object) -> None:
    """Write ``data`` as JSON on standard output, plain (no colour, no wrapping)."""
    import json
    import sys

    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
