"""Check the syntax of a Schedule trigger's cron expression.

Kestra parses `cron` with cron-utils' Unix definition: five fields (minute,
hour, day of month, month, day of week), six with `withSeconds: true`
(seconds first), or a nickname such as `@daily`. Written here rather than
taken from a library because the runtime dependencies are fixed and the check
is small: it validates fields and ranges, not the next run times.
"""

from __future__ import annotations

import re

NICKNAMES = frozenset(
    {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
)
_MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
_DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]
# name, low, high, names usable instead of numbers
_FIELDS = {
    "second": (0, 59, {}),
    "minute": (0, 59, {}),
    "hour": (0, 23, {}),
    "day of month": (1, 31, {}),
    "month": (1, 12, {name: index + 1 for index, name in enumerate(_MONTHS)}),
    "day of week": (0, 7, {name: index for index, name in enumerate(_DAYS)}),
}
# Quartz-style extras some cron definitions accept in the day fields (`?`, `L`,
# `W`, `#`): left alone rather than risk refusing a cron Kestra accepts.
_DAY_EXTRAS_RE = re.compile(r"^(\?|L|LW|\d{0,2}[LW]|[0-7A-Z]{1,3}#[1-5]|[0-7A-Z]{0,3}L)$", re.I)


def cron_problem(expression: str, *, with_seconds: bool = False) -> str | None:
    """What is wrong with ``expression``, or None when it is valid."""
    text = expression.strip()
    if not text:
        return "it is empty"
    if text.startswith("@"):
        if text.lower() in NICKNAMES:
            return None
        return f"`{text}` is not a cron nickname (use one of {', '.join(sorted(NICKNAMES))})"
    parts = text.split()
    names = list(_FIELDS)[0 if with_seconds else 1 :]
    if len(parts) != len(names):
        expected = "6 fields (with seconds)" if with_seconds else "5 fields"
        hint = (
            " (6 fields need `withSeconds: true`)" if len(parts) == 6 and not with_seconds else ""
        )
        return f"it has {len(parts)} fields, and Kestra expects {expected}{hint}"
    for name, part in zip(names, parts, strict=True):
        problem = _field_problem(name, part)
        if problem:
            return f"{name} `{part}`: {problem}"
    return None


def _field_problem(name: str, part: str) -> str | None:
    low, high, aliases = _FIELDS[name]
    for item in part.split(","):
        if not item:
            return "an empty item between commas"
        if name in ("day of month", "day of week") and _DAY_EXTRAS_RE.match(item):
            continue
        base, _, step = item.partition("/")
        if step and (not step.isdigit() or int(step) == 0):
            return f"the step `/{step}` must be a whole number above 0"
        if base in ("*", "?") and (base == "*" or name in ("day of month", "day of week")):
            continue
        bounds = base.split("-")
        if len(bounds) > 2:
            return f"`{base}` is not a value or a range"
        values = []
        for bound in bounds:
            value = _value(bound, aliases)
            if value is None:
                return f"`{bound}` is not a number{' or a name' if aliases else ''}"
            if not low <= value <= high:
                return f"{value} is out of range {low}-{high}"
            values.append(value)
        if len(values) == 2 and values[0] > values[1]:
            return f"the range `{base}` runs backwards"
    return None


def _value(text: str, aliases: dict[str, int]) -> int | None:
    if text.isdigit():
        return int(text)
    return aliases.get(text.upper())
