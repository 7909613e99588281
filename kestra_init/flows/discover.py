"""Find flow files and cut them into documents, keeping each one's source text.

Sync sends the text a person wrote, never re-serialised YAML (comments and
layout are what the Kestra UI shows), so documents are cut from the file's text
at document markers rather than parsed and dumped again.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

FLOW_SUFFIXES = (".yml", ".yaml")
# A document marker: `---` at the start of a line, alone or followed by space.
# Inside a block scalar a line at column 0 ends the scalar, so this never cuts
# a scalar in two.
_MARKER_RE = re.compile(r"^---(?:[ \t].*)?$")
_END_RE = re.compile(r"^\.\.\.[ \t]*$")
# A line with something else than spaces and a comment (searched, not split:
# a document is usually kilobytes and the answer comes at its first line).
_CONTENT_LINE_RE = re.compile(r"^[ \t]*[^\s#]", re.M)
_IGNORED_DIRS = {".git", ".venv", "node_modules", "__pycache__"}


@dataclass(frozen=True)
class SourceDocument:
    """One YAML document of a file, as written."""

    path: Path
    index: int  # 0-based position of the document in its file
    first_line: int  # 1-based line of the document's first line in the file
    text: str

    @property
    def is_blank(self) -> bool:
        """Only blank lines and comments."""
        return _CONTENT_LINE_RE.search(self.text) is None


def find_flow_files(paths: Iterable[Path]) -> list[Path]:
    """The .yml/.yaml files named or found under ``paths``, sorted, each once.

    A named file is taken whatever its suffix; folders are searched recursively,
    skipping hidden folders and virtual environments. Nothing found is dropped
    in silence: a folder that cannot be listed, a link to nothing and a
    non-regular entry with a flow suffix are returned too, so that reading them
    (``flows.lint.read_file_text``) turns each into a finding.
    """
    found: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for candidate in _walk(path):
                found.setdefault(candidate, None)
        else:
            found.setdefault(path, None)
    return list(found)


def _walk(root: Path) -> list[Path]:
    """Flow files under ``root``, with folder links followed once.

    Folders are known by (device, inode): a link back to a folder on the way
    down (a loop) or a second way to a folder already searched is not entered
    again, so the walk ends and each file is read once. Real folders are
    searched before linked ones, so a file is found under its own path rather
    than under a link to it.
    """
    found: list[Path] = []
    seen: set[tuple[int, int]] = set()
    pending = [root]
    linked: list[Path] = []
    while pending or linked:
        folder = pending.pop() if pending else linked.pop(0)
        try:
            identity = folder.stat()
            key = (identity.st_dev, identity.st_ino)
            if key in seen:
                continue
            seen.add(key)
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            # Reported when read: "this folder cannot be listed".
            found.append(folder)
            continue
        for entry in entries:
            path = folder / entry.name
            if _is_dir(entry):
                if entry.name not in _IGNORED_DIRS and not entry.name.startswith("."):
                    (linked if entry.is_symlink() else pending).append(path)
            elif entry.name.lower().endswith(FLOW_SUFFIXES):
                # Regular files, and also links to nothing, FIFOs, sockets and
                # devices: reading refuses those with a finding.
                found.append(path)
    return sorted(found)


def _is_dir(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()  # follows links: a linked folder is searched too
    except OSError:
        return False


def split_documents(path: Path, text: str) -> list[SourceDocument]:
    """Cut ``text`` at YAML document markers; blank documents are kept (callers skip them)."""
    # Most files hold one document: skip the line-by-line scan when no line can
    # be a marker (the linter's speed goal counts every millisecond per file).
    if not text.startswith(("---", "...")) and not any(
        marker in text for marker in ("\n---", "\n...", "\r---", "\r...")
    ):
        return [SourceDocument(path, 0, 1, text)]
    documents: list[SourceDocument] = []
    current: list[str] = []
    start = 1
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        bare = line.rstrip("\r\n")
        if _MARKER_RE.match(bare) or _END_RE.match(bare):
            if current:
                documents.append(SourceDocument(path, len(documents), start, "".join(current)))
            current = []
            start = number + 1
            # `--- key: value` starts a document on the marker's own line.
            rest = bare[3:].strip() if bare.startswith("---") else ""
            if rest and not rest.startswith("#"):
                current = [rest + "\n"]
                start = number
            continue
        current.append(line)
    if current or not documents:
        documents.append(SourceDocument(path, len(documents), start, "".join(current)))
    return documents
