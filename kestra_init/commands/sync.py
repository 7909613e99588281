"""`kestra-init sync`: make the server's flows (and namespace files) match the project's.

Finds the project (or takes the paths given), resolves the connection and
hands the work to ``services.sync.pipeline.sync_flows``; with ``--watch``, to
``services.watch.WatchSession``, which runs that pipeline again on every save.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.flows.lint_context import context_for_project
from kestra_init.kestra.connection import NO_FLAGS, ConnectionFlags
from kestra_init.project import find_project
from kestra_init.services.local_flows import read_flow_set
from kestra_init.services.sync.pipeline import SyncOptions, sync_flows
from kestra_init.services.sync.results import ConfirmDeletes, ProgressCallback, SyncResult

if TYPE_CHECKING:
    from kestra_init.services.watch import ConfirmPrune, WatchListener, WatchResult

# A watch waits on the server less than a one-off sync (30 s): a server that hangs
# is retried with backoff, the saves made meanwhile kept and sent then.
WATCH_TIMEOUT = 10.0


def sync(
    *,
    start: Path | None = None,
    paths: Sequence[Path] = (),
    connection_flags: ConnectionFlags = NO_FLAGS,
    prune: bool = False,
    confirm: ConfirmDeletes | None = None,
    dry_run: bool = False,
    namespace_files: bool = True,
    validate: bool = True,
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
        if prune and project is not None:
            _check_prune_scope(paths, project.flows_dir)
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
    root = project.root if project else None
    flow_set = read_flow_set(paths, project_root=root)
    options = SyncOptions(
        prune=prune,
        dry_run=dry_run,
        validate=validate,
        context=partial(context_for_project, root),
    )
    with KestraClient(connection) as client:
        return sync_flows(
            client,
            flow_set,
            namespace_files_dir=files_dir,
            project_root=root,
            options=options,
            confirm=confirm,
            progress=progress,
        )


def _check_prune_scope(paths: Sequence[Path], flows_dir: Path) -> None:
    """--prune only with the whole flows folder: a flow whose file was left out would
    look like one that has no file, and be deleted."""
    folder = flows_dir.resolve()
    if any(folder == p.resolve() or folder.is_relative_to(p.resolve()) for p in paths):
        return
    given = ", ".join(str(path) for path in paths)
    raise UsageError(
        f"--prune needs the whole {flows_dir.name}/ folder, and {given} is only part of it",
        "A server flow is deleted only when no file of the project declares it; with part "
        "of the folder, the flows of the other files would look deleted. Nothing was sent.",
        f"run `kestra-init sync --prune` without a path (or with {flows_dir.name}/), or leave "
        "--prune out to sync just these files",
    )


def watch(
    *,
    start: Path | None = None,
    paths: Sequence[Path] = (),
    connection_flags: ConnectionFlags = NO_FLAGS,
    prune: bool = False,
    confirm_prune: ConfirmPrune | None = None,
    namespace_files: bool = True,
    validate: bool = True,
    listener: WatchListener,
) -> WatchResult:
    """`sync --watch`: a first sync, then one per burst of saves, until Ctrl-C."""
    # Imported here: a one-off sync needs neither the watcher nor its session.
    from kestra_init.kestra.client import KestraClient
    from kestra_init.services.watch import WatchSession, WatchSettings
    from kestra_init.services.watch_changes import WatchedPaths

    project = find_project(start, required=True)
    if paths:
        missing = [path for path in paths if not path.exists()]
        if missing:
            raise UsageError(
                f"{missing[0]} does not exist",
                "sync --watch watches the flow files and folders given.",
                "check the path, or run `kestra-init sync --watch` without a path",
            )
        if prune:
            _check_prune_scope(paths, project.flows_dir)
        folders = tuple(path for path in paths if path.is_dir())
        files = tuple(path for path in paths if not path.is_dir())
        files_dir = None
    else:
        _check_readable(project.flows_dir)
        folders, files = (project.flows_dir,), ()
        files_dir = project.namespace_files_dir if namespace_files else None
    for folder in folders:
        _check_readable(folder)
    settings = WatchSettings(
        WatchedPaths(folders, files, files_dir),
        project.root,
        prune=prune,
        validate=validate,
        context=context_for_project(project.root),
    )
    connection = connection_flags.resolve(project)
    with KestraClient(connection, timeout=WATCH_TIMEOUT, retries=1) as client:
        return WatchSession(client, settings, listener, confirm_prune).run()


def _check_readable(folder: Path) -> None:
    """A folder the watch cannot list would never show a change: said before it starts."""
    if not folder.is_dir():
        raise UsageError(
            f"the project has no {folder.name}/ folder",
            f"sync --watch watches the project's flows in {folder}.",
            "create it and put flow files in it, or pass the paths of flow files to watch",
        )
    try:
        with os.scandir(folder):
            pass
    except OSError as error:
        raise EnvironmentProblem(
            f"{folder} cannot be read: {error.strerror or error}",
            "sync --watch reads every flow file in it, and nothing was sent.",
            f"give yourself read access to it (e.g. `chmod u+rx {folder}`), then run it again",
        ) from None
