"""The two consoles every command writes to, made on first use.

Results go to standard output; progress, warnings and errors go to standard
error, so ``--json`` output can be piped without noise.
"""

from __future__ import annotations

import json
import sys
from functools import cache

from rich.console import Console


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # rich's default exits with status 1 (our "findings"); raise instead,
        # so that cli.entry.main() ends the command as it does any closed output.
        self.quiet = True
        raise BrokenPipeError


@cache
def out() -> Console:
    return _Console(highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    return _Console(stderr=True, highlight=False)


def print_json(data: object) -> None:
    """Write ``data`` as JSON on standard output, plain (no colour, no wrapping)."""
    json.dump(data, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
