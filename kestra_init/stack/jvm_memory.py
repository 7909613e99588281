"""Kestra's JVM heap, fitted to the memory Docker has, with the database beside it.

Without a container memory limit the JVM sizes its heap from the whole
machine (a quarter of it by default), blind to Postgres, the task containers
and, in a codespace, the editor sharing the same memory. Kestra's image passes
``JAVA_OPTS`` to the JVM; the compose file sets it from ``KESTRA_JAVA_OPTS``.

`up` writes a fitted value into ``.env`` once, when neither ``.env`` nor the
environment has one. In ``.env`` rather than in the environment of the compose
call: a plain `docker compose up -d` then sees the same value, instead of
recreating Kestra without it (and `up` recreating it again). It is the
person's from then on: `up` never changes it, and warns when it is too big
for the machine (a codespace resized, a project copied elsewhere).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from kestra_init.errors import EnvironmentProblem
from kestra_init.project import ENV_FILE, Project

ENV_JAVA_OPTS = "KESTRA_JAVA_OPTS"
MIB = 1024**2
GIB = 1024**3
# Share of the machine's memory for the heap. With H2 the database lives inside the
# JVM (its cache is heap), so it gets more; with Postgres the rest is for Postgres,
# task containers and the system.
HEAP_SHARE = {"postgres": 0.35, "h2": 0.45}
HEAP_MIN = 1 * GIB  # below this Kestra does not start reliably
HEAP_MAX = 4 * GIB  # a development stack gains nothing from more
TOO_BIG = 0.6  # of Docker's memory: above it, the database and tasks are squeezed
_XMX_RE = re.compile(r"-Xmx(\d+)([kKmMgG]?)\b")
_UNITS = {"": 1, "k": 1024, "m": MIB, "g": GIB}


def heap_bytes(mem_total: int, database: str) -> int:
    share = HEAP_SHARE.get(database, HEAP_SHARE["postgres"])
    return int(min(HEAP_MAX, max(HEAP_MIN, mem_total * share)))


def java_opts(mem_total: int, database: str) -> str:
    return f"-Xmx{heap_bytes(mem_total, database) // MIB}m"


def chosen_java_opts(project: Project, environ: Mapping[str, str] | None = None) -> str | None:
    """The JVM options in force for the stack: the environment's, else .env's, else None."""
    env = os.environ if environ is None else environ
    if ENV_JAVA_OPTS in env:
        return env[ENV_JAVA_OPTS]
    return project.env.get(ENV_JAVA_OPTS)


def heap_of(java_options: str) -> int | None:
    """The -Xmx of JVM options in bytes, or None when they set none."""
    match = _XMX_RE.search(java_options)
    if match is None:
        return None
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def fit_heap(
    project: Project, mem_total: int, environ: Mapping[str, str] | None = None
) -> str | None:
    """Write a fitted KESTRA_JAVA_OPTS into .env when none is set; the value written.

    None when one was already chosen (environment or .env), or when Docker did
    not say how much memory it has. The file's existing text is kept byte for byte.
    """
    if mem_total <= 0 or chosen_java_opts(project, environ) is not None:
        return None
    value = java_opts(mem_total, project.database)
    path = project.root / ENV_FILE
    try:
        text = path.read_text(encoding="utf-8")
        separator = "" if not text or text.endswith("\n") else "\n"
        with path.open("a", encoding="utf-8") as handle:
            handle.write(
                f"{separator}# Kestra's JVM heap, fitted by kestra-init up to the "
                f"{mem_total / GIB:.1f} GB Docker has; yours to change.\n"
                f"{ENV_JAVA_OPTS}={value}\n"
            )
    except OSError as error:
        raise EnvironmentProblem(
            f"Cannot add {ENV_JAVA_OPTS} to {path}",
            error.strerror or str(error),
            f"add {ENV_JAVA_OPTS}={value} to it by hand, or make it writable",
        ) from error
    return value
