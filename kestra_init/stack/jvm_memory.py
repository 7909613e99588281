"""Kestra's JVM heap, fitted to the memory Docker has, with the database beside it.

Without a container memory limit the JVM sizes its heap from the whole
machine (a quarter of it by default), blind to Postgres, the task containers
and, in a codespace, the editor sharing the same memory. Kestra's image passes
``JAVA_OPTS`` to the JVM; the compose file sets it from ``KESTRA_JAVA_OPTS``,
which `up` fills in unless the person set it (in the environment or in .env).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping

from kestra_init.project import Project

ENV_JAVA_OPTS = "KESTRA_JAVA_OPTS"
MIB = 1024**2
GIB = 1024**3
# Share of the machine's memory for the heap. With H2 the database lives inside the
# JVM (its cache is heap), so it gets more; with Postgres the rest is for Postgres,
# task containers and the system.
HEAP_SHARE = {"postgres": 0.35, "h2": 0.45}
HEAP_MIN = 1 * GIB  # below this Kestra does not start reliably
HEAP_MAX = 4 * GIB  # a development stack gains nothing from more


def heap_bytes(mem_total: int, database: str) -> int:
    share = HEAP_SHARE.get(database, HEAP_SHARE["postgres"])
    return int(min(HEAP_MAX, max(HEAP_MIN, mem_total * share)))


def java_opts(mem_total: int, database: str) -> str:
    return f"-Xmx{heap_bytes(mem_total, database) // MIB}m"


def fit_heap(
    project: Project, mem_total: int, environ: MutableMapping[str, str] | None = None
) -> str | None:
    """Set KESTRA_JAVA_OPTS for the compose commands that follow; the value, or None.

    Left alone when the person chose one (environment or .env), or when Docker
    did not say how much memory it has. Compose reads the process environment
    before .env, so setting it here reaches `docker compose up`.
    """
    env = os.environ if environ is None else environ
    if mem_total <= 0 or _chosen(env, project.env):
        return None
    value = java_opts(mem_total, project.database)
    env[ENV_JAVA_OPTS] = value
    return value


def _chosen(environ: Mapping[str, str], dotenv: Mapping[str, str]) -> bool:
    return ENV_JAVA_OPTS in environ or ENV_JAVA_OPTS in dotenv
