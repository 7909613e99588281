"""HTTP to one Kestra server, on httpx: authentication, retries, counting requests.

This module and ``client`` are the only ones that import httpx, and nothing
imported when the CLI starts imports them: commands import the client inside
the functions that make requests (httpx costs a tenth of a second).

Retries: with backoff, on connection errors and 5xx answers only, never on a
4xx. A request that never reached the server (connection refused, connect
timeout) is always safe to send again. Once a request may have reached the
server, only idempotent ones are sent again (GET, PUT, DELETE, the bulk
namespace update, validate, file uploads); the others raise ``Uncertain`` so
the caller can look before sending again.
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any, TypeVar
from urllib.parse import quote

from kestra_init import __version__
from kestra_init.errors import KestraInitError
from kestra_init.kestra.connection import Connection
from kestra_init.kestra.http_errors import (
    api_error,
    auth_error,
    server_message,
    timeout_error,
    unexpected_answer,
    unreachable_error,
)
from kestra_init.kestra.lean_httpx import httpx

DEFAULT_TIMEOUT = 30.0
DEFAULT_RETRIES = 3
Self = TypeVar("Self", bound="Transport")


class Uncertain(Exception):
    """A non-idempotent request failed after it may have reached the server."""

    def __init__(self, error: KestraInitError) -> None:
        super().__init__(str(error))
        self.error = error


def quote_segment(segment: str) -> str:
    return quote(segment, safe="")


def describe(error: httpx.TransportError) -> str:
    text = str(error) or type(error).__name__
    lowered = text.lower()
    if "connection refused" in lowered:
        return "connection refused (nothing listens there)"
    if "name or service not known" in lowered or "nodename nor servname" in lowered:
        return "the host name does not resolve"
    if isinstance(error, httpx.ConnectTimeout):
        return "no answer to the connection attempt"
    if isinstance(error, httpx.RemoteProtocolError):
        return f"the server closed the connection without an answer ({text})"
    return text


class Transport:
    """HTTP to one Kestra server: authentication, retries, request counting."""

    def __init__(
        self,
        connection: Connection,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        connect_timeout: float = 5.0,
        retries: int = DEFAULT_RETRIES,
        backoff: float = 0.3,
    ) -> None:
        self.connection = connection
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.requests_made = 0  # every attempt, retries included
        self._count_lock = threading.Lock()  # sync writes namespaces from several threads
        headers = {"User-Agent": f"kestra-init/{__version__}"}
        auth: httpx.Auth | None = None
        if connection.api_token:
            headers["Authorization"] = f"Bearer {connection.api_token}"
        elif connection.username is not None and connection.password is not None:
            auth = httpx.BasicAuth(connection.username, connection.password)
        self._http = httpx.Client(
            base_url=connection.url,
            auth=auth,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=min(connect_timeout, timeout)),
            # Loading the CA bundle costs ~0.1 s; a plain-http server never uses it
            # (redirects are not followed, so a request cannot end up on https).
            verify=connection.url.startswith("https://"),
            follow_redirects=False,
        )

    def __enter__(self: Self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # Plumbing -------------------------------------------------------------------
    def _count(self) -> None:
        with self._count_lock:
            self.requests_made += 1

    def _api(self, *segments: str) -> str:
        return f"/api/v1/{quote_segment(self.connection.tenant)}/" + "/".join(segments)

    def _send(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool = True,
        retry: bool = True,
        doing: str = "",
        **kwargs: Any,
    ) -> httpx.Response:
        """One request with retries; 401/403 raise; other statuses are the caller's."""
        attempts = (self.retries if retry else 0) + 1
        doing = doing or f"{method} {path}"
        last: KestraInitError | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 5.0))
            self._count()
            try:
                response = self._http.request(method, path, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                # The request never reached the server: always safe to try again.
                last = unreachable_error(self.connection, describe(error))
                continue
            except httpx.TimeoutException:
                last = timeout_error(self.connection, self.timeout, doing)
                if not idempotent:
                    raise Uncertain(last) from None
                continue
            except httpx.TransportError as error:
                last = unreachable_error(self.connection, describe(error))
                if not idempotent:
                    raise Uncertain(last) from None
                continue
            status = response.status_code
            if status in (401, 403):
                raise auth_error(self.connection, status)
            if status >= 500:
                last = api_error(
                    method, path, status, server_message(response.content), doing=doing
                )
                if not idempotent:
                    raise Uncertain(last)
                continue
            return response

        assert last is not None
        raise last

    @staticmethod
    def _expect(response: httpx.Response, *statuses: int, doing: str = "") -> httpx.Response:
        if response.status_code not in statuses:
            request = response.request
            raise api_error(
                request.method,
                request.url.path,
                response.status_code,
                server_message(response.content, response.headers.get("content-type", "")),
                doing=doing,
            )
        return response

    def _json(self, response: httpx.Response, *statuses: int, doing: str) -> Any:
        """The JSON body of an expected answer; ``UnexpectedAnswer`` when it is not JSON.

        A proxy's login page or a web server at the wrong URL answers 200 too:
        that is a wrong server, never a bug of ours (exit 4, not 70).
        """
        self._expect(response, *statuses, doing=doing)
        try:
            return json.loads(response.content)
        except ValueError:
            raise unexpected_answer(self.connection, response, doing, "is not JSON") from None

    def _json_object(self, response: httpx.Response, *statuses: int, doing: str) -> dict[str, Any]:
        data = self._json(response, *statuses, doing=doing)
        if not isinstance(data, dict):
            raise unexpected_answer(self.connection, response, doing, "is not a JSON object")
        return data

    def _json_list(
        self, response: httpx.Response, *statuses: int, doing: str
    ) -> list[dict[str, Any]]:
        data = self._json(response, *statuses, doing=doing)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise unexpected_answer(self.connection, response, doing, "is not a list of objects")
        return data
