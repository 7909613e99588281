"""A flow's source text as Kestra keeps it, and who a stored source is.

Kestra stores the text it receives, except that its bulk namespace endpoint
trims each flow (Java's ``String.trim()``: white space and control characters
at both ends) and that it drops a ``revision: N`` line. So kestra-init sends
every flow trimmed, through the bulk endpoint or the single-flow ones alike,
and compares trimmed texts without a ``revision`` line. Everything else, line
endings and trailing spaces inside the text included, is compared exactly: a
change there is a change in the UI too.
"""

from __future__ import annotations

import re
from typing import Any

from kestra_init.project import yaml_loader

_REVISION_LINE = re.compile(r"(?m)^revision: \d+\n?")
_TOP_SCALAR = re.compile(r"(?m)^(id|namespace)[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$")
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_JAVA_WHITESPACE = "".join(chr(code) for code in range(33))


def trim(text: str) -> str:
    """Java's ``String.trim()``, which Kestra applies to each flow of a bulk request."""
    return text.strip(_JAVA_WHITESPACE)


def comparable(source: str) -> str:
    """A source as Kestra keeps it: trimmed, without a ``revision: N`` line."""
    if "revision:" not in source:  # most sources: a substring search, not the regex
        return trim(source)
    return trim(_REVISION_LINE.sub("", source, count=1))


def identify(source: str) -> tuple[str, str] | None:
    """A stored flow's (namespace, id): a quick look at its top lines, else YAML."""
    found: dict[str, str] = dict(_TOP_SCALAR.findall(source))
    quick_namespace, quick_id = found.get("namespace", ""), found.get("id", "")
    if _PLAIN_NAME.match(quick_namespace) and _PLAIN_NAME.match(quick_id):
        return quick_namespace, quick_id
    import yaml  # here, not at the top: most sources are identified without it

    try:
        data = load_yaml(source)
    except yaml.YAMLError:  # a stored source we cannot read is simply not ours to manage
        return None
    if not isinstance(data, dict):
        return None
    namespace, flow_id = scalar_name(data.get("namespace")), scalar_name(data.get("id"))
    return (namespace, flow_id) if namespace and flow_id else None


def load_yaml(text: str) -> Any:
    """One YAML document with the safe loader (libyaml's when there)."""
    import yaml

    return yaml.load(text, Loader=yaml_loader())


def scalar_name(value: Any) -> str | None:
    # YAML reads `id: 2024` as a number; Kestra reads it as the text "2024".
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (str, int, float)):
        text = str(value).strip()
        return text or None
    return None
