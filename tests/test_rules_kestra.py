"""Kestra's own semantics: what it accepts (no false error) and what it refuses (a finding).

Each case has a flow Kestra takes and one it refuses or that fails at run time,
written for this test; the Kestra source each follows is cited in the rule.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.flows.diagnostics import Diagnostic
from kestra_init.flows.lint import lint_text
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.target import parse_target


def lint(text: str, target: str = "", **context: object) -> list[Diagnostic]:
    made = LintContext(**context)  # type: ignore[arg-type]
    if target:
        made = LintContext(target=parse_target(target), **context)  # type: ignore[arg-type]
    return lint_text(Path("flows/case.yml"), text, made).diagnostics


def rules(text: str, target: str = "", **context: object) -> list[str]:
    return [d.rule for d in lint(text, target, **context)]


def flow(tasks: str, extra: str = "", flow_id: str = "case") -> str:
    return f"id: {flow_id}\nnamespace: company.team\n{extra}tasks:\n{tasks}"


def log(task_id: str, message: str) -> str:
    return f'  - id: {task_id}\n    type: io.kestra.plugin.core.log.Log\n    message: "{message}"\n'


# False errors that are gone ---------------------------------------------------------
SUBFLOW = (
    "  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n    namespace: company.team\n"
    '    flowId: child\n    outputs:\n      rows: "{{ outputs.child_task.value }}"\n'
)


def test_a_subflow_s_outputs_name_the_called_flow_s_tasks() -> None:
    assert rules(flow(SUBFLOW)) == []
    # The same expression anywhere else of this flow names a task it does not have.
    assert rules(flow(SUBFLOW + log("after", "{{ outputs.child_task.value }}"))) == [
        "expression-unknown-task"
    ]


FLOW_TRIGGER = (
    "triggers:\n  - id: after_load\n    type: io.kestra.plugin.core.trigger.Flow\n"
    '    inputs:\n      rows: "{{ outputs.upstream_task.value }}"\n'
    '      region: "{{ inputs.upstream_region }}"\n'
    "    preconditions:\n      id: loaded\n      flows:\n        - namespace: company.team\n"
    "          flowId: load\n          states: [SUCCESS]\n"
)


def test_a_flow_trigger_s_inputs_name_the_upstream_execution() -> None:
    assert rules(flow(log("hello", "hi")) + FLOW_TRIGGER) == []
    schedule = FLOW_TRIGGER.replace("trigger.Flow", "trigger.Schedule").split("    preconditions")[
        0
    ]
    found = rules(flow(log("hello", "hi")) + schedule + '    cron: "@daily"\n')
    assert "expression-unknown-task" in found and "expression-unknown-input" in found


@pytest.mark.parametrize(
    "expression",
    [
        "{{ outputs.maybe.value ?? 'n/a' }}",
        "{{ outputs.maybe ??? 'n/a' }}",
        "{{ (outputs.maybe.value) ?? 'n/a' }}",
        "{{ outputs.maybe.value | upper ?? 'n/a' }}",
        "{{ outputs.maybe.value | default('n/a') }}",
        "{{ inputs.maybe is defined ? inputs.maybe : 'n/a' }}",
        "{% if vars.maybe is not defined %}none{% endif %}",
    ],
)
def test_a_fallback_makes_an_undefined_name_fine(expression: str) -> None:
    assert rules(flow(log("t", expression))) == []


@pytest.mark.parametrize(
    "expression",
    [
        "{{ outputs.maybe.value }}",
        "{{ 'n/a' ?? outputs.maybe.value }}",  # the right side is evaluated when used
        "{{ outputs.maybe.value | upper }}",
    ],
)
def test_without_a_fallback_an_undefined_name_is_reported(expression: str) -> None:
    assert rules(flow(log("t", expression))) == ["expression-unknown-task"]


DOTTED = "inputs:\n  - id: user.name\n    type: STRING\n    defaults: Ada\n"


@pytest.mark.parametrize("expression", ["{{ inputs.user.name }}", "{{ inputs.user }}"])
def test_dotted_input_ids_nest(expression: str) -> None:
    assert rules(flow(log("t", expression), DOTTED)) == []


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("{{ inputs.user.nmae }}", "Did you mean `user.name`?"),
        ("{{ inputs['user.name'] }}", "Write that instead"),
        ("{{ inputs.usr }}", "Did you mean `user`?"),
    ],
)
def test_a_dotted_path_that_no_input_has(expression: str, words: str) -> None:
    (found,) = lint(flow(log("t", expression), DOTTED))
    assert found.rule == "expression-unknown-input" and words in found.message


def test_a_value_inside_an_input_is_not_an_input() -> None:
    json_input = "inputs:\n  - id: config\n    type: JSON\n    defaults: '{\"a\": 1}'\n"
    assert rules(flow(log("t", "{{ inputs.config.a.b }}"), json_input)) == []


def script(line: str, runner: str = "") -> str:
    return (
        "  - id: load\n    type: io.kestra.plugin.scripts.python.Script\n"
        + runner
        + f"    script: |\n      {line}\n"
    )


def test_the_user_of_a_url_is_not_a_host() -> None:
    services = frozenset({"kestra", "postgres", "db"})
    ok = 'psycopg.connect("postgresql://postgres:secret@warehouse.example.com/taxi")'
    assert "docker-runner-localhost" not in rules(flow(script(ok)), service_names=services)
    wrong = 'psycopg.connect("postgresql://postgres:secret@postgres:5432/taxi")'
    found = [d for d in lint(flow(script(wrong)), service_names=services) if "docker" in d.rule]
    assert [d.rule for d in found] == ["docker-runner-localhost"]
    assert found[0].column == 53  # the host, after the @


ANSIBLE = (
    "  - id: play\n    type: io.kestra.plugin.ansible.cli.AnsibleCLI\n"
    "    containerImage: cytopia/ansible\n    inputFiles:\n      inventory.ini: |\n"
    "        localhost ansible_connection=local\n"
    "    commands:\n      - ansible-playbook -i inventory.ini play.yml\n"
)


def test_localhost_meant_as_the_task_container_itself() -> None:
    assert rules(flow(ANSIBLE)) == []
    without = ANSIBLE.replace(" ansible_connection=local", " ansible_user=root")
    assert rules(flow(without)) == ["docker-runner-localhost"]


def test_localhost_only_as_a_fallback_is_not_a_call() -> None:
    fallback = "requests.get(\"http://{{ inputs.host ?? 'localhost' }}:8080\")"
    text = flow(script(fallback), "inputs:\n  - id: host\n    type: STRING\n    required: false\n")
    assert rules(text) == []
    assert rules(flow(script('requests.get("http://localhost:8080")'))) == [
        "docker-runner-localhost"
    ]


DAILY_REGION = (
    "inputs:\n  - id: region\n    type: STRING\n"
    "  - id: detail\n    type: STRING\n    required: false\n"
)


def schedule(extra: str = "") -> str:
    return (
        "triggers:\n  - id: daily\n    type: io.kestra.plugin.core.trigger.Schedule\n"
        f'    cron: "@daily"\n{extra}'
    )


def test_a_disabled_schedule_starts_no_run_on_1x() -> None:
    assert rules(flow(log("t", "hi"), DAILY_REGION) + schedule("    disabled: true\n")) == []
    (found,) = lint(flow(log("t", "hi"), DAILY_REGION) + schedule())
    assert found.rule == "trigger-input-missing"
    assert "Kestra 1.x accepts the flow, but every scheduled run fails" in found.message
    assert "`region`" in found.message and "`detail`" not in found.message


def test_an_input_switched_off_by_depends_on_is_not_required_on_1x() -> None:
    depends = DAILY_REGION.replace(
        "  - id: detail", "    dependsOn:\n      inputs: [detail]\n  - id: detail"
    )
    assert rules(flow(log("t", "hi"), depends) + schedule()) == []


def test_on_2_0_every_input_without_a_default_must_be_given() -> None:
    text = flow(log("t", "hi"), DAILY_REGION) + schedule("    disabled: true\n")
    (found,) = [d for d in lint(text, "2.0") if d.rule == "trigger-input-missing"]
    assert "Kestra 2.0 refuses this flow when it is saved" in found.message
    assert "'region | detail'" in found.message
    given = schedule("    inputs:\n      region: eu\n      detail: x\n")
    assert "trigger-input-missing" not in rules(flow(log("t", "hi"), DAILY_REGION) + given, "2.0")


# Checks Kestra applies that were missing ----------------------------------------------
def dag(depends_first: str = "", depends_second: str = "[extract]") -> str:
    return (
        "  - id: steps\n    type: io.kestra.plugin.core.flow.Dag\n    tasks:\n"
        "      - task:\n          id: extract\n          type: io.kestra.plugin.core.log.Log\n"
        f"          message: e\n{depends_first}"
        "      - task:\n          id: load\n          type: io.kestra.plugin.core.log.Log\n"
        f"          message: l\n        dependsOn: {depends_second}\n"
    )


def test_dag_dependencies() -> None:
    assert rules(flow(dag())) == []
    # A task outside the Dag does not count: Dag.dagCheckNotExistTask looks at its own tasks.
    outside = flow(log("before", "b") + dag(depends_second="[before]"))
    (found,) = lint(outside)
    assert found.rule == "dag-dependency-unknown" and "`before`" in found.message
    cycle = flow(dag(depends_first="        dependsOn: [load]\n"))
    (found,) = lint(cycle)
    assert found.rule == "dag-dependency-cycle"
    assert "extract -> load -> extract" in found.message


PRECONDITIONS = (
    "  - id: {id}\n    type: io.kestra.plugin.core.trigger.Flow\n    preconditions:\n"
    "      id: {key}\n      flows:\n        - namespace: company.team\n"
    "          flowId: {upstream}\n          states: [SUCCESS]\n"
)


def two_flow_triggers(first: str, second: str) -> str:
    return (
        flow(log("t", "hi"))
        + "triggers:\n"
        + PRECONDITIONS.format(id="a", key=first, upstream="one")
        + PRECONDITIONS.format(id="b", key=second, upstream="two")
    )


def test_two_flow_triggers_with_one_preconditions_id() -> None:
    assert rules(two_flow_triggers("same", "same")) == ["trigger-preconditions-duplicate"]
    assert rules(two_flow_triggers("one_done", "two_done")) == []
    # Kestra 1.0 did not check it yet (the check came with 1.1).
    assert rules(two_flow_triggers("same", "same"), "1.0") == []


def string_input(extra: str, kind: str = "STRING") -> str:
    return f"inputs:\n  - id: code\n    type: {kind}\n{extra}"


@pytest.mark.parametrize(
    "pattern",
    [r"^[A-Z]{3}-\d+$", r"(?<year>\d{4})-\d\d", r"\p{L}+", r"abc(?i)def", r"\Q(a)\E", "C++"],
)
def test_validators_java_accepts(pattern: str) -> None:
    text = flow(log("t", "hi"), string_input(f"    validator: '{pattern}'\n    defaults: ABC-1\n"))
    assert rules(text) == []


@pytest.mark.parametrize("pattern", ["^([A-Z]+$", "[a-z", "*abc", r"\y", "a{3,1}"])
def test_validators_java_refuses(pattern: str) -> None:
    text = flow(log("t", "hi"), string_input(f"    validator: '{pattern}'\n    defaults: x\n"))
    assert rules(text) == ["input-validator-invalid"]


def test_select_options_are_regular_expressions_too() -> None:
    options = "    values: ['C++', 'Node (v18)', '*nix']\n    defaults: C++\n"
    (found,) = lint(flow(log("t", "hi"), string_input(options, "SELECT")))
    assert found.rule == "input-validator-invalid" and "`*nix`" in found.message
    fine = "    values: ['C++', 'Node (v18)', 'unix']\n    defaults: C++\n"
    assert rules(flow(log("t", "hi"), string_input(fine, "SELECT"))) == []


SWITCH = (
    "  - id: route\n    type: io.kestra.plugin.core.flow.Switch\n    value: '{{ inputs.kind }}'\n"
    "    cases:\n      csv:\n" + log("read", "csv").replace("  - ", "        - ", 1)
)
KIND = "inputs:\n  - id: kind\n    type: STRING\n    defaults: csv\n"


def indent(text: str, spaces: int) -> str:
    return "".join(" " * spaces + line + "\n" for line in text.splitlines())


def test_empty_branches() -> None:
    filled = SWITCH.replace(
        '        - id: read\n    type: io.kestra.plugin.core.log.Log\n    message: "csv"\n',
        indent('- id: read\n  type: io.kestra.plugin.core.log.Log\n  message: "csv"', 8),
    )
    assert rules(flow(filled, KIND)) == []
    found = lint(flow(filled + "      json: []\n    defaults: []\n", KIND))
    assert [d.rule for d in found] == ["task-children-empty", "task-children-empty"]
    assert "never ends" in found[0].message
    # A case with no task is still a case to Kestra (SwitchTaskValidator): accepted,
    # and it hangs; with no case and no default at all, Kestra refuses the Switch.
    bare = "  - id: route\n    type: io.kestra.plugin.core.flow.Switch\n    value: x\n"
    assert rules(flow(bare + "    cases:\n      a: []\n")) == ["task-children-empty"]
    assert rules(flow(bare + "    cases: {}\n")) == ["task-property-missing"]


def test_a_listener_without_tasks_is_refused() -> None:
    assert rules(flow(log("t", "hi"), "listeners:\n  - tasks: []\n")) == ["task-children-empty"]
    listener = "listeners:\n  - tasks:\n" + indent(log("l", "x"), 4)
    assert rules(flow(log("t", "hi"), listener)) == []


def subflow(namespace: str, flow_id: str) -> str:
    return (
        f"  - id: call\n    type: io.kestra.plugin.core.flow.Subflow\n"
        f"    namespace: {namespace}\n    flowId: {flow_id}\n"
    )


def test_a_subflow_calling_its_own_flow() -> None:
    assert rules(flow(subflow("company.team", "case"))) == ["subflow-recursive"]
    assert rules(flow(subflow("company.other", "case"))) == []
    assert rules(flow(subflow("company.team", "'{{ flow.id }}'"))) == []


WORKDIR = "  - id: work\n    type: io.kestra.plugin.core.flow.WorkingDirectory\n    tasks:\n"


def test_working_directory_children() -> None:
    assert rules(flow(WORKDIR + indent(log("a", "x"), 4))) == []
    nested_if = (
        "- id: check\n  type: io.kestra.plugin.core.flow.If\n  condition: '{{ true }}'\n"
        "  then:\n" + indent(log("b", "x"), 2)
    )
    found = lint(flow(WORKDIR + indent(nested_if, 4)))
    assert [d.rule for d in found] == ["working-directory-child"]
    assert "If" in found[0].message
    grouped = indent(log("a", "x") + "    workerGroup:\n      key: gpu\n", 4)
    assert "working-directory-child" in rules(flow(WORKDIR + grouped))


def test_worker_group_is_enterprise_only() -> None:
    grouped = log("a", "x") + "    workerGroup:\n      key: gpu\n"
    (found,) = lint(flow(grouped))
    assert found.rule == "worker-group-ignored" and "Kestra 1.3 accepts it" in found.message
    assert rules(flow(grouped), "1.3-ee") == []


def test_task_assets_are_enterprise_only() -> None:
    assets = log("a", "x") + "    assets:\n      inputs:\n        - id: orders\n"
    (found,) = lint(flow(assets))
    assert found.rule == "assets-enterprise-only" and "Enterprise Edition" in found.message
    (found,) = lint(flow(assets), "1.1")
    assert "refuses it as unknown" in found.message
    assert rules(flow(assets), "1.3-ee") == []


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        ("labels:\n  team: data\n", []),
        ("labels:\n  system.readOnly: 'true'\n", []),
        ("labels:\n  system.correlationId: x\n", ["label-system-key"]),
        ("labels:\n  - key: system.username\n    value: me\n", ["label-system-key"]),
    ],
)
def test_system_labels_on_the_flow(labels: str, expected: list[str]) -> None:
    assert rules(flow(log("t", "hi"), labels)) == expected


def test_a_trigger_may_not_set_even_system_read_only() -> None:
    trigger = schedule("    labels:\n      system.readOnly: 'true'\n")
    assert rules(flow(log("t", "hi")) + trigger) == ["label-system-key"]


@pytest.mark.parametrize(
    ("extra", "target", "expected"),
    [
        ("    defaults: x\n    required: false\n", "1.3", ["input-defaults-conflict"]),
        ("    defaults: x\n    required: false\n", "1.0", []),
        ("    defaults: x\n    prefill: y\n", "1.1", ["input-defaults-conflict"]),
        ("    prefill: y\n", "1.3", []),
        ("    prefill: y\n", "1.0", ["input-defaults-conflict"]),
        ("    defaults: x\n", "1.3", []),
    ],
)
def test_defaults_with_required_false_or_prefill(
    extra: str, target: str, expected: list[str]
) -> None:
    assert rules(flow(log("t", "hi"), string_input(extra)), target) == expected


@pytest.mark.parametrize(
    "variables",
    [
        "  maxToken: 2048\n",
        '  maxTokens: "4096"\n',
        "  GOOGLE_APPLICATION_CREDENTIALS: sa.json\n",
        "  credentials: /secrets/service-account.json\n",
        "  password: ${DB_PASSWORD}\n",
        "  token_count: 12\n",
        "  serviceAccount: loader@my-project.iam.gserviceaccount.com\n",
    ],
)
def test_numbers_counts_and_paths_are_not_credentials(variables: str) -> None:
    assert rules(flow(log("t", "hi"), "variables:\n" + variables)) == []


def test_file_inputs_may_default_to_a_file_uri() -> None:
    for uri in ("nsfile:///data/orders.csv", "file:///tmp/orders.csv"):
        assert rules(flow(log("t", "hi"), string_input(f"    defaults: {uri}\n", "FILE"))) == []
    found = rules(flow(log("t", "hi"), string_input("    defaults: orders.csv\n", "FILE")))
    assert found == ["input-file-defaults"]


# The 2.0 report -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "words"),
    [
        (flow(log("t", "{{ outputs | json }}")), "`| json` filter"),
        (flow(log("t", "{{ execution.state == 'CANCELED' }}")), "CANCELLED"),
        (
            flow("  - id: clean\n    type: io.kestra.plugin.fs.local.Delete\n    from: /tmp/x\n"),
            "recursive",
        ),
        (flow(log("t", "hi"), "workerGroup:\n  key: gpu\n"), "workerSelector"),
        (flow(log("t", "hi"), "checks:\n  - condition: '{{ true }}'\n"), "`when`"),
        (
            flow(log("t", "hi"))
            + schedule("    conditions:\n      - type: io.kestra.plugin.core.condition.Weekend\n"),
            "`when` expression",
        ),
    ],
)
def test_the_2_0_report_follows_the_migration_guide(text: str, words: str) -> None:
    found = [d for d in lint(text, "2.0") if d.rule == "removed-in-kestra-2"]
    assert found and words in found[0].message
    assert "removed-in-kestra-2" not in rules(text)
