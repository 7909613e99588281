"""Whether a text is a regular expression Java accepts, asked of Python's `re`.

Kestra compiles input validators and select options with Java's
`Pattern.compile` (core/.../validations/validator/RegexValidator.java, 1.0 and
1.3). Python's syntax is close but not the same, so the pattern is first
rewritten where Java accepts what Python would refuse (named groups written
`(?<name>`, flags in the middle, `\\p{L}`, `\\e`, `\\Q...\\E`, possessive
quantifiers and atomic groups on Python 3.10, variable-width look-behinds,
references to groups that do not exist). What is left is refused by both;
where in doubt (comments mode) the pattern is accepted: a false "invalid"
would stop a flow Kestra takes.
"""

from __future__ import annotations

import re
import warnings
from functools import lru_cache

# Escapes Java knows and Python's `re` does not, and what stands in for them.
_JAVA_ONLY_ESCAPES = {
    "e": r"\x1b",
    "h": r"\s",
    "H": r"\S",
    "V": r"\S",
    "R": r"\s",
    "X": ".",
    "G": "",
    "z": r"\Z",
}
_FLAGS_RE = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")


@lru_cache(maxsize=2048)  # the same options come back in every flow of a project
def java_regex_problem(pattern: str) -> str | None:
    """Why Java would refuse ``pattern`` (Python's wording), or None when it compiles."""
    translated = _translate(pattern)
    if translated is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "possible nested set": Java's class syntax
        try:
            re.compile(translated)
        except re.error as error:
            return error.msg
        except (RecursionError, OverflowError):
            return None
    return None


def _translate(pattern: str) -> str | None:
    out: list[str] = []
    index, length = 0, len(pattern)
    in_class = False
    while index < length:
        char = pattern[index]
        if char == "\\" and index + 1 < length:
            skip, text = _escape(pattern, index)
            out.append(text)
            index += skip
            continue
        if in_class:
            if char == "]":
                in_class = False
            out.append(char)
            index += 1
            continue
        if char == "[":
            in_class = True
            out.append(char)
            # `[]` and `[^]` start with a literal `]` in both syntaxes.
            index += 1
            if pattern.startswith("^", index):
                out.append("^")
                index += 1
            continue
        if char == "(" and pattern.startswith("(?", index):
            group = _group(pattern, index)
            if group is None:
                return None  # comments mode (`x`): not judged
            skip, text = group
            out.append(text)
            index += skip
            continue
        if char == "+" and out and _after_quantifier(out[-1]):
            index += 1  # possessive `a*+`: Java's, and Python's only from 3.11
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _after_quantifier(previous: str) -> bool:
    return previous in ("*", "+", "?", "}") or previous.endswith("}")


def _escape(pattern: str, index: int) -> tuple[int, str]:
    """(characters used, Python text) for the escape starting at ``index``."""
    letter = pattern[index + 1]
    if letter == "Q":
        end = pattern.find("\\E", index + 2)
        quoted = pattern[index + 2 :] if end < 0 else pattern[index + 2 : end]
        used = len(pattern) - index if end < 0 else end + 2 - index
        return used, re.escape(quoted)
    if letter in "pP":
        if pattern.startswith("{", index + 2):
            end = pattern.find("}", index + 2)
            if end > 0:
                return end + 1 - index, r"\w"
        return 3 if index + 2 < len(pattern) else 2, r"\w"
    if letter == "c" and index + 2 < len(pattern):
        return 3, r"\x00"
    if letter == "x" and pattern.startswith("{", index + 2):
        end = pattern.find("}", index + 2)
        if end > 0:
            return end + 1 - index, "x"
    if letter == "k" and pattern.startswith("<", index + 2):
        end = pattern.find(">", index + 2)
        if end > 0:
            return end + 1 - index, f"(?P={pattern[index + 3 : end]})"
    if letter.isdigit() and letter != "0":
        # A reference to a group: Java compiles one to a group that does not exist.
        end = index + 1
        while end < len(pattern) and pattern[end].isdigit():
            end += 1
        return end - index, "(?:)"
    if letter in _JAVA_ONLY_ESCAPES:
        return 2, _JAVA_ONLY_ESCAPES[letter]
    return 2, pattern[index : index + 2]


def _group(pattern: str, index: int) -> tuple[int, str] | None:
    """(characters used, Python text) for a group opening at ``index``; None to give up."""
    rest = pattern[index + 2 : index + 4]
    if rest.startswith("<") and rest[1:2] not in ("=", "!"):
        return 3, "(?P<"  # a named group
    if rest.startswith(("<=", "<!")):
        return 4, "(?:"  # look-behind: Java allows bounded widths, Python only fixed ones
    if rest.startswith(">"):
        return 3, "(?:"  # atomic group
    flags = _FLAGS_RE.match(pattern, index)
    if flags and (flags.group(1) or flags.group(2) is not None):
        if "x" in flags.group(1) + (flags.group(2) or ""):
            return None
        # `(?i)` anywhere, `(?i:...)`: Java allows flags mid-pattern, Python only at the start.
        return flags.end() - index, "(?:)" if flags.group(3) == ")" else "(?:"
    return 1, "("
