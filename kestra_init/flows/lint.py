"""Validate flow files offline: read, parse with positions, run every rule.

``validate_paths`` is what `validate`, `up`, `sync` and the generated CI call.
It never raises for what is in the files: unreadable, binary, empty, huge or
malformed files each become a diagnostic, like any other finding.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from kestra_init.exit_codes import ExitCode
from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.discover import SourceDocument, find_flow_files, split_documents
from kestra_init.flows.file_report import UNREAD_RULES, FileLint, FlowEntry
from kestra_init.flows.lint_context import LintContext, context_for_project
from kestra_init.flows.model import FlowDoc, flow_shape_problem, value_mark
from kestra_init.flows.reading import MAX_FILE_BYTES, decode_text, read_file_text
from kestra_init.flows.registry import CHECKS, RULES
from kestra_init.flows.rules import files as file_rules
from kestra_init.flows.rules.base import did_you_mean, scalar_text
from kestra_init.flows.rules.structure import FLOW_DUPLICATE
from kestra_init.flows.suppress import MARKER, Suppressions, read_suppressions
from kestra_init.flows.target import DEFAULT_TARGET, Target
from kestra_init.flows.yaml_nodes import Mark, ParseError, YList, YMap, parse_document
from kestra_init.project import find_project

# What sync's pipeline and the commands import from here; reading and the file
# report live in their own modules.
__all__ = [
    "MAX_FILE_BYTES",
    "UNREAD_RULES",
    "FileLint",
    "FlowEntry",
    "ProgressCallback",
    "ValidationResult",
    "decode_text",
    "default_context",
    "lint_bytes",
    "lint_file",
    "lint_text",
    "read_file_text",
    "validate_paths",
]

ProgressCallback = Callable[[int, int, Path], None]  # (done, total, current file)


@dataclass
class ValidationResult:
    diagnostics: list[Diagnostic]
    files_checked: list[Path]  # files with at least one flow or a finding
    files_skipped: list[Path]  # YAML files without a flow (apps, dashboards, compose...)
    flow_documents: list[SourceDocument]  # every flow found, as written (for the server)
    strict: bool = False
    target: Target = DEFAULT_TARGET  # the Kestra version the rules were checked for
    suppressed: int = 0  # findings left out by ignore comments or the project's settings

    def count(self, severity: Severity) -> int:
        return sum(1 for diagnostic in self.diagnostics if diagnostic.severity is severity)

    @property
    def errors(self) -> int:
        return self.count(Severity.ERROR)

    @property
    def warnings(self) -> int:
        return self.count(Severity.WARNING)

    @property
    def failed(self) -> bool:
        return self.errors > 0 or (self.strict and self.warnings > 0)

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.FINDINGS if self.failed else ExitCode.OK

    def to_json(self) -> dict[str, object]:
        return {
            "strict": self.strict,
            "target": str(self.target),
            "suppressed": self.suppressed,
            "files_checked": [str(path) for path in self.files_checked],
            "files_skipped": [str(path) for path in self.files_skipped],
            "flows": len(self.flow_documents),
            "summary": {
                "errors": self.errors,
                "warnings": self.warnings,
                "infos": self.count(Severity.INFO),
            },
            "diagnostics": [diagnostic.to_json() for diagnostic in self.diagnostics],
        }


def validate_paths(
    paths: Iterable[Path],
    *,
    strict: bool = False,
    context: LintContext | None = None,
    on_file: ProgressCallback | None = None,
) -> ValidationResult:
    """Lint every .yml/.yaml file named or found under ``paths``.

    ``context`` describes the project around the flows (compose services);
    by default it is read from the project that holds the first path.
    """
    roots = list(paths)
    if context is None:
        context = default_context(roots)
    files = find_flow_files(roots)
    diagnostics: list[Diagnostic] = []
    checked: list[Path] = []
    skipped: list[Path] = []
    flows: list[SourceDocument] = []
    reports: list[FileLint] = []
    for index, path in enumerate(files, start=1):
        report = lint_file(path, context)
        reports.append(report)
        diagnostics.extend(report.diagnostics)
        flows.extend(report.flows)
        (skipped if report.skipped else checked).append(path)
        if on_file is not None:
            on_file(index, len(files), path)
    suppressed = sum(report.suppressed for report in reports)
    by_path = {report.path: report for report in reports}
    for found in _duplicate_flows(reports, across_files=True):
        owner = by_path[found.path]
        if found.rule in context.ignored_rules or found.rule in owner.file_ignores:
            suppressed += 1
        else:
            diagnostics.append(found)
    diagnostics.sort(key=_order({path: index for index, path in enumerate(files)}))
    return ValidationResult(
        diagnostics, checked, skipped, flows, strict, context.target, suppressed
    )


def default_context(paths: Sequence[Path]) -> LintContext:
    """The context of the project that holds the first path (or the current folder)."""

    start = paths[0] if paths else Path.cwd()
    start = start if start.is_dir() else start.parent
    try:
        project = find_project(start, required=False)
    except OSError:
        project = None
    return context_for_project(project.root if project else None)


def lint_file(path: Path, context: LintContext | None = None, *, checks: bool = True) -> FileLint:
    """Read ``path`` and lint it; reading problems become diagnostics.

    ``checks=False`` only reads and parses (the flows, and YAML errors): what
    ``sync --no-validate`` still needs to know.
    """
    text = read_file_text(path)
    if isinstance(text, FileLint):
        return text
    return lint_text(path, text, context, checks=checks)


def lint_bytes(path: Path, data: bytes, context: LintContext | None = None) -> FileLint:
    text = decode_text(path, data)
    if isinstance(text, FileLint):
        return text
    return lint_text(path, text, context)


def lint_text(
    path: Path, text: str, context: LintContext | None = None, *, checks: bool = True
) -> FileLint:
    """Lint the text of one file (any number of YAML documents).

    Findings that a `# kestra-init: ignore[...]` comment of the file or the
    project's settings (``context.ignored_rules``) switch off are left out and
    counted in ``FileLint.suppressed``.
    """
    context = context or LintContext()
    report = FileLint(path)
    file_lines = text.splitlines()
    documents = [
        doc for doc in split_documents(path, text) if not doc.is_blank and not _directives(doc)
    ]
    if not documents:
        report.add(
            file_rules.FILE_EMPTY,
            Mark(0, 0),
            "The file holds no YAML document (it is empty or only comments): write a flow in "
            "it, or delete it.",
        )
    for document in documents:
        _lint_document(report, document, file_lines, context, checks)
    report.diagnostics.extend(_duplicate_flows([report]))
    suppressions = read_suppressions(file_lines) if MARKER in text else None
    if suppressions is not None and checks:
        _unknown_rules_named(report, suppressions)
    _leave_out(report, context.ignored_rules, suppressions)
    report.diagnostics.sort(key=lambda d: (d.line, d.column, d.rule))
    return report


def _unknown_rules_named(report: FileLint, suppressions: Suppressions) -> None:
    for line, column, rule_id in suppressions.named:
        if rule_id not in RULES:
            report.add(
                file_rules.IGNORE_COMMENT_UNKNOWN_RULE,
                Mark(line, column),
                f"`{rule_id}` is not a kestra-init rule, so this comment silences nothing."
                f"{did_you_mean(rule_id, RULES)} The rule of a finding is the word after its "
                "severity (`error expression-unknown-input ...`); all are in docs/rules.md.",
            )


def _leave_out(
    report: FileLint, ignored: frozenset[str], suppressions: Suppressions | None
) -> None:
    """Drop the findings the project or the file's comments switch off.

    A finding that the file (or one of its documents) could not be read is
    never dropped: what is unread is unknown, and sync must not take it for
    "no flow there".
    """
    if suppressions is not None:
        report.file_ignores = frozenset(suppressions.file)
    if not ignored and suppressions is None:
        return
    kept = [
        d
        for d in report.diagnostics
        if d.rule in UNREAD_RULES
        or not (d.rule in ignored or (suppressions and suppressions.covers(d.rule, d.line)))
    ]
    report.suppressed += len(report.diagnostics) - len(kept)
    report.diagnostics = kept


def _lint_document(
    report: FileLint,
    document: SourceDocument,
    file_lines: list[str],
    context: LintContext,
    checks: bool = True,
) -> None:
    parsed = parse_document(document.text, document.first_line)
    if parsed.error is not None:
        line = parsed.error.mark.line
        source = file_lines[line - 1] if 1 <= line <= len(file_lines) else ""
        _report_parse_error(report, parsed.error, source)
        return
    value = parsed.value
    problem = flow_shape_problem(value)
    if problem is not None:
        if isinstance(value, YList) and any(_flow_like(item) for item in value):
            report.add(
                file_rules.DOCUMENT_NOT_MAPPING,
                value.mark,
                "This document is a list, and a flow is a mapping: remove the leading `- ` "
                "(and one level of indentation). To keep several flows in one file, separate "
                "them with a `---` line.",
            )
        else:
            line = value.mark.line if isinstance(value, (YMap, YList)) else document.first_line
            report.add(
                file_rules.NOT_A_FLOW,
                Mark(line, 1),
                f"Skipped: not a flow, {problem}.",
            )
        return
    for duplicate in parsed.duplicates:
        report.add(
            file_rules.YAML_DUPLICATE_KEY,
            duplicate.mark,
            f"`{duplicate.key}` is already set on line {duplicate.first.line} of this "
            "mapping; Kestra rejects a flow with a duplicate key (other YAML tools keep the "
            "last one silently). Remove or rename one of them.",
        )
    report.flows.append(document)
    namespace, flow_id = scalar_text(value.get("namespace")), scalar_text(value.get("id"))
    mark = value_mark(value, "id") if flow_id else value.mark
    report.entries.append(FlowEntry(document, namespace, flow_id, mark))
    if not checks:
        return
    flow = FlowDoc(value, report.path, file_lines)
    for check in CHECKS:
        for finding in check(flow, context):
            report.add(finding.rule, finding.mark, finding.message)


_TAB_HINT = "YAML indents with spaces, never tabs: replace the tabs with spaces."
_SYNTAX_HINTS = (
    (
        "mapping values are not allowed",
        'A value that contains `: ` needs quotes (`message: "Note: done"`), or the line is '
        "indented wrongly.",
    ),
    (
        "could not find expected ':'",
        "A line is missing its `key:`, or a quote opened earlier is not closed.",
    ),
    ("found unexpected end of stream", "A quote or bracket is not closed."),
    (
        "did not find expected key",
        "A line is indented differently from its neighbours, or a list item lacks its `- `.",
    ),
    (
        "found character '%' that cannot start any token",
        "A value that starts with `%` or `{` needs quotes.",
    ),
    (
        "found character '@' that cannot start any token",
        "A value that starts with `@` or a backquote needs quotes.",
    ),
)


def _report_parse_error(report: FileLint, error: ParseError, source_line: str) -> None:
    if error.too_complex:
        report.add(
            file_rules.YAML_TOO_COMPLEX,
            error.mark,
            f"This document cannot be checked: {error.message}. Write the values out instead "
            "of repeating anchors, and keep nesting shallow.",
        )
        return
    indent = source_line[: len(source_line) - len(source_line.lstrip())]
    hint = _TAB_HINT if "\t" in indent else ""
    hint = hint or next((text for needle, text in _SYNTAX_HINTS if needle in error.message), "")
    if not hint:
        hint = "Check the indentation (spaces only) and that every quote and bracket is closed."
    report.add(file_rules.YAML_SYNTAX, error.mark, f"Invalid YAML: {error.message}. {hint}")


def _directives(document: SourceDocument) -> bool:
    """Only `%YAML`/`%TAG` lines (and comments): the header of the next document."""
    return _NOT_DIRECTIVE_RE.search(document.text) is None


_NOT_DIRECTIVE_RE = re.compile(r"^[ \t]*[^\s#%]", re.M)


def _flow_like(item: object) -> bool:
    return isinstance(item, YMap) and ("tasks" in item or "namespace" in item)


def _duplicate_flows(reports: list[FileLint], *, across_files: bool = False) -> list[Diagnostic]:
    """A finding for each flow defined again after its first definition.

    ``across_files``: only pairs in two files; ``lint_text`` has already
    reported a file's own repeats, which must not be counted twice.
    """
    first: dict[tuple[str, str], tuple[Path, Mark]] = {}
    found = []
    for report in reports:
        for namespace, flow_id, mark in report.flow_keys:
            key = (namespace, flow_id)
            if key not in first:
                first[key] = (report.path, mark)
                continue
            other_path, other_mark = first[key]
            if across_files and other_path == report.path:
                continue
            where = "line" if other_path == report.path else f"{other_path} line"
            found.append(
                Diagnostic(
                    report.path,
                    mark.line,
                    mark.column,
                    FLOW_DUPLICATE.severity,
                    FLOW_DUPLICATE.id,
                    f"Flow `{flow_id}` of namespace `{namespace}` is also defined at {where} "
                    f"{other_mark.line}; Kestra keeps one flow per namespace and id, so one "
                    "would replace the other. Rename one of them.",
                )
            )
    return found


def _order(file_order: dict[Path, int]) -> Callable[[Diagnostic], tuple[int, int, int, str]]:
    def key(diagnostic: Diagnostic) -> tuple[int, int, int, str]:
        return (
            file_order.get(diagnostic.path, -1),
            diagnostic.line,
            diagnostic.column,
            diagnostic.rule,
        )

    return key
