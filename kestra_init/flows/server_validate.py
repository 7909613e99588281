"""Kestra's own validation of flow documents, mapped back to files and lines.

All documents go to ``POST /flows/validate`` in one request, joined by ``---``
lines. Kestra 1.x cuts that body at every line starting with ``---`` (even
inside a block scalar), so a document holding such a line is sent on its own
and all the answers it gets are its own. If the server answers with another
number of items than documents sent, each document is asked again on its own.

An answer is turned into diagnostics with rule id ``server``: ``constraints``
(one per line) and ``errors`` are errors, ``warnings`` and deprecations are
warnings, ``infos`` are infos. The line is the one Kestra names (Jackson's
``line: N, column: M``), else the line of the property path it names
(``tasks[0].type``), else the document's first line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import yaml

from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.discover import SourceDocument
from kestra_init.flows.source_text import trim
from kestra_init.kestra.models import FlowValidation
from kestra_init.project import yaml_loader

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient

RULE = "server"
_SPLIT_LINE = re.compile(r"\n---")  # where Kestra 1.x cuts a validate body
_JACKSON_POSITION = re.compile(r"line: (\d+), column: (\d+)")
_PATH_PREFIX = re.compile(r"^(?:Invalid entity: )?([A-Za-z_][\w.\[\]-]*?)\s*:\s")
_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def validate_on_server(
    client: KestraClient, documents: Sequence[SourceDocument]
) -> list[Diagnostic]:
    """The server's findings about ``documents`` (blank documents are skipped)."""
    wanted = [doc for doc in documents if not doc.is_blank]
    together = [doc for doc in wanted if not _SPLIT_LINE.search(trim(doc.text))]
    alone = [doc for doc in wanted if doc not in together]
    answers: list[tuple[SourceDocument, list[FlowValidation]]] = []
    if together:
        verdicts = client.validate([doc.text for doc in together])
        if len(verdicts) == len(together):
            answers += [(doc, [verdict]) for doc, verdict in zip(together, verdicts, strict=True)]
        else:
            alone = together + alone
    for doc in alone:
        answers.append((doc, client.validate([doc.text])))
    found: list[Diagnostic] = []
    for doc, verdicts in answers:
        for verdict in verdicts:
            found += _diagnostics(doc, verdict)
    return sorted(found, key=lambda d: d.sort_key())


def _diagnostics(doc: SourceDocument, verdict: FlowValidation) -> list[Diagnostic]:
    sent = trim(doc.text)
    # Trimming removed leading blank lines: the server counts from the first kept one.
    offset = doc.first_line + doc.text[: len(doc.text) - len(doc.text.lstrip())].count("\n")
    locate = _Locator(sent, offset, doc.first_line)
    found = []
    for line in (verdict.constraints or "").splitlines():
        if line.strip():
            found.append(locate.diagnostic(doc, Severity.ERROR, line.strip()))
    for error in verdict.errors:
        message = str(error.get("detail") or error.get("message") or "").strip()
        path = str(error.get("path") or error.get("pointer") or "")
        if message:
            found.append(locate.diagnostic(doc, Severity.ERROR, message, path=path))
    for warning in verdict.warnings:
        found.append(locate.diagnostic(doc, Severity.WARNING, warning))
    for path in verdict.deprecation_paths:
        found.append(
            locate.diagnostic(
                doc,
                Severity.WARNING,
                f"{path} is deprecated in this Kestra version; see its migration guide",
                path=path,
            )
        )
    for info in verdict.infos:
        found.append(locate.diagnostic(doc, Severity.INFO, info))
    return found


class _Locator:
    """Finds the file line of what a server message talks about."""

    def __init__(self, sent: str, offset: int, fallback: int) -> None:
        self.sent = sent
        self.offset = offset  # file line of the sent text's first line
        self.fallback = fallback
        self._tree: Any = None
        self._parsed = False

    def diagnostic(
        self, doc: SourceDocument, severity: Severity, message: str, *, path: str = ""
    ) -> Diagnostic:
        line, column = self.position(message, path)
        return Diagnostic(doc.path, line, column, severity, RULE, f"Kestra: {message}")

    def position(self, message: str, path: str = "") -> tuple[int, int]:
        jackson = _JACKSON_POSITION.search(message)
        if jackson:
            return self.offset + int(jackson.group(1)) - 1, int(jackson.group(2))
        if not path:
            prefix = _PATH_PREFIX.match(message)
            path = prefix.group(1) if prefix else ""
        found = self._node_position(path) if path else None
        return found or (self.fallback, 0)

    def _node_position(self, path: str) -> tuple[int, int] | None:
        tokens: list[str | int] = []
        for name, index in _TOKEN.findall(path.strip("/").replace("/", ".")):
            tokens.append(int(index) if index else (int(name) if name.isdigit() else name))
        if tokens and tokens[0] == "flow":
            tokens = tokens[1:]  # Kestra sometimes names the flow itself: "flow.id"
        node = self._root()
        mark = None
        for token in tokens:
            if node is None:
                break
            node, key_mark = _child(node, token)
            mark = key_mark or mark
        if mark is None:
            return None
        return self.offset + mark.line, mark.column + 1

    def _root(self) -> Any:
        if not self._parsed:
            self._parsed = True

            try:
                self._tree = yaml.compose(self.sent, Loader=yaml_loader())
            except yaml.YAMLError:
                self._tree = None
        return self._tree


def _child(node: Any, token: str | int) -> tuple[Any, Any]:
    """The child node for ``token`` and the mark that locates it (key or item)."""

    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == str(token):
                return value, key.start_mark
        return None, None
    if (
        isinstance(node, yaml.SequenceNode)
        and isinstance(token, int)
        and 0 <= token < len(node.value)
    ):
        item = node.value[token]
        return item, item.start_mark
    return None, None
