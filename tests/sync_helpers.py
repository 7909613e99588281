"""Helpers the sync tests share: flows to write, a client for the fake, one sync call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kestra_init.kestra.client import KestraClient
from kestra_init.kestra.connection import Connection
from kestra_init.services.local_flows import read_flow_set
from kestra_init.services.sync.pipeline import SyncOptions, sync_flows
from kestra_init.services.sync.results import SyncResult


def sync_folder(
    client: KestraClient,
    folder: Path,
    *,
    prune: bool = False,
    dry_run: bool = False,
    validate: bool = False,
    **rest: Any,
) -> SyncResult:
    """``sync_flows`` over one folder; the linter off unless asked (these test the sync)."""
    options = SyncOptions(prune=prune, dry_run=dry_run, validate=validate)
    return sync_flows(client, read_flow_set([folder]), options=options, **rest)


def flow(flow_id: str, namespace: str = "demo", message: str = "hi") -> str:
    return (
        f"id: {flow_id}\nnamespace: {namespace}\n\ntasks:\n"
        f"  - id: log\n    type: io.kestra.plugin.core.log.Log\n    message: {message}\n"
    )


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def client_for(server: Any, **overrides: Any) -> KestraClient:
    settings = {"url": server.url, "username": server.username, "password": server.password}
    settings.update(overrides)
    return KestraClient(Connection(**settings), backoff=0.01)
