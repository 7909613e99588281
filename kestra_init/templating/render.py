"""Copier's copy and update, with its failures turned into our error categories.

copier is imported inside the functions: it costs a few tenths of a second and
only `new` and `update` need it.
"""

from __future__ import annotations

import contextlib
import errno
import re
import warnings
from collections.abc import Collection, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from kestra_init.errors import EnvironmentProblem, UsageError
from kestra_init.templating.prompts import whole_validation_messages

# Copier's own words when an answer breaks a rule (copier 9.x, _user_data.py).
_VALIDATION_RE = re.compile(r"^Validation error for question '(?P<name>[^']+)': (?P<why>.*)$", re.S)
_CHOICE_RE = re.compile(r"^Invalid choice for '(?P<name>[^']+)': (?P<why>.*)$", re.S)
_REQUIRED_RE = re.compile(r'^Question "(?P<name>[^"]+)" is required$')
_UNKNOWN_REVISION = "Unknown revision"  # copier 9.x, _vcs.py, for a --vcs-ref git lacks


def copy_template(
    *,
    src_path: str,
    dst: Path,
    vcs_ref: str | None,
    data: Mapping[str, Any],
    defaults: bool,
    overwrite: bool,
    interactive: bool,
    keep: Sequence[str] = (),
    secret_names: Collection[str] | None = None,
    user_defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Render the template into ``dst``; return every answer, secret ones included.

    ``keep``: paths (relative to ``dst``) that must not be written, even when the
    template has a file of that name. ``secret_names``: the template's secret
    questions, whose answers an error must never echo (None: not known, so no
    answer is echoed). ``user_defaults``: defaults that replace the template's
    own, still asked in a terminal (unlike ``data``, which answers).
    """
    from copier import run_copy

    with _copier_errors(
        command="new",
        interactive=interactive,
        source=src_path,
        vcs_ref=vcs_ref,
        given=data,
        secret_names=secret_names,
    ):
        worker = run_copy(
            src_path,
            dst,
            data=dict(data),
            vcs_ref=vcs_ref,
            settings=_settings(),
            defaults=defaults,
            overwrite=overwrite,
            quiet=True,
            unsafe=False,
            cleanup_on_error=True,
            skip_if_exists=[_literal_pattern(path) for path in keep],
            user_defaults=dict(user_defaults or {}),
        )
    return dict(worker.answers.combined)


def update_project(
    *,
    root: Path,
    vcs_ref: str | None,
    data: Mapping[str, Any],
    defaults: bool,
    interactive: bool,
    conflict: Literal["inline", "rej"] = "inline",
    source: str = "the recorded template",
    secret_names: Collection[str] | None = None,
) -> dict[str, Any]:
    """Copier's update of ``root`` (3-way merge); return the answers it recorded.

    The template is the one the answers file records (``_src_path``, named by
    ``source`` in messages): Copier rebuilds the old version from it too, so
    there is no other source to pass.
    """
    from copier import run_update

    with _copier_errors(
        command="update",
        interactive=interactive,
        source=source,
        vcs_ref=vcs_ref,
        given=data,
        secret_names=secret_names,
    ):
        worker = run_update(
            root,
            data=dict(data),
            vcs_ref=vcs_ref,
            settings=_settings(),
            defaults=defaults,
            overwrite=True,
            quiet=True,
            conflict=conflict,
            skip_answered=True,
            unsafe=False,
        )
    return dict(worker.answers.combined)


def render_recorded(
    *, src_path: str, vcs_ref: str, answers: Mapping[str, Any], dst: Path, source: str
) -> None:
    """Render the template version a project records, with its recorded answers, into ``dst``.

    What the project's files were when the template last wrote them: `update`
    compares the user's files with it to find their edits.
    """
    from copier import run_copy

    recorded = {k: v for k, v in answers.items() if not k.startswith("_")}
    with _copier_errors(
        command="update",
        interactive=False,
        source=source,
        vcs_ref=vcs_ref,
        given={},
        secret_names=None,
    ):
        run_copy(
            src_path,
            dst,
            data=recorded,
            vcs_ref=vcs_ref,
            settings=_settings(),
            defaults=True,
            overwrite=True,
            quiet=True,
            unsafe=False,
        )


def _literal_pattern(path: str) -> str:
    """A gitignore-style pattern matching exactly ``path`` (Copier's skip_if_exists)."""
    escaped = "".join("\\" + c if c in "[]*?!#\\ " else c for c in path)
    return "/" + escaped


def _settings():  # type: ignore[no-untyped-def]
    # Copier's user settings file (~/.config/copier) would change defaults and
    # trust behind the user's back; kestra-init answers come from its options only.
    from copier.settings import Settings

    return Settings()


@contextlib.contextmanager
def _copier_errors(
    *,
    command: Literal["new", "update"],
    interactive: bool,
    source: str,
    vcs_ref: str | None,
    given: Mapping[str, Any],
    secret_names: Collection[str] | None,
) -> Iterator[None]:
    from copier.errors import (
        CopierAnswersInterrupt,
        CopierError,
        InteractiveSessionError,
        UnsafeTemplateError,
        UserMessageError,
    )
    from plumbum import ProcessExecutionError

    with warnings.catch_warnings(), whole_validation_messages():
        # Copier warns about dirty local templates and the like on stderr; our
        # own summary says what matters.
        warnings.simplefilter("ignore")
        try:
            yield
        except CopierAnswersInterrupt as error:
            raise KeyboardInterrupt from error
        except InteractiveSessionError as error:
            raise UsageError(
                "There is no terminal to ask the template's questions",
                "kestra-init was not run from an interactive terminal (input is a pipe or a file).",
                "add --defaults, and --data KEY=VALUE for each answer you want to change",
            ) from error
        except UnsafeTemplateError as error:
            raise UsageError(
                f"The template {source} wants to run commands or load Jinja extensions",
                "kestra-init never runs code from a template.",
                "use a template without tasks, or run `copier copy --trust` yourself",
            ) from error
        except ProcessExecutionError as error:
            raise UsageError(
                f"The template {source} could not be fetched",
                _last_line(str(error.stderr) or str(error)),
                "check the --template address and the --vcs-ref tag or commit",
            ) from error
        except UserMessageError as error:
            # Copier's own messages for people (a template needing a newer
            # Copier, a missing extension...): its text is the explanation.
            raise _copier_says(error, command, source) from error
        except ValueError as error:
            raise _answer_error(
                error,
                command=command,
                interactive=interactive,
                source=source,
                vcs_ref=vcs_ref,
                given=given,
                secret_names=secret_names,
            ) from error
        except PermissionError as error:
            raise EnvironmentProblem(
                f"Cannot write {error.filename or 'the project folder'}",
                "Permission denied.",
                "choose a folder you can write to, or fix its permissions",
            ) from error
        except OSError as error:
            if error.errno == errno.ENAMETOOLONG:
                raise UsageError(
                    f"The path {error.filename or 'of the project'} is too long",
                    "The file system refuses a name that long (a folder name may be at "
                    "most 255 bytes on most systems).",
                    "choose a shorter folder name or a folder nearer the top",
                ) from error
            if error.filename is None:
                raise
            raise EnvironmentProblem(
                f"Cannot write {error.filename}",
                error.strerror or str(error),
                "choose another folder (one you can write to, on a disk with free space)",
            ) from error
        except CopierError as error:
            # Any other refusal of Copier's (a yield tag misused, bad settings):
            # about the template, never a bug of ours.
            raise _copier_says(error, command, source) from error


def _copier_says(error: Exception, command: str, source: str) -> UsageError:
    from copier.errors import UnsupportedVersionError

    what = (
        f"Copier could not use the template {source}"
        if command == "new"
        else "Copier could not update this project"
    )
    fix = f"do what Copier's message says, then run kestra-init {command} again"
    if isinstance(error, UnsupportedVersionError):
        # The Copier in question is the one installed with kestra-init.
        fix = (
            "use a version of the template made for this Copier (--vcs-ref an older tag), "
            "or upgrade Copier where kestra-init is installed "
            "(pipx inject kestra-init --force 'copier>=VERSION', or pip install -U copier)"
        )
    return UsageError(what, str(error).strip() or type(error).__name__, fix)


def _answer_error(
    error: ValueError,
    *,
    command: str,
    interactive: bool,
    source: str,
    vcs_ref: str | None,
    given: Mapping[str, Any],
    secret_names: Collection[str] | None,
) -> UsageError:
    message = str(error).strip()
    for pattern in (_VALIDATION_RE, _CHOICE_RE, _REQUIRED_RE):
        match = pattern.match(message)
        if match:
            name = match.group("name")
            why = match.groupdict().get("why") or f"{name} has no default and no answer."
            fix = f"pass an allowed value with --data {name}=VALUE"
            if interactive:
                fix += ", or run without it and answer the prompt"
            what = f"The answer to {name!r} is not allowed"
            # Echo the value only when the template says the question is not a
            # secret; with no list of secrets (a remote template), echo none.
            if name in given and secret_names is not None and name not in secret_names:
                what = f"--data {name}={_shown(given[name])} is not allowed"
            elif name in given:
                what = f"The {name} given with --data is not allowed"
            return UsageError(what, why.strip(), fix)
    if message.startswith(_UNKNOWN_REVISION) and vcs_ref:
        return UsageError(
            f"--vcs-ref {vcs_ref} is not a tag or commit of the template {source}",
            f"Copier found no revision {vcs_ref!r} in the template's git history.",
            f"list the template's tags with `git ls-remote --tags {_git_address(source)}` "
            "and pass one of them (or a commit), or leave --vcs-ref out for the default "
            "version",
        )
    if "Local template must be a directory" in message or "not a git" in message.lower():
        return UsageError(
            f"The template {source} was not found",
            "It is neither a folder holding copier.yml nor a git repository.",
            "check the --template path or URL",
        )
    # Anything else Copier refuses with a ValueError (a broken copier.yml, a
    # bad path in the template): its text still says what is wrong.
    return _copier_says(error, command, source)


def _git_address(source: str) -> str:
    """What git understands for Copier's ``gh:``/``gl:`` shorthands (copier 9.x)."""
    for prefix, host in (("gh:", "https://github.com/"), ("gl:", "https://gitlab.com/")):
        if source.startswith(prefix):
            return host + source[len(prefix) :]
    return source


def _shown(value: Any) -> str:
    return ",".join(map(str, value)) if isinstance(value, list) else str(value)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else text
