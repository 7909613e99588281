"""What a sync did, flow by flow and file by file, and its summary.

``SyncResult`` is returned by ``pipeline.sync_flows`` and by the `sync`
command; the output layer renders it and its ``to_json`` is the ``data`` of
`sync --json`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from kestra_init.errors import KestraInitError
from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Diagnostic
from kestra_init.services.local_flows import LocalProblem
from kestra_init.services.sync.plan import Action, PlanEntry


class Outcome(str, Enum):
    APPLIED = "applied"  # the server now has it as planned
    FAILED = "failed"  # the server refused it (see message)
    SKIPPED = "skipped"  # nothing sent: unchanged, not confirmed, or stopped by an error
    PLANNED = "planned"  # --dry-run: would be sent
    HELD_BACK = "held back"  # not sent: its file has errors (shown with the diagnostics)


class SyncStage(str, Enum):
    READ = "read"
    WRITE = "write"


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
    # --dry-run of an update: the server's source against the file, as a unified diff.
    diff: str | None = None
    # The hash of the file's source (``sync_state.source_hash``), "" for a delete:
    # what both sides hold once it is applied (or when it is unchanged).
    source_hash: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            "id": self.id,
            "file": str(self.path) if self.path else None,
            "line": self.line or None,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "message": self.message or None,
            "revision": self.revision,
            "diff": self.diff,
        }


@dataclass
class FileResult:
    namespace: str
    path: str  # in the namespace, e.g. scripts/x.py
    action: Action
    outcome: Outcome
    file: Path
    message: str = ""
    content_hash: str = ""  # of the local bytes: what both sides hold once applied

    def to_json(self) -> dict[str, Any]:
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

    stage: SyncStage
    namespace: str
    done: int
    total: int
    ok: bool = True  # for a write: everything of the namespace was applied


@dataclass
class SyncResult:
    server: str
    flows: list[FlowResult] = field(default_factory=list)
    files: list[FileResult] = field(default_factory=list)
    problems: list[LocalProblem] = field(default_factory=list)
    # YAML that is not a flow (compose files, apps, dashboards): left out, no failure.
    skipped: list[LocalProblem] = field(default_factory=list)
    # What the linter found in the files that were to be sent (their files are held back
    # when it found errors).
    diagnostics: list[Diagnostic] = field(default_factory=list)
    dry_run: bool = False
    # --prune's deletions were declined at the prompt: nothing at all was written.
    declined: bool = False
    # Why --prune deleted nothing this run (a file could not be parsed), or "".
    prune_disabled: str = ""
    requests: int = 0
    # The error that stopped the sync part-way (server failing, unreachable...);
    # its details list what was applied and what was not. Raise it after showing
    # the result.
    error: KestraInitError | None = None

    @property
    def items(self) -> list[FlowResult | FileResult]:
        """Every flow and namespace file of the plan."""
        return [*self.flows, *self.files]

    @property
    def failed(self) -> list[FlowResult | FileResult]:
        return [r for r in self.items if r.outcome is Outcome.FAILED]

    @property
    def held_back(self) -> list[FlowResult]:
        return [r for r in self.flows if r.outcome is Outcome.HELD_BACK]

    @property
    def exit_code(self) -> ExitCode:
        if self.failed or self.problems or self.held_back or self.prune_disabled:
            return ExitCode.FINDINGS
        return ExitCode.OK

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in Action}
        for item in self.items:
            counts[item.action.value] += 1
        counts["failed"] = len(self.failed)
        counts["held back"] = len(self.held_back)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "dry_run": self.dry_run,
            "declined": self.declined,
            "flows": [r.to_json() for r in self.flows],
            "namespace_files": [r.to_json() for r in self.files],
            "problems": [_problem_dict(p) for p in self.problems],
            "skipped": [_problem_dict(p) for p in self.skipped],
            "diagnostics": [d.to_json() for d in self.diagnostics],
            "prune_disabled": self.prune_disabled or None,
            "summary": self.counts(),
            "requests": self.requests,
        }


def _problem_dict(problem: LocalProblem) -> dict[str, Any]:
    return {"file": str(problem.path), "line": problem.line or None, "message": problem.message}


# Asked before deleting: gets the planned deletes, answers True to go ahead.
ConfirmDeletes = Callable[[Sequence[PlanEntry]], bool]
ProgressCallback = Callable[[SyncProgress], None]
