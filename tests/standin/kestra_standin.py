#!/usr/bin/env python3
"""Entry point of the Kestra stand-in container: Kestra's server commands, then the fake.

Standard library only (it runs with the host's Python in the stand-in image).
The project's own ``command:`` reaches this script unchanged (the override
replaces the entry point, not the command), so the stand-in starts the way
Kestra 1.3 would with that command and that ``KESTRA_CONFIGURATION``:

- ``server standalone`` needs a repository and queue type with its datasource,
  and a storage path; an H2 datasource must be a file on a mounted volume
  (otherwise its data dies with the container). A configuration Kestra could
  not start with ends the process with exit 1 and a log line, as Kestra does.
- ``server local`` overrides the configuration (cli LocalCommand.java in
  kestra 1.3: ``endpoints.all.port=${random.port}``, its own H2 URL and
  storage under ``./data``): the management endpoint is on a random port, so
  nothing answers ``/health`` on 8081.

Arguments for the fake server (tests/fake_kestra) come from the JSON list in
``KESTRA_STANDIN_ARGS``; one of them is handled here instead:

    --say TEXT       print TEXT first, as a log line (e.g. the JVM's OutOfMemoryError)
    --exit-code N    exit at once with code N; 137 is what a container killed
                     (SIGKILL, by the OOM killer or anything else) leaves. (A real
                     SIGKILL cannot be sent from inside: the entry point is PID 1,
                     which ignores signals it has no handler for.)
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAKE = HERE.parent / "fake_kestra"  # a package run as a folder
sys.path.insert(0, str(HERE.parent))

from fake_kestra.configuration import flatten_configuration  # noqa: E402

DATABASES = ("h2", "postgres", "mysql")


def mount_points() -> set[str]:
    """Where volumes and bind mounts sit in this container (/proc/self/mountinfo)."""
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return set()
    return {line.split()[4] for line in lines if len(line.split()) > 4}


def standalone_problem(flat: dict[str, str]) -> str | None:
    """Why Kestra's standalone server would not start (or would lose data), or None."""
    repository = flat.get("kestra.repository.type")
    queue = flat.get("kestra.queue.type")
    if repository not in DATABASES:
        return f"kestra.repository.type is {repository!r}; no repository bean to start with"
    if queue != repository:
        return f"kestra.queue.type {queue!r} differs from kestra.repository.type {repository!r}"
    url = flat.get(f"datasources.{repository}.url", "")
    if not url:
        return f"no datasources.{repository}.url: the {repository} repository has no database"
    mounts = mount_points()
    if repository == "h2":
        if not url.startswith("jdbc:h2:file:"):
            return f"H2 URL {url!r} is not a file database: every flow is lost on restart"
        folder = str(Path(url.removeprefix("jdbc:h2:file:").split(";", 1)[0]).parent)
        if folder not in mounts:
            return (
                f"the H2 file's folder {folder} is not a volume: its data dies with the container"
            )
        if "LOCK_TIMEOUT" not in url:
            return "the H2 URL has no LOCK_TIMEOUT: H2 gives up on a lock after 1 s"
    storage = flat.get("kestra.storage.local.base-path")
    if flat.get("kestra.storage.type") == "local" and storage not in mounts:
        return f"local storage {storage!r} is not a volume: outputs die with the container"
    return None


def main(argv: list[str]) -> None:
    fake_args: list[str] = json.loads(os.environ.get("KESTRA_STANDIN_ARGS", "[]"))
    print("Kestra stand-in:", " ".join(argv), "| fake:", " ".join(fake_args), flush=True)
    if "--say" in fake_args:  # a log line before anything else (e.g. the JVM's OOM)
        at = fake_args.index("--say")
        print(fake_args[at + 1], flush=True)
        del fake_args[at : at + 2]
    if "--exit-code" in fake_args:
        code = int(fake_args[fake_args.index("--exit-code") + 1])
        print(f"Kestra stand-in: exiting with code {code}", flush=True)
        os._exit(code)
    if argv[:2] == ["server", "local"]:
        # LocalCommand's overrides: the management endpoint moves to a random port.
        print("Kestra stand-in: server local puts management on a random port", flush=True)
        fake_args = [*fake_args, "--management-port", "0"]
    elif argv[:2] == ["server", "standalone"]:
        flat = flatten_configuration(os.environ.get("KESTRA_CONFIGURATION", ""))
        problem = standalone_problem(flat)
        if problem:
            print(f"ERROR Kestra stand-in: cannot start: {problem}", flush=True)
            os._exit(1)
    else:
        print(f"Kestra stand-in: unknown command {' '.join(argv)!r}", flush=True)
        os._exit(2)
    os.execv(sys.executable, [sys.executable, str(FAKE), *fake_args])


if __name__ == "__main__":
    main(sys.argv[1:])
