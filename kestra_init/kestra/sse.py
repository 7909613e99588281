"""Reading a Server-Sent Events stream line by line.

Written here rather than taken from httpx-sse: it is about thirty lines and the
project keeps its runtime dependencies to the ones it already has.

Kestra's follow endpoints name their events in the SSE ``id`` field (Micronaut's
``Event.of(x).id("progress")``): ``start``, ``progress``, ``end``. A stream that
uses ``event:`` instead is read the same way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


class FollowInterrupted(Exception):
    """The follow stream stopped before the end event (read timeout or dropped connection)."""

    def __init__(self, reason: str, *, quiet: bool = False) -> None:
        super().__init__(reason)
        self.quiet = quiet  # True: no event within the read timeout, nothing went wrong


@dataclass(frozen=True)
class ServerEvent:
    name: str  # the `event` field, else the `id` field, else "message"
    data: str

    def json(self) -> Any:
        """The data as JSON; None when there is none or it is not JSON.

        A malformed event (a proxy cutting a line, a server bug) is skipped by
        the reader, never the end of the command.
        """
        if not self.data:
            return None
        try:
            return json.loads(self.data)
        except ValueError:
            return None


def iter_events(lines: Iterable[str]) -> Iterator[ServerEvent]:
    event = ident = ""
    data: list[str] = []
    for raw in lines:
        line = raw.rstrip("\r\n")
        if not line:
            if data or event or ident:
                yield ServerEvent(event or ident or "message", "\n".join(data))
            event = ident = ""
            data = []
            continue
        if line.startswith(":"):
            continue  # a comment, used as a keep-alive
        name, _, value = line.partition(":")
        value = value[1:] if value.startswith(" ") else value
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
        elif name == "id":
            ident = value
    if data or event or ident:
        yield ServerEvent(event or ident or "message", "\n".join(data))
