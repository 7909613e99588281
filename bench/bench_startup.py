"""How fast `kestra-init --help` starts (goal: median of 5 at most 0.3 s wall).

    python bench/bench_startup.py [--runs 5]

Times side by side, in one run, each as the median of --runs fresh processes:

- `kestra-init --help`, the installed console script: what a user waits for;
- `kestra-init --version`;
- `python -c pass`, the interpreter alone: the floor;
- `python -c "import copier"`, `import python_on_whales`, `import httpx`: what
  the CLI would add if it imported them at start-up (it must not).

Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOAL_SECONDS = 0.3


def wall(command: list[str], runs: int) -> float:
    # An installed kestra-init runs from compiled bytecode (pip compiles it, or
    # the first run writes it); with PYTHONDONTWRITEBYTECODE set every run would
    # compile our modules again, which is not what users get.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env
        )
        timings.append(time.perf_counter() - start)
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    script = shutil.which("kestra-init") or str(Path(sys.executable).with_name("kestra-init"))
    python = sys.executable
    rows = [
        ("kestra-init --help", [script, "--help"]),
        ("kestra-init --version", [script, "--version"]),
        ("python -c pass (floor)", [python, "-c", "pass"]),
        ("python -c 'import copier'", [python, "-c", "import copier"]),
        ("python -c 'import python_on_whales'", [python, "-c", "import python_on_whales"]),
        ("python -c 'import httpx'", [python, "-c", "import httpx"]),
    ]
    wall(rows[0][1], 1)  # warm the file cache; not counted
    results = [(label, wall(command, args.runs)) for label, command in rows]
    width = max(len(label) for label, _ in results)
    print(f"median of {args.runs} runs, wall clock, {sys.version.split()[0]}")
    for label, seconds in results:
        print(f"  {label:<{width}}  {seconds * 1000:7.0f} ms")
    help_seconds = results[0][1]
    verdict = "meets" if help_seconds <= GOAL_SECONDS else "MISSES"
    print(f"`kestra-init --help`: {help_seconds:.3f} s, {verdict} the goal of {GOAL_SECONDS} s")


if __name__ == "__main__":
    main()
