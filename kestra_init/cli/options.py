"""The options several commands share, written once.

Typer reads these annotations at run time, so they keep ``Optional[...]``
(Python 3.10 cannot evaluate ``X | None`` inside ``Annotated`` for typer).
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

ProjectOption = Annotated[
    Optional[Path],  # noqa: UP045 - typer reads the annotation at run time on 3.10
    typer.Option(
        "--project",
        "-C",
        help="The project folder (default: the one holding the current folder).",
        show_default=False,
    ),
]

JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the result as one JSON object on stdout (see README)."),
]

# Connection to a Kestra server: the local project's by default, any server by flag/variable.
ServerOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--server",
        metavar="URL",
        help="Kestra's URL (default: KESTRA_URL, else the project's http://localhost:KESTRA_PORT).",
        show_default=False,
    ),
]
UsernameOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--username",
        help="Kestra username (default: KESTRA_USERNAME, else .env KESTRA_ADMIN_EMAIL).",
        show_default=False,
    ),
]
PasswordOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--password",
        help="Kestra password (default: KESTRA_PASSWORD, else .env KESTRA_ADMIN_PASSWORD). "
        "Prefer the variable: flags show in the process list.",
        show_default=False,
    ),
]
ApiTokenOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--api-token",
        help="API token sent as a bearer token instead of the password (or KESTRA_API_TOKEN).",
        show_default=False,
    ),
]

# new / update (the Copier template)
DataOption = Annotated[
    Optional[list[str]],  # noqa: UP045
    typer.Option(
        "--data",
        "-d",
        metavar="KEY=VALUE",
        help="Answer a template question, e.g. --data namespace=company.team (repeatable).",
        show_default=False,
    ),
]
TemplateOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--template",
        metavar="SRC",
        help="Use another Copier template: a folder, a git URL or gh:owner/repo.",
        show_default=False,
    ),
]
VcsRefOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--vcs-ref", metavar="REF", help="Template git tag or commit to use.", show_default=False
    ),
]

# The Docker stack
ComposeFileOption = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option(
        "--compose-file",
        "-f",
        metavar="FILE",
        help="Compose file to use instead of the project's (repeatable, later ones override; "
        "COMPOSE_FILE and COMPOSE_PROJECT_NAME are honoured too).",
        show_default=False,
    ),
]


# `logs` keeps -f for --follow, as `docker compose logs -f` does.
LogsComposeFileOption = Annotated[
    Optional[list[Path]],  # noqa: UP045
    typer.Option(
        "--compose-file",
        metavar="FILE",
        help="Compose file to use instead of the project's (repeatable; COMPOSE_FILE is "
        "honoured too).",
        show_default=False,
    ),
]


class ConflictStyle(str, Enum):
    inline = "inline"
    rej = "rej"


class ValidateFormat(str, Enum):
    text = "text"
    json = "json"
    github = "github"


# `run` and `attach`: how long to follow an execution.
FollowTimeoutOption = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--timeout",
        metavar="SECONDS",
        help="Stop waiting after this long (exit 5); the execution itself goes on.",
        show_default=False,
    ),
]

# `up` and `prepare`: how long to wait for a Docker daemon that starts late.
WaitForDockerOption = Annotated[
    Optional[float],  # noqa: UP045
    typer.Option(
        "--wait-for-docker",
        min=0,
        metavar="SECONDS",
        help="Wait this long for a Docker daemon that is still starting "
        "(default: 120 in a codespace or dev container, else 0).",
    ),
]
