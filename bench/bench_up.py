#!/usr/bin/env python3
"""Speed of `kestra-init up`, measured on the real Docker engine with the stand-in stack.

1. `up` on a stack that already runs (goal: at most 1.0 s), side by side with a bare
   `docker compose up -d` of the same files (what `up` costs beyond Compose).
2. How soon readiness is noticed after Kestra starts answering (goal: within 0.5 s):
   the fake Kestra gets a start-up delay; the moment it starts listening (its log
   line, timestamped by Docker) is compared with the moment `up` reports its
   /health stage done, and with the moment Docker's own healthcheck turns healthy.
3. How soon a Docker daemon that starts late is noticed (goal: within 0.5 s): a
   socket that appears after a delay, as docker-in-docker's does in a codespace.
4. From postStartCommand to "flows loaded" with the images present (as after a
   prebuild): kestra-init's own share, everything but the stages that wait for the
   containers (goal: at most 1.5 s).

Run from the repository: `python bench/bench_up.py [--runs 5] [--delay 6]`.
Everything it starts is named `kitest-bench-...` and removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.standin.image import ensure_image  # noqa: E402
from tests.standin.override import write_override  # noqa: E402
from tests.standin.project import compose_down, free_port, unique_slug  # noqa: E402

OVERRIDE = "docker-compose.yml:standin.yml"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--delay", type=float, default=6.0, help="fake Kestra start-up delay")
    parser.add_argument("--readiness-runs", type=int, default=3)
    args = parser.parse_args()
    ensure_image()
    with tempfile.TemporaryDirectory(prefix="kitest-bench-") as tmp:
        root = Path(tmp) / "proj"
        slug = unique_slug("bench")
        new_project(root, slug)
        env = {**os.environ, "COMPOSE_FILE": OVERRIDE}
        try:
            running_stack(root, env, args.runs)
            readiness(root, slug, env, args.delay, args.readiness_runs)
            late_daemon(Path(tmp), args.readiness_runs)
            post_start_share(root, slug, env, args.readiness_runs)
        finally:
            compose_down(slug, root)
    return 0


def new_project(root: Path, slug: str, python: str = sys.executable) -> None:
    """A project on free ports with the stand-in images; ``python``'s kestra-init makes it."""
    ui, management = free_port(), free_port()
    subprocess.run(
        [
            python, "-m", "kestra_init", "new", str(root), "--defaults", "--no-git",
            "--data", f"project_slug={slug}", "--data", "namespace=kitest.bench",
            "--data", f"kestra_port={ui}", "--data", f"management_port={management}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    write_override(root / "standin.yml")


def timed(command: list[str], root: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return took


def running_stack(root: Path, env: dict[str, str], runs: int) -> None:
    up = [sys.executable, "-m", "kestra_init", "up"]
    compose = ["docker", "compose", "up", "-d"]
    timed(up, root, env)  # start it, load the flows
    ours, bare = [], []
    for _ in range(runs):  # interleaved, so both see the same machine load
        ours.append(timed(up, root, env))
        bare.append(timed(compose, root, env))
    print("1. `up` on a stack that already runs (checks, no restart, sync, summary)")
    print(f"   runs: {runs}; goal: kestra-init up <= 1.0 s")
    row = "   {:<34} median {:5.2f} s   min {:5.2f} s   max {:5.2f} s"
    print(row.format("kestra-init up", statistics.median(ours), min(ours), max(ours)))
    print(row.format("docker compose up -d (bare)", statistics.median(bare), min(bare), max(bare)))
    ratio = statistics.median(ours) / statistics.median(bare)
    verdict = "met" if statistics.median(ours) <= 1.0 else "NOT met"
    print(f"   ratio kestra-init / bare compose: {ratio:.2f}x   goal {verdict}\n")


def readiness(root: Path, slug: str, env: dict[str, str], delay: float, runs: int) -> None:
    from kestra_init.commands.up import UpOptions, up
    from kestra_init.stack.readiness import StageEvent, StageStatus

    ours, docker_health = [], []
    for _ in range(runs):
        compose_down(slug, root)
        write_override(root / "standin.yml", kestra_args=["--startup-delay", str(delay)])
        noticed: dict[str, float] = {}

        def progress(event: object, noticed: dict[str, float] = noticed) -> None:
            if (
                isinstance(event, StageEvent)
                and event.status is StageStatus.DONE
                and event.key not in noticed
            ):
                noticed[event.key] = time.time()

        os.environ["COMPOSE_FILE"] = OVERRIDE
        up(start=root, options=UpOptions(sync=False), progress=progress)
        answering = listening_time(slug)
        ours.append(noticed["health"] - answering)
        healthy = docker_healthy_time(slug)
        if healthy is not None:
            docker_health.append(healthy - answering)
    write_override(root / "standin.yml")
    print("2. readiness noticed after the fake Kestra starts answering")
    print(f"   start-up delay {delay:g} s, runs: {runs}; goal: within 0.5 s")
    row = "   {:<34} median {:5.2f} s   max {:5.2f} s"
    print(row.format("kestra-init up (/health stage)", statistics.median(ours), max(ours)))
    if docker_health:
        print(
            row.format(
                "Docker healthcheck (compose file)",
                statistics.median(docker_health),
                max(docker_health),
            )
        )
    print("   each run (s):", " ".join(f"{value:.2f}" for value in ours))
    verdict = "met" if max(ours) <= 0.5 else "NOT met"
    print(f"   goal {verdict}\n")


def late_daemon(tmp: Path, runs: int, delay: float = 2.0) -> None:
    from kestra_init.stack.docker_wait import wait_for_daemon
    from tests.standin.late_socket import LateSocket

    lags = []
    for run in range(runs):
        path = tmp / f"late{run}.sock"
        env = {"DOCKER_HOST": f"unix://{path}", "DOCKER_CONFIG": str(tmp / "no-config")}
        with LateSocket(path, delay) as late:
            waited = wait_for_daemon(30, lambda _: None, env)
            returned = time.monotonic()
            assert waited is not None and late.appeared_at is not None
            lags.append(returned - late.appeared_at)
    print("3. a Docker daemon that starts late, noticed after its socket answers")
    print(f"   socket appears after {delay:g} s, runs: {runs}; goal: within 0.5 s")
    print("   each run (s):", " ".join(f"{value:.3f}" for value in lags))
    verdict = "met" if max(lags) <= 0.5 else "NOT met"
    print(f"   max {max(lags):.3f} s   goal {verdict}\n")


def post_start_share(root: Path, slug: str, env: dict[str, str], runs: int) -> None:
    """`up` on a stopped stack whose images are here: wall time minus the waiting stages."""
    shares, totals = [], []
    for _ in range(runs):
        compose_down(slug, root)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "kestra_init", "up", "--json"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        total = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"up failed:\n{done.stderr[-2000:]}")
        stages = json.loads(done.stdout)["data"]["stages"]
        waiting = sum(stage["seconds"] for stage in stages)
        totals.append(total)
        shares.append(total - waiting)
    print("4. postStartCommand (`kestra-init up`, images present) to flows loaded")
    print(f"   runs: {runs}; goal: kestra-init's own share <= 1.5 s")
    row = "   {:<34} median {:5.2f} s   max {:5.2f} s"
    print(row.format("whole `up`", statistics.median(totals), max(totals)))
    print(row.format("kestra-init's share (no waiting)", statistics.median(shares), max(shares)))
    verdict = "met" if statistics.median(shares) <= 1.5 else "NOT met"
    print(f"   goal {verdict}")


def listening_time(slug: str) -> float:
    """When the fake printed "listening", by Docker's own timestamp of the log line."""
    logs = subprocess.run(
        ["docker", "logs", "--timestamps", f"{slug}-kestra-1"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in (logs.stdout + logs.stderr).splitlines():
        if "fake-kestra listening" in line:
            return parse_time(line.split(" ", 1)[0])
    raise SystemExit("the fake Kestra never said it was listening")


def docker_healthy_time(slug: str, wait: float = 30.0) -> float | None:
    """When Docker's healthcheck of the kestra container first succeeded."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        state = json.loads(
            subprocess.run(
                ["docker", "inspect", "--format", "{{json .State.Health}}", f"{slug}-kestra-1"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        passed = [item for item in (state or {}).get("Log") or [] if item.get("ExitCode") == 0]
        if passed:
            return parse_time(passed[0]["End"])
        time.sleep(0.5)
    return None


def parse_time(text: str) -> float:
    # Docker writes nanoseconds; Python's fromisoformat takes microseconds at most.
    text = text.strip().replace("Z", "+00:00")
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits) :]
        text = f"{head}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text).timestamp()


if __name__ == "__main__":
    sys.exit(main())
