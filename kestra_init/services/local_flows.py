"""The project's flow files, read once: who each flow is, then parsed and checked on demand.

One pipeline serves `sync`, `up` and `status`: discover the files, read them,
cut them into documents as written (never re-serialised), learn each
document's namespace and id cheaply (``flows.source_text.identify``), and
only then parse and check what needs it. A document whose text is exactly
what the server already stores needs nothing more: Kestra parsed that very
text. Everything else is parsed and checked with the linter before it is sent
(``FlowSet.parse``); the parse is the authority on a document's identity.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.discover import SourceDocument, find_flow_files, split_documents
from kestra_init.flows.file_report import UNREAD_RULES, FileLint
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.reading import read_file_text
from kestra_init.flows.rules.files import NOT_A_FLOW
from kestra_init.flows.source_text import identify, trim
from kestra_init.kestra.models import BULK_SEPARATOR
from kestra_init.services.upload_guard import refused_uploads

Key = tuple[str, str]  # (namespace, id)


@dataclass(frozen=True)
class LocalFlow:
    namespace: str
    id: str
    path: Path
    line: int  # 1-based line of the document in its file
    source: str  # trimmed, as it is sent

    @property
    def key(self) -> Key:
        return (self.namespace, self.id)

    @property
    def bulk_ok(self) -> bool:
        """Whether the bulk endpoint can carry it (it splits on every ``---``)."""
        return BULK_SEPARATOR not in self.source


@dataclass(frozen=True)
class LocalProblem:
    """A file or document that cannot be synced, and why.

    ``skipped``: not a flow at all (a compose file, an app, a dashboard), left
    out the way ``validate`` leaves it out; not a failure.
    """

    path: Path
    line: int
    message: str
    skipped: bool = False


@dataclass
class FlowFile:
    """One file: its documents as written, who each says it is, and its lint once run."""

    path: Path
    documents: list[SourceDocument] = field(default_factory=list)
    quick: list[Key | None] = field(default_factory=list)  # by document, before parsing
    unread: FileLint | None = None  # why the file could not be read at all
    refused: str = ""  # why it must not be sent (a link out of the project, a secret)
    lint: FileLint | None = None  # once parsed (and checked, when ``checked``)
    checked: bool = False
    text: str = ""

    @property
    def errors(self) -> bool:
        """The file has error findings: none of its flows may be sent."""
        return self.lint is not None and self.lint.errors

    def identities(self) -> list[Key | None]:
        """Each document's (namespace, id): the parse's when it ran, else the quick look's."""
        if self.lint is None:
            return list(self.quick)
        parsed: list[Key | None] = [None] * len(self.documents)
        position = {doc.index: number for number, doc in enumerate(self.documents)}
        for entry in self.lint.entries:
            number = position.get(entry.document.index)
            if number is not None and entry.namespace and entry.id:
                parsed[number] = (entry.namespace, entry.id)
        return parsed


@dataclass
class FlowSet:
    """Every flow file under the paths given, and what is known of each."""

    files: list[FlowFile]

    def parse(
        self, files: Iterable[FlowFile], *, checks: bool, context: LintContext | None = None
    ) -> None:
        """Parse ``files`` (and run every rule on them with ``checks``), once each."""
        todo = [
            file
            for file in files
            if file.unread is None
            and not file.refused
            and not (file.lint is not None and (file.checked or not checks))
        ]
        if not todo:
            return
        # The linter and its rules load here, when a file needs them: a sync where
        # nothing changed never parses a file, and saves their import.
        from kestra_init.flows.lint import lint_text

        for file in todo:
            file.lint = lint_text(file.path, file.text, context, checks=checks)
            file.checked = checks

    def parse_all(self, *, checks: bool, context: LintContext | None = None) -> None:
        self.parse(self.files, checks=checks, context=context)

    @property
    def complete(self) -> bool:
        """Every file was read and every document parsed (or is what the server stores).

        Only then are all the flows the files declare known, so only then may a
        flow missing from them be deleted on the server.
        """
        return not self.unparsed()

    def unparsed(self) -> list[LocalProblem]:
        """Why the set is not complete: the files, or documents, that could not be read."""
        found = []
        for file in self.files:
            if file.refused:
                found.append(LocalProblem(file.path, 0, "not sent: it " + file.refused))
            elif file.unread is not None:
                found += [_problem(file.path, d) for d in file.unread.diagnostics]
            elif file.lint is not None:
                found += [
                    _problem(file.path, d) for d in file.lint.diagnostics if d.rule in UNREAD_RULES
                ]
            elif None in file.quick:
                # Not parsed yet, and one document did not say who it is.
                found.append(LocalProblem(file.path, 0, "was not parsed"))
        return found

    def declared(self) -> set[Key]:
        """Every flow some file declares, sendable or not (never to be deleted)."""
        return {key for file in self.files for key in file.identities() if key is not None}

    def diagnostics(self) -> list[Diagnostic]:
        return [d for file in self.files if file.lint for d in file.lint.diagnostics]

    def held_back(self) -> list[Path]:
        """Files with errors: their flows are not sent."""
        return [file.path for file in self.files if file.errors]

    def documents(self) -> Iterator[tuple[FlowFile, SourceDocument, Key | None]]:
        for file in self.files:
            for document, key in zip(file.documents, file.identities(), strict=True):
                yield file, document, key

    def flows(self) -> tuple[list[LocalFlow], list[LocalProblem], list[LocalProblem]]:
        """(the flows, the problems, what was skipped as not a flow), in file order.

        A flow defined twice is sent once (the first definition); the copy is a
        problem. A document no parse has identified yet and whose quick look
        found no id and namespace is a problem too.
        """
        flows: list[LocalFlow] = []
        problems = list(self.unparsed())
        skipped: list[LocalProblem] = []
        first: dict[Key, LocalFlow] = {}
        for file, document, key in self.documents():
            if key is None:
                found = _unidentified(file, document, problems)
                if found is not None:
                    (skipped if found.skipped else problems).append(found)
                continue
            flow = LocalFlow(key[0], key[1], file.path, document.first_line, trim(document.text))
            earlier = first.get(key)
            if earlier is not None:
                problems.append(
                    LocalProblem(
                        file.path,
                        document.first_line,
                        f"defines flow {key[0]}.{key[1]} again (first in "
                        f"{earlier.path}:{earlier.line}); this copy is not sent",
                    )
                )
                continue
            first[key] = flow
            flows.append(flow)
        return flows, problems, skipped


