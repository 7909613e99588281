#!/usr/bin/env python3
"""`kestra-init sync --watch`: from a save to the server's write, and memory over a long session.

Goals (issue "the inner loop"), against the fake Kestra on this machine:

- from a file save to the server's write, median of 20 edits: at most 300 ms;
- the watch process's RSS after 1,000 edits within 10 MB of its RSS after 10.

The watch runs as a user runs it (``python -m kestra_init sync --watch`` in a
project of 20 flows); the fake runs in this process, so the moment it stores a
new source is taken on the same clock as the save. Each edit waits for its
write before the next one, so every edit is a burst of its own. RSS is read
from ``/proc/PID/status`` (Linux). Prints the figures; asserts nothing.

    python bench/bench_watch.py [--edits 1000] [--flows 20]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_sync import flow_source  # noqa: E402
from tests.fake_kestra import FakeKestra  # noqa: E402
from tests.helpers import make_api_project  # noqa: E402

GOALS = {"median_ms": 300.0, "rss_growth_mb": 10.0}
NAMESPACE = "bench.watch"


class WriteClock:
    """When the fake stored each source: wraps its ``save_flow``."""

    def __init__(self, server: FakeKestra) -> None:
        self.seen: dict[str, float] = {}
        self.changed = threading.Condition()
        original = server.state.save_flow

        def save_flow(flow, source):  # type: ignore[no-untyped-def]
            record = original(flow, source)
            with self.changed:
                self.seen[source.strip()] = time.perf_counter()
                self.changed.notify_all()
            return record

        server.state.save_flow = save_flow  # type: ignore[method-assign]

    def wait(self, source: str, timeout: float = 10.0) -> float:
        deadline = time.perf_counter() + timeout
        with self.changed:
            while source.strip() not in self.seen:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise SystemExit("the watch did not send an edit within 10 s")
                self.changed.wait(left)
            return self.seen[source.strip()]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS in /proc: this bench reads memory the Linux way")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=1000)
    parser.add_argument("--flows", type=int, default=20)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kestra-init-watch-"))
    with FakeKestra(quiet=True) as server:
        project = make_api_project(folder / "p", server)
        files = []
        for number in range(args.flows):
            path = project / "flows" / f"flow_{number:03d}.yml"
            path.write_text(flow_source(number, NAMESPACE, version=0))
            files.append(path)
        clock = WriteClock(server)
        env = {**os.environ, "NO_COLOR": "1"}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        watch = subprocess.Popen(
            [sys.executable, "-m", "kestra_init", "sync", "--watch", "--no-validate"],
            cwd=project,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert watch.stdout is not None
        for line in watch.stdout:  # the first sync, then the watcher in place
            if "Watching" in line:
                break
        drain = threading.Thread(target=lambda: [None for _ in watch.stdout], daemon=True)
        drain.start()
        latencies: list[float] = []
        rss: dict[int, float] = {}
        try:
            for edit in range(1, args.edits + 1):
                number = edit % args.flows
                source = flow_source(number, NAMESPACE, version=edit)
                saved = time.perf_counter()
                files[number].write_text(source)
                written = clock.wait(source)
                if edit <= 20:
                    latencies.append((written - saved) * 1000)
                    time.sleep(0.2)  # quiet between the timed edits, as a person types
                if edit in (10, args.edits):
                    rss[edit] = rss_mb(watch.pid)
        finally:
            watch.send_signal(signal.SIGINT)
            watch.wait(timeout=30)
    latencies.sort()
    median = statistics.median(latencies)
    growth = rss[args.edits] - rss[10]
    print(f"sync --watch, {args.flows} flows, {args.edits} edits\n")
    print(f"{'figure':<40}{'this checkout':>16}{'goal':>10}")
    print(f"{'save to server write, median ms (20)':<40}{median:>16.0f}{GOALS['median_ms']:>10.0f}")
    print(f"{'  fastest / slowest ms':<40}{latencies[0]:>8.0f} /{latencies[-1]:>6.0f}")
    print(f"{'RSS after 10 edits, MB':<40}{rss[10]:>16.1f}")
    print(f"{f'RSS after {args.edits} edits, MB':<40}{rss[args.edits]:>16.1f}")
    print(f"{'growth, MB':<40}{growth:>16.1f}{GOALS['rss_growth_mb']:>10.0f}")
    print(f"{'exit code after Ctrl-C':<40}{watch.returncode:>16}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
