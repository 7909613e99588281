"""`kestra-init new PATH`: render the template, write .env, make the first commit.

Composes the domain pieces and returns a ``NewResult``; prints nothing
(progress goes through the callback). Nothing is written into the destination
before every answer has passed the template's validators, and a failure after
rendering removes what this run created.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kestra_init import __version__
from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.exit_codes import ExitCode
from kestra_init.project import ANSWERS_FILE, ENV_EXAMPLE_FILE, ENV_FILE
from kestra_init.project.env_create import create_env_file
from kestra_init.templating.answers import load_questions, parse_data, secret_names
from kestra_init.templating.cache import CacheUnavailable, sync_packaged_template
from kestra_init.templating.destination import check_destination_name
from kestra_init.templating.git import (
    GitOutcome,
    ensure_ignored,
    git_available,
    init_and_commit,
    work_tree_of,
)
from kestra_init.templating.pip_spec import installed_pip_spec
from kestra_init.templating.render import copy_template
from kestra_init.templating.source import CONFIG_NAMES, config_file, packaged_template_dir

Progress = Callable[[str], None]
# The answer naming what pip installs as kestra-init in the project's codespace and CI.
PIP_SPEC_QUESTION = "kestra_init_pip_spec"

# What the summary says about the files of our template.
_DESCRIPTIONS = {
    "docker-compose.yml": "the stack: {stack}",
    ENV_FILE: "secrets (mode 600, git-ignored)",
    ENV_EXAMPLE_FILE: "the same variables, without secrets",
    "flows/hello_world.yml": "inputs, outputs, a schedule, defaults",
    "flows/python_outputs.yml": "a Python script returning outputs",
    "flows/kestra_api.yml": "a task calling Kestra's own API",
    ".devcontainer/devcontainer.json": "Codespaces: opens with Kestra running",
    ".github/workflows/validate-flows.yml": "CI: validates the flows",
    "README.md": "how to start, use and change it",
    ANSWERS_FILE: "your answers, for kestra-init update",
}


@dataclass(frozen=True)
class CreatedFile:
    path: str  # relative to the project, POSIX style
    what: str


@dataclass(frozen=True)
class NewResult:
    root: Path
    template: str  # where the template came from, for people
    template_commit: str | None  # the template version recorded for update
    answers: dict[str, Any]  # the answers, secrets left out
    files: list[CreatedFile]
    env_created: bool  # False when --force kept an .env that was already there
    git: GitOutcome
    warnings: list[str] = field(default_factory=list)
    has_stack: bool = True  # a compose file `kestra-init up` can start (another template's may not)
    # Files that were in the folder before (--force), kept out of the first commit.
    left_out: list[str] = field(default_factory=list)

    @property
    def ui_port(self) -> int | None:
        """Kestra's UI port, when the template asked for one (ours does)."""
        port = self.answers.get("kestra_port")
        return port if isinstance(port, int) and not isinstance(port, bool) else None

    @property
    def admin_email(self) -> str:
        return str(self.answers.get("admin_email") or "")

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        return {
            "root": str(self.root),
            "template": self.template,
            "template_commit": self.template_commit,
            "answers": self.answers,
            "files": [{"path": f.path, "what": f.what} for f in self.files],
            "env_created": self.env_created,
            "git": {
                "status": self.git.status,
                "detail": self.git.detail,
                "left_out": self.left_out,
            },
            "warnings": self.warnings,
        }


