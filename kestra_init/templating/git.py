"""The project's own git repository: the first commit after `new`, checks before `update`.

Copier's update needs the project in git: it merges template changes with the
committed state. So `new` commits what it generated, and `update` refuses to
run over uncommitted work it could not tell apart from its own changes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

GitStatus = Literal["committed", "skipped", "no-git", "existing-repo", "failed"]


@dataclass(frozen=True)
class GitOutcome:
    status: GitStatus
    detail: str = ""  # why it was skipped or failed, or the commit's short hash


def git_available() -> bool:
    return shutil.which("git") is not None


def work_tree_of(path: Path) -> Path | None:
    """The top folder of the git repository holding ``path``, or None."""
    if not git_available():
        return None
    probe = path if path.is_dir() else path.parent
    while not probe.exists():
        probe = probe.parent
    result = _git(probe, "rev-parse", "--show-toplevel", check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def init_and_commit(root: Path, message: str) -> GitOutcome:
    """``git init`` + add everything (.gitignore applies) + a first commit."""
    if not git_available():
        return GitOutcome("no-git", "git is not installed")
    try:
        _git(root, "init", "-q")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "--no-verify", "-m", message, env=_identity_if_missing(root))
        short = _git(root, "rev-parse", "--short", "HEAD").stdout.strip()
    except subprocess.CalledProcessError as error:
        lines = (error.stderr or error.stdout or "").strip().splitlines()
        return GitOutcome("failed", lines[-1] if lines else f"git exited with {error.returncode}")
    return GitOutcome("committed", short)


def uncommitted_files(root: Path) -> list[str]:
    """Paths under ``root`` with uncommitted changes (git-ignored files excluded)."""
    result = _git(root, "status", "--porcelain", "--untracked-files=all", "--", ".")
    return [line[3:] for line in result.stdout.splitlines() if line.strip()]


def changed_files(root: Path) -> list[tuple[str, str]]:
    """(status, path) pairs of what differs from the last commit, for a summary."""
    result = _git(root, "status", "--porcelain", "--untracked-files=all", "--", ".")
    pairs = []
    for line in result.stdout.splitlines():
        code, path = line[:2].strip() or "?", line[3:]
        pairs.append((_STATUS_WORDS.get(code[0], "changed"), path))
    return pairs


_STATUS_WORDS = {"M": "modified", "A": "added", "D": "deleted", "R": "renamed", "?": "added"}


def _identity_if_missing(root: Path) -> dict[str, str] | None:
    """An identity for this one commit when git has none configured.

    Set through the environment for this commit only, never written into the
    repository's config: later commits are the user's, under their own name,
    and git asks them for it as usual.
    """
    # `git var` fails exactly when git would refuse to commit for want of an identity.
    if _git(root, "var", "GIT_COMMITTER_IDENT", check=False).returncode == 0:
        return None
    return {
        "GIT_AUTHOR_NAME": os.environ.get("GIT_AUTHOR_NAME", "kestra-init"),
        "GIT_AUTHOR_EMAIL": os.environ.get("GIT_AUTHOR_EMAIL", "kestra-init@localhost"),
        "GIT_COMMITTER_NAME": os.environ.get("GIT_COMMITTER_NAME", "kestra-init"),
        "GIT_COMMITTER_EMAIL": os.environ.get("GIT_COMMITTER_EMAIL", "kestra-init@localhost"),
    }


def _git(
    cwd: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **env} if env else None,
    )
