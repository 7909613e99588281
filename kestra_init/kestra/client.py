"""The Kestra REST client for the 1.x API (base ``/api/v1/main``): one method per endpoint.

The transport under it (``transport.Transport``: httpx, retries) sends a
request again only when that is safe. Creating a flow is not idempotent: after
an uncertain failure the client looks at the server first and sends it again
only if the flow is not there. Starting an execution is never sent twice.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Generator, Mapping, Sequence
from pathlib import PurePosixPath
from typing import Any

from kestra_init.errors import KestraApiError, KestraInitError
from kestra_init.kestra.http_errors import (
    api_error,
    auth_error,
    unexpected_answer,
    unreachable_error,
)
from kestra_init.kestra.lean_httpx import httpx
from kestra_init.kestra.models import (
    BULK_SEPARATOR,
    LITERAL_FLOW_ROUTES,
    Execution,
    FlowValidation,
    LogEntry,
)
from kestra_init.kestra.sse import FollowInterrupted, ServerEvent, iter_events
from kestra_init.kestra.transport import Transport, Uncertain, describe, quote_segment
from kestra_init.kestra.zip_archive import zip_entries

YAML = {"Content-Type": "application/x-yaml"}
SEARCH_PAGE = 100


class KestraClient(Transport):
    """One Kestra server, through its REST API. Use it as a context manager."""

    # Server state ------------------------------------------------------------------
    def configs(self, *, retry: bool = True) -> dict[str, Any]:
        """``GET /api/v1/configs``: version and setup state (open in 1.x, 401 in 2.0)."""
        response = self._send("GET", "/api/v1/configs", auth=None, retry=retry)
        return self._json_object(response, 200, doing="reading the server's configuration")

    def health(self, management_url: str, *, retry: bool = False) -> dict[str, Any]:
        """``GET /health`` on the management port: ``{"status": "UP"}`` once ready.

        A server that is starting answers 503 with ``{"status": "DOWN"}``; that is
        returned, not raised. Failing to connect raises ``KestraUnreachable``.
        """
        url = management_url.rstrip("/") + "/health"
        try:
            response = self._send("GET", url, auth=None, retry=retry, doing="checking /health")
        except KestraApiError as error:  # 5xx other than a health answer
            return {"status": "DOWN", "httpStatus": error.status}
        try:
            data = response.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        data.setdefault("status", "UP" if response.status_code == 200 else "DOWN")
        data["httpStatus"] = response.status_code
        return data

    def probe(self, *, retry: bool = True) -> None:
        """A cheap authenticated call: raises unless Kestra accepts our credentials."""
        response = self._send(
            "GET",
            self._api("flows", "search"),
            params={"size": 1},
            retry=retry,
            doing="checking the credentials",
        )
        self._expect(response, 200, doing="checking the credentials")

    # Flows --------------------------------------------------------------------------
    def search_flows(
        self,
        *,
        query: str | None = None,
        filters: Mapping[str, str] | None = None,
        page: int = 1,
        size: int = SEARCH_PAGE,
    ) -> tuple[list[dict[str, Any]], int]:
        """One page of ``GET /flows/search``; ``filters`` match exactly (``EQUALS``).

        Only the ``filters[...]`` form is sent: Kestra ignores the legacy parameters
        as soon as one filter is there (RequestUtils, 1.3).
        """
        params: dict[str, Any] = {"page": page, "size": size, "sort": "id:asc"}
        if query:
            params["filters[q][EQUALS]"] = query
        for field_name, value in (filters or {}).items():
            params[f"filters[{field_name}][EQUALS]"] = value
        response = self._send("GET", self._api("flows", "search"), params=params)
        data = self._json_object(response, 200, doing="searching flows")
        results = data.get("results")
        if not isinstance(results, list):
            raise unexpected_answer(
                self.connection, response, "searching flows", "has no list of results"
            )
        total = data.get("total")
        return [r for r in results if isinstance(r, dict)], total if isinstance(total, int) else 0

    def find_flow_namespaces(self, flow_id: str) -> list[str]:
        """The namespaces holding a flow with exactly this id."""
        found: list[str] = []
        page = 1
        while True:
            results, total = self.search_flows(query=flow_id, page=page)
            found += [str(f.get("namespace")) for f in results if f.get("id") == flow_id]
            if page * SEARCH_PAGE >= total or not results:
                return sorted(set(found))
            page += 1

    def distinct_namespaces(self) -> list[str]:
        """Every namespace that has a flow (``GET /flows/distinct-namespaces``)."""
        response = self._send("GET", self._api("flows", "distinct-namespaces"))
        data = self._json(response, 200, doing="listing the namespaces")
        if not isinstance(data, list):
            raise unexpected_answer(
                self.connection, response, "listing the namespaces", "is not a list"
            )
        return [str(name) for name in data]

    def get_flow(self, namespace: str, flow_id: str) -> dict[str, Any] | None:
        """The flow with its ``source``, or None when it does not exist."""
        response = self._send(
            "GET",
            self._api("flows", quote_segment(namespace), quote_segment(flow_id)),
            params={"source": "true"},
        )
        if response.status_code == 404:
            return None
        return self._json_object(response, 200, doing=f"reading flow {namespace}.{flow_id}")

    def flow_revisions(self, namespace: str, flow_id: str) -> list[dict[str, Any]] | None:
        """Every revision of a flow, oldest first, each with its ``source``; None when missing.

        ``GET /flows/{ns}/{id}/revisions`` (FlowController.listFlowRevisions, 1.0 to 1.3):
        Kestra keeps every revision; the deletion markers are left out (``allowDelete``
        defaults to false), so a flow deleted once still lists what it was.
        """
        doing = f"reading the revisions of flow {namespace}.{flow_id}"
        response = self._send(
            "GET",
            self._api("flows", quote_segment(namespace), quote_segment(flow_id), "revisions"),
            doing=doing,
        )
        if response.status_code == 404:
            return None
        return self._json_list(response, 200, doing=doing)

    def namespace_flows(self, namespace: str) -> list[dict[str, Any]]:
        """The flows of exactly ``namespace`` (no sources, with ``revision``), in one request.

        ``GET /flows/{namespace}``; a namespace named like one of FlowController's
        literal routes (``search``...) would reach that route, so it is searched instead.
        """
        if namespace in LITERAL_FLOW_ROUTES:
            return self.flows_in_namespace(namespace)
        doing = f"listing the flows of namespace {namespace}"
        response = self._send("GET", self._api("flows", quote_segment(namespace)), doing=doing)
        if response.status_code == 404:
            return []
        return [f for f in self._json_list(response, 200, doing=doing) if not f.get("deleted")]

    def flow_sources(self, namespace: str) -> list[str]:
        """The stored sources of the flows of ``namespace``, in one request when possible.

        Uses the export endpoint, whose legacy ``namespace`` filter is a prefix:
        flows of sub-namespaces come too, and the caller keeps the ones it wants.
        Builds without that endpoint get one request per flow instead.
        """
        doing = f"reading the flows of namespace {namespace}"
        response = self._send(
            "GET", self._api("flows", "export", "by-query"), params={"namespace": namespace}
        )
        if response.status_code in (404, 405):
            return self._flow_sources_one_by_one(namespace)
        self._expect(response, 200, doing=doing)
        if not response.content:
            return []
        try:
            return [
                content.decode("utf-8", "replace")
                for _name, content in zip_entries(response.content)
            ]
        except zipfile.BadZipFile:
            raise unexpected_answer(
                self.connection, response, doing, "is not the zip archive Kestra sends"
            ) from None

    def _flow_sources_one_by_one(self, namespace: str) -> list[str]:
        # The search endpoint, not `GET /flows/{namespace}`: a namespace named like one
        # of FlowController's literal routes (`search`, `distinct-namespaces`...) would
        # reach that route instead of the listing.
        sources = []
        for item in self.flows_in_namespace(namespace):
            flow = self.get_flow(namespace, str(item.get("id")))
            if flow and flow.get("source") is not None:
                sources.append(str(flow["source"]))
        return sources

    def flows_in_namespace(self, namespace: str) -> list[dict[str, Any]]:
        """Every flow of exactly ``namespace`` (no sources), page by page."""
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            results, total = self.search_flows(filters={"namespace": namespace}, page=page)
            found += [flow for flow in results if flow.get("namespace") == namespace]
            if page * SEARCH_PAGE >= total or not results:
                return found
            page += 1

    def create_flow(
        self, source: str, *, namespace: str | None = None, flow_id: str | None = None
    ) -> dict[str, Any]:
        """``POST /flows``. Knowing the flow's namespace and id makes retries safe."""
        path = self._api("flows")
        last: KestraInitError | None = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(min(self.backoff * 2 ** (attempt - 1), 5.0))
            try:
                response = self._send(
                    "POST", path, idempotent=False, content=source.encode(), headers=YAML
                )
            except Uncertain as uncertain:
                if namespace is None or flow_id is None:
                    raise uncertain.error from None
                # The create may have gone through: look before sending it again.
                stored = self.get_flow(namespace, flow_id)
                if stored is None:
                    last = uncertain.error
                    continue
                if str(stored.get("source", "")).strip() == source.strip():
                    return stored
                raise uncertain.error from None
            return self._json_object(response, 200, doing="creating a flow")
        assert last is not None
        raise last

    def update_flow(self, namespace: str, flow_id: str, source: str) -> dict[str, Any] | None:
        """``PUT /flows/{ns}/{id}``; None when the flow does not exist.

        Any 404 means "missing": the controller returns a bare 404, which Micronaut 4
        re-routes to Kestra's JSON NOT_FOUND handler (kestra.md, 1.x).
        """
        response = self._send(
            "PUT",
            self._api("flows", quote_segment(namespace), quote_segment(flow_id)),
            content=source.encode(),
            headers=YAML,
        )
        if response.status_code == 404:
            return None
        return self._json_object(response, 200, doing=f"updating flow {namespace}.{flow_id}")

    def put_flow(
        self, namespace: str, flow_id: str, source: str, *, exists: bool
    ) -> dict[str, Any]:
        """Create or update one flow, whichever the server needs, starting with ``exists``."""
        if exists:
            updated = self.update_flow(namespace, flow_id, source)
            if updated is not None:
                return updated
        try:
            return self.create_flow(source, namespace=namespace, flow_id=flow_id)
        except KestraApiError as error:
            if error.status not in (409, 422) or "already exists" not in error.server_message:
                raise
        updated = self.update_flow(namespace, flow_id, source)
        if updated is None:
            raise api_error("PUT", f"flows/{namespace}/{flow_id}", 404, "the flow vanished")
        return updated

    def delete_flow(self, namespace: str, flow_id: str) -> bool:
        """``DELETE /flows/{ns}/{id}``; False when it was not there (or already gone)."""
        response = self._send(
            "DELETE", self._api("flows", quote_segment(namespace), quote_segment(flow_id))
        )
        if response.status_code == 404:
            return False
        self._expect(response, 204, 200, doing=f"deleting flow {namespace}.{flow_id}")
        return True

    def update_namespace(
        self, namespace: str, sources: Sequence[str], *, delete: bool = False
    ) -> list[dict[str, Any]]:
        """Create or update many flows of one namespace in one request.

        ``delete`` is sent explicitly: Kestra's API defaults it to true, which
        deletes every flow of the namespace missing from the body. Sources must
        not contain ``---`` anywhere (the server splits on it).
        """
        if not sources:
            return []
        if any(BULK_SEPARATOR in source for source in sources):
            raise ValueError("a source containing '---' cannot go through the bulk endpoint")
        body = "\n---\n".join(source.strip() for source in sources)
        response = self._send(
            "POST",
            self._api("flows", quote_segment(namespace)),
            params={"delete": "true" if delete else "false"},
            content=body.encode(),
            headers=YAML,
            doing=f"writing the flows of namespace {namespace}",
        )
        return self._json_list(response, 200, doing=f"writing the flows of namespace {namespace}")

    def validate(self, sources: Sequence[str]) -> list[FlowValidation]:
        """``POST /flows/validate``: the server's verdict, one item per document sent."""
        body = "\n---\n".join(source.strip() for source in sources)
        response = self._send(
            "POST", self._api("flows", "validate"), content=body.encode(), headers=YAML
        )
        data = self._json_list(response, 200, doing="validating flows")
        return [FlowValidation.from_json(item) for item in data]

    # Namespace files ------------------------------------------------------------------
    def namespace_files(self, namespace: str) -> dict[str, bytes]:
        """Every file of the namespace, by path (``scripts/x.py``), in one request."""
        response = self._send(
            "GET", self._api("namespaces", quote_segment(namespace), "files", "export")
        )
        if response.status_code == 404:
            return {}
        doing = f"reading the files of namespace {namespace}"
        self._expect(response, 200, doing=doing)
        if not response.content:
            return {}
        try:
            return {name.lstrip("/"): content for name, content in zip_entries(response.content)}
        except zipfile.BadZipFile:
            raise unexpected_answer(
                self.connection, response, doing, "is not the zip archive Kestra sends"
            ) from None

    def upload_namespace_files(self, namespace: str, files: Mapping[str, bytes]) -> None:
        """Write files (path -> content) in one request: a zip, which Kestra unpacks."""
        if not files:
            return
        path = self._api("namespaces", quote_segment(namespace), "files")
        doing = f"uploading files to namespace {namespace}"
        if len(files) == 1:
            ((name, content),) = files.items()
            # The part's file name must not end in .zip, or Kestra would unpack it.
            upload = {"fileContent": (PurePosixPath(name).name + ".upload", content)}
            response = self._send(
                "POST", path, params={"path": "/" + name.lstrip("/")}, files=upload, doing=doing
            )
        else:
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, content in sorted(files.items()):
                    archive.writestr(name.lstrip("/"), content)
            upload = {"fileContent": ("files.zip", buffer.getvalue())}
            response = self._send("POST", path, params={"path": "/"}, files=upload, doing=doing)
        self._expect(response, 200, 204, doing=doing)

    # Executions -----------------------------------------------------------------------
    def run(
        self,
        namespace: str,
        flow_id: str,
        *,
        inputs: Mapping[str, str] | None = None,
        files: Mapping[str, tuple[str, bytes]] | None = None,
        labels: Mapping[str, str] | None = None,
    ) -> Execution:
        """Start an execution; inputs are form fields, FILE inputs file parts."""
        parts: list[tuple[str, tuple[str | None, bytes | str]]] = [
            (name, (None, value)) for name, value in (inputs or {}).items()
        ]
        parts += [
            (name, (filename, content)) for name, (filename, content) in (files or {}).items()
        ]
        params = [("labels", f"{key}:{value}") for key, value in (labels or {}).items()]
        extra: dict[str, Any] = {"files": parts}
        if not parts:
            # Kestra's endpoint reads multipart; send an empty form, not no body.
            extra = {
                "content": b"--kestra-init--\r\n",
                "headers": {"Content-Type": "multipart/form-data; boundary=kestra-init"},
            }
        doing = f"starting flow {namespace}.{flow_id}"
        try:
            response = self._send(
                "POST",
                self._api("executions", quote_segment(namespace), quote_segment(flow_id)),
                params=params,
                idempotent=False,
                doing=doing,
                **extra,
            )
        except Uncertain as uncertain:
            error = uncertain.error
            error.fix = (
                "look for a new execution of this flow in Kestra's UI before running it again: "
                "the request may have started one"
            )
            raise error from None
        return Execution.from_json(self._json_object(response, 200, doing=doing))

    def execution(self, execution_id: str) -> Execution:
        response = self._send("GET", self._api("executions", quote_segment(execution_id)))
        doing = f"reading execution {execution_id}"
        return Execution.from_json(self._json_object(response, 200, doing=doing))

    def logs(self, execution_id: str, *, min_level: str = "INFO") -> list[LogEntry]:
        response = self._send(
            "GET", self._api("logs", quote_segment(execution_id)), params={"minLevel": min_level}
        )
        data = self._json_list(response, 200, doing=f"reading the logs of {execution_id}")
        return [LogEntry.from_json(item) for item in data]

    def follow(
        self, execution_id: str, *, read_timeout: float
    ) -> Generator[ServerEvent, None, None]:
        """The execution's SSE stream: ``start``, ``progress`` (the execution), ``end``.

        Raises ``FollowInterrupted`` when no event comes within ``read_timeout``
        or the connection drops; ``KestraApiError`` when the server has no stream.
        """
        path = self._api("executions", quote_segment(execution_id), "follow")
        timeout = httpx.Timeout(self.timeout, read=read_timeout)
        self._count()
        try:
            with self._http.stream(
                "GET", path, timeout=timeout, headers={"Accept": "text/event-stream"}
            ) as response:
                if response.status_code in (401, 403):
                    raise auth_error(self.connection, response.status_code)
                if response.status_code != 200:
                    response.read()
                    self._expect(response, 200, doing=f"following execution {execution_id}")
                yield from iter_events(response.iter_lines())
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise unreachable_error(self.connection, describe(error)) from None
        except httpx.ReadTimeout:
            raise FollowInterrupted("no event", quiet=True) from None
        except httpx.TransportError as error:
            raise FollowInterrupted(describe(error)) from None


__all__ = ["KestraClient"]