def create_project(
    destination: Path | str,
    *,
    data: Sequence[str] = (),
    defaults: bool = False,
    force: bool = False,
    git: bool = True,
    template: str | None = None,
    vcs_ref: str | None = None,
    interactive: bool | None = None,
    progress: Progress = lambda _message: None,
) -> NewResult:
    root = check_destination_name(destination)
    interactive = sys.stdin.isatty() if interactive is None else interactive
    _check_destination(root, force=force)

    own_template = template is None
    template_dir = packaged_template_dir() if template is None else _local_dir(template, vcs_ref)
    config = config_file(template_dir) if template_dir else None
    questions = load_questions(config) if config else {}
    answers_given = parse_data(data, questions)
    if not defaults and not interactive:
        raise UsageError(
            "There is no terminal to ask the template's questions",
            "Input is not an interactive terminal (a pipe, a file or CI).",
            "add --defaults to take the default answers, and --data KEY=VALUE "
            "for each one to change",
        )

    warnings: list[str] = []
    if own_template and template_dir is not None:
        progress("Preparing the template")
        src_path, ref, label = _own_template_source(template_dir, vcs_ref, warnings)
    else:
        src_path, ref, label = str(template), vcs_ref, str(template)
    # The project installs the kestra-init making it (a default: still asked,
    # and --data overrides it).
    pip_spec = installed_pip_spec() if own_template and PIP_SPEC_QUESTION in questions else None
    user_defaults = {PIP_SPEC_QUESTION: pip_spec.requirement} if pip_spec else {}

    existed = root.exists()
    before = set(os.listdir(root)) if existed else set()
    # --force writes into a folder that holds files, but never over them.
    keep = sorted(_files_under(root)) if existed else []
    # While Copier asks its questions the spinner must stop (an empty message).
    progress("" if interactive and not defaults else f"Rendering {root.name}")

    try:
        answers = copy_template(
            src_path=src_path,
            dst=root,
            vcs_ref=ref,
            data=answers_given,
            defaults=defaults,
            overwrite=force,
            interactive=interactive,
            keep=keep,
            # Known for a local template; a remote one's are not, so none is echoed.
            secret_names=secret_names(questions) if config else None,
            user_defaults=user_defaults,
        )
        env_created = _write_env(root, answers, own_template, warnings, progress)
    except BaseException:
        _remove_created(root, existed, before)
        raise

    top = work_tree_of(root)  # asked once: both git steps below need it
    _keep_env_out_of_git(root, warnings, in_repository=top is not None)
    # The files the template would have written (.env has its own warning).
    kept = [p for p in keep if p != ENV_FILE and (p in _DESCRIPTIONS or p == ".gitignore")]
    if kept:
        warnings.append(
            "kept your own " + ", ".join(kept) + " (the template's version was not written)"
        )
    if pip_spec and pip_spec.warning and _installs_elsewhere(answers, pip_spec.requirement):
        warnings.append(pip_spec.warning)

    # Only what this run made goes into the first commit: files that were in
    # the folder before (--force) may be anything, credentials included.
    kept_before = set(keep)
    generated = [path for path in _files_under(root) if path not in kept_before]
    left_out = [path for path in keep if path != ENV_FILE]
    if git:
        outcome = _first_commit(root, top, progress, only=generated if keep else None)
    else:
        outcome = GitOutcome("skipped", "--no-git")
    if outcome.status == "failed":
        warnings.append(
            f"git could not make the first commit ({outcome.detail}); "
            "commit the files yourself before running kestra-init update"
        )
    if outcome.status != "committed":
        left_out = []
    elif left_out:
        warnings.append(_left_out_warning(left_out))

    public = _public_answers(answers, questions)
    return NewResult(
        root=root,
        template=label,
        template_commit=_recorded_commit(root),
        answers=public,
        files=_created_files(root, generated, answers),
        env_created=env_created,
        git=outcome,
        warnings=warnings,
        has_stack=(root / "docker-compose.yml").is_file(),
        left_out=left_out,
    )


# Steps ---------------------------------------------------------------------------


def _check_destination(root: Path, *, force: bool) -> None:
    """Refuse, before anything is written, a destination we must not or cannot write."""
    if root.exists() and not root.is_dir():
        raise UsageError(
            f"{root} exists and is not a folder",
            "kestra-init new creates a project folder.",
            "choose a path that does not exist yet, or an empty folder",
        )
    if root.is_dir():
        # A clone of an empty repository (only .git) counts as empty.
        entries = sorted(name for name in os.listdir(root) if name != ".git")
        if entries and not force:
            shown = ", ".join(entries[:5]) + (" ..." if len(entries) > 5 else "")
            raise UsageError(
                f"{root} is not empty (it holds {shown})",
                "kestra-init new writes its files into an empty or new folder, so that "
                "nothing of yours is overwritten.",
                "choose a new folder name, or add --force to write the template's files "
                "into this one (files already there, .env included, are kept as they are)",
            )
        target = root
    else:
        target = root.parent
        while not target.exists():
            target = target.parent
        if not target.is_dir():
            raise EnvironmentProblem(
                f"Cannot create {root}",
                f"{target} is a file, not a folder.",
                "choose a path whose parent folders are folders",
            )
    if not os.access(target, os.W_OK | os.X_OK):
        raise EnvironmentProblem(
            f"Cannot create {root}",
            f"{target} is not writable for you.",
            "choose a folder you can write to (for example under your home folder)",
        )


def _own_template_source(
    template_dir: Path, vcs_ref: str | None, warnings: list[str]
) -> tuple[str, str | None, str]:
    try:
        cached = sync_packaged_template(template_dir, __version__)
    except CacheUnavailable as error:
        warnings.append(
            f"the template cache could not be used ({error}), so this project cannot be "
            "updated with kestra-init update; install git, or set XDG_CACHE_HOME to a "
            "writable folder, and run kestra-init new again if you need updates"
        )
        return str(template_dir), None, f"kestra-init {__version__} (packaged files)"
    return cached.src_path, vcs_ref or cached.ref, f"kestra-init {__version__}"


def _local_dir(template: str, vcs_ref: str | None) -> Path | None:
    """The template's folder when it is a local one (to read its questions).

    A folder without copier.yml is refused: Copier would copy it verbatim, a
    project of nothing but those files, with no question asked.
    """

    path = Path(template).expanduser()
    if not path.is_dir():
        return None
    # With --vcs-ref, Copier reads that revision of a local git repository,
    # whose copier.yml the work tree may not show.
    if config_file(path) is None and not (vcs_ref and (path / ".git").exists()):
        raise UsageError(
            f"The folder {template} is not a Copier template",
            f"It holds no {' or '.join(CONFIG_NAMES)}, the file that makes a folder a "
            "template (its questions and settings).",
            "pass the folder that holds copier.yml, or leave --template out to use "
            "kestra-init's own template",
        )
    return path


