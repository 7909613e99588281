"""Which of the user's edits an update would lose.

Copier's update merges the user's changes with the template's, but a file the
new template no longer makes (an example flow left out with
``--data example_flows=...``) is deleted, edited or not. Here the files an
update changed are compared with what the project's recorded template version
made (a render of it, ``old_render``) and with the committed files (the work
tree was clean before the update, so HEAD is what the user had):

- a deleted file whose committed text differs from the old render was edited:
  the edit would be lost;
- a modified file whose committed text added lines to the old render, and that
  no longer holds those lines (with no conflict marked), was overwritten.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from kestra_init.templating.git import committed_bytes


@dataclass(frozen=True)
class LostEdit:
    path: str  # relative to the project, POSIX style
    how: Literal["deleted", "overwritten"]

    def describe(self) -> str:
        return f"{self.path} ({self.how}, though you had edited it)"


def lost_edits(
    root: Path,
    changes: Sequence[tuple[str, str]],
    conflicts: Sequence[str],
    old_render: Path,
    *,
    skip: Sequence[str] = (),
) -> list[LostEdit]:
    """The user's edits that the update in ``root`` removed, by file."""
    lost: list[LostEdit] = []
    for status, path in changes:
        if path in conflicts or path in skip or status not in ("deleted", "modified"):
            continue
        before = committed_bytes(root, path)
        if before is None:
            continue  # not in the last commit: nothing of the user's to lose
        template_made = _read(old_render / path)
        if before == template_made:
            continue  # the file as the template made it: the template may change it
        if status == "deleted":
            lost.append(LostEdit(path, "deleted"))
            continue
        after = _read(root / path)
        if after is not None and _user_lines_missing(template_made, before, after):
            lost.append(LostEdit(path, "overwritten"))
    return lost


def _user_lines_missing(template_made: bytes | None, before: bytes, after: bytes) -> bool:
    """Whether lines the user added to the template's file are gone after the update."""
    made = _lines(template_made or b"")
    mine = _lines(before)
    now = set(_lines(after))
    matcher = difflib.SequenceMatcher(a=made, b=mine, autojunk=False)
    added = [
        line
        for tag, _i1, _i2, j1, j2 in matcher.get_opcodes()
        if tag in ("insert", "replace")
        for line in mine[j1:j2]
        if line.strip()
    ]
    return any(line not in now for line in added)


def _lines(data: bytes) -> list[str]:
    return data.decode("utf-8", errors="replace").splitlines()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
