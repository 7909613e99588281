"""Where a path really leads, links followed, with each folder resolved once.

``Path.resolve()`` (``os.path.realpath``) makes an lstat for every folder on
the way, for every path: the 2,000 flow files of a project in 20 folders cost
10,000 system calls (120 ms, ``bench/bench_sync_scale.py --project``). A file
that is not a link itself leads where its folder leads, so a ``RealPaths``
resolves each folder once and costs one lstat per file. It remembers folders
for as long as it lives: make one per sync, pull or table, never one per
process, so that a link changed meanwhile (during a watch) is seen.
"""

from __future__ import annotations

import os
from pathlib import Path


class RealPaths:
    def __init__(self) -> None:
        self._folders: dict[str, str] = {}
        self._here = os.getcwd()

    def of(self, path: Path | str) -> str:
        """``os.path.realpath(path)``, relative paths taken from the current folder."""
        absolute = self.absolute(path)
        if os.path.islink(absolute):
            return os.path.realpath(absolute)
        folder, name = os.path.split(absolute)
        return os.path.join(self.folder(folder), name)

    def folder(self, folder: Path | str) -> str:
        """The real folder ``folder`` stands for (it need not exist yet)."""
        absolute = self.absolute(folder)
        real = self._folders.get(absolute)
        if real is None:
            real = self._folders[absolute] = os.path.realpath(absolute)
        return real

    def absolute(self, path: Path | str) -> str:
        """As ``Path.absolute()``: joined to the current folder, nothing normalised."""
        return os.path.join(self._here, path)