def _write_env(
    root: Path, answers: dict[str, Any], own_template: bool, warnings: list[str], progress: Progress
) -> bool:
    if (root / ENV_FILE).exists():
        warnings.append(".env was already there and was kept as it is (it is never overwritten)")
        return False
    if not (root / ENV_EXAMPLE_FILE).is_file():
        if own_template:
            raise EnvironmentProblem(
                f"The template did not produce {ENV_EXAMPLE_FILE}",
                "kestra-init's template is incomplete.",
                "reinstall kestra-init",
            )
        return False
    progress("Writing .env with fresh secrets")
    create_env_file(
        root,
        admin_password=str(answers.get("admin_password") or "") or None,
        admin_email=str(answers.get("admin_email") or "") or None,
    )
    return True


def _keep_env_out_of_git(root: Path, warnings: list[str], *, in_repository: bool) -> None:
    """A .gitignore kept by --force may not ignore .env: add the line it needs."""

    if not (root / ENV_FILE).exists():
        return
    try:
        added = ensure_ignored(
            root,
            ENV_FILE,
            "Added by kestra-init: .env holds the secrets.",
            in_repository=in_repository,
        )
    except OSError as error:
        warnings.append(
            f".gitignore could not be updated ({error.strerror or error}): add a line `/.env` "
            "to it yourself, so the secrets in .env are never committed"
        )
        return
    if added:
        warnings.append(
            "added `/.env` to your .gitignore: .env holds the project's secrets and must "
            "never be committed"
        )


def _first_commit(
    root: Path, top: Path | None, progress: Progress, *, only: list[str] | None
) -> GitOutcome:
    """``top``: the repository already holding ``root``, if any; ``only``: the
    files to commit (None: everything in the folder)."""

    if not git_available():
        return GitOutcome("no-git", "git is not installed")
    if top is not None:
        # The folder already belongs to a repository (a clone, a monorepo): its
        # commits are the owner's to make.
        return GitOutcome("existing-repo", str(top))
    progress("Making the first git commit")
    return init_and_commit(root, f"New Kestra project (kestra-init {__version__})", only=only)


def _installs_elsewhere(answers: dict[str, Any], requirement: str) -> bool:
    """Whether the project installs ``requirement`` on other machines (codespace, CI, hooks)."""
    places = ("devcontainer", "github_actions", "pre_commit")
    return answers.get(PIP_SPEC_QUESTION) == requirement and any(answers.get(p) for p in places)


def _left_out_warning(left_out: list[str]) -> str:
    shown = ", ".join(left_out[:10]) + (
        f" and {len(left_out) - 10} more" if len(left_out) > 10 else ""
    )
    return (
        f"left out of the first commit, because they were in the folder before: {shown}. "
        "Commit the ones that belong in the repository yourself (git add FILE), and add "
        "the others (credentials, local files) to .gitignore: kestra-init update needs "
        "a work tree with nothing uncommitted"
    )


def _public_answers(answers: dict[str, Any], questions: dict[str, Any]) -> dict[str, Any]:
    """The answers safe to show: never a secret one, never Copier's internals."""
    if questions:
        return {k: v for k, v in answers.items() if k in questions and not questions[k].secret}
    plain = (str, int, float, bool, list, type(None))
    return {
        k: v
        for k, v in answers.items()
        if not k.startswith("_") and "password" not in k.lower() and isinstance(v, plain)
    }


def _remove_created(root: Path, existed: bool, before: set[str]) -> None:
    if not existed:
        shutil.rmtree(root, ignore_errors=True)
        return
    for name in set(os.listdir(root)) - before:
        path = root / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)


def _recorded_commit(root: Path) -> str | None:
    try:
        data = yaml.safe_load((root / ANSWERS_FILE).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    commit = data.get("_commit") if isinstance(data, dict) else None
    return str(commit) if commit else None


def _created_files(root: Path, generated: list[str], answers: dict[str, Any]) -> list[CreatedFile]:
    stack = f"Kestra {answers.get('kestra_image_tag', '')}"
    if answers.get("database") == "postgres":
        stack += " + " + str(answers.get("postgres_image", "postgres")).replace(":", " ")
    elif answers.get("database") == "h2":
        stack += " with H2 inside"
    # Only what this run made: files that were there before (--force) are not listed.
    return [
        CreatedFile(relative, _DESCRIPTIONS.get(relative, "").format(stack=stack))
        for relative in sorted(generated)
    ]


def _files_under(root: Path) -> list[str]:
    return [path.relative_to(root).as_posix() for path in _walk(root)]


def _walk(root: Path):  # type: ignore[no-untyped-def]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            yield Path(dirpath) / name
