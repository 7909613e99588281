"""Reading and writing the project's ``.env`` file.

Written here rather than with python-dotenv: we only need the subset Docker
Compose reads (``KEY=VALUE``, comments, optional quotes, ``export``), we must
create the file with mode 0600 from the first byte, and one more dependency
for forty lines is not worth it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from kestra_init.errors import EnvironmentProblem, UsageError

_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
# Values made only of these characters are written bare; others in single
# quotes, which Compose reads literally (no ${...} interpolation).
_BARE_RE = re.compile(r"^[A-Za-z0-9_.,:/@+=%-]*$")


def parse_env(text: str) -> dict[str, str]:
    """The variables of a .env text; later definitions win, as in Compose."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LINE_RE.match(line)
        if not match:
            continue
        key, raw = match.groups()
        values[key] = _unquote(raw)
    return values


def read_env(path: Path) -> dict[str, str]:
    """The variables of ``path``, or an empty dict when it does not exist.

    A file that exists but cannot be read (not UTF-8 text, no permission, a
    folder) is an error with its fix, not a crash: people edit .env by hand.
    """
    try:
        return parse_env(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except UnicodeDecodeError as error:
        raise UsageError(
            f"{path} is not UTF-8 text",
            f"Byte 0x{error.object[error.start]:02x} at offset {error.start} is not valid "
            "UTF-8; Docker Compose and kestra-init read .env as UTF-8 `KEY=VALUE` lines.",
            "Open it in a text editor and save it as UTF-8 (plain text, not a word "
            "processor document), or delete it: `kestra-init up` creates a new one from "
            ".env.example with fresh secrets",
        ) from None
    except OSError as error:
        raise EnvironmentProblem(
            f"{path} cannot be read",
            f"{error.strerror or error}: it holds the project's ports and credentials.",
            "Make it a file you can read (`ls -l .env`; it may belong to root after a "
            "`sudo` command: `sudo chown $USER .env`), then run the command again",
        ) from None


def format_env(values: Mapping[str, str], header: str = "") -> str:
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    lines += [f"{key}={_quote(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_env(path: Path, values: Mapping[str, str], header: str = "") -> None:
    """Write a new .env readable by its owner only (0600), atomically.

    The file is created with mode 0600 (never world-readable, not even for a
    moment) and moved into place, so a crash leaves the old file intact.
    """
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(format_env(values, header))
        os.chmod(tmp, 0o600)  # O_CREAT's mode is masked by umask; be explicit
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        inner = raw[1:-1]
        return inner if raw[0] == "'" else inner.replace('\\"', '"').replace("\\\\", "\\")
    # An unquoted value ends at " #" (an inline comment), as in Compose.
    return raw.split(" #", 1)[0].rstrip()


def _quote(value: str) -> str:
    if _BARE_RE.match(value):
        return value
    if "'" not in value and "\n" not in value:
        return f"'{value}'"
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'
