#!/usr/bin/env python3
"""`kestra-init sync` at scale: 2,000 flows in 20 namespaces, the whole process timed.

Goals (issue "sync and run you can trust in CI"), against the fake Kestra on
this machine, side by side in one run:

- first sync (every flow new): at most 2.0 s whole process, at most 80 MB peak RSS;
- the same sync again, nothing changed: at most 0.5 s;
- requests: at most 2 per namespace.

Each figure is the median of ``--repeat`` fresh processes (``python -m
kestra_init sync``, credentials through KESTRA_* variables as in CI). By default
the flows are a bare folder (``sync FOLDER``); ``--project`` makes them a
kestra-init project in a git repository (answers, compose file, ``flows/``) and
runs ``sync`` in it with no path, as a user does, so that the project's checks
(files that must not be uploaded, ``git check-ignore``) are timed too. Peak RSS
is the child's own (``wait4``). ``--compare PYTHON`` runs the same scenario
with another installation (e.g. the 0.1.0 one) in the same run, the runs of
the two alternating so that both meet the same load, for a before/after table
and its ratio. Prints a table; asserts nothing.

    python bench/bench_sync_scale.py [--flows 2000] [--namespaces 20] [--project] [--compare PY]
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

GOALS = {"first": 2.0, "unchanged": 0.5, "rss_mb": 80.0, "requests_per_namespace": 2}
# The unchanged-sync goal as a ratio to 0.1.0 (0.5 s against the 0.78 s):
# this VM's speed moves by 1.5x within minutes, and 0.1.0 run beside this checkout
# (`--compare`) still takes 0.6-1.0 s, around that 0.78 s, so the ratio is what is
# judged. The first sync has no such ratio: the "3.7 s today" does not come
# back (0.1.0 takes 1.6-2.6 s here against the fake as corrected since), so its
# goal is the 2.0 s itself.
GOAL_RATIOS = {"unchanged": 0.5 / 0.78}


def write_project(folder: Path, count: int, namespaces: int) -> None:
    for number in range(count):
        namespace = f"bench.team{number % namespaces}"
        path = folder / namespace / f"flow_{number:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(flow_source(number, namespace, version=2))


def write_git_project(root: Path, count: int, namespaces: int) -> None:
    """A project as `kestra-init new` leaves it, as far as sync looks: git, answers, compose."""
    write_project(root / "flows", count, namespaces)
    (root / ".copier-answers.yml").write_text("project_name: scale\nkestra_version: '1.3'\n")
    (root / "docker-compose.yml").write_text(
        "services:\n  kestra:\n    image: kestra/kestra:v1.3\n"
    )
    (root / ".gitignore").write_text(".env\n.kestra-init/\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)


def run_sync(
    python: str, server: FakeKestra, folder: Path, project: bool = False
) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of one `kestra-init sync FOLDER` (or `sync` in the project)."""
    env = {
        **os.environ,
        "KESTRA_URL": server.url,
        "KESTRA_USERNAME": str(server.username),
        "KESTRA_PASSWORD": str(server.password),
        "NO_COLOR": "1",
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # run from bytecode, as an install does
    started = time.perf_counter()
    process = subprocess.Popen(
        [python, "-m", "kestra_init", "sync", *([] if project else [str(folder)])],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"sync exited with {process.returncode} ({python})")
    return elapsed, usage.ru_maxrss / 1024  # ru_maxrss is in kB on Linux


def measure(
    pythons: list[tuple[str, str]],
    folder: Path,
    count: int,
    namespaces: int,
    repeat: int,
    project: bool = False,
) -> dict[str, dict[str, float]]:
    """Each installation's figures; the runs alternate between them, so that both
    meet the same load on a noisy machine."""
    runs: dict[str, dict[str, list[float]]] = {
        label: {"first": [], "rss": [], "again": [], "requests": []} for label, _ in pythons
    }
    for _ in range(repeat):
        for label, python in pythons:
            with FakeKestra(quiet=True) as server:
                seconds, peak = run_sync(python, server, folder, project)
                runs[label]["first"].append(seconds)
                runs[label]["rss"].append(peak)
                assert len(server.flows()) == count
                server.clear_requests()
                seconds, _ = run_sync(python, server, folder, project)
                runs[label]["again"].append(seconds)
                runs[label]["requests"].append(len(server.requests))
    return {
        label: {
            "first": statistics.median(got["first"]),
            "rss_mb": max(got["rss"]),
            "unchanged": statistics.median(got["again"]),
            "requests_per_namespace": max(got["requests"]) / namespaces,
        }
        for label, got in runs.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--flows", type=int, default=2000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--compare", metavar="PYTHON", help="another installation's python")
    parser.add_argument(
        "--project", action="store_true", help="a git project, synced with no path (as users do)"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kestra-init-scale-"))
    try:
        if args.project:
            write_git_project(folder, args.flows, args.namespaces)
        else:
            write_project(folder, args.flows, args.namespaces)
        pythons = [("this checkout", sys.executable)]
        if args.compare:
            pythons.insert(0, ("--compare", args.compare))
        for _label, python in pythons:  # untimed: bytecode written, file cache warm
            with FakeKestra(quiet=True) as server:
                run_sync(python, server, folder, args.project)
        results = measure(pythons, folder, args.flows, args.namespaces, args.repeat, args.project)
        kind = "a git project" if args.project else "a folder"
        print(
            f"{args.flows} flows in {args.namespaces} namespaces ({kind}), "
            f"median of {args.repeat}\n"
        )
        labels = [label for label, _ in pythons]
        print(f"{'figure':<28}" + "".join(f"{label:>16}" for label in labels) + f"{'goal':>10}")
        rows = (
            ("first sync, s", "first", "{:.2f}"),
            ("peak RSS (first), MB", "rss_mb", "{:.0f}"),
            ("nothing changed, s", "unchanged", "{:.2f}"),
            ("requests per namespace (2nd)", "requests_per_namespace", "{:.1f}"),
        )
        for title, key, form in rows:
            cells = "".join(f"{form.format(results[label][key]):>16}" for label in labels)
            print(f"{title:<28}{cells}{form.format(GOALS[key]):>10}")
        if args.compare:
            print(f"\n{'this checkout / --compare':<28}{'first':>16}{'unchanged':>16}")
            ratios = "".join(
                f"{results['this checkout'][key] / results['--compare'][key]:>16.2f}"
                for key in ("first", "unchanged")
            )
            print(f"{'ratio':<28}{ratios}")
            goals = f"{'-':>16}{GOAL_RATIOS['unchanged']:>16.2f}"
            print(f"{'goal, if --compare is 0.1.0':<28}{goals}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
