"""Rendering of `kestra-init prepare`: progress on stderr, then what is ready on stdout."""

from __future__ import annotations

from rich.markup import escape

from kestra_init.commands.prepare import PrepareResult
from kestra_init.output.console import out, print_wrapped
from kestra_init.output.diagnostics import diagnostic_line
from kestra_init.output.up_progress import UpProgress


def progress() -> UpProgress:
    """The same live display as `up`: the wait for Docker, the checks, the pulls."""
    return UpProgress()


def render_text(result: PrepareResult) -> None:
    console = out()
    pulled = [image for image in result.images if image.pulled]
    images = sorted({image.image for image in result.images})
    if pulled:
        console.print(
            f"[bold green]Ready[/bold green]: pulled {len(pulled)} of {len(images)} images"
        )
    else:
        console.print(f"[bold green]Ready[/bold green]: all {len(images)} images were here already")
    for image in images:
        console.print(f"  {escape(image)}", soft_wrap=True)
    if result.pull_retries:
        tries = f"{result.pull_retries} retr{'ies' if result.pull_retries > 1 else 'y'}"
        console.print(f"  (after {tries} on the registry's rate limit)")
    for diagnostic in result.diagnostics:
        console.print(diagnostic_line(diagnostic, result.project_root), soft_wrap=True)
    if result.flow_errors:
        print_wrapped(
            console,
            f"{result.flow_errors} flow error(s) above: `kestra-init up` will not load those "
            "files; fix them (`kestra-init validate` checks again).",
        )
    elif result.flow_files:
        console.print(f"Flows checked: {result.flow_files} file(s), no error.")
    console.print("Next: `kestra-init up` starts the stack (nothing was started).")
