"""The connection to the stack's own Kestra, as the compose configuration publishes it."""

from __future__ import annotations

from kestra_init.kestra.connection import Connection
from kestra_init.project import Project
from kestra_init.stack.model import KESTRA_UI_TARGET, StackConfig


def local_connection(project: Project, config: StackConfig) -> Connection:
    """The published UI port on this machine (overrides included) and .env's login.

    KESTRA_URL and friends are not read here: `up` and `status` are about the
    project's own stack, whatever remote server other commands may be pointed at.
    """
    kestra = config.kestra_service
    published = config.published(kestra, KESTRA_UI_TARGET) if kestra else None
    if published is not None:
        url, port = f"http://{published.probe_host}:{published.published}", published.published
    else:
        url, port = f"http://127.0.0.1:{project.ui_port}", project.ui_port
    return Connection(
        url=url,
        username=project.admin_email,
        password=project.admin_password,
        sources={
            "url": "the compose file's published port",
            "username": ".env KESTRA_ADMIN_EMAIL",
            "password": ".env KESTRA_ADMIN_PASSWORD",
        },
        local=True,
        ui_port=port,
    )
