"""Expressions that name an input, a variable or a task the flow does not have."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

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
    checker = _Checker(flow)
    for value in flow.strings:
        if value.scope or (value.path and value.path[-1] in NOT_RENDERED_KEYS):
            # Rendered against another execution (a Subflow's `outputs`, a Flow
            # trigger's `inputs`), or never rendered: this flow's names do not apply.
            continue
        found = pebble.references(value.text)
        if not found:
            continue
        # `{% if outputs.t is defined %}...{{ outputs.t.value }}`: a name tested
        # (or given a fallback) anywhere in the value is one its author knows may
        # be missing.
        tested = {(ref.scope, ref.name) for ref in found if ref.guarded}
        for reference in found:
            if (reference.scope, reference.name) not in tested:
                yield from checker.check(value, reference)


class _Checker:
    """Checks references against one flow; a message is built once per name."""

    def __init__(self, flow: FlowDoc) -> None:
        self.flow = flow
        self.names = {"vars": flow.variable_names, "outputs": flow.task_ids}
        self.messages: dict[tuple[str, str], str] = {}

    def check(self, value: StringValue, reference: pebble.Reference) -> Iterator[Finding]:
        if reference.scope == "inputs":
            found = self._input(reference)
        else:
            found = self._flat(reference, self.names[reference.scope])
        if found is not None:
            rule_, message = found
            yield Finding(
                rule_, self.flow.locate(value.text, value.mark, reference.offset), message
            )

    def _flat(self, reference: pebble.Reference, names: set[str]) -> tuple[Rule, str] | None:
        scope, name = reference.scope, reference.name
        if reference.bracket or "-" not in name:
            return None if name in names else self._unknown(scope, name, names)
        return self._dashed(scope, scope, name, names)

    def _dashed(
        self, scope: str, prefix: str, name: str, names: Iterable[str], full: str = ""
    ) -> tuple[Rule, str] | None:
        # `inputs.a-b`: Pebble reads a minus. An id that really has the dash is the
        # classic mistake; `inputs.count-1` with an input `count` is arithmetic.
        known = set(names)
        rule_, what, _ = _SCOPES[scope]
        if name in known:
            return (
                EXPRESSION_DASH_DOT_ACCESS,
                f"`{prefix}.{name}` is read as `{prefix}.{name.split('-', 1)[0]} - ...` (a "
                f"minus), not as the {what} `{full or name}`: write `{prefix}['{name}']`.",
            )
        head = name.split("-", 1)[0]
        if head in known:
            return None
        rule_, message = self._unknown(
            scope, f"{full[: -len(name)]}{head}" if full else head, known
        )
        return rule_, (
            f"{message} If you meant {_article(what)} named `{full or name}`, write "
            f"`{prefix}['{name}']`."
        )

    def _input(self, reference: pebble.Reference) -> tuple[Rule, str] | None:
        tree = self.flow.input_tree
        if reference.bracket:
            if reference.name in tree:
                return None
            if reference.name in self.flow.input_ids:  # a dotted id: Kestra nests it
                return (
                    EXPRESSION_UNKNOWN_INPUT,
                    f"`inputs['{reference.name}']` does not exist: Kestra nests inputs whose "
                    f"ids hold dots, so the input `{reference.name}` is read as "
                    f"`inputs.{reference.name}`. Write that instead.",
                )
            return self._unknown("inputs", reference.name)
        parts = (reference.name, *reference.rest)
        node: Any = tree
        for index, part in enumerate(parts):
            if not isinstance(node, dict):
                return None  # past an input: the rest reads inside its value (a JSON input)
            path = ".".join(parts[: index + 1])
            if "-" in part:
                prefix = ".".join(("inputs", *parts[:index]))
                return self._dashed("inputs", prefix, part, node, path)
            if part not in node:
                return self._unknown("inputs", path)
            node = node[part]
        return None

    def _unknown(self, scope: str, name: str, names: Iterable[str] = ()) -> tuple[Rule, str]:
        rule_, what, where = _SCOPES[scope]
        key = (scope, name)
        if key not in self.messages:
            known = self.flow.input_ids if scope == "inputs" else set(names)
            # `inputs.usr` for the input `user.name`: its first part is the near miss.
            hints = known | set(self.flow.input_tree) if scope == "inputs" else known
            self.messages[key] = _unknown(scope, name, what, where, known, hints)
        return rule_, self.messages[key]


def _unknown(
    scope: str, name: str, what: str, where: str, names: set[str], hints: set[str] | None = None
) -> str:
    if not names:
        return (
            f"`{scope}.{name}` names {_article(what)} this flow does not have (it defines no "
            f"{what}s): add it under {where} or fix the name."
        )
    hint = did_you_mean(name, names if hints is None else hints)
    listing = ", ".join(sorted(names)[:12]) + (", ..." if len(names) > 12 else "")
    return (
        f"`{scope}.{name}` names {_article(what)} this flow does not have.{hint} "
        f"The flow's {what}s are: {listing}."
    )


def _article(word: str) -> str:
    return f"an {word}" if word[:1] in "aeiou" else f"a {word}"
