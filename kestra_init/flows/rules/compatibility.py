"""What works on Kestra 1.x and breaks on 2.0, or on the API paths of recent 1.x."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kestra_init.flows import pebble
from kestra_init.flows.core_types import REMOVED_IN_2, canonical
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import Finding, check, rule, scalar_text

# Flow-level keys 2.0 removes, and what to do instead.
_REMOVED_KEYS = {
    "pluginDefaults": (
        "Kestra 2.0 removes flow-level `pluginDefaults`: the flow works on 1.x and does not "
        "load on 2.0. Before upgrading, move the values into the tasks themselves (or into "
        "namespace or instance plugin defaults)."
    ),
    "taskDefaults": (
        "`taskDefaults` is the pre-0.17 name of `pluginDefaults`, which Kestra 2.0 removes: "
        "move the values into the tasks themselves before upgrading."
    ),
    "listeners": (
        "Kestra 2.0 removes `listeners`: move their tasks into a separate flow started by an "
        "`io.kestra.plugin.core.trigger.Flow` trigger with the same conditions."
    ),
}
# Calls the open-source API answers under /api/v1/main/... since 0.23.
_API_WITHOUT_TENANT_RE = re.compile(
    r"/api/v1/(?=(?:flows|executions|logs|namespaces|triggers|templates|stats|taskruns|"
    r"metrics)\b)"
)

_FLOW = """\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
    level: WARN
"""

REMOVED_IN_KESTRA_2 = rule(
    "removed-in-kestra-2",
    Severity.WARNING,
    "compatibility",
    "A construct Kestra 1.x accepts and 2.0 removes (`pluginDefaults`, `listeners`, "
    "ForEach, ForEachItem, `json()`, templates, the state store...).",
    bad="""\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
pluginDefaults:
  - type: io.kestra.plugin.core.log.Log
    values:
      level: WARN
""",
    good=_FLOW,
)
KESTRA_API_PATH_WITHOUT_TENANT = rule(
    "kestra-api-path-without-tenant",
    Severity.WARNING,
    "compatibility",
    "A call to Kestra's API without the tenant segment (`/api/v1/flows/...`): since 0.23 "
    "the paths are `/api/v1/main/...`.",
    bad="""\
id: count_flows
namespace: company.team
tasks:
  - id: search
    type: io.kestra.plugin.core.http.Request
    uri: http://kestra:8080/api/v1/flows/search
""",
    good="""\
id: count_flows
namespace: company.team
tasks:
  - id: search
    type: io.kestra.plugin.core.http.Request
    uri: http://kestra:8080/api/v1/main/flows/search
""",
)


@check
def check_compatibility(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    root = flow.root
    for key, message in _REMOVED_KEYS.items():
        if key in root:
            yield Finding(REMOVED_IN_KESTRA_2, key_mark(root, key), message)
    for node, path in flow.typed_maps:
        replacement = REMOVED_IN_2.get(canonical(node["type"].strip()))
        if replacement and not (path and path[0] in ("pluginDefaults", "taskDefaults")):
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(node, "type"),
                f"{replacement}. It works on 1.x; change it before upgrading to 2.0.",
            )
    for item in flow.inputs:
        if "name" in item and "id" not in item:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(item, "name"),
                "`name` is the pre-0.15 spelling of an input's `id`, and Kestra 2.0 no longer "
                "reads it: write `id:` instead.",
            )
        if scalar_text(item.get("type")) == "BOOLEAN":
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(item, "type"),
                "Kestra 2.0 removes the input type BOOLEAN: write `type: BOOL` (it works on "
                "1.x too).",
            )
    yield from _check_tasks(flow)
    yield from _check_strings(flow)


def _check_tasks(flow: FlowDoc) -> Iterator[Finding]:
    for task in flow.tasks:
        if "runner" in task.node and (task.type or "").startswith("io.kestra.plugin.scripts."):
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(task.node, "runner"),
                "`runner` is the pre-0.18 way to choose where a script runs, and Kestra 2.0 "
                "removes it: write `taskRunner: {type: io.kestra.plugin.core.runner.Process}` "
                "or `type: io.kestra.plugin.scripts.runner.docker.Docker`.",
            )
    for trigger in flow.triggers:
        for key in ("conditions", "scheduleConditions"):
            if isinstance(trigger.node.get(key), list) and trigger.node[key]:
                yield Finding(
                    REMOVED_IN_KESTRA_2,
                    key_mark(trigger.node, key),
                    f"Kestra 2.0 replaces trigger `{key}` with a `when` expression (and "
                    "`dependsOn` on Flow triggers). It works on 1.x; rewrite it before "
                    "upgrading.",
                )


def _check_strings(flow: FlowDoc) -> Iterator[Finding]:
    for value in flow.strings:
        text = value.text
        calls = pebble.function_calls(text) if "json" in text else ()
        for name, offset in calls:
            if name == "json":
                yield Finding(
                    REMOVED_IN_KESTRA_2,
                    flow.locate(text, value.mark, offset),
                    "Kestra 2.0 removes the `json()` function: write `fromJson()`, which does "
                    "the same on 1.x.",
                )
        match = _API_WITHOUT_TENANT_RE.search(text) if "/api/v1/" in text else None
        if match:
            path = text[match.start() : match.start() + 40].split()[0].rstrip("'\",)")
            fixed = path.replace("/api/v1/", "/api/v1/main/", 1)
            yield Finding(
                KESTRA_API_PATH_WITHOUT_TENANT,
                flow.locate(text, value.mark, match.start()),
                f"`{path}` has no tenant segment. Since Kestra 0.23 the open-source API "
                f"answers under `/api/v1/main/...`, and the old path may answer 404: write "
                f"`{fixed}`.",
            )
