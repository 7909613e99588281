"""What may leave the machine: files that are the project's own, never a secret.

`sync` uploads flow files and namespace files. A file is refused, with its
name and the reason, when it

- resolves outside the project (a symbolic link to ``~/.aws/credentials``);
- is, or links to, a file git ignores in the project (``.env`` and what
  people list next to it): what is kept out of git is kept off the server too;
- is named like a secret (``.env``, ``.env.*``, a private key), in case the
  project is not a git repository.

One ``git check-ignore`` process answers for every file at once.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

from kestra_init.services.real_paths import RealPaths

# Names that hold secrets wherever they are (checked without git too).
SECRET_NAMES = (".env", ".env.*", "*.pem", "*.key", "id_rsa", "id_ed25519", ".netrc", ".pgpass")
# Committed on purpose, without secrets.
_NOT_SECRET = (".env.example", ".env.sample", ".env.template")


def refused_uploads(files: Iterable[Path], project_root: Path | None) -> dict[Path, str]:
    """The files of ``files`` that must not be uploaded, each with the reason."""
    root = project_root.resolve() if project_root else None
    inside = _prefix(root) if root is not None else ""
    refused: dict[Path, str] = {}
    targets: dict[Path, tuple[str, bool]] = {}
    real = RealPaths()
    for file in files:
        # Strings, not Paths, in this loop: it runs for every file of every sync.
        absolute = real.absolute(file)
        target = real.of(absolute)
        linked = target != absolute
        shown = f"links to {target}, which" if linked else "is a file that"
        name = os.path.basename(target)
        if root is not None and not (target == str(root) or target.startswith(inside)):
            refused[file] = (
                f"{shown} lies outside the project ({root}): kestra-init uploads only the "
                "project's own files; copy the file into the project if it must go to Kestra"
            )
        elif _secret_name(name) or (linked and _secret_name(file.name)):
            refused[file] = (
                f"{shown} is named like a secret ({name}): it is never uploaded; "
                "put what a flow needs in .env as SECRET_* and read it with secret()"
            )
        else:
            targets[file] = (target, linked)
    if root is not None and targets:
        for file in _ignored(root, {file: target for file, (target, _) in targets.items()}):
            target, linked = targets[file]
            which = f"links to {target}, which git ignores" if linked else "is ignored by git"
            refused[file] = (
                f"{which} in this project (it may hold a secret, like .env): what git keeps "
                "out is never uploaded; stop ignoring it in .gitignore if it must go to Kestra"
            )
    return refused


def _prefix(root: Path) -> str:
    """What the path of everything inside ``root`` starts with."""
    text = str(root)
    return text if text.endswith(os.sep) else text + os.sep


# One expression for all the patterns: `fnmatch` one pattern at a time was the
# slowest part of looking at 2,000 files.
_SECRET_PATTERN = re.compile("|".join(fnmatch.translate(pattern) for pattern in SECRET_NAMES))


def _secret_name(name: str) -> bool:
    return name not in _NOT_SECRET and _SECRET_PATTERN.match(name) is not None


def _ignored(root: Path, targets: dict[Path, str]) -> list[Path]:
    """The files whose target git ignores in ``root`` (none when git cannot tell)."""
    if shutil.which("git") is None or not _in_a_repository(root):
        return []
    start = len(_prefix(root))
    relative = {file: target[start:].replace(os.sep, "/") for file, target in targets.items()}
    try:
        answer = subprocess.run(
            ["git", "-C", str(root), "check-ignore", "--no-index", "--stdin", "-z"],
            input="\0".join(relative.values()) + "\0",
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return []
    # Exit 0: some are ignored; 1: none; anything else: git could not tell.
    if answer.returncode not in (0, 1):
        return []
    ignored = {name for name in answer.stdout.split("\0") if name}
    return [file for file, name in relative.items() if name in ignored]


def _in_a_repository(root: Path) -> bool:
    return any((folder / ".git").exists() for folder in (root, *root.parents))
