"""The Kestra version the flows are checked against (`validate --target`).

Some of Kestra's rules depend on its version (duplicate `preconditions` ids
are refused from 1.1, task `assets` are an Enterprise feature from 1.2, 2.0
removes `pluginDefaults`...), so the linter checks for one version line: the
one given with `--target` or in the project's settings, else the line the
project pins (its `kestra_version` answer or its compose file's image tag),
else the newest 1.x line. A target of 2.x adds the report of what to change
before upgrading, following Kestra's 2.0 migration guide.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The newest 1.x line kestra-init knows, the default when nothing pins one.
NEWEST_1X = (1, 3)
_TARGET_RE = re.compile(
    r"^\s*v?(?P<major>\d+)(?:\.(?P<minor>\d+))?(?:\.\d+)?(?P<ee>[-_ ]?(?:ee|enterprise))?\s*$",
    re.IGNORECASE,
)
# The tag of Kestra's image in a compose file: kestra/kestra:v1.3, :v1.3.4-no-plugins...
_IMAGE_TAG_RE = re.compile(r"^(?:[\w.-]+/)?kestra/kestra(?:-ee)?:v?(\d+(?:\.\d+)?)")


@dataclass(frozen=True, order=True)
class Target:
    """A Kestra version line, open source unless ``enterprise``."""

    major: int
    minor: int
    enterprise: bool = False

    def at_least(self, major: int, minor: int = 0) -> bool:
        return (self.major, self.minor) >= (major, minor)

    @property
    def upgrade_report(self) -> bool:
        """Whether the 2.0 migration findings apply."""
        return self.major >= 2

    @property
    def label(self) -> str:
        """How messages name it: `Kestra 1.3`, `Kestra 1.3 Enterprise`."""
        return f"Kestra {self}" + (" Enterprise" if self.enterprise else "")

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}" + ("-ee" if self.enterprise else "")


DEFAULT_TARGET = Target(*NEWEST_1X)


class TargetError(ValueError):
    """A target that is not a Kestra version kestra-init can check for."""


def parse_target(text: str) -> Target:
    """`1.3`, `v1.3`, `1.3.2`, `2.0`, `2` or `1.3-ee` as a ``Target``."""
    match = _TARGET_RE.match(text)
    if not match:
        raise TargetError(
            f"`{text}` is not a Kestra version: write a version line such as 1.3 or 2.0 "
            "(add -ee for the Enterprise Edition, as in 1.3-ee)"
        )
    major = int(match.group("major"))
    minor = int(match.group("minor") or 0)
    if major < 1:
        raise TargetError(
            f"Kestra {major}.{minor} is older than kestra-init checks for: the rules follow "
            "Kestra 1.0 and later. Use 1.0 as the oldest target"
        )
    if major > 2:
        raise TargetError(
            f"Kestra {major}.x is newer than kestra-init knows: the newest target it checks "
            "for is 2.0"
        )
    return Target(major, minor, bool(match.group("ee")))


def target_of_version(version: object) -> Target | None:
    """The line of a pinned version (`v1.3`, `1.1.2`), or None when it says none."""
    if not isinstance(version, str):
        return None
    try:
        return parse_target(version)
    except TargetError:
        return None  # `latest` or a typo: the project's own checks report it


def target_of_image(image: object) -> Target | None:
    """The line of a `kestra/kestra:v1.3...` image reference, or None."""
    if not isinstance(image, str):
        return None
    match = _IMAGE_TAG_RE.match(image.strip())
    if not match:
        return None
    found = target_of_version(match.group(1))
    if found is not None and "kestra-ee" in image:
        return Target(found.major, found.minor, True)
    return found
