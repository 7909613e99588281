"""Find the Pebble expressions in a string, as Kestra's template engine sees them.

Kestra renders `{{ ... }}` (print) and `{% ... %}` (tag) blocks; everything
else is plain text, and `{% raw %}...{% endraw %}` is never rendered. The
linter only needs where blocks are and which parts of them are string
literals, not a full parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BLOCK_RE = re.compile(
    r"\{\{(.*?)\}\}|\{%-?\s*raw\s*-?%\}.*?\{%-?\s*endraw\s*-?%\}|\{%(.*?)%\}", re.S
)
_STRING_RE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
# `inputs.x`, `vars.x`, `outputs.x` (a dash is kept to diagnose `inputs.my-id`) and
# the bracket forms `inputs['x']`; not when reached through another value
# (`trigger.outputs.x`, `parent.outputs.x`).
_REFERENCE_RE = re.compile(
    r"(?<![\w.])(inputs|vars|outputs)\s*"
    r"(?:\.\s*([A-Za-z0-9_][\w-]*)|\[\s*(['\"])(.*?)\3\s*\])"
)
_FUNCTION_RE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")


@dataclass(frozen=True)
class Reference:
    scope: str  # "inputs", "vars" or "outputs"
    name: str  # as written, dashes included
    bracket: bool  # written as scope['name']
    offset: int  # where `scope` starts in the whole string


def has_expression(text: str) -> bool:
    return "{{" in text or "{%" in text


def blocks(text: str) -> list[tuple[int, str]]:
    """(offset of the block's content, content) for every rendered block of ``text``."""
    found = []
    for match in _BLOCK_RE.finditer(text):
        group = 1 if match.group(1) is not None else 2
        if match.group(group) is not None:
            found.append((match.start(group), match.group(group)))
    return found


def _outside_strings(content: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _STRING_RE.finditer(content)]


def references(text: str) -> list[Reference]:
    """Every `inputs.`/`vars.`/`outputs.` reference inside the expressions of ``text``."""
    if not has_expression(text):
        return []
    found = []
    for start, content in blocks(text):
        literals = _outside_strings(content)
        for match in _REFERENCE_RE.finditer(content):
            if any(low <= match.start() < high for low, high in literals):
                continue
            bracket = match.group(2) is None
            name = match.group(4) if bracket else match.group(2)
            found.append(Reference(match.group(1), name, bracket, start + match.start()))
    return found


def function_calls(text: str) -> list[tuple[str, int]]:
    """(function name, offset) for every call inside the expressions of ``text``."""
    if not has_expression(text):
        return []
    found = []
    for start, content in blocks(text):
        literals = _outside_strings(content)
        for match in _FUNCTION_RE.finditer(content):
            if not any(low <= match.start() < high for low, high in literals):
                found.append((match.group(1), start + match.start()))
    return found
