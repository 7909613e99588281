"""Progress events a stack command reports besides checks and readiness stages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StepLine:
    """Something that happened, in one line (e.g. ".env created")."""

    text: str
    ok: bool = True


@dataclass(frozen=True)
class PullLine:
    """One line of Compose's image pull output."""

    text: str
