"""kestra-init's own GitHub workflows: CI on every change, and the release path.

What a maintainer relies on: the tests run on Linux with Docker and on macOS
and Windows without it; a release publishes only from a version tag that
matches the package, after the tests and `twine check`, with trusted
publishing (an OIDC token, no stored password). The files are checked against
GitHub's workflow schema, and the release's tag check is run for real.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from kestra_init import __version__
from tests.helpers import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
# The current major of each action (checked on their release pages when pinned).
CURRENT_MAJORS = {
    "actions/checkout": 7,
    "actions/setup-python": 7,
    "actions/upload-artifact": 7,
    "actions/download-artifact": 8,
}


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean true.
    document["on"] = document.pop(True, document.get("on"))
    return document


CI = load("ci.yml")
RELEASE = load("release.yml")


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    return list(job.get("steps") or [])


def runs(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in steps(job))


def uses(document: dict[str, Any]) -> list[str]:
    return [
        str(step["uses"])
        for job in document["jobs"].values()
        for step in steps(job)
        if "uses" in step
    ]


def test_both_workflows_pass_githubs_workflow_schema() -> None:
    checker = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert checker, "check-jsonschema comes with the test extra"
    result = subprocess.run(
        [
            checker,
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS.glob("*.yml")),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ci_runs_everything_on_linux_with_docker_and_the_rest_elsewhere() -> None:
    assert {"push", "pull_request", "workflow_call"} <= set(CI["on"])
    assert CI["on"]["push"]["branches"] == ["main"]
    linux = CI["jobs"]["linux-with-docker"]
    assert linux["runs-on"] == "ubuntu-latest"
    assert "bash .ci/run" in runs(linux)  # lint, types, every test, Docker ones required
    assert "KESTRA_INIT_REQUIRE_DOCKER=1" in (REPO_ROOT / ".ci" / "run").read_text()

    other = CI["jobs"]["without-docker"]
    systems = {entry["os"] for entry in other["strategy"]["matrix"]["include"]}
    assert {"macos-latest", "windows-latest"} <= systems
    pythons = {entry["python"] for entry in other["strategy"]["matrix"]["include"]}
    assert "3.10" in pythons  # the oldest Python pyproject.toml allows
    assert 'python -m pytest -m "not docker"' in runs(other)
    assert "KESTRA_INIT_REQUIRE_DOCKER" not in yaml.safe_dump(other)
    assert CI["permissions"] == {"contents": "read"}


def test_the_release_publishes_only_from_a_version_tag_with_trusted_publishing() -> None:
    assert RELEASE["on"]["push"] == {"tags": ["v*"]}
    assert set(RELEASE["on"]) == {"push", "workflow_dispatch"}  # never on a branch push
    # The workflow's token can read, nothing more; only the publish job gets an OIDC token.
    assert RELEASE["permissions"] == {"contents": "read"}
    jobs = RELEASE["jobs"]
    publish = jobs["publish"]
    assert set(publish["needs"]) == {"tests", "build"}
    assert "startsWith(github.ref, 'refs/tags/v')" in publish["if"]
    assert "github.event_name == 'push'" in publish["if"]  # a manual run never publishes
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == "pypi"
    (publisher,) = [s for s in steps(publish) if str(s.get("uses", "")).startswith("pypa/")]
    assert publisher["uses"] == "pypa/gh-action-pypi-publish@release/v1"
    assert not {"password", "user", "username"} & set(publisher.get("with") or {})
    for name, job in jobs.items():
        if name != "publish":
            assert "id-token" not in (job.get("permissions") or {}), name


def test_the_release_tests_first_then_builds_checks_and_hands_over_the_same_files() -> None:
    jobs = RELEASE["jobs"]
    assert jobs["tests"]["uses"] == "./.github/workflows/ci.yml"
    build = jobs["build"]
    script = runs(build)
    assert "python -m build" in script
    assert "twine check --strict dist/*" in script
    (upload,) = [s for s in steps(build) if str(s.get("uses", "")).startswith("actions/upload")]
    (download,) = [
        s for s in steps(jobs["publish"]) if str(s.get("uses", "")).startswith("actions/download")
    ]
    assert upload["with"]["name"] == download["with"]["name"]
    assert upload["with"]["path"] == download["with"]["path"] == "dist/"
    # What is published is what was built and checked: publish builds nothing.
    assert "build" not in runs(jobs["publish"])


def test_every_action_is_pinned_to_its_current_major() -> None:
    for reference in uses(CI) + uses(RELEASE):
        action, _, version = reference.partition("@")
        if action.startswith("./"):
            continue
        if action == "pypa/gh-action-pypi-publish":
            assert version == "release/v1"  # the branch the action's maintainers say to use
            continue
        assert re.fullmatch(r"v\d+", version), reference
        assert int(version[1:]) >= CURRENT_MAJORS[action], reference


def _tag_check() -> str:
    (step,) = [s for s in steps(RELEASE["jobs"]["build"]) if "TAG" in (s.get("env") or {})]
    assert step["if"] == "startsWith(github.ref, 'refs/tags/')"
    return str(step["run"])


@pytest.mark.skipif(shutil.which("bash") is None, reason="the release step is a bash script")
@pytest.mark.parametrize(
    ("tag", "changelog", "passes", "says"),
    [
        (f"v{__version__}", f"## {__version__}\n\n- things\n", True, ""),
        (
            "v9.9.9",
            f"## {__version__}\n",
            False,
            f"does not match the package version {__version__}",
        ),
        (__version__, f"## {__version__}\n", False, "does not match"),  # no v
        (f"v{__version__}", f"## {__version__} (unreleased)\n", False, "no released"),
        (f"v{__version__}", "## 0.0.1\n", False, "no released"),
    ],
)
def test_the_tag_check_stops_a_release_whose_tag_or_changelog_is_wrong(
    tmp_path: Path, tag: str, changelog: str, passes: bool, says: str
) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / f"kestra_init-{__version__}-py3-none-any.whl").write_bytes(b"")
    (tmp_path / "CHANGELOG.md").write_text(f"# Changelog\n\n{changelog}")
    result = subprocess.run(
        ["bash", "-e", "-c", _tag_check()],
        cwd=tmp_path,
        env={"TAG": tag, "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode == 0) is passes, result.stdout + result.stderr
    assert says in result.stdout


def test_the_changelog_has_the_packages_version() -> None:
    # The release refuses a version without its section: keep one as you go.
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (\d+\.\d+\.\d+)", changelog, flags=re.M)
    assert headings, "CHANGELOG.md has version sections (## X.Y.Z)"
    released = __version__ in headings
    newest = tuple(int(part) for part in headings[0].split("."))
    assert released or newest > tuple(int(p) for p in __version__.split(".")[:3])
