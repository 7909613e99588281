"""A Docker socket that appears late: a Unix-socket proxy to the real engine, started after a delay.

It plays the docker-in-docker feature of a dev container, whose dockerd starts
in the background and answers some seconds after the container (and its
``postStartCommand``) started. Every connection is forwarded, byte for byte,
to the real engine's socket, so the Docker CLI and Compose work through it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from pathlib import Path

REAL_SOCKET = "/var/run/docker.sock"


class LateSocket:
    """``with LateSocket(path, delay) as late:`` ... ``late.appeared_at`` (monotonic)."""

    def __init__(self, path: Path, delay: float, target: str = REAL_SOCKET) -> None:
        self.path, self.delay, self.target = path, delay, target
        self.appeared_at: float | None = None
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> LateSocket:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._server is not None:
            with contextlib.suppress(OSError):
                self._server.close()
        self._thread.join(timeout=5)
        self.path.unlink(missing_ok=True)

    def _run(self) -> None:
        if self._stop.wait(self.delay):
            return
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.path))
        server.listen(64)
        self._server = server
        self.appeared_at = time.monotonic()
        while not self._stop.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            threading.Thread(target=self._forward, args=(client,), daemon=True).start()

    def _forward(self, client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(self.target)
        except OSError:
            client.close()
            return

        def pump(source: socket.socket, sink: socket.socket) -> None:
            try:
                while chunk := source.recv(65536):
                    sink.sendall(chunk)
            except OSError:
                pass
            finally:
                with contextlib.suppress(OSError):
                    sink.shutdown(socket.SHUT_WR)

        back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
        back.start()
        pump(client, upstream)
        back.join(timeout=600)  # the engine's answer may outlive the request (a stream)
        for end in (client, upstream):
            with contextlib.suppress(OSError):
                end.close()
