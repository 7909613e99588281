"""A fake Kestra 1.x server for tests: standard library only, runnable as a program.

It answers the API kestra-init uses the way Kestra 1.x does (the facts are in
``../shared/reference/kestra.md``; where the fake and a real server differ, the
fake is wrong). It runs in-process from the pytest fixture ``fake_kestra``, as a
subprocess (``start_subprocess``), or inside a container that holds nothing but
a Python 3.11 interpreter::

    python3 tests/fake_kestra --host 0.0.0.0 --port 8080 --management-port 8081 \\
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

from .configuration import credential_problem, credentials_from_configuration
from .control import FakeKestra, FakeProcess, free_port, start_subprocess
from .flow_text import read_flow
from .store import FlowRecord, RequestRecord

__all__ = [
    "FakeKestra",
    "FakeProcess",
    "FlowRecord",
    "RequestRecord",
    "credential_problem",
    "credentials_from_configuration",
    "free_port",
    "read_flow",
    "start_subprocess",
]
