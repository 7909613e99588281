"""The command functions, grouped by what they work on; importing this registers them.

The order here is the order of ``kestra-init --help``. Each function imports
its command module when it runs, so a command loads only what it needs
(``--help`` loads none of them).
"""

from kestra_init.cli.verbs import project  # noqa: I001 - this order is the order of --help
from kestra_init.cli.verbs import stack
from kestra_init.cli.verbs import flows

__all__ = ["flows", "project", "stack"]
