"""Find the Pebble expressions in a string, as Kestra's template engine sees them.

Kestra renders `{{ ... }}` (print) and `{% ... %}` (tag) blocks; `{# ... #}` is
a comment, everything else is plain text, and `{% raw %}...{% endraw %}` (or
Pebble's own `verbatim`) is never rendered. The linter only needs where blocks
are, which parts of them are string literals and which names they read, not
a full parser.

The scan is linear in the text: each character is looked at a bounded number
of times, whatever the number of blocks, so a script with 60,000 expressions
or 600 kB of unclosed `{{` costs what its size costs. A block that is never
closed ends the scan: Pebble refuses the whole template then, so nothing after
it is rendered either.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from typing import NamedTuple

_CLOSERS = {"{": "}}", "%": "%}", "#": "#}"}
# What a block holds up to its closer: plain characters, whole string literals,
# and a closer's first character that does not close (`a % b`, `{'k': 1}`).
# The alternatives start with different characters, so the match never
# backtracks more than one step; a string literal keeps a `}}` inside it.
_INSIDE = {
    closer: re.compile(
        rf"(?:[^'\"{re.escape(closer[0])}]+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|"
        rf"{re.escape(closer[0])}(?!\}})|['\"])*",
        re.S,
    )
    for closer in _CLOSERS.values()
}
_RAW_RE = re.compile(r"-?\s*(raw|verbatim)\s*-?")
_END_RAW = {
    "raw": re.compile(r"\{%-?\s*endraw\s*-?%\}"),
    "verbatim": re.compile(r"\{%-?\s*endverbatim\s*-?%\}"),
}
_STRING_RE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"", re.S)
_NAME = r"[A-Za-z0-9_][\w-]*"
# `inputs.x`, `inputs.user.name`, `vars.x`, `outputs.t.value` (a dash is kept to
# diagnose `inputs.my-id`) and the bracket forms `inputs['x']`; not when reached
# through another value (`trigger.outputs.x`, `parent.outputs.x`).
_REFERENCE_RE = re.compile(
    rf"(?<![\w.])(inputs|vars|outputs)\s*"
    rf"(?:\.\s*({_NAME})((?:\s*\.\s*{_NAME})*)|\[\s*(['\"])(.*?)\4\s*\])"
)
_FUNCTION_RE = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\s*\(")
_FILTER_RE = re.compile(r"\|\s*([A-Za-z_]\w*)")
_ARGS = r"\((?:[^()'\"]|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")*\)"
# What may follow a name inside the operand it belongs to: attributes, indexes,
# calls, filters (`outputs.t.value | upper`), closing parentheses.
_POSTFIX_RE = re.compile(
    rf"(?:\s*(?:\.\s*\w+|\[[^\]]*\]|{_ARGS}|\|\s*\w+(?:\s*{_ARGS})?|\)))*", re.S
)
_DEFAULT_FILTER_RE = re.compile(r"\|\s*default\b")
_GUARD_RE = re.compile(r"\s*(?:\?\?|is\s+(?:not\s+)?defined\b)")


class Reference(NamedTuple):
    scope: str  # "inputs", "vars" or "outputs"
    name: str  # the first name, as written, dashes included
    bracket: bool  # written as scope['name']
    offset: int  # where `scope` starts in the whole string
    rest: tuple[str, ...] = ()  # the dotted names after it: `inputs.user.name` -> ("name",)
    # Undefined is fine here: the left side of `??`/`???`, the input of the
    # `default` filter or of the `defined` test, which Kestra evaluates
    # without failing when the name does not exist.
    guarded: bool = False


class Block(NamedTuple):
    start: int  # offset of the content in the whole string
    end: int  # offset just after the closer
    content: str
    kind: str  # "{" (print) or "%" (tag)


def has_expression(text: str) -> bool:
    return "{{" in text or "{%" in text


def scan(text: str) -> tuple[list[Block], int | None]:
    """The rendered blocks of ``text``, and the offset of an unclosed one (or None)."""
    found: list[Block] = []
    position = 0
    length = len(text)
    while True:
        start = text.find("{", position)
        if start < 0 or start + 1 >= length:
            return found, None
        kind = text[start + 1]
        closer = _CLOSERS.get(kind)
        if closer is None:
            position = start + 1
            continue
        inside = _INSIDE[closer].match(text, start + 2)
        end = inside.end() if inside else start + 2
        if not text.startswith(closer, end):
            return found, start
        content = text[start + 2 : end]
        position = end + 2
        if kind == "#":
            continue
        if kind == "%":
            raw = _RAW_RE.fullmatch(content)
            if raw:
                closing = _END_RAW[raw.group(1)].search(text, position)
                if closing is None:
                    return found, start
                position = closing.end()
                continue
        found.append(Block(start + 2, position, content, kind))


def blocks(text: str) -> list[tuple[int, str]]:
    """(offset of the block's content, content) for every rendered block of ``text``."""
    if not has_expression(text):
        return []
    return [(block.start, block.content) for block in scan(text)[0]]


class _Literals:
    """The string literals of one block's content, to ask whether an offset is in one."""

    def __init__(self, content: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []
        if "'" in content or '"' in content:
            for match in _STRING_RE.finditer(content):
                self.starts.append(match.start())
                self.ends.append(match.end())

    def contains(self, offset: int) -> bool:
        index = bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.ends[index]


def references(text: str) -> list[Reference]:
    """Every `inputs.`/`vars.`/`outputs.` reference inside the expressions of ``text``."""
    if not has_expression(text) or not ("inputs" in text or "vars" in text or "outputs" in text):
        return []
    found = []
    for block in scan(text)[0]:
        content = block.content
        literals: _Literals | None = None
        for match in _REFERENCE_RE.finditer(content):
            literals = literals or _Literals(content)
            if literals.contains(match.start()):
                continue
            bracket = match.group(2) is None
            name = match.group(5) if bracket else match.group(2)
            rest = tuple(
                part.strip() for part in (match.group(3) or "").split(".")[1:] if part.strip()
            )
            found.append(
                Reference(
                    match.group(1),
                    name,
                    bracket,
                    block.start + match.start(),
                    rest,
                    _guarded(content, match.end()),
                )
            )
    return found


def _guarded(content: str, end: int) -> bool:
    postfix = _POSTFIX_RE.match(content, end)
    after = postfix.end() if postfix else end
    if postfix and _DEFAULT_FILTER_RE.search(content, end, after):
        return True
    return _GUARD_RE.match(content, after) is not None


def function_calls(text: str) -> list[tuple[str, int]]:
    """(function name, offset) for every call inside the expressions of ``text``."""
    return _names(text, _FUNCTION_RE)


def filter_uses(text: str) -> list[tuple[str, int]]:
    """(filter name, offset) for every `| filter` inside the expressions of ``text``."""
    return _names(text, _FILTER_RE) if "|" in text else []


def _names(text: str, pattern: re.Pattern[str]) -> list[tuple[str, int]]:
    if not has_expression(text):
        return []
    found = []
    for block in scan(text)[0]:
        literals = _Literals(block.content)
        for match in pattern.finditer(block.content):
            if not literals.contains(match.start()):
                found.append((match.group(1), block.start + match.start()))
    return found


def fallback_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the blocks that hold a fallback (`??`, `| default(...)`).

    A literal there (`{{ inputs.host ?? 'localhost' }}`) is what is used only
    when the value is missing, not necessarily what runs.
    """
    if not has_expression(text):
        return []
    return [
        (block.start - 2, block.end)
        for block in scan(text)[0]
        if "??" in block.content or _DEFAULT_FILTER_RE.search(block.content)
    ]
