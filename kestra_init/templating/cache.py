"""A git repository of the packaged template, kept in the user's cache folder.

Copier can only update a project from a template kept in git: it renders the
project's old template version again to compute a 3-way merge. The template
ships inside the package as plain files, so we keep a repository of it at
``$XDG_CACHE_HOME/kestra-init/template`` (default ``~/.cache/...``) with one
commit per template content and a PEP 440 tag per kestra-init version. A
content change without a version bump (a development checkout) becomes a
further untagged commit, so every change still reaches projects by update.

Projects record the repository as ``~/.cache/kestra-init/template`` when it
lives under the home folder (Copier expands ``~``), so the answers file holds
no user name and works from any account whose cache is in the usual place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

_STATE_FILE = "kestra-init-state.json"  # inside .git: never part of the template
_STAT_PREFIX = "stat:"  # state keys naming file stats, next to "VERSION:CONTENT-HASH" keys
_IGNORED = ("__pycache__", "*.pyc", "*.pyo", ".DS_Store")
# The cache is our repository, not the user's: their hooks, signing and
# identity settings must not apply to it (nor fail it).
_GIT_CONFIG = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "tag.gpgsign=false",
)
_GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "kestra-init",
    "GIT_AUTHOR_EMAIL": "kestra-init@localhost",
    "GIT_COMMITTER_NAME": "kestra-init",
    "GIT_COMMITTER_EMAIL": "kestra-init@localhost",
}


class CacheUnavailable(Exception):
    """The cache repository cannot be used here (no git, unwritable folder...)."""


@dataclass(frozen=True)
class CachedTemplate:
    repo: Path  # the git repository on disk
    ref: str  # the tag or commit holding the packaged template
    src_path: str  # how answers files record the repository (``~/...`` when possible)


def cache_root(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    base = env.get("XDG_CACHE_HOME") or ""
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".cache"
    return root / "kestra-init"


def template_repo_path(environ: Mapping[str, str] | None = None) -> Path:
    return cache_root(environ) / "template"


def recorded_path(path: Path) -> str:
    """``path`` as an answers file should record it: relative to ``~`` when under it."""
    try:
        return "~/" + path.relative_to(Path.home()).as_posix()
    except ValueError:
        return path.as_posix()


def is_template_cache(src_path: str) -> bool:
    """Whether an answers file's ``_src_path`` names a kestra-init template cache."""
    return Path(src_path).parts[-2:] == ("kestra-init", "template")


def fingerprint(template_dir: Path) -> str:
    """A hash of every file's path, executable bit and content."""
    digest = hashlib.sha256()
    for path in sorted(_template_files(template_dir)):
        relative = path.relative_to(template_dir).as_posix()
        executable = os.access(path, os.X_OK)
        digest.update(f"{relative}\0{int(executable)}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def stat_fingerprint(template_dir: Path) -> str:
    """A hash of every file's path, size, modification time and mode: no file is read.

    Used as a shortcut to the content ``fingerprint`` computed for the same
    stats before. An edit changes the modification time (an installed wheel's
    files get the install's time), so equal stats mean equal content; only a
    copy that restores old times onto other bytes of the same size would fool
    it, and a template is not edited that way.
    """
    digest = hashlib.sha256()
    for path in sorted(_template_files(template_dir)):
        stat = path.stat()
        relative = path.relative_to(template_dir).as_posix()
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_mode}\0".encode())
    return digest.hexdigest()


