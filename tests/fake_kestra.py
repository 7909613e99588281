#!/usr/bin/env python3
"""A fake Kestra 1.x server for tests: standard library only, runnable as a script.

It answers the API kestra-init uses the way Kestra 1.x does (the facts are in
``../shared/reference/kestra.md``; where the fake and a real server differ, the
fake is wrong). It runs in-process from the pytest fixture ``fake_kestra``, as a
subprocess (``start_subprocess``), or inside a container that holds nothing but
a Python 3.11 interpreter::

    python3 tests/fake_kestra.py --host 0.0.0.0 --port 8080 --management-port 8081 \\
        [--username U --password P] [--startup-delay SECONDS]

Without ``--username``/``--password`` the basic-auth credentials are read from
``KESTRA_CONFIGURATION`` (``kestra.server.basic-auth`` or ``basicAuth``), as
Kestra does. Credentials that break Kestra's rules leave the fake on its "setup
page": every API call answers 401 and ``/api/v1/configs`` says
``isBasicAuthInitialized: false``.

What it reproduces, with Kestra's quirks
----------------------------------------
- ``/api/v1/main/...`` needs ``Authorization: Basic``; 401 has an empty body and
  ``WWW-Authenticate: Basic``. Another tenant answers 400. The old paths without
  the tenant segment answer 404 (nothing should rely on them).
  ``--api-token`` also accepts ``Authorization: Bearer TOKEN`` (servers with tokens).
- ``/api/v1/configs`` is open (version, ``isBasicAuthInitialized``).
- Flows: create (422 ``Flow id already exists``), update (404 with an empty body
  when missing; 422 on an id or namespace change), get with ``source=true``,
  delete (204/404), list a namespace, search (pages from 1, ``filters[...]``,
  legacy ``namespace`` prefix and ``q``), the bulk namespace endpoint
  (``delete`` defaults to true; the body is split on EVERY ``---``, anywhere in
  the text, as Kestra's ``String.split("---")`` does, then each piece trimmed;
  flows are written one after the other and a rejected flow stops the request
  with the earlier ones already written, as Kestra does), import (upsert,
  multipart ``fileUpload``), validate (YAML body split on ``\\n---`` lines, or
  multipart ``flows`` parts; ``constraints`` null when valid) and export by
  query (a zip of sources).
- Revisions grow only when the stored source changes.
- Executions: ``POST /executions/{ns}/{id}`` (multipart inputs, FILE inputs as
  file parts, ``wait=true``; only this answer carries ``url``, made from the
  configured ``kestra.url``, a bare path without one), ``GET /executions/{id}``
  (task runs carry ``outputs`` once ended: a ``Return`` task its ``value``, other
  tasks ``{}``), the SSE follow stream (events ``start``, ``progress``, ``end``
  carried in the SSE ``id`` field, as Micronaut's ``Event.id`` writes them),
  ``DELETE /executions/{id}/kill``, logs (``GET /logs/{id}?minLevel=``, and the
  SSE ``/logs/{id}/follow``, which stays open after the execution ends, until
  the client leaves, at most ``follow_limit`` seconds). Kestra stores log lines
  asynchronously; ``log_delay`` makes them show that late.
- Namespace files (upload, a ``.zip`` upload unpacked, content, directory
  listing, export as zip, delete) and KV values.
- ``/health`` (and ``/readiness``, ``/liveness``) on the management port.
- A start-up delay: with ``--startup-mode refuse`` (default) nothing listens
  until it passes, like a JVM that is still starting; with ``unavailable`` the
  ports answer 503 (``/health`` says ``DOWN``) until it passes.
- ``--error-style problem`` answers errors as Kestra 2.0 does
  (``application/problem+json``, 409 on creating an existing flow).

Flow validation: an honest subset, without a YAML library
---------------------------------------------------------
A bare container has no PyYAML, so the fake reads the text line by line:
top-level keys are ``key: value`` lines at column 0; anything else at column 0
(other than comments and blank lines) is a syntax error, as is a tab at the
start of a line. It checks: ``id`` and ``namespace`` present and matching
Kestra's patterns and lengths, reserved ids, ``tasks`` present and not empty,
every top-level task with an ``id`` (pattern) and a dotted ``type``, task ids
unique at the top level, duplicate top-level keys, and unknown top-level keys
(Kestra rejects unrecognised fields). The ``type`` of a top-level task or
trigger under ``io.kestra.plugin.core.`` must be in ``KNOWN_CORE_TYPES`` (Kestra
refuses a type it has no class for); types of every other namespace are
accepted, since installed plugins vary. A UTF-8 byte order mark at the start of
a body is skipped, as Kestra's YAML parser does. Nested tasks, expressions and
plugin properties are not checked.

Executions walk the top-level tasks only (a flowable task is one task run):
each task takes ``--task-seconds`` (a ``Sleep`` task takes its ``duration``
times ``--sleep-scale``); a ``Log`` task logs its ``message`` (``{{ inputs.x }}``
is rendered) at its ``level``; a ``Fail`` task fails the execution (WARNING with
``allowFailure: true``); an input named ``fail`` given a true value makes the
first task fail. Required inputs without ``defaults`` must be given (422).

Test controls
-------------
In-process (``FakeKestra``): ``requests`` (method, path, query, status),
``fail(path, status, times)``, ``slow(path, seconds)``, ``drop(path, times)``,
``flows()``, ``namespace_files(ns)``, ``kill``/``finish`` of executions. As a
subprocess or in a container the same controls are under ``/_fake/`` on the
management port (``GET /_fake/requests``, ``GET /_fake/flows``,
``POST /_fake/faults`` with a JSON body, ``DELETE /_fake/faults``).
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import re
import secrets
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email import policy as email_policy
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

FAKE_VERSION = "1.1.0"
TENANT = "main"

# Kestra's rules for basic-auth credentials (restated here: this file must not
# import kestra_init, it runs in a bare container).
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Flow rules (kestra.md, "Flow rules that can be checked without a server").
FLOW_ID_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]*$")
NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
TASK_ID_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
RESERVED_IDS = frozenset(
    [
        "pause",
        "resume",
        "force-run",
        "change-status",
        "kill",
        "executions",
        "search",
        "source",
        "disable",
        "enable",
    ]
)
# Kestra's own list of flow properties. kestra_init.flows.rules.structure has the
# same list on purpose: the fake stands for the server and must not import the
# tool it tests (it also runs in a container with nothing but Python).
TOP_LEVEL_KEYS = frozenset(
    [
        "id",
        "namespace",
        "revision",
        "description",
        "labels",
        "inputs",
        "outputs",
        "variables",
        "tasks",
        "errors",
        "finally",
        "afterExecution",
        "listeners",
        "triggers",
        "pluginDefaults",
        "taskDefaults",
        "disabled",
        "deleted",
        "concurrency",
        "retry",
        "sla",
        "workerGroup",
        "checks",
    ]
)
# The core plugin types the fake knows, for top-level tasks and triggers (the only
# places it reads a `type`). Kestra refuses a type it has no class for with a 422
# ("Invalid type: ..."), so an unknown `io.kestra.plugin.core.*` type is refused
# here too: a typo such as `io.kestra.plugin.core.flow.Slep` must not pass. Types
# of other namespaces (scripts, serdes, third-party plugins...) are accepted
# unchecked: which plugins a server has installed varies. Restated from Kestra
# 1.x's `io.kestra.plugin.core` packages; add a type here when a test needs one.
CORE_PACKAGE = "io.kestra.plugin.core."
KNOWN_CORE_TYPES = frozenset(
    f"{CORE_PACKAGE}{package}.{name}"
    for package, names in {
        "debug": "Echo Return",
        "execution": "Assert Count Exit Fail Kill Labels PurgeExecutions Resume SetVariables "
        "UnsetVariables",
        "flow": "AllowFailure Dag EachParallel EachSequential ForEach ForEachItem If Loop "
        "LoopUntil Parallel Pause Sequential Sleep Subflow Switch Template WaitFor "
        "WorkingDirectory",
        "http": "Download Request SseRequest Trigger",
        "kv": "Delete Get GetKeys PurgeKV Set",
        "log": "Fetch Log PurgeLogs",
        "metric": "Publish PurgeMetrics",
        "namespace": "DeleteFiles DownloadFiles PurgeFiles UploadFiles",
        "output": "OutputValues",
        "state": "Delete Get Set",
        "storage": "Concat DeduplicateItems Delete FilterItems LocalFiles "
        "PurgeCurrentExecutionFiles PurgeExecution Reverse Size Split Write",
        "templating": "TemplatedTask",
        "trigger": "Flow Schedule ScheduleOnDates Toggle Webhook",
    }.items()
    for name in names.split()
)
TERMINAL_STATES = frozenset(
    {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED"}
)
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")

_TOP_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_BLOCK_SCALAR_RE = re.compile(r"^[|>][+-]?[0-9]?[+-]?(?:[ \t]+#.*)?$")
_DURATION_RE = re.compile(
    r"^P(?:(?P<d>\d+)D)?(?:T(?:(?P<h>\d+)H)?(?:(?P<m>\d+)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)
_INPUT_EXPR_RE = re.compile(
    r"\{\{\s*inputs(?:\.([A-Za-z0-9_]+)|\[\s*['\"]([^'\"]+)['\"]\s*\])\s*\}\}"
)


# ---------------------------------------------------------------------------
# Configuration and credentials
# ---------------------------------------------------------------------------
def credential_problem(username: str | None, password: str | None) -> str | None:
    """Why Kestra would refuse these credentials (and stay on its setup page), or None."""
    if not username or not password:
        return "no basic-auth credentials are configured"
    if len(username) > 256 or not EMAIL_RE.match(username):
        return "the username must be an email address of at most 256 characters"
    if not (8 <= len(password) <= 256):
        return "the password must have 8 to 256 characters"
    if not (
        any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
    ):
        return "the password needs a lower-case letter, an upper-case letter and a digit"
    return None


def _scalar(raw: str | None) -> str | None:
    """The value of a one-line YAML scalar: quotes removed, a trailing comment dropped."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    if raw[0] == "'":
        end = 1
        out = []
        while end < len(raw):
            if raw[end] == "'":
                if raw[end + 1 : end + 2] == "'":
                    out.append("'")
                    end += 2
                    continue
                return "".join(out)
            out.append(raw[end])
            end += 1
        return "".join(out)
    if raw[0] == '"':
        out = []
        index = 1
        while index < len(raw):
            char = raw[index]
            if char == "\\" and index + 1 < len(raw):
                nxt = raw[index + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                index += 2
                continue
            if char == '"':
                return "".join(out)
            out.append(char)
            index += 1
        return "".join(out)
    value = re.split(r"[ \t]#", raw, maxsplit=1)[0].rstrip()
    if value in ("~", "null", "Null", "NULL"):
        return None
    return value


def flatten_configuration(text: str) -> dict[str, str]:
    """A flat ``a.b.c -> value`` view of a simple YAML configuration block.

    Handles nested mappings by indentation and dotted keys (Micronaut accepts
    both); lists and block scalars are skipped: credentials never use them.
    """
    values: dict[str, str] = {}
    stack: list[tuple[int, list[str]]] = []  # (indent, key parts)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "-")):
            continue
        indent = len(line) - len(line.lstrip(" "))
        match = _KEY_RE.match(line.strip())
        if not match:
            continue
        key, raw = match.groups()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parts = [p for _, keys in stack for p in keys] + key.split(".")
        value = _scalar(raw)
        if raw is None or (raw and _BLOCK_SCALAR_RE.match(raw)):
            stack.append((indent, key.split(".")))
        elif value is not None:
            values[".".join(parts)] = value
    return values


def credentials_from_configuration(text: str) -> tuple[str | None, str | None]:
    flat = flatten_configuration(text)
    for block in ("basic-auth", "basicAuth", "basic_auth"):
        username = flat.get(f"kestra.server.{block}.username")
        password = flat.get(f"kestra.server.{block}.password")
        if username or password:
            return username, password
    return None, None


# ---------------------------------------------------------------------------
# Reading flows without a YAML library
# ---------------------------------------------------------------------------
@dataclass
class Violation:
    path: str
    message: str

    def text(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass
class Item:
    """One entry of a top-level list (a task or an input): its own keys, one line each."""

    keys: dict[str, str | None]
    blocks: dict[str, str]  # block-scalar values (e.g. a multi-line Log message)
    line: int


@dataclass
class FlowText:
    source: str
    keys: dict[str, str | None] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    violations: list[Violation] = field(default_factory=list)
    syntax_error: bool = False  # the text is not a YAML mapping at all
    tasks: list[Item] = field(default_factory=list)
    inputs: list[Item] = field(default_factory=list)
    triggers: list[Item] = field(default_factory=list)

    @property
    def id(self) -> str | None:
        return self.keys.get("id")

    @property
    def namespace(self) -> str | None:
        return self.keys.get("namespace")

    @property
    def valid(self) -> bool:
        return not self.violations

    def constraints(self) -> str | None:
        if not self.violations:
            return None
        return "\n".join(v.text() for v in self.violations)


def _block_lines(lines: list[str], start: int) -> list[tuple[int, str]]:
    """The lines under the top-level key on line ``start`` (0-based), with their numbers."""
    block = []
    for number in range(start + 1, len(lines)):
        line = lines[number]
        # A sequence may sit at the key's own column (`tasks:` then `- id: x`).
        at_column_0 = line.strip() and not line[0].isspace() and not line.startswith("#")
        if at_column_0 and not (line.startswith("-") and not line.startswith("---")):
            break
        block.append((number, line))
    return block


def _items(block: list[tuple[int, str]]) -> tuple[list[Item], bool]:
    """The entries of a block-style list; (items, is_a_list)."""
    content = [(n, line) for n, line in block if line.strip() and not line.lstrip().startswith("#")]
    if not content:
        return [], False
    first = content[0][1]
    item_indent = len(first) - len(first.lstrip(" "))
    if not first.lstrip().startswith("-"):
        return [], False
    items: list[Item] = []
    key_indent = -1
    block_key: str | None = None
    block_indent = -1
    block_text: list[str] = []
    current: Item | None = None

    def close_block() -> None:
        nonlocal block_key
        if current is not None and block_key is not None:
            current.blocks[block_key] = "\n".join(block_text).rstrip("\n") + "\n"
        block_key = None

    for number, line in block:
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        if block_key is not None:
            if not stripped or indent > key_indent:
                if block_indent < 0 and stripped:
                    block_indent = indent
                block_text.append(line[block_indent:] if block_indent >= 0 else "")
                continue
            close_block()
        if not stripped or stripped.startswith("#"):
            continue
        if indent == item_indent and stripped.startswith("-"):
            rest = stripped[1:]
            current = Item({}, {}, number + 1)
            items.append(current)
            key_indent = indent + 1 + (len(rest) - len(rest.lstrip(" ")))
            rest = rest.strip()
            if not rest:
                continue
            line, indent, stripped = " " * key_indent + rest, key_indent, rest
        if current is None or indent != key_indent:
            continue
        match = _KEY_RE.match(stripped)
        if not match:
            continue
        key, raw = match.groups()
        if raw is not None and _BLOCK_SCALAR_RE.match(raw):
            block_key, block_indent, block_text = key, -1, []
            current.keys[key] = None
        else:
            current.keys[key] = _scalar(raw)
    close_block()
    return items, True


def read_flow(source: str) -> FlowText:
    """Check a flow's source with the subset of Kestra's rules described above."""
    flow = FlowText(source)
    # A UTF-8 byte order mark before the first key (an editor's doing) is skipped by
    # Kestra's YAML parser; the source is kept as sent.
    lines = source.removeprefix("\ufeff").splitlines()
    if not source.strip():
        flow.violations.append(Violation("", "Unable to parse flow: the source is empty"))
        flow.syntax_error = True
        return flow
    for number, line in enumerate(lines, start=1):
        if line.startswith("\t"):
            flow.violations.append(
                Violation(
                    "",
                    "Unable to parse flow: found character '\\t' that cannot start any token "
                    f"(line: {number}, column: 1)",
                )
            )
            flow.syntax_error = True
            return flow
    open_key = False  # the previous top-level key has its value on the next lines
    for index, line in enumerate(lines):
        if not line.strip() or line.startswith(("#", " ")):
            continue
        if line.rstrip() in ("---", "...") or line.startswith("--- "):
            continue
        if line.startswith("-") and open_key:
            continue  # an entry of a list written at column 0
        match = _TOP_KEY_RE.match(line)
        if not match:
            flow.syntax_error = True
            flow.violations.append(
                Violation(
                    "",
                    "Unable to parse flow: expected a 'key: value' mapping at the top level "
                    f"(line: {index + 1}, column: 1)",
                )
            )
            return flow
        key, raw = match.groups()
        open_key = raw is None
        if key in flow.keys:
            flow.violations.append(
                Violation(key, f"Duplicate field '{key}' (line: {index + 1}, column: 1)")
            )
            continue
        flow.key_lines[key] = index + 1
        flow.keys[key] = None if raw is not None and _BLOCK_SCALAR_RE.match(raw) else _scalar(raw)
        if key == "tasks":
            if raw is not None and raw.strip() not in ("", "[]"):
                continue  # a flow-style list: not read by this subset
            flow.tasks, _ = _items(_block_lines(lines, index))
        elif key == "inputs" and raw is None:
            flow.inputs, _ = _items(_block_lines(lines, index))
        elif key == "triggers" and raw is None:
            flow.triggers, _ = _items(_block_lines(lines, index))

    for key in flow.key_lines:
        if key not in TOP_LEVEL_KEYS:
            flow.violations.append(
                Violation(
                    key, f'Unrecognized field "{key}" (line: {flow.key_lines[key]}, column: 1)'
                )
            )
    flow_id, namespace = flow.id, flow.namespace
    if not flow_id:
        flow.violations.append(Violation("id", "must not be null"))
    elif not FLOW_ID_RE.match(flow_id) or len(flow_id) > 100:
        flow.violations.append(
            Violation(
                "id", 'must match "^[a-zA-Z0-9][a-zA-Z0-9._-]*" and have at most 100 characters'
            )
        )
    elif flow_id in RESERVED_IDS:
        flow.violations.append(Violation("id", f"'{flow_id}' is a reserved flow id"))
    if not namespace:
        flow.violations.append(Violation("namespace", "must not be null"))
    elif not NAMESPACE_RE.match(namespace) or len(namespace) > 150:
        flow.violations.append(
            Violation(
                "namespace", 'must match "^[a-z0-9][a-z0-9._-]*" and have at most 150 characters'
            )
        )
    if "tasks" not in flow.key_lines:
        flow.violations.append(Violation("tasks", "must not be null"))
    elif not flow.tasks and flow.keys.get("tasks") in (None, "[]"):
        flow.violations.append(Violation("tasks", "must not be empty"))
    seen: set[str] = set()
    for position, task in enumerate(flow.tasks):
        task_id, task_type = task.keys.get("id"), task.keys.get("type")
        where = f"tasks[{position}]"
        if not task_id:
            flow.violations.append(Violation(f"{where}.id", "must not be null"))
        elif not TASK_ID_RE.match(task_id):
            flow.violations.append(
                Violation(f"{where}.id", 'must match "^[a-zA-Z0-9][a-zA-Z0-9_-]*"')
            )
        elif task_id in seen:
            flow.violations.append(Violation(f"{where}.id", f"Duplicate task id '{task_id}'"))
        else:
            seen.add(task_id)
        if not task_type:
            flow.violations.append(Violation(f"{where}.type", "must not be null"))
        elif not _known_type(task_type):
            flow.violations.append(Violation(f"{where}.type", f"Invalid type: {task_type}"))
    for position, trigger in enumerate(flow.triggers):
        trigger_type = trigger.keys.get("type")
        if trigger_type and not _known_type(trigger_type):
            flow.violations.append(
                Violation(f"triggers[{position}].type", f"Invalid type: {trigger_type}")
            )
    return flow


def _known_type(type_name: str) -> bool:
    """A type Kestra could load: dotted, and a known one inside the core package."""
    if "." not in type_name or " " in type_name:
        return False
    return not type_name.startswith(CORE_PACKAGE) or type_name in KNOWN_CORE_TYPES


def _java_trim(text: str) -> str:
    # Java's String.trim() removes every character up to U+0020 at both ends.
    return text.strip("".join(chr(c) for c in range(33)))


def _cleanup_source(source: str) -> str:
    # Kestra drops a `revision: N` line from sources (FlowService.cleanupSource).
    return re.sub(r"(?m)^revision: \d+\n?", "", source, count=1)


# ---------------------------------------------------------------------------
# State
# ---------------------------------------------------------------------------
def _now_iso(epoch: float | None = None) -> str:
    moment = datetime.fromtimestamp(time.time() if epoch is None else epoch, tz=timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _new_id() -> str:
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(secrets.choice(alphabet) for _ in range(22))


@dataclass
class FlowRecord:
    namespace: str
    id: str
    revisions: list[str] = field(default_factory=list)  # sources; revision = index + 1
    deleted: bool = False
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

    def as_json(self, *, with_source: bool) -> dict[str, Any]:
        parsed = self.parsed()
        data: dict[str, Any] = {
            "id": self.id,
            "namespace": self.namespace,
            "revision": self.revision,
            "disabled": self.disabled or parsed.keys.get("disabled") == "true",
            "deleted": self.deleted,
            "updated": _now_iso(self.updated),
            "tasks": [{"id": t.keys.get("id"), "type": t.keys.get("type")} for t in parsed.tasks],
        }
        if parsed.inputs:
            data["inputs"] = [
                {"id": i.keys.get("id"), "type": i.keys.get("type") or "STRING"}
                for i in parsed.inputs
            ]
        if with_source:
            data["source"] = self.source
        return data


@dataclass
class TaskPlan:
    task_id: str
    task_type: str
    run_id: str
    start: float
    end: float
    final: str
    logs: list[tuple[float, str, str]]  # (time, level, message)
    # What the task run carries once it ended (a Return task's `value`; {} for most).
    outputs: dict[str, Any] = field(default_factory=dict)


@dataclass
class Execution:
    id: str
    namespace: str
    flow_id: str
    flow_revision: int
    inputs: dict[str, Any]
    labels: list[dict[str, str]]
    created: float
    running_at: float
    tasks: list[TaskPlan]
    end: float
    final: str
    stopped: tuple[float, str] | None = None  # (when, KILLED|CANCELLED|...) forced from outside
    log_delay: float = 0.0

    def _cut(self) -> tuple[float, str]:
        if self.stopped and self.stopped[0] < self.end:
            return self.stopped
        return self.end, self.final

    def state_at(self, now: float) -> str:
        end, final = self._cut()
        if now >= end:
            return final
        if now >= self.running_at:
            return "RUNNING"
        return "CREATED"

    def snapshot(self, now: float) -> dict[str, Any]:
        end, final = self._cut()
        histories = [{"state": "CREATED", "date": _now_iso(self.created)}]
        if now >= self.running_at and self.running_at < end:
            histories.append({"state": "RUNNING", "date": _now_iso(self.running_at)})
        if self.stopped and self.stopped[0] < self.end and now >= end:
            histories.append({"state": "KILLING", "date": _now_iso(end)})
        if now >= end:
            histories.append({"state": final, "date": _now_iso(end)})
        runs = []
        for task in self.tasks:
            if task.start > now or task.start >= end:
                continue
            task_end, task_final = task.end, task.final
            if end < task.end:
                task_end, task_final = end, final if final in ("KILLED", "CANCELLED") else "KILLED"
            task_hist = [
                {"state": "CREATED", "date": _now_iso(task.start)},
                {"state": "RUNNING", "date": _now_iso(task.start)},
            ]
            current = "RUNNING"
            if now >= task_end:
                current = task_final
                task_hist.append({"state": task_final, "date": _now_iso(task_end)})
            run: dict[str, Any] = {
                "id": task.run_id,
                "executionId": self.id,
                "namespace": self.namespace,
                "flowId": self.flow_id,
                "taskId": task.task_id,
                "value": None,
                "attempts": [{"state": {"current": current, "histories": task_hist}}],
                "state": {
                    "current": current,
                    "histories": task_hist,
                    "startDate": _now_iso(task.start),
                    **({"endDate": _now_iso(task_end)} if now >= task_end else {}),
                },
            }
            if now >= task_end:
                # The worker sets the outputs when the task ends ({} without any).
                run["outputs"] = dict(task.outputs) if task_final == task.final else {}
            runs.append(run)
        state = {
            "current": self.state_at(now),
            "histories": histories,
            "startDate": _now_iso(self.created),
        }
        if now >= end:
            state["endDate"] = _now_iso(end)
            state["duration"] = f"PT{max(end - self.created, 0):.3f}S"
        return {
            "id": self.id,
            "namespace": self.namespace,
            "flowId": self.flow_id,
            "flowRevision": self.flow_revision,
            "inputs": self.inputs,
            "labels": self.labels,
            "state": state,
            "taskRunList": runs,
            "originalId": self.id,
            "deleted": False,
        }

    def url(self, kestra_url: str | None) -> str:
        """The execution's page, as Kestra 1.x puts it in the answer to the POST that
        started it (and nowhere else): from the configured ``kestra.url``, or a path
        alone when none is configured."""
        base = (kestra_url or "").rstrip("/")
        return f"{base}/ui/{TENANT}/executions/{self.namespace}/{self.flow_id}/{self.id}"

    def logs(self, now: float, min_level: str = "INFO") -> list[dict[str, Any]]:
        threshold = LOG_LEVELS.index(min_level) if min_level in LOG_LEVELS else 2
        end, _final = self._cut()
        entries = []
        for task in self.tasks:
            for moment, level, message in task.logs:
                visible = moment + self.log_delay <= now
                if not visible or moment > end or LOG_LEVELS.index(level) < threshold:
                    continue
                entries.append(
                    {
                        "namespace": self.namespace,
                        "flowId": self.flow_id,
                        "taskId": task.task_id,
                        "executionId": self.id,
                        "taskRunId": task.run_id,
                        "attemptNumber": 0,
                        "timestamp": _now_iso(moment),
                        "level": level,
                        "thread": "worker",
                        "message": message,
                    }
                )
        entries.sort(key=lambda entry: entry["timestamp"])
        return entries


@dataclass
class RequestRecord:
    method: str
    path: str
    query: str
    status: int  # 0 when the connection was dropped without an answer
    port: str = "api"  # or "management"


@dataclass
class Fault:
    pattern: str
    kind: str  # "status" | "slow" | "drop"
    times: int | None  # None = until cleared
    method: str | None = None
    status: int = 500
    seconds: float = 0.0
    body: str | None = None

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return re.search(self.pattern, path) is not None


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


# ---------------------------------------------------------------------------
# Executions
# ---------------------------------------------------------------------------
def _duration_seconds(text: str | None) -> float | None:
    match = _DURATION_RE.match(text or "")
    if not match or not any(match.groupdict().values()):
        return None
    parts = {k: float(v) for k, v in match.groupdict().items() if v}
    return (
        parts.get("d", 0) * 86400
        + parts.get("h", 0) * 3600
        + parts.get("m", 0) * 60
        + parts.get("s", 0)
    )


def _render(message: str, inputs: dict[str, Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        value = inputs.get(name)
        return match.group(0) if value is None else str(value)

    return _INPUT_EXPR_RE.sub(replace, message)


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in ("true", "1", "yes")


class InputError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


def _coerce_inputs(
    flow: FlowText, fields: dict[str, str], files: dict[str, str], execution_id: str
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    declared = {item.keys.get("id"): item for item in flow.inputs if item.keys.get("id")}
    for name, item in declared.items():
        kind = (item.keys.get("type") or "STRING").upper()
        required = (item.keys.get("required") or "true").lower() != "false"
        default = item.keys.get("defaults")
        if kind == "FILE":
            if name in files:
                values[name] = (
                    f"kestra:///{flow.namespace.replace('.', '/')}/{flow.id}/executions/"
                    f"{execution_id}/inputs/{name}/{files[name]}"
                )
            elif required:
                raise InputError(
                    name, f"Invalid input for `{name}`, missing required input, but received `null`"
                )
            continue
        raw = fields.get(name, default)
        if raw is None:
            if required:
                raise InputError(
                    name, f"Invalid input for `{name}`, missing required input, but received `null`"
                )
            continue
        try:
            if kind == "INT":
                values[name] = int(raw)
            elif kind == "FLOAT":
                values[name] = float(raw)
            elif kind in ("BOOLEAN", "BOOL"):
                if str(raw).lower() not in ("true", "false"):
                    raise ValueError(f"'{raw}' is not a boolean")
                values[name] = str(raw).lower() == "true"
            else:
                values[name] = raw
        except ValueError as error:
            raise InputError(name, f"Invalid input for `{name}`, {error}") from None
    # Undeclared inputs are ignored by Kestra; the fake keeps a `fail` flag anyway.
    if "fail" in fields and "fail" not in values:
        values["fail"] = fields["fail"]
    return values


def plan_execution(
    state: State,
    record: FlowRecord,
    execution_id: str,
    inputs: dict[str, Any],
    labels: list[dict[str, str]],
) -> Execution:
    settings = state.settings
    flow = read_flow(record.source)
    created = time.time()
    moment = created + settings.queue_seconds
    running_at = moment
    tasks: list[TaskPlan] = []
    final = "SUCCESS"
    fail_first = _truthy(inputs.get("fail", False))
    for position, item in enumerate(flow.tasks):
        task_id = item.keys.get("id") or f"task{position}"
        task_type = item.keys.get("type") or ""
        short = task_type.rsplit(".", 1)[-1]
        seconds = settings.task_seconds
        if short == "Sleep":
            seconds = (_duration_seconds(item.keys.get("duration")) or 0) * settings.sleep_scale
        logs: list[tuple[float, str, str]] = []
        outputs: dict[str, Any] = {}
        outcome = "SUCCESS"
        if short == "Return":
            value = item.keys.get("format") or item.blocks.get("format")
            if value is not None:
                outputs["value"] = _render(value, inputs).rstrip("\n")
        if short == "Log":
            message = item.keys.get("message") or item.blocks.get("message") or ""
            level = (item.keys.get("level") or "INFO").upper()
            level = "WARN" if level == "WARNING" else level
            logs.append(
                (
                    moment,
                    level if level in LOG_LEVELS else "INFO",
                    _render(message, inputs).rstrip("\n"),
                )
            )
        if short == "Fail" or (fail_first and position == 0):
            reason = item.keys.get("errorMessage") or (
                "Failing because the input 'fail' is true" if fail_first else "Task failure"
            )
            allowed = short == "Fail" and _truthy(item.keys.get("allowFailure", "false"))
            outcome = "WARNING" if allowed else "FAILED"
            logs.append((moment + seconds, "WARN" if allowed else "ERROR", _render(reason, inputs)))
        tasks.append(
            TaskPlan(
                task_id, task_type, _new_id(), moment, moment + seconds, outcome, logs, outputs
            )
        )
        moment += seconds
        if outcome == "FAILED":
            final = "FAILED"
            break
        if outcome == "WARNING":
            final = "WARNING"
    return Execution(
        execution_id,
        record.namespace,
        record.id,
        record.revision,
        inputs,
        labels,
        created,
        running_at,
        tasks,
        max(moment, running_at) + 0.01,
        final,
        log_delay=settings.log_delay,
    )


# ---------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------
class HttpError(Exception):
    def __init__(
        self,
        status: int,
        message: str = "",
        errors: list[dict[str, str]] | None = None,
        *,
        empty: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors or []
        self.empty = empty


def _unprocessable(violations: list[Violation], prefix: str = "Invalid entity: ") -> HttpError:
    message = prefix + ", ".join(v.text() for v in violations)
    return HttpError(422, message, [{"message": v.text(), "path": v.path} for v in violations])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], handler: type, state: State, role: str) -> None:
        self.state = state
        self.role = role  # "api" or "management"
        super().__init__(address, handler)


class Handler(BaseHTTPRequestHandler):
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
                    self._send(fault.status, fault.body.encode())
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
        if tenant != TENANT:
            # Old tenant-less paths land here too ("flows" as a tenant): 404 for those.
            if tenant in ("flows", "executions", "logs", "namespaces"):
                raise HttpError(404, "Not Found")
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

    # Flows ----------------------------------------------------------------
    def create_flow(self, query: dict, body: bytes) -> None:
        self._require_yaml()
        source = body.decode()
        flow = read_flow(source)
        if not flow.valid:
            raise _unprocessable(flow.violations)
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
                raise _unprocessable([Violation("flow.id", "Flow id already exists")])
            record = state.save_flow(flow, source)
            self._json(200, record.as_json(with_source=True))

    def update_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        self._require_yaml()
        state = self.server.state
        state.pay_flow_cost(1)
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                raise HttpError(404, empty=True)
            source = body.decode()
            flow = read_flow(source)
            if flow.id and flow.id != flow_id:
                raise _unprocessable([Violation("flow.id", "Illegal flow id update")])
            if flow.namespace and flow.namespace != namespace:
                raise _unprocessable([Violation("flow.namespace", "Illegal namespace update")])
            if not flow.valid:
                raise _unprocessable(flow.violations)
            record = state.save_flow(flow, source)
            self._json(200, record.as_json(with_source=True))

    def get_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        state = self.server.state
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                raise HttpError(404, f"Unable to find flow {namespace}.{flow_id}")
            with_source = query.get("source", ["false"])[0] == "true"
            self._json(200, record.as_json(with_source=with_source))

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
        # The legacy parameters: `namespace` is a prefix, `q` a text search.
        if "namespace" in query:
            prefix = query["namespace"][0]
            records = [
                r for r in records if r.namespace == prefix or r.namespace.startswith(prefix)
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
            raise _unprocessable(
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
        self._require_yaml()
        delete = query.get("delete", ["true"])[0].lower() != "false"  # Kestra's default: true
        text = body.decode()
        # Kestra 1.x: flows.split("---") then trim(): every `---`, even inside a
        # block scalar or in the middle of a line, starts a new "flow".
        pieces = [_java_trim(p) for p in _java_split(text, "---")] if text else []
        flows = [(read_flow(p), p) for p in pieces]
        for flow, _source in flows:
            if flow.syntax_error:
                raise _unprocessable(flow.violations)  # unparseable: nothing written
        state = self.server.state
        state.pay_flow_cost(len(flows))
        with state.lock:
            wrong = [
                Violation(
                    "flow.namespace", f"{TENANT}_{f.namespace}_{f.id} - flow namespace is invalid"
                )
                for f, _ in flows
                if f.namespace != namespace
            ]
            if wrong:
                raise _unprocessable(wrong)
            ids = [f.id for f, _ in flows]
            if len(set(ids)) < len(ids):
                raise _unprocessable([Violation("flow.id", "Duplicate flow id")])
            deleted = []
            if delete:
                for record in state.flows.values():
                    if (
                        record.namespace == namespace
                        and not record.deleted
                        and record.id not in ids
                    ):
                        record.deleted = True
                        deleted.append(record.as_json(with_source=False))
            written = []
            for flow, source in flows:
                if not flow.valid:
                    # Kestra writes the flows one by one: earlier ones stay written.
                    raise _unprocessable(flow.violations)
                written.append(state.save_flow(flow, source).as_json(with_source=False))
        self._json(200, deleted + written)

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

    # Executions -----------------------------------------------------------
    def run_flow(self, query: dict, body: bytes, namespace: str, flow_id: str) -> None:
        state = self.server.state
        fields: dict[str, str] = {}
        files: dict[str, str] = {}
        if body:
            for name, filename, data in self._multipart(body):
                if filename is not None:
                    files[name] = filename
                else:
                    fields[name] = data.decode()
        labels = []
        for label in query.get("labels", []):
            key, _, value = label.partition(":")
            labels.append({"key": key, "value": value})
        with state.lock:
            record = state.live_flow(namespace, flow_id)
            if record is None:
                raise HttpError(404, f"Flow not found: {namespace}.{flow_id}")
            flow = read_flow(record.source)
            if record.disabled or flow.keys.get("disabled") == "true":
                raise HttpError(409, "Cannot execute a disabled flow")
            execution_id = _new_id()
            try:
                inputs = _coerce_inputs(flow, fields, files, execution_id)
            except InputError as error:
                raise _unprocessable([Violation(f"inputs.{error.name}", str(error))]) from None
            execution = plan_execution(state, record, execution_id, inputs, labels)
            state.executions[execution.id] = execution
        if query.get("wait", ["false"])[0] == "true":
            while execution.state_at(time.time()) not in TERMINAL_STATES:
                time.sleep(0.02)
        answer = execution.snapshot(time.time())
        answer["url"] = execution.url(state.settings.kestra_url)
        self._json(200, answer)

    def _execution(self, execution_id: str) -> Execution:
        with self.server.state.lock:
            execution = self.server.state.executions.get(execution_id)
        if execution is None:
            raise HttpError(404, f"Unable to find the execution {execution_id}")
        return execution

    def get_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        self._json(200, self._execution(execution_id).snapshot(time.time()))

    def kill_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        if execution.state_at(time.time()) in TERMINAL_STATES:
            raise HttpError(409, "Execution is already finished")
        execution.stopped = (time.time(), "KILLED")
        self._send(202)

    def _sse_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self._record(200)
        self.end_headers()
        self.close_connection = True

    def _sse(self, event_id: str, data: Any) -> None:
        self.wfile.write(f"id: {event_id}\ndata: {json.dumps(data)}\n\n".encode())
        self.wfile.flush()

    def follow_execution(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        self._sse_start()
        self._sse("start", {"id": execution_id})
        snapshot = execution.snapshot(time.time())
        if snapshot["state"]["current"] in TERMINAL_STATES:
            self._sse("end", snapshot)
            return
        self._sse("progress", snapshot)
        last = _fingerprint(snapshot)
        while True:
            time.sleep(0.02)
            snapshot = execution.snapshot(time.time())
            if snapshot["state"]["current"] in TERMINAL_STATES:
                self._sse("progress", snapshot)
                self._sse("end", snapshot)
                return
            current = _fingerprint(snapshot)
            if current != last:
                self._sse("progress", snapshot)
                last = current

    def get_logs(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        level = query.get("minLevel", ["INFO"])[0].upper()
        self._json(200, execution.logs(time.time(), level))

    def follow_logs(self, query: dict, body: bytes, execution_id: str) -> None:
        execution = self._execution(execution_id)
        level = query.get("minLevel", ["INFO"])[0].upper()
        self._sse_start()
        sent = 0
        # Kestra's stream stays open after the execution ends (it never sends an end
        # event): it closes when the client leaves. Bounded here, so a test that forgets
        # to close it cannot hang the server.
        closes_at = time.monotonic() + self.server.state.settings.follow_limit
        while time.monotonic() < closes_at:
            entries = execution.logs(time.time(), level)
            for entry in entries[sent:]:
                self._sse("progress", entry)
            sent = len(entries)
            if self._client_left():
                return
            time.sleep(0.05)

    def _client_left(self) -> bool:
        """The client closed its end of the connection (it sends nothing on an SSE stream)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            return bool(readable) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

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
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    for entry in archive.namelist():
                        if not entry.endswith("/"):
                            files["/" + entry.lstrip("/")] = archive.read(entry)
            else:
                if path.startswith("/_flows"):
                    raise HttpError(422, "Forbidden path: /_flows")
                files["/" + path.lstrip("/")] = data
        self._send(200)

    def get_file(self, query: dict, body: bytes, namespace: str) -> None:
        path = "/" + query.get("path", [""])[0].lstrip("/")
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


def _fingerprint(snapshot: dict[str, Any]) -> tuple:
    return (
        snapshot["state"]["current"],
        tuple((r["taskId"], r["state"]["current"]) for r in snapshot["taskRunList"]),
    )


def _java_split(text: str, separator: str) -> list[str]:
    # Java's String.split drops trailing empty strings.
    pieces = text.split(separator)
    while pieces and pieces[-1] == "":
        pieces.pop()
    return pieces


_NAME = r"[^/]+"
ROUTES: list[tuple[str, str, Callable[..., None]]] = [
    ("POST", r"flows", Handler.create_flow),
    ("POST", r"flows/validate", Handler.validate_flows),
    ("POST", r"flows/import", Handler.import_flows),
    ("GET", r"flows/search", Handler.search_flows),
    ("GET", r"flows/export/by-query", Handler.export_flows),
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


# ---------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------
def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class FakeKestra:
    """The fake server in this process: start(), stop(), and the test controls."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        management_port: int = 0,
        username: str | None = "admin@kestra.local",
        password: str | None = "Admin1234",
        **settings: Any,
    ) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.management_port = management_port or free_port(host)
        self.state = State(Settings(username=username, password=password, **settings))
        self._servers: list[_Server] = []
        self._threads: list[threading.Thread] = []
        self._opener: threading.Thread | None = None
        self._stopping = threading.Event()
        self.listening = threading.Event()

    # Lifecycle --------------------------------------------------------------
    def start(self) -> FakeKestra:
        settings = self.state.settings
        self.state.ready_at = time.monotonic() + settings.startup_delay
        if settings.startup_delay and settings.startup_mode == "refuse":
            self._opener = threading.Thread(target=self._open_later, daemon=True)
            self._opener.start()
        else:
            self._open()
        return self

    def _open_later(self) -> None:
        if not self._stopping.wait(self.state.settings.startup_delay):
            self._open()

    def _open(self) -> None:
        for port, role in ((self.port, "api"), (self.management_port, "management")):
            server = _Server((self.host, port), Handler, self.state, role)
            thread = threading.Thread(
                target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
            )
            thread.start()
            self._servers.append(server)
            self._threads.append(thread)
        self.listening.set()

    def stop(self) -> None:
        self._stopping.set()
        for server in self._servers:
            server.shutdown()
            server.server_close()
        self._servers.clear()

    def __enter__(self) -> FakeKestra:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # Addresses --------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def management_url(self) -> str:
        return f"http://{self.host}:{self.management_port}"

    @property
    def username(self) -> str | None:
        return self.state.settings.username

    @property
    def password(self) -> str | None:
        return self.state.settings.password

    # Request log --------------------------------------------------------------
    @property
    def requests(self) -> list[RequestRecord]:
        with self.state.lock:
            return list(self.state.requests)

    def clear_requests(self) -> None:
        with self.state.lock:
            self.state.requests.clear()

    def count(self, method: str | None = None, path: str | None = None) -> int:
        """Requests seen (method exact, path a regular expression searched in the path)."""
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method) and (path is None or re.search(path, r.path))
        )

    def writes(self) -> list[RequestRecord]:
        return [
            r
            for r in self.requests
            if r.method in ("POST", "PUT", "DELETE") and "/validate" not in r.path
        ]

    # Faults ---------------------------------------------------------------
    def fail(
        self,
        path: str,
        status: int = 500,
        times: int | None = 1,
        *,
        method: str | None = None,
        body: str | None = None,
    ) -> None:
        """Answer ``status`` to the next ``times`` requests whose path matches regex ``path``."""
        with self.state.lock:
            self.state.faults.append(Fault(path, "status", times, method, status=status, body=body))

    def slow(
        self, path: str, seconds: float, times: int | None = None, *, method: str | None = None
    ) -> None:
        with self.state.lock:
            self.state.faults.append(Fault(path, "slow", times, method, seconds=seconds))

    def drop(self, path: str, times: int | None = 1, *, method: str | None = None) -> None:
        """Close the connection without an answer for the next ``times`` matching requests."""
        with self.state.lock:
            self.state.faults.append(Fault(path, "drop", times, method))

    def clear_faults(self) -> None:
        with self.state.lock:
            self.state.faults.clear()

    # Stored data --------------------------------------------------------------
    def flows(self) -> dict[tuple[str, str], FlowRecord]:
        """The live flows by (namespace, id)."""
        with self.state.lock:
            return {k: v for k, v in self.state.flows.items() if not v.deleted}

    def flow_source(self, namespace: str, flow_id: str) -> str | None:
        record = self.flows().get((namespace, flow_id))
        return record.source if record else None

    def put_flow(self, source: str) -> FlowRecord:
        """Store a flow directly (as if made in the UI), whatever the request log says."""
        flow = read_flow(source)
        if not flow.valid:
            raise ValueError(flow.constraints())
        with self.state.lock:
            return self.state.save_flow(flow, source)

    def namespace_files(self, namespace: str) -> dict[str, bytes]:
        with self.state.lock:
            return dict(self.state.files.get(namespace, {}))

    def executions(self) -> list[Execution]:
        with self.state.lock:
            return list(self.state.executions.values())

    def stop_execution(self, execution_id: str, final: str = "KILLED") -> None:
        """End a running execution from outside (KILLED, CANCELLED...)."""
        with self.state.lock:
            self.state.executions[execution_id].stopped = (time.time(), final)


@dataclass
class FakeProcess:
    """A fake server running as a subprocess (see ``start_subprocess``)."""

    process: subprocess.Popen
    url: str
    management_url: str

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> FakeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_subprocess(
    *args: str,
    host: str = "127.0.0.1",
    port: int | None = None,
    management_port: int | None = None,
    env: dict[str, str] | None = None,
    python: str = sys.executable,
    wait: bool = True,
) -> FakeProcess:
    """Run this file as a script on free ports; wait for its "listening" line unless told not to."""
    port = port or free_port(host)
    management_port = management_port or free_port(host)
    command = [
        python,
        str(Path(__file__).resolve()),
        "--host",
        host,
        "--port",
        str(port),
        "--management-port",
        str(management_port),
        *args,
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
    )
    handle = FakeProcess(process, f"http://{host}:{port}", f"http://{host}:{management_port}")
    if wait:
        line = process.stdout.readline() if process.stdout else ""
        if "listening" not in line:
            handle.stop()
            raise RuntimeError(f"the fake Kestra did not start: {line!r}")
    return handle


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="A fake Kestra 1.x server (standard library only)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--management-port", type=int, default=8081)
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--api-token")
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--startup-mode", choices=("refuse", "unavailable"), default="refuse")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API request"
    )
    parser.add_argument(
        "--flow-cost", type=float, default=0.0, help="seconds added per flow written"
    )
    parser.add_argument("--task-seconds", type=float, default=0.2)
    parser.add_argument("--sleep-scale", type=float, default=1.0)
    parser.add_argument("--error-style", choices=("kestra1", "problem"), default="kestra1")
    parser.add_argument("--quiet", action="store_true", help="do not log requests on stderr")
    args = parser.parse_args(argv)

    configuration = os.environ.get("KESTRA_CONFIGURATION", "")
    username, password = args.username, args.password
    if username is None and password is None:
        username, password = credentials_from_configuration(configuration)
    kestra_url = flatten_configuration(configuration).get("kestra.url")
    fake = FakeKestra(
        host=args.host,
        port=args.port,
        management_port=args.management_port,
        username=username,
        password=password,
        api_token=args.api_token,
        startup_delay=args.startup_delay,
        startup_mode=args.startup_mode,
        latency=args.latency,
        flow_cost=args.flow_cost,
        task_seconds=args.task_seconds,
        sleep_scale=args.sleep_scale,
        error_style=args.error_style,
        kestra_url=kestra_url,
        quiet=args.quiet,
    )
    problem = credential_problem(username, password)
    if problem:
        sys.stderr.write(
            f"fake-kestra: {problem}; staying on the setup page (every API call answers 401)\n"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    while not fake.listening.wait(0.1):
        if stop.is_set():
            fake.stop()
            return 0
    print(f"fake-kestra listening on {fake.url} (management {fake.management_url})", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
