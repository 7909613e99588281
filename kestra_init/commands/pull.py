"""`kestra-init pull`: bring into the project what was changed on the server (in Kestra's UI).

Finds the project, resolves the connection and hands the work to
``services.pull.pipeline.pull_project``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from kestra_init.errors import UsageError
from kestra_init.kestra.connection import NO_FLAGS, ConnectionFlags
from kestra_init.project import find_project
from kestra_init.services.pull.model import PullResult
from kestra_init.services.pull.pipeline import ConfirmPull, PullOptions, pull_project

_NAMESPACE = r"^[a-z0-9][a-z0-9._-]*$"


def pull(
    *,
    start: Path | None = None,
    namespaces: Sequence[str] = (),
    connection_flags: ConnectionFlags = NO_FLAGS,
    options: PullOptions | None = None,
    confirm: ConfirmPull | None = None,
) -> PullResult:
    """The command: the project's namespaces by default, or those named."""
    # httpx costs a tenth of a second to import: loaded once a request is to be made.
    from kestra_init.kestra.client import KestraClient

    options = options or PullOptions()
    if options.force and options.keep_both:
        raise UsageError(
            "--force and --keep-both do not go together",
            "--force writes the server's version over the file; --keep-both writes it "
            "beside the file and leaves the file as it is.",
            "choose one of them",
        )
    wrong = [name for name in namespaces if not re.match(_NAMESPACE, name)]
    if wrong:
        raise UsageError(
            f"'{wrong[0]}' is not a namespace name",
            "A Kestra namespace is lower case letters, digits, dots, dashes and underscores, "
            "starting with a letter or a digit.",
            "give it as it appears in the flows, e.g. `kestra-init pull company.team`",
        )
    project = find_project(start, required=True)
    connection = connection_flags.resolve(project)
    with KestraClient(connection) as client:
        return pull_project(client, project, namespaces, options=options, confirm=confirm)
