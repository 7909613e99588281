"""Each lint rule: its documented example fails, its fixed example passes, and the
cases around it behave as a Kestra user would expect."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kestra_init.flows.diagnostics import Diagnostic, Severity
from kestra_init.flows.lint import lint_text
from kestra_init.flows.lint_context import LintContext, PluginDefault
from kestra_init.flows.registry import FAMILIES, RULES
from kestra_init.flows.target import parse_target

EXAMPLE_RULES = [rule for rule in RULES.values() if not rule.file_level]


def lint(text: str, context: LintContext | None = None) -> list[Diagnostic]:
    return lint_text(Path("flows/example.yml"), text, context).diagnostics


def example_context(rule) -> LintContext | None:  # type: ignore[no-untyped-def]
    """The context a rule's documented examples are checked with (its target)."""
    return LintContext(target=parse_target(rule.example_target)) if rule.example_target else None


def rules_of(text: str, context: LintContext | None = None) -> list[str]:
    return [diagnostic.rule for diagnostic in lint(text, context)]


def only(text: str, rule_id: str, context: LintContext | None = None) -> list[Diagnostic]:
    return [d for d in lint(text, context) if d.rule == rule_id]


def flow(tasks: str, extra: str = "") -> str:
    """A valid flow around ``tasks`` (indented list items) plus top-level ``extra``."""
    return f"id: example\nnamespace: company.team\n{extra}tasks:\n{tasks}"


LOG = "  - id: hello\n    type: io.kestra.plugin.core.log.Log\n    message: Hi\n"


# Every rule, from its own documented examples -----------------------------------------
@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda rule: rule.id)
def test_documented_example_is_reported(rule) -> None:
    found = rules_of(rule.bad, example_context(rule))
    assert rule.id in found, f"{rule.id}: its 'bad' example is not reported"


@pytest.mark.parametrize("rule", EXAMPLE_RULES, ids=lambda rule: rule.id)
def test_documented_fix_passes_cleanly(rule) -> None:
    found = [d for d in lint(rule.good, example_context(rule)) if d.severity is not Severity.INFO]
    assert found == [], f"{rule.id}: its 'good' example still has findings"


def test_rules_are_well_formed() -> None:
    for rule in RULES.values():
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)+", rule.id), rule.id
        assert rule.family in FAMILIES
        assert rule.summary.endswith("."), rule.id
        assert rule.file_level or (rule.bad and rule.good), rule.id


def test_the_brief_s_rule_ids_exist() -> None:
    for rule_id in ("task-id-duplicate", "docker-runner-localhost", "yaml-duplicate-key"):
        assert rule_id in RULES


# Positions -----------------------------------------------------------------------------
def test_duplicate_key_points_at_the_second_key_and_names_the_first() -> None:
    text = flow(LOG + "    level: INFO\n    level: WARN\n")
    (found,) = only(text, "yaml-duplicate-key")
    assert (found.line, found.column) == (8, 5)
    assert "line 7" in found.message


def test_lines_count_from_the_file_not_the_document() -> None:
    text = (
        flow(LOG)
        + "---\n"
        + flow(LOG.replace("message: Hi", "mesage: Hi")).replace("id: example", "id: second")
    )
    (found,) = only(text, "task-property-missing")
    assert found.line == 11  # the task's id line in the second document


def test_position_inside_a_block_scalar() -> None:
    script = (
        "  - id: call\n"
        "    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    commands:\n"
        "      - |\n"
        "        echo start\n"
        "        curl -s http://localhost:8080/health\n"
    )
    (found,) = only(flow(script), "docker-runner-localhost")
    assert (found.line, found.column) == (9, 24)


# Structure -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ("namespace: a.b\ntasks:\n" + LOG, "flow-required-key"),
        ("id: x\ntasks:\n" + LOG, "flow-required-key"),
        ("id: x\nnamespace: a.b\n", "flow-required-key"),
        ("id: x\nnamespace: a.b\ntasks: hello\n", "flow-required-key"),
        ("id: [x]\nnamespace: a.b\ntasks:\n" + LOG, "flow-required-key"),
        ("id: -x\nnamespace: a.b\ntasks:\n" + LOG, "flow-id-invalid"),
        ("id: " + "x" * 101 + "\nnamespace: a.b\ntasks:\n" + LOG, "flow-id-invalid"),
        ("id: kill\nnamespace: a.b\ntasks:\n" + LOG, "flow-id-reserved"),
        ("id: x\nnamespace: a b\ntasks:\n" + LOG, "namespace-invalid"),
        ("id: x\nnamespace: " + "a" * 151 + "\ntasks:\n" + LOG, "namespace-invalid"),
        ("id: x\nnamespace: a.b\ninput: []\ntasks:\n" + LOG, "flow-key-unknown"),
    ],
)
def test_structure_findings(text: str, rule_id: str) -> None:
    assert rule_id in rules_of(text)


