"""What the project and a server last agreed on: ``.kestra-init/state.json``.

After a sync (``sync``, ``sync --watch``, ``up``) and a pull, kestra-init
records, per server, each flow's source as both sides had it then (a SHA-256
of the text as Kestra keeps it, ``flows.source_text.comparable``) and its
revision when known, and the hash of each namespace file. That tells a change
made on the server (an edit in Kestra's UI) from one made here: ``status``
names the flows changed on the server since, ``pull`` leaves alone a file whose
flow the server has not changed, and the watch does not overwrite an edit made
in the UI meanwhile.

The file holds no secret: hashes, revision numbers and the server's URL (which
``kestra.connection`` never keeps with a user name or password in it). Its
folder ignores itself for git (a ``.gitignore`` holding ``*``), so projects made
before the template listed it stay clean. A state that cannot be read counts as
empty and one that cannot be written is skipped: it is a convenience, never the
reason a sync or a pull fails.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kestra_init.flows.source_text import comparable
from kestra_init.services.atomic_files import replace_file
from kestra_init.services.local_flows import Key
from kestra_init.services.sync.plan import Action
from kestra_init.services.sync.results import Outcome, SyncResult

STATE_DIR = ".kestra-init"
STATE_FILE = "state.json"
SCHEMA = 1
# The same server, however the URL spells this machine (`sync` says localhost,
# `status` the address compose publishes on).
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0"}


@dataclass(frozen=True)
class Agreed:
    """A flow as both sides had it at the last sync or pull."""

    sha256: str
    revision: int | None = None


def source_hash(source: str) -> str:
    """The hash of a flow's source as Kestra keeps it (trimmed, no ``revision:`` line)."""
    return hashlib.sha256(comparable(source).encode("utf-8")).hexdigest()


def content_hash(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def server_key(url: str, tenant: str) -> str:
    """One name per server and tenant: scheme, host (loopback spelled once), port, path."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in _LOOPBACK:
        host = "localhost"
    default = 443 if parts.scheme == "https" else 80
    port = parts.port or default
    return f"{parts.scheme}://{host}:{port}{parts.path.rstrip('/')}/{tenant}"


def state_path(project_root: Path) -> Path:
    return project_root / STATE_DIR / STATE_FILE


class ServerState:
    """The records of one server, read once; changes are written with ``save``."""

    def __init__(self, project_root: Path, key: str) -> None:
        self.project_root = project_root
        self.key = key
        server = _read(state_path(project_root)).get("servers", {}).get(key, {})
        self._flows: dict[str, Any] = _mapping(server.get("flows"))
        self._files: dict[str, Any] = _mapping(server.get("files"))
        self._changed_flows: dict[str, dict[str, Any] | None] = {}
        self._changed_files: dict[str, str | None] = {}

    # Reading ------------------------------------------------------------------
    def flow(self, key: Key) -> Agreed | None:
        record = self._flows.get(_flow_name(key))
        if not isinstance(record, dict) or not isinstance(record.get("sha256"), str):
            return None
        revision = record.get("revision")
        return Agreed(record["sha256"], revision if isinstance(revision, int) else None)

    def flow_hashes(self) -> dict[Key, str]:
        found: dict[Key, str] = {}
        for name in self._flows:
            namespace, _, flow_id = name.partition("/")
            agreed = self.flow((namespace, flow_id))
            if agreed is not None:
                found[(namespace, flow_id)] = agreed.sha256
        return found

    def file(self, namespace: str, path: str) -> str | None:
        value = self._files.get(_file_name(namespace, path))
        return value if isinstance(value, str) else None

    # Changing -------------------------------------------------------------------
    def agree_flow(self, key: Key, sha256: str, revision: int | None = None) -> None:
        if revision is None:
            known = self.flow(key)
            if known is not None and known.sha256 == sha256:
                revision = known.revision  # the same source: the same revision
        record = {"sha256": sha256, "revision": revision}
        name = _flow_name(key)
        if self._flows.get(name) == record:
            return  # as recorded: a sync that changed nothing writes no state file
        self._flows[name] = record
        self._changed_flows[name] = record

    def forget_flow(self, key: Key) -> None:
        self._flows.pop(_flow_name(key), None)
        self._changed_flows[_flow_name(key)] = None

    def agree_file(self, namespace: str, path: str, sha256: str) -> None:
        name = _file_name(namespace, path)
        if self._files.get(name) == sha256:
            return
        self._files[name] = sha256
        self._changed_files[name] = sha256

    def save(self) -> None:
        """Write the changes, merged into the file as it is now (another command may
        have written it meanwhile); skipped when the project cannot be written."""
        if not self._changed_flows and not self._changed_files:
            return
        path = state_path(self.project_root)
        with contextlib.suppress(OSError):
            data = _read(path)
            servers = data["servers"] = _mapping(data.get("servers"))
            server = servers[self.key] = _mapping(servers.get(self.key))
            flows, files = _mapping(server.get("flows")), _mapping(server.get("files"))
            _apply(flows, self._changed_flows)
            _apply(files, self._changed_files)
            server["flows"], server["files"] = (
                dict(sorted(flows.items())),
                dict(sorted(files.items())),
            )
            data["schema_version"] = SCHEMA
            path.parent.mkdir(exist_ok=True)
            ignore = path.parent / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Written by kestra-init: what was last synced or pulled.\n*\n")
            replace_file(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
            self._changed_flows.clear()
            self._changed_files.clear()


def load_state(project_root: Path, url: str, tenant: str) -> ServerState:
    return ServerState(project_root, server_key(url, tenant))


def record_sync(state: ServerState, result: SyncResult) -> None:
    """What a sync left equal on both sides: sent and accepted, or already the same."""
    for flow in result.flows:
        if flow.action is Action.DELETE and flow.outcome is Outcome.APPLIED:
            state.forget_flow((flow.namespace, flow.id))
        elif not flow.source_hash:
            continue
        elif flow.action is Action.UNCHANGED:
            state.agree_flow((flow.namespace, flow.id), flow.source_hash)
        elif flow.outcome is Outcome.APPLIED:
            state.agree_flow((flow.namespace, flow.id), flow.source_hash, flow.revision)
    for file in result.files:
        if file.content_hash and (
            file.action is Action.UNCHANGED or file.outcome is Outcome.APPLIED
        ):
            state.agree_file(file.namespace, file.path, file.content_hash)


def _apply(records: dict[str, Any], changes: Mapping[str, Any]) -> None:
    for name, value in changes.items():
        if value is None:
            records.pop(name, None)
        else:
            records[name] = value


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("schema_version") == SCHEMA else {}


def _mapping(value: object) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _flow_name(key: Key) -> str:
    return f"{key[0]}/{key[1]}"


def _file_name(namespace: str, path: str) -> str:
    return f"{namespace}:/{path}"
