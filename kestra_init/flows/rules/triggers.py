"""Triggers: Schedule cron syntax, and inputs a scheduled run cannot be given."""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows.core_types import canonical
from kestra_init.flows.cron import cron_problem
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, value_mark
from kestra_init.flows.rules.base import Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import YMap

SCHEDULE = "io.kestra.plugin.core.trigger.Schedule"
SCHEDULES = frozenset({SCHEDULE, "io.kestra.plugin.core.trigger.ScheduleOnDates"})

_FLOW = """\
id: report
namespace: company.team
inputs:
  - id: region
    type: STRING
    defaults: europe
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Report for {{ inputs.region }}"
triggers:
  - id: daily
    type: io.kestra.plugin.core.trigger.Schedule
    cron: "0 9 * * *"
"""

SCHEDULE_CRON_INVALID = rule(
    "schedule-cron-invalid",
    Severity.ERROR,
    "triggers",
    "A Schedule `cron` that is not a valid cron expression.",
    bad=_FLOW.replace('"0 9 * * *"', '"0 25 * * *"'),
    good=_FLOW,
)
TRIGGER_INPUT_MISSING = rule(
    "trigger-input-missing",
    Severity.ERROR,
    "triggers",
    "A Schedule starts the flow without a value for a required input that has no default.",
    bad=_FLOW.replace("    defaults: europe\n", ""),
    good=_FLOW.replace("    defaults: europe\n", "").replace(
        '    cron: "0 9 * * *"\n', '    cron: "0 9 * * *"\n    inputs:\n      region: europe\n'
    ),
)


@check
def check_triggers(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    schedules = [t for t in flow.triggers if canonical(t.type or "") in SCHEDULES]
    if not schedules:
        return
    required = _inputs_without_value(flow)
    for trigger in schedules:
        node = trigger.node
        if canonical(trigger.type or "") == SCHEDULE and isinstance(node.get("cron"), str):
            problem = cron_problem(node["cron"], with_seconds=node.get("withSeconds") is True)
            if problem and "{{" not in node["cron"]:
                yield Finding(
                    SCHEDULE_CRON_INVALID,
                    value_mark(node, "cron"),
                    f'`cron: "{node["cron"]}"` is not a valid cron: {problem}. A cron has '
                    "five fields, minute hour day-of-month month day-of-week: `0 9 * * 1` is "
                    "09:00 every Monday.",
                )
        given = node.get("inputs")
        given_names = set(given) if isinstance(given, YMap) else set()
        missing = [name for name in required if name not in given_names]
        if missing:
            names = ", ".join(f"`{name}`" for name in missing)
            yield Finding(
                TRIGGER_INPUT_MISSING,
                trigger.id_mark(),
                f"Trigger `{trigger.id or '?'}` starts the flow without {names}, required "
                "inputs with no default, so every scheduled run would fail. Give the values "
                f"under the trigger's `inputs:` (`{missing[0]}: ...`), or add `defaults:` to "
                "the input (or `required: false`).",
            )


def _inputs_without_value(flow: FlowDoc) -> list[str]:
    names = []
    for item in flow.inputs:
        input_id = scalar_text(item.get("id", item.get("name")))
        if input_id is None:
            continue
        if scalar_text(item.get("required")) == "false" or item.get("defaults") is not None:
            continue
        names.append(input_id)
    return names
