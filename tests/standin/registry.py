"""A tiny image registry on 127.0.0.1: serves the stand-in image under any name.

The Docker engine pulls from it for real (registries on 127.0.0.0/8 may speak
plain HTTP), so `prepare` and `up` can be tested pulling images, and pulling
them again after a rate limit: ``refuse`` makes the first N manifest requests
answer 429 ``TOOMANYREQUESTS``, as Docker Hub does when its pull limit is hit.

Only what ``docker pull`` asks for is answered (Registry HTTP API v2): the
version check, a manifest (schema 2) and its blobs (one config, one layer:
the stand-in's almost empty root file system).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.standin.image import _rootfs_tar

MANIFEST_TYPE = "application/vnd.docker.distribution.manifest.v2+json"
CONFIG_TYPE = "application/vnd.docker.container.image.v1+json"
LAYER_TYPE = "application/vnd.docker.image.rootfs.diff.tar.gzip"
RATE_LIMITED = {
    "errors": [
        {
            "code": "TOOMANYREQUESTS",
            "message": "You have reached your pull rate limit. You may increase the limit "
            "by authenticating and upgrading: https://www.docker.com/increase-rate-limit",
        }
    ]
}


def _digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


class Registry:
    """``with Registry() as registry: registry.image("kestra:v1.3")`` -> a pullable name."""

    def __init__(self, refuse: int = 0) -> None:
        tar = _rootfs_tar()
        self.layer = gzip.compress(tar, mtime=0)
        config = {
            "architecture": "amd64",
            "os": "linux",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [_digest(tar)]},
        }
        self.config = json.dumps(config).encode()
        self.manifest = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": MANIFEST_TYPE,
                "config": {
                    "mediaType": CONFIG_TYPE,
                    "size": len(self.config),
                    "digest": _digest(self.config),
                },
                "layers": [
                    {
                        "mediaType": LAYER_TYPE,
                        "size": len(self.layer),
                        "digest": _digest(self.layer),
                    }
                ],
            }
        ).encode()
        self.blobs = {_digest(self.config): self.config, _digest(self.layer): self.layer}
        self.refuse = refuse
        self.refused = 0
        self.manifests_served = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def image(self, name: str) -> str:
        return f"127.0.0.1:{self.port}/kitest/{name}"

    def __enter__(self) -> Registry:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_HEAD(self) -> None:
                self._answer(head=True)

            def do_GET(self) -> None:
                self._answer(head=False)

            def _send(self, status: int, body: bytes, media: str, head: bool) -> None:
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                if status == 200 and media != "application/json":
                    self.send_header("Docker-Content-Digest", _digest(body))
                self.end_headers()
                if not head:
                    self.wfile.write(body)

            def _answer(self, head: bool) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/v2/":
                    self._send(200, b"{}", "application/json", head)
                elif re.fullmatch(r"/v2/.+/manifests/[^/]+", path):
                    with registry._lock:
                        refused = registry.refused < registry.refuse
                        if refused:
                            registry.refused += 1
                        else:
                            registry.manifests_served += 1
                    if refused:
                        body = json.dumps(RATE_LIMITED).encode()
                        self._send(429, body, "application/json", head)
                    else:
                        self._send(200, registry.manifest, MANIFEST_TYPE, head)
                elif match := re.fullmatch(r"/v2/.+/blobs/(sha256:[0-9a-f]+)", path):
                    blob = registry.blobs.get(match.group(1))
                    if blob is None:
                        self._send(
                            404, b'{"errors":[{"code":"BLOB_UNKNOWN"}]}', "application/json", head
                        )
                    else:
                        self._send(200, blob, "application/octet-stream", head)
                else:
                    self._send(404, b"{}", "application/json", head)

        return Handler
