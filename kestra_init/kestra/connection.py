"""Where Kestra is and who we are to it: the settings every API command shares.

Resolved in this order, first found wins:

1. the flags ``--server``, ``--username``, ``--password``, ``--api-token``;
2. the variables ``KESTRA_URL``, ``KESTRA_USERNAME``, ``KESTRA_PASSWORD``,
   ``KESTRA_API_TOKEN`` (how CI deploys to a remote Kestra);
3. the project's ``.env`` (``KESTRA_PORT``, ``KESTRA_ADMIN_EMAIL``,
   ``KESTRA_ADMIN_PASSWORD``);
4. ``http://localhost:8080``.

The project's own credentials are only sent to the project's own server: when
the URL comes from a flag or ``KESTRA_URL``, the username and password must come
from flags or variables too, so local secrets never travel to another host.
Inside a codespace the API is still reached on localhost; only links meant for
a browser use the forwarded URL (``ui_url``).

Nothing here imports httpx: the CLI builds a ``Connection`` before it knows
whether a request will be made.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from kestra_init.codespaces.environment import public_url
from kestra_init.errors import UsageError
from kestra_init.project import Project

DEFAULT_URL = "http://localhost:8080"
TENANT = "main"  # the open-source edition has this one tenant (Kestra 0.23 and later)

ENV_URL = "KESTRA_URL"
ENV_USERNAME = "KESTRA_USERNAME"
ENV_PASSWORD = "KESTRA_PASSWORD"
ENV_API_TOKEN = "KESTRA_API_TOKEN"


@dataclass(frozen=True)
class ConnectionFlags:
    """What the user gave on the command line; None means "look further down the list"."""

    server: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)

    def given(self, server_option: str = "--server") -> list[str]:
        """The flags that were given, by name (for messages)."""
        names = (server_option, "--username", "--password", "--api-token")
        values = (self.server, self.username, self.password, self.api_token)
        return [name for name, value in zip(names, values, strict=True) if value]

    def resolve(self, project: Project | None, *, server_option: str = "--server") -> Connection:
        return resolve_connection(
            project,
            server=self.server,
            username=self.username,
            password=self.password,
            api_token=self.api_token,
            server_option=server_option,
        )


# Nothing given on the command line (frozen, so one shared value is safe as a default).
NO_FLAGS = ConnectionFlags()


@dataclass(frozen=True)
class Connection:
    """How to reach one Kestra server, and where each setting came from."""

    url: str  # the server's root, e.g. http://localhost:8080 (no /api/v1)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    api_token: str | None = field(default=None, repr=False)
    tenant: str = TENANT
    # setting name ("url", "username", "password", "api_token") -> where it came
    # from, e.g. "--server", "KESTRA_URL", ".env KESTRA_ADMIN_EMAIL", "default".
    sources: Mapping[str, str] = field(default_factory=dict)
    # True when the URL is the local project's (or the default): browser links
    # then go through codespaces.public_url.
    local: bool = True
    ui_port: int | None = None

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/v1/{self.tenant}"

    def source(self, setting: str) -> str:
        return self.sources.get(setting, "unknown")

    def ui_url(self, environ: Mapping[str, str] | None = None) -> str:
        """The server's root as a person's browser should open it."""
        if self.local and self.ui_port:
            return public_url(self.ui_port, environ)
        return self.url

    def execution_link(
        self,
        namespace: str,
        flow_id: str,
        execution_id: str,
        environ: Mapping[str, str] | None = None,
    ) -> str:
        where = f"{namespace}/{flow_id}/{execution_id}"
        return f"{self.ui_url(environ)}/ui/{self.tenant}/executions/{where}"

    def describe_credentials(self) -> str:
        """Which credentials are sent and where they came from, never their value."""
        if self.api_token:
            return f"an API token (from {self.source('api_token')})"
        if self.username and self.password:
            return (
                f"the username {self.username} (from {self.source('username')}) and a password "
                f"(from {self.source('password')})"
            )
        if self.username:
            return f"the username {self.username} (from {self.source('username')}) and no password"
        return "no credentials"


@dataclass(frozen=True)
class ParsedUrl:
    """A server URL as typed, split: the root to call, and credentials from its user-info."""

    url: str  # scheme, host, port and any path prefix: never a user name or password
    username: str | None = None
    password: str | None = field(default=None, repr=False)


# Everything up to the last @ before the path: a user name may hold an unescaped @.
_USERINFO = re.compile(r"(?<=://)[^/?#\s]*@")


def redact_url(text: str) -> str:
    """``text`` with the user-info of every URL in it replaced by ``***``.

    For anything that echoes what a person typed: a URL given as
    ``https://user:password@host`` must never be printed, logged or stored as typed.
    """
    return _USERINFO.sub("***@", text)


def normalise_url(raw: str, origin: str) -> ParsedUrl:
    """The server root from what a person typed: scheme, host and port checked.

    A user name and password in the URL (``https://user%40x.io:secret@host``)
    are taken out and returned as credentials: the URL kept is free of them, so
    no message, table, JSON answer or link can show them. API suffixes people
    paste (``/api/v1/main``, ``/ui``) are removed. Anything malformed is a
    usage error before any request is made.
    """
    shown = redact_url(raw.strip())

    def refuse(why: str) -> UsageError:
        return UsageError(
            f"'{shown}' (from {origin}) is not a Kestra URL",
            why,
            f"fix {origin}, for example --server http://localhost:8080 or "
            "https://kestra.example.com",
        )

    text = raw.strip().rstrip("/")
    if any(ord(char) < 33 or char == "\x7f" for char in text):
        raise refuse("It contains a space or a control character.")
    try:
        parts = urlsplit(text)
        port = parts.port  # raises for a port that is not a number from 0 to 65535
        host = parts.hostname
    except ValueError as error:
        if "port" in str(error).lower():
            raise refuse("Its port must be a number from 1 to 65535.") from None
        raise refuse(f"It cannot be read as a URL ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise refuse(
            "It must start with http:// or https://"
            + (f" (it starts with {parts.scheme}://)." if parts.scheme else ".")
        )
    if not host:
        raise refuse("It names no host; a Kestra URL looks like http://localhost:8080.")
    if port == 0:
        raise refuse("Port 0 is not a port a server listens on.")
    netloc = parts.netloc.rpartition("@")[2]
    path = parts.path.rstrip("/")
    # People often paste the API's or the UI's address; keep only the server's root.
    for suffix in (f"/api/v1/{TENANT}", "/api/v1", "/ui"):
        if path.endswith(suffix):
            path = path[: -len(suffix)]
            break
    return ParsedUrl(
        url=f"{parts.scheme}://{netloc}{path}",
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
    )


def resolve_connection(
    project: Project | None,
    *,
    server: str | None = None,
    username: str | None = None,
    password: str | None = None,
    api_token: str | None = None,
    environ: Mapping[str, str] | None = None,
    server_option: str = "--server",
) -> Connection:
    """The connection settings: flags, then variables, then the project's .env, then defaults.

    ``server_option`` names the URL flag in messages (``validate`` calls it ``--url``).
    """
    env = os.environ if environ is None else environ
    sources: dict[str, str] = {}

    local = False
    ui_port: int | None = None
    typed: ParsedUrl | None = None
    if server:
        typed, sources["url"] = normalise_url(server, server_option), server_option
    elif env.get(ENV_URL):
        typed, sources["url"] = normalise_url(env[ENV_URL], ENV_URL), ENV_URL
    if typed is not None:
        url = typed.url
    elif project is not None:
        ui_port = project.ui_port
        url = f"http://localhost:{ui_port}"
        sources["url"] = ".env KESTRA_PORT" if project.env.get("KESTRA_PORT") else "the project"
        local = True
    else:
        url, sources["url"], local, ui_port = DEFAULT_URL, "default", True, 8080

    def pick(
        name: str,
        flag_value: str | None,
        flag: str,
        variable: str,
        project_value: Callable[[], str | None],
        project_origin: str,
        in_url: str | None = None,
    ) -> str | None:
        if flag_value:
            sources[name] = flag
            return flag_value
        if in_url:
            sources[name] = f"the user-info of {sources['url']}"
            return in_url
        if env.get(variable):
            sources[name] = variable
            return env[variable]
        # Asked last: the answers behind it are YAML, read only for the project's own server.
        value = project_value() if local and project is not None else None
        if value:
            sources[name] = project_origin
            return value
        return None

    email_origin = ".env KESTRA_ADMIN_EMAIL"
    if project is not None and not project.env.get("KESTRA_ADMIN_EMAIL"):
        email_origin = ".copier-answers.yml admin_email"
    chosen_username = pick(
        "username",
        username,
        "--username",
        ENV_USERNAME,
        lambda: project.admin_email if project else None,
        email_origin,
        typed.username if typed else None,
    )
    chosen_password = pick(
        "password",
        password,
        "--password",
        ENV_PASSWORD,
        lambda: project.admin_password if project else None,
        ".env KESTRA_ADMIN_PASSWORD",
        typed.password if typed else None,
    )
    chosen_token = pick("api_token", api_token, "--api-token", ENV_API_TOKEN, lambda: None, "")
    return Connection(
        url=url,
        username=chosen_username,
        password=chosen_password,
        api_token=chosen_token,
        sources=sources,
        local=local,
        ui_port=ui_port,
    )
