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
from functools import lru_cache
from typing import NamedTuple

# One pass over the text finds every block. What a block holds up to its
# closer: characters one at a time (a run quantifier inside the repetition could
# backtrack exponentially), whole string literals, and a closer's first
# character that does not close (`a % b`, `{'k': 1}`); so a string literal keeps
# a `}}` inside it, as Pebble's lexer does. Every alternative ends the match
# without failing (at the closer, at the end of the text, or before a quote
# that opens no complete string), so the engine never backtracks over a block,
# and an unclosed one is one match to the end of the text.
_STRINGS = r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\""
_BLOCK_RE = re.compile(
    r"\{%-?\s*(raw|verbatim)\s*-?%\}.*?(?:\{%-?\s*end\1\s*-?%\}|(\Z))"
    r"|\{#.*?(?:#\}|(\Z))"
    rf"|\{{\{{((?:[^'\"}}]|{_STRINGS}|\}}(?!\}}))*)(?:(\}}\}})|\Z|(?=['\"]))"
    rf"|\{{%((?:[^'\"%]|{_STRINGS}|%(?!\}}))*)(?:(%\}})|\Z|(?=['\"]))",
    re.S,
)
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
_MAY_GUARD = frozenset(".[(|)?i")  # what may come after a name in a guarded operand
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
    for match in _BLOCK_RE.finditer(text):
        raw_open, comment_open, printed, print_closed, tag, tag_closed = match.group(
            2, 3, 4, 5, 6, 7
        )
        if printed is not None:
            if print_closed is None:
                return found, match.start()
            found.append(Block(match.start(4), match.end(), printed, "{"))
        elif tag is not None:
            if tag_closed is None:
                return found, match.start()
            found.append(Block(match.start(6), match.end(), tag, "%"))
        elif raw_open is not None or comment_open is not None:
            return found, match.start()
    return found, None


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
    """Every `inputs.`/`vars.`/`outputs.` reference inside the expressions of ``text``.

    Several rules ask about the same string, so the answer for a string with
    expressions is kept for the next question (do not change the list).
    """
    if not has_expression(text) or not ("inputs" in text or "vars" in text or "outputs" in text):
        return []
    return _references(text)


@lru_cache(maxsize=256)
def _references(text: str) -> list[Reference]:
    found_blocks = scan(text)[0]
    if not found_blocks:
        return []
    # One search over the whole text, each match placed in its block: cheaper
    # than a search per block when a script holds thousands of them.
    starts = [block.start for block in found_blocks]
    literals: dict[int, _Literals] = {}
    found = []
    for match in _REFERENCE_RE.finditer(text):
        position = match.start()
        index = bisect_right(starts, position) - 1
        if index < 0:
            continue
        block = found_blocks[index]
        if match.end() > block.end - 2:  # outside any block (or running past its end)
            continue
        if "'" in block.content or '"' in block.content:
            inside = literals.get(index) or literals.setdefault(index, _Literals(block.content))
            if inside.contains(position - block.start):
                continue
        bracket = match.group(2) is None
        dotted = match.group(3)
        found.append(
            Reference(
                match.group(1),
                match.group(5) if bracket else match.group(2),
                bracket,
                position,
                tuple(part.strip() for part in dotted.split(".")[1:]) if dotted else (),
                _guarded(block.content, match.end() - block.start),
            )
        )
    return found


def _guarded(content: str, end: int) -> bool:
    # Most references end their expression (`{{ inputs.x }}`): nothing can follow
    # that would guard them, so skip the regular expressions.
    after = end
    while content[after : after + 1] in (" ", "\t", "\n"):
        after += 1
    if content[after : after + 1] not in _MAY_GUARD:
        return False
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