def sync_packaged_template(
    template_dir: Path, version: str, *, repo: Path | None = None
) -> CachedTemplate:
    """Make sure the cache holds ``template_dir`` as it is now; return where.

    Fast when nothing changed: the files' stats are compared with the last
    run's (nothing is read, no git command). When they differ, the content is
    hashed, so content seen before (an edit undone) finds its commit again and
    an edited template in a development checkout gets a new one.
    Raises CacheUnavailable when git is missing or the cache cannot be written.
    """
    repo = repo or template_repo_path()
    state = _read_state(repo)
    stat_key = f"{_STAT_PREFIX}{version}:{stat_fingerprint(template_dir)}"
    content = state.get(stat_key) or fingerprint(template_dir)
    key = f"{version}:{content}"
    known = state.get(key)
    if known:
        if stat_key not in state:
            # Best effort: a lost write only costs one more content hash.
            with contextlib.suppress(OSError):
                _write_state(repo, _with_stat_key(state, stat_key, content))
        return CachedTemplate(repo, known, recorded_path(repo))
    if shutil.which("git") is None:
        raise CacheUnavailable("git is not installed")
    try:
        with _locked(repo.parent / "template.lock"):
            ref = _commit_template(repo, template_dir, version)
            state = _read_state(repo)
            state[key] = ref
            _write_state(repo, _with_stat_key(state, stat_key, content))
    except (OSError, subprocess.CalledProcessError) as error:
        raise CacheUnavailable(_describe(error)) from error
    return CachedTemplate(repo, ref, recorded_path(repo))


def has_revision(repo: Path, revision: str) -> bool:
    """Whether ``revision`` (a tag, a commit, ``git describe`` output) exists in ``repo``."""
    if not (repo / ".git").is_dir() or shutil.which("git") is None:
        return False
    result = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "-q", "--verify", f"{revision}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.returncode == 0


# Internals ---------------------------------------------------------------------


def _template_files(template_dir: Path) -> Iterator[Path]:
    for path in template_dir.rglob("*"):
        parts = path.relative_to(template_dir).parts
        if any(part == "__pycache__" or part == ".DS_Store" for part in parts):
            continue
        if path.is_file() and path.suffix not in (".pyc", ".pyo"):
            yield path


def _commit_template(repo: Path, template_dir: Path, version: str) -> str:
    if not (repo / ".git").is_dir():
        repo.mkdir(parents=True, exist_ok=True)
        _git(repo, "init", "-q")
        # A fixed branch name whatever init.defaultBranch says.
        _git(repo, "symbolic-ref", "HEAD", "refs/heads/main")
    for entry in repo.iterdir():
        if entry.name == ".git":
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    shutil.copytree(
        template_dir, repo, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_IGNORED)
    )
    _git(repo, "add", "-A")
    has_head = _git(repo, "rev-parse", "-q", "--verify", "HEAD", check=False).returncode == 0
    unchanged = has_head and _git(repo, "diff", "--cached", "--quiet", check=False).returncode == 0
    if not unchanged:
        _git(repo, "commit", "-q", "--no-verify", "-m", f"kestra-init {version} template")
    commit = _git(repo, "rev-parse", "HEAD").stdout.strip()
    tag = f"refs/tags/{version}^{{commit}}"
    tagged = _git(repo, "rev-parse", "-q", "--verify", tag, check=False)
    if tagged.returncode != 0:
        _git(repo, "tag", version, commit)
        return version
    # The version is already tagged on other content: a development build.
    return version if tagged.stdout.strip() == commit else commit


def _git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *_GIT_CONFIG, "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=check,
        env={**os.environ, **_GIT_IDENTITY},
    )


def _with_stat_key(state: dict[str, str], stat_key: str, content: str) -> dict[str, str]:
    """``state`` remembering only the latest stats (a development checkout changes often)."""
    kept = {k: v for k, v in state.items() if not k.startswith(_STAT_PREFIX)}
    kept[stat_key] = content
    return kept


def _read_state(repo: Path) -> dict[str, str]:
    try:
        data = json.loads((repo / ".git" / _STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_state(repo: Path, state: dict[str, str]) -> None:
    path = repo / ".git" / _STATE_FILE
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    """Serialise cache writers (two `new` commands at once) with an OS file lock."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as handle:
        try:
            import fcntl
        except ImportError:  # Windows: no flock; concurrent first runs are rare there
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _describe(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        output = (error.stderr or error.stdout or "").strip().splitlines()
        return f"`{' '.join(map(str, error.cmd[-3:]))}` failed: " + (
            output[-1] if output else f"exit {error.returncode}"
        )
    return str(error)
