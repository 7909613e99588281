"""The values `run --input` gives, checked against the inputs the flow declares.

Kestra 1.x parses each value by its input's type (``FlowInputOutput.parseType``,
core/src/main/java/io/kestra/core/runners/FlowInputOutput.java, 1.3) and
answers only the first bad one, or silently ignores a name the flow does not
declare, or reads a BOOLEAN "yes" as false. So every value is checked here
first, and every problem is named at once, before an execution is started:

- a name the flow does not declare: refused, with the closest declared name;
- a required input without a default, not given: refused, listing all of them;
- a value its type cannot hold (INT, FLOAT, BOOLEAN, DATE, DATETIME, TIME,
  DURATION, SELECT/ENUM, ARRAY/MULTISELECT as a JSON list, FILE as ``@path``).
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

from kestra_init.errors import UsageError
from kestra_init.kestra.models import FlowInput

_INT = re.compile(r"^[+-]?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Java's Duration.parse: PnDTnHnMn.nS, any letter case.
_DURATION = re.compile(
    r"^[+-]?P(?:[+-]?\d+D)?(?:T(?:[+-]?\d+H)?(?:[+-]?\d+M)?(?:[+-]?\d+(?:[.,]\d+)?S)?)?$",
    re.IGNORECASE,
)
_JAVA_INT = 2**31


def check_inputs(
    flow: str,
    declared: Sequence[FlowInput],
    fields: Mapping[str, str],
    files: Mapping[str, object],
) -> None:
    """Raise one ``UsageError`` naming every problem of the given inputs, or return."""
    by_id = {item.id: item for item in declared if item.id}
    problems: list[str] = []
    for name in [*fields, *files]:
        if name not in by_id:
            close = difflib.get_close_matches(name, list(by_id), n=1)
            hint = f" (did you mean `{close[0]}`?)" if close else ""
            problems.append(f"`{name}` is not an input of {flow}{hint}")
    for name, value in fields.items():
        item = by_id.get(name)
        if item is None:
            continue
        why = value_problem(item, value)
        if why:
            problems.append(f"`{name}` ({item.type}) {why}")
    for name in files:
        item = by_id.get(name)
        if item is not None and item.type != "FILE":
            problems.append(f"`{name}` is a {item.type} input: give it a value, not a file (@path)")
    missing = [
        item.id
        for item in declared
        if item.needs_a_value and item.id not in fields and item.id not in files
    ]
    if missing:
        names = ", ".join(f"`{name}`" for name in missing)
        problems.append(f"required input{'s' if len(missing) > 1 else ''} {names} not given")
    if not problems:
        return
    known = ", ".join(f"{item.id} ({item.type})" for item in declared) or "none"
    raise UsageError(
        f"The inputs for {flow} do not fit the flow: " + "; ".join(problems),
        f"Nothing was started. The flow declares these inputs: {known}.",
        "give each as --input NAME=VALUE (a FILE input as --input NAME=@path)",
    )


def value_problem(item: FlowInput, value: str) -> str:
    """Why ``value`` cannot be this input's, or "" when it can."""
    kind = item.type
    if kind == "FILE":
        return "is a file: give it as @path"
    if kind == "INT":
        if not _INT.match(value) or not -_JAVA_INT <= int(value) < _JAVA_INT:
            return f"takes a whole number, not {value!r}"
    elif kind == "FLOAT":
        try:
            float(value)
        except ValueError:
            return f"takes a number such as 1.5, not {value!r}"
    elif kind in ("BOOLEAN", "BOOL"):
        # Kestra would read anything but "true" as false, without a word.
        if value.lower() not in ("true", "false"):
            return f"takes true or false, not {value!r}"
    elif kind == "DATE":
        if not _DATE.match(value) or not _parses(date.fromisoformat, value):
            return f"takes a date written 2024-01-31, not {value!r}"
    elif kind == "DATETIME":
        moment = _datetime(value)
        if moment is None or moment.tzinfo is None:
            return (
                f"takes a date and time with its zone, such as 2024-01-31T09:00:00Z, not {value!r}"
            )
    elif kind == "TIME":
        if not _parses(time.fromisoformat, value) or value.endswith("Z") or "+" in value:
            return f"takes a time such as 09:30 or 09:30:00, not {value!r}"
    elif kind == "DURATION":
        if not _DURATION.match(value) or value.upper() in ("P", "PT"):
            return f"takes an ISO-8601 duration such as PT5M or P1D, not {value!r}"
    elif kind in ("SELECT", "ENUM") and item.values and not item.custom_values:
        if value not in item.values:
            return "must be one of " + ", ".join(item.values) + f", not {value!r}"
    elif kind in ("ARRAY", "MULTISELECT"):
        try:
            items = json.loads(value)
        except ValueError:
            items = None
        if not isinstance(items, list):
            return f'takes a JSON list, such as ["a", "b"], not {value!r}'
        if kind == "MULTISELECT" and item.values and not item.custom_values:
            wrong = [str(entry) for entry in items if str(entry) not in item.values]
            if wrong:
                return "takes only " + ", ".join(item.values) + ", not " + ", ".join(wrong)
    elif kind == "JSON":
        try:
            json.loads(value)
        except ValueError:
            return f"takes JSON, not {value!r}"
    return ""


def _parses(parser: object, value: str) -> bool:
    try:
        parser(value)  # type: ignore[operator]
    except ValueError:
        return False
    return True


def _datetime(value: str) -> datetime | None:
    try:
        # Python 3.10 reads no `Z` suffix; Java's Instant.parse does.
        return datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
