"""How fast `kestra-init validate` is, against the three goals of its speed section.

    python bench/bench_validate.py [--files 1000] [--repeat 5] [--before /work/before]

Each figure is the whole process (`python -m kestra_init validate --format json
PATH`: interpreter start, imports, reading, rules, output), the best of
--repeat runs, in wall seconds and in CPU seconds (steadier when other work
shares the machine):

1. 1,000 flow files, built from the course flows in ../shared (or, without
   them, from the documented rule examples): goal at most 1.0 s;
2. one flow whose script holds 60,000 expressions (one in 1,000 naming an
   input that does not exist, so there are findings to place): goal 1 s;
3. one flow with 600 kB of `{{` that never close: goal 1 s.

With --before DIR (a checkout with its own .venv, such as the 0.1.0 code), the
same runs of that code are interleaved with this one's, so that both face the
same machine load, and printed side by side; a run of it that passes
--timeout is stopped and shown as such. A table of in-process figures follows
(the linter alone, with libyaml and with the pure-Python composer, and a bare
`yaml.safe_load`). Prints; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COURSE = REPO.parent / "shared" / "corpus" / "flows" / "course"
GOALS = {"files": 1.0, "expressions": 1.0, "unclosed": 1.0}


def sources() -> tuple[str, list[str]]:
    files = sorted(COURSE.glob("*.yaml")) if COURSE.is_dir() else []
    if files:
        return "the course flows of ../shared", [path.read_text() for path in files]
    from kestra_init.flows.registry import RULES

    return "the rule examples", [rule.good for rule in RULES.values() if rule.good]


def build(folder: Path, count: int, texts: list[str]) -> int:
    size = 0
    for index in range(count):
        text = texts[index % len(texts)]
        # Distinct ids, so the set is what a real flows folder looks like.
        text = (
            text.replace("\nid: ", f"\nid: n{index}_", 1)
            if not text.startswith("id: ")
            else (f"id: n{index}_" + text[4:])
        )
        path = folder / f"group{index % 20:02d}" / f"flow_{index:04d}.yml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        size += len(text.encode())
    return size


def many_expressions(path: Path, count: int = 60_000) -> int:
    """One script of ``count`` lines, each with an expression; one in 1,000 names an
    input that does not exist, so that some findings are placed in the script."""
    kinds = ("{{ inputs.name }}", "{{ vars.greeting }}", "{{ outputs.first.value }}")
    lines = [
        f'      print("{kinds[n % 3] if n % 1000 else "{{ inputs.nmae }}"} {n}")'
        for n in range(count)
    ]
    path.write_text(
        "id: many_expressions\nnamespace: bench\ninputs:\n  - id: name\n    type: STRING\n"
        "    defaults: x\nvariables:\n  greeting: hi\ntasks:\n  - id: first\n"
        "    type: io.kestra.plugin.core.debug.Return\n    format: one\n  - id: script\n"
        "    type: io.kestra.plugin.scripts.python.Script\n    taskRunner:\n"
        "      type: io.kestra.plugin.core.runner.Process\n    script: |\n"
        + "\n".join(lines)
        + "\n",
        encoding="utf-8",
    )
    return count


def unclosed(path: Path, size: int = 600 * 1024) -> int:
    line = "      {{ " * 8 + "\n"
    body = line * (size // len(line))
    path.write_text(
        "id: unclosed\nnamespace: bench\ntasks:\n  - id: log\n"
        "    type: io.kestra.plugin.core.log.Log\n    message: |\n" + body,
        encoding="utf-8",
    )
    return len(body)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(run: Callable[[], object]) -> tuple[float, float]:
    start, cpu = time.perf_counter(), _cpu()
    run()
    return time.perf_counter() - start, _cpu() - cpu


class Command:
    """`python -m kestra_init validate --format json PATH` of one checkout."""

    def __init__(self, name: str, python: str, cwd: Path, timeout: float) -> None:
        self.name, self.python, self.cwd, self.timeout = name, python, cwd, timeout

    def __call__(self, target: Path) -> tuple[float, float] | None:
        command = [self.python, "-m", "kestra_init", "validate", "--format", "json", str(target)]

        def run() -> None:
            subprocess.run(
                command,
                cwd=self.cwd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
                timeout=self.timeout,
            )

        try:
            return timed(run)
        except subprocess.TimeoutExpired:
            return None


def best(results: list[tuple[float, float] | None]) -> tuple[float, float] | None:
    done = [result for result in results if result is not None]
    return min(done) if len(done) == len(results) else None


def show(result: tuple[float, float] | None, timeout: float) -> str:
    if result is None:
        return f"{'>' + format(timeout, '.0f') + ' s':>8} {'stopped':>8}"
    return f"{result[0]:8.3f} {result[1]:8.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--before", type=Path, help="a checkout with its own .venv to compare")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()

    commands = [Command("this code", sys.executable, REPO, args.timeout)]
    if args.before is not None:
        before = args.before.resolve()
        python = before / ".venv" / "bin" / "python"
        commands.append(Command(f"before ({before})", str(python), before, args.timeout))

    origin, texts = sources()
    work = Path(tempfile.mkdtemp(prefix="kestra-init-bench-"))
    try:
        folder = work / "flows"
        size = build(folder, args.files, texts)
        expressions = many_expressions(work / "expressions.yml")
        unclosed_size = unclosed(work / "unclosed.yml")
        cases = [
            ("files", f"{args.files} flow files ({size / 1024 / 1024:.1f} MB)", folder),
            (
                "expressions",
                f"1 flow, {expressions:,} expressions in one script",
                work / "expressions.yml",
            ),
            (
                "unclosed",
                f"1 flow, {unclosed_size // 1024} kB of unclosed `{{{{`",
                work / "unclosed.yml",
            ),
        ]
        figures: dict[tuple[str, str], tuple[float, float] | None] = {}
        for key, _, target in cases:
            runs: dict[str, list[tuple[float, float] | None]] = {c.name: [] for c in commands}
            for _ in range(args.repeat):
                for command in commands:  # interleaved: both see the same load
                    if runs[command.name] and runs[command.name][-1] is None:
                        continue  # too slow once: not worth waiting again
                    runs[command.name].append(command(target))
            for command in commands:
                figures[(key, command.name)] = best(runs[command.name])
        in_process = _in_process(folder, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"Flows from {origin}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"Whole process, best of {args.repeat}: wall s, CPU s")
    header = f"{'case':52} {'goal':>6}"
    for command in commands:
        header += f" | {command.name[:17]:>17}"
    print(header)
    for key, label, _ in cases:
        row = f"{label:52} {GOALS[key]:5.1f}s"
        for command in commands:
            result = figures[(key, command.name)]
            row += f" | {show(result, args.timeout)}"
        mine = figures[(key, commands[0].name)]
        verdict = "meets" if mine is not None and mine[0] <= GOALS[key] else "MISSES"
        print(f"{row}   {verdict} the goal")
    print()
    print(f"In process ({args.files} files, this code, best of {args.repeat}):")
    for name, (wall, cpu) in in_process:
        print(f"  {name:50} {wall:7.3f} s wall {cpu:7.3f} s CPU")
    return 0


def _in_process(folder: Path, repeat: int) -> list[tuple[str, tuple[float, float]]]:
    import yaml

    from kestra_init.flows import yaml_nodes
    from kestra_init.flows.lint import validate_paths

    files = sorted(folder.rglob("*.yml"))
    lint_c = min(timed(lambda: validate_paths([folder])) for _ in range(repeat))
    fast_loader = yaml_nodes._Loader
    yaml_nodes._Loader = yaml.SafeLoader
    try:
        lint_py = min(timed(lambda: validate_paths([folder])) for _ in range(max(1, repeat // 2)))
    finally:
        yaml_nodes._Loader = fast_loader
    floor = min(
        timed(lambda: [yaml.load(path.read_text(), Loader=fast_loader) for path in files])
        for _ in range(repeat)
    )
    return [
        ("linter, libyaml composer (what validate runs)", lint_c),
        ("linter, pure-Python composer", lint_py),
        ("yaml.safe_load only (no positions, no rules)", floor),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
