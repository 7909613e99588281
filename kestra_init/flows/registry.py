"""Every lint rule, registered: import this, not a family, to lint with all of them."""

from kestra_init.flows.rules import (  # noqa: F401 - imported to register the rules
    compatibility,
    concurrency,
    editions,
    expressions,
    files,
    input_values,
    inputs,
    networking,
    security,
    structure,
    task_children,
    tasks,
    triggers,
)
from kestra_init.flows.rules.base import CHECKS, FAMILIES, RULES, Finding, Rule

__all__ = ["CHECKS", "FAMILIES", "RULES", "Finding", "Rule"]
