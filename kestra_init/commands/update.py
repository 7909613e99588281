"""`kestra-init update`: merge the template's changes into a generated project.

Copier renders the project's recorded template version and the new one, and
applies the difference to the project (a 3-way merge), so the user's edits
survive. It needs a clean git work tree, the answers file, and the recorded
template version; each missing piece is refused with a clear fix. ``.env`` is
not a template file, so the merge never touches it; we still compare it before
and after, as a last guard for the user's secrets.
"""

from __future__ import annotations

import re
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kestra_init import __version__
from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.project import ANSWERS_FILE, ENV_FILE, Project, find_project
from kestra_init.templating.answers import load_questions, parse_data, secret_names
from kestra_init.templating.cache import (
    CacheUnavailable,
    has_revision,
    is_template_cache,
    sync_packaged_template,
)
from kestra_init.templating.edits import LostEdit, lost_edits
from kestra_init.templating.git import (
    changed_files,
    git_available,
    restore_committed,
    uncommitted_files,
    work_tree_of,
)
from kestra_init.templating.pip_spec import installed_pip_spec, pinned
from kestra_init.templating.render import render_recorded
from kestra_init.templating.render import update_project as copier_update
from kestra_init.templating.source import CONFIG_FILE, packaged_template_dir

Progress = Callable[[str], None]
# Asked before an update that would lose the user's edits is kept; True keeps it.
ConfirmLostEdits = Callable[[list[LostEdit]], bool]
PIP_SPEC_QUESTION = "kestra_init_pip_spec"
# Copier's inline conflict markers (copier 9.x).
_CONFLICT_MARKERS = ("<<<<<<< before updating", ">>>>>>> after updating")


@dataclass(frozen=True)
class UpdateResult:
    root: Path
    old_version: str | None
    new_version: str | None
    changes: list[tuple[str, str]]  # (modified|added|deleted|..., path)
    conflicts: list[str]  # paths left with conflict markers or a .rej file
    warnings: list[str] = field(default_factory=list)
    # Edited files the update deleted or overwrote (kept with --force or a yes).
    lost_edits: list[LostEdit] = field(default_factory=list)
    # False when the update was undone because it would have lost those edits.
    applied: bool = True

    @property
    def exit_code(self) -> ExitCode:
        # Conflicts are findings: the update ran, and the user has merging to do.
        # An update held back for the user's edits ran and did not go through.
        return ExitCode.FINDINGS if self.conflicts or not self.applied else ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "old_version": self.old_version,
            "new_version": self.new_version,
            "changes": [{"status": s, "path": p} for s, p in self.changes],
            "conflicts": self.conflicts,
            "warnings": self.warnings,
            "applied": self.applied,
            "lost_edits": [{"path": e.path, "how": e.how} for e in self.lost_edits],
        }


