"""`kestra-init sync`: make the server's flows (and namespace files) match the project's.

``sync_flows`` is the reusable part (``up`` calls it with its own client):
read the local flows, read the server's sources once per namespace, plan per
flow, confirm deletes, then apply with one write per namespace.

Requests: per namespace, one read (the export of its sources) and one write
(the bulk namespace endpoint, sent with ``delete=false``). A flow containing
``---`` cannot travel in a bulk body (Kestra splits it there) and goes alone,
as does every flow of a batch the server refused, so that the other flows still
go through and the refused one is named with the server's own message. Deletes
(``--prune``) are one request per flow: sending ``delete=true`` would also
delete any flow created on the server after the plan was confirmed. A second
sync of unchanged files writes nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kestra_init.connection import NO_FLAGS, ConnectionFlags
from kestra_init.errors import (
    DeadlineExceeded,
    KestraApiError,
    KestraError,
    KestraInitError,
    UsageError,
)
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.namespace_files import FilePlanEntry, plan_files, read_namespace_files
from kestra_init.flows.sync_plan import (
    Action,
    LocalProblem,
    PlanEntry,
    plan_sync,
    read_local_flows,
    server_flows,
)

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient


class Outcome(str, Enum):
    APPLIED = "applied"  # the server now has it as planned
    FAILED = "failed"  # the server refused it (see message)
    SKIPPED = "skipped"  # nothing sent: unchanged, not confirmed, or stopped by an error
    PLANNED = "planned"  # --dry-run: would be sent


@dataclass
class FlowResult:
    namespace: str
    id: str
    action: Action
    outcome: Outcome
    path: Path | None = None  # None for a delete: the file is gone
    line: int = 0
    message: str = ""
    revision: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "id": self.id,
            "file": str(self.path) if self.path else None,
            "line": self.line or None,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "message": self.message or None,
            "revision": self.revision,
        }


@dataclass
class FileResult:
    namespace: str
    path: str  # in the namespace, e.g. scripts/x.py
    action: Action
    outcome: Outcome
    file: Path
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "path": self.path,
            "file": str(self.file),
            "action": self.action.value,
            "outcome": self.outcome.value,
            "message": self.message or None,
        }


@dataclass(frozen=True)
class SyncProgress:
    """Reported each time a namespace has been read or written (``stage``).

    ``done`` counts the namespaces finished so far in this stage, out of ``total``.
    """

    stage: str
    namespace: str
    done: int
    total: int


@dataclass
class SyncResult:
    server: str
    flows: list[FlowResult] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    problems: list[LocalProblem] = field(default_factory=list)
    # YAML that is not a flow (compose files, apps, dashboards): left out, no failure.
    skipped: list[LocalProblem] = field(default_factory=list)
    dry_run: bool = False
    # --prune's deletions were declined at the prompt: nothing at all was written.
    declined: bool = False
    requests: int = 0
    # The error that stopped the sync part-way (server failing, unreachable...);
    # its details list what was applied and what was not. Raise it after showing
    # the result.
    error: KestraInitError | None = None

    @property
    def failed(self) -> list[FlowResult | FileResult]:
        return [r for r in [*self.flows, *self.files] if r.outcome is Outcome.FAILED]

    @property
    def exit_code(self) -> ExitCode:
        if self.failed or self.problems:
            return ExitCode.FINDINGS
        return ExitCode.OK

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for item in [*self.flows, *self.files]:
            counts[item.action.value] += 1
        counts["failed"] = len(self.failed)
        return counts

    def as_dict(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "dry_run": self.dry_run,
            "declined": self.declined,
            "flows": [r.as_dict() for r in self.flows],
            "namespace_files": [r.as_dict() for r in self.files],
            "problems": [_problem_dict(p) for p in self.problems],
            "skipped": [_problem_dict(p) for p in self.skipped],
            "summary": self.counts(),
            "requests": self.requests,
            "exit_code": int(self.exit_code),
        }


def _problem_dict(problem: LocalProblem) -> dict[str, Any]:
    return {"file": str(problem.path), "line": problem.line or None, "message": problem.message}


# Asked before deleting: gets the planned deletes, answers True to go ahead.
ConfirmDeletes = Callable[[Sequence[PlanEntry]], bool]
ProgressCallback = Callable[[SyncProgress], None]


def sync_flows(
    client: KestraClient,
    paths: Sequence[Path],
    *,
    namespace_files_dir: Path | None = None,
    prune: bool = False,
    confirm: ConfirmDeletes | None = None,
    dry_run: bool = False,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """Plan, then apply, the flows under ``paths`` (and namespace files) on the server.

    ``confirm`` is asked before anything is deleted; None means yes (``--yes``).
    Errors while reading the server (unreachable, credentials) are raised: nothing
    was written. An error while writing stops the sync; it is returned in
    ``result.error`` with what was and was not applied.
    """
    report = progress or (lambda event: None)
    requests_before = client.requests_made
    local, found = read_local_flows(paths)
    problems = [problem for problem in found if not problem.skipped]
    files: list = []
    if namespace_files_dir is not None:
        files, file_problems = read_namespace_files(namespace_files_dir)
        problems += file_problems
    result = SyncResult(
        server=client.connection.url,
        problems=problems,
        skipped=[problem for problem in found if problem.skipped],
        dry_run=dry_run,
    )

    # Read: one request per namespace for flows, one per namespace for files.
    jobs: list[tuple[str, str]] = [("flows", ns) for ns in sorted({f.namespace for f in local})]
    jobs += [("files", ns) for ns in sorted({item.namespace for item in files})]

    def read(job: tuple[str, str]) -> Any:
        kind, namespace = job
        if kind == "flows":
            return server_flows(namespace, client.flow_sources(namespace))
        return client.namespace_files(namespace)

    stored: dict[str, dict[str, str]] = {}
    stored_files: dict[str, dict[str, bytes]] = {}
    for done, (job, answer) in enumerate(_in_parallel(read, jobs), start=1):
        (stored if job[0] == "flows" else stored_files)[job[1]] = answer
        report(SyncProgress("read", job[1], done, len(jobs)))

    plan = plan_sync(local, stored, prune=prune)
    file_plan = plan_files(files, stored_files)
    flow_results = {entry.key: _flow_result(entry, dry_run) for entry in plan}
    file_results = {(e.namespace, e.path): _file_result(e, dry_run) for e in file_plan}
    result.flows = list(flow_results.values())
    result.files = list(file_results.values())

    deletes = [entry for entry in plan if entry.action is Action.DELETE]
    if dry_run:
        result.requests = client.requests_made - requests_before
        return result
    if deletes and confirm is not None and not confirm(deletes):
        # A "no" stops the whole sync before its first write: applying only the
        # creates and updates would leave a state the user neither saw nor chose.
        for item in [*result.flows, *result.files]:
            if item.action is not Action.UNCHANGED:
                item.message = "not sent: the deletions were declined"
        result.declined = True
        result.requests = client.requests_made - requests_before
        return result

    writer = _Writer(client, flow_results, file_results, report)
    try:
        writer.apply(plan, deletes, file_plan)
    except (KestraError, DeadlineExceeded) as error:
        result.error = writer.stopped_by(error)
    result.requests = client.requests_made - requests_before
    return result


def _flow_result(entry: PlanEntry, dry_run: bool) -> FlowResult:
    changing = entry.action is not Action.UNCHANGED
    outcome = Outcome.PLANNED if dry_run and changing else Outcome.SKIPPED
    local = entry.local
    return FlowResult(
        entry.namespace,
        entry.id,
        entry.action,
        outcome,
        local.path if local else None,
        local.line if local else 0,
    )


def _file_result(entry: FilePlanEntry, dry_run: bool) -> FileResult:
    changing = entry.action is not Action.UNCHANGED
    outcome = Outcome.PLANNED if dry_run and changing else Outcome.SKIPPED
    return FileResult(entry.namespace, entry.path, entry.action, outcome, entry.local.file)


_PENDING = "pending"
# Namespaces read or written at the same time: enough to hide round trips, few
# enough to be polite to a shared production server.
PARALLEL_NAMESPACES = 4
_T = TypeVar("_T")
_R = TypeVar("_R")


def _in_parallel(work: Callable[[_T], _R], items: Sequence[_T]) -> Iterator[tuple[_T, _R]]:
    """(item, answer) as each finishes; the first error is raised once all have stopped."""
    if len(items) <= 1:
        for item in items:
            yield item, work(item)
        return
    with ThreadPoolExecutor(max_workers=min(PARALLEL_NAMESPACES, len(items))) as pool:
        futures = {pool.submit(work, item): item for item in items}
        for future in as_completed(futures):
            yield futures[future], future.result()


class _Writer:
    """Applies a plan, namespace by namespace (several at once).

    Each namespace's results are only touched by the thread writing it; progress
    is reported from the calling thread. After the first error no new namespace
    starts; the ones already under way finish.
    """

    def __init__(
        self,
        client: KestraClient,
        flows: dict[tuple[str, str], FlowResult],
        files: dict[tuple[str, str], FileResult],
        report: ProgressCallback,
    ) -> None:
        self.client = client
        self.flows = flows
        self.files = files
        self.report = report
        self._stop = threading.Event()
        for item in [*flows.values(), *files.values()]:
            if item.action is not Action.UNCHANGED and item.outcome is not Outcome.SKIPPED:
                item.message = _PENDING

    def apply(
        self, plan: list[PlanEntry], deletes: list[PlanEntry], file_plan: list[FilePlanEntry]
    ) -> None:
        namespaces = sorted(
            {e.namespace for e in plan if e.action in (Action.CREATE, Action.UPDATE)}
            | {e.namespace for e in deletes}
            | {e.namespace for e in file_plan if e.action is not Action.UNCHANGED}
        )

        def write(namespace: str) -> KestraInitError | None:
            if self._stop.is_set():
                return None  # its items stay pending: reported as not sent
            changes = [
                e
                for e in plan
                if e.namespace == namespace and e.action in (Action.CREATE, Action.UPDATE)
            ]
            in_flight: list[FlowResult | FileResult] = []
            try:
                self._write_flows(namespace, changes, in_flight)
                for entry in (e for e in deletes if e.namespace == namespace):
                    self._delete(entry, in_flight)
                self._write_files(
                    namespace,
                    [
                        e
                        for e in file_plan
                        if e.namespace == namespace and e.action is not Action.UNCHANGED
                    ],
                    in_flight,
                )
            except (KestraError, DeadlineExceeded) as error:
                self._stop.set()
                for result in in_flight:
                    result.outcome, result.message = Outcome.FAILED, error.what
                return error
            return None

        first_error: KestraInitError | None = None
        for done, (namespace, error) in enumerate(_in_parallel(write, namespaces), start=1):
            first_error = first_error or error
            self.report(SyncProgress("write", namespace, done, len(namespaces)))
        if first_error is not None:
            raise first_error

    def _write_flows(
        self, namespace: str, changes: list[PlanEntry], in_flight: list[FlowResult | FileResult]
    ) -> None:
        together = [e for e in changes if e.local is not None and e.local.bulk_ok]
        alone = [e for e in changes if e not in together]
        if together:
            in_flight[:] = [self.flows[e.key] for e in together]
            try:
                answer = self.client.update_namespace(
                    namespace, [e.local.source for e in together if e.local], delete=False
                )
            except KestraApiError as error:
                if error.status is None or error.status >= 500:
                    raise
                # The server refused the batch (one bad flow is enough, and it may have
                # written the flows before it): send each on its own, so the others go
                # through and the refused one gets the server's message.
                alone = together + alone
            else:
                revisions = {str(f.get("id")): f.get("revision") for f in answer}
                for entry in together:
                    self._done(self.flows[entry.key], revisions.get(entry.id))
        for entry in alone:
            assert entry.local is not None
            result = self.flows[entry.key]
            in_flight[:] = [result]
            try:
                stored = self.client.put_flow(
                    namespace, entry.id, entry.local.source, exists=entry.action is Action.UPDATE
                )
            except KestraApiError as error:
                if error.status is None or error.status >= 500:
                    raise
                result.outcome = Outcome.FAILED
                result.message = error.server_message or error.what
            else:
                self._done(result, stored.get("revision"))
        in_flight.clear()

    def _delete(self, entry: PlanEntry, in_flight: list[FlowResult | FileResult]) -> None:
        result = self.flows[entry.key]
        in_flight[:] = [result]
        try:
            existed = self.client.delete_flow(entry.namespace, entry.id)
        except KestraApiError as error:
            if error.status is None or error.status >= 500:
                raise
            result.outcome, result.message = Outcome.FAILED, error.server_message or error.what
        else:
            self._done(result, None, "" if existed else "was already gone")
        in_flight.clear()

    def _write_files(
        self,
        namespace: str,
        entries: list[FilePlanEntry],
        in_flight: list[FlowResult | FileResult],
    ) -> None:
        if not entries:
            return
        results = [self.files[(e.namespace, e.path)] for e in entries]
        in_flight[:] = list(results)
        try:
            self.client.upload_namespace_files(
                namespace, {e.path: e.local.content for e in entries}
            )
        except KestraApiError as error:
            if error.status is None or error.status >= 500:
                raise
            for result in results:
                result.outcome = Outcome.FAILED
                result.message = error.server_message or error.what
        else:
            for result in results:
                self._done(result, None)
        in_flight.clear()

    @staticmethod
    def _done(result: FlowResult | FileResult, revision: Any, message: str = "") -> None:
        result.outcome = Outcome.APPLIED
        result.message = message
        if isinstance(result, FlowResult) and isinstance(revision, int):
            result.revision = revision

    def stopped_by(self, error: KestraInitError) -> KestraInitError:
        """Mark what was never sent as skipped; list what was and was not applied."""
        everything = [*self.flows.values(), *self.files.values()]
        for result in everything:
            if result.message == _PENDING:
                result.outcome = Outcome.SKIPPED
                result.message = "not sent: the sync stopped at the error"
        lines = []
        for result in everything:
            if result.action is Action.UNCHANGED:
                continue
            if isinstance(result, FlowResult):
                name, where = f"{result.namespace}.{result.id}", result.path
            else:
                name, where = f"{result.namespace}:/{result.path}", result.file
            state = "applied" if result.outcome is Outcome.APPLIED else "NOT applied"
            suffix = f"  ({where})" if where else ""
            lines.append(f"{state:<12}{result.action.value:<8}{name}{suffix}")
        error.details = [*error.details, *lines]
        error.details_title = "What the sync did before it stopped"
        error.fix = (
            (error.fix + "; then ") if error.fix else ""
        ) + "run `kestra-init sync` again: only what still differs is sent"
        return error


def sync(
    *,
    start: Path | None = None,
    paths: Sequence[Path] = (),
    connection_flags: ConnectionFlags = NO_FLAGS,
    prune: bool = False,
    confirm: ConfirmDeletes | None = None,
    dry_run: bool = False,
    namespace_files: bool = True,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """The command: the project's flows/ and namespace-files/ by default, or ``paths``."""
    from kestra_init.kestra.client import KestraClient
    from kestra_init.project import find_project

    project = find_project(start, required=not paths)
    files_dir: Path | None = None
    if paths:
        missing = [path for path in paths if not path.exists()]
        if missing:
            raise UsageError(
                f"{missing[0]} does not exist",
                "sync reads the flow files (.yml, .yaml) named or found in the folders given.",
                "check the path, or run `kestra-init sync` without a path for the project's flows",
            )
    else:
        assert project is not None
        if not project.flows_dir.is_dir():
            raise UsageError(
                f"the project has no {project.flows_dir.name}/ folder",
                f"sync reads the project's flows from {project.flows_dir}.",
                "create it and put flow files in it, or pass the paths of flow files to sync",
            )
        paths = [project.flows_dir]
        if namespace_files:
            files_dir = project.namespace_files_dir
    connection = connection_flags.resolve(project)
    with KestraClient(connection) as client:
        return sync_flows(
            client,
            paths,
            namespace_files_dir=files_dir,
            prune=prune,
            confirm=confirm,
            dry_run=dry_run,
            progress=progress,
        )
