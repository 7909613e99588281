"""``pull_project``: the server's flows and namespace files into the project, safely.

1. every flow file is read (``local.read_local``): which file declares each flow;
2. per namespace, one request each for the flows' sources, their revision
   numbers and (``--files``) the namespace files, several namespaces at once;
3. the plan (``plan``): unchanged, behind, only on the server, changed here,
   conflict; the revisions of a flow are read only when its file differs and
   the recorded state cannot tell;
4. after a confirmation, the writes (``apply``), then the state file records
   what both sides now hold.

Nothing is written when a file cannot be read, or when one file declares two
flows that both changed on the server (one file cannot hold both server
sources byte for byte); a conflict is never overwritten without ``--force``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init.errors import Interrupted, UsageError
from kestra_init.project import Project
from kestra_init.services.atomic_files import ProjectPaths
from kestra_init.services.local_flows import Key
from kestra_init.services.pull.apply import refuse_outside, write
from kestra_init.services.pull.local import LocalIndex, read_local
from kestra_init.services.pull.model import PullAction, PullItem, PullOutcome, PullResult
from kestra_init.services.pull.plan import plan_files, plan_flows
from kestra_init.services.sync.apply import in_parallel
from kestra_init.services.sync.plan import server_flows
from kestra_init.services.sync_state import (
    ServerState,
    content_hash,
    load_state,
    source_hash,
)

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

# Asked before writing: gets what is to be written, answers True to go ahead.
ConfirmPull = Callable[[Sequence[PullItem]], bool]


@dataclass(frozen=True)
class PullOptions:
    force: bool = False  # take the server's version over a file changed here
    keep_both: bool = False  # put a conflict's server version beside the file
    dry_run: bool = False
    files: bool = True  # namespace files too


@dataclass(frozen=True)
class _Namespace:
    sources: dict[str, str]
    revisions: dict[str, int]
    files: dict[str, bytes]


def project_namespaces(project: Project, index: LocalIndex) -> list[str]:
    """The namespaces a project uses: its flows', its namespace-files/ folders', its own."""
    found = set(index.namespaces())
    if project.namespace:
        found.add(project.namespace)
    folder = project.namespace_files_dir
    if folder.is_dir():
        found |= {p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")}
    return sorted(found)


def pull_project(
    client: KestraClient,
    project: Project,
    namespaces: Sequence[str] = (),
    *,
    options: PullOptions | None = None,
    confirm: ConfirmPull | None = None,
) -> PullResult:
    """Plan, then write, what the server has that the project's files do not."""
    options = options or PullOptions()
    requests_before = client.requests_made
    index = read_local(project.flows_dir)
    chosen = sorted(set(namespaces)) or project_namespaces(project, index)
    if not chosen:
        raise UsageError(
            "this project names no namespace to pull",
            "pull takes the namespaces of the project's flows, of its namespace-files/ "
            "folders and of its answers file, and none was found.",
            "name them: `kestra-init pull company.team`",
        )
    try:
        read = _read_server(client, chosen, files=options.files)
    except KeyboardInterrupt:
        raise Interrupted(
            "Interrupted while reading the server: nothing was written",
            "pull had not written a single file yet.",
            "run `kestra-init pull` again when you are ready",
        ) from None
    connection = client.connection
    state = load_state(project.root, connection.url, connection.tenant)
    numbers = {(ns, i): n for ns, r in read.items() for i, n in r.revisions.items()}
    result = PullResult(server=connection.url, namespaces=chosen, dry_run=options.dry_run)
    result.flows = plan_flows(
        index,
        {ns: r.sources for ns, r in read.items()},
        numbers,
        state,
        lambda keys: _revisions(client, keys),
    )
    if options.files:
        result.files = plan_files(
            project.namespace_files_dir, {ns: r.files for ns, r in read.items()}, state
        )
    _refuse_two_in_one_file(result.flows, index)
    to_write = [i for i in result.items if _writes(i, options)]
    paths = ProjectPaths(project.root)
    refuse_outside(to_write, paths, index)
    to_write = [i for i in to_write if i.action is not PullAction.REFUSED]
    for item in result.items:
        if item.action is PullAction.CONFLICT and item not in to_write:
            item.outcome = PullOutcome.KEPT  # the file is left exactly as it is
    result.requests = client.requests_made - requests_before
    if options.dry_run:
        for item in to_write:
            item.outcome = PullOutcome.PLANNED
        return result
    if to_write and confirm is not None and not confirm(to_write):
        result.declined = True
        return result
    # Folders are written at once (a file system waits on each new file), the files
    # of one folder in order: new files then get the same names run after run.
    by_folder: dict[Path, list[PullItem]] = {}
    for item in to_write:
        assert item.path is not None
        by_folder.setdefault(item.path.parent, []).append(item)

    def write_folder(folder: Path) -> None:
        for item in by_folder[folder]:
            write(item, index, paths, beside=_beside(item, options))

    try:
        for _folder, _done in in_parallel(write_folder, sorted(by_folder)):
            pass
    finally:
        _record(state, result)
        state.save()
    return result


