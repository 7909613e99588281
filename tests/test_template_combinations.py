"""Every combination of the template's choice answers renders a valid project.

database x task_runner x devcontainer x github_actions x every subset of
example_flows: 128 real Copier renders (in-process, through `new`'s own code,
without git), then batched schema checks (one check-jsonschema run per schema)
and `docker compose config` on every compose file.
"""

from __future__ import annotations

import base64
import itertools
import json
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from kestra_init.project.credentials import password_problem
from kestra_init.project.envfile import read_env
from tests.helpers import assert_owner_only

FLOW_FILES = {
    "hello_world": "flows/hello_world.yml",
    "python": "flows/python_outputs.yml",
    "api": "flows/kestra_api.yml",
}
FLOW_ID_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9._-]{0,99}$")
NAMESPACE_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,149}$")
TASK_ID_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9_-]*$")
NESTED_TASK_KEYS = ("tasks", "then", "else", "errors", "finally", "afterExecution", "defaults")


@dataclass(frozen=True)
class Render:
    answers: dict[str, Any]
    root: Path


def _combinations() -> list[dict[str, Any]]:
    subsets = [
        list(subset)
        for size in range(4)
        for subset in itertools.combinations(["hello_world", "python", "api"], size)
    ]
    return [
        {
            "database": database,
            "task_runner": runner,
            "devcontainer": devcontainer,
            "github_actions": actions,
            "example_flows": flows,
        }
        for database, runner, devcontainer, actions, flows in itertools.product(
            ["postgres", "h2"], ["docker", "process"], [True, False], [True, False], subsets
        )
    ]


def _as_data(answers: dict[str, Any]) -> list[str]:
    def text(value: Any) -> str:
        if isinstance(value, list):
            return ",".join(value)
        return str(value).lower() if isinstance(value, bool) else str(value)

    return [f"{key}={text(value)}" for key, value in answers.items()]


@pytest.fixture(scope="session")
def renders(tmp_path_factory: pytest.TempPathFactory) -> list[Render]:
    base = tmp_path_factory.mktemp("combinations")
    jobs = [(base, number, answers) for number, answers in enumerate(_combinations())]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(base / "cache"))  # inherited by the workers
        # Copier's render is CPU-bound Python: one worker process per CPU renders
        # them about twice as fast on two CPUs. A fresh interpreter per worker
        # ("spawn"), as forking a test process that may hold threads is unsafe.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=os.cpu_count() or 2, mp_context=context) as pool:
            return list(pool.map(_render_one, jobs, chunksize=8))


def _render_one(job: tuple[Path, int, dict[str, Any]]) -> Render:
    """One project, rendered by `new`'s own code (without git)."""
    from kestra_init.commands.new import create_project

    base, number, answers = job
    root = base / f"p{number:03d}"
    create_project(
        root,
        data=[*_as_data(answers), f"project_slug=combo-{number:03d}"],
        defaults=True,
        git=False,
        interactive=False,
    )
    return Render(answers, root)


def test_every_combination_renders_the_files_its_answers_ask_for(renders: list[Render]) -> None:
    assert len(renders) == 128
    for render in renders:
        answers, root = render.answers, render.root
        for flow, path in FLOW_FILES.items():
            assert (root / path).is_file() == (flow in answers["example_flows"]), (root, path)
        assert (root / ".devcontainer/devcontainer.json").is_file() == answers["devcontainer"]
        workflow = root / ".github/workflows/validate-flows.yml"
        assert workflow.is_file() == answers["github_actions"]
        for always in ("docker-compose.yml", ".env", ".env.example", "README.md", ".gitignore"):
            assert (root / always).is_file(), (root, always)
        if not answers["devcontainer"]:
            assert not (root / ".devcontainer").exists()
        if not answers["github_actions"]:
            assert not (root / ".github").exists()


def test_every_compose_file_passes_the_compose_spec_schema(renders: list[Render]) -> None:
    files = [str(r.root / "docker-compose.yml") for r in renders]
    _check_jsonschema("vendor.compose-spec", files)


def test_every_workflow_passes_the_github_workflows_schema(renders: list[Render]) -> None:
    files = [
        str(r.root / ".github/workflows/validate-flows.yml")
        for r in renders
        if r.answers["github_actions"]
    ]
    assert files
    _check_jsonschema("vendor.github-workflows", files)


