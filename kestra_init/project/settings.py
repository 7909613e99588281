"""The project's own settings for kestra-init: `kestra-init.toml`, or pyproject.toml.

    # kestra-init.toml, at the project's root
    [validate]
    target = "1.3"                      # the Kestra line the flows are checked for
    ignore = ["plaintext-credential"]   # rules never reported in this project

In a Python project the same table may live in pyproject.toml as
`[tool.kestra-init.validate]`. When both files exist, kestra-init.toml wins
(it is the one written for kestra-init alone).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kestra_init.errors import UsageError

SETTINGS_FILE = "kestra-init.toml"
PYPROJECT_FILE = "pyproject.toml"
_KEYS = {"target", "ignore"}


@dataclass(frozen=True)
class ValidateSettings:
    """What a project says about `validate`; empty when it says nothing."""

    target: str | None = None
    ignore: tuple[str, ...] = ()
    source: Path | None = None  # the file they came from


def find_settings_file(start: Path) -> Path | None:
    """The settings file of the folder ``start`` or the nearest parent that has one.

    The search stops at a git repository's root, so a project never picks up
    the settings of whatever folder happens to hold it.
    """
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        own = candidate / SETTINGS_FILE
        if own.is_file():
            return own
        pyproject = candidate / PYPROJECT_FILE
        if pyproject.is_file() and b"kestra-init" in _head(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            return None
    return None


def read_validate_settings(path: Path | None) -> ValidateSettings:
    """The `validate` table of ``path``; raises UsageError when it cannot be used."""
    if path is None:
        return ValidateSettings()
    # Imported only when a settings file exists: most projects have none.
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10 has no tomllib; tomli is the same parser
        import tomli as tomllib
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} cannot be read",
            f"It holds kestra-init's settings for this project ({error}).",
            "fix its permissions or encoding, or delete it",
        ) from error
    except tomllib.TOMLDecodeError as error:
        raise UsageError(
            f"{path} is not valid TOML: {error}",
            "kestra-init reads the project's validate settings from it.",
            "fix the line it names; the format is documented in docs/validate.md",
        ) from error
    if path.name == PYPROJECT_FILE:
        table: Any = data.get("tool", {}).get("kestra-init", {}).get("validate", {})
        where = "[tool.kestra-init.validate]"
    else:
        table = data.get("validate", {})
        where = "[validate]"
    if not isinstance(table, dict):
        raise _bad(path, where, f"{where} must be a table of settings")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _bad(
            path,
            where,
            f"{where} has {', '.join(unknown)}, which kestra-init does not know",
            "the settings are `target` and `ignore`",
        )
    target = table.get("target")
    if target is not None and not isinstance(target, str):
        raise _bad(path, where, '`target` must be a string such as "1.3"')
    ignore = table.get("ignore", [])
    if not isinstance(ignore, list) or not all(isinstance(item, str) for item in ignore):
        raise _bad(path, where, '`ignore` must be a list of rule ids, e.g. ["file-empty"]')
    return ValidateSettings(target, tuple(ignore), path)


def load_validate_settings(start: Path) -> ValidateSettings:
    return read_validate_settings(find_settings_file(start))


def _bad(path: Path, where: str, what: str, fix: str = "") -> UsageError:
    return UsageError(
        f"{path}: {what}",
        f"kestra-init reads the validate settings from {where} of that file.",
        fix or "correct the value (see docs/validate.md, section Settings)",
    )


def _head(path: Path) -> bytes:
    try:
        return path.read_bytes()[:200_000]
    except OSError:
        return b""