def test_numbers_are_text_to_kestra() -> None:
    # Kestra reads `id: 2024` as the id "2024".
    assert rules_of("id: 2024\nnamespace: a.b\ntasks:\n" + LOG) == []


@pytest.mark.parametrize(
    ("namespace", "suggested"),
    [("Équipe Données", "equipe_donnees"), ("ñ", "n"), ("日本", "company.team")],
)
def test_an_invalid_namespace_gets_a_namespace_shaped_suggestion(
    namespace: str, suggested: str
) -> None:
    text = f"id: example\nnamespace: {namespace}\ntasks:\n{LOG}"
    (found,) = only(text, "namespace-invalid")
    assert f"Try `{suggested}`." in found.message


def test_unknown_key_suggests_the_right_one() -> None:
    (found,) = only(flow(LOG, "varibles:\n  a: 1\n"), "flow-key-unknown")
    assert "`variables`" in found.message


def test_every_known_flow_key_is_accepted() -> None:
    extra = (
        "description: d\nlabels:\n  team: data\nrevision: 3\ndisabled: false\n"
        "outputs:\n  - id: o\n    type: STRING\n    value: v\nretry:\n  type: constant\n"
        "  interval: PT1S\n  maxAttempts: 2\nsla:\n  - id: s\n    type: MAX_DURATION\n"
        "    behavior: FAIL\n    duration: PT1H\nworkerGroup:\n  key: gpu\n"
        "errors:\n  - id: on_error\n    type: io.kestra.plugin.core.log.Log\n    message: x\n"
        "finally:\n  - id: at_end\n    type: io.kestra.plugin.core.log.Log\n    message: x\n"
        "afterExecution:\n  - id: after\n    type: io.kestra.plugin.core.log.Log\n"
        "    message: x\n"
    )
    # Every key is known; `workerGroup` only draws the open-source warning.
    assert rules_of(flow(LOG, extra)) == ["worker-group-ignored"]


def test_same_flow_in_two_documents() -> None:
    text = flow(LOG) + "---\n" + flow(LOG)
    (found,) = only(text, "flow-duplicate")
    assert found.line == 8 and "line 1" in found.message


# Tasks ---------------------------------------------------------------------------------
NESTED = """\
  - id: parallel
    type: io.kestra.plugin.core.flow.Parallel
    tasks:
      - id: a
        type: io.kestra.plugin.core.log.Log
        message: a
  - id: switch
    type: io.kestra.plugin.core.flow.Switch
    value: "x"
    cases:
      x:
        - id: in_case
          type: io.kestra.plugin.core.log.Log
          message: x
    defaults:
      - id: in_default
        type: io.kestra.plugin.core.log.Log
        message: d
  - id: dag
    type: io.kestra.plugin.core.flow.Dag
    tasks:
      - task:
          id: in_dag
          type: io.kestra.plugin.core.log.Log
          message: d
      - task:
          id: after_dag
          type: io.kestra.plugin.core.log.Log
          message: e
        dependsOn: [in_dag]
  - id: each
    type: io.kestra.plugin.core.flow.ForEach
    values: [1, 2]
    tasks:
      - id: in_each
        type: io.kestra.plugin.core.log.Log
        message: "{{ taskrun.value }}"
    errors:
      - id: each_error
        type: io.kestra.plugin.core.log.Log
        message: failed
"""


def test_nested_tasks_of_every_kind_are_clean() -> None:
    assert rules_of(flow(NESTED)) == []
    # ForEach is gone in 2.0: reported only with a 2.x target.
    assert rules_of(flow(NESTED), LintContext(target=parse_target("2.0"))) == [
        "removed-in-kestra-2"
    ]


@pytest.mark.parametrize("nested_id", ["a", "in_case", "in_default", "in_dag", "each_error"])
def test_duplicate_ids_are_found_at_any_depth(nested_id: str) -> None:
    text = flow(
        NESTED + f"  - id: {nested_id}\n    type: io.kestra.plugin.core.log.Log\n"
        "    message: twice\n"
    )
    assert "task-id-duplicate" in rules_of(text)


