"""The git repository of the packaged template in the cache folder (what `update` needs)."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from kestra_init.templating.cache import (
    CacheUnavailable,
    cache_root,
    has_revision,
    is_template_cache,
    recorded_path,
    sync_packaged_template,
)
from kestra_init.templating.source import packaged_template_dir


@pytest.fixture
def template(tmp_path: Path) -> Path:
    copy = tmp_path / "template"
    shutil.copytree(packaged_template_dir(), copy)
    return copy


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_a_version_becomes_a_tagged_commit_and_a_second_sync_needs_no_git(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "cache" / "kestra-init" / "template"
    first = sync_packaged_template(template, "1.2.0", repo=repo)
    assert first.ref == "1.2.0"
    assert _git(repo, "tag") == "1.2.0"
    assert _git(repo, "status", "--porcelain") == ""  # a clean repository for Copier
    assert (repo / "copier.yml").read_bytes() == (template / "copier.yml").read_bytes()

    # Unchanged template: answered from the recorded state, without running git.
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    again = sync_packaged_template(template, "1.2.0", repo=repo)
    assert again == first


def test_an_unchanged_template_is_recognised_without_reading_its_files(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "cache" / "kestra-init" / "template"
    first = sync_packaged_template(template, "1.2.0", repo=repo)
    second = sync_packaged_template(template, "1.2.0", repo=repo)  # records the files' stats
    assert second == first

    def no_reading(self: Path) -> bytes:
        raise AssertionError(f"{self} was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    assert sync_packaged_template(template, "1.2.0", repo=repo) == first
    monkeypatch.undo()

    # A touched file (new time, same bytes) is hashed again: the same version still.
    readme = template / "project" / "README.md.jinja"
    os.utime(readme, ns=(readme.stat().st_atime_ns, readme.stat().st_mtime_ns + 10**9))
    assert sync_packaged_template(template, "1.2.0", repo=repo) == first
    assert _git(repo, "rev-list", "--count", "HEAD") == "1"


def test_a_change_without_a_version_bump_is_a_further_untagged_commit(
    template: Path, tmp_path: Path
) -> None:
    repo = tmp_path / "cache" / "kestra-init" / "template"
    sync_packaged_template(template, "1.2.0", repo=repo)
    readme = template / "project" / "README.md.jinja"
    readme.write_text(readme.read_text() + "\nA development edit.\n")

    changed = sync_packaged_template(template, "1.2.0", repo=repo)

    assert changed.ref == _git(repo, "rev-parse", "HEAD")
    assert _git(repo, "describe", "--tags", changed.ref).startswith("1.2.0-1-g")
    assert _git(repo, "rev-list", "-n1", "1.2.0") != changed.ref
    assert has_revision(repo, "1.2.0") and has_revision(repo, changed.ref)

    # Going back to the released content finds the released version again.
    readme.write_text(readme.read_text().replace("\nA development edit.\n", ""))
    assert sync_packaged_template(template, "1.2.0", repo=repo).ref == "1.2.0"


def test_a_new_version_gets_its_own_tag_and_old_ones_stay(template: Path, tmp_path: Path) -> None:
    repo = tmp_path / "cache" / "kestra-init" / "template"
    sync_packaged_template(template, "1.2.0", repo=repo)
    compose = template / "project" / "docker-compose.yml.jinja"
    compose.write_text(compose.read_text().replace("retries: 12", "retries: 13"))

    newer = sync_packaged_template(template, "1.3.0", repo=repo)

    assert newer.ref == "1.3.0"
    assert sorted(_git(repo, "tag").split()) == ["1.2.0", "1.3.0"]
    assert has_revision(repo, "1.2.0")
    assert not has_revision(repo, "9.9.9")


def _sync_in_a_process(args: tuple[str, str]) -> str:
    template, repo = args
    return sync_packaged_template(Path(template), "2.0.0", repo=Path(repo)).ref


def test_concurrent_first_runs_agree_on_one_commit(template: Path, tmp_path: Path) -> None:
    repo = tmp_path / "cache" / "kestra-init" / "template"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        refs = pool.map(_sync_in_a_process, [(str(template), str(repo))] * 4)
    assert refs == ["2.0.0"] * 4
    assert _git(repo, "rev-list", "--count", "HEAD") == "1"


def test_without_git_the_cache_is_unavailable(
    template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    with pytest.raises(CacheUnavailable, match="git is not installed"):
        sync_packaged_template(template, "1.0.0", repo=tmp_path / "c" / "template")


def test_an_unwritable_cache_folder_is_unavailable(template: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(CacheUnavailable):
        sync_packaged_template(template, "1.0.0", repo=blocker / "kestra-init" / "template")


def test_where_the_cache_lives_and_how_projects_record_it(tmp_path: Path) -> None:
    assert cache_root({"XDG_CACHE_HOME": str(tmp_path)}) == tmp_path / "kestra-init"
    home_cache = Path.home() / ".cache" / "kestra-init"
    assert cache_root({}) == home_cache
    assert cache_root({"XDG_CACHE_HOME": "relative/ignored"}) == home_cache
    # Under the home folder: recorded with ~, so it holds no user name.
    assert recorded_path(home_cache / "template") == "~/.cache/kestra-init/template"
    assert recorded_path(Path("/srv/cache/kestra-init/template")) == (
        "/srv/cache/kestra-init/template"
    )
    assert is_template_cache("~/.cache/kestra-init/template")
    assert is_template_cache("/srv/cache/kestra-init/template")
    assert not is_template_cache("gh:someone/kestra-template")
    assert not is_template_cache(os.fspath(tmp_path))
