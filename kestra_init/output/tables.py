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

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from kestra_init.output.console import wrapped_lines

# Below this many columns left for the message, a table is not worth it.
_MIN_MESSAGE_WIDTH = 24
_GAP = 2  # spaces between columns


@dataclass(frozen=True)
class Column:
    header: str
    # Shown in the list layout as "label: value" on its own line ("" = on the first line).
    label: str = ""
    # The column may wrap at spaces (a message; one per table); the others stay on one line.
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
    if sum(column.wraps for column in columns) > 1:
        raise ValueError("a table has at most one column that wraps (its message)")
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
                widths[index], max((cell_len(line) for line in cell.plain.split("\n")), default=0)
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
    """The rows as aligned columns, drawn here rather than by rich's Table.

    ``_fits`` has already settled the layout (every cell whole, one column that
    may wrap at spaces), so what is left is padding: rich's Table would measure
    and wrap every cell again, about 0.2 ms a row (0.4 s for a first sync of
    2,000 flows). Lines carry no trailing spaces, which keeps CI logs clean.
    """
    wrapping = [index for index, column in enumerate(columns) if column.wraps]
    widths = _widths(columns, rows)
    if wrapping:
        fixed = sum(w for index, w in enumerate(widths) if index not in wrapping)
        room = console.width - fixed - _GAP * (len(columns) - 1)
        widths[wrapping[0]] = max(1, min(widths[wrapping[0]], room))
    lines: list[Text] = []
    if title:
        lines.append(Text(title, style="bold"))
    header = [Text(column.header, style="bold") for column in columns]
    for row in [header, *rows]:
        parts = [
            _cell_lines(console, cell, width, column.wraps)
            for cell, width, column in zip(row, widths, columns, strict=True)
        ]
        for depth in range(max(len(part) for part in parts)):
            line = Text()
            for index, (part, width) in enumerate(zip(parts, widths, strict=True)):
                piece = part[depth] if depth < len(part) else Text()
                if index:
                    line.append(" " * _GAP)
                line.append_text(piece)
                line.append(" " * (width - piece.cell_len))
            line.rstrip()
            lines.append(line)
    console.print(Text("\n").join(lines), soft_wrap=True)


def _cell_lines(console: Console, cell: Text, width: int, wraps: bool) -> list[Text]:
    pieces = list(cell.split("\n"))
    if not wraps:
        return pieces
    lines: list[Text] = []
    for piece in pieces:
        if piece.cell_len <= width:
            lines.append(piece)
        else:
            lines.extend(piece.wrap(console, width, overflow="fold"))
    return lines


def _print_blocks(
    console: Console, columns: Sequence[Column], rows: list[list[Text]], title: str
) -> None:
    # Collected, then printed at once: one print per line costs more than the layout.
    lines: list[Text] = []
    if title:
        lines.append(Text(title, style="bold"))
    for row in rows:
        head = Text()
        for column, cell in zip(columns, row, strict=True):
            if column.label or column.wraps or not cell.plain:
                continue
            if head.plain:
                head.append("  ")
            head.append_text(cell)
        lines.append(head)
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
                    lines.extend(wrapped_lines(console.width, line, indent=2))
                else:
                    lines.append(Text("  ") + line)
    console.print(Text("\n").join(lines), soft_wrap=True)
