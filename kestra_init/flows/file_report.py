"""What linting one file found: its findings, its flows, and whether it was read at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.discover import SourceDocument
from kestra_init.flows.marks import Mark
from kestra_init.flows.rules import Rule
from kestra_init.flows.rules import files as file_rules

# Findings that mean the file, or one of its documents, could not be read as YAML:
# whatever flows it declares are unknown.
UNREAD_RULES = frozenset(
    {
        file_rules.FILE_UNREADABLE.id,
        file_rules.FILE_TOO_LARGE.id,
        file_rules.YAML_SYNTAX.id,
        file_rules.YAML_TOO_COMPLEX.id,
        file_rules.FILE_NOT_REGULAR.id,
        file_rules.FILE_LINK_DANGLING.id,
        file_rules.FOLDER_UNREADABLE.id,
    }
)


@dataclass(frozen=True)
class FlowEntry:
    """One flow document of a file: who it says it is, and its text as written."""

    document: SourceDocument
    namespace: str | None  # None when the document has no usable namespace
    id: str | None
    mark: Mark  # where its id is (or the document's start)


@dataclass
class FileLint:
    """What one file holds: its findings and its flow documents, as written."""

    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    flows: list[SourceDocument] = field(default_factory=list)
    entries: list[FlowEntry] = field(default_factory=list)
    # Findings left out by a `# kestra-init: ignore[...]` comment or the project's
    # settings, counted so that the summary can say so.
    suppressed: int = 0
    # Rules the file's own `ignore-file` comments switch off (for findings that
    # only the whole folder's check makes, such as a flow defined in two files).
    file_ignores: frozenset[str] = frozenset()

    @property
    def flow_keys(self) -> list[tuple[str, str, Mark]]:
        """(namespace, id, mark) of each flow that names both, to find flows defined twice."""
        return [(e.namespace, e.id, e.mark) for e in self.entries if e.namespace and e.id]

    @property
    def skipped(self) -> bool:
        """No flow in the file, and nothing worse than an info line to say about it."""
        return not self.flows and all(d.severity is Severity.INFO for d in self.diagnostics)

    @property
    def read_completely(self) -> bool:
        """Every document of the file was read and parsed (its flows are all known)."""
        return not any(d.rule in UNREAD_RULES for d in self.diagnostics)

    @property
    def errors(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)

    def add(self, rule: Rule, mark: Mark, message: str) -> None:
        self.diagnostics.append(
            Diagnostic(self.path, mark.line, mark.column, rule.severity, rule.id, message)
        )
