"""Turning what Kestra answered into errors a person can act on.

Kestra 1.x answers errors as ``{"message": ..., "_embedded": {"errors": [{"message",
"path"}]}}`` and 401 with an empty body; 2.0 answers ``application/problem+json``
(``{"title", "status", "detail", "errors": [{"detail", "pointer", "path"}]}``).
``server_message`` reads both, so every error carries the server's own words.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from kestra_init.errors import (
    DeadlineExceeded,
    KestraApiError,
    KestraAuthError,
    KestraUnreachable,
    UnexpectedAnswer,
)

if TYPE_CHECKING:
    from kestra_init.kestra.lean_httpx import httpx
from kestra_init.kestra.connection import Connection
from kestra_init.project.credentials import password_problem, username_problem

RULES = (
    "Kestra's rules: the username must be an email address; the password needs 8 to 256 "
    "characters with a lower-case letter, an upper-case letter and a digit. Credentials in "
    "Kestra's configuration that break them leave it on its setup page, where every API call "
    "answers 401"
)


def server_message(body: bytes, content_type: str = "") -> str:
    """The server's own explanation from an error body (1.x or 2.0 shape), or ''."""
    if not body.strip():
        return ""
    try:
        data: Any = json.loads(body)
    except ValueError:
        text = body.decode("utf-8", "replace").strip()
        # An HTML error page from a proxy says nothing useful beyond its status.
        return "" if text.lstrip().startswith("<") else text[:500]
    if not isinstance(data, dict):
        return str(data)[:500]
    parts: list[str] = []
    main = data.get("detail") or data.get("message") or data.get("title") or ""
    if main:
        parts.append(str(main))
    details = data.get("errors")
    if details is None:
        details = (data.get("_embedded") or {}).get("errors")
    for item in details or []:
        if not isinstance(item, dict):
            continue
        text = str(item.get("detail") or item.get("message") or "").strip()
        if text and not any(text in part for part in parts):
            parts.append(text)
    return "; ".join(parts)


def status_phrase(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return str(status)


def auth_error(connection: Connection, status: int) -> KestraAuthError:
    why = f"kestra-init sent {connection.describe_credentials()}. {RULES}."
    problems = [
        problem
        for problem in (
            username_problem(connection.username) if connection.username else None,
            password_problem(connection.password, in_compose=_from_project_env(connection))
            if connection.password
            else None,
        )
        if problem
    ]
    if problems:
        why += " Here " + "; ".join(problems) + "."
    if connection.api_token:
        fix = "check the token (--api-token or KESTRA_API_TOKEN) and that it is still valid"
    elif connection.local:
        fix = (
            "make KESTRA_ADMIN_EMAIL and KESTRA_ADMIN_PASSWORD in .env match the server's "
            "configuration; Kestra reads them when it starts, so after changing them run "
            "`kestra-init up` again"
        )
    else:
        fix = (
            "pass the server's credentials with --username and --password (or KESTRA_USERNAME "
            "and KESTRA_PASSWORD), or an API token with --api-token"
        )
    what = f"Kestra at {connection.url} refused the credentials ({status_phrase(status)})"
    if status == 403:
        what = f"Kestra at {connection.url} refused the request ({status_phrase(status)})"
        why = f"kestra-init sent {connection.describe_credentials()}, which may not do this."
        fix = "use credentials allowed to manage flows and executions"
    return KestraAuthError(what, why, fix)


def _from_project_env(connection: Connection) -> bool:
    """Whether the password sent is the local project's, from the .env compose reads."""
    return connection.local and connection.source("password").startswith(".env")


def unreachable_error(connection: Connection, cause: str) -> KestraUnreachable:
    if connection.source("url") == "default":
        # No project and no URL given: "start the project's Kestra" would send the
        # user looking for a project that is not there.
        fix = (
            "run the command inside a project made by `kestra-init new` once `kestra-init up` "
            "has started it, or name the server with --server URL (or KESTRA_URL)"
        )
    elif connection.local:
        fix = (
            "start the project's Kestra with `kestra-init up` (and check KESTRA_PORT in .env "
            "if it listens on another port)"
        )
    else:
        fix = (
            f"check the URL (from {connection.source('url')}) and your network; for the "
            "project's own server, run `kestra-init up`"
        )
    return KestraUnreachable(
        f"Kestra is not reachable at {connection.url}",
        f"The connection failed: {cause}.",
        fix,
    )


def timeout_error(connection: Connection, seconds: float, doing: str) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"Kestra at {connection.url} did not answer within {seconds:g} s while {doing}",
        "The server is up but slow or overloaded (a JVM that is still starting answers late).",
        "try again in a moment; `kestra-init status` shows whether the stack is healthy",
    )


def api_error(
    method: str, url_path: str, status: int, message: str, *, doing: str = ""
) -> KestraApiError:
    what = f"Kestra answered {status_phrase(status)} to {method} {url_path}"
    if doing:
        what = f"Kestra answered {status_phrase(status)} while {doing}"
    why = f"The server said: {message}." if message else "The server gave no explanation."
    fix = (
        "check the server's logs (`kestra-init logs` for the project's own server) and try again"
        if status >= 500
        else "fix what the server names and try again"
    )
    return KestraApiError(what, why, fix, status=status, server_message=message)


def unexpected_answer(
    connection: Connection, response: httpx.Response, doing: str, problem: str
) -> UnexpectedAnswer:
    """A success status with a body Kestra never sends: a proxy page, another server."""
    content_type = response.headers.get("content-type", "") or "no content type"
    start = response.content[:80].decode("utf-8", "replace")
    start = " ".join(start.split())  # one line, whatever the page's layout
    looks_like = "an HTML page" if "html" in content_type.lower() or start.startswith("<") else ""
    seen = looks_like or f"a {content_type} answer"
    return UnexpectedAnswer(
        f"The server at {connection.url} is not answering like Kestra's API while {doing}",
        f"It answered {status_phrase(response.status_code)} with {seen} ({content_type}), whose "
        f"body {problem}; it starts with {start!r}. Kestra answers JSON: a proxy or login page "
        "in front of Kestra, or a URL that is not Kestra's, answers like this.",
        f"check the URL (from {connection.source('url')}): it must be Kestra's own root, such "
        "as https://kestra.example.com, with nothing in between that asks for a login; open "
        f"{connection.url}/api/v1/configs in a browser to see what answers there",
    )
