"""Namespace files: ``namespace-files/<namespace>/...`` in the project, and their plan.

Each folder directly under ``namespace-files/`` is a namespace; the files below
it keep their relative path (``namespace-files/demo/scripts/x.py`` becomes
``/scripts/x.py`` of namespace ``demo``). Hidden files (``.gitkeep``) are not
uploaded. ``_flows/`` is Kestra's own folder and cannot be written.

A file is uploaded when the server has no file at that path or different
bytes. Files on the server that the project does not have are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kestra_init.services.local_flows import LocalProblem
from kestra_init.services.sync.plan import Action

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


def read_namespace_files(root: Path) -> tuple[list[LocalFile], list[LocalProblem]]:
    files: list[LocalFile] = []
    problems: list[LocalProblem] = []
    if not root.is_dir():
        return files, problems
    for folder in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
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
        for file in sorted(folder.rglob("*")):
            relative = file.relative_to(folder)
            if not file.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            if relative.parts[0] == RESERVED_FOLDER:
                problems.append(
                    LocalProblem(
                        file, 0, f"is under {RESERVED_FOLDER}/, Kestra's own folder; move it"
                    )
                )
                continue
            try:
                content = file.read_bytes()
            except OSError as error:
                problems.append(LocalProblem(file, 0, f"cannot be read: {error}"))
                continue
            files.append(LocalFile(folder.name, relative.as_posix(), file, content))
    return files, problems


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
