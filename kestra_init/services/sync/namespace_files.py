"""Namespace files: ``namespace-files/<namespace>/...`` in the project, and their plan.

Each folder directly under ``namespace-files/`` is a namespace; the files below
it keep their relative path (``namespace-files/demo/scripts/x.py`` becomes
``/scripts/x.py`` of namespace ``demo``). Hidden files (``.gitkeep``) are not
uploaded. ``_flows/`` is Kestra's own folder and cannot be written.

A file is uploaded when the server has no file at that path or different
bytes. Files on the server that the project does not have are left alone.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterable, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

from kestra_init.services.local_flows import LocalProblem
from kestra_init.services.sync.plan import Action
from kestra_init.services.upload_guard import refused_uploads

_NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
RESERVED_FOLDER = "_flows"


@dataclass(frozen=True)
class LocalFile:
    namespace: str
    path: str  # relative, with "/" separators, e.g. "scripts/x.py"
    file: Path
    content: bytes


@dataclass(frozen=True)
class FilePlanEntry:
    namespace: str
    path: str
    action: Action
    local: LocalFile


# Characters in a name that Kestra stores differently or refuses (kestra.md, 1.0 to 1.3):
# a path's space becomes `+`, and a zip entry holding any of these is refused (422),
# or cut at `#` and `?`. Such a file would be uploaded again on every sync, or not at
# all, so it is refused up front with its name.
UNSAFE_NAME = re.compile(r'[ %\[\]{}|"<>^`#?\\]')
# Larger than any script or data file a flow reads from its namespace; a cap so that a
# device or a runaway file is never read whole into memory.
MAX_FILE_BYTES = 50 * 1024 * 1024


def read_namespace_files(
    root: Path, project_root: Path | None = None, *, namespaces: Set[str] | None = None
) -> tuple[list[LocalFile], list[LocalProblem]]:
    """The files under ``root/<namespace>/``, and each one that cannot be uploaded, and why.

    ``namespaces``: only these folders (the watch reads the ones a save touched).
    """
    files: list[LocalFile] = []
    problems: list[LocalProblem] = []
    if not root.is_dir():
        return files, problems
    candidates: list[tuple[str, str, Path]] = []
    folders = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    if namespaces is not None:
        folders = [p for p in folders if p.name in namespaces]
    for folder in sorted(folders):
        if not _NAMESPACE_RE.match(folder.name):
            problems.append(
                LocalProblem(
                    folder,
                    0,
                    f"is not a namespace name: '{folder.name}' must be lower case letters, "
                    "digits, dots, dashes or underscores",
                )
            )
            continue
        for file, problem in _walk(folder):
            if problem:
                problems.append(LocalProblem(file, 0, problem))
                continue
            relative = file.relative_to(folder)
            if relative.parts[0] == RESERVED_FOLDER:
                problems.append(
                    LocalProblem(
                        file, 0, f"is under {RESERVED_FOLDER}/, Kestra's own folder; move it"
                    )
                )
                continue
            name = relative.as_posix()
            if UNSAFE_NAME.search(name):
                problems.append(
                    LocalProblem(
                        file,
                        0,
                        f"has a name Kestra would change or refuse ({name!r}: a space becomes "
                        '+, and % [ ] { } | " < > ^ ` # ? are refused or cut); rename it with '
                        "letters, digits, dots, dashes and underscores",
                    )
                )
                continue
            candidates.append((folder.name, name, file))
    refused = refused_uploads([file for _ns, _name, file in candidates], project_root)
    for namespace, name, file in candidates:
        if file in refused:
            problems.append(LocalProblem(file, 0, "not uploaded: it " + refused[file]))
            continue
        content = _read(file)
        if isinstance(content, str):
            problems.append(LocalProblem(file, 0, content))
            continue
        files.append(LocalFile(namespace, name, file, content))
    return files, problems


def _walk(folder: Path) -> list[tuple[Path, str]]:
    """(file, "") for each visible file under ``folder``; (path, why) for what is refused.

    Links to folders are not followed (a loop, or a way out of the project);
    links to files are followed, and then checked like any file.
    """
    found: list[tuple[Path, str]] = []
    for current, folders, names in os.walk(folder, followlinks=False):
        here = Path(current)
        for name in sorted(folders):
            if (here / name).is_symlink() and not name.startswith("."):
                found.append(
                    (
                        here / name,
                        "is a link to a folder, which sync does not follow: copy the "
                        "files into the project instead",
                    )
                )
        folders[:] = sorted(d for d in folders if not d.startswith("."))
        found += [(here / name, "") for name in sorted(names) if not name.startswith(".")]
    return found


def _read(file: Path) -> bytes | str:
    """The bytes of a regular file, at most MAX_FILE_BYTES; else why not."""
    try:
        info = file.stat()
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file (a device, a pipe or a socket): not uploaded"
        with file.open("rb") as handle:
            content = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        return f"cannot be read: {error.strerror or error}"
    if len(content) > MAX_FILE_BYTES:
        return f"is larger than {MAX_FILE_BYTES // 1024 // 1024} MB: not uploaded"
    return content


def plan_files(
    local: Iterable[LocalFile], server: Mapping[str, Mapping[str, bytes]]
) -> list[FilePlanEntry]:
    entries = []
    for item in local:
        stored = server.get(item.namespace, {}).get(item.path)
        if stored is None:
            action = Action.CREATE
        elif stored == item.content:
            action = Action.UNCHANGED
        else:
            action = Action.UPDATE
        entries.append(FilePlanEntry(item.namespace, item.path, action, item))
    return entries