def _writes(item: PullItem, options: PullOptions) -> bool:
    if item.action in (PullAction.UPDATE, PullAction.CREATE):
        return True
    if item.action is PullAction.CONFLICT:
        return options.force or options.keep_both
    return item.action is PullAction.LOCAL and options.force


def _beside(item: PullItem, options: PullOptions) -> bool:
    return item.action is PullAction.CONFLICT and options.keep_both and not options.force


def _refuse_two_in_one_file(flows: list[PullItem], index: LocalIndex) -> None:
    """One file, two flows changed on the server: nothing is written at all."""
    changed: dict[Path, list[PullItem]] = {}
    for item in flows:
        if item.action in (PullAction.UPDATE, PullAction.CONFLICT) and item.path is not None:
            changed.setdefault(item.path, []).append(item)
    for path, items in changed.items():
        if len(items) > 1:
            names = ", ".join(item.label for item in items)
            raise UsageError(
                f"{path} declares {len(items)} flows that changed on the server ({names}): "
                "nothing was pulled",
                "pull writes a flow's server source into its file byte for byte; one file "
                "cannot hold two server sources that way, and half a pull would leave the "
                "file neither yours nor the server's.",
                "split the file into one file per flow (sync takes any layout), then pull again",
            )


def _read_server(
    client: KestraClient, namespaces: list[str], *, files: bool
) -> dict[str, _Namespace]:
    def read(namespace: str) -> _Namespace:
        sources = server_flows(namespace, client.flow_sources(namespace))
        numbers = {
            str(flow.get("id")): int(flow["revision"])
            for flow in client.namespace_flows(namespace)
            if isinstance(flow.get("revision"), int)
        }
        stored = client.namespace_files(namespace) if files else {}
        return _Namespace(sources, numbers, stored)

    return dict(in_parallel(read, namespaces, grace=0.0))


def _revisions(client: KestraClient, keys: Iterable[Key]) -> Mapping[Key, list[str] | None]:
    def read(key: Key) -> list[str] | None:
        found = client.flow_revisions(*key)
        if found is None:
            return None
        return [str(r["source"]) for r in found if isinstance(r.get("source"), str)]

    return dict(in_parallel(read, list(keys), grace=0.0))


def _record(state: ServerState, result: PullResult) -> None:
    """What both sides now hold: unchanged, and what was written over or into files."""
    done = (PullOutcome.WRITTEN, PullOutcome.FORCED)
    for item in result.items:
        same = item.action is PullAction.UNCHANGED or item.outcome in done
        if not same:
            continue
        if item.kind == "flow":
            state.agree_flow(
                (item.namespace, item.name), source_hash(item.server.decode()), item.revision
            )
        else:
            state.agree_file(item.namespace, item.name, content_hash(item.server))