def test_a_trigger_may_share_a_task_id_but_two_triggers_may_not() -> None:
    # Kestra checks task ids and trigger ids apart (FlowValidator.java, 1.x).
    extra = "triggers:\n  - id: hello\n    type: io.kestra.plugin.core.trigger.Schedule\n"
    extra += '    cron: "@daily"\n'
    text = flow(LOG) + extra
    assert rules_of(text) == []
    twice = extra + extra.replace("triggers:\n", "")
    (found,) = only(flow(LOG) + twice, "task-id-duplicate")
    assert found.message.startswith("Trigger id `hello` is already used on line 8")


def test_task_that_is_not_a_mapping() -> None:
    assert rules_of(flow("  - log_hello\n")) == ["task-required-key"]


@pytest.mark.parametrize(
    ("type_name", "rule_id", "hint"),
    [
        ("Log", "type-invalid", "io.kestra.plugin.core.log.Log"),
        ("io.kestra.plugin.core.log", "type-invalid", "package"),
        ("io.kestra.plugin.core.flow.Paralel", "core-type-unknown", "flow.Parallel"),
        ("io.kestra.core.tasks.debugs.Return", "type-legacy-alias", "core.debug.Return"),
        ("io.kestra.plugin.fs.http.Request", "type-legacy-alias", "core.http.Request"),
    ],
)
def test_type_findings_name_the_fix(type_name: str, rule_id: str, hint: str) -> None:
    text = flow(f"  - id: t\n    type: {type_name}\n    uri: http://example.com\n    format: x\n")
    found = only(text, rule_id)
    assert found and hint in found[0].message


def test_condition_and_runner_types_are_checked_too() -> None:
    text = flow(
        "  - id: t\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    taskRunner:\n      type: io.kestra.plugin.core.runner.Proces\n"
        "    commands: [echo hi]\n"
    ) + (
        "triggers:\n  - id: after\n    type: io.kestra.plugin.core.trigger.Flow\n"
        "    conditions:\n      - type: io.kestra.plugin.core.condition.ExecutionStatusCondition\n"
        "        in: [SUCCESS]\n"
    )
    found = rules_of(text)
    assert "core-type-unknown" in found and "type-legacy-alias" in found


def test_plugins_outside_the_core_are_not_judged() -> None:
    text = flow(
        "  - id: q\n    type: io.kestra.plugin.jdbc.postgresql.Queries\n    sql: select 1\n"
    )
    assert rules_of(text) == []


@pytest.mark.parametrize(
    ("task", "needs"),
    [
        ("type: io.kestra.plugin.core.flow.If\n    then: []", "`condition`"),
        ("type: io.kestra.plugin.core.flow.Switch\n    value: x", "`cases` or `defaults`"),
        ("type: io.kestra.plugin.core.flow.Subflow\n    namespace: a", "`flowId`"),
        ("type: io.kestra.plugin.core.flow.Sleep", "`duration`"),
        ("type: io.kestra.plugin.core.flow.Parallel\n    tasks: []", "empty `tasks`"),
    ],
)
def test_required_properties(task: str, needs: str) -> None:
    found = only(flow(f"  - id: t\n    {task}\n"), "task-property-missing")
    assert found and needs in found[0].message


def test_return_needs_nothing() -> None:
    assert rules_of(flow("  - id: r\n    type: io.kestra.plugin.core.debug.Return\n")) == []


# Inputs --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("inputs", "rule_id"),
    [
        ("  - type: STRING\n", "input-id-invalid"),
        ("  - id: a b\n    type: STRING\n", "input-id-invalid"),
        ("  - id: a\n    type: STRING\n  - id: a\n    type: INT\n", "input-id-duplicate"),
        ("  - id: a\n", "input-type-invalid"),
        ("  - id: a\n    type: TEXT\n", "input-type-invalid"),
        ("  - id: a\n    type: FILE\n    defaults: x.csv\n", "input-file-defaults"),
        ("  - id: a\n    type: ARRAY\n", "input-array-item-type"),
        ("  - id: a\n    type: ARRAY\n    itemType: SECRET\n", "input-array-item-type"),
        ("  - id: a\n    type: ARRAY\n    itemType: ARRAY\n", "input-array-item-type"),
        ("  - id: a\n    type: ARRAY\n    itemType: NUMBER\n", "input-array-item-type"),
    ],
)
def test_input_findings(inputs: str, rule_id: str) -> None:
    assert rule_id in rules_of(flow(LOG, "inputs:\n" + inputs))


