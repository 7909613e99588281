"""The lint rules, one module per family; importing this package registers them all."""

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
