"""Rendering errors for people: one paragraph (what, why, fix), then the details.

Also the crash file of a bug (exit 70): the traceback goes into a file whose
path is printed, with the secrets of the command line redacted, never on
screen. Exit codes are not chosen here: each error's category carries its own
(``kestra_init/errors.py``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from pathlib import Path

from rich.markup import escape
from rich.text import Text

from kestra_init import __version__
from kestra_init.errors import KestraInitError
from kestra_init.kestra.connection import redact_url
from kestra_init.output.console import err, print_wrapped


def render_error(error: KestraInitError) -> None:
    """Print the error as one paragraph (what, why, fix), then its details."""
    console = err()
    paragraph = Text()
    paragraph.append("Error: ", style="bold red")
    paragraph.append(_sentence(error.what), style="bold")
    if error.why:
        paragraph.append(" " + _sentence(error.why))
    if error.fix:
        paragraph.append(" To fix: ", style="bold")
        paragraph.append(_sentence(error.fix))
    # Wrapped at spaces only: a URL, path or command longer than the line stays whole
    # (the terminal shows it on its own line), so it can be copied and pasted; no
    # line ends in a space.
    print_wrapped(console, paragraph)
    if error.details:
        title = error.details_title or "Details"
        console.print(f"\n[dim]{escape(title)}:[/dim]")
        for detail in error.details:
            console.print(Text("  " + detail, style="dim"))


def report_internal_error(error: BaseException) -> Path:
    """A bug: keep the traceback in a file, tell the user where, never dump it."""
    fd, name = tempfile.mkstemp(prefix="kestra-init-crash-", suffix=".log")
    with os.fdopen(fd, "w") as handle:
        handle.write(f"kestra-init {__version__} on Python {sys.version.split()[0]}\n")
        handle.write("command: " + " ".join(redact_argv(sys.argv)) + "\n\n")
        # An exception's message may quote a URL as typed: its user-info goes too.
        lines = traceback.format_exception(type(error), error, error.__traceback__)
        handle.write(redact_url("".join(lines)))
    err().print(
        f"[bold red]Error:[/bold red] [bold]kestra-init stopped on an unexpected "
        f"{type(error).__name__}.[/bold] This is a bug in kestra-init, not in your "
        f"project. To fix: report it with the file {Path(name)}, which holds the "
        "details (it contains no secrets from .env, but check before sharing)."
    )
    return Path(name)


# Options whose whole value is a secret; options whose value is KEY=VALUE, where
# the value is a secret when the key's name says so.
_SECRET_OPTIONS = ("--password", "--api-token")
_PAIR_OPTIONS = ("--data", "-d", "--input", "-i")
_SECRET_KEY_WORDS = ("password", "passwd", "secret", "token", "credential", "apikey", "api_key")


def redact_argv(argv: list[str]) -> list[str]:
    """The command line with secrets replaced by ``***``: crash files get shared.

    Hidden: the values of ``--password`` and ``--api-token``; the values of
    ``--data KEY=VALUE`` and ``--input KEY=VALUE`` (also written ``-dKEY=VALUE``,
    ``--data=KEY=VALUE``) whose key names a secret; the user-info of any URL.
    """
    shown: list[str] = []
    pending = ""  # the option whose value the next argument is
    for arg in argv:
        if pending in _SECRET_OPTIONS:
            shown.append("***")
        elif pending in _PAIR_OPTIONS:
            shown.append(_redact_pair(arg))
        else:
            shown.append(_redact_option(arg))
        pending = "" if pending else (arg if arg in _SECRET_OPTIONS + _PAIR_OPTIONS else "")
    return shown


def _redact_option(arg: str) -> str:
    for option in _SECRET_OPTIONS:
        if arg.startswith(option + "="):
            return option + "=***"
    for option in _PAIR_OPTIONS:
        long_form = option.startswith("--")
        glued = option + "=" if long_form else option  # --data=K=V, -dK=V
        if arg.startswith(glued) and len(arg) > len(glued):
            return glued + _redact_pair(arg[len(glued) :])
    return redact_url(arg)


def _redact_pair(pair: str) -> str:
    key, equals, _value = pair.partition("=")
    if equals and any(word in key.lower().replace("-", "_") for word in _SECRET_KEY_WORDS):
        return f"{key}=***"
    return redact_url(pair)


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."
