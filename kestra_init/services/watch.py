"""`sync --watch`: a first sync, then one sync of what each burst of saves touched.

The watcher is ``watchfiles`` (inotify, FSEvents or ReadDirectoryChangesW
under it; its own polling only where those do not work). A burst is the saves
that come less than ``QUIET_MS`` apart (an editor writes, renames and touches a
file in a few milliseconds), at most ``LONGEST_BURST_MS``. Each burst goes
through the sync pipeline (``services.sync.pipeline.sync_flows``) with only
the files it touched: those are read, parsed and checked again, and the
namespaces they use are read and written once each.

What never ends the watch: a file with errors (its diagnostics are shown, its
flows held back until it is fixed), a deleted file (its flows stay on the
server, unless ``--prune``), a server that stops answering (the burst is kept
and sent again with backoff, with whatever was saved meanwhile). Ctrl-C does.

Deletions, with ``--prune`` only (confirmed once, at the start): the first sync
prunes as `sync --prune` does; afterwards a flow is deleted only when the
watch saw its declaration go (its file deleted, or the flow taken out of it),
no file declares it any more, and every flow file of the folder could be read
and parsed; a flow created meanwhile in the UI is never deleted by a save.

An update is held back when the server's copy changed since the last sync or
pull (``sync_state``): a save never overwrites an edit made in Kestra's UI.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kestra_init.errors import (
    DeadlineExceeded,
    Interrupted,
    KestraAuthError,
    KestraError,
    KestraInitError,
)
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.lint_context import LintContext
from kestra_init.services.local_flows import FlowSet, Key, read_flow_set
from kestra_init.services.sync.pipeline import SyncOptions, sync_flows
from kestra_init.services.sync.plan import Action, PlanEntry
from kestra_init.services.sync.results import Outcome, SyncResult
from kestra_init.services.sync_state import load_state
from kestra_init.services.watch_changes import FlowIndex, Touched, WatchedPaths

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

QUIET_MS = 50  # a burst ends after this long without a new change
LONGEST_BURST_MS = 1600  # ... or after this long, however busy the folder is
WAKE_MS = 250  # how often the loop looks whether a retry is due
RETRY_FIRST = 1.0  # seconds before the first retry when the server does not answer
RETRY_LONGEST = 30.0

ConfirmPrune = Callable[[Sequence[PlanEntry]], bool]


class WatchListener(Protocol):
    """What the watch tells as it goes (the output layer prints it)."""

    def synced(self, result: SyncResult, *, first: bool) -> None: ...

    def watching(self, folders: Sequence[Path], *, prune: bool) -> None: ...

    def waiting(self, error: KestraInitError, retry_in: float) -> None: ...

    def recovered(self) -> None: ...

    def gone(self, flows: Sequence[Key], files: Sequence[Path], *, kept: bool) -> None: ...

    def prune_held(self, flows: Sequence[Key], why: str) -> None: ...

    def prune_declined(self) -> None: ...


@dataclass(frozen=True)
class WatchSettings:
    paths: WatchedPaths
    project_root: Path | None
    prune: bool = False
    validate: bool = True
    context: LintContext | None = None


@dataclass
class WatchResult:
    """How a watch ended: what it wrote in all, what failed, what was left unsent."""

    server: str
    bursts: int = 0
    written: int = 0
    failed: int = 0
    not_sent: list[str] = field(default_factory=list)  # touched, never synced (server down)
    first: dict[str, int] = field(default_factory=dict)  # the first sync's counts
    error: KestraInitError | None = None

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK  # Ctrl-C is how a watch ends

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "bursts": self.bursts,
            "written": self.written,
            "failed": self.failed,
            "not_sent": self.not_sent,
            "first_sync": self.first,
        }


class WatchSession:
    """One watch: the first sync, then a sync per burst, until Ctrl-C."""

    def __init__(
        self,
        client: KestraClient,
        settings: WatchSettings,
        listener: WatchListener,
        confirm_prune: ConfirmPrune | None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.listener = listener
        self.confirm_prune = confirm_prune
        self.prune = settings.prune
        self.index = FlowIndex()
        self.pending = Touched()
        self.removed: set[Key] = set()  # declarations that went while watching
        self.first_done = False
        self.retry_at = 0.0
        self.delay = RETRY_FIRST
        self.down = False
        self.result = WatchResult(server=client.connection.url)

    def run(self, *, stop: Any = None) -> WatchResult:
        """Watch until Ctrl-C (or ``stop``, an event, is set); the result says what was done."""
        # watchfiles costs ~40 ms to import (anyio): only a watch needs it.
        import watchfiles

        folders = self.settings.paths.folders()
        changes = watchfiles.watch(
            *folders,
            debounce=LONGEST_BURST_MS,
            step=QUIET_MS,
            rust_timeout=WAKE_MS,
            yield_on_timeout=True,
            stop_event=stop,
        )
        try:
            # The first answer comes once the watcher is in place: a save made
            # during the first sync is then seen, and synced right after it.
            self._take(next(changes, set()))
            self._first_sync()
            self.listener.watching(folders, prune=self.prune)
            for burst in changes:
                self._take(burst)
                if not self._due():
                    continue
                if not self.first_done:
                    self._first_sync()
                elif self.pending or self.removed:
                    self._sync_burst()
        except (KeyboardInterrupt, Interrupted):
            pass
        finally:
            changes.close()
        self.result.not_sent = sorted(
            str(path) for path in (*self.pending.flow_files, *self.pending.removed_files)
        ) + sorted(f"namespace files of {ns}" for ns in self.pending.namespaces)
        return self.result

    # The steps ---------------------------------------------------------------------
    def _take(self, burst: set[tuple[Any, str]]) -> None:
        if burst:
            paths = [Path(path) for _change, path in burst]
            self.pending.merge(self.settings.paths.classify(paths, self.index.files()))

    def _due(self) -> bool:
        return time.monotonic() >= self.retry_at

    def _options(self, *, prune: bool, prunable: frozenset[Key] | None = None) -> SyncOptions:
        root = self.settings.project_root
        guard = None
        if root is not None:
            connection = self.client.connection
            guard = load_state(root, connection.url, connection.tenant).flow_hashes()
        return SyncOptions(
            prune=prune,
            validate=self.settings.validate,
            context=self.settings.context,
            prunable=prunable,
            guard=guard,
        )

    def _first_sync(self) -> None:
        paths = self.settings.paths
        flow_set = read_flow_set(
            [*paths.flow_roots, *paths.flow_files], project_root=self.settings.project_root
        )
        asked = False

        def confirm(entries: Sequence[PlanEntry]) -> bool:
            nonlocal asked
            asked = True
            return self.confirm_prune(entries) if self.confirm_prune else True

        # What is saved while the first sync runs is synced after it, as a burst.
        self.pending = Touched()
        result = self._attempt(
            lambda: sync_flows(
                self.client,
                flow_set,
                namespace_files_dir=paths.namespace_files_dir,
                project_root=self.settings.project_root,
                options=self._options(prune=self.prune),
                confirm=confirm if self.prune else None,
            ),
            first=True,
        )
        if result is None:
            return
        if result.declined:
            self._no_prune()
            self._first_sync()
            return
        if self.prune and not asked and not self._confirm_later():
            self._no_prune()
        self.index.update(flow_set)
        self.first_done = True
        self.result.first = {
            "written": _written(result),
            "failed": _failed(result),
            "unchanged": sum(1 for f in result.flows if f.action is Action.UNCHANGED),
        }

    def _confirm_later(self) -> bool:
        """--prune with nothing to delete at first: asked now, for the deletes to come."""
        return self.confirm_prune is None or self.confirm_prune([])

    def _no_prune(self) -> None:
        self.prune = False
        self.listener.prune_declined()

    def _sync_burst(self) -> None:
        touched, self.pending = self.pending, Touched()
        root = self.settings.project_root
        present = sorted(p for p in touched.flow_files if p.exists() or p.is_symlink())
        gone = sorted(p for p in touched.flow_files if p not in present)
        flow_set = read_flow_set(present, project_root=root) if present else FlowSet([])
        # Who each file declares now: the quick look, or a parse where it cannot tell.
        flow_set.parse([f for f in flow_set.files if None in f.quick], checks=False)
        indexed = set(self.index.files())
        newly = self.index.update(flow_set, gone)
        vanished = [path for path in gone if path.absolute() in indexed]
        if vanished or touched.removed_files:
            files = [*vanished, *sorted(touched.removed_files)]
            self.listener.gone(sorted(newly), files, kept=not self.prune)
        removed = self.removed | newly
        prunable = self._prunable(removed) if self.prune else frozenset()
        if not flow_set.files and not prunable and not touched.namespaces:
            self.removed = set()
            return
        options = replace(
            self._options(prune=bool(prunable), prunable=prunable),
            file_namespaces=frozenset(touched.namespaces),
        )
        files_dir = self.settings.paths.namespace_files_dir if touched.namespaces else None
        result = self._attempt(
            lambda: sync_flows(
                self.client,
                flow_set,
                namespace_files_dir=files_dir,
                project_root=root,
                options=options,
            ),
            first=False,
        )
        if result is None:
            # Sent again at the next try, with whatever is saved meanwhile (a deleted
            # namespace file needs nothing sent: it was said once).
            touched.removed_files.clear()
            self.pending.merge(touched)
            self.removed = removed
            return
        self.removed = set()
        self.result.bursts += 1

    def _prunable(self, removed: set[Key]) -> frozenset[Key]:
        """The flows that went from the files and may be deleted: only with every flow
        file of the folder read and parsed, and none of them declaring it."""
        if not removed:
            return frozenset()
        paths = self.settings.paths
        whole = read_flow_set(
            [*paths.flow_roots, *paths.flow_files], project_root=self.settings.project_root
        )
        # Every file parsed, as `sync --prune` does: a quick look at the top lines of
        # a file that does not parse says too little to delete anything on.
        whole.parse_all(checks=False)
        if not whole.complete:
            unread = sorted({str(p.path) for p in whole.unparsed()})
            self.listener.prune_held(
                sorted(removed),
                ", ".join(unread[:3])
                + (f" and {len(unread) - 3} more" if len(unread) > 3 else "")
                + " could not be read or parsed, so which flows the files declare is not known",
            )
            return frozenset()
        return frozenset(removed - whole.declared())

    def _attempt(self, work: Callable[[], SyncResult], *, first: bool) -> SyncResult | None:
        """Run one sync; None when the server did not answer (a retry is then planned)."""
        try:
            result = work()
        except KestraAuthError as error:
            if first and not self.down:
                raise  # wrong credentials from the start: no retry makes them right
            self._wait(error)
            return None
        except (KestraError, DeadlineExceeded) as error:
            self._wait(error)
            return None
        if self.down:
            self.down = False
            self.delay = RETRY_FIRST
            self.listener.recovered()
        # Counted before it is shown: a Ctrl-C right after the line must not lose it.
        self.result.written += _written(result)
        self.result.failed += _failed(result)
        self.listener.synced(result, first=first)
        if isinstance(result.error, Interrupted):
            raise result.error
        if result.error is not None:
            self._wait(result.error)
            return None
        return result

    def _wait(self, error: KestraInitError) -> None:
        self.down = True
        self.listener.waiting(error, self.delay)
        self.retry_at = time.monotonic() + self.delay
        self.delay = min(self.delay * 2, RETRY_LONGEST)


def _written(result: SyncResult) -> int:
    return sum(1 for item in result.items if item.outcome is Outcome.APPLIED)


def _failed(result: SyncResult) -> int:
    return sum(1 for item in result.items if item.outcome in (Outcome.FAILED, Outcome.HELD_BACK))
