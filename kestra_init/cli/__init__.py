"""The command line: Typer options in, results out, one small function per command.

- ``root``: the Typer application (``app``) and its root options (``--version``);
- ``options``: the options several commands share;
- ``verbs/``: the command functions, by what they work on (the project's
  files, the Docker stack, the flows on a server);
- ``reporting``: how each command function ends (``@reported``);
- ``entry``: ``main()``, the console script, for what happens outside a command.

A command function parses its options, calls its module under
``kestra_init.commands``, and returns the result with its text renderer.
"""

from kestra_init.cli.entry import main
from kestra_init.cli.root import app

__all__ = ["app", "main"]
