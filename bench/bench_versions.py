#!/usr/bin/env python3
"""This checkout against another one (e.g. 0.1.0), the same commands interleaved.

Each scenario runs ``--runs`` times per installation, alternating, so that both
see the same load on a noisy machine; the table gives the medians and their
ratio (after / before). Asserts nothing.

    python bench/bench_versions.py --before ../before [--runs 5] [--docker]

Scenarios: `--help`; `validate` of 1,000 flow files; `new --defaults`; `sync`
of 200 flows in 4 namespaces to the fake Kestra, first and unchanged; with
``--docker``, `up` on a running stand-in stack. ``--before`` is a checkout
with its own ``.venv`` (``python -m venv .venv && .venv/bin/pip install -e .``).
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
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sync import flow_source  # noqa: E402
from tests.fake_kestra import FakeKestra  # noqa: E402

Prepare = Callable[[str, Path], None]  # (python, scratch folder) -> set the scene up


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # run from bytecode, as an install does
    return env


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    # exit 1 is "findings" (validate of the bench flows); a missing module is not
    if done.returncode not in (0, 1) or "No module named" in done.stderr:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-1500:]}")
    return took


def validate_project(folder: Path, files: int = 1000) -> Path:
    flows = folder / "flows"
    flows.mkdir(parents=True)
    for number in range(files):
        (flows / f"flow_{number:04d}.yml").write_text(flow_source(number, "bench.v", version=1))
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--docker", action="store_true", help="also `up` on a running stack")
    args = parser.parse_args()
    pythons = {
        # absolute, not resolved: the venv's python is a symlink to the base
        # interpreter, which would run without the venv's packages
        "before": str((args.before / ".venv" / "bin" / "python").absolute()),
        "after": str(ROOT / ".venv" / "bin" / "python"),
    }
    for name, python in pythons.items():
        if not Path(python).exists():
            raise SystemExit(f"no {name} installation at {python}")
    results: list[tuple[str, dict[str, float]]] = []
    with tempfile.TemporaryDirectory(prefix="kitest-bench-") as tmp:
        scratch = Path(tmp)
        results.append(
            (
                "--help",
                run(pythons, args.runs, lambda py, _: [py, "-m", "kestra_init", "--help"], scratch),
            )
        )
        project = validate_project(scratch / "validate")
        results.append(
            (
                "validate, 1,000 files",
                run(
                    pythons,
                    args.runs,
                    lambda py, _: [py, "-m", "kestra_init", "validate", "flows"],
                    project,
                ),
            )
        )
        counter = iter(range(10_000))

        def new(python: str, _: Path) -> list[str]:
            target = scratch / f"new{next(counter)}"
            return [python, "-m", "kestra_init", "new", str(target), "--defaults", "--no-git"]

        results.append(("new --defaults", run(pythons, args.runs, new, scratch)))
        results += sync_scenarios(pythons, args.runs, scratch)
        if args.docker:
            results.append(("up, stack running", up_running(pythons, args.runs, scratch)))
    print(f"{'scenario':<30} {'before':>9} {'after':>9} {'after/before':>13}")
    for name, medians in results:
        ratio = medians["after"] / medians["before"]
        print(f"{name:<30} {medians['before']:>8.2f}s {medians['after']:>8.2f}s {ratio:>12.2f}x")
    print(f"(medians of {args.runs} runs each, interleaved)")
    return 0


def run(
    pythons: dict[str, str],
    runs: int,
    command: Callable[[str, Path], list[str]],
    cwd: Path,
    env: dict[str, str] | None = None,
    before_each: Callable[[str], None] | None = None,
) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in pythons}
    for _ in range(runs):
        for name, python in pythons.items():
            if before_each is not None:
                before_each(name)
            times[name].append(timed(command(python, cwd), cwd, env or environment()))
    return {name: statistics.median(values) for name, values in times.items()}


def sync_scenarios(
    pythons: dict[str, str], runs: int, scratch: Path
) -> list[tuple[str, dict[str, float]]]:
    folder = scratch / "sync" / "flows"
    for number in range(200):
        namespace = f"bench.sync{number % 4}"
        path = folder / namespace / f"flow_{number:04d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(flow_source(number, namespace, version=2))
    with FakeKestra(quiet=True) as server:
        env = environment(
            {
                "KESTRA_URL": server.url,
                "KESTRA_USERNAME": str(server.username),
                "KESTRA_PASSWORD": str(server.password),
            }
        )

        def empty(_: str) -> None:  # every flow new again: a first sync
            with server.state.lock:
                server.state.flows.clear()

        def command(python: str, _: Path) -> list[str]:
            return [python, "-m", "kestra_init", "sync", str(folder)]

        first = run(pythons, runs, command, folder.parent, env, before_each=empty)
        timed(command(pythons["after"], folder.parent), folder.parent, env)
        unchanged = run(pythons, runs, command, folder.parent, env)
    return [("sync 200 flows, first", first), ("sync 200 flows, unchanged", unchanged)]


def up_running(pythons: dict[str, str], runs: int, scratch: Path) -> dict[str, float]:
    from bench.bench_up import new_project
    from tests.standin.image import ensure_image
    from tests.standin.project import compose_down, unique_slug

    ensure_image()
    root, slug = scratch / "up", unique_slug("bench")
    new_project(root, slug, pythons["after"])
    env = environment({"COMPOSE_FILE": "docker-compose.yml:standin.yml"})
    try:
        timed([pythons["after"], "-m", "kestra_init", "up"], root, env)
        return run(pythons, runs, lambda py, _: [py, "-m", "kestra_init", "up"], root, env)
    finally:
        compose_down(slug, root)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
