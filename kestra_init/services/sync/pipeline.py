"""``sync_flows``: the one pipeline of `sync` and `up`: read, compare, check, plan, apply.

1. the flow files, read once (``services.local_flows``), each document's
   namespace and id from a quick look;
2. the server's sources, one request per namespace the files use (and one per
   namespace of namespace files);
3. the documents the server does not already hold as written are parsed and
   checked (``--no-validate``: only parsed); a file with errors is held back,
   its diagnostics shown, the rest applied;
4. the plan: create, update, unchanged, only on the server; with ``--prune``
   a server flow is deleted only when its namespace is in scope, every flow file
   was read and parsed (else pruning is off for the run, and the sync says so)
   and no file declares it;
5. the writes (``apply``). A second sync of unchanged files writes nothing.
"""

from __future__ import annotations

import difflib
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kestra_init.errors import DeadlineExceeded, Interrupted, KestraError
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.rules.files import NOT_A_FLOW
from kestra_init.flows.source_text import comparable
from kestra_init.services.local_flows import FlowFile, FlowSet, Key, LocalProblem
from kestra_init.services.sync.apply import Writer, in_parallel
from kestra_init.services.sync.namespace_files import (
    FilePlanEntry,
    LocalFile,
    plan_files,
    read_namespace_files,
)
from kestra_init.services.sync.plan import CHANGES, Action, PlanEntry, plan_sync, server_flows
from kestra_init.services.sync.results import (
    ConfirmDeletes,
    FileResult,
    FlowResult,
    Outcome,
    ProgressCallback,
    SyncProgress,
    SyncResult,
    SyncStage,
)
from kestra_init.services.sync_state import content_hash, load_state, record_sync, source_hash

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient


CHANGED_ON_SERVER = (
    "not sent: changed on the server since the last sync or pull (an edit in Kestra's UI?); "
    "`kestra-init pull` shows both sides, `kestra-init sync` sends this file over it"
)


@dataclass(frozen=True)
class SyncOptions:
    prune: bool = False  # delete server flows no file declares (when that is safe)
    dry_run: bool = False
    validate: bool = True  # run the linter's rules on what is sent (else only parse)
    # Run them on every file, sent or not (`up` does, with the time the stack takes).
    check_everything: bool = False
    # The linter's context, or what makes it: reading it loads the project's compose
    # file and answers (PyYAML), which a sync with nothing to parse never needs.
    context: LintContext | Callable[[], LintContext] | None = None
    # The watch: only these flows may be deleted (with ``prune``), whatever else
    # the server has that no file declares.
    prunable: frozenset[Key] | None = None
    # The watch: an update is held back when the server's source no longer has
    # the hash it had when last synced or pulled (an edit made in the UI meanwhile).
    guard: Mapping[Key, str] | None = None
    # The watch: the namespace files of these namespaces only.
    file_namespaces: frozenset[str] | None = None


