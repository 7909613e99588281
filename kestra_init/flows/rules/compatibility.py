"""With a 2.x target: what to change before upgrading, as Kestra's 2.0 migration guide lists it.

Nothing here is reported for a 1.x target: a flow that works on the version it
runs on needs no warning about a version it does not run on. `--target 2.0`
turns the findings on, as a report of the guide's items that the flows use
(kestra-io/docs src/contents/docs/11.migration-guide/v2.0.0/, index.mdx and the
migration tutorial). Items of the 2.0 source that the guide does not list
(EachSequential, EachParallel, LocalFiles, Template, `listeners`, the input
`name:` spelling) are not reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from kestra_init.flows import pebble
from kestra_init.flows.core_types import REMOVED_IN_2, REMOVED_IN_2_PACKAGES, canonical
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import YList, YMap

_GUIDE = "https://kestra.io/docs/migration-guide/v2.0.0"
_REMOVED_KEYS = {
    "pluginDefaults": (
        "Kestra 2.0 removes flow-level `pluginDefaults` (the flow fails to parse there): move "
        f"the values into the tasks themselves, or into flow `variables` ({_GUIDE}/"
        "plugin-defaults-removed)."
    ),
    "taskDefaults": (
        "`taskDefaults`, the old name of `pluginDefaults`, is removed in Kestra 2.0: move the "
        f"values into the tasks themselves ({_GUIDE}/plugin-defaults-removed)."
    ),
}
_INPUT_TYPES = {"BOOLEAN": "BOOL", "ENUM": "SELECT"}
# Calls the open-source API answers under /api/v1/main/... since 0.23; 1.0 to 1.3
# still alias the old paths to `main` (webserver TenantAliasingRooter), 2.0 drops it.
_API_WITHOUT_TENANT_RE = re.compile(
    r"/api/v1/(?=(?:flows|executions|logs|namespaces|triggers|templates|stats|taskruns|"
    r"metrics)\b)"
)
_CANCELED_RE = re.compile(r"(['\"])CANCELED\1")
LOCAL_DELETE = "io.kestra.plugin.fs.local.Delete"
_SDK_TASKS = ("io.kestra.plugin.kestra.", "io.kestra.plugin.git.Sync", "io.kestra.plugin.git.Names")

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
    "With a 2.x target: a construct Kestra's 2.0 migration guide removes or renames "
    "(`pluginDefaults`, ForEach, trigger `conditions`, `json()`, BOOLEAN inputs...).",
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
    applies="2.x targets only (`--target 2.0`)",
    example_target="2.0",
)
KESTRA_API_PATH_WITHOUT_TENANT = rule(
    "kestra-api-path-without-tenant",
    Severity.WARNING,
    "compatibility",
    "With a 2.x target: a call to Kestra's API without the tenant segment "
    "(`/api/v1/flows/...`), which 1.x still answers and 2.0 does not.",
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
    applies="2.x targets only (`--target 2.0`)",
    example_target="2.0",
)


@check
def check_compatibility(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    if not context.target.upgrade_report:
        return
    root = flow.root
    for key, message in _REMOVED_KEYS.items():
        if key in root:
            yield Finding(REMOVED_IN_KESTRA_2, key_mark(root, key), message)
    for node, path in flow.typed_maps:
        if path and path[0] in _REMOVED_KEYS:
            continue  # the block itself is reported
        type_name = canonical(node["type"].strip())
        replacement = REMOVED_IN_2.get(type_name) or next(
            (
                text
                for prefix, text in REMOVED_IN_2_PACKAGES.items()
                if type_name.startswith(prefix)
            ),
            None,
        )
        if replacement:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(node, "type"),
                f"{replacement}. It works on 1.x; change it before upgrading to 2.0.",
            )
    for item in flow.inputs:
        old = scalar_text(item.get("type"))
        if old in _INPUT_TYPES:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(item, "type"),
                f"Kestra 2.0 renames the input type {old} to {_INPUT_TYPES[old]}: write "
                f"`type: {_INPUT_TYPES[old]}` (1.x reads it too).",
            )
    yield from _check_checks(flow)
    yield from _check_tasks(flow, context)
    yield from _check_triggers(flow)
    yield from _check_strings(flow)


def _check_checks(flow: FlowDoc) -> Iterator[Finding]:
    checks = flow.root.get("checks")
    if not isinstance(checks, YList):
        return
    for item in checks:
        if isinstance(item, YMap) and "condition" in item:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(item, "condition"),
                "Kestra 2.0 renames a flow check's `condition` to `when` (the old name is a "
                f"deprecated alias): write `when:` ({_GUIDE}/checks-condition-renamed-when).",
            )


def _check_tasks(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    holders = [("The flow", flow.root)]
    for task in flow.tasks:
        node = task.node
        type_name = task.type or ""
        holders.append((f"Task `{task.id or '?'}`", node))
        if "runner" in node and type_name.startswith("io.kestra.plugin.scripts."):
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(node, "runner"),
                "Kestra 2.0 removes a script task's `runner`: write `taskRunner: {type: "
                "io.kestra.plugin.core.runner.Process}` or `type: "
                "io.kestra.plugin.scripts.runner.docker.Docker`.",
            )
        if type_name == LOCAL_DELETE and "recursive" not in node:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(node, "type"),
                f"In Kestra 2.0 `{LOCAL_DELETE}` no longer deletes folders' contents unless "
                "told to (`recursive` now defaults to false): add `recursive: true` to keep "
                f"what it does today ({_GUIDE}/local-delete-recursive-default).",
            )
        if context.target.enterprise and type_name.startswith(_SDK_TASKS) and "auth" not in node:
            # On open source the credentials come from basic auth by themselves.
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value_mark(node, "type"),
                f"In Kestra 2.0 `{type_name}` calls the API with explicit credentials only: "
                "add an `auth` block, or set namespace or tenant default credentials "
                f"({_GUIDE}/sdk-authentication).",
            )
    holders += [(f"Trigger `{ref.id or '?'}`", ref.node) for ref in flow.triggers]
    for who, node in holders:
        if "workerGroup" in node:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(node, "workerGroup"),
                f"{who} sets `workerGroup`, which Kestra 2.0 removes: write `workerSelector` "
                f"with `tags` instead ({_GUIDE}/helm-grpc-worker-controller).",
            )


def _check_triggers(flow: FlowDoc) -> Iterator[Finding]:
    for trigger in flow.triggers:
        for key in ("conditions", "scheduleConditions"):
            if isinstance(trigger.node.get(key), YList) and trigger.node[key]:
                yield Finding(
                    REMOVED_IN_KESTRA_2,
                    key_mark(trigger.node, key),
                    f"Kestra 2.0 replaces trigger `{key}` with a `when` expression (and "
                    "`dependsOn` on Flow triggers); rewrite it before upgrading "
                    f"({_GUIDE}/trigger-conditions-redesign).",
                )
        if "preconditions" in trigger.node:
            yield Finding(
                REMOVED_IN_KESTRA_2,
                key_mark(trigger.node, "preconditions"),
                "Kestra 2.0 removes Flow trigger `preconditions`: write `dependsOn` (and "
                f"`window`) instead ({_GUIDE}/trigger-conditions-redesign).",
            )


def _check_strings(flow: FlowDoc) -> Iterator[Finding]:
    for value in flow.strings:
        text = value.text
        if text == "CANCELED":
            yield Finding(
                REMOVED_IN_KESTRA_2,
                value.mark,
                "Kestra 2.0 removes the state name CANCELED: write CANCELLED (1.x knows it too).",
            )
            continue
        if "json" in text:
            for name, offset in pebble.function_calls(text):
                if name == "json":
                    yield Finding(
                        REMOVED_IN_KESTRA_2,
                        flow.locate(text, value.mark, offset),
                        "Kestra 2.0 removes the `json()` function: write `fromJson()`, which "
                        "does the same on 1.x.",
                    )
            for name, offset in pebble.filter_uses(text):
                if name == "json":
                    yield Finding(
                        REMOVED_IN_KESTRA_2,
                        flow.locate(text, value.mark, offset),
                        "Kestra 2.0 removes the `| json` filter (the run fails there): write "
                        "`| toJson`, which does the same on 1.x.",
                    )
        if "CANCELED" in text and pebble.has_expression(text):
            match = _CANCELED_RE.search(text)
            if match:
                yield Finding(
                    REMOVED_IN_KESTRA_2,
                    flow.locate(text, value.mark, match.start()),
                    "Kestra 2.0 removes the state name CANCELED: write 'CANCELLED'.",
                )
        match = _API_WITHOUT_TENANT_RE.search(text) if "/api/v1/" in text else None
        if match:
            path = text[match.start() : match.start() + 40].split()[0].rstrip("'\",)")
            fixed = path.replace("/api/v1/", "/api/v1/main/", 1)
            yield Finding(
                KESTRA_API_PATH_WITHOUT_TENANT,
                flow.locate(text, value.mark, match.start()),
                f"`{path}` has no tenant segment: Kestra 1.x still answers it (as tenant "
                f"`main`), 2.0 does not. Write `{fixed}`, which every version since 0.23 answers.",
            )
