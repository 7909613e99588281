"""Whatever is in a file, validate answers with diagnostics, never an exception.

Random bytes, random text, random YAML built from the words flows use (so the
rules get deep into the tree), and real flows cut and spliced at random, fed to
the public functions and through the CLI's own code path.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from kestra_init.cli import app
from kestra_init.flows.diagnostics import Diagnostic
from kestra_init.flows.lint import lint_bytes, lint_text
from kestra_init.flows.rules import RULES

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
