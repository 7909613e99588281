"""What `pull` has to do: each server flow (and namespace file) against the project's.

For a flow whose source differs from its file:

1. the server still has what both sides last agreed on (``sync_state``): the
   change is here, `sync` sends it, pull leaves it alone (``LOCAL``);
2. the file holds one of the flow's revisions on the server (Kestra keeps them
   all, ``GET /flows/{ns}/{id}/revisions``): the file is behind, and gets the
   server's source (``UPDATE``). When the file still holds what was recorded at
   the last sync or pull, that was a revision of this server's: no need to ask;
3. else both sides changed: a ``CONFLICT``, never overwritten unless asked.

Namespace files have no revisions before Kestra 1.2, so they are told apart
with the recorded hashes alone: a file that still holds what was last synced
or pulled is behind; one that does not, while the server's changed too, is a
conflict.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath

from kestra_init.flows.source_text import comparable, trim
from kestra_init.services.local_flows import Key
from kestra_init.services.pull.local import LocalIndex
from kestra_init.services.pull.model import PullAction, PullItem
from kestra_init.services.sync.namespace_files import RESERVED_FOLDER, UNSAFE_NAME
from kestra_init.services.sync_state import Agreed, ServerState, content_hash, source_hash

# (namespace, id) -> every revision's source, oldest first (None: the flow is gone).
Revisions = Callable[[Iterable[Key]], Mapping[Key, list[str] | None]]


def plan_flows(
    index: LocalIndex,
    server: Mapping[str, Mapping[str, str]],
    revision_numbers: Mapping[Key, int],
    state: ServerState,
    revisions: Revisions,
) -> list[PullItem]:
    """One item per server flow of the namespaces in ``server`` (namespace -> id -> source)."""
    items: list[PullItem] = []
    undecided: list[tuple[PullItem, str]] = []
    for namespace in sorted(server):
        for flow_id, source in sorted(server[namespace].items()):
            key = (namespace, flow_id)
            item, local = _classify(index, key, source, state, revision_numbers.get(key))
            item.revision = revision_numbers.get(key)
            items.append(item)
            if item.action is PullAction.CONFLICT and local is not None:
                undecided.append((item, local))
    if undecided:
        found = revisions([(i.namespace, i.name) for i, _ in undecided])
        for item, local in undecided:
            known = found.get((item.namespace, item.name)) or []
            if comparable(local) in {comparable(source) for source in known}:
                item.action, item.message = PullAction.UPDATE, "behind the server"
    root = index.flows_dir.parent
    for item in items:
        if item.action in (PullAction.UPDATE, PullAction.CONFLICT, PullAction.LOCAL):
            assert item.local is not None and item.path is not None
            shown = _relative(item.path, root)
            item.diff = text_diff(item.local.decode(), item.server.decode(), shown, item)
    return items


def _relative(path: Path, root: Path) -> Path:
    """The path from the project's root, as people name it (and as git shows it)."""
    try:
        return path.absolute().relative_to(root.absolute())
    except ValueError:
        return path


def _newer(agreed: Agreed, revision: int | None) -> bool:
    """The server's revision is past the recorded one (a server whose database was
    replaced numbers from 1 again: then the revisions are asked for after all)."""
    return agreed.revision is None or revision is None or revision > agreed.revision


