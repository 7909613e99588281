"""Tables that never cut a path or a word, at any width, on a terminal or in a log.

A table is drawn only when it fits the console's width with every cell whole
(file names and ids on one line; the last column, a message, may wrap at
spaces). When it does not fit, as at 80 columns with long paths, each row is
printed as a short block instead::

    demo/hello_world  update  applied
      file: flows/hello_world.yml
      Kestra accepted revision 4

Lines are printed whole (``soft_wrap``): a terminal wraps them where it must,
a CI log keeps them as they are, and nothing is ever cut in the middle.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from rich.text import Text

from kestra_init.output.console import print_wrapped

# Below this many columns left for the message, a table is not worth it.
_MIN_MESSAGE_WIDTH = 24
_GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    header: str
    # Shown in the list layout as "label: value" on its own line ("" = on the first line).
    label: str = ""
    # The column may wrap at spaces (a message); every other column stays on one line.
    wraps: bool = False


Cell = Text | str


def print_table(
    console: Console,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Cell]],
    *,
    title: str = "",
) -> None:
    """Print ``rows`` as a table when it fits whole, else as one block per row."""
    cells = [[cell if isinstance(cell, Text) else Text(cell) for cell in row] for row in rows]
    if not cells:
        return
    if _fits(console.width, columns, cells):
        _print_grid(console, columns, cells, title)
    else:
        _print_blocks(console, columns, cells, title)


def _widths(columns: Sequence[Column], rows: list[list[Text]]) -> list[int]:
    widths = [len(column.header) for column in columns]
    for row in rows:
        for index, cell in enumerate(row):
            widths[index] = max(
                widths[index], max((len(line) for line in cell.plain.split("\n")), default=0)
            )
    return widths


def _fits(width: int, columns: Sequence[Column], rows: list[list[Text]]) -> bool:
    widths = _widths(columns, rows)
    fixed = sum(w for w, c in zip(widths, columns, strict=True) if not c.wraps)
    gaps = _GAP * (len(columns) - 1)
    wrapping = [w for w, c in zip(widths, columns, strict=True) if c.wraps]
    if not wrapping:
        return fixed + gaps <= width
    room = width - fixed - gaps
    # The message wraps at spaces; a word longer than its room would be cut in two.
    longest_word = max(
        (
            len(word)
            for row in rows
            for cell, column in zip(row, columns, strict=True)
            if column.wraps
            for word in cell.plain.split()
        ),
        default=0,
    )
    return room >= max(min(_MIN_MESSAGE_WIDTH, max(wrapping)), longest_word)


def _print_grid(
    console: Console, columns: Sequence[Column], rows: list[list[Text]], title: str
) -> None:
    table = Table(
        title=title or None,
        title_justify="left",
        title_style="bold",
        box=None,
        show_edge=False,
        pad_edge=False,
        padding=(0, _GAP // 2),
        header_style="bold",
    )
    for column in columns:
        if column.wraps:
            # fold: wrapped at spaces; _fits made sure no word is longer than the room.
            table.add_column(column.header, overflow="fold", ratio=1)
        else:
            table.add_column(column.header, no_wrap=True, overflow="ignore")
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _print_blocks(
    console: Console, columns: Sequence[Column], rows: list[list[Text]], title: str
) -> None:
    if title:
        console.print(Text(title, style="bold"), soft_wrap=True)
    for row in rows:
        head = Text()
        for column, cell in zip(columns, row, strict=True):
            if column.label or column.wraps or not cell.plain:
                continue
            if head.plain:
                head.append("  ")
            head.append_text(cell)
        console.print(head, soft_wrap=True)
        for column, cell in zip(columns, row, strict=True):
            if not cell.plain or not (column.label or column.wraps):
                continue
            # Each line of a cell on its own indented line, so a block stays a block;
            # a message wraps at spaces, a labelled value (a path) stays on its line.
            for index, part in enumerate(cell.split("\n")):
                line = Text()
                if column.label and index == 0:
                    line.append(f"{column.label}: ", style="dim")
                line.append_text(part)
                if column.wraps:
                    print_wrapped(console, line, indent=2)
                else:
                    console.print(Text("  ") + line, soft_wrap=True)