def update_project(
    project_dir: Path | None = None,
    *,
    data: Sequence[str] = (),
    defaults: bool = False,
    vcs_ref: str | None = None,
    conflict: Literal["inline", "rej"] = "inline",
    interactive: bool | None = None,
    confirm: ConfirmLostEdits | None = None,
    progress: Progress = lambda _message: None,
) -> UpdateResult:
    """``confirm`` is asked when the update would delete or overwrite files the user
    edited; None means yes (``--force``). A no puts every file back as committed."""
    project = find_project(project_dir)
    assert project is not None  # required=True raises instead
    root = project.root
    recorded = _recorded(project)
    _check_git(root)

    own_template = _is_ours(recorded.get("_src_path"))
    questions = load_questions(packaged_template_dir() / CONFIG_FILE) if own_template else {}
    answers_given = parse_data(data, questions)
    if answers_given.get("admin_password"):
        # Accepting it would change nothing: the password only ever feeds .env.
        raise UsageError(
            "update does not change the admin password",
            "The password lives only in .env (never in the answers), and an update "
            "never touches .env.",
            "Edit KESTRA_ADMIN_PASSWORD in .env, and SECRET_KESTRA_PASSWORD to the same "
            "value in base64 (`printf '%s' 'NEW' | base64`), then run `kestra-init up`, "
            "which restarts Kestra with it",
        )
    if "admin_password" in questions and "admin_password" not in answers_given:
        # A secret answer is never recorded, so Copier would ask it again; it
        # only ever feeds .env, which an update leaves alone.
        answers_given["admin_password"] = ""

    ref = vcs_ref
    if own_template:
        progress("Preparing the template")
        ref = vcs_ref or _sync_cache(recorded)
        _follow_the_installed_version(recorded, answers_given)

    env_before = _snapshot(root / ENV_FILE)
    interactive = sys.stdin.isatty() if interactive is None else interactive
    source = str(recorded["_src_path"])
    # Copier may ask the questions the template added: no spinner over them.
    progress("" if interactive and not defaults else "Merging the template's changes")
    copier_update(
        root=root,
        vcs_ref=ref,
        data=answers_given,
        defaults=defaults or not interactive,
        interactive=interactive,
        conflict=conflict,
        source=source,
        # Only our own template's questions are known here; with none, no answer is echoed.
        secret_names=secret_names(questions) if own_template else None,
    )
    warnings = _guard_env(root / ENV_FILE, env_before)
    changes = changed_files(root)
    conflicts = _conflicts(root, changes)
    lost = _lost_edits(root, recorded, changes, conflicts)

    old_version = _str_or_none(recorded.get("_commit"))
    if lost:
        progress("")  # a question may follow: no spinner over it
        if confirm is not None and not confirm(lost):
            # Nothing of the update stays: every file as committed, .env untouched.
            restore_committed(root)
            return UpdateResult(
                root=root,
                old_version=old_version,
                new_version=_str_or_none(Project(root).answers.get("_commit")),
                changes=[],
                conflicts=[],
                warnings=warnings,
                lost_edits=lost,
                applied=False,
            )
        warnings.append(
            "the update removed edits of yours in "
            + ", ".join(edit.describe() for edit in lost)
            + "; your version is still in the last commit (git show HEAD:PATH, or "
            "git checkout HEAD -- PATH to take it back)"
        )
    return UpdateResult(
        root=root,
        old_version=old_version,
        new_version=_str_or_none(Project(root).answers.get("_commit")),
        changes=changes,
        conflicts=conflicts,
        warnings=warnings,
        lost_edits=lost,
    )


def _lost_edits(
    root: Path, recorded: dict[str, Any], changes: list[tuple[str, str]], conflicts: list[str]
) -> list[LostEdit]:
    """The user's edits the update removed (see templating/edits.py)."""
    touched = [
        path
        for status, path in changes
        if status in ("deleted", "modified") and path not in conflicts and path != ANSWERS_FILE
    ]
    if not touched:
        return []  # nothing deleted or rewritten: no need to know what the template made
    source = str(recorded["_src_path"])
    with tempfile.TemporaryDirectory(prefix="kestra-init-update-") as scratch:
        # What the template made last time: the user's edits are the difference.
        old_render = Path(scratch) / "recorded"
        try:
            render_recorded(
                src_path=source,
                vcs_ref=str(recorded["_commit"]),
                answers=recorded,
                dst=old_render,
                source=source,
            )
        except BaseException:
            restore_committed(root)  # unable to tell: change nothing rather than guess
            raise
        return lost_edits(root, changes, conflicts, old_render, skip=(ANSWERS_FILE,))


def _follow_the_installed_version(recorded: dict[str, Any], answers_given: dict[str, Any]) -> None:
    """Move the project's kestra-init pin to this kestra-init, when it was the default.

    A project pinned to the kestra-init that made it (or to the bare name,
    before pins) should, once updated by a newer one, install that one: its
    files now come from it. A spec the organiser chose stays as it is.
    """
    if PIP_SPEC_QUESTION in answers_given or PIP_SPEC_QUESTION not in recorded:
        return
    spec = str(recorded[PIP_SPEC_QUESTION])
    made_by = str(recorded.get("_commit") or "")
    if spec in ("kestra-init", pinned(made_by)):
        current = installed_pip_spec()
        # Never a path of this machine in place of a release: the codespace would break.
        if current.local_path is None and current.requirement != spec:
            answers_given[PIP_SPEC_QUESTION] = current.requirement


# Checks --------------------------------------------------------------------------


