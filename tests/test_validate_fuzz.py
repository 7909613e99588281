"""Whatever is in a file, validate answers with diagnostics, never an exception.

Random bytes, random text, random YAML built from the words flows use (so the
rules get deep into the tree), and real flows cut and spliced at random, fed to
the public functions and through the CLI's own code path.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kestra_init.cli import app
from kestra_init.flows.diagnostics import Diagnostic
from kestra_init.flows.lint import lint_bytes, lint_text
from kestra_init.flows.registry import RULES

PATH = Path("flows/fuzz.yml")
WORDS = [
    "id",
    "namespace",
    "tasks",
    "type",
    "inputs",
    "variables",
    "triggers",
    "outputs",
    "errors",
    "finally",
    "then",
    "else",
    "cases",
    "defaults",
    "values",
    "taskRunner",
    "script",
    "commands",
    "env",
    "inputFiles",
    "cron",
    "concurrency",
    "limit",
    "behavior",
    "message",
    "pluginDefaults",
    "listeners",
    "itemType",
    "required",
    "networkMode",
    "extraHosts",
    "task",
    "dependsOn",
    "conditions",
    "forced",
    "withSeconds",
    "password",
    "name",
]
VALUES = [
    "io.kestra.plugin.core.log.Log",
    "io.kestra.plugin.core.flow.Switch",
    "io.kestra.plugin.core.flow.Dag",
    "io.kestra.plugin.scripts.python.Script",
    "io.kestra.plugin.scripts.runner.docker.Docker",
    "io.kestra.plugin.core.runner.Process",
    "io.kestra.plugin.core.trigger.Schedule",
    "io.kestra.core.tasks.log.Log",
    "io.kestra.plugin.core.flow.ForEach",
    "STRING",
    "ARRAY",
    "FILE",
    "SECRET",
    "QUEUE",
    "{{ inputs.a }}",
    "{{ vars.b-c }}",
    "{{ outputs.t.value }}",
    "{% raw %}{{ x }}{% endraw %}",
    "http://localhost:8080",
    "postgresql://u:p@postgres:5432/db",
    "host.docker.internal",
    "0 9 * * *",
    "*/0 * * *",
    "@daily",
    "a",
    "",
    "-",
    "{{",
    "}}",
    "{{ json('x') }}",
    "/api/v1/flows/search",
    "host-gateway",
]
scalars = (
    st.sampled_from(VALUES)
    | st.text(max_size=12)
    | st.integers(-5, 10**6)
    | st.booleans()
    | st.none()
    | st.floats(allow_nan=False)
)
keys = st.sampled_from(WORDS) | st.text(min_size=1, max_size=8)
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(keys, children, max_size=6),
    max_leaves=40,
)
flow_like = st.fixed_dictionaries(
    {"id": scalars, "namespace": scalars, "tasks": st.lists(documents, max_size=4)},
    optional=dict.fromkeys(("inputs", "variables", "triggers", "pluginDefaults"), documents),
)
# Real flows to cut and splice: the documented examples of every rule.
EXAMPLES = [rule.bad for rule in RULES.values() if rule.bad] + [
    rule.good for rule in RULES.values() if rule.good
]

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(diagnostics: list[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        assert diagnostic.rule in RULES, diagnostic.rule
        assert diagnostic.line >= 0 and diagnostic.column >= 0
        assert diagnostic.message


@FAST
@given(st.binary(max_size=3000))
def test_random_bytes(data: bytes) -> None:
    check(lint_bytes(PATH, data).diagnostics)


@FAST
@given(st.text(max_size=3000))
def test_random_text(text: str) -> None:
    check(lint_text(PATH, text).diagnostics)


@FAST
@given(documents)
def test_random_yaml(value: object) -> None:
    check(lint_text(PATH, yaml.safe_dump(value, allow_unicode=True)).diagnostics)


@FAST
@given(flow_like)
def test_random_flow_shaped_yaml(value: dict) -> None:
    check(lint_text(PATH, yaml.safe_dump(value, allow_unicode=True)).diagnostics)


@FAST
@given(
    st.sampled_from(EXAMPLES),
    st.integers(0, 2000),
    st.integers(0, 200),
    st.text(alphabet=" \n\t-:#{}[]'\"|>&*!%@`abc", max_size=20),
)
def test_real_flows_cut_and_spliced(text: str, start: int, length: int, insert: str) -> None:
    start = min(start, len(text))
    mutated = text[:start] + insert + text[start + length :]
    check(lint_text(PATH, mutated).diagnostics)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.one_of(
        st.binary(max_size=500),
        documents.map(lambda value: yaml.safe_dump(value).encode()),
        flow_like.map(lambda value: yaml.safe_dump(value).encode()),
    ),
    st.sampled_from(["text", "json", "github"]),
)
def test_through_the_cli(tmp_path_factory, content: bytes, output_format: str) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    (folder / "fuzz.yml").write_bytes(content)
    result = CliRunner().invoke(app, ["validate", "--format", output_format, str(folder)])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert result.exit_code in (0, 1), result.output


# Pebble expressions: fallbacks, nesting, blocks that never close ----------------------
identifiers = st.from_regex(r"[a-z][a-z0-9_]{0,4}", fullmatch=True)
operands = st.builds(
    lambda scope, parts: scope + "".join(f".{part}" for part in parts),
    st.sampled_from(["inputs", "vars", "outputs", "taskrun", "trigger.outputs"]),
    st.lists(identifiers, max_size=3),
)
literals = st.sampled_from(["'n/a'", '"x"', "1", "'}}'", "'{{'", "null", "'it\\'s'"])
expressions = st.recursive(
    operands | literals,
    lambda inner: st.one_of(
        st.builds("{} ?? {}".format, inner, inner),
        st.builds("{} ??? {}".format, inner, inner),
        st.builds("({})".format, inner),
        st.builds(
            "{} | {}".format, inner, st.sampled_from(["upper", "default('x')", "json", "toJson"])
        ),
        st.builds("{} is defined".format, inner),
        st.builds("{} ~ {}".format, inner, inner),
    ),
    max_leaves=8,
)
pieces = st.one_of(
    expressions.map("{{{{ {} }}}}".format),
    expressions.map("{{% if {} %}}".format),
    st.sampled_from(["{% endif %}", "{% raw %}", "{% endraw %}", "{#", "#}", "{{", "}}", "{%"]),
    st.text(alphabet="ab {}%#'\"\n", max_size=5),
)
templates = st.lists(pieces, max_size=12).map("".join)


@FAST
@given(templates)
def test_pebble_scanning_is_consistent(text: str) -> None:
    from kestra_init.flows import pebble

    blocks, unclosed = pebble.scan(text)
    previous_end = 0
    for block in blocks:
        assert text[block.start : block.start + len(block.content)] == block.content
        assert previous_end <= block.start - 2 < block.end <= len(text)
        previous_end = block.end
    if unclosed is not None:
        assert unclosed >= previous_end and text[unclosed] == "{"
    for reference in pebble.references(text):
        assert text.startswith(reference.scope, reference.offset)
        assert any(b.start <= reference.offset < b.end for b in blocks)


@FAST
@given(expressions, st.sampled_from([" ?? 'n/a'", " ??? 0", " | default('x')", " is defined"]))
def test_a_name_with_a_fallback_is_never_reported(expression: str, fallback: str) -> None:
    text = (
        "id: f\nnamespace: a\ntasks:\n  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
        # A JSON string is a YAML double-quoted scalar.
        f"    message: {json.dumps('{{ outputs.nothing' + fallback + ' }} ' + expression)}\n"
    )
    found = lint_text(PATH, text).diagnostics
    check(found)
    assert not any("outputs.nothing" in d.message for d in found)


@FAST
@given(templates)
def test_random_templates_in_a_flow(text: str) -> None:
    flow = {
        "id": "f",
        "namespace": "a",
        "inputs": [{"id": "a", "type": "STRING", "defaults": "x"}],
        "tasks": [{"id": "t", "type": "io.kestra.plugin.core.log.Log", "message": text}],
    }
    check(lint_text(PATH, yaml.safe_dump(flow)).diagnostics)


# Input ids with dots -------------------------------------------------------------------
dotted_ids = st.lists(
    st.lists(st.sampled_from(["a", "b", "user", "name"]), min_size=1, max_size=3).map(".".join),
    min_size=1,
    max_size=5,
    unique=True,
)
paths = st.lists(st.sampled_from(["a", "b", "user", "name", "zz"]), min_size=1, max_size=4)


def known_to_kestra(ids: list[str], path: str) -> bool:
    """The oracle: a path names an input, a group of dotted inputs, or reads inside one."""
    return any(i == path or i.startswith(path + ".") or path.startswith(i + ".") for i in ids)


@FAST
@given(dotted_ids, paths)
def test_dotted_input_references(ids: list[str], parts: list[str]) -> None:
    path = ".".join(parts)
    flow = {
        "id": "f",
        "namespace": "a",
        "inputs": [{"id": i, "type": "STRING", "defaults": "x"} for i in ids],
        "tasks": [
            {
                "id": "t",
                "type": "io.kestra.plugin.core.log.Log",
                "message": "{{ inputs." + path + " }}",
            }
        ],
    }
    found = [d.rule for d in lint_text(PATH, yaml.safe_dump(flow)).diagnostics]
    assert ("expression-unknown-input" not in found) == known_to_kestra(ids, path), (ids, path)
