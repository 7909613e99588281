"""The flow's `concurrency` block."""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import Finding, check, did_you_mean, kind_of, rule, scalar_text
from kestra_init.flows.yaml_nodes import YMap

BEHAVIORS = ("QUEUE", "CANCEL", "FAIL")

_FLOW = """\
id: nightly
namespace: company.team
concurrency:
  behavior: QUEUE
  limit: 1
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: One at a time
"""

CONCURRENCY_INVALID = rule(
    "concurrency-invalid",
    Severity.ERROR,
    "concurrency",
    "`concurrency` needs `limit` (a whole number, 1 or more); `behavior` is QUEUE, CANCEL or FAIL.",
    bad=_FLOW.replace("QUEUE", "WAIT").replace("limit: 1", "limit: 0"),
    good=_FLOW,
)


@check
def check_concurrency(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    if flow.root.get("concurrency") is None:
        return
    block = flow.root["concurrency"]
    if not isinstance(block, YMap):
        yield Finding(
            CONCURRENCY_INVALID,
            value_mark(flow.root, "concurrency"),
            f"`concurrency` is {kind_of(block)}; write it as a mapping with `limit: 1` "
            "(and optionally `behavior: QUEUE`).",
        )
        return
    limit = scalar_text(block.get("limit"))
    if block.get("limit") is None:
        yield Finding(
            CONCURRENCY_INVALID,
            key_mark(flow.root, "concurrency"),
            "`concurrency` has no `limit`: add `limit: 1` (how many executions of this flow "
            "may run at once).",
        )
    elif limit is None or not limit.isdigit() or int(limit) < 1:
        yield Finding(
            CONCURRENCY_INVALID,
            value_mark(block, "limit"),
            f"`concurrency.limit` is {kind_of(block['limit'])}; it must be a whole number, 1 "
            "or more (how many executions of this flow may run at once).",
        )
    if block.get("behavior") is not None:
        behavior = scalar_text(block["behavior"])
        if behavior not in BEHAVIORS:
            hint = did_you_mean(str(behavior), BEHAVIORS)
            yield Finding(
                CONCURRENCY_INVALID,
                value_mark(block, "behavior"),
                f"`concurrency.behavior` is {kind_of(block['behavior'])}; it must be QUEUE "
                "(wait), CANCEL (drop the new execution) or FAIL (fail it)." + hint,
            )
