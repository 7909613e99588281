"""``KEY=VALUE`` option values (``new --data``, ``run --input``), split one way.

Only the split and its error live here; what a value may be is each option's
own business (a template question's type, a Kestra input).
"""

from __future__ import annotations

from kestra_init.errors import UsageError


def split_pair(raw: str, *, option: str, why: str, example: str) -> tuple[str, str]:
    """``(key, value)`` of ``KEY=VALUE`` (the value may hold more ``=``), key stripped.

    ``option`` names the flag in the error (``--data``), ``why`` says what each
    one gives and ``example`` is a correct use to copy.
    """
    key, sep, value = raw.partition("=")
    key = key.strip()
    if not sep or not key:
        raise UsageError(f"{option} {raw!r} is not KEY=VALUE", why, f"write it like {example}")
    return key, value