def sync_flows(
    client: KestraClient,
    flow_set: FlowSet,
    *,
    namespace_files_dir: Path | None = None,
    project_root: Path | None = None,
    options: SyncOptions | None = None,
    confirm: ConfirmDeletes | None = None,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """Plan, then apply, ``flow_set`` (and namespace files) on the server.

    ``confirm`` is asked before anything is deleted; None means yes (``--yes``).
    Errors while reading the server (unreachable, credentials) are raised: nothing
    was written. An error while writing, or Ctrl-C, stops the sync; it is returned
    in ``result.error`` with what was and was not applied.
    """
    options = options or SyncOptions()
    report = progress or (lambda event: None)
    requests_before = client.requests_made
    files: list[LocalFile] = []
    file_problems: list[LocalProblem] = []
    if namespace_files_dir is not None:
        files, file_problems = read_namespace_files(
            namespace_files_dir, project_root, namespaces=options.file_namespaces
        )
    reader = _ServerReader(client, report)
    try:
        stored = reader.flows(
            {key[0] for _f, _d, key in flow_set.documents() if key}
            | {key[0] for key in options.prunable or ()}
        )
        _parse_what_needs_it(flow_set, stored, options)
        stored.update(reader.flows({key[0] for key in flow_set.declared()} - set(stored)))
        stored_files = reader.files(sorted({item.namespace for item in files}))
    except KeyboardInterrupt:
        raise Interrupted(
            "Interrupted while reading the server: nothing was written",
            "kestra-init had not sent a single change yet.",
            "run `kestra-init sync` again when you are ready",
        ) from None
    local, problems, skipped = flow_set.flows()
    result = SyncResult(
        server=client.connection.url,
        problems=problems + file_problems,
        skipped=skipped,
        # Not-a-flow findings are the `skipped` list already.
        diagnostics=[d for d in flow_set.diagnostics() if d.rule != NOT_A_FLOW.id],
        dry_run=options.dry_run,
    )
    prune = options.prune
    if prune and not flow_set.complete:
        prune = False
        unread = sorted({str(p.path) for p in flow_set.unparsed()})
        result.prune_disabled = (
            "--prune deleted nothing: "
            + ", ".join(unread[:3])
            + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
            + " could not be read or parsed, so which flows the files declare is not known "
            "(fix the file, then sync again)"
        )
    plan = plan_sync(
        local, stored, prune=prune, declared=flow_set.declared(), prunable=options.prunable
    )
    held = set(flow_set.held_back())
    guarded = _changed_on_server(plan, options.guard)
    flow_results = {
        entry.key: _flow_result(entry, options.dry_run, held, guarded, project_root is not None)
        for entry in plan
    }
    file_plan = plan_files(files, stored_files)
    file_results = {(e.namespace, e.path): _file_result(e, options.dry_run) for e in file_plan}
    result.flows = list(flow_results.values())
    result.files = list(file_results.values())

    changes = [
        e
        for e in plan
        if e.action in CHANGES and e.local and e.local.path not in held and e.key not in guarded
    ]
    deletes = [entry for entry in plan if entry.action is Action.DELETE]
    if options.dry_run:
        result.requests = client.requests_made - requests_before
        return result
    if deletes and confirm is not None and not confirm(deletes):
        # A "no" stops the whole sync before its first write: applying only the
        # creates and updates would leave a state the user neither saw nor chose.
        for item in result.items:
            if item.action in (*CHANGES, Action.DELETE) and item.outcome is Outcome.SKIPPED:
                item.message = "not sent: the deletions were declined"
        result.declined = True
        result.requests = client.requests_made - requests_before
        return result

    writer = Writer(client, flow_results, file_results, report)
    try:
        writer.apply(changes, deletes, file_plan)
    except (KestraError, DeadlineExceeded) as error:
        result.error = writer.stopped_by(error)
    except KeyboardInterrupt:
        writer.stop.set()
        result.error = writer.stopped_by(
            Interrupted(
                "Interrupted: the sync stopped before it was done",
                "Ctrl-C stops sending; what the server had already accepted stays applied "
                "(listed below).",
            )
        )
    result.requests = client.requests_made - requests_before
    if project_root is not None:
        connection = client.connection
        state = load_state(project_root, connection.url, connection.tenant)
        record_sync(state, result)
        state.save()
    return result


def _changed_on_server(plan: list[PlanEntry], guard: Mapping[Key, str] | None) -> set[Key]:
    """The updates that would overwrite a server edit made since the last sync or pull."""
    if not guard:
        return set()
    return {
        entry.key
        for entry in plan
        if entry.action is Action.UPDATE
        and entry.stored is not None
        and entry.key in guard
        and source_hash(entry.stored) != guard[entry.key]
    }


class _ServerReader:
    """Reads the server's flows and files, one request per namespace, several at once."""

    def __init__(self, client: KestraClient, report: ProgressCallback) -> None:
        self.client = client
        self.report = report
        self.stop = threading.Event()
        self.done = 0

    def flows(self, namespaces: set[str]) -> dict[str, dict[str, str]]:
        def read(namespace: str) -> dict[str, str]:
            return server_flows(namespace, self.client.flow_sources(namespace))

        return self._each(sorted(namespaces), read)

    def files(self, namespaces: list[str]) -> dict[str, dict[str, bytes]]:
        return self._each(namespaces, self.client.namespace_files)

    def _each(self, namespaces: list[str], read: Any) -> dict[str, Any]:
        answers: dict[str, Any] = {}
        for namespace, answer in in_parallel(read, namespaces, stop=self.stop, grace=0.0):
            answers[namespace] = answer
            self.done += 1
            self.report(SyncProgress(SyncStage.READ, namespace, len(answers), len(namespaces)))
        return answers


def _parse_what_needs_it(
    flow_set: FlowSet, stored: Mapping[str, Mapping[str, str]], options: SyncOptions
) -> None:
    """Parse, and check, the files that hold something the server does not have as written.

    A document whose text equals the server's source needs no parse: Kestra
    accepted that very text. With ``prune`` every file is parsed anyway (its
    rules run only where something is sent), so that every declared flow is known.
    """
    to_send: list[FlowFile] = []
    unchanged_only: list[FlowFile] = []
    for file in flow_set.files:
        same = [
            key is not None
            and key[1] in stored.get(key[0], {})
            and comparable(stored[key[0]][key[1]]) == comparable(document.text)
            for document, key in zip(file.documents, file.quick, strict=True)
        ]
        (unchanged_only if same and all(same) else to_send).append(file)
    checks = options.validate
    if not to_send and not options.check_everything and not options.prune:
        return
    context = options.context() if callable(options.context) else options.context
    flow_set.parse(to_send, checks=checks, context=context)
    if options.check_everything:
        flow_set.parse(unchanged_only, checks=checks, context=context)
    elif options.prune:
        flow_set.parse(unchanged_only, checks=False, context=context)


def _flow_result(
    entry: PlanEntry, dry_run: bool, held: set[Path], guarded: set[Key], hashed: bool
) -> FlowResult:
    """What the plan means for one flow; ``hashed``: with the source's hash, for the
    project's state file (a sync of a bare folder has none to write)."""
    local = entry.local
    outcome = Outcome.SKIPPED
    message = ""
    diff = None
    if entry.action in (*CHANGES, Action.DELETE):
        if local is not None and local.path in held:
            outcome, message = Outcome.HELD_BACK, "not sent: its file has errors (listed above)"
        elif entry.key in guarded:
            outcome, message = Outcome.HELD_BACK, CHANGED_ON_SERVER
        elif dry_run:
            outcome = Outcome.PLANNED
            if entry.action is Action.UPDATE and local is not None and entry.stored is not None:
                diff = source_diff(entry.stored, local.source, local.path)
    elif entry.action is Action.SERVER_ONLY:
        message = "no file declares it; --prune would delete it"
    return FlowResult(
        entry.namespace,
        entry.id,
        entry.action,
        outcome,
        local.path if local else None,
        local.line if local else 0,
        message=message,
        diff=diff,
        source_hash=source_hash(local.source) if local and hashed else "",
    )


def source_diff(stored: str, local: str, path: Path) -> str:
    """The server's source against the file's, as a unified diff (what an update changes)."""
    lines = difflib.unified_diff(
        comparable(stored).splitlines(keepends=True),
        comparable(local).splitlines(keepends=True),
        fromfile="on the server",
        tofile=str(path),
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _file_result(entry: FilePlanEntry, dry_run: bool) -> FileResult:
    changing = entry.action is not Action.UNCHANGED
    outcome = Outcome.PLANNED if dry_run and changing else Outcome.SKIPPED
    return FileResult(
        entry.namespace,
        entry.path,
        entry.action,
        outcome,
        entry.local.file,
        content_hash=content_hash(entry.local.content),
    )
