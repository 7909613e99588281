"""Fault injection: answers a test asks the fake to give instead of the real ones."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Fault:
    pattern: str
    kind: str  # "status" | "slow" | "drop"
    times: int | None  # None = until cleared
    method: str | None = None
    status: int = 500
    seconds: float = 0.0
    body: str | bytes | None = None  # bytes go out as they are (a damaged zip)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method:
            return False
        return re.search(self.pattern, path) is not None
