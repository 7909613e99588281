"""Rendering of `kestra-init open`: the URL, always; whether a browser was opened."""

from __future__ import annotations

from kestra_init.commands.open import OpenResult
from kestra_init.output.console import err, out


def render_text(result: OpenResult) -> None:
    out().print(result.url, highlight=False, soft_wrap=True)
    if result.opened:
        err().print("[dim]Opened in your browser.[/dim]")
    elif result.reason and result.reason != "--no-browser":
        err().print(f"[dim]No browser opened ({result.reason}): open the URL above.[/dim]")
