"""``sync_flows``: read the local flows, read the server once per namespace, plan, apply.

The reusable part of `sync` (``up`` calls it with its own client). Requests:
per namespace, one read (the export of its sources) and one write (see
``apply``). A second sync of unchanged files writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kestra_init.errors import DeadlineExceeded, KestraError
from kestra_init.services.local_flows import read_local_flows
from kestra_init.services.sync.apply import Writer, in_parallel
from kestra_init.services.sync.namespace_files import (
    FilePlanEntry,
    plan_files,
    read_namespace_files,
)
from kestra_init.services.sync.plan import Action, PlanEntry, plan_sync, server_flows
from kestra_init.services.sync.results import (
    ConfirmDeletes,
    FileResult,
    FlowResult,
    Outcome,
    ProgressCallback,
    SyncProgress,
    SyncResult,
)

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient


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
    for done, (job, answer) in enumerate(in_parallel(read, jobs), start=1):
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
        for item in result.items:
            if item.action is not Action.UNCHANGED:
                item.message = "not sent: the deletions were declined"
        result.declined = True
        result.requests = client.requests_made - requests_before
        return result

    writer = Writer(client, flow_results, file_results, report)
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
