"""Inputs: the regular expressions Kestra compiles, and defaults it refuses with other keys."""

from __future__ import annotations

from collections.abc import Iterator

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.java_regex import java_regex_problem
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import Finding, check, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

_FLOW = """\
id: signup
namespace: company.team
inputs:
  - id: email
    type: STRING
    validator: ^[^@]+@[^@]+$
    defaults: someone@example.com
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "{{ inputs.email }}"
"""

INPUT_VALIDATOR_INVALID = rule(
    "input-validator-invalid",
    Severity.ERROR,
    "inputs",
    "An input `validator`, or an option of a SELECT, ENUM or MULTISELECT input, that is not a "
    "valid regular expression: Kestra compiles each one and refuses the flow.",
    bad=_FLOW.replace("^[^@]+@[^@]+$", "^([^@]+@[^@]+$"),
    good=_FLOW,
)
INPUT_DEFAULTS_CONFLICT = rule(
    "input-defaults-conflict",
    Severity.ERROR,
    "inputs",
    "An input with `defaults` and also `required: false` or `prefill`, which Kestra refuses "
    "since 1.1.",
    bad=_FLOW.replace("    defaults: someone", "    required: false\n    defaults: someone"),
    good=_FLOW,
    applies="Kestra 1.1 and later (on 1.0, `prefill` does not exist)",
)

# Where Kestra puts `@Regex` (validations/Regex.java): StringInput and SecretInput
# `validator`; SelectInput and EnumInput `values`; MultiselectInput `values` and
# `options` (core/.../models/flows/input/, 1.0 and 1.3).
_VALIDATOR_TYPES = frozenset({"STRING", "SECRET"})
_OPTION_TYPES = {"SELECT": ("values",), "ENUM": ("values",), "MULTISELECT": ("values", "options")}


@check
def check_input_values(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    since_1_1 = context.target.at_least(1, 1)
    for item in flow.inputs:
        input_id = scalar_text(item.get("id", item.get("name"))) or "?"
        input_type = scalar_text(item.get("type"))
        if input_type in _VALIDATOR_TYPES and isinstance(item.get("validator"), str):
            yield from _pattern(item["validator"], value_mark(item, "validator"), input_id, "")
        for key in _OPTION_TYPES.get(input_type or "", ()):
            options = item.get(key)
            if isinstance(options, YList):
                for option, mark in zip(options, options.item_marks, strict=True):
                    if isinstance(option, str):
                        yield from _pattern(option, mark, input_id, key)
        yield from _defaults(item, input_id, since_1_1)


def _pattern(pattern: str, mark: Mark, input_id: str, key: str) -> Iterator[Finding]:
    if "{{" in pattern:
        return
    problem = java_regex_problem(pattern)
    if problem is None:
        return
    if key:
        message = (
            f"The option `{pattern}` of input `{input_id}` is not a valid regular expression "
            f"({problem}), and Kestra compiles every option of `{key}` as one and refuses the "
            "flow. Escape the special characters with a backslash (`\\\\(`, `\\\\*`, `\\\\[`), or "
            "choose another wording."
        )
    else:
        message = (
            f"The `validator` of input `{input_id}` is not a valid regular expression "
            f"({problem}): Kestra refuses the flow. Fix the pattern; a value matches it when "
            "the whole value fits, as in `^[a-z]+$`."
        )
    yield Finding(INPUT_VALIDATOR_INVALID, mark, message)


def _defaults(item: YMap, input_id: str, since_1_1: bool) -> Iterator[Finding]:
    if not since_1_1:
        # `prefill` came with 1.1; 1.0's strict parsing refuses it as unknown.
        if "prefill" in item:
            yield Finding(
                INPUT_DEFAULTS_CONFLICT,
                key_mark(item, "prefill"),
                f"Input `{input_id}` sets `prefill`, which Kestra 1.0 does not have (it came "
                "with 1.1) and refuses as an unknown property. Use `defaults` on 1.0.",
            )
        return
    if item.get("defaults") is None:
        return
    # core/.../validations/validator/InputValidator.java (1.1 to 2.0-dev).
    if scalar_text(item.get("required")) == "false":
        yield Finding(
            INPUT_DEFAULTS_CONFLICT,
            key_mark(item, "required"),
            f"Input `{input_id}` has `defaults` and `required: false`, and Kestra refuses "
            "that since 1.1: the default always applies, so the input is never empty. Remove "
            "`required: false`; to let a run leave it empty, replace `defaults` by `prefill`.",
        )
    if item.get("prefill") is not None:
        yield Finding(
            INPUT_DEFAULTS_CONFLICT,
            key_mark(item, "prefill"),
            f"Input `{input_id}` has both `defaults` and `prefill`, and Kestra refuses that: "
            "`defaults` is used when no value is given, `prefill` only fills in the form. "
            "Keep one of them.",
        )
