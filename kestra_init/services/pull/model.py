"""What `pull` plans and does, flow by flow and file by file, and its summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from kestra_init.exit_codes import ExitCode


class PullAction(str, Enum):
    UNCHANGED = "unchanged"  # the file holds what the server has
    UPDATE = "update"  # the file is behind: it holds an older revision of the server's
    CREATE = "create"  # only on the server: a new file
    CONFLICT = "conflict"  # changed on both sides since they last agreed
    # Changed here only (the server still has what was last synced or pulled):
    # `sync` sends it; pull leaves it alone.
    LOCAL = "changed here"
    REFUSED = "refused"  # cannot be written safely (the message says why)


WRITES = (PullAction.UPDATE, PullAction.CREATE)


class PullOutcome(str, Enum):
    WRITTEN = "written"
    PLANNED = "planned"  # --dry-run: would be written
    KEPT = "kept"  # a conflict left as it is: the file was not touched
    KEPT_BOTH = "kept both"  # --keep-both: the server's version written beside the file
    FORCED = "forced"  # --force: the server's version written over the file
    SKIPPED = "skipped"  # nothing to do, not confirmed, or a change here
    FAILED = "failed"  # the write failed (the message says why)


@dataclass
class PullItem:
    """One flow or namespace file of the server, and what pull does with it."""

    kind: str  # "flow" or "file"
    namespace: str
    name: str  # the flow's id, or the file's path in the namespace (scripts/x.py)
    action: PullAction
    path: Path | None  # the local file (to create, for CREATE)
    server: bytes  # the server's source (UTF-8) or the file's bytes
    local: bytes | None = None  # what the local file (or document) holds now
    revision: int | None = None
    line: int = 0  # the flow's document in its file (1-based), 0 for a whole file
    outcome: PullOutcome = PullOutcome.SKIPPED
    message: str = ""
    diff: str | None = None  # the file against the server's version, for changes and conflicts
    beside: Path | None = None  # --keep-both: where the server's version went

    @property
    def label(self) -> str:
        if self.kind == "flow":
            return f"{self.namespace}/{self.name}"
        return f"{self.namespace}:/{self.name}"

    def to_json(self) -> dict[str, Any]:
        return {
            "namespace": self.namespace,
            ("id" if self.kind == "flow" else "path"): self.name,
            "file": str(self.path) if self.path else None,
            "line": self.line or None,
            "action": self.action.value,
            "outcome": self.outcome.value,
            "revision": self.revision,
            "message": self.message or None,
            "diff": self.diff,
            "beside": str(self.beside) if self.beside else None,
        }


@dataclass
class PullResult:
    server: str
    namespaces: list[str]
    flows: list[PullItem] = field(default_factory=list)
    files: list[PullItem] = field(default_factory=list)
    dry_run: bool = False
    declined: bool = False  # the writes were not confirmed: nothing was written
    requests: int = 0

    @property
    def items(self) -> list[PullItem]:
        return [*self.flows, *self.files]

    @property
    def conflicts(self) -> list[PullItem]:
        """Conflicts left as they are: neither forced nor set beside (--keep-both)."""
        return [
            i
            for i in self.items
            if i.action is PullAction.CONFLICT
            and i.outcome not in (PullOutcome.FORCED, PullOutcome.KEPT_BOTH)
        ]

    @property
    def exit_code(self) -> ExitCode:
        refused = any(i.action is PullAction.REFUSED for i in self.items)
        failed = any(i.outcome is PullOutcome.FAILED for i in self.items)
        return ExitCode.FINDINGS if refused or failed or self.conflicts else ExitCode.OK

    def counts(self) -> dict[str, int]:
        counts = {action.value: 0 for action in PullAction}
        for item in self.items:
            counts[item.action.value] += 1
        counts["written"] = sum(
            1 for i in self.items if i.outcome in (PullOutcome.WRITTEN, PullOutcome.FORCED)
        )
        counts["failed"] = sum(1 for i in self.items if i.outcome is PullOutcome.FAILED)
        return counts

    def to_json(self) -> dict[str, Any]:
        return {
            "server": self.server,
            "namespaces": self.namespaces,
            "dry_run": self.dry_run,
            "declined": self.declined,
            "flows": [item.to_json() for item in self.flows],
            "namespace_files": [item.to_json() for item in self.files],
            "summary": self.counts(),
            "requests": self.requests,
        }
