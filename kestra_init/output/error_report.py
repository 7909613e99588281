"""Rendering errors for people: one paragraph (what, why, fix), then the details.

Also the crash file of a bug (exit 70): the traceback goes into a file whose
path is printed, with the secrets of the command line redacted, never on
screen. Exit codes are not chosen here: each error's category carries its own
(``kestra_init/errors.py``).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import traceback
from pathlib import Path

from rich.markup import escape
from rich.text import Text

from kestra_init import __version__
from kestra_init.errors import KestraInitError
from kestra_init.output.console import err


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
    # (the terminal shows it on its own line), so it can be copied and pasted.
    paragraph.overflow = "ignore"
    for line in paragraph.wrap(console, console.width):
        console.print(line, crop=False, no_wrap=True, overflow="ignore")
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
        traceback.print_exception(type(error), error, error.__traceback__, file=handle)
    err().print(
        f"[bold red]Error:[/bold red] [bold]kestra-init stopped on an unexpected "
        f"{type(error).__name__}.[/bold] This is a bug in kestra-init, not in your "
        f"project. To fix: report it with the file {Path(name)}, which holds the "
        "details (it contains no secrets from .env, but check before sharing)."
    )
    return Path(name)


# Options whose value is a secret, and --data answers whose key names one.
_SECRET_OPTIONS = ("--password", "--api-token")
_DATA_OPTIONS = ("--data", "-d")
_SECRET_KEY_WORDS = ("password", "secret", "token")
_URL_USERINFO_RE = re.compile(r"(?<=://)[^/\s]*@")


def redact_argv(argv: list[str]) -> list[str]:
    """The command line with secrets replaced by ``***``: crash files get shared."""
    shown: list[str] = []
    hide_next = False
    data_next = False
    for arg in argv:
        if hide_next:
            shown.append("***")
        elif data_next:
            shown.append(_redact_answer(arg))
        elif arg.startswith(tuple(f"{option}=" for option in _SECRET_OPTIONS)):
            shown.append(arg.split("=", 1)[0] + "=***")
        elif arg.startswith("--data="):
            shown.append("--data=" + _redact_answer(arg.split("=", 1)[1]))
        else:
            shown.append(_URL_USERINFO_RE.sub("***@", arg))
        hide_next = not hide_next and not data_next and arg in _SECRET_OPTIONS
        data_next = not data_next and arg in _DATA_OPTIONS
    return shown


def _redact_answer(answer: str) -> str:
    key, equals, _value = answer.partition("=")
    if equals and any(word in key.lower() for word in _SECRET_KEY_WORDS):
        return f"{key}=***"
    return answer


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", ":")) else text + "."
