"""Is the PATH given to `kestra-init new` a folder name the file system can hold?

Checked before anything is written, so a bad name is a usage error that says
what is wrong, not an OSError from deep inside Copier (a name over the file
system's limit used to end in exit 70) or a project built somewhere else (an
empty PATH meant the current folder).
"""

from __future__ import annotations

import os
from pathlib import Path

from kestra_init.errors import UsageError

# The usual limit of one name (ext4, APFS, NTFS: 255) and of a whole path
# (Linux's PATH_MAX), when the system does not say.
_NAME_MAX = 255
_PATH_MAX = 4096
# Room kept under the path limit for the files the template writes under the
# folder (.github/workflows/validate-flows.yml, namespace-files/<namespace>/...).
_ROOM_FOR_FILES = 200
# Names Windows reserves for devices, and the characters it refuses in a name.
_WINDOWS_DEVICES = {"con", "prn", "aux", "nul"} | {
    f"{device}{number}" for device in ("com", "lpt") for number in range(1, 10)
}
_WINDOWS_FORBIDDEN = set('<>:"|?*')


def check_destination_name(destination: Path | str, *, windows: bool | None = None) -> Path:
    """The absolute folder to create; UsageError when the name cannot be one."""
    text = os.fspath(destination)
    if not text.strip():
        raise UsageError(
            "The project folder is empty" + ("" if not text else " (only white space)"),
            "kestra-init new PATH makes the project in the folder PATH; an empty one would "
            "build it in the current folder without anyone having asked for that.",
            "give the folder to create, e.g. `kestra-init new myproj` (or `kestra-init new .` "
            "to use the current folder when it is empty)",
        )
    root = Path(os.path.abspath(os.path.expanduser(text)))
    windows = os.name == "nt" if windows is None else windows
    existing = root
    # os.path.exists, not Path.exists: the latter raises on a name over the limit.
    while not os.path.exists(existing) and existing != existing.parent:
        existing = existing.parent
    name_max, path_max = _limits(existing)
    new_parts = root.parts[len(existing.parts) :] if existing != root else ()
    for part in new_parts:
        size = len(os.fsencode(part))
        if size > name_max:
            raise UsageError(
                f"The folder name {_shortened(part)} is too long ({size} bytes)",
                f"A file or folder name may be at most {name_max} bytes here (in UTF-8, where "
                "an accented letter takes 2 and most other scripts 3).",
                "choose a shorter name",
            )
        problem = _windows_problem(part) if windows else None
        if problem:
            raise UsageError(
                f"The folder name {part!r} cannot be used on Windows",
                problem,
                "choose another name (letters, digits, - and _ are safe everywhere)",
            )
    if len(os.fsencode(str(root))) + _ROOM_FOR_FILES > path_max:
        raise UsageError(
            f"The path {_shortened(str(root))} is too long",
            f"The project's files would have paths over the {path_max} bytes this system allows.",
            "choose a folder nearer the top (e.g. under your home folder)",
        )
    return root


def _limits(existing: Path) -> tuple[int, int]:
    try:
        return (
            int(os.pathconf(existing, "PC_NAME_MAX")),
            int(os.pathconf(existing, "PC_PATH_MAX")),
        )
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows) or no answer
        return _NAME_MAX, _PATH_MAX


def _windows_problem(name: str) -> str | None:
    forbidden = sorted({c for c in name if c in _WINDOWS_FORBIDDEN or ord(c) < 32})
    if forbidden:
        shown = " ".join(repr(c) for c in forbidden)
        return f"Windows refuses these characters in a name: {shown}."
    if name.rstrip(". ") != name:
        return "Windows drops a dot or space at the end of a name, so the folder would differ."
    if name.split(".", 1)[0].lower() in _WINDOWS_DEVICES:
        return f"{name.split('.', 1)[0]} is the name of a device on Windows."
    return None


def _shortened(text: str) -> str:
    return repr(text if len(text) <= 60 else text[:40] + "..." + text[-10:])