def test_every_input_type_is_accepted() -> None:
    from kestra_init.flows.rules.inputs import INPUT_TYPES

    inputs = "".join(
        f"  - id: i{n}\n    type: {kind}\n" + ("    itemType: INT\n" if kind == "ARRAY" else "")
        for n, kind in enumerate(sorted(INPUT_TYPES - {"BOOLEAN"}))
    )
    assert rules_of(flow(LOG, "inputs:\n" + inputs)) == []


# Expressions ---------------------------------------------------------------------------
EXPRESSIONS = """\
inputs:
  - id: name
    type: STRING
  - id: server-fqn
    type: STRING
  - id: count
    type: INT
variables:
  greeting: hi
"""


@pytest.mark.parametrize(
    "message",
    [
        "{{ inputs.name }} {{ vars.greeting }} {{ outputs.hello.value }}",
        "{{ inputs['server-fqn'] }} {{ inputs[\"server-fqn\"] }}",
        "{{ inputs.count-1 }}",  # arithmetic on an input that exists
        "{{ trigger.outputs.anything }} {{ parent.outputs.x }} {{ taskrun.value }}",
        "{{ 'inputs.nothing' }} and plain inputs.nothing outside braces",
        "{% raw %}{{ inputs.nothing }}{% endraw %}",
        "{% if inputs.name == 'x' %}yes{% endif %}",
        "{{ render(vars.greeting) }} {{ kv('X') }} {{ secret('Y') }}",
    ],
)
def test_expressions_that_are_fine(message: str) -> None:
    text = flow(
        LOG + f"  - id: use\n    type: io.kestra.plugin.core.log.Log\n"
        f"    message: >-\n      {message}\n",
        EXPRESSIONS,
    )
    assert rules_of(text) == []


@pytest.mark.parametrize(
    ("message", "rule_id"),
    [
        ("{{ inputs.nam }}", "expression-unknown-input"),
        ("{{ vars.greting }}", "expression-unknown-variable"),
        ("{{ outputs.helo.value }}", "expression-unknown-task"),
        ("{{ inputs.server-fqn }}", "expression-dash-dot-access"),
        ("{{ inputs['nope'] }}", "expression-unknown-input"),
        ("{{ inputs.other-thing }}", "expression-unknown-input"),
    ],
)
def test_expressions_that_are_wrong(message: str, rule_id: str) -> None:
    text = flow(
        LOG + f'  - id: use\n    type: io.kestra.plugin.core.log.Log\n    message: "{message}"\n',
        EXPRESSIONS,
    )
    assert rules_of(text) == [rule_id]


def test_descriptions_are_not_rendered() -> None:
    text = flow(LOG.replace("message: Hi", "message: Hi\n    description: uses {{ inputs.x }}"))
    assert rules_of(text) == []


def test_variables_set_by_a_task_exist() -> None:
    text = flow(
        "  - id: set\n    type: io.kestra.plugin.core.execution.SetVariables\n"
        "    variables:\n      later: 1\n"
        '  - id: use\n    type: io.kestra.plugin.core.log.Log\n    message: "{{ vars.later }}"\n'
    )
    assert rules_of(text) == []


def schedule(cron: str) -> str:
    return (
        f"triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        f'    cron: "{cron}"\n'
    )


# Triggers ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "cron",
    [
        "0 9 * * *",
        "*/15 * * * *",
        "0 0 1,15 * MON-FRI",
        "0 0 L * ?",
        "@daily",
        "0 9 * JAN-MAR 1#2",
        "5 4 * * sun",
        "0 22 * * 1-5",
        "0-30/10 * * * *",
    ],
)
def test_valid_crons(cron: str) -> None:
    assert rules_of(flow(LOG) + schedule(cron)) == []


@pytest.mark.parametrize(
    "cron",
    [
        "0 9 * *",
        "60 * * * *",
        "0 24 * * *",
        "0 0 0 * *",
        "* * * 13 *",
        "*/0 * * * *",
        "0 9-5 * * *",
        "@sometimes",
        "a b c d e",
        "0 0 * * 8",
        "0 0 9 * * *",
    ],
)
def test_invalid_crons(cron: str) -> None:
    assert rules_of(flow(LOG) + schedule(cron)) == ["schedule-cron-invalid"]