def _classify(
    index: LocalIndex, key: Key, source: str, state: ServerState, revision: int | None
) -> tuple[PullItem, str | None]:
    """The item, and the document's text when the revisions must decide."""
    namespace, flow_id = key
    declared = index.declared_in(key)
    item = PullItem("flow", namespace, flow_id, PullAction.UNCHANGED, None, source.encode())
    if not declared:
        item.action = PullAction.CREATE
        if index.unidentified:
            item.action = PullAction.REFUSED
            item.message = (
                f"no new file made: {index.unidentified[0]} does not say which flow it is "
                "(fix it, then pull again)"
            )
        return item, None
    if len(declared) > 1:
        where = ", ".join(f"{d.path}:{d.document.first_line}" for d in declared)
        item.path, item.action = declared[0].path, PullAction.REFUSED
        item.message = f"declared in more than one place ({where}): keep one, then pull again"
        return item, None
    declaration = declared[0]
    local = declaration.document.text
    item.path, item.line = declaration.path, declaration.document.first_line
    item.local = trim(local).encode()
    if comparable(local) == comparable(source):
        return item, None
    agreed = state.flow(key)
    if agreed is not None and agreed.sha256 == source_hash(source):
        item.action = PullAction.LOCAL
        item.message = "changed here only: `kestra-init sync` sends it"
        return item, None
    if agreed is not None and agreed.sha256 == source_hash(local) and _newer(agreed, revision):
        # The file still holds what this server held at the last sync or pull: one of
        # its revisions, known without asking for them (one request a flow).
        item.action, item.message = PullAction.UPDATE, "behind the server"
        return item, None
    item.action = PullAction.CONFLICT
    item.message = "changed both here and on the server: not touched (the diff is below)"
    return item, local


def plan_files(
    namespace_files_dir: Path,
    server: Mapping[str, Mapping[str, bytes]],
    state: ServerState,
) -> list[PullItem]:
    """One item per namespace file of the server (namespace -> path -> bytes)."""
    items: list[PullItem] = []
    for namespace in sorted(server):
        for name, content in sorted(server[namespace].items()):
            if name.split("/")[0] == RESERVED_FOLDER:
                continue  # Kestra's own copy of the namespace's flows
            path = namespace_files_dir / namespace / PurePosixPath(name)
            item = PullItem("file", namespace, name, PullAction.UNCHANGED, path, content)
            items.append(item)
            refused = _unsafe_name(name)
            if refused:
                item.action, item.message = PullAction.REFUSED, refused
                continue
            try:
                local = path.read_bytes() if path.exists() else None
            except OSError as error:
                item.action = PullAction.REFUSED
                item.message = f"{path} cannot be read ({error.strerror or error})"
                continue
            item.local = local
            if local is None:
                item.action = PullAction.CREATE
            elif local != content:
                item.action = _file_action(state, namespace, name, local, content)
                item.message = {
                    PullAction.LOCAL: "changed here only: `kestra-init sync` uploads it",
                    PullAction.UPDATE: "behind the server",
                    PullAction.CONFLICT: "changed both here and on the server: not touched",
                }[item.action]
                shown = _relative(path, namespace_files_dir.parent)
                item.diff = _bytes_diff(local, content, shown, item)
    return items


def _file_action(
    state: ServerState, namespace: str, name: str, local: bytes, content: bytes
) -> PullAction:
    agreed = state.file(namespace, name)
    if agreed == content_hash(content):
        return PullAction.LOCAL
    if agreed == content_hash(local):
        return PullAction.UPDATE
    return PullAction.CONFLICT


def _unsafe_name(name: str) -> str:
    """Why a server file's path cannot be a file of the project, or ""."""
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts) or name.startswith("/"):
        return f"not pulled: its path {name!r} would leave namespace-files/"
    if any(part.startswith(".") for part in parts):
        return f"not pulled: {name!r} is hidden, and sync never uploads hidden files"
    if UNSAFE_NAME.search(name):
        return f"not pulled: {name!r} has characters sync refuses in a namespace file's name"
    return ""


def text_diff(local: str, server: str, path: Path, item: PullItem, *, flow: bool = True) -> str:
    """The file against the server's version, as a unified diff (what pulling changes).

    Flows are compared as Kestra keeps them (trimmed, no ``revision:`` line).
    """
    revision = f", revision {item.revision}" if item.revision is not None else ""
    if flow:
        local, server = comparable(local), comparable(server)
    lines = difflib.unified_diff(
        local.splitlines(keepends=True),
        server.splitlines(keepends=True),
        fromfile=str(path) + (f":{item.line}" if item.line > 1 else ""),
        tofile=f"on the server{revision}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _bytes_diff(local: bytes, server: bytes, path: Path, item: PullItem) -> str | None:
    try:
        return text_diff(local.decode("utf-8"), server.decode("utf-8"), path, item, flow=False)
    except UnicodeDecodeError:
        return None  # binary: no line diff to show
