"""Taking secrets out of text meant to be shared (a doctor report pasted in a chat).

Secrets are known by value, not guessed from their shape: every value of the
project's ``.env`` except the few that are plainly not secret (ports, the
compose file names), every environment variable whose name says it holds a
secret, each of them in base64 too (flows read ``SECRET_*`` that way), and the
user-info of any URL. Patterns then catch what names a secret in passing
(``Authorization: Basic ...``, ``password=...``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Mapping

from kestra_init.kestra.connection import redact_url

MASK = "[redacted]"
# .env variables whose values are not secret and help to read a report.
NOT_SECRET = frozenset(
    {
        "KESTRA_PORT",
        "KESTRA_MANAGEMENT_PORT",
        "COMPOSE_FILE",
        "COMPOSE_PATH_SEPARATOR",
        "COMPOSE_PROJECT_NAME",
        "KESTRA_JAVA_OPTS",
    }
)
_SECRET_NAME_RE = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL|AUTH)", re.IGNORECASE)
_MIN_LENGTH = 4  # shorter values would mask ordinary words
_PATTERNS = (
    re.compile(r"(?i)(authorization:\s*(?:basic|bearer)\s+)\S+"),
    re.compile(r"(?i)\b((?:password|passwd|secret|token|api[_-]?key)\s*[=:]\s*)[^\s,;]+"),
)


def secret_values(dotenv: Mapping[str, str], environ: Mapping[str, str] | None = None) -> list[str]:
    """The values to mask, with their base64 forms, longest first."""
    found: set[str] = set()
    for key, value in dotenv.items():
        if key not in NOT_SECRET:
            found.add(value)
    for key, value in (environ or {}).items():
        if _SECRET_NAME_RE.search(key):
            found.add(value)
    values = {value for value in found if len(value) >= _MIN_LENGTH}
    for value in list(values):
        values.add(base64.b64encode(value.encode("utf-8")).decode("ascii"))
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with each secret value, URL user-info and named secret masked."""
    for value in secrets:
        text = text.replace(value, MASK)
    text = redact_url(text)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text
