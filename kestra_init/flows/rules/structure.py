"""The flow's own keys: id, namespace, tasks, and nothing Kestra does not know."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import (
    HELLO_FLOW,
    Finding,
    check,
    did_you_mean,
    kind_of,
    rule,
    scalar_text,
)
from kestra_init.flows.yaml_nodes import YList

FLOW_ID_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9._-]*")
NAMESPACE_RE = re.compile(r"[a-z0-9][a-z0-9._-]*")
FLOW_ID_MAX = 100
NAMESPACE_MAX = 150
# Since Kestra 1.0 these ids collide with API routes.
RESERVED_FLOW_IDS = frozenset(
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
# Every top-level key of a flow in Kestra 1.x, including the deprecated ones that
# still load (`listeners`, `taskDefaults`), the ones the server sets (`tenantId`,
# `updated`) and `workerGroup`. Read from core/src/main/java/io/kestra/core/models/
# flows/AbstractFlow.java and Flow.java on releases/v1.3.x (1.3.19); Jackson refuses
# any other key. `workerSelector` is 2.0's (it replaces `workerGroup`).
FLOW_KEYS = frozenset(
    {
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
        "checks",
        "workerGroup",
        "tenantId",
        "updated",
    }
)

_GOOD = HELLO_FLOW

FLOW_REQUIRED_KEY = rule(
    "flow-required-key",
    Severity.ERROR,
    "structure",
    "A flow needs `id`, `namespace` and a `tasks` list.",
    bad="""\
