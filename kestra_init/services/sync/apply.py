"""Writing a sync plan to the server, namespace by namespace (several at once).

Requests: per namespace, one bulk write (the namespace endpoint, sent with
``delete=false``). A flow containing ``---`` cannot travel in a bulk body
(Kestra splits it there) and goes alone, as does every flow of a batch the
server refused, so that the other flows still go through and the refused one
is named with the server's own message. Deletes (``--prune``) are one request
per flow: sending ``delete=true`` would also delete any flow created on the
server after the plan was confirmed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kestra_init.errors import DeadlineExceeded, KestraApiError, KestraError, KestraInitError
from kestra_init.services.sync.namespace_files import FilePlanEntry
from kestra_init.services.sync.plan import Action, PlanEntry
from kestra_init.services.sync.results import (
    FileResult,
    FlowResult,
    Outcome,
    ProgressCallback,
    SyncProgress,
)

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

PENDING = "pending"
# Namespaces read or written at the same time: enough to hide round trips, few
# enough to be polite to a shared production server.
PARALLEL_NAMESPACES = 4
_T = TypeVar("_T")
_R = TypeVar("_R")


def in_parallel(work: Callable[[_T], _R], items: Sequence[_T]) -> Iterator[tuple[_T, _R]]:
    """(item, answer) as each finishes; the first error is raised once all have stopped."""
    if len(items) <= 1:
        for item in items:
            yield item, work(item)
        return
    with ThreadPoolExecutor(max_workers=min(PARALLEL_NAMESPACES, len(items))) as pool:
        futures = {pool.submit(work, item): item for item in items}
        for future in as_completed(futures):
            yield futures[future], future.result()


class Writer:
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
        items: list[FlowResult | FileResult] = [*flows.values(), *files.values()]
        for item in items:
            if item.action is not Action.UNCHANGED and item.outcome is not Outcome.SKIPPED:
                item.message = PENDING

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
        for done, (namespace, error) in enumerate(in_parallel(write, namespaces), start=1):
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
        everything: list[FlowResult | FileResult] = [*self.flows.values(), *self.files.values()]
        for result in everything:
            if result.message == PENDING:
                result.outcome = Outcome.SKIPPED
                result.message = "not sent: the sync stopped at the error"
        lines = []
        for result in everything:
            if result.action is Action.UNCHANGED:
                continue
            where: Path | None
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
