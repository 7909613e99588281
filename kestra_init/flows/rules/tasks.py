"""Tasks and triggers: ids, types, and the properties core tasks cannot do without."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator

from kestra_init.flows.core_types import (
    CORE_TYPES,
    LEGACY_ALIASES,
    REQUIRED_PROPERTIES,
    Required,
    canonical,
)
from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, TaskRef, key_mark, value_mark
from kestra_init.flows.rules.base import HELLO_FLOW, Finding, check, kind_of, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

TASK_ID_RE = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_-]*")
# A Java class name: dotted identifiers, at least a.b.C.
TYPE_RE = re.compile(r"[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*){2,}")
CORE_PREFIX = "io.kestra.plugin.core."
_CLASS_NAMES: dict[str, list[str]] = {}
for _name in sorted(CORE_TYPES):
    _CLASS_NAMES.setdefault(_name.rsplit(".", 1)[1].lower(), []).append(_name)

_LOG = HELLO_FLOW

TASK_REQUIRED_KEY = rule(
    "task-required-key",
    Severity.ERROR,
    "tasks",
    "Every task and trigger is a mapping with an `id` and a `type`.",
    bad=_LOG.replace("    type: io.kestra.plugin.core.log.Log\n", ""),
    good=_LOG,
)
TASK_ID_INVALID = rule(
    "task-id-invalid",
    Severity.ERROR,
    "tasks",
    "A task or trigger id breaks `[a-zA-Z0-9][a-zA-Z0-9_-]*` (no dots, no spaces).",
    bad=_LOG.replace("say_hello", "say.hello"),
    good=_LOG,
)
TASK_ID_DUPLICATE = rule(
    "task-id-duplicate",
    Severity.ERROR,
    "tasks",
    "Two tasks share an id (unique across the whole flow, nested tasks included), or two "
    "triggers do; a task and a trigger may share one.",
    bad=_LOG
    + """\
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: say_hello
        type: io.kestra.plugin.core.log.Log
        message: Hello again
""",
    good=_LOG
    + """\
  - id: branch
    type: io.kestra.plugin.core.flow.If
    condition: "{{ true }}"
    then:
      - id: say_hello_again
        type: io.kestra.plugin.core.log.Log
        message: Hello again
