"""How fast `kestra-init new --defaults` is, next to a bare `copier copy` of the same template.

    python bench/bench_new.py [--runs 5]

Goals: at most 1.5 s, and at most 1.2x a bare `copier copy`. Times side by
side, in one run, each as the median of --runs fresh processes into new folders:

- `kestra-init new --defaults`: everything a user gets (template cache check,
  render, .env with fresh secrets, git init and first commit);
- `kestra-init new --defaults --no-git`: the same without the git commit;
- `copier copy --defaults` from the template's git repository in the cache, at
  the same commit: the same template, rendered by Copier alone (the baseline of
  the ratio goal);
- `copier copy --defaults` from the packaged template folder (no git clone):
  for reference.

Uses a private XDG_CACHE_HOME, warmed once before timing (which also writes
kestra-init's bytecode, as an install does). Prints a table; asserts nothing.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GOAL_SECONDS = 1.5
GOAL_RATIO = 1.2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    kestra_init = shutil.which("kestra-init") or str(bin_dir / "kestra-init")
    copier = shutil.which("copier") or str(bin_dir / "copier")

    with tempfile.TemporaryDirectory(prefix="bench-new-") as scratch:
        base = Path(scratch)
        env = {**os.environ, "XDG_CACHE_HOME": str(base / "cache"), "NO_COLOR": "1"}
        # An installed kestra-init runs from compiled bytecode (pip compiles it);
        # with PYTHONDONTWRITEBYTECODE every run would compile our modules again
        # while the libraries' bytecode is there, which is not what users get.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        counter = itertools.count()

        def run(command: list[str]) -> None:
            subprocess.run(
                command,
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
            )

        def fresh() -> str:
            return str(base / f"p{next(counter)}")

        # Warm: fills the template cache, like any earlier use of kestra-init.
        run([kestra_init, "new", fresh(), "--defaults"])
        from kestra_init.templating.cache import template_repo_path

        repo = template_repo_path({"XDG_CACHE_HOME": str(base / "cache")})
        commit = subprocess.run(
            ["git", "-C", str(repo), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        from kestra_init.templating.source import packaged_template_dir

        commands = {
            "kestra-init new --defaults": lambda: [kestra_init, "new", fresh(), "--defaults"],
            "kestra-init new --defaults --no-git": lambda: [
                kestra_init,
                "new",
                fresh(),
                "--defaults",
                "--no-git",
            ],
            "copier copy --defaults (cache repo, same commit)": lambda: [
                copier,
                "copy",
                "--defaults",
                "--quiet",
                "--vcs-ref",
                commit,
                str(repo),
                fresh(),
            ],
            "copier copy --defaults (template folder)": lambda: [
                copier,
                "copy",
                "--defaults",
                "--quiet",
                str(packaged_template_dir()),
                fresh(),
            ],
        }
        timings: dict[str, list[float]] = {label: [] for label in commands}
        # Interleaved, so a slow moment of the machine hits every row alike.
        for _ in range(args.runs):
            for label, make in commands.items():
                command = make()
                start = time.perf_counter()
                run(command)
                timings[label].append(time.perf_counter() - start)

    medians = {label: statistics.median(values) for label, values in timings.items()}
    width = max(map(len, medians))
    print(f"median of {args.runs} runs, wall clock, {sys.version.split()[0]}")
    for label, seconds in medians.items():
        print(f"  {label:<{width}}  {seconds:6.3f} s")
    ours = medians["kestra-init new --defaults"]
    baseline = medians["copier copy --defaults (cache repo, same commit)"]
    ratio = ours / baseline
    print(
        f"`new --defaults`: {ours:.3f} s ({'meets' if ours <= GOAL_SECONDS else 'MISSES'} "
        f"{GOAL_SECONDS} s); {ratio:.2f}x a bare copier copy "
        f"({'meets' if ratio <= GOAL_RATIO else 'MISSES'} {GOAL_RATIO}x)"
    )


if __name__ == "__main__":
    main()
