"""Flow endpoints: create, update, read, delete, list, search, export, bulk, import, validate."""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

from .flow_text import Violation, _java_split, _java_trim, read_flow
from .http_errors import HttpError, unprocessable
from .tables import TENANT

if TYPE_CHECKING:
    from .store import FlowRecord


class FlowRoutes:
    """Route handlers, mixed into the request handler (``server.Handler``)."""

    # Flows ----------------------------------------------------------------
    def create_flow(self, query: dict, body: bytes) -> None:
        self._require_yaml()
        source = body.decode()
        flow = read_flow(source)
        if not flow.valid:
            raise unprocessable(flow.violations)
        state = self.server.state
        state.pay_flow_cost(1)
        with state.lock:
            if state.live_flow(flow.namespace, flow.id):
                if state.settings.error_style == "problem":
                    raise HttpError(
                        409,
                        "Flow id already exists",
                        [{"message": "Flow id already exists", "path": "flow.id"}],
                    )
                raise unprocessable([Violation("flow.id", "Flow id already exists")])
            record = state.save_flow(flow, source)
            self._json(200, record.as_json(with_source=True))

    def update_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        self._require_yaml()
        state = self.server.state
        state.pay_flow_cost(1)
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                # The controller returns a bare 404, which Micronaut 4 re-routes to
                # Kestra's global NOT_FOUND handler: the answer has a JSON body.
                raise HttpError(404, "Not Found")
            source = body.decode()
            flow = read_flow(source)
            if flow.id and flow.id != flow_id:
                raise unprocessable([Violation("flow.id", "Illegal flow id update")])
            if flow.namespace and flow.namespace != namespace:
                raise unprocessable([Violation("flow.namespace", "Illegal namespace update")])
            if not flow.valid:
                raise unprocessable(flow.violations)
            record = state.save_flow(flow, source)
            self._json(200, record.as_json(with_source=True))

    def get_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        state = self.server.state
        with_source = query.get("source", ["false"])[0] == "true"
        revision = query.get("revision", [None])[0]
        with state.lock:
            record = state.flows.get((namespace, flow_id))
            if revision is not None:
                # Exactly that revision, deleted flow or not (FlowController.getFlow).
                if record is None or not revision.isdigit():
                    raise HttpError(404, "Not Found")
                number = int(revision)
                if not 1 <= number <= record.revision:
                    raise HttpError(404, "Not Found")
                self._json(200, record.as_json(with_source=with_source, revision=number))
                return
            if record is None or record.deleted:
                raise HttpError(404, "Not Found")
            self._json(200, record.as_json(with_source=with_source))

    def flow_revisions(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        """Every revision, oldest first, each with its source (FlowController.listFlowRevisions)."""
        state = self.server.state
        with state.lock:
            record = state.flows.get((namespace, flow_id))
            if record is None:
                raise HttpError(404, "Not Found")
            self._json(
                200,
                [
                    record.as_json(with_source=True, revision=number)
                    for number in range(1, record.revision + 1)
                ],
            )

    def delete_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        state = self.server.state
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                raise HttpError(404, empty=True)
            record.deleted = True
        self._send(204)

    def list_namespace(self, query: dict, body: bytes, namespace: str) -> None:
        state = self.server.state
        with state.lock:
            flows = [
                r.as_json(with_source=False)
                for r in state.flows.values()
                if r.namespace == namespace and not r.deleted
            ]
        self._json(200, sorted(flows, key=lambda f: f["id"]))

    def _matching(self, query: dict) -> list[FlowRecord]:
        state = self.server.state
        records = [r for r in state.flows.values() if not r.deleted]
        filters = [(k, v[0]) for k, v in query.items() if k.startswith("filters[")]
        if filters:
            for key, value in filters:
                match = re.fullmatch(r"filters\[(\w+)\]\[(\w+)\]", key)
                if not match:
                    raise HttpError(400, f"Invalid filter {key}")
                name, op = match.groups()
                if name == "namespace":
                    if op == "EQUALS":
                        records = [r for r in records if r.namespace == value]
                    elif op in ("PREFIX", "STARTS_WITH"):
                        records = [
                            r
                            for r in records
                            if r.namespace == value or r.namespace.startswith(value + ".")
                        ]
                    elif op == "CONTAINS":
                        records = [r for r in records if value in r.namespace]
                    else:
                        raise HttpError(400, f"Unsupported operation {op} for namespace")
                elif name == "q":
                    records = [
                        r for r in records if value.lower() in (r.id + " " + r.namespace).lower()
                    ]
                else:
                    raise HttpError(400, f"Unsupported filter {name}")
            return records
        # The legacy parameters: `namespace` is the namespace and its children (on a
        # dot boundary: `a.b` matches `a.b.c`, not `a.bc`; kestra.md), `q` a text search.
        if "namespace" in query:
            prefix = query["namespace"][0]
            records = [
                r for r in records if r.namespace == prefix or r.namespace.startswith(prefix + ".")
            ]
        if "q" in query:
            text = query["q"][0].lower()
            records = [r for r in records if text in (r.id + " " + r.namespace).lower()]
        return records

    def search_flows(self, query: dict, body: bytes) -> None:
        try:
            page = int(query.get("page", ["1"])[0])
            size = int(query.get("size", ["10"])[0])
        except ValueError:
            raise HttpError(400, "page and size must be numbers") from None
        if page < 1 or size < 1:
            raise unprocessable(
                [Violation("page" if page < 1 else "size", "must be greater than or equal to 1")]
            )
        with self.server.state.lock:
            records = sorted(self._matching(query), key=lambda r: (r.namespace, r.id))
            total = len(records)
            chosen = records[(page - 1) * size : page * size]
            self._json(
                200, {"results": [r.as_json(with_source=False) for r in chosen], "total": total}
            )

    def export_flows(self, query: dict, body: bytes) -> None:
        buffer = io.BytesIO()
        with self.server.state.lock, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for record in self._matching(query):
                archive.writestr(f"{record.namespace}-{record.id}.yml", record.source)
        self._send(
            200,
            buffer.getvalue(),
            "application/octet-stream",
            {"Content-Disposition": 'attachment; filename="flows.zip"'},
        )

    def bulk_namespace(self, query: dict, body: bytes, namespace: str) -> None:
        """``POST /flows/{namespace}``: every flow of the body must be in that namespace."""
        self._bulk(query, body, namespace, allow_children=False)

    def bulk_update(self, query: dict, body: bytes) -> None:
        """``POST /flows/bulk`` (FlowController.bulkUpdateFlows): ``namespace`` is optional.

        Without it, and with ``delete`` left at its default true, every flow of the
        tenant missing from the body is deleted (kestra.md).
        """
        namespace = query.get("namespace", [None])[0]
        children = query.get("allowNamespaceChild", ["false"])[0].lower() == "true"
        self._bulk(query, body, namespace, allow_children=children)

    def _bulk(
        self, query: dict, body: bytes, namespace: str | None, *, allow_children: bool
    ) -> None:
        self._require_yaml()
        delete = query.get("delete", ["true"])[0].lower() != "false"  # Kestra's default: true
        text = body.decode()
        # Kestra 1.x: flows.split("---") then trim(): every `---`, even inside a
        # block scalar or in the middle of a line, starts a new "flow".
        pieces = [_java_trim(p) for p in _java_split(text, "---")] if text else []
        flows = [(read_flow(p), p) for p in pieces]
        for flow, _source in flows:
            if flow.syntax_error:
                raise unprocessable(flow.violations)  # unparseable: nothing written

        def in_scope(flow_namespace: str | None) -> bool:
            if namespace is None or flow_namespace == namespace:
                return True
            return allow_children and bool(flow_namespace or "").startswith(namespace + ".")

        state = self.server.state
        state.pay_flow_cost(len(flows))
        with state.lock:
            wrong = [
                Violation(
                    "flow.namespace", f"{TENANT}_{f.namespace}_{f.id} - flow namespace is invalid"
                )
                for f, _ in flows
                if not in_scope(f.namespace)
            ]
            if wrong:
                raise unprocessable(wrong)
            # Its duplicate check compares ids only (kestra.md).
            ids = [f.id for f, _ in flows]
            if len(set(ids)) < len(ids):
                raise unprocessable([Violation("flow.id", "Duplicate flow id")])
            keys = {(f.namespace, f.id) for f, _ in flows}
            deleted = []
            if delete:
                for record in state.flows.values():
                    if (
                        in_scope(record.namespace)
                        and not record.deleted
                        and (record.namespace, record.id) not in keys
                    ):
                        record.deleted = True
                        deleted.append(record.as_json(with_source=False))
            written = []
            for flow, source in flows:
                if not flow.valid:
                    # Kestra writes the flows one by one: earlier ones stay written.
                    raise unprocessable(flow.violations)
                written.append(state.save_flow(flow, source).as_json(with_source=False))
        self._json(200, deleted + written)

    def distinct_namespaces(self, query: dict, body: bytes) -> None:
        prefix = query.get("q", [""])[0]
        with self.server.state.lock:
            names = {r.namespace for r in self.server.state.flows.values() if not r.deleted}
        self._json(200, sorted(name for name in names if name.startswith(prefix)))

    def method_not_allowed(self, query: dict, body: bytes) -> None:
        raise HttpError(405, "Method Not Allowed")

    def import_flows(self, query: dict, body: bytes) -> None:
        parts = self._multipart(body)
        uploads = [p for p in parts if p[0] == "fileUpload"]
        if not uploads:
            raise HttpError(400, "Required argument [CompletedFileUpload fileUpload] not specified")
        _name, filename, data = uploads[0]
        sources: list[tuple[str, str]] = []
        if (filename or "").lower().endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                sources = [
                    (n, archive.read(n).decode()) for n in archive.namelist() if not n.endswith("/")
                ]
        else:
            text = data.decode()
            sources = [
                (str(i), p) for i, p in enumerate(re.split(r"(?m)^---[ \t]*$", text)) if p.strip()
            ]
        failed = []
        state = self.server.state
        state.pay_flow_cost(len(sources))
        with state.lock:
            for name, source in sources:
                flow = read_flow(source)
                if not flow.valid:
                    failed.append(name)
                    continue
                state.save_flow(flow, source)
        if query.get("failOnError", ["false"])[0] == "true" and failed:
            raise HttpError(422, "Following invalid flows were not imported: " + ", ".join(failed))
        self._json(200, failed)

    def validate_flows(self, query: dict, body: bytes) -> None:
        content_type = self.headers.get("Content-Type", "")
        if content_type.startswith("multipart/form-data"):
            sources = [
                _java_trim(data.decode())
                for name, _f, data in self._multipart(body)
                if name == "flows"
            ]
        else:
            # Kestra 1.x: body.trim().split("\\n+---\\n*?")
            sources = re.split(r"\n+---", _java_trim(body.decode()))
        results = []
        for index, source in enumerate(sources):
            flow = read_flow(source)
            deprecations = ["taskDefaults"] if "taskDefaults" in flow.key_lines else []
            results.append(
                {
                    "index": index,
                    "namespace": flow.namespace,
                    "flow": flow.id,
                    "constraints": flow.constraints(),
                    "outdated": False,
                    "deprecationPaths": deprecations,
                    "warnings": [],
                    "infos": [],
                }
            )
        self._json(200, results)
