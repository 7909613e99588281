"""What the fake knows of Kestra 1.x that the tool knows too, restated.

The fake stands for the server, so it never imports the tool it tests (and it
runs in a container holding nothing but Python). Every table here has a twin in
``kestra_init``; ``tests/test_fake_tables.py`` compares each pair, so a drift
fails a test.
"""

from __future__ import annotations

import re

# The version /api/v1/configs reports (what the course pins), and the one tenant of OSS.
FAKE_VERSION = "1.1.0"
TENANT = "main"

# Kestra's rules for basic-auth credentials (restated here: this file must not
# import kestra_init, it runs in a bare container).
# Kestra's own pattern for the basic-auth username (kestra.md, from Kestra's source).
EMAIL_RE = re.compile(r"^[a-zA-Z0-9_!#$%&'*+/=?`{|}~^.-]+@[a-zA-Z0-9.-]+$")

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
        "tenantId",
        "updated",
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
    {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "RETRIED", "SKIPPED", "RESUBMITTED"}
)
LOG_LEVELS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR")
