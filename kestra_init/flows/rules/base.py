"""What a lint rule is, and the registry every rule family adds itself to.

A rule is data (a stable id, a severity, a family, a one-line summary and a
failing/passing example, from which docs/rules.md is generated) plus the checks
that report it. A check is a function over one ``FlowDoc`` that yields
``Finding``s; one check may report several rules of its family when they share
a walk over the flow.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.marks import Mark

if TYPE_CHECKING:  # the flow model imports PyYAML; reading a file's rules needs none of it
    from kestra_init.flows.lint_context import LintContext
    from kestra_init.flows.model import FlowDoc

# The order families appear in the docs.
FAMILIES = (
    "files",
    "structure",
    "tasks",
    "inputs",
    "expressions",
    "triggers",
    "concurrency",
    "networking",
    "security",
    "compatibility",
)


@dataclass(frozen=True)
class Rule:
    id: str  # stable, kebab-case: the name people put in their notes and CI logs
    severity: Severity
    family: str
    summary: str  # one line for the rules table
    bad: str = ""  # a flow that breaks the rule
    good: str = ""  # the same flow, fixed
    # File-level rules (unreadable, binary, too large...) cannot be shown as a
    # flow; their examples live in the tests instead.
    file_level: bool = False
    # Which Kestra versions the rule is checked for (`--target`), for the docs;
    # "" when it holds for every version.
    applies: str = ""
    # The target its examples are checked with ("" = the default target).
    example_target: str = ""


@dataclass(frozen=True)
class Finding:
    rule: Rule
    mark: Mark
    message: str


Check = Callable[["FlowDoc", "LintContext"], Iterable[Finding]]

RULES: dict[str, Rule] = {}
CHECKS: list[Check] = []

# The smallest valid flow: the "good" example several rules start from.
HELLO_FLOW = """\
id: hello
namespace: company.team
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: Hello
"""


def rule(
    rule_id: str,
    severity: Severity,
    family: str,
    summary: str,
    *,
    bad: str = "",
    good: str = "",
    file_level: bool = False,
    applies: str = "",
    example_target: str = "",
) -> Rule:
    """Define a rule; ids are unique and families are the known ones."""
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} is defined twice")
    if family not in FAMILIES:
        raise ValueError(f"rule {rule_id}: unknown family {family}")
    defined = Rule(
        rule_id, severity, family, summary, bad, good, file_level, applies, example_target
    )
    RULES[rule_id] = defined
    return defined


def check(function: Check) -> Check:
    """Register a check; checks run in the order their modules are imported."""
    CHECKS.append(function)
    return function


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """' Did you mean `x`?' for the closest choice, or '' when none is close."""

    options = list(choices)
    lowered = {choice.lower(): choice for choice in options}
    if word.lower() in lowered and lowered[word.lower()] != word:
        return f" Did you mean `{lowered[word.lower()]}`?"
    close = difflib.get_close_matches(word, options, n=1, cutoff=cutoff)
    return f" Did you mean `{close[0]}`?" if close else ""


def scalar_text(value: object) -> str | None:
    """The text Kestra reads for a scalar, or None for a list, a mapping or null.

    Kestra (Jackson) accepts a number or a boolean where it expects text, so
    `id: 2024` is the id "2024".
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    return None


def kind_of(value: object) -> str:
    """How a value reads in a message: 'a list', 'a mapping', 'empty'..."""
    if value is None:
        return "empty"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"`{value}`"