def test_every_devcontainer_passes_the_dev_container_spec_schema(
    renders: list[Render], shared_dir: Path
) -> None:
    import jsonschema

    schema = json.loads(
        (shared_dir / "reference/schemas/devContainer.base.schema.json").read_text()
    )
    validator = jsonschema.Draft201909Validator(schema)
    checked = 0
    for render in renders:
        if not render.answers["devcontainer"]:
            continue
        document = json.loads(
            _strip_json_comments((render.root / ".devcontainer/devcontainer.json").read_text())
        )
        errors = [e.message for e in validator.iter_errors(document)]
        assert errors == [], (render.root, errors)
        port = str(read_env(render.root / ".env.example")["KESTRA_PORT"])
        assert document["forwardPorts"] == [int(port)]
        assert document["portsAttributes"][port]["label"] == "Kestra UI"
        assert document["portsAttributes"][port]["onAutoForward"] == "openBrowser"
        assert "ghcr.io/devcontainers/features/docker-in-docker:2" in document["features"]
        # Prebuild-ready: the install, the image pull and the flows check run in a step
        # a Codespaces prebuild runs (updateContentCommand); `up` only in the
        # attendee's own session (postStartCommand); nothing in the steps between.
        prebuild = document["updateContentCommand"]
        assert prebuild[:2] == ["/bin/sh", "-c"]
        assert 'pip install --user --upgrade "$0"' in prebuild[2]
        saved = yaml.safe_load((render.root / ".copier-answers.yml").read_text())
        assert prebuild[3] == saved["kestra_init_pip_spec"] and "kestra-init" in prebuild[3]
        assert prebuild[2].endswith("python3 -m kestra_init prepare")
        assert " up" not in prebuild[2]
        assert document["postStartCommand"] == "python3 -m kestra_init up"
        for step in ("onCreateCommand", "postCreateCommand", "postAttachCommand"):
            assert step not in document, step
        # The least machine that runs the stack: 2 cores (4 would double the quota used).
        assert document["hostRequirements"]["cpus"] == 2
        vscode = document["customizations"]["vscode"]
        assert "kestra-io.kestra" in vscode["extensions"]
        assert vscode["settings"]["kestra.api.url"] == f"http://localhost:{port}/api/v1"
        checked += 1
    assert checked == 64


def test_every_compose_file_passes_docker_compose_config(renders: list[Render]) -> None:
    problem = _compose_problem()
    if problem:
        pytest.skip(problem)

    def config(render: Render) -> tuple[Render, subprocess.CompletedProcess[str]]:
        return render, subprocess.run(
            ["docker", "compose", "config", "--format", "json"],
            cwd=render.root,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(config, renders))
    for render, result in results:
        assert result.returncode == 0, (render.root, result.stderr)
        model = json.loads(result.stdout)
        services = model["services"]
        expected = (
            {"kestra", "postgres"} if render.answers["database"] == "postgres" else {"kestra"}
        )
        assert set(services) == expected
        kestra = services["kestra"]
        assert re.fullmatch(r"kestra/kestra:v1\.\d+(\.\d+)?", kestra["image"])
        # Published on 127.0.0.1 only, from .env.
        assert {p["host_ip"] for p in kestra["ports"]} == {"127.0.0.1"}
        assert {p["published"] for p in kestra["ports"]} == {"8080", "8081"}
        assert kestra["user"] == "root"
        configuration = yaml.safe_load(kestra["environment"]["KESTRA_CONFIGURATION"])
        auth = configuration["kestra"]["server"]["basic-auth"]
        env = read_env(render.root / ".env")
        assert auth == {
            "username": env["KESTRA_ADMIN_EMAIL"],
            "password": env["KESTRA_ADMIN_PASSWORD"],
        }
        assert configuration["kestra"]["tutorial-flows"]["enabled"] is False
        database = render.answers["database"]
        assert configuration["kestra"]["repository"]["type"] == database
        assert configuration["kestra"]["queue"]["type"] == database
        # Never `server local`: it overrides this configuration (random management port).
        assert kestra["command"] == ["server", "standalone"]
        # SECRET inputs need the key; Kestra base64-decodes it to an AES-256 key.
        key = configuration["kestra"]["encryption"]["secret-key"]
        assert key == env["KESTRA_ENCRYPTION_KEY"] and len(base64.b64decode(key)) == 32
        # Compose waits longer than Kestra's own grace for running tasks.
        grace = configuration["kestra"]["server"]["terminationGracePeriod"]
        assert _seconds(grace) < _seconds(kestra["stop_grace_period"])
        mounts = {v["target"]: v.get("source") for v in kestra["volumes"]}
        assert "/app/storage" in mounts
        if database == "postgres":
            assert kestra["depends_on"]["postgres"]["condition"] == "service_healthy"
            assert re.fullmatch(r"postgres:\d+", services["postgres"]["image"])
            assert configuration["datasources"]["postgres"]["password"] == env["POSTGRES_PASSWORD"]
        else:
            # Kestra's own H2 URL (LocalCommand), its folder on a named volume.
            url = configuration["datasources"]["h2"]["url"]
            assert url.startswith("jdbc:h2:file:/app/data/database;")
            assert "LOCK_TIMEOUT=30000" in url and "DB_CLOSE_ON_EXIT=FALSE" in url
            assert mounts["/app/data"] == "kestra-db"
        assert model["name"] == render.root.name.replace("p", "combo-", 1)
        assert model["networks"]["default"]["name"] == f"{model['name']}_default"


