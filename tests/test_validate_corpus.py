"""Real flows: the course's (valid Kestra 1.x flows) and the ones `kestra-init new` writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from kestra_init.flows.diagnostics import Severity
from kestra_init.flows.lint import validate_paths
from kestra_init.flows.lint_context import LintContext
from kestra_init.flows.target import DEFAULT_TARGET, parse_target
from tests.helpers import json_data


def course_dir(shared_dir: Path) -> Path:
    return shared_dir / "corpus" / "flows" / "course"


def test_every_course_flow_passes_without_an_error(shared_dir: Path) -> None:
    folder = course_dir(shared_dir)
    files = sorted(folder.glob("*.yaml"))
    assert len(files) >= 12
    result = validate_paths([folder])
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert errors == []
    assert len(result.files_checked) == len(files)
    assert len(result.flow_documents) == len(files)


def test_course_flows_give_no_warning_with_the_default_target(shared_dir: Path) -> None:
    result = validate_paths([course_dir(shared_dir)])
    assert result.target == DEFAULT_TARGET
    assert [d for d in result.diagnostics if d.severity is not Severity.INFO] == []
    # What remains are notes: the local stack's passwords written in the flows.
    found = {(d.path.name, d.rule) for d in result.diagnostics}
    assert found == {
        ("02_python_get_flows.yaml", "plaintext-credential-simple"),
        ("04_postgres_taxi.yaml", "plaintext-credential-simple"),
        ("05_postgres_taxi_scheduled.yaml", "plaintext-credential-simple"),
    }


def test_course_flows_with_the_2_0_report(shared_dir: Path) -> None:
    """With --target 2.0 the report lists what Kestra's migration guide says to change."""
    context = LintContext(target=parse_target("2.0"))
    result = validate_paths([course_dir(shared_dir)], context=context)
    found = {(d.path.name, d.rule) for d in result.diagnostics if d.severity is not Severity.INFO}
    # pluginDefaults load on 1.x but not on 2.0.
    assert ("01_hello_world.yaml", "removed-in-kestra-2") in found
    # The learner's API flow calls the API path without the tenant segment, which
    # 1.x aliases to `main` and 2.0 no longer answers.
    assert ("02_python_get_flows.yaml", "kestra-api-path-without-tenant") in found
    assert {rule for _, rule in found} == {"removed-in-kestra-2", "kestra-api-path-without-tenant"}
    assert result.errors == 0


def test_the_api_flow_reaches_kestra_the_right_way(shared_dir: Path, tmp_path: Path) -> None:
    """02_python_get_flows calls Kestra from a Docker task container through
    host.docker.internal with extraHosts host-gateway: no networking finding. Take
    the extraHosts away, or call localhost instead, and the linter speaks up."""
    source = (course_dir(shared_dir) / "02_python_get_flows.yaml").read_text()
    rules = {d.rule for d in validate_paths([course_dir(shared_dir)]).diagnostics}
    assert not rules & {"docker-runner-localhost", "docker-runner-host-gateway"}

    without_extra_hosts = source.replace(
        'extraHosts:\n        - "host.docker.internal:host-gateway"', ""
    )
    assert without_extra_hosts != source
    (tmp_path / "a.yaml").write_text(without_extra_hosts)
    found = [d.rule for d in validate_paths([tmp_path / "a.yaml"]).diagnostics]
    assert "docker-runner-host-gateway" in found

    with_localhost = source.replace("host.docker.internal:8080", "localhost:8080")
    (tmp_path / "b.yaml").write_text(with_localhost)
    found = [d.rule for d in validate_paths([tmp_path / "b.yaml"]).diagnostics]
    assert "docker-runner-localhost" in found


@pytest.mark.parametrize("task_runner", ["docker", "process"])
def test_generated_project_flows_pass(cli, template_cache_env, tmp_path: Path, task_runner: str):
    project = tmp_path / "demo"
    created = cli(
        "new",
        "--defaults",
        "--no-git",
        "--data",
        f"task_runner={task_runner}",
        project,
        env=template_cache_env,
    )
    assert created.returncode == 0, created.stderr
    assert sorted(p.name for p in (project / "flows").glob("*.yml"))  # it wrote flows
    # --strict: a fresh project has no warning either (its plugin defaults are 1.x's).
    result = cli("validate", "--strict", "--format", "json", cwd=project, env=template_cache_env)
    assert result.returncode == 0, result.stdout

    data = json_data(result.stdout, "validate")
    assert data["summary"] == {"errors": 0, "warnings": 0, "infos": 0}
    assert data["target"] == "1.3"  # the line the project pins
    assert data["flows"] == len(list((project / "flows").glob("*.yml")))