""",
)
TYPE_INVALID = rule(
    "type-invalid",
    Severity.ERROR,
    "tasks",
    "A `type` that is not a fully qualified class name such as `io.kestra.plugin.core.log.Log`.",
    bad=_LOG.replace("io.kestra.plugin.core.log.Log", "Log"),
    good=_LOG,
)
TYPE_LEGACY_ALIAS = rule(
    "type-legacy-alias",
    Severity.INFO,
    "tasks",
    "An old type name (`io.kestra.core.tasks.*` and other pre-0.17/0.20 names) that Kestra "
    "still accepts and replaces by today's name.",
    bad=_LOG.replace("io.kestra.plugin.core.log.Log", "io.kestra.core.tasks.log.Log"),
    good=_LOG,
)
CORE_TYPE_UNKNOWN = rule(
    "core-type-unknown",
    Severity.ERROR,
    "tasks",
    "An `io.kestra.plugin.core.*` type that is not in Kestra's core (usually a typo).",
    bad=_LOG.replace("core.log.Log", "core.log.Logger"),
    good=_LOG,
)
TASK_PROPERTY_MISSING = rule(
    "task-property-missing",
    Severity.ERROR,
    "tasks",
    "A common core task or trigger lacks a property Kestra requires (Log `message`, "
    "If `condition`/`then`, Switch `value` and a case, Subflow `namespace`/`flowId`, "
    "Schedule `cron`...).",
    bad=_LOG.replace("    message: Hello\n", "    mesage: Hello\n"),
    good=_LOG,
)


@check
def check_tasks(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    for bad in flow.bad_items:
        what = "trigger" if bad.block == "triggers" else "task"
        yield Finding(
            TASK_REQUIRED_KEY,
            bad.mark,
            f"This item of `{bad.block}` is {kind_of(bad.value)}, not a {what}: each {what} "
            "is a mapping that starts with `- id: ...` and has a `type`.",
        )
    refs = sorted([*flow.tasks, *flow.triggers], key=lambda ref: (ref.mark.line, ref.mark.column))
    # Task ids and trigger ids are two separate sets: a task and a trigger may
    # share an id (core/.../validations/validator/FlowValidator.java checks
    # `allTasksWithChilds()` and `allTriggerIds()` apart; 1.0, 1.3 and 2.0-dev).
    seen: dict[bool, dict[str, Mark]] = {True: {}, False: {}}
    for ref in refs:
        yield from _check_id(ref, seen[ref.block == "triggers"])
        yield from _check_has_type(ref)
    task_nodes = {id(ref.node): ref for ref in refs}
    for node, path in flow.typed_maps:
        yield from _check_type(node, path, task_nodes.get(id(node)))


def _what(ref: TaskRef) -> str:
    return "Trigger" if ref.block == "triggers" else "Task"


def _check_id(ref: TaskRef, seen: dict[str, Mark]) -> Iterator[Finding]:
    node = ref.node
    if node.get("id") is None:
        yield Finding(
            TASK_REQUIRED_KEY,
            ref.mark,
            f"{_what(ref)} without an `id`: add `id: <name>` (letters, digits, `_`, `-`), "
            "unique in the flow.",
        )
        return
    task_id = scalar_text(node["id"])
    mark = value_mark(node, "id")
    if task_id is None:
        yield Finding(
            TASK_REQUIRED_KEY,
            mark,
            f"{_what(ref)} `id` is {kind_of(node['id'])}; it must be a single word such as "
            "`load_data`.",
        )
        return
    if not TASK_ID_RE.fullmatch(task_id):
        fixed = re.sub(r"[^a-zA-Z0-9_-]+", "_", task_id).strip("_-") or "my_task"
        yield Finding(
            TASK_ID_INVALID,
            mark,
            f"{_what(ref)} id `{task_id}` is not allowed: task and trigger ids hold only "
            "letters, digits, `_` and `-` (no dots or spaces) and start with a letter or "
            f"digit. Try `{fixed}`.",
        )
    if task_id in seen:
        yield Finding(
            TASK_ID_DUPLICATE,
            mark,
            f"{_what(ref)} id `{task_id}` is already used on line {seen[task_id].line}; "
            + (
                "trigger ids must be unique in the flow. Rename one of them."
                if ref.block == "triggers"
                else "task ids must be unique across the whole flow, nested tasks included. "
                "Rename one of them (and the `outputs.` expressions that use it)."
            ),
        )
    else:
        seen[task_id] = mark


def _check_has_type(ref: TaskRef) -> Iterator[Finding]:
    value = ref.node.get("type")
    if isinstance(value, str) and value.strip():
        return
    where = value_mark(ref.node, "type") if "type" in ref.node else ref.id_mark()
    example = (
        "io.kestra.plugin.core.trigger.Schedule"
        if ref.block == "triggers"
        else "io.kestra.plugin.core.log.Log"
    )
    yield Finding(
        TASK_REQUIRED_KEY,
        where,
        f"{_what(ref)} `{ref.id or '?'}` has no `type`: add the plugin's class name, for "
        f"example `type: {example}`.",
    )


def _check_type(node: YMap, path: tuple[str, ...], ref: TaskRef | None) -> Iterator[Finding]:
    type_name = node["type"].strip()
    mark = value_mark(node, "type")
    if "{{" in type_name:
        return
    in_plugin_defaults = bool(path) and path[0] in ("pluginDefaults", "taskDefaults")
    # Plugin classes are capitalised; a lower-case last part is a package.
    shaped = TYPE_RE.fullmatch(type_name) and type_name.rsplit(".", 1)[-1][:1].isupper()
    if ref is not None and not shaped:
        yield Finding(TYPE_INVALID, mark, _type_shape_message(type_name))
        return
    if type_name in LEGACY_ALIASES:
        yield Finding(
            TYPE_LEGACY_ALIAS,
            mark,
            f"`{type_name}` is the old name of `{LEGACY_ALIASES[type_name]}`: Kestra accepts "
            "it and reads it as the new one (its own validation lists it as replaced). Write "
            f"`type: {LEGACY_ALIASES[type_name]}`, the name the documentation and the UI use.",
        )
    elif (
        type_name.startswith(CORE_PREFIX)
        and type_name not in CORE_TYPES
        and not in_plugin_defaults
        and type_name.rsplit(".", 1)[-1][:1].isupper()
    ):
        close = difflib.get_close_matches(type_name, CORE_TYPES, n=1, cutoff=0.75)
        hint = f" Did you mean `{close[0]}`?" if close else _same_class_hint(type_name)
        yield Finding(
            CORE_TYPE_UNKNOWN,
            mark,
            f"`{type_name}` is not a type of Kestra's core.{hint} (kestra-init knows the core "
            "types of Kestra 1.x; the plugin list is at https://kestra.io/plugins.)",
        )
    if ref is not None:
        yield from _check_required(ref, canonical(type_name))


def _type_shape_message(type_name: str) -> str:
    last = type_name.rsplit(".", 1)[-1]
    candidates = _CLASS_NAMES.get(last.lower(), [])
    if candidates:
        hint = f" Did you mean `{candidates[0]}`?"
    elif "." in type_name and not last[:1].isupper():
        hint = " It ends with a package name: add the class, e.g. `...log.Log`."
    else:
        hint = " For example `io.kestra.plugin.core.log.Log`."
    return (
        f"`type: {type_name}` is not a plugin class name: Kestra needs the fully qualified "
        f"name (dotted package, then the class).{hint}"
    )


def _same_class_hint(type_name: str) -> str:
    candidates = _CLASS_NAMES.get(type_name.rsplit(".", 1)[-1].lower(), [])
    return f" Did you mean `{candidates[0]}`?" if candidates else ""


def _check_required(ref: TaskRef, type_name: str) -> Iterator[Finding]:
    node = ref.node
    short = type_name.rsplit(".", 1)[-1]
    for required in REQUIRED_PROPERTIES.get(type_name, ()):
        present = [name for name in required.names if node.get(name) is not None]
        if not present:
            yield Finding(
                TASK_PROPERTY_MISSING,
                ref.id_mark(),
                f"{short} {_what(ref).lower()} `{ref.id or '?'}` needs {required.describe()}; "
                f"Kestra rejects it without.{_misspelling_hint(node, required)}",
            )
        elif required.non_empty and all(_is_empty(node[name]) for name in present):
            yield Finding(
                TASK_PROPERTY_MISSING,
                key_mark(node, present[0]),
                f"{short} {_what(ref).lower()} `{ref.id or '?'}` has an empty "
                f"{required.describe()}: add at least one task.",
            )


def _misspelling_hint(node: YMap, required: Required) -> str:
    for name in required.names:
        close = difflib.get_close_matches(name, [str(key) for key in node], n=1, cutoff=0.75)
        if close:
            return f" `{close[0]}` looks like a misspelling of `{name}`."
    return ""


def _is_empty(value: object) -> bool:
    if isinstance(value, (YList, YMap)):
        return not value
    return isinstance(value, str) and not value.strip()
