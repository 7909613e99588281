"""What pip should install, in a new project's codespace, CI and pre-commit hook, as kestra-init.

The answer `kestra_init_pip_spec` defaults to the kestra-init that is making
the project, so an attendee's codespace runs the same version as the organiser:

- installed from the package index: ``kestra-init==<this version>``;
- installed from a git URL: that URL at the installed commit
  (``kestra-init @ git+URL@COMMIT``), because that version may never be on the index;
- installed from a local folder or file (an editable development copy, a wheel
  built here): a ``file://`` requirement, which works on this machine only, and a
  warning saying so (a codespace or a CI runner cannot see that path).

How kestra-init was installed is read from the ``direct_url.json`` that pip writes
for a direct-URL install (PEP 610, "Recording the Direct URL Origin of installed
distributions"); an install from an index has none.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from kestra_init import __version__

DISTRIBUTION = "kestra-init"


@dataclass(frozen=True)
class PipSpec:
    requirement: str  # what `pip install` takes, e.g. kestra-init==0.2.0
    local_path: str | None = None  # the path when the requirement names this machine only

    @property
    def warning(self) -> str | None:
        if self.local_path is None:
            return None
        return (
            f"kestra-init was installed from {self.local_path}, a path on this machine, so the "
            "project's codespace and CI will install it from there and fail (they cannot see "
            "it). For them, make the project with --data kestra_init_pip_spec=SPEC, where SPEC "
            "is a release (kestra-init==X.Y.Z) or a git URL (kestra-init @ git+https://...@TAG)"
        )


def installed_pip_spec() -> PipSpec:
    """The requirement that installs this very kestra-init (see the module's notes)."""
    try:
        distribution = metadata.distribution(DISTRIBUTION)
        text = distribution.read_text("direct_url.json")
    except (metadata.PackageNotFoundError, OSError):
        # Run from a source tree that was never installed: its version is all we know.
        return PipSpec(pinned(__version__))
    if not text:
        return PipSpec(pinned(distribution.version or __version__))
    try:
        origin = json.loads(text)
    except ValueError:
        origin = None
    spec = spec_from_direct_url(origin) if isinstance(origin, dict) else None
    return spec or PipSpec(pinned(distribution.version or __version__))


def pinned(version: str) -> str:
    return f"{DISTRIBUTION}=={version}"


def spec_from_direct_url(origin: dict[str, Any]) -> PipSpec | None:
    """The requirement for a PEP 610 record; None when the record is not one we understand."""
    url = origin.get("url")
    if not isinstance(url, str) or not url:
        return None
    subdirectory = origin.get("subdirectory")
    fragment = f"#subdirectory={quote(subdirectory)}" if isinstance(subdirectory, str) else ""
    vcs_info = origin.get("vcs_info")
    if isinstance(vcs_info, dict):
        vcs, commit = vcs_info.get("vcs"), vcs_info.get("commit_id")
        if not isinstance(vcs, str) or not isinstance(commit, str) or not commit:
            return None
        # The commit, not the branch or tag that was asked for: a branch moves,
        # and a tag can be moved; the commit is what this machine runs.
        address = f"{vcs}+{url}@{commit}{fragment}"
        local = _local_path(url)
        # `NAME @ git+file://...` is refused by pips before 24 (their URL check wants
        # a host); the bare address, whose name pip reads from the project, is not.
        return PipSpec(address if local else f"{DISTRIBUTION} @ {address}", local)
    requirement = f"{DISTRIBUTION} @ {url}{fragment}"
    return PipSpec(requirement, _local_path(url))


def _local_path(url: str) -> str | None:
    if not url.lower().startswith("file://"):
        return None
    path = unquote(urlsplit(url).path)
    if os.name == "nt" and re.match(r"^/[A-Za-z]:", path):
        path = path[1:].replace("/", "\\")  # file:///C:/x is C:\x
    return path or url
