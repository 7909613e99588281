"""Copier's prompts, with a refused answer's whole message on screen.

Copier asks its questions through questionary, which shows a validator's
message in prompt_toolkit's validation toolbar: a window one line high that
cuts the text at the terminal's width. The template's messages say what is
allowed, and at 80 columns that half was cut off ("A Kestra namespace starts
with a lowe"). Neither Copier nor questionary lets a caller choose the toolbar,
so while Copier asks, prompt_toolkit's prompt layout is given one that grows to
the lines the message needs, word-wrapped to the terminal's width. Copier still
asks, validates and renders; only the message's window changes.

prompt_toolkit is imported at the top: this module is imported by the
templating code that imports Copier, which imports prompt_toolkit anyway.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import textwrap
from collections.abc import Iterator

from prompt_toolkit.application.current import get_app
from prompt_toolkit.filters import has_validation_error
from prompt_toolkit.formatted_text import StyleAndTextTuples
from prompt_toolkit.layout.containers import ConditionalContainer, Container, Window
from prompt_toolkit.layout.controls import FormattedTextControl

# Copier's prefix (copier 9.x, user_data.py); the question is on the line above.
_COPIER_PREFIX = re.compile(r"^Validation error for question '[^']+': ")
_FALLBACK_COLUMNS = 80
# The module, not the function `prompt_toolkit.shortcuts.prompt` of the same name:
# its PromptSession builds each prompt's layout from this module's ValidationToolbar.
prompt_module = importlib.import_module("prompt_toolkit.shortcuts.prompt")


def readable_message(message: str, columns: int) -> list[str]:
    """A validator's message as lines of at most ``columns`` characters (words kept whole)."""
    text = _COPIER_PREFIX.sub("", " ".join(message.split()))
    width = max(columns - 1, 20)  # the last column: some terminals wrap on it
    return textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=False)


class WrappingValidationToolbar:
    """prompt_toolkit's validation toolbar, as tall as its message (drop-in replacement)."""

    def __init__(self, show_position: bool = False) -> None:
        del show_position  # the single-line answers asked here have no position to show

        def lines() -> list[str]:
            buffer = get_app().current_buffer
            error = buffer.validation_error
            if error is None:
                return []
            try:
                columns = get_app().output.get_size().columns
            except Exception:  # an output without a size (not a terminal)
                columns = _FALLBACK_COLUMNS
            return readable_message(str(error.message), columns)

        def text() -> StyleAndTextTuples:
            return [("class:validation-toolbar", "\n".join(lines()))]

        self.control = FormattedTextControl(text)
        self.container = ConditionalContainer(
            content=Window(self.control, height=lambda: max(len(lines()), 1), wrap_lines=True),
            filter=has_validation_error,
        )

    def __pt_container__(self) -> Container:
        return self.container


@contextlib.contextmanager
def whole_validation_messages() -> Iterator[None]:
    """While inside, every prompt made shows a refused answer's message whole."""
    if not hasattr(prompt_module, "ValidationToolbar"):
        # Another prompt_toolkit layout: its own toolbar stays (cut, but working).
        yield
        return
    original = prompt_module.ValidationToolbar
    setattr(prompt_module, "ValidationToolbar", WrappingValidationToolbar)  # noqa: B010
    try:
        yield
    finally:
        setattr(prompt_module, "ValidationToolbar", original)  # noqa: B010
