"""The project's own git repository: the first commit after `new`, checks before `update`.

Copier's update needs the project in git: it merges template changes with the
committed state. So `new` commits what it generated, and `update` refuses to
run over uncommitted work it could not tell apart from its own changes.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
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
    if not _may_be_in_a_repository(probe):
        return None  # git would find none either; no process to start
    result = _git(probe, "rev-parse", "--show-toplevel", check=False)
    return Path(result.stdout.strip()) if result.returncode == 0 else None


def _may_be_in_a_repository(folder: Path) -> bool:
    """False only when git cannot find a repository for ``folder``.

    git finds one through a ``.git`` entry in the folder or a parent, or the
    GIT_DIR / GIT_WORK_TREE variables; without any of those it finds none.
    """
    if os.environ.get("GIT_DIR") or os.environ.get("GIT_WORK_TREE"):
        return True
    resolved = folder.resolve()
    return any((candidate / ".git").exists() for candidate in (resolved, *resolved.parents))


def init_and_commit(root: Path, message: str, *, only: Sequence[str] | None = None) -> GitOutcome:
    """``git init`` + add everything (.gitignore applies) + a first commit.

    ``only``: the files (relative to ``root``) to commit, when the folder holds
    others that are not ours to commit (``new --force``); git-ignored ones and
    .env are still left out. Three git processes in the usual case: each costs
    a few milliseconds, and `new` is measured against a bare `copier copy`.
    """
    if not git_available():
        return GitOutcome("no-git", "git is not installed")
    try:
        _git(root, "init", "-q")
        if only is None:
            # Never .env, whatever a .gitignore kept by --force says: it holds the
            # secrets. Excluded as a glob: a literal `:(exclude).env` makes git refuse
            # the whole add when .env is also git-ignored (the usual case).
            _git(root, "add", "-A", "--", ".", ":(exclude,glob)[.]env")
        else:
            _add_listed(root, [path for path in only if path != ".env"])
        committed = _git(root, "commit", "--no-verify", "-m", message, check=False)
        if committed.returncode != 0 and (identity := _identity_if_missing(root)):
            committed = _git(root, "commit", "--no-verify", "-m", message, env=identity)
        committed.check_returncode()
    except subprocess.CalledProcessError as error:
        lines = (error.stderr or error.stdout or "").strip().splitlines()
        return GitOutcome("failed", lines[-1] if lines else f"git exited with {error.returncode}")
    # git prints `[main (root-commit) 1a2b3c4] message`; ask only if it did not.
    found = _COMMIT_LINE.match(committed.stdout)
    short = found.group(1) if found else _git(root, "rev-parse", "--short", "HEAD").stdout.strip()
    return GitOutcome("committed", short)


_COMMIT_LINE = re.compile(r"^\[[^\]]*?\b([0-9a-f]{4,40})\]")


def _add_listed(root: Path, paths: Sequence[str]) -> None:
    """``git add`` exactly ``paths``, less the git-ignored ones (which git would refuse)."""
    if not paths:
        return
    listed = "".join(f"{path}\0" for path in paths)
    # Names are passed NUL-separated on stdin, literally (no glob, no magic):
    # any file name works, and no command line grows too long.
    # check-ignore takes no pathspec magic: its names are read as plain paths.
    ignored = _git(root, "check-ignore", "--stdin", "-z", check=False, stdin=listed).stdout
    skip = set(ignored.split("\0"))
    wanted = "".join(f"{path}\0" for path in paths if path not in skip)
    if wanted:
        _git(
            root,
            "--literal-pathspecs",
            "add",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            stdin=wanted,
        )


def ensure_ignored(
    root: Path, name: str, comment: str, *, in_repository: bool | None = None
) -> bool:
    """Make ``root/.gitignore`` ignore ``name``; True when a line had to be added.

    A .gitignore the user already had (kept by ``new --force``) may not ignore
    .env; then the secrets would reach the first ``git add -A``. Lines are only
    appended, never changed. Inside a repository git itself answers (parent
    .gitignore files and global excludes count); elsewhere the file is read.
    ``in_repository``: whether ``root`` is in one, when the caller knows.
    """
    path = root / ".gitignore"
    if in_repository is None:
        in_repository = work_tree_of(root) is not None
    if in_repository:
        if _git(root, "check-ignore", "-q", "--", name, check=False).returncode == 0:
            return False
    elif _gitignore_ignores(path, name):
        return False
    text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    separator = "" if not text else "\n" if text.endswith("\n") else "\n\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{separator}# {comment}\n/{name}\n")
    return True


def _gitignore_ignores(path: Path, name: str) -> bool:
    """Whether the patterns of one .gitignore ignore the top-level file ``name``.

    The subset that matters for one file at the top: plain and ``/``-anchored
    globs and ``!`` negations, the last match winning as in git.
    """
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False
    ignored = False
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        pattern = line[1:] if negated else line
        if pattern.endswith("/"):
            continue  # folders only
        if fnmatch.fnmatchcase(name, pattern.removeprefix("**/").removeprefix("/")):
            ignored = not negated
    return ignored


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


def committed_bytes(root: Path, relative: str) -> bytes | None:
    """The content of ``root/relative`` in the last commit; None when it has no such file."""
    result = subprocess.run(
        ["git", "show", f"HEAD:./{relative}"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    return result.stdout if result.returncode == 0 else None


def restore_committed(root: Path) -> None:
    """Put every file under ``root`` back as the last commit has it.

    Only for a work tree that was clean before (update checks that first):
    then every untracked file under ``root`` was made since and is removed,
    and git-ignored files (.env) are never touched.
    """
    _git(root, "reset", "-q", "--", ".")
    _git(root, "checkout", "HEAD", "--", ".")
    _git(root, "clean", "-f", "-d", "-q", "--", ".")


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
    cwd: Path,
    *args: str,
    check: bool = True,
    env: dict[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **env} if env else None,
    )
