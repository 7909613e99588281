"""The lint rules, one module per family; importing a family registers its rules.

This package's own import is light on purpose: `sync` reads flow files with the
reading code, which needs only the file rules, and loads the whole set (a
tenth of a second: patterns compiled, cron tables built) only when a file
changed. `kestra_init.flows.registry` imports every family.
"""

from kestra_init.flows.rules.base import Finding, Rule

__all__ = ["Finding", "Rule"]
