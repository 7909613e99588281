"""What `kestra-init new` prints: a short table of what was made, then next steps."""

from __future__ import annotations

import contextlib
import os
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

from rich.markup import escape
from rich.text import Text

from kestra_init.codespaces.environment import public_url
from kestra_init.commands.new import NewResult
from kestra_init.output.console import err, out, print_wrapped
from kestra_init.output.tables import Column, print_table


@contextlib.contextmanager
def progress() -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current step; an empty step hides it.

    Hidden while Copier asks its questions, which it draws on the same
    terminal. Nothing at all when stderr is not a terminal: the work takes a
    second or two and needs no log lines.
    """

    console = err()
    if not console.is_terminal:
        yield lambda _message: None
        return
    status = console.status("Starting", spinner="dots")
    running = False

    def show(message: str) -> None:
        nonlocal running
        if not message:
            if running:
                status.stop()
                running = False
            return
        status.update(message)
        if not running:
            status.start()
            running = True

    try:
        yield show
    finally:
        if running:
            status.stop()


def render_text(result: NewResult) -> None:
    console = out()
    console.print(f"[bold green]Created[/bold green] {escape(str(result.root))}")
    rows = [
        [Text(item.path, style="cyan"), Text(item.what)]
        for item in result.files
        if item.what  # the files a person needs to know about
    ]
    print_table(console, (Column("file"), Column("what it is", wraps=True)), rows)

    template = result.template
    if result.template_commit and result.template_commit not in template:
        template += f" (version {result.template_commit})"
    console.print(f"  template  {escape(template)}")
    console.print("  git       " + escape(_git_line(result)))

    for warning in result.warnings:
        print_wrapped(err(), Text.assemble(("Warning:", "yellow"), " ", warning))

    # Another template's project may have no stack, port or login: say only
    # what its answers and files back up.
    if not result.has_stack:
        return
    where = _relative(result.root)
    console.print("\n[bold]Next steps[/bold]")
    cd = f"cd {_shell_quote(where)} && " if where != "." else ""
    console.print(f"  {cd}kestra-init up", highlight=False)
    if result.ui_port is not None:
        console.print(f"  then open {public_url(result.ui_port)}", highlight=False)
    if result.admin_email:
        console.print(
            f"  log in as {escape(result.admin_email)}; "
            "the password is KESTRA_ADMIN_PASSWORD in .env",
            highlight=False,
        )


def _git_line(result: NewResult) -> str:
    outcome = result.git
    if outcome.status == "committed":
        return f"first commit {outcome.detail}"
    if outcome.status == "skipped":
        return "not initialised (--no-git); `kestra-init update` needs the project in git"
    if outcome.status == "existing-repo":
        return f"inside the repository {outcome.detail}: commit the new files yourself"
    if outcome.status == "no-git":
        return "git is not installed: install it and commit the files to use `kestra-init update`"
    return f"the first commit failed: {outcome.detail}"


def _relative(path: Path) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _shell_quote(text: str) -> str:
    return shlex.quote(text)
