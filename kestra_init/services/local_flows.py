"""The project's flow files read as flows: namespace, id, where, and the source to send.

Documents are cut from the text as written (``flows.discover``), never
re-serialised. PyYAML reads each document only to learn its ``id`` and
``namespace`` and to catch files that are not flows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from kestra_init.flows.discover import find_flow_files, split_documents
from kestra_init.flows.model import flow_shape_problem
from kestra_init.flows.source_text import load_yaml, scalar_name, trim
from kestra_init.kestra.models import BULK_SEPARATOR


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


def read_local_flows(paths: Iterable[Path]) -> tuple[list[LocalFlow], list[LocalProblem]]:
    """Every flow in the files under ``paths``, and what could not be read as a flow."""
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
                data = load_yaml(document.text)
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
            namespace, flow_id = scalar_name(data.get("namespace")), scalar_name(data.get("id"))
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
