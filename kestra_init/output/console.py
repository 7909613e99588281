"""The two consoles every command writes to, made on first use.

Results go to standard output; progress, warnings and errors go to standard
error, so ``--json`` output can be piped without noise.
"""

from __future__ import annotations

import json
import re
import sys
from functools import cache

from rich.console import Console
from rich.text import Text


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


def print_wrapped(console: Console, text: Text | str, *, indent: int = 0) -> None:
    """Print prose wrapped at spaces to the console's width, never inside a word.

    Rich either folds a long word (a path cut in two) or crops the line; here a
    word longer than the width (a path, a URL) gets a line of its own, whole,
    which a terminal may wrap but a log keeps as it is.
    """
    console.print(
        Text("\n").join(wrapped_lines(console.width, text, indent=indent)), soft_wrap=True
    )


def wrapped_lines(width: int, text: Text | str, *, indent: int = 0) -> list[Text]:
    """``text`` cut at spaces into lines of ``width`` (less ``indent``), words whole."""
    body = Text(text) if isinstance(text, str) else text
    width = max(20, width - indent)
    pad = " " * indent
    lines: list[Text] = []
    for paragraph in body.split("\n"):
        plain = paragraph.plain
        starts = [match.start() for match in re.finditer(r"\S+", plain)]
        ends = [match.end() for match in re.finditer(r"\S+", plain)]
        if not starts:
            lines.append(Text(pad))
            continue
        line_start = starts[0]
        cuts: list[tuple[int, int]] = []
        line_end = ends[0]
        for start, end in zip(starts[1:], ends[1:], strict=True):
            if end - line_start > width:
                cuts.append((line_start, line_end))
                line_start = start
            line_end = end
        cuts.append((line_start, line_end))
        lines.extend(Text(pad) + paragraph[start:end] for start, end in cuts)
    return lines