id: hello
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
""",
    good=_GOOD,
)
FLOW_TASKS_EMPTY = rule(
    "flow-tasks-empty",
    Severity.ERROR,
    "structure",
    "`tasks` is empty: a flow needs at least one task.",
    bad="id: hello\nnamespace: company.team\ntasks: []\n",
    good=_GOOD,
)
FLOW_ID_INVALID = rule(
    "flow-id-invalid",
    Severity.ERROR,
    "structure",
    "The flow id breaks Kestra's pattern `[a-zA-Z0-9][a-zA-Z0-9._-]*` (1 to 100 characters).",
    bad=_GOOD.replace("id: hello", "id: hello world", 1),
    good=_GOOD,
)
FLOW_ID_RESERVED = rule(
    "flow-id-reserved",
    Severity.ERROR,
    "structure",
    "The flow id is one Kestra reserves for its API routes (`search`, `executions`...).",
    bad=_GOOD.replace("id: hello", "id: search", 1),
    good=_GOOD.replace("id: hello", "id: search_products", 1),
)
NAMESPACE_INVALID = rule(
    "namespace-invalid",
    Severity.ERROR,
    "structure",
    "The namespace breaks Kestra's pattern `[a-z0-9][a-z0-9._-]*` (lower case, 1 to 150).",
    bad=_GOOD.replace("company.team", "Company.Team"),
    good=_GOOD,
)
FLOW_KEY_UNKNOWN = rule(
    "flow-key-unknown",
    Severity.ERROR,
    "structure",
    "A top-level key Kestra does not know (a typo such as `input` or `trigger`).",
    bad=_GOOD + "trigger:\n  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n"
    '    cron: "0 9 * * *"\n',
    good=_GOOD + "triggers:\n  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n"
    '    cron: "0 9 * * *"\n',
)


@check
def check_structure(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    root = flow.root
    yield from _check_id(flow)
    yield from _check_namespace(flow)
    if "tasks" not in root or root["tasks"] is None:
        yield Finding(
            FLOW_REQUIRED_KEY,
            key_mark(root, "tasks"),
            "The flow has no tasks. Add a `tasks:` list with at least one task, for example "
            "`- id: hello` with `type: io.kestra.plugin.core.log.Log` and `message: Hello`.",
        )
    elif not isinstance(root["tasks"], YList):
        yield Finding(
            FLOW_REQUIRED_KEY,
            value_mark(root, "tasks"),
            f"`tasks` is {kind_of(root['tasks'])}, and it must be a list of tasks: "
            "start each task with `- id: ...` on its own line under `tasks:`.",
        )
    elif not root["tasks"]:
        yield Finding(
            FLOW_TASKS_EMPTY,
            value_mark(root, "tasks"),
            "`tasks` is empty, and Kestra needs at least one task. Add one, for example "
            "a `io.kestra.plugin.core.log.Log` task.",
        )
    for key in root:
        if key not in FLOW_KEYS:
            hint = did_you_mean(key, FLOW_KEYS) or (
                " The flow keys are: " + ", ".join(sorted(FLOW_KEYS - {"deleted", "updated"})) + "."
            )
            yield Finding(
                FLOW_KEY_UNKNOWN,
                key_mark(root, key),
                f"`{key}` is not a flow property, and Kestra rejects flows with unknown "
                f"properties.{hint}",
            )


def _check_id(flow: FlowDoc) -> Iterator[Finding]:
    root = flow.root
    if root.get("id") is None:
        yield Finding(
            FLOW_REQUIRED_KEY,
            key_mark(root, "id"),
            "The flow has no `id`. Add `id: my_flow` at the top (letters, digits, `.`, `_`, "
            "`-`); choose it well, because an id never changes after the first save.",
        )
        return
    flow_id = scalar_text(root["id"])
    mark = value_mark(root, "id")
    if flow_id is None:
        yield Finding(
            FLOW_REQUIRED_KEY,
            mark,
            f"`id` is {kind_of(root['id'])}, and it must be a single word such as `my_flow`.",
        )
        return
    if not FLOW_ID_RE.fullmatch(flow_id) or len(flow_id) > FLOW_ID_MAX:
        yield Finding(
            FLOW_ID_INVALID,
            mark,
            f"Flow id `{flow_id}` is not allowed: it must start with a letter or digit, hold "
            f"only letters, digits, `.`, `_` and `-`, and be at most {FLOW_ID_MAX} characters. "
            f"Try `{_suggest(flow_id, FLOW_ID_MAX, lower=False)}`.",
        )
    elif flow_id in RESERVED_FLOW_IDS:
        yield Finding(
            FLOW_ID_RESERVED,
            mark,
            f"Flow id `{flow_id}` is reserved by Kestra (since 1.0 it collides with an API "
            f"route). Rename it, for example `{flow_id}-flow`.",
        )


def _check_namespace(flow: FlowDoc) -> Iterator[Finding]:
    root = flow.root
    if root.get("namespace") is None:
        yield Finding(
            FLOW_REQUIRED_KEY,
            key_mark(root, "namespace"),
            "The flow has no `namespace`. Add `namespace: company.team` (lower case, dots "
            "between levels), the folder the flow lives in inside Kestra.",
        )
        return
    namespace = scalar_text(root["namespace"])
    mark = value_mark(root, "namespace")
    if namespace is None:
        yield Finding(
            FLOW_REQUIRED_KEY,
            mark,
            f"`namespace` is {kind_of(root['namespace'])}, and it must be a dotted name "
            "such as `company.team`.",
        )
    elif not NAMESPACE_RE.fullmatch(namespace) or len(namespace) > NAMESPACE_MAX:
        yield Finding(
            NAMESPACE_INVALID,
            mark,
            f"Namespace `{namespace}` is not allowed: lower-case letters, digits, `.`, `_` and "
            f"`-` only, starting with a letter or digit, at most {NAMESPACE_MAX} characters. "
            f"Try `{_suggest(namespace, NAMESPACE_MAX, lower=True, fallback='company.team')}`.",
        )


def _suggest(text: str, limit: int, *, lower: bool, fallback: str = "my_flow") -> str:
    """A close name that fits the pattern: accents dropped (`é` -> `e`), spaces and
    other characters become `_`; ``fallback`` when nothing is left."""

    candidate = unicodedata.normalize("NFKD", text)
    candidate = "".join(char for char in candidate if not unicodedata.combining(char))
    candidate = candidate.lower() if lower else candidate
    candidate = re.sub(r"[^a-zA-Z0-9._-]+", "_", candidate.strip()).strip("._-")
    return (candidate or fallback)[:limit]


FLOW_DUPLICATE = rule(
    "flow-duplicate",
    Severity.ERROR,
    "structure",
    "Two documents define the same namespace and id: one would overwrite the other in Kestra.",
    bad=_GOOD + "---\n" + _GOOD,
    good=_GOOD + "---\n" + _GOOD.replace("id: hello", "id: hello_again", 1),
)
