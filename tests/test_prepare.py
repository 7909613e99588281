"""`kestra-init prepare`: what a codespace prebuild runs. It pulls the stack's images
(from a registry on 127.0.0.1 serving the stand-in image under the stack's names),
checks the flows, starts nothing, and pulls nothing the second time; a registry's
rate limit is waited out and, when it lasts, named.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
import yaml

from kestra_init.exit_codes import ExitCode
from tests.helpers import assert_no_traceback, json_data
from tests.standin.fixtures import StandinProject
from tests.standin.override import standin_override
from tests.standin.registry import Registry


@pytest.fixture
def registry() -> Iterator[Registry]:
    with Registry() as serving:
        yield serving


def use_registry(project: StandinProject, registry: Registry) -> dict[str, str]:
    """The stack's images named as the registry serves them; pulled, not prebuilt."""
    override = standin_override()
    images = {
        "kestra": registry.image(f"kestra:{project.slug}"),
        "postgres": registry.image(f"postgres:{project.slug}"),
    }
    for service, image in images.items():
        override["services"][service]["image"] = image
        del override["services"][service]["pull_policy"]
    (project.root / "standin.yml").write_text(yaml.safe_dump(override))
    return images


def remove_images(images: dict[str, str]) -> None:
    subprocess.run(["docker", "rmi", "-f", *images.values()], capture_output=True, check=False)


def test_prepare_pulls_the_images_checks_the_flows_and_starts_nothing(
    standin_project: StandinProject, registry: Registry, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    images = use_registry(project, registry)
    (project.root / ".env").unlink()  # a fresh clone, as in a prebuild
    (project.root / "flows" / "broken.yml").write_text("id: broken\nnamespace: kitest.e2e\n")
    try:
        first = cli("prepare", cwd=project.root, env=project.env)
        assert first.returncode == ExitCode.OK, first.stderr
        assert_no_traceback(first)
        assert "pulled 2 of 2 images" in first.stdout
        assert "flows/broken.yml:" in first.stdout and "will not load" in first.stdout
        # No .env left behind: a prebuild would give every codespace the same secrets.
        assert not (project.root / ".env").exists()
        assert project.containers() == {}  # nothing started
        for image in images.values():
            assert (
                subprocess.run(
                    ["docker", "image", "inspect", image], capture_output=True
                ).returncode
                == 0
            )

        served = registry.manifests_served
        again = cli("prepare", "--json", cwd=project.root, env=project.env)
        assert again.returncode == ExitCode.OK, again.stderr
        data = json_data(again.stdout, "prepare")
        assert [image["pulled"] for image in data["images"]] == [False, False]
        assert registry.manifests_served == served  # the registry was not asked again
        assert project.containers() == {}

        # `up` then makes the codespace's own .env and starts from the images there.
        up = cli("up", "--no-sync", cwd=project.root, env=project.env)
        assert up.returncode == 0, up.stderr
        assert "Pulling" not in up.stderr and ".env created" in up.stderr
    finally:
        remove_images(images)


def test_a_rate_limited_pull_is_tried_again_and_then_succeeds(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    with Registry(refuse=4) as limited:
        images = use_registry(project, limited)
        env = {**project.env, "KESTRA_INIT_PULL_RETRY_SECONDS": "0.2"}
        try:
            result = cli("prepare", cwd=project.root, env=env)
            assert result.returncode == ExitCode.OK, result.stderr
            assert "rate limit" in result.stderr and "trying again" in result.stderr
            assert limited.refused == 4
        finally:
            remove_images(images)


def test_a_rate_limit_that_lasts_is_named_with_its_fix(
    standin_project: StandinProject, cli
) -> None:  # type: ignore[no-untyped-def]
    project = standin_project
    with Registry(refuse=10_000) as limited:
        images = use_registry(project, limited)
        env = {**project.env, "KESTRA_INIT_PULL_RETRY_SECONDS": "0.1"}
        try:
            result = cli("up", cwd=project.root, env=env)
            assert result.returncode == ExitCode.ENVIRONMENT, result.stderr
            assert_no_traceback(result)
            text = " ".join(result.stderr.split())
            assert "The registry's pull rate limit refused the images 4 times" in text
            assert "docker login" in text and "prebuild" in text
            assert text.count("trying again") == 3
            assert project.containers() == {}
        finally:
            remove_images(images)
