#!/usr/bin/env python3
"""`kestra-init pull` of 2,000 flows, the whole process timed.

Goal (issue "the inner loop"), against the fake Kestra on this machine: at
most 3.0 s for the whole process.

The scenario: a project with 1,500 of the server's 2,000 flows (20
namespaces); on the server, 1,000 of those edited (as in the UI: their files
are behind), 500 left as they are, and 500 new (only on the server: a new file
each). So every run writes the same 1,500 files. Three cases:

- after a sync: the project was synced before the edits, so the state file
  says which files still hold what the server had (no revision is asked for);
- no state (a fresh clone): each of the 1,000 differing flows has its
  revisions read (one request each) to tell "behind" from "conflict";
- empty project: no flow file at all, 2,000 new files.

Each run starts from a fresh copy of the project and a fresh server. Prints
the median of ``--repeat`` runs per case and the requests made; asserts nothing.

    python bench/bench_pull.py [--flows 2000] [--namespaces 20] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sync import flow_source  # noqa: E402
from tests.fake_kestra import FakeKestra  # noqa: E402
from tests.helpers import make_api_project  # noqa: E402

GOAL_SECONDS = 3.0


def namespace_of(number: int, namespaces: int) -> str:
    return f"bench.team{number % namespaces}"


def make_project(
    folder: Path, server: FakeKestra, count: int, namespaces: int, *, empty: bool = False
) -> Path:
    """The project as it was after its last sync: 3/4 of the flows, as revision 1."""
    project = make_api_project(folder, server)
    for number in range(0 if empty else count * 3 // 4):
        namespace = namespace_of(number, namespaces)
        path = project / "flows" / namespace / f"flow_{number:04d}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(flow_source(number, namespace, version=1))
    return project


def load_server(server: FakeKestra, count: int, namespaces: int, *, edits: bool) -> None:
    """Revision 1 of the project's flows; with ``edits``, those "in the UI" and the new flows."""
    for number in range(count):
        namespace = namespace_of(number, namespaces)
        if number < count * 3 // 4 and not edits:
            server.put_flow(flow_source(number, namespace, version=1))
        if edits and (number < count // 2 or number >= count * 3 // 4):
            server.put_flow(flow_source(number, namespace, version=2))


def run(args: list[str], project: Path) -> float:
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # run from bytecode, as an install does
    started = time.perf_counter()
    answer = subprocess.run(
        [sys.executable, "-m", "kestra_init", *args],
        cwd=project,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    if answer.returncode != 0:
        raise SystemExit(f"{args[0]} exited with {answer.returncode}: {answer.stderr[-2000:]}")
    return elapsed


def measure(
    work: Path, args: argparse.Namespace, *, synced: bool = False, empty: bool = False
) -> tuple[list[float], int]:
    seconds: list[float] = []
    requests = 0
    for number in range(args.repeat + 1):  # the first run is untimed: bytecode, file cache
        with FakeKestra(quiet=True) as server:
            load_server(server, args.flows, args.namespaces, edits=False)
            project = make_project(
                work / f"run{number}", server, args.flows, args.namespaces, empty=empty
            )
            if synced:
                run(["sync", "--no-validate"], project)
            load_server(server, args.flows, args.namespaces, edits=True)
            server.clear_requests()
            # An empty project names no namespace: they are given (as a user would).
            named = [f"bench.team{n}" for n in range(args.namespaces)] if empty else []
            elapsed = run(["pull", "--yes", *named], project)
            requests = len(server.requests)
            files = sum(1 for _ in (project / "flows").rglob("*.yml"))
            assert files == args.flows, files
            changed = sum(
                1 for f in (project / "flows").rglob("*.yml") if "version 2" in f.read_text()
            )
            assert changed == args.flows * 3 // 4, changed  # the rest: revision 1
        if number:
            seconds.append(elapsed)
        shutil.rmtree(project)
    return seconds, requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="kestra-init-pull-"))
    try:
        cases = {
            "after a sync": measure(work, args, synced=True),
            "no state": measure(work, args),
            "empty project": measure(work, args, empty=True),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"pull of {args.flows} flows in {args.namespaces} namespaces, median of {args.repeat}\n")
    print(f"{'case':<16}{'median, s':>12}{'slowest, s':>12}{'requests':>10}{'goal, s':>10}")
    for case, (seconds, requests) in cases.items():
        print(
            f"{case:<16}{statistics.median(seconds):>12.2f}{max(seconds):>12.2f}"
            f"{requests:>10}{GOAL_SECONDS:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
