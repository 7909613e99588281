"""The fake's HTTP server: routing, authentication, faults, error bodies.

The route handlers live in ``flow_routes``, ``execution_routes`` and ``file_routes``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable
from email import policy as email_policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from .execution_routes import ExecutionRoutes
from .faults import Fault
from .file_routes import FileRoutes
from .flow_routes import FlowRoutes
from .http_errors import HttpError
from .store import RequestRecord, State
from .tables import TENANT


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, state: State, role: str) -> None:
        self.state = state
        self.role = role  # "api" or "management"
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def drop_connections(self) -> None:
        """Close the kept-alive connections too, as a server that stops does."""
        with self.connections_lock:
            open_now = list(self.connections)
        for connection in open_now:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)


class Handler(FlowRoutes, ExecutionRoutes, FileRoutes, BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    server_version = "fake-kestra"
    # Headers and body go out in two writes; with Nagle's algorithm on, a kept-alive
    # connection would wait for the client's delayed ACK (~40 ms) between them.
    disable_nagle_algorithm = True

    # Plumbing -------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if self.server.state.settings.quiet:
            return
        sys.stderr.write(f"fake-kestra {self.server.role}: {format % args}\n")

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.log_message('"%s %s" %s', self.command, self.path, code)

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def do_PUT(self) -> None:
        self._dispatch()

    def do_DELETE(self) -> None:
        self._dispatch()

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().strip().split(b";")[0], 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str | None = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        if content_type and body:
            self.send_header("Content-Type", content_type)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        # Logged before the answer leaves, so a client that has its answer finds it logged.
        self._record(status)
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def _json(self, status: int, data: Any) -> None:
        self._send(status, json.dumps(data).encode())

    def _record(self, status: int) -> None:
        split = urlsplit(self.path)
        if split.path.startswith("/_fake/"):
            return  # the test controls are not part of what is measured
        record = RequestRecord(self.command, split.path, split.query, status, self.server.role)
        with self.server.state.lock:
            self.server.state.requests.append(record)

    def _error(self, error: HttpError) -> None:
        if error.empty:
            self._send(error.status, b"")
            return
        if self.server.state.settings.error_style == "problem":
            body = {
                "type": "about:blank",
                "title": HTTPStatus(error.status).phrase,
                "status": error.status,
                "detail": error.message,
                "errors": [
                    {
                        "detail": e["message"],
                        "pointer": "/" + e.get("path", "").replace(".", "/"),
                        "path": e.get("path", ""),
                    }
                    for e in error.errors
                ],
            }
            self._send(error.status, json.dumps(body).encode(), "application/problem+json")
            return
        body = {
            "message": error.message,
            "_links": {"self": {"href": urlsplit(self.path).path, "templated": False}},
            "_embedded": {"errors": error.errors or [{"message": error.message}]},
        }
        self._send(error.status, json.dumps(body).encode())

    def _dispatch(self) -> None:
        state = self.server.state
        split = urlsplit(self.path)
        path = unquote(split.path)
        query = parse_qs(split.query, keep_blank_values=True)
        body = self._read_body()
        for fault in state.take_fault(self.command, path):
            if fault.kind == "slow":
                time.sleep(fault.seconds)
            elif fault.kind == "drop":
                self.close_connection = True
                self._record(0)
                self.log_message('"%s %s" dropped', self.command, self.path)
                return
            elif fault.kind == "status":
                if fault.body is not None:
                    raw = fault.body if isinstance(fault.body, bytes) else fault.body.encode()
                    self._send(fault.status, raw)
                else:
                    self._error(HttpError(fault.status, f"Injected failure {fault.status}"))
                return
        try:
            if self.server.role == "management":
                self._management(path, query, body)
            else:
                self._api(path, query, body)
        except HttpError as error:
            self._error(error)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    # Management port ------------------------------------------------------
    def _management(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        state = self.server.state
        if path in ("/health", "/health/readiness", "/health/liveness"):
            if not state.ready:
                self._json(503, {"status": "DOWN"})
            else:
                self._json(
                    200,
                    {
                        "status": "UP",
                        "details": {"service": {"name": "fake-kestra", "status": "UP"}},
                    },
                )
            return
        if path == "/_fake/requests" and self.command == "GET":
            with state.lock:
                self._json(200, [r.__dict__ for r in state.requests])
            return
        if path == "/_fake/flows" and self.command == "GET":
            with state.lock:
                data = [r.as_json(with_source=True) for r in state.flows.values() if not r.deleted]
            self._json(200, data)
            return
        if path == "/_fake/faults":
            if self.command == "DELETE":
                with state.lock:
                    state.faults.clear()
                self._send(204)
                return
            if self.command == "POST":
                spec = json.loads(body or b"{}")
                with state.lock:
                    state.faults.append(Fault(**spec))
                self._send(204)
                return
        raise HttpError(404, "Not Found")

    # API port -------------------------------------------------------------
    def _api(self, path: str, query: dict[str, list[str]], body: bytes) -> None:
        state = self.server.state
        if not state.ready:
            raise HttpError(503, "Service Unavailable")
        if state.settings.latency:
            time.sleep(state.settings.latency)
        if path == "/api/v1/configs" and self.command == "GET":
            self._json(
                200,
                {
                    "uuid": "00000000-0000-0000-0000-000000000000",
                    "version": state.settings.version,
                    "edition": "OSS",
                    "commitId": "fake",
                    "isBasicAuthInitialized": state.auth_initialized,
                    "url": state.settings.kestra_url,
                },
            )
            return
        match = re.match(r"^/api/v1/([^/]+)/(.*)$", path)
        if not match:
            raise HttpError(404, "Not Found")
        if not self._authorized():
            self._send(401, b"", headers={"WWW-Authenticate": 'Basic realm="Kestra"'})
            return
        tenant, rest = match.groups()
        if tenant in TENANTLESS_ROOTS:
            # 1.0 to 1.3 alias the old tenant-less paths to `main` (webserver
            # TenantAliasingRooter); 2.0 drops them.
            tenant, rest = TENANT, f"{tenant}/{rest}"
        if tenant != TENANT:
            raise HttpError(
                400,
                f"Tenant '{tenant}' does not exist; the open-source edition has only '{TENANT}'",
            )
        for method, pattern, handler in ROUTES:
            if method != self.command:
                continue
            route = re.fullmatch(pattern, rest)
            if route:
                handler(self, query, body, **route.groupdict())
                return
        raise HttpError(404, "Not Found")

    def _authorized(self) -> bool:
        settings = self.server.state.settings
        header = self.headers.get("Authorization", "")
        if settings.api_token and header == f"Bearer {settings.api_token}":
            return True
        if not self.server.state.auth_initialized:
            return False  # the setup page: nothing is allowed
        if not header.startswith("Basic "):
            return False
        try:
            decoded = base64.b64decode(header[6:], validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return False
        return decoded == f"{settings.username}:{settings.password}"

    def _require_yaml(self) -> None:
        content_type = self.headers.get("Content-Type", "").split(";")[0].strip()
        if content_type != "application/x-yaml":
            raise HttpError(
                415, f"Unsupported Media Type: {content_type or 'none'}; send application/x-yaml"
            )

    def _multipart(self, body: bytes) -> list[tuple[str, str | None, bytes]]:
        content_type = self.headers.get("Content-Type", "")
        if not content_type.startswith("multipart/form-data"):
            raise HttpError(
                415, f"Unsupported Media Type: {content_type or 'none'}; send multipart/form-data"
            )
        message = BytesParser(policy=email_policy.HTTP).parsebytes(
            b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
        )
        parts = []
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            parts.append((str(name), part.get_filename(), part.get_payload(decode=True) or b""))
        return parts


_NAME = r"[^/]+"
TENANTLESS_ROOTS = ("flows", "executions", "logs", "namespaces")
# Literal routes of FlowController: they win over `flows/{namespace}`, so a namespace
# with one of these names cannot use the bulk namespace endpoint (kestra.md).
LITERAL_FLOW_ROUTES = (
    "validate",
    "import",
    "search",
    "bulk",
    "graph",
    "export",
    "delete",
    "disable",
    "enable",
    "distinct-namespaces",
)
_LITERAL = "|".join(LITERAL_FLOW_ROUTES)

ROUTES: list[tuple[str, str, Callable[..., None]]] = [
    ("POST", r"flows", Handler.create_flow),
    ("POST", r"flows/validate", Handler.validate_flows),
    ("POST", r"flows/import", Handler.import_flows),
    ("POST", r"flows/bulk", Handler.bulk_update),
    ("GET", r"flows/search", Handler.search_flows),
    ("GET", r"flows/distinct-namespaces", Handler.distinct_namespaces),
    ("GET", r"flows/export/by-query", Handler.export_flows),
    # What FlowController answers on its other literal paths with a method it has no
    # route for there: never the namespace endpoints.
    ("POST", rf"flows/(?:{_LITERAL})", Handler.method_not_allowed),
    ("GET", rf"flows/(?:{_LITERAL})", Handler.method_not_allowed),
    (
        "GET",
        rf"flows/(?P<namespace>{_NAME})/(?P<flow_id>{_NAME})/revisions",
        Handler.flow_revisions,
    ),
    ("GET", rf"flows/(?P<namespace>{_NAME})/(?P<flow_id>{_NAME})", Handler.get_flow),
    ("PUT", rf"flows/(?P<namespace>{_NAME})/(?P<flow_id>{_NAME})", Handler.update_flow),
    ("DELETE", rf"flows/(?P<namespace>{_NAME})/(?P<flow_id>{_NAME})", Handler.delete_flow),
    ("GET", rf"flows/(?P<namespace>{_NAME})", Handler.list_namespace),
    ("POST", rf"flows/(?P<namespace>{_NAME})", Handler.bulk_namespace),
    ("GET", rf"executions/(?P<execution_id>{_NAME})/follow", Handler.follow_execution),
    ("DELETE", rf"executions/(?P<execution_id>{_NAME})/kill", Handler.kill_execution),
    ("POST", rf"executions/(?P<namespace>{_NAME})/(?P<flow_id>{_NAME})", Handler.run_flow),
    ("GET", rf"executions/(?P<execution_id>{_NAME})", Handler.get_execution),
    ("GET", rf"logs/(?P<execution_id>{_NAME})/follow", Handler.follow_logs),
    ("GET", rf"logs/(?P<execution_id>{_NAME})", Handler.get_logs),
    ("GET", rf"namespaces/(?P<namespace>{_NAME})/files/export", Handler.export_files),
    ("GET", rf"namespaces/(?P<namespace>{_NAME})/files/directory", Handler.list_directory),
    ("POST", rf"namespaces/(?P<namespace>{_NAME})/files", Handler.upload_file),
    ("GET", rf"namespaces/(?P<namespace>{_NAME})/files", Handler.get_file),
    ("DELETE", rf"namespaces/(?P<namespace>{_NAME})/files", Handler.delete_file),
    ("PUT", rf"namespaces/(?P<namespace>{_NAME})/kv/(?P<key>{_NAME})", Handler.put_kv),
    ("GET", rf"namespaces/(?P<namespace>{_NAME})/kv/(?P<key>{_NAME})", Handler.get_kv),
]
