"""Flow inputs: ids, types, and the combinations Kestra refuses."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.model import FlowDoc, key_mark, value_mark
from kestra_init.flows.rules.base import Finding, check, did_you_mean, kind_of, rule, scalar_text
from kestra_init.flows.yaml_nodes import Mark, YList, YMap

INPUT_ID_RE = re.compile(r"[a-zA-Z0-9][.a-zA-Z0-9_-]*")
# The input types of Kestra 1.x (`io.kestra.core.models.flows.Type`).
INPUT_TYPES = frozenset(
    [
        "STRING",
        "INT",
        "FLOAT",
        "BOOLEAN",
        "DATETIME",
        "DATE",
        "TIME",
        "DURATION",
        "FILE",
        "JSON",
        "URI",
        "SECRET",
        "ARRAY",
        "YAML",
        "ENUM",
        "SELECT",
        "MULTISELECT",
        "EMAIL",
        "BOOL",
    ]
)
NOT_ITEM_TYPES = frozenset({"ARRAY", "SECRET"})

_FLOW = """\
id: greet
namespace: company.team
inputs:
  - id: name
    type: STRING
    defaults: World
tasks:
  - id: say_hello
    type: io.kestra.plugin.core.log.Log
    message: "Hello {{ inputs.name }}"
"""

INPUT_ID_INVALID = rule(
    "input-id-invalid",
    Severity.ERROR,
    "inputs",
    "An input without an `id`, or whose id breaks `[a-zA-Z0-9][.a-zA-Z0-9_-]*`.",
    bad=_FLOW.replace("- id: name", "- id: your name").replace(
        "inputs.name", "inputs['your name']"
    ),
    good=_FLOW,
)
INPUT_ID_DUPLICATE = rule(
    "input-id-duplicate",
    Severity.ERROR,
    "inputs",
    "Two inputs share an id.",
    bad=_FLOW.replace(
        "    defaults: World\n", "    defaults: World\n  - id: name\n    type: INT\n"
    ),
    good=_FLOW,
)
INPUT_TYPE_INVALID = rule(
    "input-type-invalid",
    Severity.ERROR,
    "inputs",
    "An input without a `type`, or with a type Kestra does not have (they are upper case: "
    "STRING, INT, FILE...).",
    bad=_FLOW.replace("type: STRING", "type: string"),
    good=_FLOW,
)
INPUT_FILE_DEFAULTS = rule(
    "input-file-defaults",
    Severity.ERROR,
    "inputs",
    "A FILE input whose `defaults` is not a `file://` or `nsfile://` URI, which Kestra refuses.",
    bad=_FLOW.replace(
        "type: STRING\n    defaults: World", "type: FILE\n    defaults: data.csv"
    ).replace("Hello {{ inputs.name }}", "Got {{ inputs.name }}"),
    good=_FLOW.replace("type: STRING\n    defaults: World", "type: FILE").replace(
        "Hello {{ inputs.name }}", "Got {{ inputs.name }}"
    ),
)
INPUT_ARRAY_ITEM_TYPE = rule(
    "input-array-item-type",
    Severity.ERROR,
    "inputs",
    "An ARRAY input without a valid `itemType` (any input type but ARRAY and SECRET).",
    bad=_FLOW.replace("type: STRING\n    defaults: World", "type: ARRAY\n    defaults: [a, b]"),
    good=_FLOW.replace(
        "type: STRING\n    defaults: World",
        "type: ARRAY\n    itemType: STRING\n    defaults: [a, b]",
    ),
)


@check
def check_inputs(flow: FlowDoc, context: LintContext) -> Iterator[Finding]:
    inputs = flow.root.get("inputs")
    if inputs is None:
        return
    if not isinstance(inputs, YList):
        yield Finding(
            INPUT_ID_INVALID,
            value_mark(flow.root, "inputs"),
            f"`inputs` is {kind_of(inputs)}, and it must be a list: start each input with "
            "`- id: ...` and give it a `type`.",
        )
        return
    seen: dict[str, Mark] = {}
    for item, mark in zip(inputs, inputs.item_marks, strict=True):
        if not isinstance(item, YMap):
            yield Finding(
                INPUT_ID_INVALID,
                mark,
                f"This input is {kind_of(item)}; each input is a mapping with `id` and `type`.",
            )
            continue
        input_id = scalar_text(item.get("id", item.get("name")))
        if input_id is None:
            yield Finding(
                INPUT_ID_INVALID,
                mark,
                "This input has no `id`: add `id: <name>` (the name expressions use, as in "
                "`{{ inputs.<name> }}`).",
            )
        else:
            id_key = "id" if "id" in item else "name"
            id_mark = value_mark(item, id_key)
            if not INPUT_ID_RE.fullmatch(input_id):
                fixed = re.sub(r"[^.a-zA-Z0-9_-]+", "_", input_id).strip("._-") or "my_input"
                yield Finding(
                    INPUT_ID_INVALID,
                    id_mark,
                    f"Input id `{input_id}` is not allowed: letters, digits, `.`, `_` and `-` "
                    f"only, starting with a letter or digit. Try `{fixed}`.",
                )
            if input_id in seen:
                yield Finding(
                    INPUT_ID_DUPLICATE,
                    id_mark,
                    f"Input `{input_id}` is already defined on line {seen[input_id].line}: "
                    "rename or remove one of them.",
                )
            else:
                seen[input_id] = id_mark
        yield from _check_type(item, input_id or "?")


def _check_type(item: YMap, input_id: str) -> Iterator[Finding]:
    raw = item.get("type")
    input_type = scalar_text(raw)
    if input_type is None:
        yield Finding(
            INPUT_TYPE_INVALID,
            key_mark(item, "id"),
            f"Input `{input_id}` has no `type`: add one of {_types_list()}.",
        )
        return
    if input_type not in INPUT_TYPES:
        hint = did_you_mean(input_type, INPUT_TYPES) or f" The types are {_types_list()}."
        yield Finding(
            INPUT_TYPE_INVALID,
            value_mark(item, "type"),
            f"Input `{input_id}` has type `{input_type}`, which Kestra does not have.{hint}",
        )
        return
    if input_type == "FILE" and not _file_default_ok(item.get("defaults")):
        yield Finding(
            INPUT_FILE_DEFAULTS,
            key_mark(item, "defaults"),
            f"FILE input `{input_id}` has `defaults` that are not a file URI, and Kestra "
            "refuses them: a FILE input's default is a local file (`file:///path`) or a "
            "namespace file (`nsfile:///path`). Write one of those, remove `defaults` (the "
            "file is then uploaded when the flow runs), or make it a STRING input.",
        )
    if input_type == "ARRAY":
        yield from _check_item_type(item, input_id)


def _file_default_ok(value: object) -> bool:
    # FileInputValidator.java (1.0 and 1.3): a default must be a `file` or `nsfile`
    # URI; one written as an expression is rendered then, so it is not judged here.
    if value is None:
        return True
    text = scalar_text(value) or ""
    return text.startswith(("file://", "nsfile://")) or "{{" in text


def _check_item_type(item: YMap, input_id: str) -> Iterator[Finding]:
    item_type = scalar_text(item.get("itemType"))
    if item_type is None:
        yield Finding(
            INPUT_ARRAY_ITEM_TYPE,
            key_mark(item, "type"),
            f"ARRAY input `{input_id}` needs `itemType`, the type of its items: for example "
            "`itemType: STRING`.",
        )
    elif item_type in NOT_ITEM_TYPES or item_type not in INPUT_TYPES:
        why = (
            "cannot hold arrays or secrets"
            if item_type in NOT_ITEM_TYPES
            else "is not an input type"
        )
        hint = did_you_mean(item_type, INPUT_TYPES - NOT_ITEM_TYPES)
        yield Finding(
            INPUT_ARRAY_ITEM_TYPE,
            value_mark(item, "itemType"),
            f"ARRAY input `{input_id}` has `itemType: {item_type}`, and an ARRAY {why}: use "
            f"another type such as STRING or INT.{hint}",
        )


def _types_list() -> str:
    return ", ".join(sorted(INPUT_TYPES))
