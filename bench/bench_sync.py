#!/usr/bin/env python3
"""How much faster `kestra-init sync` loads flows than one request per file.

Setup: 200 flows in 4 namespaces; the fake Kestra server (tests/fake_kestra.py)
already holds an older version of each, so all 200 are changed. Compared, side
by side in one run, on a fresh server each time (median of several runs):

- kestra-init, in process: ``sync_flows`` (read each namespace once, one bulk
  write each), timed inside this process: the work alone;
- kestra-init, the command: ``python -m kestra_init sync FOLDER`` in a fresh
  process each run, timed from the outside: start-up, imports and printing
  included, what a user waits for;
- loop: one ``POST /flows/import`` per file (an upsert: what course instructions
  do with curl), over one kept-alive HTTP connection, which is the loop's best
  case;
- curl: the same loop as the instructions write it, one curl process per file
  (only when curl is installed).

The fake answers in well under a millisecond, far faster than Kestra, which
parses, validates and stores each flow in a database. So each scenario is also
run with an added cost per request and per flow written. Those figures are an
assumption, not a measurement (no real Kestra can run here): 25 ms per request
(HTTP round trip, authentication, routing on a JVM server under light load) and
5 ms per flow written (validation and a database write). Both approaches pay
the same per-flow cost; only the number of requests differs.

Run: ``python bench/bench_sync.py`` (``--flows``, ``--namespaces``, ``--repeat``).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kestra_init.kestra.client import KestraClient  # noqa: E402
from kestra_init.kestra.connection import Connection  # noqa: E402
from kestra_init.services.local_flows import read_flow_set  # noqa: E402
from kestra_init.services.sync.pipeline import SyncOptions, sync_flows  # noqa: E402
from tests.fake_kestra import FakeKestra  # noqa: E402

SCENARIOS = (
    ("no added latency", 0.0, 0.0),
    ("25 ms/request + 5 ms/flow", 0.025, 0.005),
)


def flow_source(number: int, namespace: str, version: int) -> str:
    return (
        f"id: flow_{number:03d}\n"
        f"namespace: {namespace}\n"
        f"description: bench flow {number}, version {version}\n"
        "inputs:\n"
        "  - id: name\n"
        "    type: STRING\n"
        "    defaults: world\n"
        "tasks:\n"
        "  - id: hello\n"
        "    type: io.kestra.plugin.core.log.Log\n"
        '    message: "Hello {{ inputs.name }}"\n'
        "  - id: wait\n"
        "    type: io.kestra.plugin.core.flow.Sleep\n"
        "    duration: PT1S\n"
    )


def write_flows(folder: Path, count: int, namespaces: int) -> list[Path]:
    paths = []
    for number in range(count):
        namespace = f"bench.team{number % namespaces}"
        path = folder / namespace / f"flow_{number:03d}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(flow_source(number, namespace, version=2))
        paths.append(path)
    return paths


def fresh_server(count: int, namespaces: int, latency: float, flow_cost: float) -> FakeKestra:
    server = FakeKestra(quiet=True).start()
    for number in range(count):
        server.put_flow(flow_source(number, f"bench.team{number % namespaces}", version=1))
    # The cost applies to the measured requests only, not to this setup.
    server.state.settings.latency = latency
    server.state.settings.flow_cost = flow_cost
    server.clear_requests()
    return server


def all_updated(server: FakeKestra, count: int) -> bool:
    flows = server.flows()
    return len(flows) == count and all(record.revision == 2 for record in flows.values())


def run_kestra_init(server: FakeKestra, folder: Path) -> float:
    connection = Connection(url=server.url, username=server.username, password=server.password)
    started = time.perf_counter()
    with KestraClient(connection) as client:
        result = sync_flows(client, read_flow_set([folder]), options=SyncOptions(validate=True))
    elapsed = time.perf_counter() - started
    assert not result.failed and result.error is None
    return elapsed


def run_cli(server: FakeKestra, folder: Path) -> float:
    import os

    # Credentials through the variables, as the docs recommend for CI.
    env = {
        **os.environ,
        "KESTRA_URL": server.url,
        "KESTRA_USERNAME": server.username,
        "KESTRA_PASSWORD": server.password,
        "NO_COLOR": "1",
    }
    # Run from compiled bytecode as an installed kestra-init does (the first run
    # writes it): PYTHONDONTWRITEBYTECODE would compile our modules every time.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    command = [sys.executable, "-m", "kestra_init", "sync", str(folder)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=folder, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    elapsed = time.perf_counter() - started
    assert done.returncode == 0, done.stderr
    return elapsed


def run_loop(server: FakeKestra, paths: list[Path]) -> float:
    import httpx

    started = time.perf_counter()
    # Built like kestra-init's client (no CA bundle for plain http), so only requests differ.
    auth = (server.username, server.password)
    with httpx.Client(base_url=server.url, auth=auth, verify=False) as http:
        for path in paths:
            answer = http.post(
                "/api/v1/main/flows/import",
                files={"fileUpload": (path.name, path.read_bytes(), "application/x-yaml")},
            )
            assert answer.status_code == 200 and answer.json() == [], answer.text
    return time.perf_counter() - started


def run_curl(server: FakeKestra, paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        subprocess.run(
            [
                "curl", "-sf", "-u", f"{server.username}:{server.password}",
                "-F", f"fileUpload=@{path}", f"{server.url}/api/v1/main/flows/import",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
    return time.perf_counter() - started


def measure(name, runner, args, count, namespaces, scenario, repeat):
    _label, latency, flow_cost = scenario
    times, requests = [], 0
    for _ in range(repeat):
        server = fresh_server(count, namespaces, latency, flow_cost)
        try:
            times.append(runner(server, *args))
            assert all_updated(server, count), f"{name} did not update every flow"
            requests = len(server.requests)
        finally:
            server.stop()
    return statistics.median(times), requests


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--flows", type=int, default=200)
    parser.add_argument("--namespaces", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="kestra-init-bench-"))
    try:
        paths = write_flows(folder, args.flows, args.namespaces)
        has_curl = shutil.which("curl") is not None
        print(
            f"Syncing {args.flows} changed flows in {args.namespaces} namespaces to the fake "
            f"Kestra (median of {args.repeat} runs each)\n"
        )
        header = (
            f"{'scenario':<28}{'approach':<38}{'wall time':>11}{'requests':>10}"
            f"{'x in-process / x command':>26}"
        )
        print(header)
        print("-" * len(header))
        # One run not timed: it writes kestra-init's bytecode, as an install does.
        measure("kestra-init sync", run_cli, (folder,), args.flows, args.namespaces,
                SCENARIOS[0], 1)  # fmt: skip
        for scenario in SCENARIOS:
            ours, our_requests = measure(
                "kestra-init", run_kestra_init, (folder,), args.flows, args.namespaces,
                scenario, args.repeat,
            )  # fmt: skip
            rows = [("kestra-init sync_flows (in process)", ours, our_requests)]
            command, command_requests = measure(
                "kestra-init sync", run_cli, (folder,), args.flows, args.namespaces,
                scenario, args.repeat,
            )  # fmt: skip
            rows.append(("kestra-init sync (the command)", command, command_requests))
            loop, loop_requests = measure(
                "loop", run_loop, (paths,), args.flows, args.namespaces, scenario, args.repeat
            )
            rows.append(("one import per file (keep-alive)", loop, loop_requests))
            if has_curl:
                curl, curl_requests = measure(
                    "curl", run_curl, (paths,), args.flows, args.namespaces, scenario, 1
                )
                rows.append(("one curl per file", curl, curl_requests))
            for approach, seconds, requests in rows:
                ratios = "" if approach == rows[0][0] else f"{seconds / ours:.1f}x"
                if approach not in (rows[0][0], rows[1][0]):
                    ratios += f" / {seconds / command:.1f}x"
                print(f"{scenario[0]:<28}{approach:<38}{seconds:>10.3f}s{requests:>10}{ratios:>18}")
            print()
        print(
            "Ratios: the row's time over the in-process time / over the command's time.\n"
            "Target: kestra-init at least 5x faster than the one-request-per-file loop."
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