def test_six_fields_with_seconds() -> None:
    trigger = (
        "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        '    cron: "*/30 * * * * *"\n    withSeconds: true\n'
    )
    assert rules_of(flow(LOG) + trigger) == []


@pytest.mark.parametrize(
    ("input_def", "trigger_inputs", "expected"),
    [
        ("    type: STRING\n", "", ["trigger-input-missing"]),
        ("    type: STRING\n    required: true\n", "", ["trigger-input-missing"]),
        ("    type: STRING\n", "    inputs:\n      region: eu\n", []),
        ("    type: STRING\n    required: false\n", "", []),
        ("    type: STRING\n    defaults: eu\n", "", []),
    ],
)
def test_scheduled_runs_need_every_required_input(
    input_def: str, trigger_inputs: str, expected: list[str]
) -> None:
    text = flow(LOG, "inputs:\n  - id: region\n" + input_def) + (
        "triggers:\n  - id: s\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        '    cron: "@daily"\n' + trigger_inputs
    )
    assert rules_of(text) == expected


# Concurrency ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("block", "ok"),
    [
        ("  limit: 1\n", True),
        ("  limit: 3\n  behavior: CANCEL\n", True),
        ("  behavior: QUEUE\n", False),
        ("  limit: 0\n", False),
        ("  limit: two\n", False),
        ("  limit: 1\n  behavior: queue\n", False),
    ],
)
def test_concurrency(block: str, ok: bool) -> None:
    found = rules_of(flow(LOG, "concurrency:\n" + block))
    assert found == ([] if ok else ["concurrency-invalid"])


# Security ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        (flow(LOG, "variables:\n  api_token: abc123def\n"), "plaintext-credential-simple"),
        (flow(LOG, "variables:\n  kestraPassword: Admin1234\n"), "plaintext-credential-simple"),
        (
            flow(LOG, "variables:\n  api_token: 9fJ2kQ7xL0pV4mZ8sT3w\n"),
            "plaintext-credential",
        ),
        (
            flow(
                "  - id: q\n    type: io.kestra.plugin.jdbc.postgresql.Queries\n"
                "    url: jdbc:postgresql://db:5432/x\n    password: root\n    sql: select 1\n"
            ),
            "plaintext-credential-simple",
        ),
        (
            flow(
                "  - id: s\n    type: io.kestra.plugin.scripts.shell.Commands\n"
                "    taskRunner:\n      type: io.kestra.plugin.core.runner.Process\n"
                "    commands:\n      - psql postgresql://admin:s3cret@db.example.com/app\n"
            ),
            "plaintext-credential-simple",
        ),
        (
            flow(
                "  - id: s\n    type: io.kestra.plugin.scripts.python.Script\n"
                "    taskRunner:\n      type: io.kestra.plugin.core.runner.Process\n"
                '    script: |\n      API_KEY = "sk-live-1234567890"\n'
            ),
            "plaintext-credential",
        ),
    ],
)
def test_plaintext_credentials_are_flagged(text: str, rule_id: str) -> None:
    assert rules_of(text) == [rule_id]


@pytest.mark.parametrize(
    "variables",
    [
        "  password: \"{{ secret('DB_PASSWORD') }}\"\n",
        "  token: \"{{ kv('TOKEN') }}\"\n",
        '  username: admin\n  bypass: "yes"\n',
        '  password: ""\n',
    ],
)
def test_secrets_and_non_credentials_pass(variables: str) -> None:
    assert rules_of(flow(LOG, "variables:\n" + variables)) == []


# Compatibility -------------------------------------------------------------------------
TWO = LintContext(target=parse_target("2.0"))


@pytest.mark.parametrize(
    ("extra", "tasks"),
    [
        (
            "taskDefaults:\n  - type: io.kestra.plugin.core.log.Log\n    values: {level: INFO}\n",
            LOG,
        ),
        (
            "",
            "  - id: t\n    type: io.kestra.plugin.core.flow.ForEachItem\n    items: x\n"
            "    namespace: a\n    flowId: b\n",
        ),
        ("", "  - id: t\n    type: io.kestra.plugin.core.state.Set\n    data: {a: 1}\n"),
        (
            "",
            "  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
            "    message: \"{{ json('{}') }}\"\n",
        ),
        ("inputs:\n  - id: flag\n    type: BOOLEAN\n", LOG),
    ],
)
def test_removed_in_kestra_2(extra: str, tasks: str) -> None:
    assert "removed-in-kestra-2" in rules_of(flow(tasks, extra), TWO)
    # ...and only with a 2.x target: these all work on the 1.x lines.
    assert "removed-in-kestra-2" not in rules_of(flow(tasks, extra))


