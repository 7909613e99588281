"""Comments that switch a rule off for one line or one file.

    message: "{{ outputs.later.value }}"  # kestra-init: ignore[expression-unknown-task]
    # kestra-init: ignore[plaintext-credential]    <- on its own line: the next line
    # kestra-init: ignore-file[file-empty, not-a-flow]

A comment always names the rules it silences (there is no blanket "ignore
all"), so that a new finding of another rule still shows. Several rules are
separated by commas. The comments are found in the file's lines as written, so
one inside a script block (`# ...` is a comment in Python and shell too)
works for the script line it is on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MARKER = "kestra-init:"
_COMMENT_RE = re.compile(r"#\s*kestra-init:\s*(ignore-file|ignore)\s*\[([^\]\n]*)\]")


@dataclass
class Suppressions:
    lines: dict[int, set[str]] = field(default_factory=dict)  # 1-based line -> rule ids
    file: set[str] = field(default_factory=set)
    # (line, column, rule id) of every rule named, to report the unknown ones.
    named: list[tuple[int, int, str]] = field(default_factory=list)

    def covers(self, rule: str, line: int) -> bool:
        return rule in self.file or rule in self.lines.get(line, ())


def read_suppressions(lines: list[str]) -> Suppressions:
    found = Suppressions()
    pending: set[str] = set()  # from comments alone on their line, for the next line
    for number, line in enumerate(lines, start=1):
        if MARKER not in line:
            if pending and line.strip() and not line.lstrip().startswith("#"):
                found.lines.setdefault(number, set()).update(pending)
                pending = set()
            continue
        own_line = False
        for match in _COMMENT_RE.finditer(line):
            ids = [part.strip() for part in match.group(2).split(",") if part.strip()]
            found.named.extend((number, match.start() + 1, rule) for rule in ids)
            if match.group(1) == "ignore-file":
                found.file.update(ids)
                continue
            own_line = not line[: match.start()].strip()
            if own_line:
                pending.update(ids)
            else:
                found.lines.setdefault(number, set()).update(ids)
        if not own_line and pending and line.strip() and not line.lstrip().startswith("#"):
            found.lines.setdefault(number, set()).update(pending)
            pending = set()
    return found