def _recorded(project: Project) -> dict[str, Any]:
    if not project.answers_path.is_file():
        raise UsageError(
            f"{project.root} has no {ANSWERS_FILE}",
            "kestra-init update needs the answers the project was made with; "
            "the file is missing (deleted, or the project was not made by kestra-init new).",
            f"restore it from git (git checkout -- {ANSWERS_FILE}), or make a new project "
            "with kestra-init new and move your flows into it",
        )
    answers = project.answers
    if not answers:
        raise UsageError(
            f"{ANSWERS_FILE} cannot be read",
            "It is not a YAML mapping of answers (an edit by hand broke it, or it is empty).",
            f"restore it from git (git checkout -- {ANSWERS_FILE}), then run kestra-init "
            "update again",
        )
    if not answers.get("_src_path"):
        raise UsageError(
            f"{ANSWERS_FILE} does not say which template made this project",
            "Its _src_path entry is missing or empty.",
            f"restore {ANSWERS_FILE} from git",
        )
    if not answers.get("_commit"):
        raise UsageError(
            "This project records no template version, so it cannot be updated",
            "It was made from the template's plain files (git was missing or the template "
            f"cache could not be written), and {ANSWERS_FILE} has no _commit entry.",
            "make a new project with kestra-init new (with git installed) and copy your "
            "flows into it; that one can be updated",
        )
    return answers


def _check_git(root: Path) -> None:
    if not git_available():
        raise EnvironmentProblem(
            "kestra-init update needs git, which is not installed",
            "The update merges template changes with your committed files.",
            "install git (e.g. sudo apt-get install git), then run kestra-init update again",
        )
    if work_tree_of(root) is None:
        raise UsageError(
            f"{root} is not in a git repository",
            "The update merges template changes with your committed files, so they must be in git.",
            "run: git init && git add -A && git commit -m 'Kestra project', "
            "then kestra-init update",
        )
    dirty = uncommitted_files(root)
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise UsageError(
            "The project has uncommitted changes, so it cannot be updated safely",
            f"Changed or new files: {shown}. The update's own changes would mix with them.",
            "commit them (git add -A && git commit) or stash them (git stash -u), "
            "then run kestra-init update again",
        )


def _is_ours(src_path: object) -> bool:
    return isinstance(src_path, str) and is_template_cache(src_path)


def _sync_cache(recorded: dict[str, Any]) -> str:
    """Bring the template cache up to date; check it holds the project's old version."""

    try:
        cached = sync_packaged_template(packaged_template_dir(), __version__)
    except CacheUnavailable as error:
        raise EnvironmentProblem(
            "The template cache cannot be used",
            str(error) + ".",
            "install git and make sure the cache folder is writable "
            "(or set XDG_CACHE_HOME to a writable folder)",
        ) from error
    recorded_repo = Path(str(recorded["_src_path"])).expanduser()
    old = str(recorded.get("_commit") or "")
    if recorded_repo != cached.repo:
        raise UsageError(
            f"This project records its template at {recorded['_src_path']}, "
            f"but this kestra-init keeps it at {cached.src_path}",
            "The two template caches differ (XDG_CACHE_HOME or the home folder changed).",
            "run kestra-init update with the same XDG_CACHE_HOME as when the project was made",
        )
    if not old or not has_revision(cached.repo, old):
        raise UsageError(
            f"The template version this project was made with ({old or 'unknown'}) "
            "is not in this machine's template cache",
            "An update rebuilds that version to merge its changes with yours; this machine "
            "never had it (the project was made elsewhere, or by a development copy).",
            _missing_version_fix(old),
        )
    return cached.ref


def _missing_version_fix(old: str) -> str:
    # A released version is a plain tag such as 0.2.0; a development copy
    # records `git describe` output (0.2.0-3-gabc1234), which no release has.
    if not re.fullmatch(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?", old):
        return (
            "run kestra-init update on the machine that made the project; or set _src_path "
            f"in {ANSWERS_FILE} to a git copy of the template that holds {old}, commit, "
            "and run kestra-init update --vcs-ref REF"
        )
    return (
        f"run `pipx run kestra-init=={old} update` once (that version adds itself to the "
        "cache and changes nothing), then run kestra-init update again"
    )


def _snapshot(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _guard_env(path: Path, before: bytes | None) -> list[str]:
    if before is None or _snapshot(path) == before:
        return []
    # Never expected (the template has no .env); restore the user's file as it was.
    path.write_bytes(before)
    path.chmod(0o600)
    return [".env was changed during the update and has been restored as it was"]


def _conflicts(root: Path, changes: list[tuple[str, str]]) -> list[str]:
    found = []
    for _status, relative in changes:
        path = root / relative
        if relative.endswith(".rej"):
            found.append(relative)
            continue
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except (OSError, IsADirectoryError):
            continue
        if any(marker in text for marker in _CONFLICT_MARKERS):
            found.append(relative)
    return found


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None
