"""Everything the fake server knows: flows and their revisions, executions, files, requests."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .clock import now_iso
from .configuration import credential_problem
from .executions import Execution
from .faults import Fault
from .flow_text import FlowText, Item, _cleanup_source, flow_list, read_flow
from .tables import FAKE_VERSION


@dataclass
class FlowRecord:
    namespace: str
    id: str
    revisions: list[str] = field(default_factory=list)  # sources; revision = index + 1
    deleted: bool = False
    # Revisions that are deletion markers: Kestra's delete saves the flow once more,
    # as revision N+1 with deleted=true, and a flow made again goes on from N+2
    # (FlowWithSource.toDeleted, AbstractJdbcFlowRepository.save, 1.0 to 1.3).
    markers: set[int] = field(default_factory=set)
    disabled: bool = False
    updated: float = field(default_factory=time.time)

    @property
    def revision(self) -> int:
        return len(self.revisions)

    @property
    def source(self) -> str:
        return self.revisions[-1]

    def parsed(self) -> FlowText:
        cached = getattr(self, "_parsed", None)
        if cached is None or cached.source != self.source:
            cached = read_flow(self.source)
            self._parsed = cached
        return cached

    def as_json(self, *, with_source: bool, revision: int | None = None) -> dict[str, Any]:
        """The flow as Kestra answers it (the latest revision, or ``revision``)."""
        number = revision or self.revision
        source = self.revisions[number - 1]
        parsed = self.parsed() if number == self.revision else self._older(number)
        data: dict[str, Any] = {
            "id": self.id,
            "namespace": self.namespace,
            "revision": number,
            "disabled": self.disabled or parsed.keys.get("disabled") == "true",
            "deleted": number in self.markers,
            "updated": now_iso(self.updated),
            "tasks": [{"id": t.keys.get("id"), "type": t.keys.get("type")} for t in parsed.tasks],
        }
        if parsed.inputs:
            data["inputs"] = [input_json(item) for item in parsed.inputs]
        if parsed.outputs:
            data["outputs"] = [
                {key: item.keys.get(key) for key in ("id", "type", "value") if item.keys.get(key)}
                for item in parsed.outputs
            ]
        if with_source:
            data["source"] = source
        return data

    def _older(self, number: int) -> FlowText:
        """An older revision, parsed once (a revision never changes)."""
        cache: dict[int, FlowText] = self.__dict__.setdefault("_older_parsed", {})
        if number not in cache:
            cache[number] = read_flow(self.revisions[number - 1])
        return cache[number]

    def mark_deleted(self) -> None:
        """Delete the flow as Kestra does: one more revision, flagged deleted."""
        self.revisions.append(self.source)
        self.markers.add(self.revision)
        self.deleted = True
        self.updated = time.time()


def input_json(item: Item) -> dict[str, Any]:
    """One input as Kestra 1.x serialises it (core/.../models/flows/Input.java, 1.3).

    ``required`` defaults to true; ``defaults`` is a Property, always written as a
    string; SELECT and ENUM carry their ``values``. Lists are read in the flow
    style (``values: [a, b]``) only: the fake reads no block lists inside items.
    """
    data: dict[str, Any] = {
        "id": item.keys.get("id"),
        "type": (item.keys.get("type") or "STRING").upper(),
        "required": (item.keys.get("required") or "true").lower() != "false",
    }
    default = item.keys.get("defaults")
    if default is not None:
        data["defaults"] = default
    values = flow_list(item.keys.get("values"))
    if values is not None:
        data["values"] = values
    return data


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    status: int  # 0 when the connection was dropped without an answer
    port: str = "api"  # or "management"


@dataclass
class Settings:
    username: str | None = None
    password: str | None = None
    api_token: str | None = None
    startup_delay: float = 0.0
    startup_mode: str = "refuse"  # or "unavailable"
    latency: float = 0.0  # seconds added to every API request
    # Seconds added per flow written, spent before the store's lock is taken: the
    # parsing and validation a multi-threaded server does for requests in parallel.
    flow_cost: float = 0.0
    task_seconds: float = 0.2
    sleep_scale: float = 1.0
    queue_seconds: float = 0.1  # CREATED -> RUNNING
    # Kestra indexes log lines asynchronously: they show in /logs a little after
    # they were written.
    log_delay: float = 0.0
    error_style: str = "kestra1"  # or "problem" (2.0)
    version: str = FAKE_VERSION
    kestra_url: str | None = None
    quiet: bool = False  # no request log on stderr
    follow_limit: float = 60.0  # seconds a /logs/{id}/follow stream stays open at most
    # Seconds the follow stream of an unknown execution stays open before it breaks
    # (about 10 s on Kestra; short here so tests stay quick).
    unknown_follow_seconds: float = 0.3


class State:
    """Everything the fake server knows, behind one lock."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.lock = threading.RLock()
        self.flows: dict[tuple[str, str], FlowRecord] = {}
        self.executions: dict[str, Execution] = {}
        self.files: dict[str, dict[str, bytes]] = {}
        self.kv: dict[tuple[str, str], Any] = {}
        self.requests: list[RequestRecord] = []
        self.faults: list[Fault] = []
        self.ready_at = time.monotonic() + settings.startup_delay

    @property
    def ready(self) -> bool:
        return time.monotonic() >= self.ready_at

    @property
    def auth_initialized(self) -> bool:
        return credential_problem(self.settings.username, self.settings.password) is None

    def take_fault(self, method: str, path: str) -> list[Fault]:
        with self.lock:
            hits = []
            for fault in list(self.faults):
                if not fault.matches(method, path):
                    continue
                hits.append(fault)
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
            return hits

    # Flows ----------------------------------------------------------------
    def live_flow(self, namespace: str, flow_id: str) -> FlowRecord | None:
        record = self.flows.get((namespace, flow_id))
        return record if record and not record.deleted else None

    def pay_flow_cost(self, flows: int) -> None:
        if self.settings.flow_cost and flows:
            time.sleep(self.settings.flow_cost * flows)

    def save_flow(self, flow: FlowText, source: str) -> FlowRecord:
        """Create or update; a new revision only when the source changed."""
        assert flow.namespace and flow.id
        record = self.flows.get((flow.namespace, flow.id))
        if record is None:
            record = FlowRecord(flow.namespace, flow.id)
            self.flows[(flow.namespace, flow.id)] = record
        if (
            record.deleted
            or not record.revisions
            or _cleanup_source(record.source) != _cleanup_source(source)
        ):
            record.revisions.append(source)
            record.updated = time.time()
        record.deleted = False
        return record
