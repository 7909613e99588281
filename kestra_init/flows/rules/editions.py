"""What only Kestra itself may set (system labels), and what only its Enterprise Edition has."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kestra_init.flows.core_types import canonical
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import HELLO_FLOW, Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

SYSTEM_PREFIX = "system."
# The one system label a flow may set itself (FlowValidator.java, 1.0 and 1.3).
FLOW_SYSTEM_LABELS = frozenset({"system.readOnly"})
# Tasks whose `labels` go on the executions they create; Kestra refuses any
# `system.` key there (`List<@NoSystemLabelValidation Label>` on Subflow and
# ForEachItem, and on every trigger through AbstractTrigger; 1.0 and 1.3).
_LABELLING_TASKS = frozenset(
    {"io.kestra.plugin.core.flow.Subflow", "io.kestra.plugin.core.flow.ForEachItem"}
)

LABEL_SYSTEM_KEY = rule(
    "label-system-key",
    Severity.ERROR,
    "structure",
    "A label whose key starts with `system.`: only Kestra sets those (a flow may set "
    "`system.readOnly`).",
    bad="id: hello\nnamespace: company.team\nlabels:\n  system.team: data\n"
    + HELLO_FLOW.split("namespace: company.team\n", 1)[1],
    good="id: hello\nnamespace: company.team\nlabels:\n  team: data\n"
    + HELLO_FLOW.split("namespace: company.team\n", 1)[1],
)
ASSETS_ENTERPRISE_ONLY = rule(
    "assets-enterprise-only",
    Severity.ERROR,
    "tasks",
    "A task declares `assets`, which only Kestra's Enterprise Edition has (from 1.2); "
    "open-source Kestra refuses the flow.",
    bad=HELLO_FLOW + "    assets:\n      outputs:\n        - id: report\n          type: TABLE\n",
    good=HELLO_FLOW,
    applies="open-source targets",
)
WORKER_GROUP_IGNORED = rule(
    "worker-group-ignored",
    Severity.WARNING,
    "tasks",
    "`workerGroup` on a flow, task or trigger: an Enterprise feature that open-source Kestra "
    "accepts and ignores.",
    bad=HELLO_FLOW + "    workerGroup:\n      key: gpu\n",
    good=HELLO_FLOW,
    applies="open-source 1.x targets",
)


@check
def check_editions(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    yield from _labels(flow.root.get("labels"), "flow", FLOW_SYSTEM_LABELS)
    for ref in [*flow.triggers, *flow.tasks]:
        if ref.block == "triggers" or canonical(ref.type or "") in _LABELLING_TASKS:
            what = "trigger" if ref.block == "triggers" else f"task `{ref.id or '?'}`"
            yield from _labels(ref.node.get("labels"), what, frozenset())
    target = context.target
    if target.enterprise:
        return
    for task in flow.tasks:
        if "assets" in task.node:
            yield Finding(
                ASSETS_ENTERPRISE_ONLY,
                key_mark(task.node, "assets"),
                _assets(task.id, target.at_least(1, 2)),
            )
    if target.upgrade_report:
        return  # 2.0 removes `workerGroup` altogether: the upgrade report says so
    holders = [("The flow", flow.root)] + [
        (f"{'Trigger' if ref.block == 'triggers' else 'Task'} `{ref.id or '?'}`", ref.node)
        for ref in [*flow.tasks, *flow.triggers]
    ]
    for who, node in holders:
        if "workerGroup" in node:
            # OSS WorkerGroupService resolves every group to none: "a no-op"
            # (core/.../services/WorkerGroupService.java, 1.0 and 1.3).
            yield Finding(
                WORKER_GROUP_IGNORED,
                key_mark(node, "workerGroup"),
                f"{who} sets `workerGroup`, which only Kestra's Enterprise Edition uses: "
                f"{target.label} accepts it and runs the work on any worker. Remove it, or "
                "validate with `--target <version>-ee` if this flow runs on Enterprise.",
            )


def _assets(task_id: str | None, known: bool) -> str:
    # FlowValidator.assetsViolations (1.2 and 1.3 OSS); before 1.2 tasks had no
    # `assets` property at all, and unknown properties are refused.
    if known:
        return (
            f"Task `{task_id or '?'}` declares `assets`, and open-source Kestra refuses it: "
            "assets are only available in the Enterprise Edition. Remove the block, or "
            "validate with `--target <version>-ee` if this flow runs on Enterprise."
        )
    return (
        f"Task `{task_id or '?'}` declares `assets`, a property Kestra tasks gained in 1.2 "
        "(Enterprise Edition only): this version refuses it as unknown. Remove the block."
    )


def _labels(labels: Any, what: str, allowed: frozenset[str]) -> Iterator[Finding]:
    for key, value, mark in _label_entries(labels):
        if key.startswith(SYSTEM_PREFIX) and key not in allowed:
            extra = " (a flow may set `system.readOnly`, nothing else)" if allowed else ""
            yield Finding(
                LABEL_SYSTEM_KEY,
                mark,
                f"The {what} sets the label `{key}={value}`, and Kestra refuses it: labels "
                f"starting with `system.` are set by Kestra itself{extra}. Rename the key, "
                f"for example `{key[len(SYSTEM_PREFIX) :] or 'team'}`.",
            )


def _label_entries(labels: Any) -> Iterator[tuple[str, str, Mark]]:
    """(key, value, mark) of labels written as a mapping or as a list of key/value pairs."""
    if isinstance(labels, YMap):
        for key, value in labels.items():
            yield str(key), scalar_text(value) or "", labels.key_marks[key]
    elif isinstance(labels, YList):
        for item in labels:
            if isinstance(item, YMap):
                key = scalar_text(item.get("key"))
                if key is not None:
                    yield key, scalar_text(item.get("value")) or "", value_mark(item, "key")