def read_flow_set(paths: Iterable[Path], *, project_root: Path | None = None) -> FlowSet:
    """Read every flow file under ``paths``: documents and who each says it is.

    With ``project_root``, the files that must not leave the machine (links out
    of the project, git-ignored files: ``services.upload_guard``) are not read.
    """
    found = find_flow_files(paths)
    refused = refused_uploads(found, project_root) if project_root else {}
    files = []
    for path in found:
        file = FlowFile(path)
        if path in refused:
            file.refused = refused[path]
            files.append(file)
            continue
        text = read_file_text(path)
        if isinstance(text, FileLint):
            file.unread = text
        else:
            file.text = text
            file.documents = [
                doc
                for doc in split_documents(path, text)
                if not doc.is_blank and not _directives_only(doc)
            ]
            file.quick = [identify(doc.text) for doc in file.documents]
        files.append(file)
    return FlowSet(files)


def read_local_flows(paths: Iterable[Path]) -> tuple[list[LocalFlow], list[LocalProblem]]:
    """Every flow under ``paths`` and the problems, parsed without the rules.

    For callers that need every flow's identity from its parse (`run` resolving
    an id, `up --smoke`); the sync pipeline reads lazily instead.
    """
    flow_set = read_flow_set(paths)
    flow_set.parse_all(checks=False)
    flows, problems, skipped = flow_set.flows()
    return flows, problems + skipped


def _directives_only(document: SourceDocument) -> bool:
    """Only `%YAML`/`%TAG` lines and comments: the header of the next document.

    The linter leaves these out the same way; they declare no flow.
    """
    first = document.text.lstrip()[:1]
    if first and first not in "%#":
        return False  # the first line with something on it is neither: most documents
    lines = (line.strip() for line in document.text.splitlines())
    return all(not line or line.startswith(("%", "#")) for line in lines)


def _problem(path: Path, diagnostic: Diagnostic) -> LocalProblem:
    return LocalProblem(path, diagnostic.line, diagnostic.message)


def _unidentified(
    file: FlowFile, document: SourceDocument, known: list[LocalProblem]
) -> LocalProblem | None:
    """Why a document has no (namespace, id); None when ``known`` already says it."""
    following = [d.first_line for d in file.documents if d.first_line > document.first_line]
    until = min(following, default=10**9)
    for diagnostic in file.lint.diagnostics if file.lint else ():
        if not document.first_line <= max(diagnostic.line, 1) < until:
            continue
        if diagnostic.rule == NOT_A_FLOW.id:
            return LocalProblem(file.path, diagnostic.line, diagnostic.message, skipped=True)
        if diagnostic.rule in UNREAD_RULES:
            return None  # already among the unparsed problems
        if diagnostic.severity is Severity.ERROR:
            # The parse's own finding says why (a missing id, a list instead of a mapping).
            return LocalProblem(file.path, diagnostic.line, diagnostic.message)
    if any(problem.path == file.path for problem in known):
        return None
    return LocalProblem(
        file.path,
        document.first_line,
        "is not a Kestra flow: it has no id and namespace at the top level",
    )
