"""Triggers: Schedule cron syntax, and inputs a scheduled run cannot be given."""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows.core_types import canonical
from kestra_init.flows.cron import cron_problem
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, TaskRef, value_mark
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
    "A Schedule starts the flow without a value for an input that has no default: on 1.x "
    "every scheduled run fails (if the input is required); 2.0 refuses the flow.",
    bad=_FLOW.replace("    defaults: europe\n", ""),
    good=_FLOW.replace("    defaults: europe\n", "").replace(
        '    cron: "0 9 * * *"\n', '    cron: "0 9 * * *"\n    inputs:\n      region: europe\n'
    ),
)
_UPSTREAM = """\
id: report
namespace: company.team
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Upstream done"
triggers:
  - id: after_sales
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: sales_done
      flows:
        - namespace: company.sales
          flowId: load
          states: [SUCCESS]
  - id: after_stock
    type: io.kestra.plugin.core.trigger.Flow
    preconditions:
      id: stock_done
      flows:
        - namespace: company.stock
          flowId: load
          states: [SUCCESS]
"""
TRIGGER_PRECONDITIONS_DUPLICATE = rule(
    "trigger-preconditions-duplicate",
    Severity.ERROR,
    "triggers",
    "Two Flow triggers of one flow use the same `preconditions` id, which Kestra refuses "
    "since 1.1.",
    bad=_UPSTREAM.replace("id: stock_done", "id: sales_done"),
    good=_UPSTREAM,
    applies="Kestra 1.1 to 1.3 (2.0 removes `preconditions`)",
)
FLOW_TRIGGER = "io.kestra.plugin.core.trigger.Flow"


@check
def check_triggers(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    yield from _check_preconditions(flow, context)
    schedules = [t for t in flow.triggers if canonical(t.type or "") in SCHEDULES]
    if not schedules:
        return
    upgrade = context.target.upgrade_report
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
        if upgrade:
            if canonical(trigger.type or "") == SCHEDULE:
                yield from _missing_on_2(flow, trigger, context)
        elif node.get("disabled") is not True:
            yield from _missing_on_1(flow, trigger)


def _given(trigger: TaskRef) -> set[str]:
    """The input ids a trigger gives, its nested keys read as dotted ids too."""
    given = trigger.node.get("inputs")
    names: set[str] = set()
    stack: list[tuple[str, object]] = [("", given)]
    while stack:
        prefix, value = stack.pop()
        if isinstance(value, YMap):
            for key, inner in value.items():
                names.add(prefix + str(key))
                stack.append((f"{prefix}{key}.", inner))
    return names


def _missing_on_1(flow: FlowDoc, trigger: TaskRef) -> Iterator[Finding]:
    # 1.0 to 1.3 accept the flow; a scheduled run then fails while reading its inputs
    # ("Missing required input", core/.../runners/FlowInputOutput.java, 1.3), unless
    # the input is optional or switched off by its `dependsOn` (isInputEnabled).
    given = _given(trigger)
    missing = []
    for item in flow.inputs:
        input_id = scalar_text(item.get("id", item.get("name")))
        if input_id is None or input_id in given or item.get("defaults") is not None:
            continue
        if scalar_text(item.get("required")) == "false" or item.get("dependsOn") is not None:
            continue
        missing.append(input_id)
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        yield Finding(
            TRIGGER_INPUT_MISSING,
            trigger.id_mark(),
            f"Trigger `{trigger.id or '?'}` starts the flow without {names}, required inputs "
            "with no default: Kestra 1.x accepts the flow, but every scheduled run fails at "
            "its start (Missing required input). Give the values under the trigger's "
            f"`inputs:` (`{missing[0]}: ...`), or add `defaults:` to the input.",
        )


def _missing_on_2(flow: FlowDoc, trigger: TaskRef, context: LintContext) -> Iterator[Finding]:
    # 2.0-dev refuses the flow at save: FlowValidator.findMissingInputsForScheduleTriggers
    # (commit e074d223d, develop only) lists every input without `defaults` that the
    # Schedule does not give, whatever `required`, `dependsOn` or `disabled` say.
    given = _given(trigger)
    missing = [
        input_id
        for item in flow.inputs
        if (input_id := scalar_text(item.get("id", item.get("name")))) is not None
        and input_id not in given
        and item.get("defaults") is None
    ]
    if missing:
        names = " | ".join(missing)
        yield Finding(
            TRIGGER_INPUT_MISSING,
            trigger.id_mark(),
            f"{context.target.label} refuses this flow when it is saved (Missing inputs for "
            f"Schedule Trigger '{trigger.id or '?'}', missing inputs: '{names}'): from 2.0 a "
            "Schedule must give every input that has no default, optional ones and disabled "
            f"triggers included. Give them under the trigger's `inputs:` (`{missing[0]}: "
            "...`), or add `defaults:` to the inputs.",
        )


def _check_preconditions(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    # FlowValidator.java, "Duplicate preconditions with id [..]": from 1.1 (commit
    # e2e433577), not in 1.0; 2.0 removes preconditions altogether.
    if not context.target.at_least(1, 1) or context.target.upgrade_report:
        return
    seen: dict[str, int] = {}
    for trigger in flow.triggers:
        if canonical(trigger.type or "") != FLOW_TRIGGER:
            continue
        block = trigger.node.get("preconditions")
        if not isinstance(block, YMap):
            continue
        key = scalar_text(block.get("id"))
        if key is None:
            continue
        if key in seen:
            yield Finding(
                TRIGGER_PRECONDITIONS_DUPLICATE,
                value_mark(block, "id"),
                f"Flow trigger `{trigger.id or '?'}` uses the preconditions id `{key}`, "
                f"already used by the trigger on line {seen[key]}; Kestra refuses two "
                "preconditions with one id (it keeps their state by id). Give each its own id.",
            )
        else:
            seen[key] = value_mark(block, "id").line