@pytest.mark.parametrize(
    "extra",
    [
        "listeners:\n  - tasks:\n      - id: l\n        type: io.kestra.plugin.core.log.Log\n"
        "        message: x\n",
        "inputs:\n  - name: old\n    type: STRING\n",
    ],
)
def test_what_the_migration_guide_does_not_list_is_not_reported(extra: str) -> None:
    assert "removed-in-kestra-2" not in rules_of(flow(LOG, extra), TWO)


def test_from_json_is_the_replacement() -> None:
    text = flow(
        "  - id: t\n    type: io.kestra.plugin.core.log.Log\n"
        "    message: \"{{ fromJson('{}') }}\"\n"
    )
    assert rules_of(text) == []


def test_api_paths_with_a_tenant_pass() -> None:
    text = flow(
        "  - id: r\n    type: io.kestra.plugin.core.http.Request\n"
        "    uri: http://kestra:8080/api/v1/main/executions/search\n"
        "  - id: c\n    type: io.kestra.plugin.core.http.Request\n"
        "    uri: http://kestra:8080/api/v1/configs\n"
    )
    assert rules_of(text, TWO) == []


# Files ---------------------------------------------------------------------------------
def test_non_flow_yaml_is_skipped_with_an_info_line() -> None:
    for text, kind in [
        ("id: my_app\ntype: io.kestra.plugin.ee.apps.Execution\nnamespace: a\nflowId: b\n", "app"),
        ("id: d\ntitle: Overview\ncharts:\n  - id: c\n    type: x\n", "dashboard"),
        ("services:\n  db:\n    image: postgres:16\n", "Compose"),
        ("just some text\n", "single value"),
        ("- a\n- b\n", "a list"),
    ]:
        found = lint(text)
        assert [d.rule for d in found] == ["not-a-flow"], text
        assert found[0].severity is Severity.INFO and kind in found[0].message


def test_yaml_syntax_hints() -> None:
    (found,) = lint("id: x\nnamespace: a\ntasks:\n\t- id: y\n")
    assert found.rule == "yaml-syntax" and "tabs" in found.message
    (found,) = lint("id: x\nnamespace: a\ndescription: Note: this breaks\ntasks: []\n")
    assert found.rule == "yaml-syntax" and "quotes" in found.message
    assert (found.line, found.column) == (3, 18)


def test_billion_laughs_stops() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 9)]
    found = lint("\n".join(lines) + "\nid: x\nnamespace: a\ntasks: *a8\n")
    assert [d.rule for d in found] == ["yaml-too-complex"]


# Networking: the task-container trap ----------------------------------------------------
def script_task(body: str, runner: str = "") -> str:
    return (
        "  - id: call\n    type: io.kestra.plugin.scripts.python.Script\n"
        + runner
        + "    script: |\n"
        + "".join(f"      {line}\n" for line in body.splitlines())
    )


DOCKER = "    taskRunner:\n      type: io.kestra.plugin.scripts.runner.docker.Docker\n"
PROCESS = "    taskRunner:\n      type: io.kestra.plugin.core.runner.Process\n"


@pytest.mark.parametrize(
    "call",
    [
        'requests.get("http://localhost:8080/api/v1/main/flows/search")',
        'requests.get("http://127.0.0.1:8080/health")',
        'requests.get("http://kestra:8080/api/v1/main/flows/search")',
        'psycopg.connect("postgresql://app@postgres:5432/app")',
        'psycopg.connect(host="postgres", dbname="kestra")',
        'db = "postgres:5432"',
    ],
)
@pytest.mark.parametrize("runner", ["", DOCKER], ids=["default-runner", "explicit-docker"])
def test_docker_task_containers_cannot_reach_these(call: str, runner: str) -> None:
    found = only(flow(script_task(call, runner)), "docker-runner-localhost")
    assert len(found) == 1
    message = found[0].message
    assert "host.docker.internal" in message and "host-gateway" in message
    assert "networkMode" in message and "io.kestra.plugin.core.runner.Process" in message