def _seconds(duration: str | int | float) -> float:
    """Seconds in a Compose or Micronaut duration: 30s, 1m30s, 45 (Compose's JSON: ns)."""
    if isinstance(duration, (int, float)):
        return duration / 1e9
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", duration)
    assert parts, duration
    scale = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(number) * scale[unit] for number, unit in parts)


def test_compose_without_env_stops_with_a_message_that_says_what_to_do(
    renders: list[Render], tmp_path: Path
) -> None:
    problem = _compose_problem()
    if problem:
        pytest.skip(problem)
    project = tmp_path / "no-env"
    shutil.copytree(renders[0].root, project)
    (project / ".env").unlink()
    result = subprocess.run(
        ["docker", "compose", "config"], cwd=project, capture_output=True, text=True, check=False
    )
    assert result.returncode != 0
    assert "create .env first (kestra-init up writes one" in result.stderr


def test_every_flow_parses_with_valid_ids_namespace_and_unique_task_ids(
    renders: list[Render],
) -> None:
    for render in renders:
        namespace = yaml.safe_load((render.root / ".copier-answers.yml").read_text())["namespace"]
        for flow in render.answers["example_flows"]:
            path = render.root / FLOW_FILES[flow]
            document = yaml.safe_load(path.read_text())
            assert FLOW_ID_RE.match(document["id"]), path
            assert document["namespace"] == namespace
            assert NAMESPACE_RE.match(document["namespace"])
            task_ids = list(_task_ids(document["tasks"]))
            trigger_ids = [t["id"] for t in document.get("triggers", [])]
            ids = task_ids + trigger_ids
            assert len(ids) == len(set(ids)), (path, ids)
            assert all(TASK_ID_RE.match(i) for i in ids), (path, ids)
            _assert_runner(document, render.answers["task_runner"], path)


def test_every_fresh_project_passes_validate_strict(renders: list[Render]) -> None:
    # `kestra-init validate` runs in the generated CI workflow and before `up` loads
    # the flows; a CI that adopts --strict must be green on day one: no error, no
    # warning, for the Kestra line the project pins (as `validate --strict` runs).
    from kestra_init.commands.validate import validate_flows

    for render in renders:
        if not render.answers["example_flows"]:
            continue
        report = validate_flows([], strict=True, project_dir=render.root)
        diagnostics = [d.to_json() for d in report.result.diagnostics]
        assert report.result.exit_code == 0 and diagnostics == [], (render.answers, diagnostics)
        assert len(report.result.flow_documents) == len(render.answers["example_flows"])


def test_hello_world_shows_what_its_description_promises(renders: list[Render]) -> None:
    render = next(r for r in renders if "hello_world" in r.answers["example_flows"])
    flow = yaml.safe_load((render.root / FLOW_FILES["hello_world"]).read_text())
    assert flow["id"] == "hello_world"
    assert flow["inputs"][0]["id"] == "name" and flow["inputs"][0]["defaults"]
    types = [t["type"].rsplit(".", 1)[-1] for t in flow["tasks"]]
    assert sorted(types) == ["Log", "Log", "Log", "Return", "Sleep"]
    return_id = next(t["id"] for t in flow["tasks"] if t["type"].endswith("Return"))
    later_logs = flow["tasks"][[t["id"] for t in flow["tasks"]].index(return_id) + 1 :]
    assert any(f"outputs.{return_id}.value" in str(t.get("message")) for t in later_logs)
    assert "render(vars." in flow["tasks"][0]["message"]
    (trigger,) = flow["triggers"]
    assert trigger["type"] == "io.kestra.plugin.core.trigger.Schedule"
    assert trigger["cron"] == "0 10 * * *"
    assert flow["pluginDefaults"] == [
        {"type": "io.kestra.plugin.core.log.Log", "values": {"level": "ERROR"}}
    ]
    assert flow["concurrency"] == {"limit": 2, "behavior": "FAIL"}


