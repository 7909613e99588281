"""Namespace files and KV endpoints."""

from __future__ import annotations

import io
import json
import re
import zipfile

from .http_errors import HttpError

# Characters a zip entry's name may not hold (NamespaceFileController, 1.0 to 1.3).
ZIP_REFUSED = re.compile(r'[ %\[\]{}|"<>^`]')


def stored_name(path: str) -> str:
    """The name Kestra stores a ``?path=`` under: it goes through a URL encoder and
    back, so a space becomes ``+`` (``a b`` and ``a+b`` are the same file)."""
    return "/" + path.lstrip("/").replace(" ", "+")


class FileRoutes:
    """Route handlers, mixed into the request handler (``server.Handler``)."""

    # Namespace files and KV -------------------------------------------------
    def upload_file(self, query: dict, body: bytes, namespace: str) -> None:
        path = query.get("path", [None])[0]
        if not path:
            raise HttpError(400, "Required QueryValue [path] not specified")
        parts = [p for p in self._multipart(body) if p[0] == "fileContent"]
        if not parts:
            raise HttpError(
                400, "Required argument [CompletedFileUpload fileContent] not specified"
            )
        _name, filename, data = parts[0]
        state = self.server.state
        with state.lock:
            files = state.files.setdefault(namespace, {})
            if (filename or "").lower().endswith(".zip"):
                # 1.0 to 1.3 unpack a part named *.zip at "/" + entry name, `path` ignored.
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    entries = [e for e in archive.namelist() if not e.endswith("/")]
                    for entry in entries:
                        if ZIP_REFUSED.search(entry):
                            # URI.create("/" + name) refuses these characters.
                            raise HttpError(422, f"Illegal character in path: /{entry}")
                    for entry in entries:
                        # `#` and `?` end the URI's path: the rest of the name is lost.
                        files["/" + re.split(r"[#?]", entry.lstrip("/"))[0]] = archive.read(entry)
            else:
                if path.startswith("/_flows"):
                    raise HttpError(422, "Forbidden path: /_flows")
                files[stored_name(path)] = data
        self._send(200)

    def get_file(self, query: dict, body: bytes, namespace: str) -> None:
        path = stored_name(query.get("path", [""])[0])
        with self.server.state.lock:
            data = self.server.state.files.get(namespace, {}).get(path)
        if data is None:
            raise HttpError(404, f"File not found: {path}")
        self._send(200, data, "application/octet-stream")

    def delete_file(self, query: dict, body: bytes, namespace: str) -> None:
        path = "/" + query.get("path", [""])[0].lstrip("/")
        with self.server.state.lock:
            files = self.server.state.files.get(namespace, {})
            for name in [n for n in files if n == path or n.startswith(path.rstrip("/") + "/")]:
                del files[name]
        self._send(204)

    def list_directory(self, query: dict, body: bytes, namespace: str) -> None:
        folder = "/" + query.get("path", ["/"])[0].strip("/")
        folder = folder.rstrip("/") + "/"
        with self.server.state.lock:
            names = list(self.server.state.files.get(namespace, {}))
        children: dict[str, str] = {}
        for name in names:
            if name.startswith(folder):
                head, _, tail = name[len(folder) :].partition("/")
                children[head] = "Directory" if tail else "File"
        self._json(200, [{"fileName": k, "type": v} for k, v in sorted(children.items())])

    def export_files(self, query: dict, body: bytes, namespace: str) -> None:
        buffer = io.BytesIO()
        with self.server.state.lock, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in sorted(self.server.state.files.get(namespace, {}).items()):
                archive.writestr(name.lstrip("/"), data)
        self._send(200, buffer.getvalue(), "application/octet-stream")

    def put_kv(self, query: dict, body: bytes, namespace: str, key: str) -> None:
        try:
            value = json.loads(body or b"null")
        except ValueError:
            value = body.decode()
        with self.server.state.lock:
            self.server.state.kv[(namespace, key)] = value
        self._send(200)

    def get_kv(self, query: dict, body: bytes, namespace: str, key: str) -> None:
        with self.server.state.lock:
            if (namespace, key) not in self.server.state.kv:
                raise HttpError(404, f"No value found for key '{key}' in namespace '{namespace}'")
            value = self.server.state.kv[(namespace, key)]
        self._json(200, {"type": type(value).__name__.upper(), "value": value})