@pytest.mark.parametrize(
    "call",
    [
        'requests.get("http://localhost:8080/api/v1/main/flows/search")',
        'requests.get("http://kestra:8080/api/v1/main/flows/search")',
    ],
)
def test_the_process_runner_is_inside_the_kestra_container(call: str) -> None:
    assert rules_of(flow(script_task(call, PROCESS))) == []


@pytest.mark.parametrize(
    "code",
    [
        "from kestra import Kestra\nimport requests",
        "subprocess.run(['pip', 'install', 'kestra'])",
        "image = 'postgres:16'",
        "url = 'https://kestra.io/docs'",
        "print('admin@kestra.io')",
        "requests.get('https://hub.docker.com/v2/repositories/kestra/kestra/')",
    ],
)
def test_words_that_only_look_like_hosts(code: str) -> None:
    assert rules_of(flow(script_task(code))) == []


def test_plugin_defaults_choose_the_runner() -> None:
    defaults = (
        "pluginDefaults:\n  - type: io.kestra.plugin.scripts\n    values:\n"
        "      taskRunner:\n        type: io.kestra.plugin.core.runner.Process\n"
    )
    text = flow(script_task('requests.get("http://localhost:8080")')) + defaults
    assert "docker-runner-localhost" not in rules_of(text)
    # ...unless the task sets its own runner, which wins over a default.
    text = flow(script_task('requests.get("http://localhost:8080")', DOCKER)) + defaults
    assert "docker-runner-localhost" in rules_of(text)


def test_forced_plugin_defaults_win_over_the_task() -> None:
    defaults = (
        "pluginDefaults:\n  - type: io.kestra.plugin.scripts.python.Script\n    forced: true\n"
        "    values:\n      taskRunner:\n        type: io.kestra.plugin.core.runner.Process\n"
    )
    text = flow(script_task('requests.get("http://localhost:8080")', DOCKER)) + defaults
    assert "docker-runner-localhost" not in rules_of(text)


def test_network_mode_on_the_compose_network() -> None:
    runner = DOCKER + "      networkMode: myproj_default\n"
    assert rules_of(flow(script_task('get("http://kestra:8080/api/v1/main/flows")', runner))) == []
    # localhost is still the task's own container there.
    found = rules_of(flow(script_task('get("http://localhost:8080")', runner)))
    assert found == ["docker-runner-localhost"]


def test_network_mode_from_the_runner_s_plugin_defaults() -> None:
    defaults = (
        "pluginDefaults:\n  - type: io.kestra.plugin.scripts.runner.docker.Docker\n"
        "    values:\n      networkMode: myproj_default\n"
    )
    text = flow(script_task('get("http://kestra:8080/api/v1/main/flows")')) + defaults
    assert "docker-runner-localhost" not in rules_of(text)


def test_host_network_mode() -> None:
    runner = DOCKER + "      networkMode: host\n"
    assert rules_of(flow(script_task('get("http://localhost:8080")', runner))) == []
    found = only(flow(script_task('get("http://kestra:8080")', runner)), "docker-runner-localhost")
    assert found and "networkMode: host" in found[0].message


def test_host_gateway_needs_extra_hosts() -> None:
    call = 'get("http://host.docker.internal:8080/api/v1/main/flows")'
    assert rules_of(flow(script_task(call))) == ["docker-runner-host-gateway"]
    runner = DOCKER + '      extraHosts: ["host.docker.internal:host-gateway"]\n'
    assert rules_of(flow(script_task(call, runner))) == []


def test_urls_in_commands_env_input_files_and_variables() -> None:
    tasks = (
        "  - id: sh\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    commands:\n      - curl http://localhost:8080/health\n"
        "  - id: env\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    env:\n      DB: postgresql://app@postgres:5432/app\n    commands: [./run.sh]\n"
        "  - id: files\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        "    inputFiles:\n      config.ini: |\n        host = 127.0.0.1\n"
        "    commands: [./run.sh]\n"
        "  - id: var\n    type: io.kestra.plugin.scripts.shell.Commands\n"
        '    env:\n      API: "{{ vars.api }}"\n    commands: [./run.sh]\n'
    )
    found = only(
        flow(tasks, "variables:\n  api: http://kestra:8080/api/v1/main\n"),
        "docker-runner-localhost",
    )
    # (line, task): the `var` task's finding points at the variable it reads.
    assert [(d.line, d.message.split("`")[1]) for d in found] == [
        (4, "var"),
        (9, "sh"),
        (13, "env"),
        (19, "files"),
    ]