def test_the_api_flow_reaches_kestra_where_its_runner_puts_it(renders: list[Render]) -> None:
    for render in renders:
        if "api" not in render.answers["example_flows"]:
            continue
        flow = yaml.safe_load((render.root / FLOW_FILES["api"]).read_text())
        task = flow["tasks"][0]
        assert task["env"]["KESTRA_USER"] == "{{ secret('KESTRA_USERNAME') }}"
        assert task["env"]["KESTRA_PASSWORD"] == "{{ secret('KESTRA_PASSWORD') }}"
        url = flow["variables"]["api_url"]
        assert url.endswith("/api/v1/main")
        if render.answers["task_runner"] == "docker":
            slug = yaml.safe_load((render.root / ".copier-answers.yml").read_text())["project_slug"]
            # The network docker-compose.yml names, where the service `kestra` resolves.
            assert task["taskRunner"]["networkMode"] == f"{slug}_default"
            assert url.startswith("http://kestra:8080/")
        else:
            assert url.startswith("http://localhost:8080/")


def test_secrets_live_in_env_only_with_mode_600(renders: list[Render]) -> None:
    for render in renders:
        env_path = render.root / ".env"
        assert_owner_only(env_path)
        env = read_env(env_path)
        assert password_problem(env["KESTRA_ADMIN_PASSWORD"]) is None
        secrets = [
            env["KESTRA_ADMIN_PASSWORD"],
            env["SECRET_KESTRA_PASSWORD"],
            env["KESTRA_ENCRYPTION_KEY"],
        ]
        if render.answers["database"] == "postgres":
            secrets.append(env["POSTGRES_PASSWORD"])
        for path in render.root.rglob("*"):
            if path.is_file() and path.name != ".env":
                text = path.read_text()
                assert not any(secret in text for secret in secrets), path
        example = read_env(render.root / ".env.example")
        assert example["KESTRA_ADMIN_PASSWORD"] == ""
        assert example["SECRET_KESTRA_PASSWORD"] == ""
        assert example["KESTRA_ENCRYPTION_KEY"] == ""
        answers = yaml.safe_load((render.root / ".copier-answers.yml").read_text())
        assert "admin_password" not in answers
        assert ".env" in (render.root / ".gitignore").read_text().splitlines()


def test_without_the_docker_cli_the_compose_checks_skip_but_fail_where_docker_is_required(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a folder without a docker command
    monkeypatch.delenv("KESTRA_INIT_REQUIRE_DOCKER", raising=False)
    assert "docker CLI is not installed" in (_compose_problem() or "")
    monkeypatch.setenv("KESTRA_INIT_REQUIRE_DOCKER", "1")  # as CI sets it
    with pytest.raises(pytest.fail.Exception, match="forbids skipping"):
        _compose_problem()


# Helpers --------------------------------------------------------------------------


def _check_jsonschema(schema: str, files: list[str]) -> None:
    # Next to the interpreter, as check-jsonschema(.exe) on Windows.
    executable = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert executable, "check-jsonschema comes with the test extra"
    result = subprocess.run(
        [executable, "--builtin-schema", schema, *files],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _compose_problem() -> str | None:
    """Why `docker compose config` cannot run here (it needs the CLI, not an engine).

    Like the `docker_engine` fixture, KESTRA_INIT_REQUIRE_DOCKER=1 (CI) turns the
    skip into a failure, so CI cannot pass without these checks.
    """
    if shutil.which("docker") is None:
        message = "the docker CLI is not installed (docker compose config needs it, not an engine)"
    else:
        version = subprocess.run(
            ["docker", "compose", "version"], capture_output=True, text=True, check=False
        )
        if version.returncode == 0:
            return None
        message = "the Compose v2 plugin is missing: run .ci/install-docker"
    if os.environ.get("KESTRA_INIT_REQUIRE_DOCKER") == "1":
        pytest.fail(message + " (KESTRA_INIT_REQUIRE_DOCKER=1 forbids skipping)")
    return message


def _strip_json_comments(text: str) -> str:
    """JSON with comments to JSON: drop // and /* */ comments outside strings."""
    return re.sub(
        r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/',
        lambda m: m.group(1) or "",
        text,
        flags=re.S,
    )


def _task_ids(tasks: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    for task in tasks or []:
        yield task["id"]
        for key in NESTED_TASK_KEYS:
            nested = task.get(key)
            if isinstance(nested, list):
                yield from _task_ids(nested)


def _assert_runner(flow: dict[str, Any], runner: str, path: Path) -> None:
    for task in flow["tasks"]:
        if not task["type"].startswith("io.kestra.plugin.scripts."):
            continue
        runner_type = task["taskRunner"]["type"]
        if runner == "docker":
            assert runner_type == "io.kestra.plugin.scripts.runner.docker.Docker", path
            assert re.fullmatch(r"python:3\.\d+-slim", task["containerImage"]), path
        else:
            assert runner_type == "io.kestra.plugin.core.runner.Process", path
            assert "containerImage" not in task, path
