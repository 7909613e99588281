"""Run the fake as a program: ``python3 tests/fake_kestra --port 8080 ...``.

Run as a folder (what a bare container does) Python gives this file no
package; PEP 366's ``__package__`` makes the package's own imports work anyway.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

if not __package__:  # `python3 tests/fake_kestra`: make this folder importable as a package
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "fake_kestra"

from .configuration import credential_problem, credentials_from_configuration, flatten_configuration
from .control import FakeKestra
from .tables import FAKE_VERSION


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="A fake Kestra 1.x server (standard library only)."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--management-port", type=int, default=8081)
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--api-token")
    parser.add_argument("--startup-delay", type=float, default=0.0)
    parser.add_argument("--startup-mode", choices=("refuse", "unavailable"), default="refuse")
    parser.add_argument(
        "--latency", type=float, default=0.0, help="seconds added to every API request"
    )
    parser.add_argument(
        "--flow-cost", type=float, default=0.0, help="seconds added per flow written"
    )
    parser.add_argument("--task-seconds", type=float, default=0.2)
    parser.add_argument("--sleep-scale", type=float, default=1.0)
    parser.add_argument("--error-style", choices=("kestra1", "problem"), default="kestra1")
    parser.add_argument("--quiet", action="store_true", help="do not log requests on stderr")
    parser.add_argument("--version", default=FAKE_VERSION, help="what /api/v1/configs reports")
    args = parser.parse_args(argv)

    configuration = os.environ.get("KESTRA_CONFIGURATION", "")
    username, password = args.username, args.password
    if username is None and password is None:
        username, password = credentials_from_configuration(configuration)
    kestra_url = flatten_configuration(configuration).get("kestra.url")
    fake = FakeKestra(
        host=args.host,
        port=args.port,
        management_port=args.management_port,
        username=username,
        password=password,
        api_token=args.api_token,
        startup_delay=args.startup_delay,
        startup_mode=args.startup_mode,
        latency=args.latency,
        flow_cost=args.flow_cost,
        task_seconds=args.task_seconds,
        sleep_scale=args.sleep_scale,
        error_style=args.error_style,
        kestra_url=kestra_url,
        quiet=args.quiet,
        version=args.version,
    )
    problem = credential_problem(username, password)
    if problem:
        sys.stderr.write(
            f"fake-kestra: {problem}; staying on the setup page (every API call answers 401)\n"
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    fake.start()
    while not fake.listening.wait(0.1):
        if stop.is_set():
            fake.stop()
            return 0
    print(f"fake-kestra listening on {fake.url} (management {fake.management_url})", flush=True)
    stop.wait()
    fake.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
