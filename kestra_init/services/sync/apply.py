"""Writing a sync plan to the server, namespace by namespace (several at once).

Requests: per namespace, one bulk write (the namespace endpoint, sent with
``delete=false``). A flow containing ``---`` cannot travel in a bulk body
(Kestra splits it there) and goes alone, as does every flow of a namespace
whose name is one of FlowController's literal routes (``validate``,
``search``...: ``POST /flows/validate`` is the validate route, not that
namespace's bulk update), and every flow of a batch the server refused, so that
the other flows still go through and the refused one is named with the
server's own message. Deletes (``--prune``) are one request per flow: sending
``delete=true`` would also delete any flow created on the server after the
plan was confirmed.

Ctrl-C sends nothing new: no namespace starts, no further request of a
namespace under way is sent; the requests in flight get ``INTERRUPT_GRACE``
seconds to answer, so the summary can say what was applied.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kestra_init.errors import (
    DeadlineExceeded,
    Interrupted,
    KestraApiError,
    KestraError,
    KestraInitError,
)
from kestra_init.kestra.models import LITERAL_FLOW_ROUTES
from kestra_init.services.sync.namespace_files import FilePlanEntry
from kestra_init.services.sync.plan import CHANGES, Action, PlanEntry
from kestra_init.services.sync.results import (
    FileResult,
    FlowResult,
    Outcome,
    ProgressCallback,
    SyncProgress,
    SyncStage,
)

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

PENDING = "pending"
# Namespaces read or written at the same time: enough to hide round trips, few
# enough to be polite to a shared production server.
PARALLEL_NAMESPACES = 4
# Seconds the requests in flight get to answer after Ctrl-C.
INTERRUPT_GRACE = 10.0
_T = TypeVar("_T")
_R = TypeVar("_R")


class _Stopped(Exception):
    """The sync was interrupted between two requests of a namespace."""


def in_parallel(
    work: Callable[[_T], _R],
    items: Sequence[_T],
    *,
    stop: threading.Event | None = None,
    grace: float = INTERRUPT_GRACE,
) -> Iterator[tuple[_T, _R]]:
    """(item, answer) as each finishes; a worker's error is raised when it comes.

    Once ``stop`` is set no new item starts (the caller sets it on an error it
    wants to stop at). The workers are daemon threads, so Ctrl-C in the caller
    never waits for a request to its timeout: ``stop`` is set, the items under
    way get ``grace`` seconds to finish (their answers are still yielded), then
    ``KeyboardInterrupt`` goes on.
    """
    stop = stop or threading.Event()
    todo = list(items)
    if not todo:
        return
    answers: queue.Queue[tuple[_T, _R | None, BaseException | None] | None] = queue.Queue()
    lock = threading.Lock()

    def worker() -> None:
        try:
            while True:
                with lock:
                    if not todo or stop.is_set():
                        return
                    item = todo.pop(0)
                try:
                    answers.put((item, work(item), None))
                except BaseException as error:  # handed to the caller's thread
                    answers.put((item, None, error))
        finally:
            answers.put(None)  # this worker is done

    workers = min(PARALLEL_NAMESPACES, len(todo))
    for _ in range(workers):
        threading.Thread(target=worker, name="kestra-init-sync", daemon=True).start()
    ended = 0
    try:
        while ended < workers:
            answer = answers.get()
            if answer is None:
                ended += 1
                continue
            item, value, error = answer
            if error is not None:
                raise error
            yield item, value  # type: ignore[misc]
    except KeyboardInterrupt:
        stop.set()
        deadline = time.monotonic() + grace
        while ended < workers and time.monotonic() < deadline:
            try:
                answer = answers.get(timeout=0.05)
            except queue.Empty:
                continue
            if answer is None:
                ended += 1
            elif answer[2] is None:
                yield answer[0], answer[1]  # type: ignore[misc]
        raise


class Writer:
    """Applies a plan, namespace by namespace (several at once).

    Each namespace's results are only touched by the thread writing it; progress
    is reported from the calling thread. After the first error, or Ctrl-C, no new
    namespace starts and no further request is sent.
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
        self.stop = threading.Event()
        items: list[FlowResult | FileResult] = [*flows.values(), *files.values()]
        for item in items:
            if item.action in (*CHANGES, Action.DELETE) and item.outcome is Outcome.SKIPPED:
                item.message = PENDING

    def apply(
        self, changes: list[PlanEntry], deletes: list[PlanEntry], file_plan: list[FilePlanEntry]
    ) -> None:
        """Write ``changes`` (creates and updates), ``deletes`` and the changed files."""
        namespaces = sorted(
            {e.namespace for e in changes}
            | {e.namespace for e in deletes}
            | {e.namespace for e in file_plan if e.action is not Action.UNCHANGED}
        )

        def write(namespace: str) -> KestraInitError | None:
            in_flight: list[FlowResult | FileResult] = []
            try:
                self._write_flows(namespace, [e for e in changes if e.namespace == namespace])
                for entry in (e for e in deletes if e.namespace == namespace):
                    self._delete(entry)
                files = [
                    e
                    for e in file_plan
                    if e.namespace == namespace and e.action is not Action.UNCHANGED
                ]
                self._write_files(namespace, files, in_flight)
            except _Stopped:
                return None  # what was not sent stays pending: reported as not sent
            except (KestraError, DeadlineExceeded) as error:
                self.stop.set()
                for result in in_flight:
                    result.outcome, result.message = Outcome.FAILED, error.what
                return error
            return None

        first_error: KestraInitError | None = None
        stream = in_parallel(write, namespaces, stop=self.stop)
        for done, (namespace, error) in enumerate(stream, start=1):
            first_error = first_error or error
            mine: list[FlowResult | FileResult] = [
                *(r for r in self.flows.values() if r.namespace == namespace),
                *(r for r in self.files.values() if r.namespace == namespace),
            ]
            ok = error is None and all(r.outcome is not Outcome.FAILED for r in mine)
            self.report(SyncProgress(SyncStage.WRITE, namespace, done, len(namespaces), ok))
        if first_error is not None:
            raise first_error

    def _send(self) -> None:
        """Called before each request: after Ctrl-C or an error, send nothing new."""
        if self.stop.is_set():
            raise _Stopped

    def _write_flows(self, namespace: str, changes: list[PlanEntry]) -> None:
        bulk = namespace not in LITERAL_FLOW_ROUTES
        together = [e for e in changes if bulk and e.local is not None and e.local.bulk_ok]
        alone = [e for e in changes if e not in together]
        if together:
            self._send()
            try:
                answer = self.client.update_namespace(
                    namespace, [e.local.source for e in together if e.local], delete=False
                )
            except KestraApiError as error:
                if error.status is None or error.status >= 500:
                    self._failed(together, error)
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
            self._send()
            try:
                stored = self.client.put_flow(
                    namespace, entry.id, entry.local.source, exists=entry.action is Action.UPDATE
                )
            except KestraApiError as error:
                if error.status is None or error.status >= 500:
                    self._failed([entry], error)
                    raise
                result.outcome = Outcome.FAILED
                result.message = error.server_message or error.what
            except (KestraError, DeadlineExceeded) as error:
                self._failed([entry], error)
                raise
            else:
                self._done(result, stored.get("revision"))

    def _failed(self, entries: list[PlanEntry], error: KestraInitError) -> None:
        for entry in entries:
            result = self.flows[entry.key]
            result.outcome, result.message = Outcome.FAILED, error.what

    def _delete(self, entry: PlanEntry) -> None:
        result = self.flows[entry.key]
        self._send()
        try:
            existed = self.client.delete_flow(entry.namespace, entry.id)
        except KestraApiError as error:
            if error.status is None or error.status >= 500:
                self._failed([entry], error)
                raise
            result.outcome, result.message = Outcome.FAILED, error.server_message or error.what
        except (KestraError, DeadlineExceeded) as error:
            self._failed([entry], error)
            raise
        else:
            self._done(result, None, "" if existed else "was already gone")

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
        self._send()
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
        """Mark what was never sent; list what was and was not applied in ``error``."""
        everything: list[FlowResult | FileResult] = [*self.flows.values(), *self.files.values()]
        interrupted = isinstance(error, Interrupted)
        for result in everything:
            if result.message == PENDING:
                result.outcome = Outcome.SKIPPED
                result.message = (
                    "not sent: the sync was interrupted"
                    if interrupted
                    else "not sent: the sync stopped at the error"
                )
        lines = []
        for result in everything:
            if result.action in (Action.UNCHANGED, Action.SERVER_ONLY):
                continue
            if result.outcome is Outcome.HELD_BACK:
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
