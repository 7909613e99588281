"""Expressions that name an input, a variable or a task the flow does not have."""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows import pebble
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, StringValue
from kestra_init.flows.rules.base import Finding, Rule, check, did_you_mean, rule

# Markdown shown in the UI, never rendered by the template engine.
NOT_RENDERED_KEYS = frozenset({"description", "displayName"})

_FLOW = """\
id: greet
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: World
variables:
  greeting: Hello
tasks:
  - id: compose
    type: io.kestra.plugin.core.debug.Return
    format: "{{ vars.greeting }} {{ inputs.name }}"
  - id: say_it
    type: io.kestra.plugin.core.log.Log
    message: "{{ outputs.compose.value }}"
"""

EXPRESSION_UNKNOWN_INPUT = rule(
    "expression-unknown-input",
    Severity.ERROR,
    "expressions",
    "`{{ inputs.X }}` names an input the flow does not define.",
    bad=_FLOW.replace("inputs.name", "inputs.nmae"),
    good=_FLOW,
)
EXPRESSION_UNKNOWN_VARIABLE = rule(
    "expression-unknown-variable",
    Severity.ERROR,
    "expressions",
    "`{{ vars.X }}` names a variable missing from `variables`.",
    bad=_FLOW.replace("vars.greeting", "vars.greting"),
    good=_FLOW,
)
EXPRESSION_UNKNOWN_TASK = rule(
    "expression-unknown-task",
    Severity.ERROR,
    "expressions",
    "`{{ outputs.T... }}` names a task the flow does not have.",
    bad=_FLOW.replace("outputs.compose", "outputs.composer"),
    good=_FLOW,
)
EXPRESSION_DASH_DOT_ACCESS = rule(
    "expression-dash-dot-access",
    Severity.ERROR,
    "expressions",
    "`{{ inputs.my-id }}` reads as `inputs.my - id` (a minus); write `inputs['my-id']`.",
    bad=_FLOW.replace("id: name", "id: user-name").replace("inputs.name", "inputs.user-name"),
    good=_FLOW.replace("id: name", "id: user-name").replace("inputs.name", "inputs['user-name']"),
)

_SCOPES: dict[str, tuple[Rule, str, str]] = {
    # scope: (rule, what it names, where it is defined)
    "inputs": (EXPRESSION_UNKNOWN_INPUT, "input", "`inputs:`"),
    "vars": (EXPRESSION_UNKNOWN_VARIABLE, "variable", "`variables:`"),
    "outputs": (EXPRESSION_UNKNOWN_TASK, "task", "`tasks:`"),
}


@check
def check_expressions(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    defined = {"inputs": flow.input_ids, "vars": flow.variable_names, "outputs": flow.task_ids}
    for value in flow.strings:
        if value.path and value.path[-1] in NOT_RENDERED_KEYS:
            continue
        for reference in pebble.references(value.text):
            yield from _check_reference(flow, value, reference, defined[reference.scope])


def _check_reference(
    flow: FlowDoc, value: StringValue, reference: pebble.Reference, names: set[str]
) -> Iterator[Finding]:
    scope, name = reference.scope, reference.name
    rule_, what, where = _SCOPES[scope]
    mark = flow.locate(value.text, value.mark, reference.offset)
    if reference.bracket or "-" not in name:
        if name not in names:
            yield Finding(rule_, mark, _unknown(scope, name, what, where, names))
        return
    # `inputs.a-b`: Pebble reads a minus. An id that really has the dash is the
    # classic mistake; `inputs.count-1` with an input `count` is arithmetic.
    if name in names:
        yield Finding(
            EXPRESSION_DASH_DOT_ACCESS,
            mark,
            f"`{scope}.{name}` is read as `{scope}.{name.split('-', 1)[0]} - ...` (a minus), "
            f"not as the {what} `{name}`: write `{scope}['{name}']`.",
        )
        return
    head = name.split("-", 1)[0]
    if head not in names:
        message = _unknown(scope, head, what, where, names)
        message += f" If you meant {_article(what)} named `{name}`, write `{scope}['{name}']`."
        yield Finding(rule_, mark, message)


def _unknown(scope: str, name: str, what: str, where: str, names: set[str]) -> str:
    if not names:
        return (
            f"`{scope}.{name}` names {_article(what)} this flow does not have (it defines no "
            f"{what}s): add it under {where} or fix the name."
        )
    hint = did_you_mean(name, names)
    listing = ", ".join(sorted(names)[:12]) + (", ..." if len(names) > 12 else "")
    return (
        f"`{scope}.{name}` names {_article(what)} this flow does not have.{hint} "
        f"The flow's {what}s are: {listing}."
    )


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
