"""Credentials written in plain text in a flow (they end up in git, the UI and logs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from kestra_init.flows import pebble
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc
from kestra_init.flows.rules.base import Finding, check, rule
from kestra_init.flows.yaml_nodes import Mark

# Key names (lower case, letters and digits only) whose values are credentials.
_CREDENTIAL_ENDINGS = (
    "password",
    "passwd",
    "passphrase",
    "pass",
    "pwd",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "clientsecret",
    "credential",
    "credentials",
    "serviceaccount",
)
_NOT_CREDENTIALS = frozenset({"bypass", "compass", "secretname", "tokenurl"})
# Inside text: a URL with a password, `password = "..."`, an Authorization header.
_URL_PASSWORD_RE = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@'\"{}]+:([^\s/@'\"{}]+)@", re.I)
_ASSIGNMENT_RE = re.compile(
    r"\b(password|passwd|pwd|api[_-]?key|secret|token)\s*[:=]\s*(['\"])([^'\"\s{}]{3,})\2", re.I
)
_CREDENTIAL_WORD_RE = re.compile(r"(?i)pass|pwd|key|secret|token|authorization")
_AUTH_HEADER_RE = re.compile(
    r"authorization['\"]?\s*[:=]\s*['\"]?(basic|bearer)\s+([A-Za-z0-9+/=._~-]{8,})", re.I
)

_FLOW = """\
id: report
namespace: company.team
variables:
  db_user: analyst
  db_password: "{{ secret('DB_PASSWORD') }}"
tasks:
  - id: log
    type: io.kestra.plugin.core.log.Log
    message: "Connecting as {{ vars.db_user }}"
"""

PLAINTEXT_CREDENTIAL = rule(
    "plaintext-credential",
    Severity.WARNING,
    "security",
    "A password, token or key written in plain text in variables, task properties or "
    "scripts; use `{{ secret('NAME') }}`.",
    bad=_FLOW.replace("\"{{ secret('DB_PASSWORD') }}\"", "hunter22"),
    good=_FLOW,
)


@check
def check_credentials(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    flagged: set[Mark] = set()
    for key, value, mark in flow.scalar_entries:
        if _is_credential_key(key) and _is_literal(value):
            flagged.add(mark)
            yield Finding(PLAINTEXT_CREDENTIAL, mark, _key_message(key))
    for value in flow.strings:
        text = value.text
        if value.mark in flagged or len(text) < 8:
            continue
        found = _in_text(text)
        if found is not None:
            offset, what = found
            yield Finding(
                PLAINTEXT_CREDENTIAL,
                flow.locate(text, value.mark, offset),
                f"This text holds {what} in plain text, so it ends up in git, in the Kestra "
                "UI and in logs. Store the value as a secret (a `SECRET_NAME` variable in "
                "`.env`, base64-encoded) and write `{{ secret('NAME') }}` in its place.",
            )


@lru_cache(maxsize=4096)  # the same keys come back in every flow
def _is_credential_key(key: str) -> bool:
    bare = re.sub(r"[^a-z0-9]", "", key.lower())
    return bare not in _NOT_CREDENTIALS and bare.endswith(_CREDENTIAL_ENDINGS)


def _is_literal(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, (int, float)):
        return True
    return isinstance(value, str) and bool(value.strip()) and not pebble.has_expression(value)


def _key_message(key: str) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_").upper() or "NAME"
    return (
        f"`{key}` holds a credential in plain text, so it ends up in git, in the Kestra UI "
        f"and in logs. Store it as a secret: put `SECRET_{name}=<the value, base64-encoded>` "
        f"in `.env` and write `{key}: \"{{{{ secret('{name}') }}}}\"`."
    )


def _in_text(text: str) -> tuple[int, str] | None:
    # Substring tests first: most strings hold none of these, and the regular
    # expressions are the linter's most expensive step on large flows.
    if "@" in text and "://" in text:
        match = _URL_PASSWORD_RE.search(text)
        if match:
            return match.start(1), "a password inside a URL"
    if ("=" in text or ":" in text) and _CREDENTIAL_WORD_RE.search(text):
        match = _ASSIGNMENT_RE.search(text)
        if match:
            return match.start(3), f"a `{match.group(1)}` value"
        match = _AUTH_HEADER_RE.search(text)
        if match:
            return match.start(2), f"a {match.group(1).title()} authorization token"
    return None
