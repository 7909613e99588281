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
# `maxToken: 2048`, `numTokens`, `tokenLimit`: sizes and counts, not secrets.
_COUNT_PREFIXES = ("max", "min", "num", "count", "total", "limit")
# A path or file name where a credential is kept (`sa.json`, `/secrets/key.pem`),
# an environment variable to expand (`${DB_PASSWORD}`, `$TOKEN`), a placeholder.
_PATH_RE = re.compile(
    r"^(?:[~.]{0,2}/|[A-Za-z]:[\\/]|file:)\S*$|^[\w.-]+\.(?:json|pem|key|p12|pfx|crt|cer|der|"
    r"jks|keystore|txt|ya?ml|env|ini|cfg|conf|toml|asc|gpg|ppk|pub)$",
    re.I,
)
_REFERENCE_RE = re.compile(r"^\$\{?[A-Za-z_]\w*\}?$|^%[A-Za-z_]\w*%$|^<[^<>]+>$")
# `serviceAccount: loader@project.iam.gserviceaccount.com` names an account.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PLACEHOLDER_RE = re.compile(r"^(.)\1*$")
# Well-known formats of generated keys and tokens.
_TOKEN_PREFIX_RE = re.compile(
    r"^(?:sk-|sk_(?:live|test)_|rk_(?:live|test)_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|"
    r"glpat-|xox[abprs]-|AKIA|ASIA|AIza|ya29\.|eyJ[\w-]+\.|-----BEGIN|SG\.|hf_|npm_|dop_v1_)"
)
# Inside text: a password in a URL (`scheme://user:password@host`), `password = "..."`,
# an Authorization header.
_URL_USERINFO_RE = re.compile(r"[^\s:/@'\"{}]{1,256}:([^\s/@'\"{}]{1,256})@")
_ASSIGNMENT_RE = re.compile(
    r"(password|passwd|pwd|api[_-]?key|secret|token)\s*[:=]\s*(['\"])([^'\"\s{}]{3,})\2", re.I
)
_ASSIGNMENT_WORDS = ("pass", "pwd", "api", "secret", "token")
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
    "A key or token that looks generated (an API key, a long random password, a private "
    "key) written in plain text; use `{{ secret('NAME') }}`.",
    bad=_FLOW.replace("\"{{ secret('DB_PASSWORD') }}\"", "q8Vz2LkPw7TnR4xB9sYd"),
    good=_FLOW,
)
PLAINTEXT_CREDENTIAL_SIMPLE = rule(
    "plaintext-credential-simple",
    Severity.INFO,
    "security",
    "A short, human-chosen password in plain text (`root`, `Admin1234!`): fine for a local "
    "stack, not for a real one.",
    bad=_FLOW.replace("\"{{ secret('DB_PASSWORD') }}\"", "root"),
    good=_FLOW,
)


@check
def check_credentials(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    flagged: set[Mark] = set()
    for key, value, mark in flow.scalar_entries:
        if _is_credential_key(key) and _is_literal(value):
            flagged.add(mark)
            generated = _looks_generated(str(value))
            yield Finding(
                PLAINTEXT_CREDENTIAL if generated else PLAINTEXT_CREDENTIAL_SIMPLE,
                mark,
                _key_message(key, generated),
            )
    for value in flow.strings:
        text = value.text
        if value.mark in flagged or len(text) < 8:
            continue
        found = _in_text(text)
        if found is not None:
            offset, what, secret = found
            generated = _looks_generated(secret)
            yield Finding(
                PLAINTEXT_CREDENTIAL if generated else PLAINTEXT_CREDENTIAL_SIMPLE,
                flow.locate(text, value.mark, offset),
                f"This text holds {what} in plain text, so it ends up in git, in the Kestra "
                f"UI and in logs.{_SIMPLE_NOTE if not generated else ''} Store the value as a "
                "secret (a `SECRET_NAME` variable in `.env`, base64-encoded) and write "
                "`{{ secret('NAME') }}` in its place.",
            )


_SIMPLE_NOTE = (
    " It looks like a short password chosen by hand, which is fine for a local development "
    "stack; anything real belongs in a secret."
)


@lru_cache(maxsize=4096)  # the same keys come back in every flow
def _is_credential_key(key: str) -> bool:
    bare = re.sub(r"[^a-z0-9]", "", key.lower())
    return (
        bare not in _NOT_CREDENTIALS
        and bare.endswith(_CREDENTIAL_ENDINGS)
        and not bare.startswith(_COUNT_PREFIXES)
    )


def _is_literal(value: object) -> bool:
    """A value that is the credential itself: not a number, a path, a reference or a blank."""
    if not isinstance(value, str):
        return False  # numbers (`maxToken: 2048`), booleans and nulls are never secrets
    text = value.strip()
    return bool(text) and not (
        pebble.has_expression(text)
        or text.isdigit()
        or _PATH_RE.match(text)
        or _REFERENCE_RE.match(text)
        or _EMAIL_RE.match(text)
        or _PLACEHOLDER_RE.match(text)
    )


def _looks_generated(secret: str) -> bool:
    """A key or token a machine made, rather than a password a person typed."""
    if _TOKEN_PREFIX_RE.match(secret):
        return True
    if len(secret) < 16 or any(char.isspace() for char in secret):
        return False
    classes = sum(
        (
            any(char.islower() for char in secret),
            any(char.isupper() for char in secret),
            any(char.isdigit() for char in secret),
            any(not char.isalnum() for char in secret),
        )
    )
    return classes >= 3 or (len(secret) >= 20 and classes >= 2)


def _key_message(key: str, generated: bool) -> str:
    name = re.sub(r"[^A-Za-z0-9]+", "_", key).strip("_").upper() or "NAME"
    note = _SIMPLE_NOTE if not generated else ""
    return (
        f"`{key}` holds a credential in plain text, so it ends up in git, in the Kestra UI "
        f"and in logs.{note} Store it as a secret: put `SECRET_{name}=<the value, "
        f"base64-encoded>` in `.env` and write `{key}: \"{{{{ secret('{name}') }}}}\"`."
    )


def _in_text(text: str) -> tuple[int, str, str] | None:
    """(offset, what it is, the value) of a credential written inside ``text``."""
    # Substring tests first: most strings hold none of these, and the regular
    # expressions are the linter's most expensive step on large flows.
    if "@" in text and "://" in text:
        start = text.find("://")
        while start >= 0:
            match = _URL_USERINFO_RE.match(text, start + 3)
            if match and _is_literal(match.group(1)):
                return match.start(1), "a password inside a URL", match.group(1)
            start = text.find("://", start + 3)
    if "=" not in text and ":" not in text:
        return None
    lowered = text.lower()
    # `in` on the lowered text is much cheaper than a case-blind regular
    # expression over every string; the patterns then start only where a word is.
    for word in _ASSIGNMENT_WORDS:
        start = lowered.find(word)
        while start >= 0:
            match = _ASSIGNMENT_RE.match(text, start)
            if match and (start == 0 or not text[start - 1].isalnum()) and _is_literal(match[3]):
                return match.start(3), f"a `{match.group(1)}` value", match.group(3)
            start = lowered.find(word, start + 1)
    start = lowered.find("authorization")
    if start >= 0:
        match = _AUTH_HEADER_RE.match(text, start)
        if match:
            return (
                match.start(2),
                f"a {match.group(1).title()} authorization token",
                match.group(2),
            )
    return None
