"""`kestra-init sync`: make the server's flows (and namespace files) match the project's.

Finds the project (or takes the paths given), resolves the connection and
hands the work to ``services.sync.pipeline.sync_flows``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from kestra_init.errors import UsageError
from kestra_init.kestra.connection import NO_FLAGS, ConnectionFlags
from kestra_init.project import find_project
from kestra_init.services.sync.pipeline import sync_flows
from kestra_init.services.sync.results import ConfirmDeletes, ProgressCallback, SyncResult


def sync(
    *,
    start: Path | None = None,
    paths: Sequence[Path] = (),
    connection_flags: ConnectionFlags = NO_FLAGS,
    prune: bool = False,
    confirm: ConfirmDeletes | None = None,
    dry_run: bool = False,
    namespace_files: bool = True,
    progress: ProgressCallback | None = None,
) -> SyncResult:
    """The command: the project's flows/ and namespace-files/ by default, or ``paths``."""
    # httpx costs a tenth of a second to import: loaded once a request is to be made.
    from kestra_init.kestra.client import KestraClient

    project = find_project(start, required=not paths)
    files_dir: Path | None = None
    if paths:
        missing = [path for path in paths if not path.exists()]
        if missing:
            raise UsageError(
                f"{missing[0]} does not exist",
                "sync reads the flow files (.yml, .yaml) named or found in the folders given.",
                "check the path, or run `kestra-init sync` without a path for the project's flows",
            )
    else:
        assert project is not None
        if not project.flows_dir.is_dir():
            raise UsageError(
                f"the project has no {project.flows_dir.name}/ folder",
                f"sync reads the project's flows from {project.flows_dir}.",
                "create it and put flow files in it, or pass the paths of flow files to sync",
            )
        paths = [project.flows_dir]
        if namespace_files:
            files_dir = project.namespace_files_dir
    connection = connection_flags.resolve(project)
    with KestraClient(connection) as client:
        return sync_flows(
            client,
            paths,
            namespace_files_dir=files_dir,
            prune=prune,
            confirm=confirm,
            dry_run=dry_run,
            progress=progress,
        )