def test_compose_services_of_the_project(tmp_path: Path) -> None:
    from kestra_init.flows.lint_context import context_for_project

    (tmp_path / "docker-compose.yml").write_text(
        "name: shop\nservices:\n  kestra:\n    image: kestra/kestra:v1.3\n"
        "  warehouse:\n    image: postgres:16\n"
    )
    context = context_for_project(tmp_path)
    assert context.compose_network == "shop_default"
    text = flow(script_task('connect("postgresql://u@warehouse:5432/db")'))
    found = only(text, "docker-runner-localhost", context)
    assert found and "networkMode: shop_default" in found[0].message
    assert only(text, "docker-runner-localhost") == []  # unknown service without the project


def test_server_plugin_defaults_from_the_compose_file(tmp_path: Path) -> None:
    from kestra_init.flows.lint_context import context_for_project

    (tmp_path / "docker-compose.yml").write_text(
        "services:\n  kestra:\n    environment:\n      KESTRA_CONFIGURATION: |\n"
        "        kestra:\n          plugins:\n            defaults:\n"
        "              - type: io.kestra.plugin.scripts\n                values:\n"
        "                  taskRunner:\n"
        "                    type: io.kestra.plugin.core.runner.Process\n"
    )
    context = context_for_project(tmp_path)
    assert context.server_plugin_defaults == (
        PluginDefault(
            "io.kestra.plugin.scripts",
            {"taskRunner": {"type": "io.kestra.plugin.core.runner.Process"}},
        ),
    )
    assert rules_of(flow(script_task('get("http://localhost:8080")')), context) == []


def test_broken_compose_file_falls_back_to_defaults(tmp_path: Path) -> None:
    from kestra_init.flows.lint_context import DEFAULT_SERVICES, context_for_project

    (tmp_path / "docker-compose.yml").write_text("services: [\n")
    assert context_for_project(tmp_path).service_names == DEFAULT_SERVICES


def test_jvm_scripts_run_inside_kestra() -> None:
    text = flow(
        "  - id: g\n    type: io.kestra.plugin.scripts.groovy.Eval\n"
        "    script: new URL('http://localhost:8080/health').text\n"
    )
    assert rules_of(text) == []


def test_the_docker_run_task_is_a_container_too() -> None:
    task = (
        "  - id: run\n    type: io.kestra.plugin.docker.Run\n    containerImage: curlimages/curl\n"
        "    commands: [curl, http://localhost:8080/health]\n"
    )
    assert rules_of(flow(task)) == ["docker-runner-localhost"]
    on_host = task + "    networkMode: host\n"
    assert rules_of(flow(on_host)) == []


def test_a_service_name_given_as_a_host_variable() -> None:
    task = (
        "  - id: load\n    type: io.kestra.plugin.scripts.python.Commands\n"
        "    env:\n      DB_HOST: postgres\n      DB_NAME: postgres\n"
        "    commands: [python load.py]\n"
    )
    (found,) = only(flow(task), "docker-runner-localhost")
    assert found.line == 7  # DB_HOST, not DB_NAME


def test_for_each_item_outputs_are_readable() -> None:
    text = flow(
        "  - id: each\n    type: io.kestra.plugin.core.flow.ForEachItem\n    items: x\n"
        "    namespace: a\n    flowId: b\n"
        "  - id: log\n    type: io.kestra.plugin.core.log.Log\n"
        '    message: "{{ outputs.each_merge.subflowOutputs }}"\n'
    )
    assert "expression-unknown-task" not in rules_of(text)


def test_odd_compose_configuration_is_ignored(tmp_path: Path) -> None:
    from kestra_init.flows.lint_context import context_for_project

    for environment in (
        "      KESTRA_CONFIGURATION: 'kestra: just text'\n",
        "      KESTRA_CONFIGURATION: '[unclosed'\n",
        "      - KESTRA_CONFIGURATION=kestra:\n",
        "      KESTRA_CONFIGURATION: 42\n",
    ):
        (tmp_path / "docker-compose.yml").write_text(
            "services:\n  kestra:\n    environment:\n" + environment
        )
        assert context_for_project(tmp_path).server_plugin_defaults == ()
