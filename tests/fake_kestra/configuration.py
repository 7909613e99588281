"""Kestra's configuration as the fake reads it: ``KESTRA_CONFIGURATION`` and the login."""

from __future__ import annotations

import re

from .tables import EMAIL_RE

_KEY_RE = re.compile(r"^([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*$")
_BLOCK_SCALAR_RE = re.compile(r"^[|>][+-]?[0-9]?[+-]?(?:[ \t]+#.*)?$")


def credential_problem(username: str | None, password: str | None) -> str | None:
    """Why Kestra would refuse these credentials (and stay on its setup page), or None."""
    if not username or not password:
        return "no basic-auth credentials are configured"
    if len(username) > 256 or not EMAIL_RE.match(username):
        return "the username must be an email address of at most 256 characters"
    if not (8 <= len(password) <= 256):
        return "the password must have 8 to 256 characters"
    if not (
        any(c.islower() for c in password)
        and any(c.isupper() for c in password)
        and any(c.isdigit() for c in password)
    ):
        return "the password needs a lower-case letter, an upper-case letter and a digit"
    return None


def _scalar(raw: str | None) -> str | None:
    """The value of a one-line YAML scalar: quotes removed, a trailing comment dropped."""
    if raw is None:
        return None
    raw = raw.strip()
    if not raw:
        return None
    if raw[0] == "'":
        end = 1
        out = []
        while end < len(raw):
            if raw[end] == "'":
                if raw[end + 1 : end + 2] == "'":
                    out.append("'")
                    end += 2
                    continue
                return "".join(out)
            out.append(raw[end])
            end += 1
        return "".join(out)
    if raw[0] == '"':
        out = []
        index = 1
        while index < len(raw):
            char = raw[index]
            if char == "\\" and index + 1 < len(raw):
                nxt = raw[index + 1]
                out.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(nxt, nxt))
                index += 2
                continue
            if char == '"':
                return "".join(out)
            out.append(char)
            index += 1
        return "".join(out)
    value = re.split(r"[ \t]#", raw, maxsplit=1)[0].rstrip()
    if value in ("~", "null", "Null", "NULL"):
        return None
    return value


def flatten_configuration(text: str) -> dict[str, str]:
    """A flat ``a.b.c -> value`` view of a simple YAML configuration block.

    Handles nested mappings by indentation and dotted keys (Micronaut accepts
    both); lists and block scalars are skipped: credentials never use them.
    """
    values: dict[str, str] = {}
    stack: list[tuple[int, list[str]]] = []  # (indent, key parts)
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith(("#", "-")):
            continue
        indent = len(line) - len(line.lstrip(" "))
        match = _KEY_RE.match(line.strip())
        if not match:
            continue
        key, raw = match.groups()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parts = [p for _, keys in stack for p in keys] + key.split(".")
        value = _scalar(raw)
        if raw is None or (raw and _BLOCK_SCALAR_RE.match(raw)):
            stack.append((indent, key.split(".")))
        elif value is not None:
            values[".".join(parts)] = value
    return values


def credentials_from_configuration(text: str) -> tuple[str | None, str | None]:
    flat = flatten_configuration(text)
    for block in ("basic-auth", "basicAuth", "basic_auth"):
        username = flat.get(f"kestra.server.{block}.username")
        password = flat.get(f"kestra.server.{block}.password")
        if username or password:
            return username, password
    return None, None
