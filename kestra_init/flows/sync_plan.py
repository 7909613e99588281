"""What ``sync`` has to do: local flows against the server's sources, per flow.

Local flows are the documents of the flow files, cut from the text as written
(``flows.discover``), never re-serialised. PyYAML reads each document only to
learn its ``id`` and ``namespace`` and to catch files that are not flows.

Equality is "same source text". Kestra stores the text it receives, except
that its bulk namespace endpoint trims each flow (Java's ``String.trim()``:
white space and control characters at both ends) and that it drops a
``revision: N`` line. So kestra-init sends every flow trimmed, through the bulk
endpoint or the single-flow ones alike, and compares trimmed texts without a
``revision`` line. Everything else, line endings and trailing spaces inside the
text included, is compared exactly: a change there is a change in the UI too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from kestra_init.flows.discover import find_flow_files, split_documents
from kestra_init.flows.model import flow_shape_problem
from kestra_init.kestra.models import BULK_SEPARATOR

_REVISION_LINE = re.compile(r"(?m)^revision: \d+\n?")
_TOP_SCALAR = re.compile(r"(?m)^(id|namespace)[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_JAVA_WHITESPACE = "".join(chr(code) for code in range(33))


class Action(str, Enum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    DELETE = "delete"


@dataclass(frozen=True)
class LocalFlow:
    namespace: str
    id: str
    path: Path
    line: int  # 1-based line of the document in its file
    source: str  # trimmed, as it is sent

    @property
    def key(self) -> tuple[str, str]:
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


@dataclass(frozen=True)
class PlanEntry:
    namespace: str
    id: str
    action: Action
    local: LocalFlow | None = None  # None for a delete

    @property
    def key(self) -> tuple[str, str]:
        return (self.namespace, self.id)


def trim(text: str) -> str:
    """Java's ``String.trim()``, which Kestra applies to each flow of a bulk request."""
    return text.strip(_JAVA_WHITESPACE)


def comparable(source: str) -> str:
    """A source as Kestra keeps it: trimmed, without a ``revision: N`` line."""
    return trim(_REVISION_LINE.sub("", source, count=1))


def _load_yaml(text: str) -> Any:
    import yaml

    from kestra_init.project import yaml_loader

    return yaml.load(text, Loader=yaml_loader())  # a safe loader (libyaml's when there)


def _name(value: Any) -> str | None:
    # YAML reads `id: 2024` as a number; Kestra reads it as the text "2024".
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None


def identify(source: str) -> tuple[str, str] | None:
    """A stored flow's (namespace, id): a quick look at its top lines, else YAML."""
    found = dict(match.groups() for match in _TOP_SCALAR.finditer(source))
    namespace, flow_id = found.get("namespace", ""), found.get("id", "")
    if _PLAIN_NAME.match(namespace) and _PLAIN_NAME.match(flow_id):
        return namespace, flow_id
    import yaml

    try:
        data = _load_yaml(source)
    except yaml.YAMLError:  # a stored source we cannot read is simply not ours to manage
        return None
    if not isinstance(data, dict):
        return None
    namespace, flow_id = _name(data.get("namespace")), _name(data.get("id"))
    return (namespace, flow_id) if namespace and flow_id else None


def read_local_flows(paths: Iterable[Path]) -> tuple[list[LocalFlow], list[LocalProblem]]:
    """Every flow in the files under ``paths``, and what could not be read as a flow."""
    import yaml

    flows: list[LocalFlow] = []
    problems: list[LocalProblem] = []
    seen: dict[tuple[str, str], LocalFlow] = {}
    for path in find_flow_files(paths):
        try:
            # utf-8-sig: a byte-order mark (Windows editors) is not part of the flow.
            # Kestra's YAML parser skips one only at the start of a request body,
            # so inside a namespace's bulk body it would break the flow's first key.
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(LocalProblem(path, 0, f"cannot be read: {error}"))
            continue
        for document in split_documents(path, text):
            if document.is_blank:
                continue
            try:
                data = _load_yaml(document.text)
            except yaml.YAMLError as error:
                mark = getattr(error, "problem_mark", None)
                line = document.first_line + (mark.line if mark else 0)
                reason = getattr(error, "problem", None) or str(error).splitlines()[0]
                problems.append(LocalProblem(path, line, f"is not valid YAML: {reason}"))
                continue
            shape = flow_shape_problem(data)
            if shape is not None:
                problems.append(
                    LocalProblem(path, document.first_line, f"skipped: not a flow, {shape}", True)
                )
                continue
            namespace, flow_id = _name(data.get("namespace")), _name(data.get("id"))
            if not namespace or not flow_id:
                missing = " and ".join(
                    name for name, value in (("id", flow_id), ("namespace", namespace)) if not value
                )
                problems.append(
                    LocalProblem(
                        path,
                        document.first_line,
                        f"is not a Kestra flow: it has no {missing} at the top level",
                    )
                )
                continue
            flow = LocalFlow(namespace, flow_id, path, document.first_line, trim(document.text))
            earlier = seen.get(flow.key)
            if earlier is not None:
                problems.append(
                    LocalProblem(
                        path,
                        document.first_line,
                        f"defines flow {namespace}.{flow_id} again (first in "
                        f"{earlier.path}:{earlier.line}); this copy is ignored",
                    )
                )
                continue
            seen[flow.key] = flow
            flows.append(flow)
    return flows, problems


def server_flows(namespace: str, sources: Iterable[str]) -> dict[str, str]:
    """The stored sources of exactly ``namespace`` (the export also gives sub-namespaces)."""
    found: dict[str, str] = {}
    for source in sources:
        identity = identify(source)
        if identity and identity[0] == namespace:
            found[identity[1]] = source
    return found


def plan_sync(
    local: Iterable[LocalFlow],
    server: Mapping[str, Mapping[str, str]],
    *,
    prune: bool = False,
) -> list[PlanEntry]:
    """One entry per flow: create, update, unchanged, and (with ``prune``) delete.

    ``server`` maps each namespace the local flows use to its stored sources by
    id. Deletes are only planned in those namespaces: a namespace the project's
    files do not use is never touched.
    """
    entries: list[PlanEntry] = []
    local_ids: dict[str, set[str]] = {}
    for flow in local:
        local_ids.setdefault(flow.namespace, set()).add(flow.id)
        stored = server.get(flow.namespace, {}).get(flow.id)
        if stored is None:
            action = Action.CREATE
        elif comparable(stored) == comparable(flow.source):
            action = Action.UNCHANGED
        else:
            action = Action.UPDATE
        entries.append(PlanEntry(flow.namespace, flow.id, action, flow))
    if prune:
        for namespace in sorted(local_ids):
            for flow_id in sorted(set(server.get(namespace, {})) - local_ids[namespace]):
                entries.append(PlanEntry(namespace, flow_id, Action.DELETE))
    return entries
