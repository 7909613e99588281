"""`kestra-init run NAMESPACE/FLOW_ID`: check the inputs, start an execution, follow it.

The following itself is ``services.follow.start_and_follow``.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init.errors import UsageError
from kestra_init.kestra.connection import NO_FLAGS, ConnectionFlags
from kestra_init.kestra.inputs import check_inputs
from kestra_init.kestra.models import declared_inputs
from kestra_init.option_pairs import split_pair
from kestra_init.project import Project, find_project
from kestra_init.services.follow import RunResult, UpdateCallback, attach, start_and_follow
from kestra_init.services.local_flows import read_local_flows

if TYPE_CHECKING:
    from kestra_init.kestra.client import KestraClient


# Inputs -------------------------------------------------------------------------------
def parse_inputs(
    values: Sequence[str], *, base: Path | None = None
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """``key=value`` pairs, and ``key=@path`` files (``key=@@x`` is the text ``@x``)."""
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for raw in values:
        key, value = split_pair(
            raw,
            option="--input",
            why="Each input is given as its id, an equals sign and its value.",
            example="--input name=Ada, or --input data=@file.csv for a FILE input",
        )
        if key in fields or key in files:
            raise UsageError(
                f"--input {key} is given twice",
                "Each input takes one value.",
                f"keep one --input {key}=...",
            )
        if value.startswith("@@"):
            fields[key] = value[1:]
        elif value.startswith("@"):
            path = Path(value[1:]).expanduser()
            if base is not None and not path.is_absolute():
                path = base / path
            try:
                files[key] = (path.name, path.read_bytes())
            except OSError as error:
                raise UsageError(
                    f"--input {key}=@{value[1:]}: the file cannot be read",
                    f"{error.strerror or error}.",
                    "check the path (relative to the current folder); to send text that starts "
                    f"with @, write --input {key}=@@{value[1:]}",
                ) from None
        else:
            fields[key] = value
    return fields, files


# Which flow ---------------------------------------------------------------------------------
def resolve_flow(client: KestraClient, project: Project | None, reference: str) -> tuple[str, str]:
    """(namespace, id) from ``NAMESPACE/FLOW_ID``, or from the id alone when unambiguous."""
    reference = reference.strip().strip("/")
    if "/" in reference:
        namespace, _, flow_id = reference.rpartition("/")
        if namespace and flow_id:
            return namespace, flow_id
    if not reference:
        raise UsageError(
            "no flow named",
            "run needs the flow to start.",
            "name it as NAMESPACE/FLOW_ID, e.g. kestra-init run company.team/hello_world",
        )
    flow_id = reference
    # The project's own files first: no request, and the namespace a person means.
    if project is not None and project.flows_dir.is_dir():
        local, _problems = read_local_flows([project.flows_dir])
        namespaces = sorted({flow.namespace for flow in local if flow.id == flow_id})
        if len(namespaces) == 1:
            return namespaces[0], flow_id
        if len(namespaces) > 1:
            raise _ambiguous(flow_id, namespaces, "the project's flows")
    namespaces = client.find_flow_namespaces(flow_id)
    if len(namespaces) == 1:
        return namespaces[0], flow_id
    if not namespaces:
        raise UsageError(
            f"no flow with id {flow_id} was found on {client.connection.url}",
            "The id alone is looked up in the project's flows, then on the server.",
            "check the id, load the flow with `kestra-init sync`, or name it as NAMESPACE/FLOW_ID",
        )
    raise _ambiguous(flow_id, namespaces, client.connection.url)


def _ambiguous(flow_id: str, namespaces: Sequence[str], where: str) -> UsageError:
    options = ", ".join(f"{namespace}/{flow_id}" for namespace in namespaces)
    return UsageError(
        f"flow id {flow_id} is in {len(namespaces)} namespaces of {where}",
        f"It could be {options}.",
        f"name the one to run, e.g. kestra-init run {namespaces[0]}/{flow_id}",
    )


def run(
    *,
    flow: str,
    inputs: Sequence[str] = (),
    wait: bool = True,
    timeout: float | None = None,
    start: Path | None = None,
    connection_flags: ConnectionFlags = NO_FLAGS,
    on_update: UpdateCallback | None = None,
) -> RunResult:
    """The command: resolve the flow and the connection, check the inputs, start, follow."""
    # httpx costs a tenth of a second to import: loaded once a request is to be made.
    from kestra_init.kestra.client import KestraClient

    _check_timeout(timeout)
    fields, files = parse_inputs(inputs)
    project = find_project(start, required=False)
    connection = connection_flags.resolve(project)
    environ = project.environ if project is not None else None
    with KestraClient(connection) as client:
        namespace, flow_id = resolve_flow(client, project, flow)
        stored = client.get_flow(namespace, flow_id)
        if stored is None:
            raise _not_on_server(client, project, namespace, flow_id)
        check_inputs(f"{namespace}/{flow_id}", declared_inputs(stored), fields, files)
        return start_and_follow(
            client,
            connection,
            namespace,
            flow_id,
            inputs=fields,
            files=files,
            wait=wait,
            timeout=timeout,
            on_update=on_update,
            environ=environ,
        )


def attach_to(
    *,
    execution_id: str,
    timeout: float | None = None,
    start: Path | None = None,
    connection_flags: ConnectionFlags = NO_FLAGS,
    on_update: UpdateCallback | None = None,
) -> RunResult:
    """`kestra-init attach ID`: follow an execution already under way, to its end."""
    from kestra_init.kestra.client import KestraClient  # httpx: see run()

    _check_timeout(timeout)
    if not execution_id.strip():
        raise UsageError(
            "No execution id given",
            "attach follows one execution, named by its id.",
            "give the id `run` printed, e.g. kestra-init attach 4wjtkzwJZOYEkTWm0ZwGLL",
        )
    project = find_project(start, required=False)
    connection = connection_flags.resolve(project)
    with KestraClient(connection) as client:
        return attach(
            client,
            connection,
            execution_id.strip(),
            timeout=timeout,
            on_update=on_update,
            environ=project.environ if project is not None else None,
        )


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and timeout <= 0:
        raise UsageError(
            f"--timeout {timeout:g} is not a duration",
            "It is the number of seconds to wait for the execution to end.",
            "give a positive number of seconds, e.g. --timeout 600",
        )


def _not_on_server(
    client: KestraClient, project: Project | None, namespace: str, flow_id: str
) -> UsageError:
    """The flow is not on the server: say so, with the closest flow that is, or the file."""
    wanted = f"{namespace}/{flow_id}"
    known = [f"{namespace}/{item.get('id')}" for item in client.flows_in_namespace(namespace)]
    if not known:
        known = [
            f"{other}/{flow_id}" for other in client.distinct_namespaces() if other != namespace
        ]
    local: list[str] = []
    if project is not None and project.flows_dir.is_dir():
        local = [f"{f.namespace}/{f.id}" for f in read_local_flows([project.flows_dir])[0]]
    if wanted in local:
        return UsageError(
            f"The flow {wanted} is not on {client.connection.url} yet",
            "The project has a file for it, but it was never loaded into that server.",
            "load it with `kestra-init sync`, then run it again",
        )
    close = difflib.get_close_matches(wanted, [*known, *local], n=1, cutoff=0.6)
    hint = f"Did you mean {close[0]}?" if close else ("The server has no flow by that name.")
    return UsageError(
        f"There is no flow {wanted} on {client.connection.url}",
        hint,
        "check the namespace and the id (`kestra-init status` lists the project's flows), "
        "or load the flow with `kestra-init sync`",
    )
